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
  CSV with ``pyarrow.csv.CSVWriter``, Parquet with ``pyarrow.parquet.ParquetWriter``.
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
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping

from .errors import ParameterError
from .io import FORMULA_TRIGGERS, neutralise, write_atomic

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

#: Leading characters that make a spreadsheet read a text cell as a formula: the one
#: rule of every CSV lca writes (lca.io.FORMULA_TRIGGERS).
_FORMULA_START = FORMULA_TRIGGERS


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

def neutralise_text(values: Any) -> Any:
    """Text cells with a single quote before a leading ``= + - @``, tab or CR (works on a
    numpy array or pandas Series of strings)."""
    import numpy as np

    arr = np.asarray(values, dtype=object)
    text = arr.astype(str)
    risky = np.zeros(len(text), dtype=bool)
    for ch in _FORMULA_START:
        risky |= np.char.startswith(text.astype("U"), ch)
    if risky.any():
        arr = arr.copy()
        arr[risky] = np.char.add("'", text[risky].astype("U"))
    return arr


def to_arrow(frame: "pd.DataFrame", *, for_csv: bool = False,
             units: Mapping[str, str] | None = None) -> "pa.Table":
    """A DataFrame as an arrow Table without copying its float columns. NaN and
    infinities become nulls; categorical and text columns become strings (neutralised
    when ``for_csv``)."""
    import numpy as np
    import pyarrow as pa

    arrays, fields = [], []
    for name in frame.columns:
        col = frame[name]
        kind = col.dtype.kind if hasattr(col.dtype, "kind") else "O"
        if kind in "fiu" and not isinstance(col.dtype, type(None)):
            values = col.to_numpy()
            if kind == "f":
                bad = ~np.isfinite(values)
                arr = pa.array(values, mask=bad if bad.any() else None)
            else:
                arr = pa.array(values)
        elif kind == "b":
            arr = pa.array(col.to_numpy())
        else:
            text = col.astype(str).to_numpy(dtype=object)
            if for_csv:
                text = neutralise_text(text)
            arr = pa.array(text, type=pa.string())
        meta = None
        if units is not None and name in units:
            meta = {b"unit": units[name].encode()}
        arrays.append(arr)
        field_name = neutralise(str(name)) if for_csv else str(name)  # the header cell
        fields.append(pa.field(field_name, arr.type, metadata=meta))
    schema_meta = {UNITS_KEY: json.dumps(dict(units)).encode()} if units else None
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields, metadata=schema_meta))


# --- writers --------------------------------------------------------------------------------

def _write_csv(frames: Iterator["pd.DataFrame"], tmp: Path) -> None:
    import pyarrow.csv as pcsv

    options = pcsv.WriteOptions(include_header=True, quoting_style="needed")
    writer = None
    try:
        for frame in frames:
            table = to_arrow(frame, for_csv=True)
            del frame   # hold one chunk at a time, not two
            if writer is None:
                writer = pcsv.CSVWriter(str(tmp), table.schema, write_options=options)
            for batch in table.to_batches(max_chunksize=CSV_BATCH_ROWS):
                writer.write_batch(batch)   # text of one batch at a time in memory
            del table
    finally:
        if writer is not None:
            writer.close()
    if writer is None:   # no rows at all: an empty file
        tmp.write_text("", encoding="utf-8")


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
        return write_atomic(path, lambda tmp: _write_csv(frames, tmp), force=force)
    return write_atomic(path, lambda tmp: _write_parquet(frames, tmp, units), force=force)


def read_units(path: str | Path) -> dict[str, str]:
    """The column units stored in a Parquet file written by lca."""
    import pyarrow.parquet as pq

    meta = pq.read_schema(str(path)).metadata or {}
    return json.loads(meta.get(UNITS_KEY, b"{}"))


__all__ = ["FORMATS", "UNITS_KEY", "output_format", "column_unit", "frame_units",
           "neutralise_text", "to_arrow", "write_frames", "read_units"]
