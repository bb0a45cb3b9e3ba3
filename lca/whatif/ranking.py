"""Sensitivity: one-at-a-time swings (tornado data) and Sobol indices (SALib)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .. import data, power, registry
from ..bom import Bom
from ..errors import ParameterError
from ..model import ALIASES, evaluate, resolve
from ..model import parameter_unit
from .common import MissingDependencyError, _prepared, canonical, defaults


# --- sensitivity -----------------------------------------------------------------------------

def input_ranges(bom: "Bom | str | Path", *, lifecycle: bool = False,
                 **overrides: Any) -> pd.DataFrame:
    """Every input with a range and where the range comes from: the method's factors
    (their figures' min/max), grid (a country's lowest and highest yearly value over
    the five years to its data year, data/grid/countries.csv; a named value's own range;
    the judgement band of ``data/whatif.yaml`` only for a grid given as a number),
    lifetime, PUE, powers and time shares (bands of ``data/whatif.yaml``; a power that
    comes from the parts varies through the power model's figures of data/power.yaml,
    ``power.*``, over their sourced min-max instead). With ``lifecycle``,
    also the inputs that move only the life-cycle columns (WUE, the electricity's
    water/ADPe/PE, mass, transport, end-of-life and infrastructure factors:
    :func:`lifecycle_ranges`). Columns: parameter, base, low, high, unit, source."""
    from ..assessment import prepare
    from ..embodied import get_method
    compiled, params, meta = prepare(bom, overrides)
    d = defaults()
    rows: list[tuple] = []

    def add(name, low, high, source, unit=None):
        base = float(np.asarray(params[name]))
        unit = parameter_unit(compiled, name) or unit or ""   # the registry's, else the figure's
        p = registry.get(name)   # a band never swings a value out of the registry's bounds
        if p.min is not None and low < p.min:
            low, source = p.min, f"{source}; low end held at the bound {p.bounds_text()}"
        if p.max is not None and high > p.max:
            high, source = p.max, f"{source}; high end held at the bound {p.bounds_text()}"
        if low != high:
            rows.append((name, base, float(low), float(high), unit, source))

    region = meta.get("region")
    g = data.grid_table().get(region) if region else None
    grid = float(params["grid"])
    if g is not None and not np.isclose(grid, g.value):
        g = None   # the grid value was given over the region's: its range does not apply
    if g is not None and g.range_years is not None:
        add("grid", g.min, g.max, grid_range_source(g))
    elif g is not None and g.min is not None and g.max is not None:
        add("grid", g.min, g.max, f"range of {g.key} (data/grid/named.yaml)")
    else:
        b = d["grid_band"]
        add("grid", grid * b.min, grid * b.max, f"{b.min:g}x-{b.max:g}x "
            "(data/whatif.yaml grid_band: a grid value given as a number has no range of "
            "its own)")
    life, lf = float(params["lifetime"]), d["lifetime"]
    add("lifetime", min(life, lf.min), max(life, lf.max), "data/whatif.yaml lifetime")
    pue, pf = float(params["pue"]), d["pue"]
    add("pue", min(pue, pf.min), max(pue, pf.max), "data/whatif.yaml pue")
    pb, sb = d["power_band"], d["share_band"]
    from_parts = {i for i, _ in compiled.parts_states}
    if compiled.parts_power is not None:   # the power model's figures, not a band
        figs = power.figures()
        for path in compiled.parts_power.used:
            f = figs[path]
            if f.min is not None and f.max is not None:
                add(power.parameter_name(path), f.min, f.max,
                    f"data/power.yaml {path}: {f.source}", f.unit)
    if compiled.power_mode == "profile":
        for i in range(compiled.n_states):
            if i in from_parts:
                continue
            k = f"profile.{i}.power"
            v = float(params[k])
            add(k, v * pb.min, v * pb.max, "data/whatif.yaml power_band")
        for i in range(compiled.n_states - 1):
            k = f"profile.{i}.share"
            v = float(params[k])
            add(k, max(0.0, v + sb.min), min(1.0, v + sb.max),
                "data/whatif.yaml share_band (the last state takes the remainder)")
    else:
        for k in ("idle_power", "max_power") if compiled.parts_power is None else ():
            v = float(params[k])
            add(k, v * pb.min, v * pb.max, "data/whatif.yaml power_band")
        v = float(params["utilization"])
        add("utilization", max(0.0, v + sb.min), min(1.0, v + sb.max),
            "data/whatif.yaml share_band")
    figs = get_method(compiled.method).factor_parameters(compiled.options)
    for k, f in figs.items():
        add(k, f.low, f.high, f.source, f.unit)
    if lifecycle:
        for k, low, high, unit, source in lifecycle_ranges(compiled, params, d["grid_band"]):
            add(k, low, high, source, unit)
    return pd.DataFrame(rows, columns=["parameter", "base", "low", "high", "unit", "source"])


def _moves_lifecycle(output: str) -> bool:
    """Whether ``output`` is a life-cycle column (the life-cycle inputs move only those)."""
    return output.startswith("impacts.") or output == "use_water_l_per_year"


def lifecycle_ranges(compiled, params, band) -> list[tuple[str, float, float, str, str]]:
    """Ranges of the life-cycle inputs (data/lifecycle/ figures' min/max, widened to
    include the base; the electricity's water, ADPe and PE intensities over the grid band)."""
    out = []

    def fig_range(name, fig):
        base = float(np.asarray(params[name]))
        out.append((name, min(base, fig.low), max(base, fig.high), fig.unit,
                    f"{fig.source} (data/lifecycle/)"))

    fig_range("wue", data.lifecycle_figure("water", "default_wue"))
    fig_range("mass", data.lifecycle_figure("transport", f"defaults.mass.{compiled.bom.kind}"))
    for key in ("water_intensity", "adpe_intensity", "pe_intensity"):
        v = float(np.asarray(params[key]))
        if np.isfinite(v):
            out.append((key, v * band.min, v * band.max, parameter_unit(compiled, key) or "",
                        f"{band.min:g}x-{band.max:g}x (data/whatif.yaml grid_band, applied to "
                        "the electricity's per-kWh factor)"))
    for i, mode in enumerate(compiled.transport_modes):
        fig_range(f"factors.transport.{mode}", data.lifecycle_figure("transport", f"modes.{mode}"))
    fig_range(f"factors.end_of_life.{compiled.eol_material}",
              data.lifecycle_figure("end_of_life", f"materials.{compiled.eol_material}"))
    fig_range("factors.infrastructure.per_kw_year",
              data.lifecycle_figure("infrastructure", "per_kw_year"))
    return out


def grid_range_source(g: "data.GridIntensity") -> str:
    """Where a country's grid range comes from: the lowest and highest yearly value of
    the years it spans, with the source (data/grid/countries.csv, years.csv)."""
    a, b = g.range_years
    return (f"{g.name} ({g.key}), yearly values {a}-{b}: min {g.min * 1000:.0f} gCO2e/kWh "
            f"({g.min_year}), max {g.max * 1000:.0f} gCO2e/kWh ({g.max_year}) "
            f"(data/grid/years.csv: {g.source.split('; ')[0]}, Our World in Data, "
            f"{g.licence})")


def _restrict(table: pd.DataFrame, vary: str) -> pd.DataFrame:
    """Rows of ``input_ranges`` for ``vary``: all, factors (factors.*) or usage (the rest)."""
    if vary not in ("all", "factors", "usage"):
        raise ParameterError(f"vary: expected all, factors or usage, got {vary!r}",
                             parameter="vary", value=vary)
    is_factor = table.parameter.str.startswith("factors.")
    if vary == "factors":
        return table[is_factor].reset_index(drop=True)
    if vary == "usage":
        return table[~is_factor].reset_index(drop=True)
    return table


def sensitivity(bom: "Bom | str | Path", *, ranges: Mapping[str, tuple[Any, Any]] | None = None,
                output: str = "total_kgco2e_per_year", vary: str = "all",
                **overrides: Any) -> pd.DataFrame:
    """One-at-a-time sensitivity (tornado data): each input with a range set to its low
    and then its high value, all others at base, evaluated in one vectorized call.

    ``ranges`` adds or replaces the range of any parameter (``{"components.dram.dies":
    (512, 2048)}``; values may carry units). Returns a DataFrame with columns
    ``parameter``, ``low``, ``high`` (input values, canonical units), ``total_at_low``,
    ``total_at_high`` (``output``, by default ``total_kgco2e_per_year`` [kgCO2e/a]),
    ``swing`` (their absolute difference), ``base``, ``unit`` and ``source``, sorted by
    swing, largest first. Inputs whose swing is zero stay in the table, last. ``vary``
    (``all`` by default, ``factors``, ``usage``) restricts the inputs swung to the method's
    factors or to the usage inputs (as lca.monte_carlo).
    """
    table = _restrict(input_ranges(bom, lifecycle=_moves_lifecycle(output), **overrides), vary)
    compiled, given, _, params = _prepared(bom, overrides)
    if ranges is not None and not isinstance(ranges, Mapping):
        raise ParameterError(f"ranges: expected a mapping of parameter names to (low, high), "
                             f"got {type(ranges).__name__}")
    for name, rng in (ranges or {}).items():
        if not isinstance(rng, (tuple, list)) or len(rng) != 2:
            raise ParameterError(f"ranges[{name!r}]: expected (low, high), got {rng!r}",
                                 parameter=name, value=rng)
        lo, hi = rng
        key = ALIASES.get(name, name)
        if key not in compiled.params:
            resolve(compiled, {key: 0.0})
        lo, hi = canonical(compiled, key, lo), canonical(compiled, key, hi)
        table = table[table.parameter != key]
        row = pd.DataFrame([(key, float(np.asarray(params[key])), lo, hi,
                             parameter_unit(compiled, key) or "", "given")],
                           columns=table.columns)
        table = row if table.empty else pd.concat([table, row], ignore_index=True)
    k = len(table)
    if k == 0:
        raise ParameterError("no input has a range")
    over: dict[str, Any] = dict(given)
    for i, (name, lo, hi) in enumerate(zip(table.parameter, table.low, table.high)):
        arr = np.full(2 * k, float(np.asarray(params[name])))
        arr[2 * i], arr[2 * i + 1] = lo, hi
        over[name] = arr
    cols = evaluate(compiled, resolve(compiled, over), 2 * k)
    if output not in cols:
        raise ParameterError(f"unknown output {output!r}; known: {', '.join(cols)}")
    y = np.asarray(cols[output])
    out = pd.DataFrame({"parameter": table.parameter.to_numpy(), "low": table.low.to_numpy(),
                        "high": table.high.to_numpy(), "total_at_low": y[0::2],
                        "total_at_high": y[1::2]})
    out["swing"] = np.abs(out.total_at_high - out.total_at_low)
    out["base"] = table.base.to_numpy()
    out["unit"] = table.unit.to_numpy()
    out["source"] = table.source.to_numpy()
    from ..display import as_result

    return as_result(out.sort_values("swing", ascending=False, kind="stable")
                     .reset_index(drop=True), "sensitivity")


def sobol(bom: "Bom | str | Path", n: int = 1024, seed: int | None = None, *,
          output: str = "total_kgco2e_per_year", **overrides: Any) -> pd.DataFrame:
    """Variance-based (Sobol) indices of ``output`` over the inputs of
    :func:`input_ranges`, each uniform over its range: Saltelli sampling with
    ``n * (k + 2)`` evaluations for k inputs (first-order and total indices), one
    vectorized call. Needs SALib (``pip install "lca[sensitivity]"``). Returns columns
    parameter, S1, S1_conf, ST, ST_conf, sorted by ST."""
    registry.check_one("sensitivity.sobol_n", n)
    if seed is not None:
        registry.check_one("monte_carlo.seed", seed)
    try:
        from SALib.analyze import sobol as sobol_analyze
        from SALib.sample import sobol as sobol_sample
    except ImportError:
        raise MissingDependencyError("Sobol indices need SALib: pip install \"lca[sensitivity]\"") from None
    table = input_ranges(bom, lifecycle=_moves_lifecycle(output), **overrides)
    compiled, given, _, params = _prepared(bom, overrides)
    registry.check_memory(int(n) * (len(table) + 2) * 4, f"Sobol indices with N = {int(n):,}",
                          "take a smaller N")
    problem = {"num_vars": len(table), "names": list(table.parameter),
               "bounds": [[lo, hi] for lo, hi in zip(table.low, table.high)]}
    x = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
    over = {**given, **{name: x[:, i] for i, name in enumerate(table.parameter)}}
    y = np.asarray(evaluate(compiled, resolve(compiled, over), len(x))[output])
    res = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed)
    out = pd.DataFrame({"parameter": table.parameter, "S1": res["S1"], "S1_conf": res["S1_conf"],
                        "ST": res["ST"], "ST_conf": res["ST_conf"]})
    return out.sort_values("ST", ascending=False).reset_index(drop=True)
