"""Shared pieces of what-if analysis: defaults, canonical units of parameters, and the
base case of a BOM with overrides."""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from .. import data
from ..assessment import OVERRIDE_UNITS, _to_canonical
from ..errors import LcaError, ParameterError
from ..model import ALIASES, Compiled
from ..units import ureg


#: Scenarios evaluated per call of the model inside a chunk (keeps temporaries in cache).
SUB_BLOCK = 1 << 14

#: Axis names that are not numeric parameters.
REGION, METHOD = "region", "method"

#: Canonical units of component fields (lca.bom) and of factor-override bases.
_FIELD_UNITS = {"area": "cm^2", "die_area": "cm^2", "capacity": "GB", "density": "GB/cm^2",
                "carbon": "kgCO2e", "mass": "kg", "count": None, "dies": None,
                "packages": None, "modules": None, "layers": None}
_BASIS_UNITS = {"area": "kgCO2e/cm^2", "capacity": "kgCO2e/GB", "mass": "kgCO2e/kg",
                "unit": "kgCO2e"}
_FU_UNITS = {"sustained_flops": "FLOP/s", "requests_per_second": "1/s",
             "tokens_per_second": "1/s"}


class MissingDependencyError(LcaError):
    """An optional dependency (e.g. SALib for Sobol indices) is not installed."""


def defaults() -> dict[str, Any]:
    """The what-if defaults of ``data/whatif.yaml`` (figures as :class:`lca.data.Figure`)."""
    raw = data.load_yaml("whatif.yaml")
    out: dict[str, Any] = {"default_distribution": raw["monte_carlo"]["default_distribution"]}
    for section in ("monte_carlo", "sensitivity"):
        for key, node in raw[section].items():
            if data.is_figure(node):
                out[key] = data.figure(node, f"whatif.yaml: {section}.{key}")
    return out


# --- values in canonical units ------------------------------------------------------------

def parameter_unit(compiled: Compiled, name: str) -> str | None:
    """Canonical unit of a parameter (None: dimensionless)."""
    key = ALIASES.get(name, name)
    if key in OVERRIDE_UNITS:
        return OVERRIDE_UNITS[key]
    if key.startswith("profile."):
        return "W" if key.endswith(".power") else None
    if key.startswith("components."):
        comp, fld = key[len("components."):].rsplit(".", 1)
        if fld == "factor":
            spec = next((c for c in compiled.components if c.name == comp), None)
            return _BASIS_UNITS.get(spec.factor_basis) if spec else None
        return _FIELD_UNITS.get(fld)
    if key.startswith("factors."):
        from ..embodied import get_method
        figs = get_method(compiled.method).factor_parameters(compiled.options)
        return figs[key].unit if key in figs else None
    if key.startswith("functional_unit."):
        return _FU_UNITS.get(key.split(".", 1)[1])
    return None


def canonical(compiled: Compiled, name: str, value: Any) -> float:
    """``value`` (a number in canonical units, a pint Quantity or a string such as
    ``"50 gCO2e/kWh"``) as a float in the parameter's canonical unit."""
    key = ALIASES.get(name, name)
    if key in OVERRIDE_UNITS:   # the same conversion as lca.assess
        value = _to_canonical(key, value)
    elif isinstance(value, str) or hasattr(value, "magnitude"):
        q = value
        if isinstance(value, str):
            try:
                q = ureg.Quantity(value)
            except Exception:
                raise ParameterError(f"{name}: cannot read {value!r} as a quantity") from None
        unit = parameter_unit(compiled, key) or "dimensionless"
        try:
            value = float(q.to(unit).magnitude)
        except Exception:
            raise ParameterError(f"{name}: expected a quantity in {unit}, got {value}") from None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name}: expected a number, got {value!r}") from None


def _canonical_array(compiled: Compiled, name: str, values: Any) -> np.ndarray:
    """An axis or column of values as a float array in canonical units."""
    if hasattr(values, "magnitude") and np.ndim(values.magnitude) > 0:  # a pint array
        unit = parameter_unit(compiled, name) or "dimensionless"
        try:
            return np.asarray(values.to(unit).magnitude, dtype=float).ravel()
        except Exception:
            raise ParameterError(f"{name}: expected quantities in {unit}, got {values.units}") from None
    arr = np.asarray(values if np.ndim(values) else [values])
    if arr.dtype.kind in "fiub":
        return arr.astype(float).ravel()
    flat = arr.ravel()
    uniq, inverse = np.unique(flat.astype(str), return_inverse=True) if all(
        isinstance(v, str) for v in flat) else (flat, np.arange(len(flat)))
    conv = np.array([canonical(compiled, name, v) for v in uniq], dtype=float)
    return conv[inverse]


def _prepared(bom: Any, overrides: Mapping[str, Any]):
    """``lca.assessment.prepare`` plus the canonical overrides the user gave (so that
    later overrides complete profile shares from the user's, not from filled-in ones)."""
    from ..assessment import prepare
    compiled, params, meta = prepare(bom, overrides)
    given: dict[str, Any] = {}
    for k, v in overrides.items():
        if v is None or k == METHOD:
            continue
        key = "grid" if k == REGION else ALIASES.get(k, k)
        given[key] = params[key]
    return compiled, given, meta, params
