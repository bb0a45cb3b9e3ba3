"""Fleet assessments: an inventory of server groups over years and regions.

An *inventory* is a table with one row per group of identical servers (CSV, Parquet, a
folder of Parquet files, or a DataFrame). Its columns:

``bom`` (required)
    A shipped BOM name (``clemm2024-cpu``) or a path to a BOM file.
``count``
    Servers in the group [-] (default 1).
``region`` or ``grid``
    The grid: a country code or named value (resolved through ``data/grid/``), or an
    intensity [kgCO2e/kWh]. A row that gives neither keeps its BOM's grid.
``grid_series``
    A file of hourly grid intensities [kgCO2e/kWh], one number per line (``#`` comments
    allowed), e.g. 8,760 values for a year. The model's power is a time-average (profile
    shares carry no timing), so the hourly series enters as its mean: exact for that
    model, and the place where an hourly power profile would join it.
``pue``, ``utilization``
    As in the BOM (``utilization`` only for BOMs with a power curve).
``install_date``
    A date (``2021-03-01``) or a year (``2021``, ``2021.5``: decimal years).
``retire_date`` or ``lifetime``
    When the group leaves service, or its lifetime [years of 8,760 h]. Without either,
    the BOM's lifetime.
any registered parameter
    ``profile.0.share``, ``components.dram.dies``, ``factors.clemm2024.dram_die``, ...
    (see :func:`lca.parameters`); an empty cell keeps the BOM's value.
``id``, ``name``, ``notes``
    Carried along and ignored. Any other column is an error.

Units go in the cells (``"5 years"``, ``"400 gCO2e/kWh"``) or in the header
(``lifetime [years]``, ``grid [gCO2e/kWh]``); a bare number is in the canonical unit of
its parameter.

The result is tidy: one row per (the ``by`` columns, stage, category) with ``value`` and
``unit``: every stage (manufacturing, transport, use, end_of_life, infrastructure) and
category (gwp [kgCO2e], water [L_water], adpe [kgSbeq], pe [MJ_primary]) of
:mod:`lca.impacts` that the model reports (see :func:`results`); NaN where a factor is
missing (not covered, never counted as zero). Use and infrastructure accrue with time in
service: each calendar year counts the share of the year a group is in service (install
and retirement dates may fall mid-year).

One-off impacts (manufacturing, transport, end of life) are reported in one of the two
conventions of fleet accounting (say which when quoting a figure):

``purchase`` (default)
    Manufacturing and transport in the calendar year of installation, as a purchase is
    booked (GHG Protocol Scope 3 category 2, capital goods: "companies should account for
    the total cradle-to-gate emissions of purchased capital goods in the year of
    acquisition"); end of life in the calendar year of retirement.
``amortised``
    Spread evenly over the service life, in proportion to the time in service each year
    (the per-year convention of ``lca assess``).

Both give the same total over the whole service life.

Evaluation is vectorized: the rows that share a BOM are evaluated together by one call
of :func:`lca.model.evaluate` (the model of ``lca.assess``), and the years are a
(rows x years) array; the loops run over BOMs, years of a chunk and chunks, never over
rows. Inventories are read in chunks (``chunk_size`` rows, pandas engine) or partitions
(``engine="dask"``), so memory is bounded by a chunk, not by the inventory.

References
----------
GHG Protocol, "Technical Guidance for Calculating Scope 3 Emissions", version 1.0 (2013),
category 2 (capital goods), p. 44.
"""

from __future__ import annotations

import re
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Sequence

import numpy as np

from .errors import LcaError, ParameterError

if TYPE_CHECKING:
    import pandas as pd

#: Embodied conventions.
PURCHASE, AMORTISED = "purchase", "amortised"
EMBODIED_CONVENTIONS = (PURCHASE, AMORTISED)

#: Dimensions a fleet result can be broken down by (stage and category are always kept).
DIMENSIONS = ("year", "region", "bom")

#: How each stage's lifetime total is spread over calendar years: "in_service" (in
#: proportion to the time in service), "purchase" (one-off at installation unless
#: amortised), "retirement" (one-off at retirement unless amortised).
STAGE_TIMING: dict[str, str] = {
    "manufacturing": "purchase", "transport": "purchase", "use": "in_service",
    "end_of_life": "retirement", "infrastructure": "in_service"}


