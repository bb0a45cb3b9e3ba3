"""Streaming sinks: tables written chunk by chunk to CSV or Parquet files.

Every stream of result rows that lca writes (``lca.sweep(out=...)``, ``lca sweep -o``,
``lca mc -o``, ``lca.fleet(out=...)``) goes through :func:`write_frames`:

* The file name's suffix picks the format: ``.csv`` or ``.parquet`` (also ``.pq``); any
  other suffix is an error (:class:`lca.errors.ParameterError`), never a silent CSV.
* Memory stays bounded by one chunk: each chunk becomes one Parquet row group (or one
  block of CSV lines) and is released before the next is computed.
* The file is written atomically through :func:`lca.io.write_atomic`: an interrupted
  stream leaves the old file as it was, and removes its temporary file.
* Both formats are written by pyarrow from whole numeric columns (no per-row Python):
  CSV lines are joined column by column with ``pyarrow.compute`` (the same bytes as
  ``pyarrow.csv.CSVWriter`` writes), Parquet with ``pyarrow.parquet.ParquetWriter``.
  pyarrow is a core dependency of lca (see pyproject.toml).
* Parquet files carry the unit of each column: as field metadata ``unit`` and as a JSON
  map in the schema metadata key ``lca.units`` (column -> unit; ``""`` is
  dimensionless, a column without a unit is left out).
* Text cells of CSV files (region and method labels, BOM names) that a spreadsheet would
  read as a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) are prefixed with
  a single quote; numbers are written as numbers. NaN and infinities are written as empty
  cells in CSV and as nulls in Parquet, never as ``NaN`` or ``inf`` text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping

import numpy as np

from .errors import ParameterError
from .io import neutralise, safe_values, write_atomic

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

#: File-name suffix -> format.
FORMATS: dict[str, str] = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}

#: Schema metadata key holding the JSON map of column units.
UNITS_KEY = b"lca.units"

#: Parquet encoding: snappy (pyarrow's default codec) without dictionary pages. Result
#: columns are mostly distinct floats, where dictionary encoding is tried and dropped at
#: a cost: measured on a 1e6-row sweep of clemm2024-cpu, 0.19 s of CPU and 29.8 bytes
#: per row without it against 0.33 s and 25.2 bytes with it.
PARQUET_OPTIONS: dict[str, Any] = {"compression": "snappy", "use_dictionary": False}

#: Rows turned into CSV text at a time (the text of a batch is held in memory: about
#: 250 bytes per row of a 17-column sweep, so 4 MB here; a whole 1e6-row chunk at once
#: took 1 GB resident).
CSV_BATCH_ROWS = 1 << 14

def output_format(path: str | Path, allowed: Iterable[str] = ("csv", "parquet")) -> str:
    """The format a file name asks for (``csv`` or ``parquet``); ParameterError for any
    other suffix."""
    suffix = Path(path).suffix.lower()
    fmt = FORMATS.get(suffix)
    allowed = tuple(allowed)
    if fmt is None or fmt not in allowed:
        names = ", ".join(s for s, f in FORMATS.items() if f in allowed)
        raise ParameterError(f"{path}: unknown output format {suffix or '(no suffix)'!r}; "
                             f"expected a file name ending in {names}")
    return fmt


# --- units of result columns ----------------------------------------------------------------

#: Unit tokens of result column names (``total_kgco2e_per_year`` -> kgCO2e/year).
_UNIT_TOKENS: dict[str, str] = {
    "kgco2e": "kgCO2e", "gco2e": "gCO2e", "tco2e": "tCO2e", "kwh": "kWh", "mwh": "MWh",
    "w": "W", "kw": "kW", "l": "L", "m3": "m^3", "kgsbeq": "kgSbeq", "mj": "MJ",
    "years": "year", "h": "h",
}


def column_unit(name: str) -> str | None:
    """The unit of a result column, read from lca's naming convention
    (``<quantity>_<unit>[_per_year][.<part>]``), ``""`` for shares, None if unknown."""
    if name.endswith("_share"):
        return ""
    if name.startswith("impacts."):   # impacts.<category>.<stage>[.<component>]: lca.impacts
        from .impacts import CATEGORIES

        category = name.split(".")[1] if name.count(".") >= 2 else None
        return CATEGORIES[category][0] if category in CATEGORIES else None
    for part in (name.rsplit(".", 1)[-1], name.split(".", 1)[0]):
        for token, unit in _UNIT_TOKENS.items():
            if part.endswith(f"_{token}_per_year"):
                return f"{unit}/year"
            if part.endswith(f"_{token}"):
                return unit
    return None


def frame_units(columns: Iterable[str], known: Mapping[str, str | None] | None = None
                ) -> dict[str, str]:
    """Units of ``columns``: ``known`` first (parameters, whose units come from the
    parameter registry), then :func:`column_unit`; columns without a unit are left out."""
    out: dict[str, str] = {}
    for c in columns:
        unit = (known or {}).get(c)
        if unit is None and (known is None or c not in known):
            unit = column_unit(c)
        elif unit is None:
            unit = ""
        if unit is not None:
            out[c] = unit
    return out


# --- conversion to arrow --------------------------------------------------------------------

def _float_array(values: np.ndarray) -> "pa.Array":
    """Floats as an arrow array without a copy; NaN and infinities become nulls."""
    import pyarrow as pa

    bad = ~np.isfinite(values)
    return pa.array(values, mask=bad if bad.any() else None)


def to_arrow(frame: "pd.DataFrame", *, for_csv: bool = False,
             units: Mapping[str, str] | None = None) -> "pa.Table":
    """A DataFrame as an arrow Table without copying its float columns. NaN and
    infinities become nulls; categorical and text columns become strings (neutralised
    when ``for_csv``)."""
    import pyarrow as pa

    arrays, fields = [], []
    for name in frame.columns:
        col = frame[name]
        kind = col.dtype.kind if hasattr(col.dtype, "kind") else "O"
        if kind in "fiu" and not isinstance(col.dtype, type(None)):
            values = col.to_numpy()
            if kind == "f":
                arr = _float_array(values)
            else:
                arr = pa.array(values)
        elif kind == "b":
            arr = pa.array(col.to_numpy())
        else:
            text = col.astype(str)
            if for_csv:
                text = safe_values(text)
            arr = pa.array(text.to_numpy(dtype=object), type=pa.string())
        meta = None
        if units is not None and name in units:
            meta = {b"unit": units[name].encode()}
        arrays.append(arr)
        field_name = neutralise(str(name)) if for_csv else str(name)  # the header cell
        fields.append(pa.field(field_name, arr.type, metadata=meta))
    schema_meta = {UNITS_KEY: json.dumps(dict(units)).encode()} if units else None
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields, metadata=schema_meta))


# --- CSV text -------------------------------------------------------------------------------

@dataclass
class DistinctChunk:
    """A chunk of rows whose float columns may come with their distinct values: for a
    column ``c`` in ``distinct``, ``values`` holds its distinct values and row ``i`` of
    the chunk equals ``values[positions[i]]``. A cartesian sweep knows these for free
    (each result depends on a few axes: lca.whatif.sweeps), and the CSV writer then
    formats each distinct value once instead of once per row."""

    frame: "pd.DataFrame"
    distinct: dict[str, tuple[np.ndarray, np.ndarray]]


def _as_text(arr: "pa.Array") -> "pa.Array":
    """Arrow values as CSV text cells: numbers in pyarrow's shortest round-trip form (as
    its CSV writer writes them), nulls kept (empty cells)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.cast(arr, pa.string())


