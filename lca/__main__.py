"""``python -m lca``: the command line (lca.cli)."""

from .cli import main

main()