def results() -> tuple[tuple[str, str, str, str, str], ...]:
    """(stage, category, unit, model column, timing) of every result a fleet reports:
    each stage x category of :mod:`lca.impacts`, read from the model's lifetime totals
    ``impacts.<category>.<stage>``."""
    from .impacts import CATEGORIES, STAGES, unit

    return tuple((stage, category, unit(category), f"impacts.{category}.{stage}",
                  STAGE_TIMING.get(stage, "in_service"))
                 for stage in STAGES for category in CATEGORIES)

#: Inventory columns that are not model parameters.
INVENTORY_COLUMNS = ("bom", "count", "region", "grid", "grid_series", "install_date",
                     "retire_date", "lifetime")
#: Columns carried along and ignored.
IGNORED_COLUMNS = ("id", "name", "notes")

#: Inventory rows evaluated at a time by the pandas engine.
CHUNK_SIZE = 1_000_000

_HEADER_UNIT = re.compile(r"^\s*(?P<name>[^\[\]]+?)\s*\[(?P<unit>[^\[\]]*)\]\s*$")

OUTPUT_COLUMNS = ("stage", "category", "value", "unit")


# --- reading an inventory ---------------------------------------------------------------------

def split_header(column: str) -> tuple[str, str | None]:
    """``"lifetime [years]"`` -> ``("lifetime", "years")``; ``"pue"`` -> ``("pue", None)``."""
    m = _HEADER_UNIT.match(str(column))
    if m is None:
        return str(column).strip(), None
    return m["name"], (m["unit"].strip() or None)


def _inventory_format(path: Path) -> str:
    if path.is_dir():
        return "parquet"
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    raise ParameterError(f"{path}: expected an inventory in .csv, .parquet or a folder of "
                         "Parquet files")


def iter_inventory(source: "str | Path | pd.DataFrame", chunk_size: int = CHUNK_SIZE
                   ) -> Iterator["pd.DataFrame"]:
    """The inventory in chunks of at most ``chunk_size`` rows (a DataFrame is one chunk).
    CSV and Parquet are read incrementally (pyarrow), so a file larger than memory is fine."""
    import pandas as pd

    if isinstance(source, pd.DataFrame):
        yield source
        return
    path = Path(source)
    if not path.exists():
        raise ParameterError(f"{path}: inventory not found")
    fmt = _inventory_format(path)
    if fmt == "csv":
        import pyarrow.csv as pcsv

        # every column as text first: units may sit in the cells; parsed per column below
        names = pd.read_csv(path, nrows=0).columns
        convert = pcsv.ConvertOptions(column_types={c: "string" for c in names})
        reader = pcsv.open_csv(path, convert_options=convert,
                               read_options=pcsv.ReadOptions(block_size=1 << 24))
        buffered: list[pd.DataFrame] = []
        rows = 0
        for batch in reader:
            buffered.append(batch.to_pandas())
            rows += batch.num_rows
            if rows >= chunk_size:
                yield pd.concat(buffered, ignore_index=True)
                buffered, rows = [], 0
        if buffered:
            yield pd.concat(buffered, ignore_index=True)
        return
    import pyarrow.dataset as ds

    dataset = ds.dataset(str(path), format="parquet")
    for batch in dataset.to_batches(batch_size=chunk_size):
        if batch.num_rows:
            yield batch.to_pandas()


def _numbers(name: str, unit: str | None, values: Any, canonical: str | None) -> np.ndarray:
    """A column as floats in ``canonical`` units: numbers in the header's unit (or already
    canonical), or text with units per cell; empty cells become NaN."""
    import pandas as pd

    series = pd.Series(values)
    if series.dtype.kind in "fiub":   # numbers already: no text to read
        numeric = series.to_numpy(dtype=float, copy=True)
        return numeric * _factor(name, unit, canonical) if unit is not None else numeric
    numeric = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, copy=True)
    text = series.astype("string")
    blank = series.isna().to_numpy() | (text.str.strip() == "").fillna(True).to_numpy()
    needs_units = ~blank & np.isnan(numeric)
    if unit is not None:
        numeric = numeric * _factor(name, unit, canonical)
    if needs_units.any():
        from .units import ureg

        cells = text[needs_units].to_numpy(dtype=object)
        uniq, inverse = np.unique(cells.astype(str), return_inverse=True)
        conv = np.empty(len(uniq))
        for i, cell in enumerate(uniq):   # once per distinct text, not per row
            try:
                q = ureg.Quantity(cell)
                conv[i] = (q.to(canonical) if canonical else q.to("dimensionless")).magnitude
            except Exception:
                raise ParameterError(f"inventory column {name!r}: cannot read {cell!r} as a "
                                     f"quantity in {canonical or 'a plain number'}") from None
        numeric[needs_units] = conv[inverse]
    return numeric


