"""Questions answered from the same engine: break-even grid intensity, the refresh
(optimal lifetime) question, and interventions alone and together."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from .. import data
from ..bom import Bom
from ..errors import ParameterError
from ..model import ALIASES, evaluate, region_parameters, resolve
from ..units import ureg
from .common import METHOD, REGION, _prepared, canonical


# --- questions ---------------------------------------------------------------------------------

def _base_columns(bom, overrides, extra: Mapping[str, Any] | None = None, n: int = 1):
    compiled, given, _, params = _prepared(bom, overrides)
    cols = evaluate(compiled, resolve(compiled, {**given, **(extra or {})}), n)
    return compiled, params, cols


def break_even_grid(bom: "Bom | str | Path", **overrides: Any):
    """The grid intensity [kgCO2e/kWh] at which operational carbon per year equals
    embodied carbon per year: ``embodied_per_year / energy_per_year`` (operational is
    linear in the grid intensity and zero at zero). Returns a pint Quantity."""
    _, _, cols = _base_columns(bom, overrides)
    value = float(cols["embodied_kgco2e_per_year"][0] / cols["energy_kwh_per_year"][0])
    return ureg.Quantity(value, "kgCO2e/kWh")


def lambert_w0(x):
    """Principal branch W0 of the Lambert W function (w e^w = x) for x >= -1/e,
    vectorized: Halley iteration from the branch-point series (x < 1) or log(1 + x)
    (Corless et al. 1996, sections 4-5)."""
    x = np.asarray(x, dtype=float)
    if np.any(x < -1 / math.e - 1e-15):
        raise ParameterError("lambert_w0: expected x >= -1/e")
    p = np.sqrt(np.maximum(2 * (math.e * x + 1), 0.0))
    w = np.where(x < 1.0, -1 + p - p * p / 3 + 11 / 72 * p ** 3, np.log1p(np.maximum(x, 0.0)))
    for _ in range(50):
        ew = np.exp(w)
        f = w * ew - x
        wp1 = w + 1
        live = np.abs(wp1) > 1e-12          # at the branch point w = -1 exactly: done
        safe = np.where(live, wp1, 1.0)
        step = np.where(live, f / (ew * safe - (safe + 1) * f / (2 * safe)), 0.0)
        w = w - step
        if np.all(np.abs(step) <= 4e-16 * (1 + np.abs(w))):
            break
    return w


def refresh_footprint(lifetime, embodied_kg, operational_kg_per_year, efficiency_gain):
    """Mean footprint per year [kgCO2e/a] of replacing a server every ``lifetime`` [years]
    when each year's new server needs ``1 - efficiency_gain`` [-] of the previous year's
    energy for the same work.

    Model (continuous, in today's terms): a server bought at time s emits
    ``operational_kg_per_year * (1-g)^s`` [kgCO2e/a] for the same work for its whole life,
    and ``embodied_kg`` [kgCO2e] once (embodied carbon of new servers taken as
    constant). Measured against the newest server available at each moment, a server of
    age a emits ``(1-g)^-a`` times the best; averaged over a life of L years:

        F(L) = E / L + O * (e^(k L) - 1) / (k L),   k = -ln(1 - g)

    (F = E/L + O when g = 0). E: embodied [kgCO2e]; O: operational per year of a new
    server [kgCO2e/a].
    """
    L = np.asarray(lifetime, dtype=float)
    g = np.asarray(efficiency_gain, dtype=float)
    k = -np.log1p(-g)
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(k * L > 1e-12, np.expm1(k * L) / (k * L), 1.0 + k * L / 2)
    return embodied_kg / L + operational_kg_per_year * factor


def refresh_optimal_lifetime(embodied_kg, operational_kg_per_year, efficiency_gain):
    """The lifetime [years] that minimises :func:`refresh_footprint`: setting dF/dL = 0
    gives e^(kL) (kL - 1) = E k / O - 1, so L* = (1 + W0((E k / O - 1) / e)) / k with W0
    the principal Lambert W branch; infinite when g = 0 or O = 0."""
    E = np.asarray(embodied_kg, dtype=float)
    O = np.asarray(operational_kg_per_year, dtype=float)
    k = -np.log1p(-np.asarray(efficiency_gain, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        arg = np.where(O > 0, (E * k / np.where(O > 0, O, 1.0) - 1) / math.e, 0.0)
        life = (1 + lambert_w0(arg)) / k
    return np.where((k > 0) & (O > 0), life, np.inf)


@dataclass(frozen=True)
class Refresh:
    """Answer to the refresh question (see :func:`refresh_footprint` for the model)."""

    lifetime: Any                 # optimal lifetime [year] (Quantity)
    total_per_year: Any           # F at the optimum [kgCO2e/year] (Quantity)
    embodied: Any                 # E [kgCO2e]
    operational_per_year: Any     # O of a new server [kgCO2e/year]
    efficiency_gain: float        # g [-/year]


def optimal_lifetime(bom: "Bom | str | Path", efficiency_gain: float, **overrides: Any) -> Refresh:
    """The refresh question: the lifetime that minimises the footprint per year when each
    year's replacement server needs ``efficiency_gain`` (e.g. 0.15 for 15 %) less energy
    for the same work. E and O come from the BOM (``lca.assess`` with ``overrides``);
    the model is :func:`refresh_footprint`, solved in closed form
    (:func:`refresh_optimal_lifetime`)."""
    from .. import registry

    g = float(registry.check_one("refresh.efficiency_gain", efficiency_gain))
    _, _, cols = _base_columns(bom, overrides)
    E = float(cols["embodied_kgco2e"][0])
    O = float(cols["operational_kgco2e_per_year"][0])
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):   # g -> 0: never refresh
        life = float(refresh_optimal_lifetime(E, O, g))
        total = float(refresh_footprint(life, E, O, g)) if math.isfinite(life) else O
    return Refresh(lifetime=ureg.Quantity(life, "year"),
                   total_per_year=ureg.Quantity(total, "kgCO2e/year"),
                   embodied=ureg.Quantity(E, "kgCO2e"),
                   operational_per_year=ureg.Quantity(O, "kgCO2e/year"), efficiency_gain=g)


def break_even_lifetime(bom: "Bom | str | Path", efficiency_gain: float, **overrides: Any):
    """The break-even lifetime [year] of the refresh question: the age at which the
    ageing server's operational rate, ``O (1-g)^-L`` against the newest server, has risen
    to the mean footprint per year of a refresh cycle, ``F(L)``. It is the lifetime of
    :func:`optimal_lifetime` (where the marginal cost of keeping a server one more year
    equals the average cost: dF/dL = 0 is the same equation). Returns a Quantity."""
    return optimal_lifetime(bom, efficiency_gain, **overrides).lifetime


def interventions(bom: "Bom | str | Path", changes: Mapping[str, Mapping[str, Any]] |
                  Sequence[tuple[str, Mapping[str, Any]]], *, together: bool = True,
                  **overrides: Any) -> pd.DataFrame:
    """Savings of interventions applied alone and together.

    ``changes`` maps a label to overrides, as for :func:`lca.assess`:
    ``{"renewable supply": {"region": "renewable-clemm2024"}, "PUE 1.1": {"pue": 1.1},
    "6-year life": {"lifetime": 6}, "busier": {"profile.0.share": 0.9}}`` (for a BOM with
    a power curve, a utilization change is ``{"utilization": 0.8}``). ``overrides`` set
    the baseline, as for :func:`lca.assess`. Returns one row for the baseline, one per
    intervention alone and (``together``, when there are several) one for all of them
    together; two interventions that set the same parameter cannot be combined (an
    error). Columns: ``intervention``, the result columns of :func:`sweep`
    (``total_kgco2e_per_year``, ...), ``saving_kgco2e_per_year`` (baseline total minus
    this row's [kgCO2e/a]) and ``saving_share`` (of the baseline total). Each row equals
    ``lca.assess(bom, **overrides, **intervention)``; all rows are one vectorized call.
    """
    items = list(changes.items()) if isinstance(changes, Mapping) else list(changes)
    if not items:
        raise ParameterError("interventions: expected at least one intervention")
    compiled, given, _, params = _prepared(bom, overrides)
    rows: list[dict[str, float]] = [{}]
    labels = ["baseline"]
    merged: dict[str, float] = {}
    owner: dict[str, str] = {}
    for label, change in items:
        row: dict[str, float] = {}
        for k, v in dict(change).items():
            if k == METHOD:
                raise ParameterError(f"{label}: a change of method is not an intervention "
                                     "(compare methods with lca.sweep(..., method=[...]))")
            if k == REGION:
                if "grid" in change:
                    raise ParameterError(f"{label}: give grid or region, not both")
                values = {key: value for key, value in region_parameters(str(v))[0].items()
                          if key not in compiled.fixed}   # grid; water, ADPe, PE per kWh
            else:
                key = ALIASES.get(k, k)
                if key not in compiled.params:
                    resolve(compiled, {key: 0.0})   # raises the unknown-parameter error
                values = {key: canonical(compiled, key, v)}
            for key, value in values.items():
                if key in owner:
                    raise ParameterError(f"interventions {owner[key]!r} and {label!r} both set "
                                         f"{key}; they cannot be applied together")
                owner[key] = str(label)
                row[key] = value
        merged.update(row)
        rows.append(row)
        labels.append(str(label))
    if together and len(items) > 1:
        rows.append(merged)
        labels.append("together")
    over: dict[str, Any] = dict(given)
    for key in owner:
        base = float(np.asarray(params[key]))
        over[key] = np.array([r.get(key, base) for r in rows], dtype=float)
    cols = evaluate(compiled, resolve(compiled, over), len(rows))
    result = pd.DataFrame({"intervention": labels,
                           **{k: over[k] for k in owner},
                           **{k: np.asarray(v) for k, v in cols.items()}})
    total = result["total_kgco2e_per_year"].to_numpy()
    result["saving_kgco2e_per_year"] = total[0] - total
    result["saving_share"] = (total[0] - total) / total[0]
    return result
