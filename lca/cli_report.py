"""CLI commands for spreadsheet export and reports (`lca export`, `lca report`): a thin shell over the Python API."""

from __future__ import annotations

from .cli import app  # noqa: F401  (commands register on the shared app)
