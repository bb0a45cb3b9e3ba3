"""Sweeps: the cartesian product of axes (or a table of scenarios), evaluated in blocks
through the one vectorized path of lca.model, as DataFrames or streamed to CSV."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd

import math

from .. import data, registry
from ..bom import Bom, load_bom
from ..errors import ParameterError
from ..model import ALIASES, Compiled, compile_bom, evaluate, region_parameters, resolve
from .common import METHOD, REGION, SLAB_ROWS, SUB_BLOCK, _canonical_array


# --- scenario designs ---------------------------------------------------------------------

def _labels(values: Any) -> list[str]:
    if isinstance(values, str) or not np.ndim(values):
        return [str(values)]
    return [str(v) for v in values]


@dataclass
class _Design:
    """Scenarios as columns: numeric parameters (canonical floats) and labelled ones
    (region, method) as integer codes into their categories."""

    n: int
    names: list[str]                       # column order, as the user named them
    numeric: dict[str, np.ndarray]         # values per axis (cartesian) or per row (table)
    codes: dict[str, np.ndarray]           # region/method codes
    categories: dict[str, list[str]]       # region/method category labels
    grids: np.ndarray | None = None        # grid value per region category
    region_params: dict[str, np.ndarray] | None = None   # every region parameter per category
    shape: tuple[int, ...] | None = None   # cartesian: axis lengths; table: None

    def slab_split(self) -> tuple[int, int]:
        """(k, P): the cartesian axes from ``k`` on make the *inner* grid of ``P`` rows,
        the smallest suffix of axes whose product fits in ``SLAB_ROWS`` (the axes before
        it, the *outer* ones, advance once per ``P`` rows)."""
        k, inner = len(self.shape), 1
        while k > 0 and inner * self.shape[k - 1] <= SLAB_ROWS:
            k -= 1
            inner *= self.shape[k]
        return k, inner

    def slab(self, k: int, first: int, count: int) -> tuple[
            tuple[int, ...], dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Outer positions [first, first + count) of a cartesian design split at axis
        ``k``, as broadcast arrays: shape ``(count, *shape[k:])``; an outer axis is a
        column of ``count`` values, an inner axis its values along its own dimension.
        Rows of the slab, in C order, are rows ``first * P`` onwards of the sweep."""
        inner = self.shape[k:]
        shape = (count, *inner)
        num: dict[str, np.ndarray] = {}
        cod: dict[str, np.ndarray] = {}
        stride = math.prod(self.shape[:k])
        for i, (name, size) in enumerate(zip(self.names, self.shape)):
            values = (np.arange(size, dtype=np.intp) if name in self.codes
                      else self.numeric[name])
            dims = [1] * len(shape)
            if i < k:
                stride //= size
                values = _axis_values(values, stride, first, first + count)
                dims[0] = count
            else:
                dims[1 + i - k] = size
            (cod if name in self.codes else num)[name] = values.reshape(dims)
        return shape, num, cod

    def block(self, start: int, stop: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Numeric columns and label codes of rows [start, stop)."""
        if self.shape is None:
            return ({k: v[start:stop] for k, v in self.numeric.items()},
                    {k: v[start:stop] for k, v in self.codes.items()})
        num: dict[str, np.ndarray] = {}
        cod: dict[str, np.ndarray] = {}
        stride = self.n
        for name, size in zip(self.names, self.shape):
            stride //= size
            if name in self.codes:
                cod[name] = _axis_positions(size, stride, start, stop)
            else:
                num[name] = _axis_values(self.numeric[name], stride, start, stop)
        return num, cod


def _axis_values(values: np.ndarray, stride: int, start: int, stop: int) -> np.ndarray:
    """Rows [start, stop) of a cartesian axis whose values each repeat ``stride`` times
    and cycle (as in ``itertools.product``), built from runs, not from a per-row index:
    ``np.repeat`` of the values over their run lengths (slow axes: a few long runs) or a
    tiled period (fast axes). No integer division or gather per row."""
    size, m = len(values), stop - start
    if size == 1:
        return np.full(m, values[0])
    period = size * stride
    if stride == 1 or period <= m:
        once = np.repeat(values, stride) if stride > 1 else values
        offset = start % period
        reps = -(-(offset + m) // period)
        return np.tile(once, reps)[offset:offset + m]
    first, last = start // stride, (stop - 1) // stride
    runs = np.arange(first, last + 1)
    lengths = np.minimum((runs + 1) * stride, stop) - np.maximum(runs * stride, start)
    return np.repeat(values[runs % size], lengths)


def _axis_positions(size: int, stride: int, start: int, stop: int) -> np.ndarray:
    """The category codes of a labelled cartesian axis for rows [start, stop)."""
    return _axis_values(np.arange(size, dtype=np.intp), stride, start, stop)


def _regions(labels: Sequence[str]) -> tuple[list[str], np.ndarray, dict[str, np.ndarray]]:
    """Region keys, grid values and every region parameter (lca.model.region_parameters,
    the one place a region is resolved) per region label."""
    resolved = [region_parameters(v) for v in labels]
    params = {k: np.array([p[k] for p, _, _ in resolved], dtype=float) for k in resolved[0][0]}
    return [key for _, key, _ in resolved], params["grid"], params


def _cartesian(compiled: Compiled, axes: Mapping[str, Any]) -> _Design:
    names, shape = list(axes), []
    numeric: dict[str, np.ndarray] = {}
    codes: dict[str, np.ndarray] = {}
    cats: dict[str, list[str]] = {}
    grids = rparams = None
    if REGION in axes and ("grid" in axes or "usage.grid" in axes):
        raise ParameterError("give grid or region, not both")
    for name, values in axes.items():
        if name in (REGION, METHOD):
            labels = _labels(values)
            cats[name] = labels
            codes[name] = np.arange(len(labels))
            if name == REGION:
                cats[name], grids, rparams = _regions(labels)
            shape.append(len(labels))
        else:
            arr = _canonical_array(compiled, name, values)
            numeric[name] = arr
            shape.append(len(arr))
        if shape[-1] == 0:
            raise ParameterError(f"{name}: the axis has no values")
    n = math.prod(shape) if shape else 1
    if n > registry.get("sweep.points").max:
        raise ParameterError(f"the sweep has {n:,} scenarios ({' x '.join(map(str, shape))}), "
                             f"more than the {registry.get('sweep.points').max:,.0f} lca runs "
                             "in one call: split the axes over several sweeps",
                             parameter="sweep.points", value=n,
                             bound=registry.get("sweep.points").bounds_text())
    return _Design(n=n, names=names, numeric=numeric, codes=codes, categories=cats,
                   grids=grids, shape=tuple(shape), region_params=rparams)


def _table(compiled: Compiled, scenarios: pd.DataFrame) -> _Design:
    names = [str(c) for c in scenarios.columns]
    if REGION in names and ("grid" in names or "usage.grid" in names):
        raise ParameterError("give grid or region, not both")
    numeric: dict[str, np.ndarray] = {}
    codes: dict[str, np.ndarray] = {}
    cats: dict[str, list[str]] = {}
    grids = rparams = None
    for name in names:
        col = scenarios[name]
        if name in (REGION, METHOD):
            labels, inverse = np.unique(col.astype(str).to_numpy(), return_inverse=True)
            cats[name] = [str(v) for v in labels]
            codes[name] = inverse.astype(np.intp)
            if name == REGION:
                cats[name], grids, rparams = _regions(cats[name])
        else:
            numeric[name] = _canonical_array(compiled, name, col.to_numpy())
    return _Design(n=len(scenarios), names=names, numeric=numeric, codes=codes,
                   categories=cats, grids=grids, region_params=rparams)


# --- the sweep engine -----------------------------------------------------------------------

class _Sweep:
    """A BOM compiled once per method, and a scenario design to evaluate in blocks."""

    def __init__(self, bom: Any, design_from, columns: Sequence[str] | None = None):
        self.bom = load_bom(bom)
        self.columns = None if columns is None else list(columns)
        base = compile_bom(self.bom)
        self.design: _Design = design_from(base)
        methods = self.design.categories.get(METHOD)
        self.models: list[Compiled] = ([compile_bom(self.bom, m) for m in methods]
                                       if methods else [base])
        # numeric names each model knows: factors of another method are skipped there
        self.known = []
        for model in self.models:
            names = []
            for name in self.design.numeric:
                key = ALIASES.get(name, name)
                if key not in model.params and key.startswith("factors.") and \
                        not key.startswith(f"factors.{model.method}."):
                    if not any(key in m.params for m in self.models):
                        raise ParameterError(f"unknown parameter {name!r}: no method of the "
                                             "sweep has this factor")
                    continue
                names.append(name)
            self.known.append(names)
        self.block_checks = [self._check_once(j) for j in range(len(self.models))]
        # result columns: the union over the methods' models (a method without a factor
        # for a category has no column for it: NaN in its rows)
        probes = [list(evaluate(m, resolve(m, {}), 1)) for m in self.models]
        self.results = list(dict.fromkeys(k for p in probes for k in p))
        self.absent = [[k for k in self.results if k not in set(p)] for p in probes]
        self.float_names: list[str] = []
        self.out_names: list[str] = []
        for name in self.design.names:
            self.out_names.append(name)
            if name == REGION:
                self.out_names.append("grid")
                self.float_names.append("grid")
            elif name != METHOD:
                self.float_names.append(name)
        self.out_names += self.results
        self.float_names += self.results
        self.where = {name: i for i, name in enumerate(self.float_names)}
        if columns is not None:
            wanted = list(columns)
            unknown = [c for c in wanted if c not in self.out_names]
            if unknown:
                raise ParameterError(f"unknown column(s) {', '.join(map(repr, unknown))}; "
                                     f"known: {', '.join(self.out_names)}")
            keep = set(wanted) | set(self.design.names)
            self.out_names = [c for c in self.out_names if c in keep]
            self.float_names = [c for c in self.float_names if c in keep]
            self.where = {name: i for i, name in enumerate(self.float_names)}

    @property
    def n(self) -> int:
        return self.design.n

    def units(self) -> dict[str, str]:
        """Unit of each output column (parameters from the model's canonical units,
        results from their names; "" for dimensionless; labels have none)."""
        from ..model import parameter_unit
        from ..sinks import frame_units

        known: dict[str, str | None] = {}
        for name in self.out_names:
            if name in (REGION, METHOD):
                continue
            if name in self.design.numeric or name == "grid":
                known[name] = parameter_unit(self.models[0], name) or ""
        units = frame_units([c for c in self.out_names if c not in (REGION, METHOD)], known)
        return units

    def _overrides(self, j: int, num: Mapping[str, np.ndarray], cod: Mapping[str, np.ndarray],
                   rows: np.ndarray | None) -> dict[str, Any]:
        over: dict[str, Any] = {}
        for name in self.known[j]:
            v = num[name]
            over[name] = v if rows is None else v[rows]
        if REGION in cod:
            c = cod[REGION] if rows is None else cod[REGION][rows]
            for key, values in self.design.region_params.items():
                if key == "grid" or not (key in over or f"usage.{key}" in over
                                         or key in self.models[j].fixed):
                    over[key] = values[c]
        return over

    def _check_once(self, j: int) -> tuple[str, ...]:
        """Check the base parameters and every axis (or table column) of model ``j``
        against the registry once, on their values, instead of in every block of rows.
        Returns the parameters blocks must still check: profile shares filled in from
        varied ones (``complete_profile_shares``), which exist only per block."""
        from ..model import check_parameters, parameter_unit

        model = self.models[j]
        check_parameters(model, resolve(model, {}))
        varied = []
        for name in self.known[j]:
            key = ALIASES.get(name, name)
            if key not in model.params:
                resolve(model, {name: 0.0})   # raises the unknown-parameter error
            registry.check(key, self.design.numeric[name], parameter_unit(model, key))
            varied.append(key)
        if self.design.grids is not None:
            registry.check("grid", self.design.grids, parameter_unit(model, "grid"))
        shares = [f"profile.{i}.share" for i in range(model.n_states)]
        return tuple(shares) if any(k in varied for k in shares) else ()

    def _fill(self, block: np.ndarray, start: int, stop: int) -> dict[str, np.ndarray]:
        """Evaluate rows [start, stop) into ``block`` (columns x rows); returns the label
        codes of those rows."""
        m = stop - start
        num, cod = self.design.block(start, stop)
        where = self.where
        for name, v in num.items():
            if name in where:
                block[where[name]] = v
        if REGION in cod and "grid" in where:
            block[where["grid"]] = self.design.grids[cod[REGION]]
        if METHOD in cod:
            groups = [(j, np.flatnonzero(cod[METHOD] == j)) for j in range(len(self.models))]
            groups = [(j, rows) for j, rows in groups if len(rows)]
        else:
            groups = [(0, None)]
        for j, rows in groups:
            model = self.models[j]
            k = m if rows is None else len(rows)
            cols = evaluate(model, resolve(model, self._overrides(j, num, cod, rows)), k,
                            check=self.block_checks[j])
            for name in self.absent[j]:
                if name in where:
                    if rows is None:
                        block[where[name]] = np.nan
                    else:
                        block[where[name], rows] = np.nan
            for name, values in cols.items():
                if name not in where:
                    continue
                if rows is None:
                    block[where[name]] = values
                else:
                    block[where[name], rows] = values
        return cod

    def _fill_slab(self, block: np.ndarray, codes: dict[str, np.ndarray], k: int, first: int,
                   count: int, distinct: "dict[str, list] | None" = None, at: int = 0) -> None:
        """Evaluate a slab of a cartesian design (see :meth:`_Design.slab`) on broadcast
        axes and write each column into ``block`` (columns x rows) once: the model works
        on arrays shaped by the axes each term depends on (a term of the grid alone has
        as many values as the grid axis), and only the final write of a column touches
        every row. ``distinct`` collects, per column, (row ``at``, shape, values before
        broadcasting) for the CSV writer (:class:`lca.sinks.DistinctChunk`)."""
        shape, num, cod = self.design.slab(k, first, count)
        where = self.where
        columns = list(num.items())
        if REGION in cod:
            columns.append(("grid", self.design.grids[cod[REGION]]))
        model = self.models[0]
        cols = evaluate(model, resolve(model, self._overrides(0, num, cod, None)), shape,
                        check=self.block_checks[0])
        for name, values in (*columns, *cols.items()):
            if name in where:
                np.copyto(block[where[name]].reshape(shape), values)
                if distinct is not None and distinct.get(name, ()) is not None:
                    distinct.setdefault(name, []).append((at, shape, np.asarray(values)))
        for name, c in cod.items():
            np.copyto(codes[name].reshape(shape), c)

    def _pieces(self, start: int, stop: int) -> Iterator[tuple[int, int, int | None]]:
        """Rows [start, stop) cut into (a, b, k): slabs of whole inner grids evaluated on
        broadcast axes (k: the split axis), and the rows before the first and after the
        last whole inner grid in sub-blocks of ``SUB_BLOCK`` rows (k None). Tables and
        sweeps over methods (one model per method) go row by row."""
        if self.design.shape is None or METHOD in self.design.codes:
            for a in range(start, stop, SUB_BLOCK):
                yield a, min(stop, a + SUB_BLOCK), None
            return
        k, inner = self.design.slab_split()
        head = min(stop, -(-start // inner) * inner)
        tail = max(head, stop - (stop - head) % inner)
        for a in range(start, head, SUB_BLOCK):
            yield a, min(head, a + SUB_BLOCK), None
        per = max(1, SLAB_ROWS // inner) * inner
        for a in range(head, tail, per):
            yield a, min(tail, a + per), k
        for a in range(tail, stop, SUB_BLOCK):
            yield a, min(stop, a + SUB_BLOCK), None

    def frame(self, start: int, stop: int, distinct: "dict | None" = None,
              buffer: np.ndarray | None = None) -> pd.DataFrame:
        """The result rows [start, stop) as a DataFrame.

        The rows are written into one preallocated (columns x rows) array that becomes
        the DataFrame without a copy: a cartesian sweep slab by slab, each column written
        once from the model's broadcast result (:meth:`_fill_slab`); tables, sweeps over
        methods and partial inner grids in sub-blocks of ``SUB_BLOCK`` rows, so the
        model's temporaries stay small and cache-resident.

        ``distinct``, a dict, receives column -> (distinct values, position of each row)
        for the float columns of slabs whose values repeat (see :func:`_distinct`).
        ``buffer`` (columns x at least ``stop - start``) holds the values instead of a new
        array: the frame is a view of it, valid until the buffer is written again."""
        m = stop - start
        block = np.empty((len(self.float_names), m)) if buffer is None else buffer[:, :m]
        codes = {name: np.empty(m, dtype=np.intp) for name in self.design.codes}
        pieces: "dict[str, list] | None" = None if distinct is None else {}
        for a, b, k in self._pieces(start, stop):
            rows = slice(a - start, b - start)
            if k is not None:
                inner = math.prod(self.design.shape[k:])
                self._fill_slab(block[:, rows], {n: c[rows] for n, c in codes.items()}, k,
                                a // inner, (b - a) // inner, pieces, a - start)
                continue
            if pieces is not None:   # rows computed one by one: no distinct values known
                pieces.update({name: None for name in self.float_names})
            cod = self._fill(block[:, rows], a, b)
            for name, c in cod.items():
                codes[name][rows] = c
        frame = pd.DataFrame(block.T, columns=self.float_names, copy=False)
        for name, c in codes.items():
            labels, inverse = np.unique(np.asarray(self.design.categories[name], dtype=object),
                                        return_inverse=True)
            cat = pd.Categorical.from_codes(inverse[c], categories=list(labels))
            frame.insert(self.out_names.index(name), name, cat)
        if start:
            frame.index = pd.RangeIndex(start, stop)
        if distinct is not None:
            distinct.update(_distinct(pieces, m))
        return frame

    def chunks(self, chunk_size: int | None, progress: bool = False,
               distinct: bool = False, reuse: bool = False) -> Iterator[Any]:
        """DataFrames of at most ``chunk_size`` rows; with ``distinct``, as
        :class:`lca.sinks.DistinctChunk` (for the CSV writer). With ``reuse``, every
        chunk is a view of one buffer allocated once (no new pages to fault in per
        chunk): for a consumer that lets go of each chunk before it asks for the next,
        as lca.sinks' writers do."""
        from ..sinks import DistinctChunk

        size = self.n if not chunk_size else max(1, int(chunk_size))
        buffer = np.empty((len(self.float_names), min(size, self.n))) if reuse else None
        bar = _progress(self.n, progress and self.n > size)   # only when it takes chunks
        try:
            for start in range(0, self.n, size):
                stop = min(self.n, start + size)
                if distinct:
                    found: dict = {}
                    yield DistinctChunk(self.frame(start, stop, found, buffer), found)
                else:
                    yield self.frame(start, stop, buffer=buffer)
                if bar is not None:
                    bar[0].update(bar[1], advance=stop - start)
        finally:
            if bar is not None:
                bar[0].stop()


#: A column's distinct values are passed on (lca.sinks.DistinctChunk) when each repeats
#: this many times on average: below that, gathering their text costs about as much as
#: formatting every row (pyarrow: about 115 ns to format a float, 15 ns to gather one).
DISTINCT_REPEATS = 4


def _distinct(pieces: "dict[str, list | None]", rows: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Column -> (distinct values, position of each of ``rows`` rows: uint16 or int32) from the
    slabs' (row, shape, values before broadcasting) of :meth:`_Sweep._fill_slab`."""
    out = {}
    for name, parts in pieces.items():
        total = 0 if parts is None else sum(v.size for _, _, v in parts)
        if parts is None or total * DISTINCT_REPEATS > rows:
            continue
        kind = np.uint16 if total <= np.iinfo(np.uint16).max else np.int32
        positions = np.empty(rows, dtype=kind)
        base = 0
        for at, shape, values in parts:
            size = math.prod(shape)
            own = np.arange(base, base + values.size, dtype=kind).reshape(values.shape)
            np.copyto(positions[at:at + size].reshape(shape), own)
            base += values.size
        out[name] = (np.concatenate([v.ravel() for _, _, v in parts]), positions)
    return out


def _progress(total: int, enabled: bool):
    if not enabled:
        return None
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeRemainingColumn)
    console = Console(stderr=True)
    if not console.is_terminal:   # no bar in pipes, files and tests
        return None
    p = Progress(TextColumn("scenarios"), BarColumn(), MofNCompleteColumn(),
                 TimeRemainingColumn(), transient=True, console=console)
    p.start()
    return p, p.add_task("sweep", total=total)


def _design_from(axes: Mapping[str, Any], scenarios: pd.DataFrame | None):
    if scenarios is not None:
        if axes:
            raise ParameterError("give axes or scenarios=, not both")
        if not isinstance(scenarios, pd.DataFrame):
            try:
                scenarios = pd.DataFrame(scenarios)
            except (TypeError, ValueError) as exc:
                raise ParameterError(f"scenarios: expected a table (a DataFrame or a mapping "
                                     f"of columns), got {type(scenarios).__name__}: {exc}") from None
        bad = [c for c in scenarios.columns if not isinstance(c, str)]
        if bad or scenarios.empty:
            raise ParameterError("scenarios: expected a table with at least one row and one "
                                 "column per parameter, named by the parameter"
                                 + (f" (got the column name {bad[0]!r})" if bad else ""))
        return lambda compiled: _table(compiled, scenarios)
    return lambda compiled: _cartesian(compiled, axes)


def _built_sweep(recipe: tuple, token: str) -> _Sweep:
    bom, design, columns = recipe
    from .engines import built

    return built(token, lambda: _Sweep(bom, lambda compiled: design, columns))


def _sweep_part(recipe: tuple, token: str, start: int, stop: int) -> pd.DataFrame:
    """Rows [start, stop) of a sweep, on whichever process runs the task."""
    return _built_sweep(recipe, token).frame(start, stop)


def _sweep_write_part(recipe: tuple, token: str, start: int, stop: int, path: str,
                      units: Mapping[str, str]) -> str:
    """Rows [start, stop) of a sweep written to one Parquet file by the task itself (the
    rows never travel back to the client)."""
    from ..sinks import _write_parquet

    # inside the dataset's temporary folder (write_dataset moves the whole folder into
    # place atomically): a plain write, no fingerprint record per part
    _write_parquet(iter([_sweep_part(recipe, token, start, stop)]), Path(path), units)
    return path


def _partitions(engine: _Sweep, chunk_size: int, kind: str, scheduler: str | None):
    """The recipe and row ranges of a partitioned run (``kind``: pandas or dask)."""
    import uuid

    from .engines import ranges

    recipe = (engine.bom, engine.design, engine.columns)
    token = uuid.uuid4().hex
    if kind == "pandas":
        from .engines import _BUILT

        _BUILT[token] = engine   # this process already compiled it
    return recipe, token, ranges(engine.n, chunk_size)


def _frames(engine: _Sweep, chunk_size: int, kind: str, scheduler: str | None,
            progress: bool = False, distinct: bool = False, reuse: bool = False
            ) -> Iterator[Any]:
    if kind == "pandas":
        yield from engine.chunks(chunk_size, progress, distinct, reuse)
        return
    from .engines import run_ordered

    recipe, token, parts = _partitions(engine, chunk_size, kind, scheduler)
    yield from run_ordered(_sweep_part, [(recipe, token, a, b) for a, b in parts], kind,
                           scheduler)


def _write_folder(engine: _Sweep, out: Path, chunk_size: int, kind: str,
                  scheduler: str | None, force: bool = False) -> Path:
    """A Parquet dataset: one file per partition, written where the partition ran."""
    from .engines import part_name, run_ordered, write_dataset

    recipe, token, parts = _partitions(engine, chunk_size, kind, scheduler)
    units = engine.units()

    def fill(tmp: Path):
        calls = [(recipe, token, a, b, str(tmp / part_name(i)), units)
                 for i, (a, b) in enumerate(parts)]
        return run_ordered(_sweep_write_part, calls, kind, scheduler)

    return write_dataset(out, fill, DATASET_MARKER, force=force)


#: File that marks a folder of Parquet files lca wrote (it may replace only those).
DATASET_MARKER = ".lca-dataset"


def _check_chunk_memory(run: _Sweep, size: int) -> None:
    """Refuse a chunk whose values would not fit: its result block, and as much again
    for the model's temporaries (a column that depends on every axis has one value per
    row of a slab of up to ``SLAB_ROWS`` rows)."""
    rows = min(run.n, size)
    registry.check_memory(rows * len(run.float_names) * 2, f"a chunk of {rows:,} scenarios",
                          "use a smaller chunk_size")


def iter_sweep(bom: "Bom | str | Path", scenarios: pd.DataFrame | None = None, *,
               chunk_size: int = 1_000_000, columns: Sequence[str] | None = None,
               progress: bool = False, engine: str = "pandas", scheduler: str | None = None,
               **axes: Any) -> Iterator[pd.DataFrame]:
    """The rows of :func:`sweep` as DataFrames of at most ``chunk_size`` rows, computed
    one chunk at a time (memory bounded by the chunk, not by the number of scenarios).
    ``engine="dask"`` computes the chunks as Dask tasks (a few in flight at a time) on
    ``scheduler`` or Dask's default scheduler, yielded in row order."""
    from .engines import check_engine

    check_engine(engine, scheduler)
    registry.check_one("sweep.points", chunk_size)
    run = _Sweep(bom, _design_from(axes, scenarios), columns)
    _check_chunk_memory(run, int(chunk_size))
    yield from _frames(run, int(chunk_size), engine, scheduler, progress)


def sweep(bom: "Bom | str | Path", scenarios: pd.DataFrame | None = None, *,
          chunk_size: int | None = None, out: "str | Path | None" = None,
          columns: Sequence[str] | None = None, progress: bool = False,
          force: bool = False, engine: str = "pandas", scheduler: str | None = None,
          **axes: Any) -> pd.DataFrame | Path:
    """Assess every scenario of a cartesian product of axes (or of a table), vectorized.

    Parameters
    ----------
    bom : Bom, path or shipped name (as for :func:`lca.assess`)
    scenarios : DataFrame, optional
        An explicit table: one row per scenario, one column per parameter (instead of axes).
    **axes
        Parameter name -> values (a list, array, range or one value). Names: ``grid``
        [kgCO2e/kWh], ``region`` (country codes or named values; a ``grid`` column is
        added), ``lifetime`` [years], ``pue`` [-], ``profile.<i>.share`` [-],
        ``profile.<i>.power`` [W], ``utilization`` [-], ``method`` (embodied method,
        structural: compiled once per method) and any parameter of
        :func:`lca.parameters` (``components.dram.dies``, ``factors.clemm2024.dram_die``;
        pass them as ``**{"components.dram.dies": [...]}``). Values are numbers in
        canonical units, pint Quantities or strings with units (``"50 gCO2e/kWh"``). The
        first axis varies slowest (as ``itertools.product``).
    chunk_size : int, optional
        Evaluate this many scenarios at a time (bounds the working memory); with
        ``engine="dask"`` or a folder ``out``, the rows of one partition (default
        1,000,000).
    out : path, optional
        Stream the rows to this file chunk by chunk and return the path instead of a
        DataFrame: ``.csv`` or ``.parquet`` (one row group per chunk, the unit of each
        column in the schema), or a name without a suffix: a folder of Parquet files, one
        per partition (``part-000000.parquet``, ... in row order), each written by the
        process that computed it. Any other suffix is an error. Written atomically (a
        temporary file or folder beside it, moved into place; an interrupted stream
        leaves the old one as it was; a folder lca did not write is never replaced).
    columns : list of str, optional
        Keep only these result columns (the axis columns are always kept).
    force : bool
        With ``out``: replace an existing file that lca did not write (or that was
        changed since); otherwise :class:`lca.errors.OverwriteError` (lca.io).
    progress : bool
        Show a rich progress bar (off by default; pandas engine).
    engine : {"pandas", "dask"}
        pandas: chunks evaluated one after another in this process. dask: partitions of
        ``chunk_size`` rows evaluated as Dask tasks, on ``scheduler`` (the address of a
        ``distributed`` scheduler, e.g. ``"tcp://10.0.0.1:8786"``) or on Dask's default
        scheduler. Both give identical rows (needs ``lca[scale]``).
    scheduler : str, optional
        With ``engine="dask"``: the ``distributed`` scheduler to run on.

    Returns
    -------
    DataFrame with a column per axis, named as the axis, then the result columns named as
    the JSON keys of ``lca assess`` (``total_kgco2e_per_year``,
    ``embodied_by_component_kgco2e.<name>``, ...). Row i equals ``lca.assess(bom,
    **scenario_i)`` exactly.
    """
    from .engines import check_engine

    check_engine(engine, scheduler)
    if chunk_size is not None:
        registry.check_one("sweep.points", chunk_size)
    run = _Sweep(bom, _design_from(axes, scenarios), columns)
    if out is not None:
        from ..sinks import output_format, write_frames

        folder = not Path(out).suffix
        fmt = None if folder else output_format(out)   # an unknown suffix fails before any work
        size = chunk_size or 1_000_000
        _check_chunk_memory(run, size)
        if folder:
            return _write_folder(run, Path(out), size, engine, scheduler, force)
        # the writers let go of each chunk before the next: one buffer serves them all
        return write_frames(_frames(run, size, engine, scheduler, progress,
                                    distinct=fmt == "csv", reuse=True), Path(out),
                            units=run.units(), force=force, fmt=fmt)
    registry.check_memory(run.n * len(run.float_names) * 2,
                          f"a sweep of {run.n:,} scenarios x {len(run.float_names)} columns",
                          "stream the rows to a file chunk by chunk (`lca sweep -o FILE.csv` or "
                          "FILE.parquet; in Python sweep(..., out=PATH) or iter_sweep)")
    size = chunk_size if engine == "pandas" else (chunk_size or 1_000_000)
    parts = list(_frames(run, size, engine, scheduler, progress))
    from ..display import as_result

    return as_result(parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=False),
                     "sweep")
