"""Embodied methods side by side, and low / likely / high ranges of embodied carbon.

Ranges. Every factor a method reads is a parameter ``factors.<method>.<name>`` with a sourced
figure (value, min, max; ``impl.factor_parameters``). :func:`embodied_range` evaluates one
vectorized batch of ``2k + 1`` scenarios (the base case, then each of the ``k`` factors with
a range alone at its min and alone at its max), takes for each factor the end that lowers
the embodied total (yield, for instance, works the other way round) and the end that
raises it, and evaluates the all-low and all-high corners: two calls of
``lca.model.evaluate`` in all. For models monotone in each factor, as all four methods are,
the corners are the extremes over the box of factor ranges. A factor overridden by the
caller counts as given: it is held at its value.

Comparison. :func:`compare_methods` runs one BOM through every registered method and returns
a DataFrame: index ``method``, one column per component [kgCO2e] (NaN where the method
cannot cover it), ``total``, ``low``, ``high`` [kgCO2e] and ``covered`` (components covered);
``df.attrs["uncovered"]`` = {method: {component: reason}}, ``df.attrs["notes"]`` =
{method: [notes]} (stand-ins and the options used).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import ValidationError

if TYPE_CHECKING:
    import pandas as pd

from .bom import Bom, EmbodiedOptions, load_bom
from .errors import BomError, ParameterError
from .model import Compiled, evaluate

#: Options of the BOM's ``embodied:`` block that compare_methods accepts as keywords
#: (they apply to the methods that read them: act2022).
EMBODIED_OPTION_KEYS = ("fab_grid", "gas_abatement", "yield")

COMPONENT_PREFIX = "embodied_by_component_kgco2e."

#: Columns of the comparison besides the components (kgCO2e, except covered: a count).
SUMMARY_COLUMNS = ("total", "low", "high", "covered")


@dataclass(frozen=True)
class EmbodiedRange:
    """Low / likely / high embodied carbon [kgCO2e] of one scenario."""

    low: float
    likely: float
    high: float
    components: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    #: factor parameter -> (value giving the low end, value giving the high end)
    factors: dict[str, tuple[float, float]] = field(default_factory=dict)


def factor_figures(compiled: Compiled) -> dict[str, Any]:
    """The factor parameters of a compiled BOM and their sourced figures."""
    from .embodied import get_method

    return get_method(compiled.method).factor_parameters(compiled.options)


def varied_factors(compiled: Compiled, params: Mapping[str, Any]) -> dict[str, tuple[float, float]]:
    """Factors with a range (min < max) that the caller has not overridden: name -> (min, max)."""
    out: dict[str, tuple[float, float]] = {}
    for key, fig in factor_figures(compiled).items():
        if key not in params or fig.min is None or fig.max is None or not fig.min < fig.max:
            continue
        if np.ndim(params[key]) != 0 or float(params[key]) != float(compiled.params.get(key, np.nan)):
            continue  # overridden by the caller: held at its value
        out[key] = (float(fig.min), float(fig.max))
    return out


def embodied_range(compiled: Compiled, params: Mapping[str, Any] | None = None) -> EmbodiedRange:
    """Low / likely / high embodied carbon of one scenario over the factors' ranges."""
    params = dict(compiled.params if params is None else params)
    for key, value in params.items():
        if np.ndim(value) != 0:
            raise ParameterError(f"embodied_range: one scenario only, but {key} is an array")
    varied = varied_factors(compiled, params)
    keys = list(varied)
    k = len(keys)
    batch: dict[str, Any] = dict(params)
    for i, key in enumerate(keys):
        column = np.full(2 * k + 1, float(params[key]))
        column[1 + i], column[1 + k + i] = varied[key]
        batch[key] = column
    one = evaluate(compiled, batch, n=2 * k + 1)
    emb = one["embodied_kgco2e"]
    chosen: dict[str, tuple[float, float]] = {}
    corners: dict[str, Any] = dict(params)
    for i, key in enumerate(keys):
        lo, hi = varied[key]
        low_end, high_end = (lo, hi) if emb[1 + i] <= emb[1 + k + i] else (hi, lo)
        chosen[key] = (low_end, high_end)
        corners[key] = np.array([low_end, high_end])
    two = evaluate(compiled, corners, n=2)
    likely = float(emb[0])
    low = min(float(two["embodied_kgco2e"][0]), likely)
    high = max(float(two["embodied_kgco2e"][1]), likely)
    components = {}
    for col in one:
        if col.startswith(COMPONENT_PREFIX):
            base = float(one[col][0])
            c_lo, c_hi = (float(v) for v in two[col])
            components[col[len(COMPONENT_PREFIX):]] = (min(c_lo, c_hi, base), base,
                                                      max(c_lo, c_hi, base))
    return EmbodiedRange(low=low, likely=likely, high=high, components=components, factors=chosen)