def _factor(name: str, unit: str, canonical: str | None) -> float:
    from .units import ureg

    try:
        return float(ureg.Quantity(1.0, unit).to(canonical or "dimensionless").magnitude)
    except Exception:
        raise ParameterError(f"inventory column {name!r}: unit [{unit}] is not a unit of "
                             f"{canonical or 'a plain number'}") from None


def _grid_series(column: Any, source: str) -> np.ndarray | None:
    """Mean grid intensity [kgCO2e/kWh] of each row's hourly series file (NaN where the
    cell is empty); each distinct file is read once."""
    import pandas as pd

    names = pd.Series(column).astype("string").fillna("").str.strip().to_numpy(dtype=object)
    if not np.any(names != ""):
        return None
    uniq, inverse = np.unique(names.astype(str), return_inverse=True)
    means = np.full(len(uniq), np.nan)
    for i, name in enumerate(uniq):   # once per distinct file
        if not name:
            continue
        try:
            values = np.loadtxt(name, comments="#", ndmin=1, dtype=float)
        except (OSError, ValueError) as exc:
            raise ParameterError(f"{source}: column 'grid_series': {name}: expected a file "
                                 f"of hourly intensities in kgCO2e/kWh ({exc})") from None
        if values.size == 0 or not np.all(np.isfinite(values)) or np.any(values < 0):
            raise ParameterError(f"{source}: column 'grid_series': {name}: expected finite "
                                 "intensities of zero or more")
        means[i] = float(values.mean())
    return means[inverse]


def _check(source: str, name: str, values: np.ndarray) -> None:
    """The registry's bounds of ``name`` (lca.registry), with the inventory named."""
    from . import registry

    try:
        registry.check(name, values)
    except ParameterError as exc:
        raise ParameterError(f"{source}: {exc}") from None


def decimal_years(name: str, values: Any) -> np.ndarray:
    """Dates (``2021-03-01``) or year numbers (``2021``, ``2021.5``) as decimal calendar
    years; NaN for empty cells."""
    import pandas as pd

    series = pd.Series(values)
    if series.dtype.kind in "fiu":   # year numbers already
        return series.to_numpy(dtype=float, copy=True)
    numeric = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, copy=True)
    text = series.astype("string")
    blank = series.isna().to_numpy() | (text.str.strip() == "").fillna(True).to_numpy()
    dated = ~blank & np.isnan(numeric)
    if dated.any():
        try:
            ts = pd.DatetimeIndex(pd.to_datetime(series[dated], errors="raise"))
        except (ValueError, TypeError) as exc:
            raise ParameterError(f"inventory column {name!r}: expected dates "
                                 f"(2021-03-01) or years (2021): {exc}") from None
        start = pd.DatetimeIndex(pd.to_datetime(
            {"year": ts.year, "month": 1, "day": 1}))
        days = np.where(ts.is_leap_year, 366.0, 365.0)
        frac = (ts - start).total_seconds().to_numpy() / 86400.0 / days
        numeric[dated] = ts.year.to_numpy(dtype=float) + frac
    return numeric


# --- one chunk: evaluate, spread over years, aggregate ----------------------------------------

@dataclass
class _Groups:
    """A chunk's rows with their model inputs resolved, one BOM at a time."""

    bom: str
    rows: np.ndarray           # positions in the chunk
    count: np.ndarray
    start: np.ndarray          # decimal year of installation
    lifetime: np.ndarray       # [years]
    region: np.ndarray         # labels (object)
    results: dict[str, np.ndarray]


def _columns(frame: "pd.DataFrame") -> dict[str, tuple[str, str | None]]:
    """Inventory column -> (name, header unit); unknown columns are an error later."""
    out = {}
    for c in frame.columns:
        name, unit = split_header(c)
        if name in out.values():
            raise ParameterError(f"inventory column {name!r} given twice")
        out[c] = (name, unit)
    return out


