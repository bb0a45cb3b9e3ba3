"""Hourly (or finer) grid carbon-intensity series: reading them and averaging them.

A series is a step function: each row holds from its time stamp until the next one (at
most one typical step; a longer gap is a gap, not a long hour). Three CSV layouts are
read, recognised by their header:

* **Electricity Maps** Data Portal downloads, old and new headers: ``Datetime (UTC)``,
  ``Zone Id``/``Zone id``, ``Carbon Intensity gCO₂eq/kWh (direct)`` and ``... (LCA)`` or
  ``... (Life cycle)``; average intensities of electricity consumed (flow-traced). A
  column with "marginal" in its name is read as a marginal series.
* **Ember** long tables: ``Area``, ``ISO 3 code``, ``Date``, ``Variable`` (rows with
  ``CO2 intensity``), ``Unit``, ``Value``; Ember's emissions are life-cycle, average.
* A plain layout: ``datetime``, ``zone``, ``intensity`` and optionally ``unit`` (default
  gCO2e/kWh), ``basis`` (lifecycle | direct) and ``kind`` (average | marginal).

Averages: :func:`interval_mean` is the time-weighted mean over an interval (a run at
constant power); :func:`energy_weighted_mean` weights intervals by the energy used in
them (a run measured in parts); :meth:`GridSeries.time_weighted_mean` is the mean over the
whole series (a year of hourly values gives the figure an assessment uses when its power
is constant over the year). All work on arrays of intervals at once.

References
----------
Electricity Maps, Data Portal (hourly CSV downloads), https://www.electricitymaps.com/data-portal
Ember, Monthly/Yearly electricity data (long CSV), https://ember-energy.org/data/
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import MeasuredDataError

#: The kinds of figure a series can hold.
BASES = ("lifecycle", "direct")
KINDS = ("average", "marginal")


@dataclass(frozen=True)
class GridSeries:
    """A carbon-intensity step function of one zone.

    ``starts`` and ``ends`` are UTC seconds since the epoch (float arrays); ``values`` are
    kgCO2e/kWh. ``basis`` is lifecycle or direct, ``kind`` average or marginal.
    """

    zone: str
    starts: np.ndarray
    ends: np.ndarray
    values: np.ndarray
    basis: str = "lifecycle"
    kind: str = "average"
    layout: str = "plain"
    source: str = ""
    licence: str | None = None
    credit: str | None = None
    path: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def hours(self) -> np.ndarray:
        """Length of each step [h]."""
        return (self.ends - self.starts) / 3600.0

    def time_weighted_mean(self) -> float:
        """Mean intensity over the whole series [kgCO2e/kWh], each step weighted by its
        length (for a year of hourly values: the annual mean at constant power)."""
        return float(np.sum(self.values * self.hours) / np.sum(self.hours))

    def span(self) -> tuple[datetime, datetime]:
        return (datetime.fromtimestamp(float(self.starts[0]), timezone.utc),
                datetime.fromtimestamp(float(self.ends[-1]), timezone.utc))

    def describe(self) -> str:
        a, b = self.span()
        text = (f"{self.zone} hourly series, {self.basis}, {self.kind}, {a:%Y-%m-%d %H:%M} to "
                f"{b:%Y-%m-%d %H:%M} UTC ({self.layout})")
        if self.credit:
            text += f"; {self.credit}"
        if self.licence:
            text += f" ({self.licence})"
        return text


# --- averaging -----------------------------------------------------------------------------

def _cumulative(series: GridSeries, t) -> tuple[np.ndarray, np.ndarray]:
    """Integral of intensity [kgCO2e/kWh x s] and covered time [s] from the series' start
    to each time ``t`` [s since the epoch] (arrays)."""
    t = np.asarray(t, dtype=float)
    length = series.ends - series.starts
    cum_i = np.concatenate([[0.0], np.cumsum(series.values * length)])
    cum_t = np.concatenate([[0.0], np.cumsum(length)])
    idx = np.searchsorted(series.starts, t, side="right") - 1
    inside = idx >= 0
    i = np.clip(idx, 0, len(series.starts) - 1)
    part = np.clip(t - series.starts[i], 0.0, length[i])
    integral = np.where(inside, cum_i[i] + series.values[i] * part, 0.0)
    covered = np.where(inside, cum_t[i] + part, 0.0)
    return integral, covered


def coverage(series: GridSeries, starts, ends) -> np.ndarray:
    """Share of each interval [starts, ends) (seconds since the epoch) that the series
    covers, 0 to 1 (1 for an instant inside a step)."""
    starts, ends = np.asarray(starts, dtype=float), np.asarray(ends, dtype=float)
    _, c0 = _cumulative(series, starts)
    _, c1 = _cumulative(series, ends)
    width = ends - starts
    inside_now = _value_at(series, starts)[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(width > 0, (c1 - c0) / np.where(width > 0, width, 1.0),
                        inside_now.astype(float))


def _value_at(series: GridSeries, t) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(t, dtype=float)
    idx = np.searchsorted(series.starts, t, side="right") - 1
    i = np.clip(idx, 0, len(series.starts) - 1)
    ok = (idx >= 0) & (t < series.ends[i])
    return series.values[i], ok


def interval_mean(series: GridSeries, starts, ends) -> np.ndarray:
    """Time-weighted mean intensity [kgCO2e/kWh] over each interval [starts, ends)
    (seconds since the epoch): the intensity a run at constant power saw. An interval
    of zero length takes the value of its step. NaN where the series does not cover the
    interval at all; callers check :func:`coverage` first.

    Parameters
    ----------
    series : GridSeries
    starts, ends : array_like
        Interval bounds [s since 1970-01-01 UTC].
    """
    starts, ends = np.asarray(starts, dtype=float), np.asarray(ends, dtype=float)
    i0, c0 = _cumulative(series, starts)
    i1, c1 = _cumulative(series, ends)
    point, ok = _value_at(series, starts)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (i1 - i0) / (c1 - c0)
    return np.where(ends > starts, np.where(c1 > c0, mean, np.nan),
                    np.where(ok, point, np.nan))


def energy_weighted_mean(series: GridSeries, starts, ends, energy_kwh) -> float:
    """Intensity [kgCO2e/kWh] of work done in parts: each part's interval mean weighted by
    the energy [kWh] used in it, sum(E_k x I_k) / sum(E_k) (power constant within a part).

    Parameters
    ----------
    starts, ends : array_like
        Bounds of each part [s since 1970-01-01 UTC].
    energy_kwh : array_like
        Energy of each part [kWh].
    """
    e = np.asarray(energy_kwh, dtype=float)
    return float(np.sum(e * interval_mean(series, starts, ends)) / np.sum(e))


# --- reading ---------------------------------------------------------------------------------

def _norm(name: str) -> str:
    return " ".join(name.replace("₂", "2").replace("\ufeff", "").strip().lower().split())


def _find(header: Sequence[str], *needles: str, exclude: tuple[str, ...] = ()) -> str | None:
    for col in header:
        n = _norm(col)
        if all(x in n for x in needles) and not any(x in n for x in exclude):
            return col
    return None


def _layout(header: Sequence[str], basis: str | None) -> dict[str, Any]:
    """Which columns hold time, zone and intensity, and what the figures are."""
    names = {_norm(c): c for c in header}
    if "datetime (utc)" in names:  # Electricity Maps
        marginal = _find(header, "marginal", "intensity")
        direct = _find(header, "carbon intensity", "(direct)")
        life = (_find(header, "carbon intensity", "(lca)")
                or _find(header, "carbon intensity", "(life cycle")
                or _find(header, "carbon intensity", "life cycle assessment"))
        want = basis or ("lifecycle" if life else "direct")
        col = marginal if marginal else (life if want == "lifecycle" else direct)
        if col is None:
            raise MeasuredDataError(f"no {want} carbon-intensity column (have: {', '.join(header)})",
                                    field="header")
        return {"layout": "Electricity Maps", "time": names["datetime (utc)"],
                "zone": _find(header, "zone id") or _find(header, "zone name"),
                "value": col, "unit": "gCO2e/kWh", "basis": want if not marginal else (basis or "lifecycle"),
                "kind": "marginal" if marginal else "average"}
    if {"date", "variable", "value"} <= set(names) and ("area" in names or "iso 3 code" in names):
        return {"layout": "Ember", "time": names["date"],
                "zone": names.get("iso 3 code") or names["area"], "value": names["value"],
                "unit_col": names.get("unit"), "unit": "gCO2/kWh", "basis": "lifecycle",
                "kind": "average", "filter": (names["variable"], "co2 intensity")}
    if {"datetime", "intensity"} <= set(names):
        return {"layout": "plain", "time": names["datetime"], "zone": names.get("zone"),
                "value": names["intensity"], "unit_col": names.get("unit"), "unit": "gCO2e/kWh",
                "basis_col": names.get("basis"), "kind_col": names.get("kind"),
                "basis": basis or "lifecycle", "kind": "average"}
    raise MeasuredDataError(
        "not a grid-intensity layout lca reads: expected Electricity Maps (Datetime (UTC), "
        "Carbon Intensity ... (LCA)/(direct)), Ember (Area/ISO 3 code, Date, Variable, Unit, "
        "Value) or datetime,zone,intensity columns", field="header")


def _unit_factor(unit: str, where: str) -> float:
    from ..units import ureg

    text = unit.replace("₂", "2").replace("CO2eq", "CO2e").replace("CO2/", "CO2e/")
    try:
        return float(ureg.Quantity(1.0, text).to("kgCO2e/kWh").magnitude)
    except Exception:
        raise MeasuredDataError(f"unit {unit!r}: expected a carbon intensity such as gCO2e/kWh",
                                field=where) from None


def _epoch_seconds(texts: Sequence[str]) -> np.ndarray:
    import pandas as pd

    t = pd.to_datetime(pd.Series(list(texts), dtype=object), utc=True, errors="coerce",
                       format="mixed", dayfirst=False)
    out = np.full(len(texts), np.nan)
    ok = t.notna().to_numpy()
    epoch = pd.Timestamp("1970-01-01", tz="UTC")
    out[ok] = ((t[ok] - epoch) / pd.Timedelta(seconds=1)).to_numpy(dtype=float)
    return out


def read_grid_series(path: "str | Path", *, zone: str | None = None, basis: str | None = None,
                     source: str | None = None, licence: str | None = None,
                     credit: str | None = None) -> GridSeries:
    """Read an hourly (or finer, or monthly) carbon-intensity CSV (layouts in the module
    docstring) as a :class:`GridSeries` [kgCO2e/kWh].

    Parameters
    ----------
    path : file name
    zone : str, optional
        The zone to keep when the file holds several (Electricity Maps zone id, Ember ISO 3
        code or area name).
    basis : "lifecycle" or "direct", optional
        Which Electricity Maps column to read (default: life-cycle where the file has it).
    source, licence, credit : str, optional
        Provenance to carry with the series (shipped samples fill these in).

    Raises MeasuredDataError (file, line, field) for a file it cannot read.
    """
    path = Path(path)
    if basis is not None and basis not in BASES:
        raise MeasuredDataError(f"basis: expected one of {', '.join(BASES)}, got {basis!r}",
                                file=str(path), field="basis")
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
    except FileNotFoundError:
        raise MeasuredDataError("file not found", file=str(path)) from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise MeasuredDataError(f"not a readable CSV file ({exc})", file=str(path)) from None
    if not rows:
        raise MeasuredDataError("empty file: expected a header and hourly rows", file=str(path))
    header, body = rows[0], [r for r in rows[1:] if any(c.strip() for c in r)]
    try:
        lay = _layout(header, basis)
    except MeasuredDataError as exc:
        raise MeasuredDataError(exc.message, file=str(path), line=1, field="header") from None
    col = {name: i for i, name in enumerate(header)}
    lines = np.arange(2, 2 + len(body))
    keep = np.ones(len(body), dtype=bool)
    if "filter" in lay:
        fcol, fval = lay["filter"]
        keep &= np.array([_norm(r[col[fcol]]) == fval if len(r) > col[fcol] else False for r in body])
    zones = np.array([r[col[lay["zone"]]].strip() if lay.get("zone") and len(r) > col[lay["zone"]]
                      else "" for r in body], dtype=object)
    present = sorted({z for z in zones[keep] if z})
    if zone is not None:
        keep &= np.array([z == zone or z.lower() == zone.lower() for z in zones])
        if not keep.any():
            raise MeasuredDataError(f"zone {zone!r} not in the file (it has: {', '.join(present) or 'none'})",
                                    file=str(path), field="zone")
    elif len(present) > 1:
        raise MeasuredDataError(f"the file holds several zones ({', '.join(present)}): choose one",
                                file=str(path), field="zone")
    body = [r for r, k in zip(body, keep) if k]
    lines = lines[keep]
    if not body:
        raise MeasuredDataError("no carbon-intensity rows", file=str(path))

    def cell(r: list[str], name: str | None) -> str:
        return r[col[name]].strip() if name is not None and len(r) > col[name] else ""

    times = _epoch_seconds([cell(r, lay["time"]) for r in body])
    values = np.array([_number(cell(r, lay["value"])) for r in body])
    bad = ~np.isfinite(times) | ~np.isfinite(values) | (values < 0)
    if bad.any():
        k = int(np.argmax(bad))
        what = (f"{lay['time']}: expected a date and time, got {cell(body[k], lay['time'])!r}"
                if not np.isfinite(times[k]) else
                f"{lay['value']}: expected an intensity of zero or more, got "
                f"{cell(body[k], lay['value'])!r}")
        raise MeasuredDataError(what, file=str(path), line=int(lines[k]))
    units = {cell(r, lay.get("unit_col")) or lay["unit"] for r in body}
    if len(units) > 1:
        raise MeasuredDataError(f"mixed units {sorted(units)}", file=str(path), field="unit")
    values = values * _unit_factor(units.pop(), "unit")
    basis_out, kind_out = lay["basis"], lay["kind"]
    for key, allowed in (("basis_col", BASES), ("kind_col", KINDS)):
        if lay.get(key):
            seen = {cell(r, lay[key]).lower() for r in body} - {""}
            if len(seen) > 1 or not seen <= set(allowed):
                raise MeasuredDataError(f"{lay[key]}: expected one of {', '.join(allowed)} for the "
                                        f"whole file, got {sorted(seen)}", file=str(path))
            if seen:
                if key == "basis_col":
                    basis_out = seen.pop()
                else:
                    kind_out = seen.pop()
    order = np.argsort(times, kind="stable")
    times, values = times[order], values[order]
    if np.any(np.diff(times) == 0):
        k = int(np.argmax(np.diff(times) == 0)) + 1
        raise MeasuredDataError("repeated time stamp", file=str(path), line=int(lines[order][k]))
    starts, ends = _steps(times)
    zone_name = zone or (present[0] if present else path.stem)
    return GridSeries(zone=zone_name, starts=starts, ends=ends, values=values, basis=basis_out,
                      kind=kind_out, layout=lay["layout"], source=source or str(path),
                      licence=licence, credit=credit, path=str(path))


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return float("nan")


def _steps(times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Step intervals of a sorted series: each row holds until the next one, or for the
    typical (median) step where the next one is later (a gap) or absent (the last row)."""
    if times.size == 1:
        return times, times + 3600.0
    gaps = np.diff(times)
    step = float(np.median(gaps))
    ends = np.concatenate([times[:-1] + np.minimum(gaps, step), [times[-1] + step]])
    return times, ends


