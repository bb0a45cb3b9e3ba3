"""CLI commands for accelerator kernels and training / inference workloads (`lca kernel`, `lca workload`): a thin shell over the Python API."""

from __future__ import annotations

from .cli import app  # noqa: F401  (commands register on the shared app)