def _evaluate_chunk(frame: "pd.DataFrame", source: str) -> Iterator[_Groups]:
    from .bom import load_bom
    from .cache import compiled as compiled_model
    from .model import ALIASES, evaluate, parameter_unit, region_parameters, resolve

    cols = _columns(frame)
    by_name = {name: c for c, (name, _) in cols.items()}
    if "bom" not in by_name:
        raise ParameterError(f"{source}: the inventory has no 'bom' column")
    n = len(frame)
    boms = frame[by_name["bom"]].astype("string").fillna("").str.strip().to_numpy(dtype=object)
    if np.any(boms == ""):
        raise ParameterError(f"{source}: row {int(np.flatnonzero(boms == '')[0])}: empty bom")
    count = np.ones(n)
    if "count" in by_name:
        c = by_name["count"]
        count = _numbers("count", cols[c][1], frame[c], None)
        if np.any(np.isnan(count)):
            raise ParameterError(f"{source}: column 'count': expected a number of servers "
                                 "in every row")
        _check(source, "fleet.count", count)
    start = np.full(n, np.nan)
    if "install_date" in by_name:
        start = decimal_years("install_date", frame[by_name["install_date"]])
    if np.any(np.isnan(start)):
        raise ParameterError(f"{source}: column 'install_date': every row needs one "
                             "(a date such as 2021-03-01 or a year such as 2021)")
    _check(source, "fleet.install_date", start)
    retire = None
    if "retire_date" in by_name:
        retire = decimal_years("retire_date", frame[by_name["retire_date"]])
        _check(source, "fleet.retire_date", retire[~np.isnan(retire)])
    regions = None
    if "region" in by_name:
        regions = frame[by_name["region"]].astype("string").fillna("").str.strip() \
            .to_numpy(dtype=object)
    grid_given = None
    if "grid" in by_name:
        c = by_name["grid"]
        grid_given = _numbers("grid", cols[c][1], frame[c], "kgCO2e/kWh")
    if "grid_series" in by_name:
        series = _grid_series(frame[by_name["grid_series"]], source)
        if series is not None:
            if grid_given is not None and np.any(~np.isnan(grid_given) & ~np.isnan(series)):
                raise ParameterError(f"{source}: give grid or grid_series in a row, not both")
            grid_given = series if grid_given is None else np.where(
                np.isnan(series), grid_given, series)
    params_cols = {name: c for name, c in by_name.items()
                   if name not in INVENTORY_COLUMNS and name not in IGNORED_COLUMNS}

    labels, inverse = np.unique(boms.astype(str), return_inverse=True)
    for j, label in enumerate(labels):   # once per BOM, not per row
        rows = np.flatnonzero(inverse == j)
        model = compiled_model(load_bom(label))
        over: dict[str, Any] = {}
        for name, c in params_cols.items():
            key = ALIASES.get(name, name)
            values = _numbers(name, cols[c][1], frame[c].to_numpy()[rows],
                              parameter_unit(model, key))
            given = ~np.isnan(values)
            if not given.any():
                continue
            if key not in model.params:
                raise ParameterError(f"{source}: column {name!r}: not a parameter of BOM "
                                     f"{label!r} (see lca.parameters)")
            over[key] = np.where(given, values, model.params[key])
        life = np.full(len(rows), float(model.params["lifetime"]))
        if "lifetime" in by_name:
            c = by_name["lifetime"]
            v = _numbers("lifetime", cols[c][1], frame[c].to_numpy()[rows], "year")
            life = np.where(np.isnan(v), life, v)
        if retire is not None:
            v = retire[rows] - start[rows]
            life = np.where(np.isnan(v), life, v)
        if np.any(~(life > 0)):
            raise ParameterError(f"{source}: BOM {label!r}: every group needs a retirement "
                                 "after its installation (lifetime > 0)")
        _check(source, "lifetime", life)
        over["lifetime"] = life
        region = np.full(len(rows), model.grid_region or "custom", dtype=object)
        grid = np.full(len(rows), float(model.params["grid"]))
        if regions is not None:
            names = regions[rows]
            uniq, inv = np.unique(names.astype(str), return_inverse=True)
            keys: list[str] = []
            resolved: list[dict[str, float]] = []
            for name in uniq:   # once per distinct region (lca.model.region_parameters)
                if name == "":
                    keys.append(""), resolved.append({})
                    continue
                values, key, _ = region_parameters(name)
                keys.append(key), resolved.append(values)
            keys_arr = np.asarray(keys, dtype=object)
            has = keys_arr[inv] != ""
            region = np.where(has, keys_arr[inv], region)
            for name in dict.fromkeys(k for r in resolved for k in r):
                if name not in model.params:
                    continue
                per_region = np.array([r.get(name, np.nan) for r in resolved])
                base = over.get(name, model.params[name])
                over[name] = np.where(has, per_region[inv], base)
            grid = over.pop("grid", grid)
        if grid_given is not None:
            g = grid_given[rows]
            has = ~np.isnan(g)
            if regions is not None and np.any(has & (regions[rows] != "")):
                raise ParameterError(f"{source}: give grid or region in a row, not both")
            grid = np.where(has, g, grid)
            region = np.where(has, "custom", region)
        over["grid"] = grid
        params = resolve(model, over)
        cols_out = evaluate(model, params, len(rows))
        yield _Groups(bom=label, rows=rows, count=count[rows], start=start[rows],
                      lifetime=life, region=region,
                      results={r[3]: np.asarray(cols_out[r[3]], dtype=float)
                               for r in results() if r[3] in cols_out})


