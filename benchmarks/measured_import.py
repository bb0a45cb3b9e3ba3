"""Speed of importing CodeCarbon files and of hourly averaging (prints figures; not a test).

    python benchmarks/measured_import.py [N]

Writes an emissions.csv of N runs (codecarbon 3.x layout, made-up values spread over a
week of January 2022), then times lca.measured.from_codecarbon with each run's country
grid and with the shipped hourly sample (a mean over the hours of every run, vectorized).
"""

from __future__ import annotations

import csv
import sys
import tempfile
from pathlib import Path

import numpy as np

from lca.measured import codecarbon as cc
from lca.measured import from_codecarbon, hourly
from timing import best_of


def write_file(path: Path, n: int) -> None:
    rng = np.random.default_rng(0)
    ends = np.datetime64("2022-01-01T06:00:00") + rng.integers(0, 6 * 24 * 3600, n).astype("timedelta64[s]")
    durations = rng.uniform(10, 7200, n)
    energy = durations / 3600 * rng.uniform(0.1, 5.0, n)
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cc.LAYOUT_3_3, restval="")
        w.writeheader()
        for i in range(n):
            w.writerow(dict(timestamp=str(ends[i]), run_id=f"r{i}", duration=f"{durations[i]:.3f}",
                            energy_consumed=f"{energy[i]:.6f}", emissions=f"{energy[i] * 0.38:.6f}",
                            country_iso_code="DEU", gpu_count="2", pue="1.0"))




def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "emissions.csv"
        write_file(path, n)
        t_country = best_of(lambda: from_codecarbon(path, hardware="dgx-h100"))
        series = hourly.shipped("electricitymaps-DE-2022-01-01-to-07")
        t_hourly = best_of(lambda: from_codecarbon(path, hardware="dgx-h100", grid_series=series))
    print(f"{n:,} runs: import with country grids {t_country:.3f} s "
          f"({t_country / n * 1e6:.1f} us/run); with the hourly series {t_hourly:.3f} s "
          f"({t_hourly / n * 1e6:.1f} us/run)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
