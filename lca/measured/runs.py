"""Measured runs: what a run measured (energy) plus the share of the hardware it used.

For each run (arrays, one element per run; no loop over runs):

* **operational** = measured energy [kWh] x grid intensity [kgCO2e/kWh], twice and
  labelled: with CodeCarbon's own figure (its ``emissions`` column, carried over as is)
  and with lca's grid for the run's country (or a given grid or region, or the
  energy-weighted intensity of the hours the run ran in from an hourly series). A
  market-based intensity (a supplier's or a PPA's) gives a third, market-based figure
  side by side. CodeCarbon's energy already includes the PUE it was given.
* **embodied share** = embodied [kgCO2e] x duration / lifetime x resource share, the
  time-and-resource allocation of the Software Carbon Intensity specification (SCI,
  ISO/IEC 21031:2024, "M = TE x TS x RS"): the resource share is GPUs used over GPUs in
  the BOM, or a share given, or the whole machine.
* **total** = operational (lca's grid) + embodied share; per functional unit: per run,
  request, 1,000 tokens, image or training token, from counts given.

References
----------
Green Software Foundation, Software Carbon Intensity (SCI) Specification v1.0, adopted as
ISO/IEC 21031:2024, sections "Embodied emissions" (TE x TS x RS) and "Functional unit".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from .. import allocation, data, registry
from ..errors import MeasuredDataError, ParameterError, UnknownRegionError
from ..units import HOURS_PER_YEAR
from . import codecarbon as cc
from . import hourly


# --- functional units of measured work (unit definitions, not factors) ----------------------

@dataclass(frozen=True)
class MeasuredUnit:
    key: str        # the count's name (API keyword, CLI option)
    unit: str       # what one functional unit is, in words
    per: float      # counted things per functional unit (1,000 tokens -> 1000)
    slug: str       # column suffix: gco2e_per_<slug>


UNITS: dict[str, MeasuredUnit] = {
    "run": MeasuredUnit("run", "run", 1.0, "run"),
    "requests": MeasuredUnit("requests", "request", 1.0, "request"),
    "tokens": MeasuredUnit("tokens", "1,000 tokens", 1000.0, "1000_tokens"),
    "images": MeasuredUnit("images", "image", 1.0, "image"),
    "training_tokens": MeasuredUnit("training_tokens", "training token", 1.0, "training_token"),
}


def functional_unit_counts(counts: Mapping[str, Any] | None, n: int) -> dict[str, np.ndarray]:
    """Counts per run of each functional unit given (``requests``, ``tokens``, ``images``,
    ``training_tokens``; a number for every run, or one per run), checked against the
    registry (``measured.<name>``)."""
    out: dict[str, np.ndarray] = {"run": np.ones(n)}
    for key, value in (counts or {}).items():
        if value is None:
            continue
        if key not in UNITS or key == "run":
            raise ParameterError(f"functional unit {key!r}: expected one of "
                                 f"{', '.join(k for k in UNITS if k != 'run')}", parameter=key)
        arr = np.asarray(registry.check(f"measured.{key}", value), dtype=float)
        if arr.ndim and arr.size != n:
            raise ParameterError(f"{key}: expected one count for every run or one per run "
                                 f"({n}), got {arr.size}", parameter=key)
        out[key] = np.broadcast_to(arr, (n,)).astype(float)
    return out


# --- pure model functions ----------------------------------------------------------------------

def operational_kg(energy_kwh, intensity_kg_per_kwh):
    """Operational emissions [kgCO2e] of measured energy [kWh] (PUE already in) at a grid
    intensity [kgCO2e/kWh]."""
    return np.asarray(energy_kwh, dtype=float) * np.asarray(intensity_kg_per_kwh, dtype=float)


def embodied_share_kg(embodied_kg, duration_s, lifetime_years, resource_share):
    """Embodied emissions allocated to a run [kgCO2e]: embodied [kgCO2e] x duration [s] /
    lifetime [years of 8,760 h] x resource share [-] (SCI: TE x TS x RS)."""
    timed = allocation.time_share(embodied_kg, np.asarray(duration_s, dtype=float) / 3600.0,
                                  np.asarray(lifetime_years, dtype=float) * HOURS_PER_YEAR)
    return allocation.resource_share(timed, resource_share, 1.0)


# --- the hardware ------------------------------------------------------------------------------

def accelerator_count(assessment: Any) -> float:
    """Accelerators (GPUs, TPUs) in a BOM: the counts of its logic components with role
    ``accelerator``."""
    total = 0.0
    for spec in assessment.compiled.components:
        if spec.type == "logic" and spec.role == "accelerator":
            total += float(assessment.params.get(spec.key("count"), 1.0))
    return total


def _hardware(hardware: Any, lifetime: Any, method: str | None):
    from ..assessment import Assessment, assess

    if isinstance(hardware, Assessment):
        if lifetime is not None or method is not None:
            return assess(hardware.bom, lifetime=lifetime, method=method or hardware.method)
        return hardware
    return assess(hardware, lifetime=lifetime, method=method)


def resource_shares(assessment: Any, n: int, gpus: Any = None, share: Any = None,
                    seen_gpus: np.ndarray | None = None) -> tuple[np.ndarray, str]:
    """Resource share of each run [-] and the sentence that states it.

    ``share`` given: that share. ``gpus`` given: gpus / accelerators in the BOM. Else, on a
    BOM with accelerators, the GPUs CodeCarbon saw (``gpu_count``) over those in the BOM;
    else the whole machine (1).
    """
    in_bom = accelerator_count(assessment)
    if share is not None and gpus is not None:
        raise ParameterError("give gpus or share, not both")
    if share is not None:
        s = float(registry.check("measured.resource_share", share))
        return np.full(n, s), f"a given resource share of {s:g}"
    if gpus is not None:
        g = float(registry.check("measured.gpus", gpus))
        if in_bom == 0:
            raise ParameterError(f"gpus: the hardware {assessment.name!r} has no accelerators; "
                                 "give a share instead", parameter="gpus", value=g)
        if g > in_bom:
            raise ParameterError(f"gpus: {g:g} used, but the hardware has {in_bom:g}",
                                 parameter="gpus", value=g, bound=f"at most {in_bom:g}")
        return np.full(n, g / in_bom), f"{g:g} of the {in_bom:g} GPUs in the BOM ({g / in_bom:.4g})"
    if in_bom > 0 and seen_gpus is not None and np.any(np.isfinite(seen_gpus) & (seen_gpus > 0)):
        used = np.where(np.isfinite(seen_gpus) & (seen_gpus > 0), seen_gpus, in_bom)
        s = np.minimum(used, in_bom) / in_bom
        return s, (f"the GPUs CodeCarbon saw (gpu_count) over the {in_bom:g} in the BOM, "
                   "capped at 1")
    return np.ones(n), "the whole machine (1)"


# --- grids -------------------------------------------------------------------------------------

def _grid_for_runs(country: Sequence[str], starts: np.ndarray, ends: np.ndarray,
                   energy: np.ndarray, *, grid: Any, region: str | None,
                   series: hourly.GridSeries | None, path: str,
                   lines: np.ndarray) -> tuple[np.ndarray, list[str], list[cc.RowIssue]]:
    """lca's location-based intensity for each run [kgCO2e/kWh], its source per run, and
    issues (runs left without one get NaN)."""
    n = len(energy)
    issues: list[cc.RowIssue] = []
    if grid is not None:
        g = float(registry.to_canonical("grid", grid))
        return np.full(n, g), ["given"] * n, issues
    if region is not None:
        gi = data.grid_intensity(region)
        return np.full(n, gi.value), [_grid_text(gi)] * n, issues
    if series is not None:
        cover = hourly.coverage(series, starts, ends)
        values = hourly.interval_mean(series, starts, ends)
        ok = np.isfinite(starts) & (cover > 0.999)
        for i in np.flatnonzero(~ok):
            why = ("no start time (timestamp unreadable)" if not np.isfinite(starts[i])
                   else f"the run ({_iso(starts[i])} to {_iso(ends[i])} UTC) lies outside the "
                        f"series' hours ({series.zone}, covered {cover[i]:.0%})")
            issues.append(cc.RowIssue(path, int(lines[i]), "timestamp",
                                      f"{why}: no hourly grid intensity for this run",
                                      skipped=False))
        src = f"hourly: {series.describe()}, mean over the hours the run ran in"
        return np.where(ok, values, np.nan), [src if k else "-" for k in ok], issues
    out = np.full(n, np.nan)
    sources = ["-"] * n
    cache: dict[str, Any] = {}
    for i, code in enumerate(country):   # a handful of distinct countries: a lookup table
        if code not in cache:
            try:
                gi = data.grid_intensity(code) if code else None
            except UnknownRegionError:
                gi = None
            cache[code] = None if gi is None else (gi.value, _grid_text(gi))
        hit = cache[code]
        if hit is None:
            issues.append(cc.RowIssue(path, int(lines[i]), "country_iso_code",
                                      (f"unknown country {code!r}" if code else "no country") +
                                      ": no lca grid for this run (give a region or a grid)",
                                      skipped=False))
            continue
        out[i], sources[i] = hit
    return out, sources, issues


def _nansum(arrays: Sequence[np.ndarray], n: int) -> np.ndarray:
    """Element-wise sum ignoring NaN (a stage not covered), NaN where all are NaN."""
    stack = np.vstack([np.broadcast_to(np.asarray(x, dtype=float), (n,)) for x in arrays]) \
        if arrays else np.full((1, n), np.nan)
    with np.errstate(invalid="ignore"):
        return np.where(np.all(np.isnan(stack), axis=0), np.nan, np.nansum(stack, axis=0))


def _grid_text(gi: Any) -> str:
    return f"{gi.name} ({gi.year}): {gi.source}" if gi.year else f"{gi.name}: {gi.source}"


def _iso(t: float) -> str:
    return _isos(np.array([t]))[0]


def _isos(t: np.ndarray) -> list[str]:
    """ISO 8601 UTC text of times [s since the epoch], "" where unknown (vectorized)."""
    t = np.asarray(t, dtype=float)
    ok = np.isfinite(t)
    text = np.datetime_as_string(np.where(ok, t, 0).astype("int64").astype("datetime64[s]"),
                                 unit="s")
    return np.where(ok, text, "").tolist()


# --- the other life-cycle stages and categories ------------------------------------------------

#: Hardware stages allocated to a run by time and resource share (everything but use).
def hardware_stages(a: Any) -> tuple[str, ...]:
    return tuple(st for st in a.compiled.boundary.stages if st != "use")


def electricity_intensities(codes: Sequence[str], region: str | None) -> dict[str, np.ndarray]:
    """Water [L_water/kWh], ADPe [kgSbeq/kWh] and primary energy [MJ_primary/kWh] of the
    electricity of each run's country (or of ``region`` for all), NaN where lca's data has
    none (lca.model.region_parameters, data/lifecycle/electricity.csv)."""
    from ..model import region_parameters

    keys = ("water_intensity", "adpe_intensity", "pe_intensity")
    n = len(codes)
    out = {k: np.full(n, np.nan) for k in keys}
    cache: dict[str, dict[str, float]] = {}
    for i, code in enumerate([region] * n if region else codes):
        if code not in cache:
            try:
                cache[code] = region_parameters(code)[0] if code else {}
            except UnknownRegionError:
                cache[code] = {}
        for k in keys:
            out[k][i] = cache[code].get(k, np.nan)
    return out


def run_impacts(a: Any, factor: np.ndarray, energy_kwh: np.ndarray, operational: np.ndarray,
                pue: np.ndarray, intensities: Mapping[str, np.ndarray]) -> Any:
    """The life cycle of each run as one ``lca.impacts.Impacts`` (one element per run):
    the hardware's stages other than use (manufacturing, transport, end of life,
    infrastructure; every category) x ``factor`` (duration / lifetime x resource share),
    plus the use stage from the measured energy [kWh, with CodeCarbon's ``pue``]: GWP at
    lca's grid (``operational``), water on site (the hardware's WUE x IT energy) and
    off site (electricity water intensity x energy, Li et al. 2023 eq. 1), ADPe and
    primary energy of the electricity."""
    from .. import water
    from ..impacts import Boundary, Impacts

    lc = a.lifecycle
    b = a.compiled.boundary
    hw = lc.restrict(Boundary(hardware_stages(a), b.categories)) * factor
    it_energy = energy_kwh / np.where(np.isfinite(pue) & (pue >= 1.0), pue, 1.0)
    wue = float(a.params.get("wue", np.nan))
    cells = {("gwp", "use", "electricity"): operational,
             ("water", "use", "on-site cooling"): water.onsite(it_energy, wue),
             ("water", "use", "electricity generation"): energy_kwh * intensities["water_intensity"],
             ("adpe", "use", "electricity"): energy_kwh * intensities["adpe_intensity"],
             ("pe", "use", "electricity"): energy_kwh * intensities["pe_intensity"]}
    if "use" in b.stages:
        use = Impacts({k: np.asarray(v, dtype=float) for k, v in cells.items()
                       if k[0] in b.categories}, Boundary(("use",), b.categories))
        return hw + use
    return hw


# --- the result ----------------------------------------------------------------------------------

BOUNDARY = ("use: the electricity the run drew as measured (CodeCarbon: CPU, GPU and RAM, "
            "times its PUE) with its GWP, water (on-site cooling and electricity generation), "
            "ADPe and primary energy; hardware: the BOM's manufacturing, transport, end-of-life "
            "and data-centre infrastructure impacts, allocated by duration over lifetime and by "
            "resource share. Not included: networking and storage outside the BOM, idle "
            "capacity held for the run, end-user devices, training of models the run used.")


@dataclass
class MeasuredRuns:
    """Footprint of measured runs: one row per run in ``frame`` (canonical units in the
    column names), the hardware's assessment, how the embodied share was allocated, and
    one issue per row that was left out or left incomplete."""

    frame: pd.DataFrame
    hardware: Any
    allocation: str
    grid_note: str
    issues: list[cc.RowIssue]
    units: dict[str, np.ndarray]
    source: str = ""
    layout: str = ""
    market_grid: float | None = None
    notes: list[str] = field(default_factory=list)
    impacts: Any = None      # lca.impacts.Impacts, one element per run (every stage, category)

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def boundary(self) -> str:
        return BOUNDARY

    @property
    def hardware_stages(self) -> tuple[str, ...]:
        """The hardware's life-cycle stages allocated to the runs (all but use)."""
        return hardware_stages(self.hardware)

    def functional_units(self) -> list[MeasuredUnit]:
        return [UNITS[k] for k in self.units]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: runs as records (NaN as null), with what was assumed."""
        def clean(v: Any) -> Any:
            if isinstance(v, (float, np.floating)):
                return float(v) if math.isfinite(v) else None
            if isinstance(v, np.integer):
                return int(v)
            return v

        runs = [{k: clean(v) for k, v in rec.items()} for rec in self.frame.to_dict("records")]
        return {
            "source": self.source, "layout": self.layout,
            "hardware": self.hardware.name, "hardware_method": self.hardware.method,
            "hardware_embodied_kgco2e": float(self.hardware.embodied.magnitude),
            "lifetime_years": float(self.hardware.lifetime.magnitude),
            "allocation": f"hardware share = the hardware's {', '.join(self.hardware_stages).replace('_', ' ')} "
                          f"impacts x duration / lifetime x resource share; resource share: "
                          f"{self.allocation} (SCI-style time and resource allocation, "
                          "ISO/IEC 21031:2024)",
            "grid": f"lca, location-based: {self.grid_note}",
            "market_grid_kgco2e_per_kwh": self.market_grid,
            "functional_units": {k: UNITS[k].unit for k in self.units},
            "boundary": self.boundary,
            "runs": runs,
            "lifecycle": [self.impacts.to_dict(i) for i in range(len(self.frame))]
            if self.impacts is not None else None,
            "issues": [str(i) for i in self.issues],
            "notes": self.notes,
        }

    def to_json(self, indent: int | None = 2) -> str:
        from ..io import dumps_json

        return dumps_json(self.to_dict(), indent=indent)

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def sci(self, unit: str = "run"):
        """SCI score of each run per ``unit`` (see :func:`lca.measured.sci.for_runs`)."""
        from .sci import for_runs

        return for_runs(self, unit)


def compute(columns: Mapping[str, np.ndarray], text: Mapping[str, Sequence[str]],
            lines: np.ndarray, *, hardware: Any, path: str = "<run>", layout: str = "",
            issues: Sequence[cc.RowIssue] = (), starts: np.ndarray | None = None,
            ends: np.ndarray | None = None, gpus: Any = None, share: Any = None,
            lifetime: Any = None, method: str | None = None, grid: Any = None,
            region: str | None = None, grid_series: Any = None, market_grid: Any = None,
            functional_units: Mapping[str, Any] | None = None) -> MeasuredRuns:
    """Footprint of runs given as arrays (CodeCarbon's columns: duration [s],
    energy_consumed [kWh], emissions [kgCO2e], ...). ``from_codecarbon`` and ``track``
    both end here, so a tracked run and its imported CSV give the same result."""
    a = _hardware(hardware, lifetime, method)
    n = len(lines)
    if n == 0:
        exc = MeasuredDataError("no run to report: every row was left out", file=path)
        exc.issues = list(issues)
        raise exc
    issues = list(issues)
    duration = columns["duration"]
    energy = columns["energy_consumed"]
    if ends is None:
        ends = np.full(n, np.nan)
    if starts is None:
        starts = ends - duration
    series = hourly.load(grid_series) if grid_series is not None else None
    sources: list[str]
    if sum(x is not None for x in (grid, region, series)) > 1:
        raise ParameterError("give one of grid, region and grid series")
    lca_grid, sources, grid_issues = _grid_for_runs(
        text.get("country_iso_code", [""] * n), starts, ends, energy, grid=grid, region=region,
        series=series, path=path, lines=lines)
    issues += grid_issues
    share_arr, share_text = resource_shares(a, n, gpus, share, columns.get("gpu_count"))
    life = float(a.params["lifetime"])
    embodied_total = float(a.embodied.magnitude)
    emb = embodied_share_kg(embodied_total, duration, life, share_arr)
    op = operational_kg(energy, lca_grid)
    cc_kg = columns.get("emissions", np.full(n, np.nan))
    frame = pd.DataFrame({
        "line": lines.astype(int),
        "run_id": list(text.get("run_id", [""] * n)),
        "project": list(text.get("project_name", [""] * n)),
        "start_utc": _isos(starts),
        "end_utc": _isos(ends),
        "duration_s": duration,
        "energy_kwh": energy,
        "cpu_energy_kwh": columns.get("cpu_energy", np.full(n, np.nan)),
        "gpu_energy_kwh": columns.get("gpu_energy", np.full(n, np.nan)),
        "ram_energy_kwh": columns.get("ram_energy", np.full(n, np.nan)),
        "codecarbon_pue": columns.get("pue", np.full(n, np.nan)),
        "country": list(text.get("country_iso_code", [""] * n)),
        "codecarbon_kgco2e": cc_kg,
        "codecarbon_kgco2e_per_kwh": cc_kg / energy,
        "lca_grid_kgco2e_per_kwh": lca_grid,
        "lca_grid_source": sources,
        "operational_kgco2e": op,
        "time_share": duration / 3600.0 / (life * HOURS_PER_YEAR),
        "resource_share": share_arr,
        "embodied_share_kgco2e": emb,
    })
    factor = duration / 3600.0 / (life * HOURS_PER_YEAR) * share_arr
    intens = electricity_intensities(text.get("country_iso_code", [""] * n), region)
    impacts = run_impacts(a, factor, energy, op, columns.get("pue", np.full(n, np.nan)), intens)
    others = [st for st in hardware_stages(a) if st != "manufacturing"]
    for st in others:
        frame[f"{st}_share_kgco2e"] = impacts.stage("gwp", st)
    hw_share = _nansum([impacts.stage("gwp", st) for st in hardware_stages(a)], n)
    frame["hardware_share_kgco2e"] = hw_share
    frame["water_codecarbon_l"] = columns.get("water_consumed", np.full(n, np.nan))
    for cat, col in (("water", "water_l"), ("adpe", "adpe_kgsbeq"), ("pe", "pe_mj")):
        if cat in a.compiled.boundary.categories:
            frame[col] = impacts.total(cat)
    frame["total_kgco2e"] = op + hw_share
    frame["total_codecarbon_kgco2e"] = cc_kg + hw_share
    mkt = None
    if market_grid is not None:
        mkt = float(registry.to_canonical("measured.market_grid", market_grid))
        frame.insert(frame.columns.get_loc("operational_kgco2e") + 1, "operational_market_kgco2e",
                     operational_kg(energy, mkt))
        frame["total_market_kgco2e"] = frame["operational_market_kgco2e"] + hw_share
    counts = functional_unit_counts(functional_units, n)
    for key, count in counts.items():
        per = UNITS[key].per
        frame[f"{key}_count"] = count
        frame[f"gco2e_per_{UNITS[key].slug}"] = frame["total_kgco2e"].to_numpy() * 1000.0 / (count / per)
    notes = []
    if np.all(np.isnan(cc_kg)):
        notes.append("the file has no emissions column: CodeCarbon's own figure is not shown")
    if set(sources) == {"-"}:
        grid_note = "none for any run (see the issues)"
    elif len(set(sources)) == 1:
        grid_note = sources[0]
    else:
        grid_note = "the grid of each run (lca_grid_source)"
    notes += [n_ for n_ in a.lifecycle_notes if not n_.startswith("system mass")
              or {"transport", "end_of_life"} & set(hardware_stages(a))]
    uncovered = [c for c in ("water", "adpe", "pe") if c in a.compiled.boundary.categories
                 and np.any(np.isnan(impacts.total(c)))]
    if uncovered:
        notes.append(f"not covered for some runs or stages (no factor in lca's data): "
                     f"{', '.join(uncovered)}; shown as empty, never as zero")
    return MeasuredRuns(frame=frame, hardware=a, allocation=share_text, grid_note=grid_note,
                        issues=issues, units=counts, source=path, layout=layout,
                        market_grid=mkt, notes=notes, impacts=impacts)


def from_codecarbon(path: Any, *, hardware: Any, gpus: Any = None, share: Any = None,
                    lifetime: Any = None, method: str | None = None, grid: Any = None,
                    region: str | None = None, grid_series: Any = None,
                    market_grid: Any = None, functional_units: Mapping[str, Any] | None = None,
                    utc_offset: float = 0.0) -> MeasuredRuns:
    """Complete footprint of the runs in CodeCarbon's ``emissions.csv``.

    Parameters
    ----------
    path : CodeCarbon's emissions.csv (2.x or 3.x layout)
    hardware : BOM file, shipped BOM name, Bom or Assessment the runs ran on
    gpus : float, optional
        GPUs the runs used (resource share = gpus / accelerators in the BOM).
    share : float, optional
        A resource share [0-1] given directly (instead of gpus).
    lifetime : years, optional
        Overrides the BOM's lifetime for the time share.
    grid : kgCO2e/kWh, optional; region : str, optional; grid_series : file, shipped sample
        name or GridSeries, optional
        lca's location-based intensity: a value, a region, or the hours the runs ran in.
        Default: each run's country_iso_code.
    market_grid : kgCO2e/kWh, optional
        A market-based intensity (supplier, PPA) reported beside the location-based one.
    functional_units : mapping, optional
        Counts per run: requests, tokens, images, training_tokens.
    utc_offset : hours
        The machine's offset from UTC (CodeCarbon's time stamps are local time).

    Rows that cannot be used are left out with one issue line each (``.issues``).
    """
    rows = cc.read_emissions_csv(path)
    ends, t_issues = cc.end_times(rows, registry.check("measured.utc_offset", utc_offset))
    issues = list(rows.issues) + (t_issues if grid_series is not None else [])
    if len(rows) == 0:
        exc = MeasuredDataError(f"no run to report: every row was left out "
                                f"({len(rows.issues)} issue(s))", file=rows.path)
        exc.issues = list(rows.issues)
        raise exc
    return compute(rows.columns, rows.text, rows.lines, hardware=hardware, path=rows.path,
                   layout=rows.layout, issues=issues, ends=ends, gpus=gpus, share=share,
                   lifetime=lifetime, method=method, grid=grid, region=region,
                   grid_series=grid_series, market_grid=market_grid,
                   functional_units=functional_units)


__all__ = ["from_codecarbon", "compute", "MeasuredRuns", "UNITS", "MeasuredUnit",
           "operational_kg", "embodied_share_kg", "accelerator_count", "resource_shares",
           "functional_unit_counts", "BOUNDARY"]
