"""Rebuild the multi-year grid-intensity ranges of data/grid/ from OWID's chart CSV.

Usage: ``python tools/grid_ranges.py carbon-intensity-electricity.csv``

Input: the CSV download of Our World in Data's "Carbon intensity of electricity
generation" chart (Ember and Energy Institute, CC BY 4.0; columns Entity, Code, Year,
value), the same file data/grid/countries.csv was transcribed from (data/grid/sources.yaml,
``copy``). For every row of countries.csv (matched by its ``name`` = OWID's Entity) it
takes the yearly values of the five years ending at the row's data ``year`` and

* writes them, verbatim, to data/grid/years.csv (code, year, intensity, unit, source);
* sets the columns ``range_from``, ``range_to`` (the years), ``min``, ``min_year``,
  ``max``, ``max_year`` of countries.csv (values verbatim from the source).

Refuses (exit 1) when the source's latest value for a row differs from the row's
``intensity`` (the table and the source must be the same release).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

WINDOW_YEARS = 5
GRID = Path(__file__).resolve().parents[1] / "data" / "grid"


def main(source: str) -> int:
    series: dict[str, dict[int, str]] = {}
    with open(source, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        for entity, _code, year, value in reader:
            series.setdefault(entity, {})[int(year)] = value
    path = GRID / "countries.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    base = ["code", "iso3", "name", "intensity", "unit", "year", "source"]
    extra = ["range_from", "range_to", "min", "min_year", "max", "max_year"]
    yearly = []
    for row in rows:
        s = series[row["name"]]
        last = int(row["year"])
        if max(s) != last or float(s[last]) != float(row["intensity"]):
            print(f"{row['code']}: source and table differ", file=sys.stderr)
            return 1
        window = {y: s[y] for y in range(last - WINDOW_YEARS + 1, last + 1) if y in s}
        lo = min(window, key=lambda y: float(window[y]))
        hi = max(window, key=lambda y: float(window[y]))
        row.update(range_from=min(window), range_to=last, min=window[lo], min_year=lo,
                   max=window[hi], max_year=hi)
        yearly += [(row["code"], y, v, row["unit"], row["source"]) for y, v in window.items()]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=base + extra, lineterminator="\n")
        w.writeheader()
        w.writerows({k: r[k] for k in base + extra} for r in rows)
    with (GRID / "years.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["code", "year", "intensity", "unit", "source"])
        w.writerows(yearly)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
