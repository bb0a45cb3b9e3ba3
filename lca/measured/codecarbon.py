"""Reading CodeCarbon's ``emissions.csv`` (codecarbon 2.x and 3.x layouts).

CodeCarbon writes one row per tracked run (or task) when the tracker stops. The columns
lca reads, as CodeCarbon names them:

==================  ===========================================================  =========
column              meaning                                                       unit
==================  ===========================================================  =========
timestamp           when the row was written (the run's END), local time of the   -
                    machine, ``%Y-%m-%dT%H:%M:%S``, no time zone
run_id              id of the run                                                 -
project_name        project name                                                  -
duration            wall-clock duration of the run                                s
energy_consumed     cpu + gpu + ram energy, already multiplied by CodeCarbon's    kWh
                    ``pue``
cpu_energy,         the parts of energy_consumed                                  kWh
gpu_energy,
ram_energy
emissions           CodeCarbon's own figure: energy_consumed x its grid           kgCO2(e)
country_iso_code    ISO 3166-1 alpha-3 (``DEU``)                                  -
region              sub-national region where CodeCarbon knows it                 -
pue                 the PUE CodeCarbon applied (``1.0`` unless set)               -
water_consumed      3.x only: energy_consumed x ``wue``                           L
gpu_count,          hardware CodeCarbon saw                                       -
gpu_model,
cpu_model
==================  ===========================================================  =========

Layouts (header of the file): codecarbon 2.0-2.3 have no ``experiment_id``; 2.4 to 3.0
add ``experiment_id`` after ``run_id`` (32 columns); 3.x later add ``water_consumed``,
``cpu_utilization_percent``, ``gpu_utilization_percent``, ``ram_utilization_percent``,
``ram_used_gb`` and ``wue`` (38 columns in 3.3). lca needs ``duration`` and
``energy_consumed``; every other column is optional. Each row is checked on its own:
a bad row gives one line (:class:`RowIssue`) and the other rows are still read.

References
----------
CodeCarbon documentation, "Output" (fields logged for each experiment),
https://mlco2.github.io/codecarbon/output.html; codecarbon.output_methods.emissions_data.EmissionsData.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import MeasuredDataError

#: Columns lca cannot do without.
REQUIRED = ("duration", "energy_consumed")

#: Numeric columns lca reads, with their units (for messages).
NUMERIC = {"duration": "s", "energy_consumed": "kWh", "emissions": "kgCO2e",
           "cpu_energy": "kWh", "gpu_energy": "kWh", "ram_energy": "kWh", "pue": "-",
           "water_consumed": "L", "gpu_count": "-"}

#: Columns of each layout as CodeCarbon writes them (for detection and documentation).
LAYOUT_2_3 = ("timestamp,project_name,run_id,duration,emissions,emissions_rate,cpu_power,"
              "gpu_power,ram_power,cpu_energy,gpu_energy,ram_energy,energy_consumed,"
              "country_name,country_iso_code,region,cloud_provider,cloud_region,os,"
              "python_version,codecarbon_version,cpu_count,cpu_model,gpu_count,gpu_model,"
              "longitude,latitude,ram_total_size,tracking_mode,on_cloud,pue").split(",")
LAYOUT_2_7 = LAYOUT_2_3[:3] + ["experiment_id"] + LAYOUT_2_3[3:]
LAYOUT_3_3 = (LAYOUT_2_7[:14] + ["water_consumed"] + LAYOUT_2_7[14:30]
              + ["cpu_utilization_percent", "gpu_utilization_percent",
                 "ram_utilization_percent", "ram_used_gb"] + LAYOUT_2_7[30:] + ["wue"])


@dataclass(frozen=True)
class RowIssue:
    """One problem with one row (or the file): printed as ``file:line: field: message``."""

    file: str
    line: int | None
    field: str | None
    message: str
    skipped: bool = True   # the row is left out of the results

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line is not None else "")
        if self.field:
            where += f": {self.field}"
        tail = " (row left out)" if self.skipped and self.line is not None else ""
        return f"{where}: {self.message}{tail}"


@dataclass
class CodeCarbonRows:
    """The good rows of a file as arrays (one element per run), and the issues."""

    path: str
    layout: str
    columns: dict[str, np.ndarray]          # numeric columns (NaN where absent)
    text: dict[str, list[str]]              # text columns ("" where absent)
    lines: np.ndarray                       # 1-based line of each run in the file
    issues: list[RowIssue]

    def __len__(self) -> int:
        return len(self.lines)


def layout_name(header: list[str]) -> str:
    """Which CodeCarbon layout a header is (by its columns)."""
    cols = set(header)
    if {"water_consumed", "wue"} & cols:
        return "codecarbon 3.x (with water_consumed/wue)"
    if "experiment_id" in cols:
        return "codecarbon 2.4-3.0 (with experiment_id)"
    return "codecarbon 2.0-2.3"


def parse_times(texts: list[str]) -> np.ndarray:
    """Seconds since the epoch of CodeCarbon time stamps (``%Y-%m-%dT%H:%M:%S``), read as
    UTC (NaN where unreadable); CodeCarbon writes the machine's local time without a zone,
    so callers subtract the machine's UTC offset."""
    t = pd.to_datetime(pd.Series(texts, dtype=object), utc=True, errors="coerce",
                       format="ISO8601")
    out = np.full(len(texts), np.nan)
    ok = t.notna().to_numpy()
    epoch = pd.Timestamp("1970-01-01", tz="UTC")
    out[ok] = ((t[ok] - epoch) / pd.Timedelta(seconds=1)).to_numpy(dtype=float)
    return out