def _year_shares(g: _Groups, embodied: str, years: tuple[int, int] | None):
    """How each group's lifetime total falls on calendar years, once per timing.

    Returns (year0, number of years, {timing: (row, year offset, share)}) with only the
    (group, year) cells that carry a part of the group (share > 0, in row-major order):
    a one-off falls on one year per group, a share in service on its years of service,
    so the work per result column is that many cells, not groups x calendar years."""
    end = g.start + g.lifetime
    y0 = int(np.floor(g.start.min()))
    y1 = int(np.floor(end.max())) + 1   # through the year of the last retirement
    if years is not None:
        y0, y1 = max(y0, years[0]), min(y1, years[1] + 1)
    if y1 <= y0:
        return y0, 0, {}
    calendar = np.arange(y0, y1, dtype=float)[None, :]
    cells = {}
    for timing in dict.fromkeys(r[4] for r in results()):
        if timing == "in_service" or embodied == AMORTISED:
            in_service = np.clip(np.minimum(end[:, None], calendar + 1.0)
                                 - np.maximum(g.start[:, None], calendar), 0.0, None)  # [years]
            share = in_service / g.lifetime[:, None]
        else:
            when = np.floor(g.start) if timing == "purchase" else np.floor(end)
            share = (when[:, None] == calendar).astype(float)
        row, year = np.nonzero(share > 0)
        cells[timing] = (row, year, share[row, year])
    return y0, y1 - y0, cells


