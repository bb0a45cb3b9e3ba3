"""CLI commands for embodied methods side by side (`lca methods`): a thin shell over the Python API."""

from __future__ import annotations

from .cli import app  # noqa: F401  (commands register on the shared app)