def read_emissions_csv(path: "str | Path") -> CodeCarbonRows:
    """Read CodeCarbon's emissions.csv; bad rows become issues, good rows arrays.

    A row is left out, with one line saying why, when ``duration`` or ``energy_consumed``
    is missing or not a number, the duration is negative or zero, the energy is zero or
    negative, or an optional numeric cell lca uses is not a number. Raises
    MeasuredDataError only when the file as a whole cannot be read (missing, not CSV,
    no header, a required column absent).
    """
    path = Path(path)
    name = str(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
    except FileNotFoundError:
        raise MeasuredDataError("file not found", file=name) from None
    except IsADirectoryError:
        raise MeasuredDataError("is a folder: expected CodeCarbon's emissions.csv", file=name) from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise MeasuredDataError(f"not a readable CSV file ({exc})", file=name) from None
    if not rows or not any(c.strip() for c in rows[0]):
        raise MeasuredDataError("empty file: expected CodeCarbon's header and rows", file=name)
    header = [c.strip() for c in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise MeasuredDataError(
            f"missing column(s) {', '.join(missing)}: expected CodeCarbon's emissions.csv "
            f"(columns such as {', '.join(LAYOUT_2_7[:6])}, ...)", file=name, line=1,
            field="header")
    idx = {c: i for i, c in enumerate(header)}
    issues: list[RowIssue] = []
    body = [(n, r) for n, r in enumerate(rows[1:], start=2) if any(c.strip() for c in r)]
    for n, r in body:
        if len(r) != len(header):
            issues.append(RowIssue(name, n, None, f"expected {len(header)} cells as in the "
                                   f"header, got {len(r)}"))
    body = [(n, r) for n, r in body if len(r) == len(header)]
    lines = np.array([n for n, _ in body], dtype=int)
    table = np.array([r for _, r in body], dtype=object).reshape(len(body), len(header))
    values, cells = {}, {}
    for key in NUMERIC:   # one vectorized conversion per column
        if key not in idx:
            values[key] = np.full(len(body), np.nan)
            cells[key] = np.full(len(body), "", dtype=object)
            continue
        col = np.char.strip(table[:, idx[key]].astype(str))
        cells[key] = col
        values[key] = pd.to_numeric(pd.Series(col, dtype=object), errors="coerce").to_numpy(float)
    problems = _row_problems(values, cells)
    bad = np.array([bool(p) for p in problems], dtype=bool)
    for k in np.flatnonzero(bad):
        issues.append(RowIssue(name, int(lines[k]), None, "; ".join(problems[k])))
    issues.sort(key=lambda i: i.line or 0)
    good = ~bad
    text_cols = ("timestamp", "run_id", "project_name", "experiment_id", "country_iso_code",
                 "country_name", "region", "gpu_model", "cpu_model", "codecarbon_version",
                 "task_name")
    txt = {k: ([c.strip() for c in table[good, idx[k]]] if k in idx else [""] * int(good.sum()))
           for k in text_cols}
    return CodeCarbonRows(path=name, layout=layout_name(header),
                          columns={k: v[good] for k, v in values.items()}, text=txt,
                          lines=lines[good], issues=issues)


def _row_problems(values: dict[str, np.ndarray], cells: dict[str, np.ndarray]) -> list[list[str]]:
    """What is wrong with each row (an empty list: nothing), from vectorized tests; text
    is composed only for the rows that fail."""
    n = len(values["duration"])
    checks: list[tuple[np.ndarray, Any]] = []
    for key, unit in NUMERIC.items():
        v, c = values[key], cells[key]
        blank_ok = key not in REQUIRED
        notnum = ~np.isfinite(v) & ~((c == "") & blank_ok)
        checks.append((notnum, lambda i, key=key, unit=unit, c=c:
                       f"{key}: expected a number [{unit}], got {str(c[i])!r}"))
    numeric_ok = ~np.any([m for m, _ in checks], axis=0) if checks else np.ones(n, bool)
    d, e = values["duration"], values["energy_consumed"]
    checks.append((numeric_ok & (d < 0), lambda i: f"duration: expected a duration of zero or "
                                                   f"more [s], got {d[i]:g}"))
    checks.append((numeric_ok & (d == 0), lambda i: "duration: 0 s (nothing was measured)"))
    checks.append((numeric_ok & (e <= 0), lambda i: f"energy_consumed: {e[i]:g} kWh (a run "
                                                    "with no energy: nothing to report)"))
    for key in ("emissions", "cpu_energy", "gpu_energy", "ram_energy", "water_consumed",
                "gpu_count"):
        v = values[key]
        with np.errstate(invalid="ignore"):
            checks.append((numeric_ok & (v < 0), lambda i, key=key, v=v:
                           f"{key}: expected zero or more, got {v[i]:g}"))
    pue = values["pue"]
    with np.errstate(invalid="ignore"):
        checks.append((numeric_ok & (pue < 1.0), lambda i: f"pue: expected 1.0 or more, got {pue[i]:g}"))
    out: list[list[str]] = [[] for _ in range(n)]
    for mask, text in checks:
        for i in np.flatnonzero(mask):
            out[i].append(text(i))
    return out


def end_times(rows: CodeCarbonRows, utc_offset_h: float = 0.0) -> tuple[np.ndarray, list[RowIssue]]:
    """End of each run [s since the epoch, UTC] from CodeCarbon's local time stamps, and an
    issue for each stamp that cannot be read (NaN there). ``utc_offset_h`` is the machine's
    offset from UTC when it ran (CodeCarbon does not record it)."""
    t = parse_times(rows.text["timestamp"]) - utc_offset_h * 3600.0
    issues = [RowIssue(rows.path, int(rows.lines[i]), "timestamp",
                       f"expected a time such as 2025-10-11T10:20:20, got "
                       f"{rows.text['timestamp'][i]!r}", skipped=False)
              for i in np.flatnonzero(~np.isfinite(t))]
    return t, issues


__all__ = ["read_emissions_csv", "end_times", "RowIssue", "CodeCarbonRows", "layout_name",
           "LAYOUT_2_3", "LAYOUT_2_7", "LAYOUT_3_3", "REQUIRED"]