# --- assessments over a series ------------------------------------------------------------

def assess_with_series(bom: Any, series: "GridSeries | str | Path", *, market_grid: Any = None,
                       **overrides: Any) -> dict[str, Any]:
    """Assess ``bom`` at the time-weighted mean of ``series`` (location-based; the server's
    power is constant over the year in lca's model, so time-weighted = energy-weighted),
    and at ``market_grid`` [kgCO2e/kWh] (market-based) when given. Returns
    {"location": Assessment, "market": Assessment}."""
    from .. import registry
    from ..assessment import assess

    s = load(series)
    out = {"location": assess(bom, grid=s.time_weighted_mean(), **overrides)}
    out["location"].meta["grid_source"] = f"time-weighted mean of {s.describe()}"
    if market_grid is not None:
        g = float(registry.to_canonical("measured.market_grid", market_grid))
        out["market"] = assess(bom, grid=g, **overrides)
        out["market"].meta["grid_source"] = "market-based, given"
    return out


# --- shipped samples -------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _sources() -> dict[str, Any]:
    from .. import data

    return data.load_yaml("grid/hourly/sources.yaml") or {}


def shipped_names() -> list[str]:
    """The hourly samples shipped in data/grid/hourly/."""
    return sorted(_sources())


def shipped(name: str, *, basis: str | None = None) -> GridSeries:
    """A shipped sample by name (see data/grid/hourly/sources.yaml), with its licence and
    credit."""
    from .. import data

    src = _sources().get(name)
    if src is None:
        raise MeasuredDataError(f"unknown hourly sample {name!r}: expected one of "
                                f"{', '.join(shipped_names())}")
    return read_grid_series(data.data_dir() / "grid" / "hourly" / f"{name}.csv", basis=basis,
                            source=f"{src['title']} ({src['url']})", licence=src.get("licence"),
                            credit=src.get("credit"))


def load(spec: "str | Path | GridSeries", *, zone: str | None = None,
         basis: str | None = None) -> GridSeries:
    """A series from a file, a shipped sample's name or a GridSeries (returned as is)."""
    if isinstance(spec, GridSeries):
        return spec
    if isinstance(spec, str) and spec in _sources() and not Path(spec).exists():
        return shipped(spec, basis=basis)
    return read_grid_series(spec, zone=zone, basis=basis)


__all__ = ["GridSeries", "read_grid_series", "assess_with_series", "interval_mean", "energy_weighted_mean",
           "coverage", "shipped", "shipped_names", "load", "BASES", "KINDS"]
