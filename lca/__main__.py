"""``python -m lca``: the command line (lca.cli.main).

Ctrl-C while the package is still being imported ends the same way as during a command:
one line, exit code 130, no traceback.
"""


def run() -> None:
    try:
        from lca.cli import main
    except KeyboardInterrupt:
        from lca._interrupt import exit_interrupted

        exit_interrupted()
    main()


if __name__ == "__main__":
    run()
