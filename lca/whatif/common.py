"""Shared pieces of what-if analysis: defaults, canonical units of parameters, and the
base case of a BOM with overrides."""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from .. import data
from ..errors import LcaError, ParameterError
from ..model import ALIASES, Compiled, electricity_parameters, to_canonical


#: Scenarios evaluated per call of the model inside a chunk: the model's float64
#: temporaries (8 bytes x SUB_BLOCK = 64 KiB) stay in cache and stay below glibc's mmap
#: threshold (128 KiB by default, M_MMAP_THRESHOLD), so they come from the heap and are
#: reused between sub-blocks instead of being mapped and faulted in again each time (at
#: 1 << 14 rows, exactly 128 KiB, a 1e6-row DGX sweep took about 34,000 minor faults and
#: ran at 3 or 7 M rows/s depending on allocation history; issue 15).
SUB_BLOCK = 1 << 13

#: Rows of a cartesian sweep evaluated per call of the model on broadcast axes
#: (lca.whatif.sweeps): large, because there only a column that depends on every axis
#: has temporaries of this many values, and each call costs about half a millisecond of
#: Python whatever its size.
SLAB_ROWS = 1 << 20

#: Axis names that are not numeric parameters.
REGION, METHOD = "region", "method"


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

def canonical(compiled: Compiled, name: str, value: Any) -> float:
    """``value`` (a number in canonical units, a pint Quantity or a string such as
    ``"50 gCO2e/kWh"``) as a float in the parameter's canonical unit, as lca.assess reads it."""
    value = to_canonical(compiled, name, value)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name}: expected a number, got {value!r}") from None


def _canonical_array(compiled: Compiled, name: str, values: Any) -> np.ndarray:
    """An axis or column of values as a float array in canonical units."""
    if hasattr(values, "magnitude") and np.ndim(values.magnitude) > 0:  # a pint array
        return np.asarray(to_canonical(compiled, name, values), dtype=float).ravel()
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
        if k == REGION:   # the region's grid and electricity impacts, as prepare set them
            for key in ("grid", *electricity_parameters(None)):
                if key not in compiled.fixed:
                    given[key] = params[key]
            continue
        key = ALIASES.get(k, k)
        given[key] = params[key]
    return compiled, given, meta, params
