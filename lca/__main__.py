"""``python -m lca``: the command line (lca.cli.main).

Ctrl-C while the package is still being imported ends the same way as during a command:
one line, exit code 130, no traceback.
"""

import sys


def run() -> None:
    try:
        from lca.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("lca: interrupted\n")
        sys.exit(130)
    main()


if __name__ == "__main__":
    run()