def _quoted(text: "pa.Array") -> "pa.Array":
    """Text cells enclosed in double quotes, inner quotes doubled (RFC 4180), as
    pyarrow's CSV writer quotes every text cell."""
    import pyarrow.compute as pc

    return pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")


def _csv_columns(chunk: "pd.DataFrame | DistinctChunk") -> tuple[list[str], list[Callable], int]:
    """Header cells, per column a function of a row range giving its text cells (the
    last one ends the line), and the number of rows. The cells are those of
    :func:`to_arrow` with ``for_csv`` (nulls for NaN, text neutralised)."""
    import pyarrow as pa

    if isinstance(chunk, DistinctChunk):
        frame, distinct = chunk.frame, chunk.distinct
    else:
        frame, distinct = chunk, {}
    table = to_arrow(frame, for_csv=True)
    header = _quoted(pa.array(table.schema.names, type=pa.string())).to_pylist()
    cells = []
    for name, column in zip(frame.columns, table.columns):
        arr = column.combine_chunks()
        if name in distinct:   # each distinct value formatted once, then gathered
            values, positions = distinct[name]
            text = _as_text(_float_array(values))
            cells.append(lambda a, b, t=text, p=positions: t.take(p[a:b]))
        elif pa.types.is_string(arr.type):
            text = _quoted(arr)
            cells.append(lambda a, b, t=text: t.slice(a, b - a))
        else:
            cells.append(lambda a, b, v=arr: _as_text(v.slice(a, b - a)))
    if cells:
        last = cells[-1]
        cells[-1] = lambda a, b: _line_end(last(a, b))
    return header, cells, table.num_rows


