"""Modules imported on first use, so that the CLI loads only what a command needs.

``lca --help`` and ``lca assess`` must not pay for pandas, matplotlib, openpyxl or the
what-if machinery; the CLI modules name those as ``np = lazy_module("numpy")`` and the
import happens when a command first reads an attribute.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType
from typing import Any


class LazyModule:
    """A stand-in for a module that imports it on the first attribute access."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def _load(self) -> ModuleType:
        if self._module is None:
            self._module = import_module(self._name)
        return self._module

    def __getattr__(self, attr: str) -> Any:
        # called only for names not found on the instance: after the first use, each
        # attribute lives in the instance's __dict__ and costs a plain lookup
        value = getattr(self._load(), attr)
        self.__dict__[attr] = value
        return value

    def __repr__(self) -> str:
        state = "loaded" if self._module is not None else "not loaded yet"
        return f"<lazy module {self._name!r} ({state})>"


def lazy_module(name: str) -> Any:
    """A module imported when first used (``pd = lazy_module("pandas")``)."""
    return LazyModule(name)


__all__ = ["LazyModule", "lazy_module"]
