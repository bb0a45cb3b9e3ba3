"""The one registry of parameters: name, canonical unit, bounds, integer-ness, label and the
source of the range of every value a user can set.

Every entry point reads it: the BOM schema's validators, overrides, sweep axes, Monte
Carlo draws, kernel and workload arguments, the workbook's data validations, the report's
labels and the CLI help. The entries live in ``data/parameters.yaml``; names are dotted
and ``*`` stands for one segment (``components.*.area``, ``profile.*.share``).

Checks are vectorized: :func:`check` tests a whole array at once and raises a
:class:`~lca.errors.ParameterError` naming the parameter, the first offending value and
the bound it breaks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from .errors import DataError, ParameterError


@dataclass(frozen=True)
class Parameter:
    """One registry entry (a name or a pattern with ``*`` segments)."""

    name: str
    unit: str | None            # canonical unit; None: given by the context (a factor's figure)
    min: float | None = None
    max: float | None = None
    min_open: bool = False
    max_open: bool = False
    integer: bool = False
    label: str = ""
    source: str = ""

    def bounds_text(self) -> str:
        """The bounds as a user reads them, e.g. ``> 0 and <= 50 year``."""
        unit = "" if self.unit in (None, "dimensionless") else f" {self.unit}"
        parts = []
        if self.min is not None:
            parts.append(f"{'>' if self.min_open else '>='} {self.min:g}")
        if self.max is not None:
            parts.append(f"{'<' if self.max_open else '<='} {self.max:g}")
        text = " and ".join(parts) or "finite"
        if self.integer:
            text = f"a whole number {text}"
        return text + unit

    def contains(self, values: np.ndarray) -> np.ndarray:
        """Element-wise: finite and within the bounds (and whole where required)."""
        ok = np.isfinite(values)
        if self.min is not None:
            ok &= (values > self.min) if self.min_open else (values >= self.min)
        if self.max is not None:
            ok &= (values < self.max) if self.max_open else (values <= self.max)
        if self.integer:
            ok &= np.floor(values) == values
        return ok


@lru_cache(maxsize=1)
def entries() -> dict[str, Parameter]:
    """Every entry of ``data/parameters.yaml``, by name or pattern."""
    from . import data

    raw = data.load_yaml("parameters.yaml")
    entries = raw.get("parameters") if isinstance(raw, dict) else None
    if not isinstance(entries, dict):
        raise DataError("data/parameters.yaml: expected a mapping 'parameters'")
    out: dict[str, Parameter] = {}
    for name, e in entries.items():
        try:
            out[str(name)] = Parameter(
                name=str(name), unit=e.get("unit"),
                min=None if e.get("min") is None else float(e["min"]),
                max=None if e.get("max") is None else float(e["max"]),
                min_open=bool(e.get("min_open", False)), max_open=bool(e.get("max_open", False)),
                integer=bool(e.get("integer", False)), label=str(e.get("label", name)),
                source=str(e.get("source", "")))
        except (TypeError, ValueError, AttributeError) as exc:
            raise DataError(f"data/parameters.yaml: {name}: {exc}") from None
    return out


def _matches(pattern: str, name: str) -> bool:
    p, n = pattern.split("."), name.split(".")
    return len(p) == len(n) and all(a == "*" or a == b for a, b in zip(p, n))


@lru_cache(maxsize=4096)
def _lookup(name: str) -> Parameter | None:
    reg = entries()
    if name in reg:
        return reg[name]
    # component names may contain dots: match components.<anything>.<field> on the field
    if name.startswith("components."):
        field = name.rsplit(".", 1)[-1]
        return reg.get(f"components.*.{field}")
    candidates = [p for p in reg.values() if _matches(p.name, name)]
    if candidates:
        return min(candidates, key=lambda p: p.name.count("*"))
    # method factor keys may have several segments (factors.act2022.logic.14nm.epa)
    if name.startswith("factors.") and name.count(".") >= 2:
        return reg.get("factors.*.*")
    return None


def find(name: str) -> Parameter | None:
    """The registry entry for ``name`` (exact, else the most specific pattern), or None."""
    return _lookup(name)


def get(name: str) -> Parameter:
    """The registry entry for ``name``; ParameterError for a name it does not know."""
    p = _lookup(name)
    if p is None:
        raise ParameterError(f"{name}: not a registered parameter", parameter=name)
    return p


def label(name: str) -> str:
    """A short human label for ``name`` (``components.dram.dies`` -> ``dram: dies``)."""
    p = _lookup(name)
    if p is None:
        return name
    parts = name.split(".")
    if name.startswith("components."):
        return f"{name[len('components.'):].rsplit('.', 1)[0]}: {p.label}"
    if name.startswith("profile."):
        return f"{p.label} of state {parts[1]}"
    if name.startswith("factors.") and len(parts) >= 3:
        return f"{parts[1]} factor {'.'.join(parts[2:])}"
    return p.label


def check(name: str, value: Any, unit: str | None = None) -> Any:
    """``value`` (a number or an array) checked against ``name``'s bounds; returned as is.

    Raises ParameterError for a value that is not a real number, is not finite, breaks a
    bound or is fractional where a whole number is required. One vectorized test per
    array, never a Python loop over its elements.
    """
    p = get(name)
    if isinstance(value, bool) or value is None or isinstance(value, (str, bytes)):
        raise ParameterError(f"{name}: expected a number, got {value!r}", parameter=name,
                             value=value, bound=p.bounds_text())
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise ParameterError(f"{name}: expected a number or an array of numbers, got "
                             f"{type(value).__name__}", parameter=name, value=value,
                             bound=p.bounds_text()) from None
    ok = p.contains(arr)
    if not np.all(ok):
        bad = arr[~ok] if arr.ndim else arr
        first = float(np.ravel(bad)[0])
        shown = f"{first:g}" if math.isfinite(first) else str(first)
        unit_text = "" if (unit or p.unit) in (None, "dimensionless") else f" {unit or p.unit}"
        raise ParameterError(f"{name}: expected {p.bounds_text()}, got {shown}{unit_text}",
                             parameter=name, value=first, bound=p.bounds_text())
    return value


def to_canonical(name: str, value: Any, unit: str | None = None) -> Any:
    """``value`` as a plain number (or array) in the canonical unit of ``name``.

    A number or array is taken as canonical already; a pint Quantity or a string with a
    unit (``"50 gCO2e/kWh"``) is converted. ``unit`` gives the canonical unit where the
    registry leaves it to the context (a factor's own unit). The result is checked.
    """
    p = get(name)
    canonical = unit or p.unit or "dimensionless"
    if isinstance(value, str) or hasattr(value, "magnitude"):
        from .units import ureg

        q = value
        if isinstance(value, str):
            try:
                q = ureg.Quantity(value.strip())
            except Exception:  # pint raises several types for unreadable text
                raise ParameterError(f"{name}: cannot read {value!r} as a quantity",
                                     parameter=name, value=value) from None
        try:
            value = q.to(canonical).magnitude
        except Exception:
            raise ParameterError(f"{name}: expected a quantity in {canonical}, got {value}",
                                 parameter=name, value=value) from None
    return check(name, value, canonical)


__all__ = ["Parameter", "entries", "find", "get", "label", "check", "to_canonical"]