def _line_end(text: "pa.Array") -> "pa.Array":
    """The last column's cells with the line's newline after them (an empty cell stays
    empty before it)."""
    import pyarrow.compute as pc

    return pc.binary_join_element_wise(pc.fill_null(text, ""), "\n", "")


def _csv_lines(cells: list, a: int, b: int) -> memoryview:
    """The CSV lines of rows [a, b) as one buffer: each column's text cells joined with
    commas (nulls as empty cells), the last with its newline, in pyarrow, without a row
    in Python."""
    import pyarrow.compute as pc

    lines = pc.binary_join_element_wise(*(c(a, b) for c in cells), ",",
                                        null_handling="replace", null_replacement="")
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32, count=len(lines) + 1,
                            offset=4 * lines.offset)
    return memoryview(lines.buffers()[2])[offsets[0]:offsets[-1]]


# --- writers --------------------------------------------------------------------------------

def _write_csv(frames: Iterator["pd.DataFrame | DistinctChunk"], tmp: Path, hashed: Any) -> None:
    """CSV lines built column by column in pyarrow (text cells quoted, numbers not, empty
    cells for NaN), written in batches of ``CSV_BATCH_ROWS`` rows; every byte also goes
    to ``hashed`` (the file's fingerprint, lca.io.write_atomic)."""
    header = None
    with open(tmp, "wb") as fh:
        def put(data: Any) -> None:
            fh.write(data)
            hashed.update(data)

        for chunk in frames:
            names, cells, rows = _csv_columns(chunk)
            del chunk   # hold one chunk at a time, not two
            if header is None:
                header = ",".join(names) + "\n"
                put(header.encode())
            for a in range(0, rows, CSV_BATCH_ROWS):
                put(_csv_lines(cells, a, min(rows, a + CSV_BATCH_ROWS)))
            del cells


def _write_parquet(frames: Iterator["pd.DataFrame"], tmp: Path,
                   units: Mapping[str, str] | None) -> None:
    import pyarrow.parquet as pq

    writer = None
    try:
        for frame in frames:
            table = to_arrow(frame, units=units)
            del frame   # hold one chunk at a time, not two
            if writer is None:
                writer = pq.ParquetWriter(str(tmp), table.schema, **PARQUET_OPTIONS)
            elif table.schema != writer.schema:
                table = table.cast(writer.schema)
            writer.write_table(table, row_group_size=max(1, table.num_rows))
            del table
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        raise ParameterError(f"{tmp}: no rows to write")


def write_frames(frames: Iterable["pd.DataFrame"], path: str | Path, *,
                 units: Mapping[str, str] | None = None, force: bool = False,
                 fmt: str | None = None) -> Path:
    """Stream DataFrames (same columns each) into one CSV or Parquet file, chosen by the
    suffix of ``path`` (or by ``fmt``), atomically (:func:`lca.io.write_atomic`).
    ``units`` (column -> unit) goes into a Parquet file's schema. An existing file is
    replaced only when lca wrote it (its fingerprint matches) or with ``force``
    (:class:`lca.errors.OverwriteError` otherwise). Returns the path."""
    path = Path(path)
    fmt = fmt or output_format(path)
    frames = iter(frames)
    if fmt == "csv":
        import hashlib

        hashed = hashlib.sha256()
        return write_atomic(path, lambda tmp: _write_csv(frames, tmp, hashed), force=force,
                            hashed=hashed)
    return write_atomic(path, lambda tmp: _write_parquet(frames, tmp, units), force=force)


def read_units(path: str | Path) -> dict[str, str]:
    """The column units stored in a Parquet file written by lca."""
    import pyarrow.parquet as pq

    meta = pq.read_schema(str(path)).metadata or {}
    return json.loads(meta.get(UNITS_KEY, b"{}"))


__all__ = ["FORMATS", "UNITS_KEY", "output_format", "column_unit", "frame_units",
           "to_arrow", "write_frames", "read_units"]