def chunk_impacts(frame: "pd.DataFrame", embodied: str = PURCHASE,
                  years: tuple[int, int] | None = None, source: str = "inventory"
                  ) -> "pd.DataFrame":
    """Impacts of one chunk of an inventory by year, region, BOM, stage and category
    (tidy; the partial result that :func:`fleet` adds up over chunks or partitions)."""
    import pandas as pd

    parts = []
    for g in _evaluate_chunk(frame, source):
        y0, ny, shares = _year_shares(g, embodied, years)
        if not shares:
            continue
        region_labels, region_codes = np.unique(g.region.astype(str), return_inverse=True)
        size = len(region_labels) * ny
        layout = {}   # timing -> (cell of each share, cells present)
        for timing, (row, year, share) in shares.items():
            cell = region_codes[row] * ny + year
            layout[timing] = (cell, np.flatnonzero(np.bincount(cell, minlength=size) > 0))
        for stage, category, unit, column, timing in results():
            if column not in g.results:
                continue
            row, _, share = shares[timing]
            cell, idx = layout[timing]
            total = g.count * g.results[column]   # over the lifetime, all servers of a group
            sums = np.bincount(cell, weights=total[row] * share, minlength=size)
            parts.append(pd.DataFrame({
                "year": (y0 + idx % ny).astype(np.int64),
                "region": region_labels[idx // ny].astype(object),
                "bom": np.full(len(idx), g.bom, dtype=object),
                "stage": stage, "category": category, "value": sums[idx], "unit": unit}))
    if not parts:
        return _empty()
    return pd.concat(parts, ignore_index=True)


def _empty() -> "pd.DataFrame":
    import pandas as pd

    return pd.DataFrame({"year": pd.Series(dtype=np.int64), "region": pd.Series(dtype=object),
                         "bom": pd.Series(dtype=object), "stage": pd.Series(dtype=object),
                         "category": pd.Series(dtype=object),
                         "value": pd.Series(dtype=float), "unit": pd.Series(dtype=object)})


def combine(partials: Iterable["pd.DataFrame"], by: Sequence[str]) -> "pd.DataFrame":
    """Add up partial results (chunks, partitions) by ``by`` + stage, category and unit."""
    import pandas as pd

    frames = [p for p in partials if len(p)]
    if not frames:
        frame = _empty()
    else:
        frame = pd.concat(frames, ignore_index=True)
    keys = [*by, "stage", "category", "unit"]
    # a value not covered (NaN) keeps its sum NaN: never counted as zero
    out = frame.groupby(keys, sort=True, observed=True, dropna=False)["value"] \
        .sum(skipna=False).reset_index()
    order = results()
    stage_order = {s: i for i, s in enumerate(dict.fromkeys(r[0] for r in order))}
    category_order = {c: i for i, c in enumerate(dict.fromkeys(r[1] for r in order))}
    out["_stage"] = out["stage"].map(stage_order)
    out["_category"] = out["category"].map(category_order)
    out = out.sort_values([*by, "_category", "_stage"], kind="stable") \
        .drop(columns=["_stage", "_category"])
    return out[[*by, "stage", "category", "value", "unit"]].reset_index(drop=True)


# --- engines ------------------------------------------------------------------------------------

def _check_by(by: "str | Sequence[str] | None") -> list[str]:
    if by is None:
        return ["year"]
    items = [b.strip() for b in (by.split(",") if isinstance(by, str) else by) if b.strip()]
    bad = [b for b in items if b not in DIMENSIONS]
    if bad:
        raise ParameterError(f"by: unknown dimension(s) {', '.join(map(repr, bad))}; "
                             f"expected some of {', '.join(DIMENSIONS)}")
    return list(dict.fromkeys(items))


def _dask_frame(source: Any):
    import dask.dataframe as dd
    import pandas as pd

    if isinstance(source, pd.DataFrame):
        return dd.from_pandas(source, npartitions=max(1, len(source) // CHUNK_SIZE + 1))
    if hasattr(source, "map_partitions"):
        return source
    path = Path(source)
    if not path.exists():
        raise ParameterError(f"{path}: inventory not found")
    if _inventory_format(path) == "csv":
        return dd.read_csv(str(path), dtype=str, blocksize="64MB")
    return dd.read_parquet(str(path))


def _dask_impacts(source: Any, by: list[str], embodied: str, years, scheduler: str | None,
                  label: str) -> "pd.DataFrame":
    try:
        import dask
    except ImportError:
        from .whatif.common import MissingDependencyError

        raise MissingDependencyError('engine="dask" needs Dask: pip install "lca[scale]"') \
            from None
    frame = _dask_frame(source)
    meta = _empty()
    partials = frame.map_partitions(chunk_impacts, embodied, years, label, meta=meta)
    # each partition's partial sums are small (years x regions x BOMs x stages); they are
    # added up here, so the result does not depend on how the inventory is partitioned
    # beyond floating-point summation order
    if scheduler is not None:
        from distributed import Client

        with Client(scheduler, set_as_default=False) as client:
            parts = client.compute(partials.to_delayed())
            computed = client.gather(parts)
    else:
        computed = dask.compute(*partials.to_delayed())
    return combine(computed, by)


def fleet(inventory: "str | Path | pd.DataFrame", by: "str | Sequence[str] | None" = "year",
          *, embodied: str = PURCHASE, years: tuple[int, int] | None = None,
          engine: str = "pandas", scheduler: str | None = None,
          chunk_size: int = CHUNK_SIZE, out: "str | Path | None" = None
          ) -> "pd.DataFrame | Path":
    """Impacts of a fleet by year, region and BOM, per stage and category.

    Parameters
    ----------
    inventory : path or DataFrame
        CSV, Parquet file, folder of Parquet files (a partitioned dataset), or a DataFrame;
        one row per group of identical servers (columns: see :mod:`lca.fleet`).
    by : str or list of str
        Dimensions to keep, from ``year``, ``region``, ``bom`` (``"year,region"``); the
        others are summed over. Stage and category are always kept.
    embodied : {"purchase", "amortised"}
        Embodied impacts in the year of installation [default], or spread over the service
        life in proportion to time in service.
    years : (first, last), optional
        Calendar years to report (inclusive); default every year a group is in service.
    engine : {"pandas", "dask"}
        pandas: chunks of ``chunk_size`` rows in this process. dask: the partitions of
        ``dask.dataframe`` (partitioned Parquet read in parallel), on ``scheduler`` (the
        address of a ``distributed`` scheduler) or Dask's default scheduler.
    out : path, optional
        Also write the result: ``.csv`` or ``.parquet`` (one file), or a folder name
        without a suffix (a Parquet dataset partitioned by year).

    Returns
    -------
    DataFrame with the ``by`` columns, ``stage``, ``category``, ``value`` and ``unit``
    (kgCO2e for gwp) -- or the path written when ``out`` is given.
    """
    keys = _check_by(by)
    if embodied not in EMBODIED_CONVENTIONS:
        raise ParameterError(f"embodied: expected one of {', '.join(EMBODIED_CONVENTIONS)}, "
                             f"got {embodied!r}")
    if years is not None:
        years = (int(years[0]), int(years[1]))
        if years[1] < years[0]:
            raise ParameterError(f"years: expected first <= last, got {years}")
    if out is not None:
        _check_out(Path(out))
    label = str(inventory) if not hasattr(inventory, "columns") else "inventory"
    if engine == "pandas":
        if scheduler is not None:
            raise ParameterError("scheduler: only with engine='dask'")
        partials = (chunk_impacts(chunk, embodied, years, label)
                    for chunk in iter_inventory(inventory, chunk_size))
        result = combine(partials, keys)
    elif engine == "dask":
        result = _dask_impacts(inventory, keys, embodied, years, scheduler, label)
    else:
        raise ParameterError(f"engine: expected 'pandas' or 'dask', got {engine!r}")
    if out is not None:
        return write_result(result, Path(out))
    return result


def _check_out(path: Path) -> None:
    if path.suffix:
        from .sinks import output_format

        output_format(path)


def write_result(result: "pd.DataFrame", path: Path) -> Path:
    """Write a fleet result to ``.csv`` / ``.parquet``, or to a folder as a Parquet
    dataset partitioned by year (``year=2024/part-0.parquet``), atomically."""
    from .sinks import frame_units, write_frames

    units = frame_units(["value"], {"value": None})
    if path.suffix:
        return write_frames([result], path)
    return _write_dataset(result, path, units)


def _write_dataset(result: "pd.DataFrame", path: Path, units: Mapping[str, str]) -> Path:
    """A Parquet dataset in a folder, written into a temporary folder beside it and moved
    into place (an existing folder is replaced only when lca wrote it)."""
    import os
    import shutil
    import tempfile

    import pyarrow.dataset as ds

    from .errors import OverwriteError
    from .sinks import to_arrow

    marker = ".lca-fleet"
    if path.exists() and not (path.is_dir() and (path / marker).is_file()):
        raise OverwriteError(f"{path}: exists and was not written by lca; remove it or "
                             "choose another name")
    parent = path.parent if str(path.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent))
    old = None
    try:
        table = to_arrow(result, units=None)
        partitioning = ds.partitioning(table.select(["year"]).schema, flavor="hive") \
            if "year" in result.columns else None
        ds.write_dataset(table, str(tmp), format="parquet", partitioning=partitioning,
                         existing_data_behavior="overwrite_or_ignore")
        (tmp / marker).write_text("written by lca.fleet\n", encoding="utf-8")
        if path.exists():
            old = parent / f".{path.name}.old"
            shutil.rmtree(old, ignore_errors=True)
            os.replace(path, old)
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and not path.exists():
            os.replace(old, path)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return path


# --- lca.fleet is callable: lca.fleet(inventory, by=...) ---------------------------------------

class _FleetModule(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any):
        return fleet(*args, **kwargs)


sys.modules[__name__].__class__ = _FleetModule

__all__ = ["fleet", "chunk_impacts", "combine", "iter_inventory", "write_result",
           "split_header", "decimal_years", "results", "STAGE_TIMING", "PURCHASE", "AMORTISED",
           "EMBODIED_CONVENTIONS", "DIMENSIONS", "LcaError"]
