"""CLI commands for what-if analysis (`lca sweep`, `lca mc`, `lca sensitivity`): a thin shell over the Python API."""

from __future__ import annotations

from .cli import app  # noqa: F401  (commands register on the shared app)