def with_embodied_options(bom: Bom | str | Path, **options: Any) -> Bom:
    """A copy of ``bom`` with ``embodied:`` options replaced (``fab_grid``, ``gas_abatement``,
    ``yield``; also ``method``), validated as in a BOM file."""
    bom = load_bom(bom)
    given = {k: v for k, v in options.items() if v is not None}
    if not given:
        return bom
    raw = bom.embodied.model_dump(by_alias=True, exclude_none=True)
    raw.update(given)
    try:
        emb = EmbodiedOptions.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        path = ".".join(["embodied", *(str(p) for p in err["loc"])])
        raise BomError(err["msg"].removeprefix("Value error, "), path=path) from None
    return bom.model_copy(update={"embodied": emb})


def compare_methods(bom: Bom | str | Path, methods: list[str] | None = None,
                    **overrides: Any) -> pd.DataFrame:
    """Embodied carbon of one BOM by every method (or ``methods``), side by side.

    Parameters
    ----------
    bom : Bom, path, or the name of a shipped BOM
    methods : method names (default: all registered, the default method first)
    **overrides
        ``fab_grid``, ``gas_abatement``, ``yield`` (act2022 options); ``factors.<method>.<name>``
        (applied to that method only); any other parameter or override of ``lca.assess``
        (applied to every method).

    Returns
    -------
    DataFrame, index ``method``; columns: each component [kgCO2e] (NaN where not covered),
    ``total``, ``low``, ``high`` [kgCO2e], ``covered`` [count]. ``attrs``: ``uncovered``
    {method: {component: reason}}, ``notes`` {method: [str]}, ``unit`` "kgCO2e".
    """
    from .assessment import assess
    from .embodied import DEFAULT_METHOD, METHODS

    if "method" in overrides:
        raise ParameterError("compare_methods runs every method: give methods=[...] instead of method")
    opts = {k: overrides.pop(k) for k in EMBODIED_OPTION_KEYS if k in overrides}
    if "yield_" in overrides:
        opts["yield"] = overrides.pop("yield_")
    base = load_bom(bom)
    names = list(methods) if methods is not None else (
        [DEFAULT_METHOD] + [m for m in METHODS if m != DEFAULT_METHOD])
    for m in names:
        if m not in METHODS:
            raise ParameterError(f"unknown method {m!r}: expected one of {', '.join(METHODS)}")
    rows, uncovered, notes = [], {}, {}
    components = [c.name for c in base.components]
    clash = sorted(set(components) & set(SUMMARY_COLUMNS))
    if clash:
        raise ParameterError(f"component name {clash[0]!r} clashes with a column of the comparison "
                             f"({', '.join(SUMMARY_COLUMNS)}): rename the component")
    for m in names:
        over = {k: v for k, v in overrides.items()
                if not k.startswith("factors.") or k.startswith(f"factors.{m}.")}
        b = with_embodied_options(base, **opts) if opts else base
        a = assess(b, method=m, **over)
        rng = a.embodied_range
        row: dict[str, Any] = {c: a.row[COMPONENT_PREFIX + c] for c in components}
        row.update(total=a.row["embodied_kgco2e"], low=rng["low"].magnitude,
                   high=rng["high"].magnitude, covered=len(components) - len(a.uncovered))
        rows.append(row)
        uncovered[m] = a.uncovered
        notes[m] = a.notes
    import pandas as pd  # on use: `import lca` does not load pandas

    frame = pd.DataFrame(rows, index=pd.Index(names, name="method"),
                         columns=components + list(SUMMARY_COLUMNS))
    frame["covered"] = frame["covered"].astype(int)
    frame.attrs.update(uncovered=uncovered, notes=notes, unit="kgCO2e")
    from .display import as_result

    return as_result(frame, "methods")


__all__ = [
    "EmbodiedRange",
    "compare_methods",
    "embodied_range",
    "factor_figures",
    "varied_factors",
    "with_embodied_options",
]
