"""Speed and memory of lca's what-if engine (issue 5). Prints figures; asserts nothing.

    python benchmarks/whatif_speed.py                 # sweeps at 1e4, 1e6, 1e7; Monte Carlo 1e6
    python benchmarks/whatif_speed.py --stream 1e8    # also stream 1e8 scenarios to a CSV file
    python benchmarks/whatif_speed.py --quick         # 1e4 and 1e6 only

Each sweep is a full server assessment per scenario (embodied by component, operational,
per year, per functional unit where the BOM names one, in a DataFrame), over a cartesian
product of grid x lifetime x PUE x DRAM die factor x processor die factor, so the
component terms vary too. Times include compiling the BOM and building the DataFrame
(the Bom is loaded once beforehand: parsing the YAML takes about 50 ms). numpy runs
these element-wise operations on one core. Peak memory is the peak of Python/numpy
allocations traced by tracemalloc during the call (a separate run from the timed one).
The 1e7 sweep runs in chunks of 1e6 scenarios (each chunk's DataFrame built, then
dropped), as a user streaming results would; pass --in-memory to hold all 1e7 rows.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

import lca
from lca.whatif import iter_sweep, monte_carlo, sweep

BOMS = ("clemm2024-cpu", "dgx-h100")
#: Axis lengths per scenario count (product = the count).
SIZES = {
    10**4: (25, 10, 8, 5, 1),
    10**6: (25, 10, 8, 25, 20),
    10**7: (250, 10, 8, 25, 20),
    10**8: (250, 10, 8, 25, 200),
}


def axes_for(n: int) -> dict[str, np.ndarray]:
    g, life, pue, dram, proc = SIZES[n]
    return {"grid": np.linspace(0.02, 0.8, g), "lifetime": np.linspace(3, 7, life),
            "pue": np.linspace(1.0, 1.6, pue),
            "factors.clemm2024.dram_die": np.linspace(0.9, 2.7, dram),
            "factors.clemm2024.processor_die": np.linspace(1.5, 4.5, proc)}


def timed(fn, repeat: int = 1) -> tuple[float, float]:
    """(first, best) wall time of ``repeat`` runs: the first run also pays for fresh
    memory pages from the OS."""
    times = []
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times[0], min(times)


def peak_mb(fn) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def machine() -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",) * 3
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} logical CPUs, load average {load[0]:.1f}; "
            f"Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="1e4 and 1e6 scenarios only")
    ap.add_argument("--in-memory", action="store_true", help="hold the 1e7 sweep in memory")
    ap.add_argument("--stream", type=float, default=0, help="also stream this many scenarios "
                    "(1e8) to a CSV file (axes and total_kgco2e_per_year)")
    ap.add_argument("--stream-file", type=Path, default=None,
                    help="where to stream (default: a temporary file, deleted afterwards)")
    ap.add_argument("--stream-only", type=float, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.stream_only:
        stream(int(args.stream_only), args.stream_file)
        return

    print(f"machine: {machine()}")
    boms = {name: lca.load_bom(name) for name in BOMS}
    counts = [10**4, 10**6] + ([] if args.quick else [10**7])
    print("\nseconds: best of the runs (first run in brackets); scenarios/s from the best")
    print(f"{'sweep':<24}{'scenarios':>12}{'columns':>9}{'seconds':>18}{'scenarios/s':>14}"
          f"{'peak MB':>10}{'bytes/scenario':>16}")
    for name, bom in boms.items():
        sweep(bom, **{k: v[:2] for k, v in axes_for(10**4).items()})   # warm-up
        for n in counts:
            axes = axes_for(n)
            chunked = n >= 10**7 and not args.in_memory
            if chunked:
                def run():
                    cols = 0
                    for part in iter_sweep(bom, chunk_size=10**6, **axes):
                        cols = part.shape[1]
                    return cols
            else:
                def run():
                    return sweep(bom, **axes).shape[1]
            ncols = run() if n <= 10**4 else None
            first, seconds = timed(run, repeat=5 if n <= 10**4 else (3 if n <= 10**6 else 2))
            if ncols is None:
                ncols = sweep(bom, **{k: v[:1] for k, v in axes.items()}).shape[1]
            mem = peak_mb(run)
            label = name + (" (chunks)" if chunked else "")
            print(f"{label:<24}{n:>12,}{ncols:>9}{seconds:>9.3f} ({first:>6.3f}){n / seconds:>14,.0f}"
                  f"{mem:>10.1f}{mem * 1e6 / n:>16.0f}")

    print(f"\n{'Monte Carlo':<24}{'samples':>12}{'varied':>9}{'seconds':>18}{'samples/s':>14}{'peak MB':>10}")
    for name, bom in boms.items():
        monte_carlo(bom, 1000, seed=1)
        n = 10**6
        varied = len(monte_carlo(bom, 10, seed=1).samples.columns) - len(
            lca.assess(bom).row)
        first, seconds = timed(lambda: monte_carlo(bom, n, seed=1), repeat=3)
        mem = peak_mb(lambda: monte_carlo(bom, n, seed=1))
        print(f"{name:<24}{n:>12,}{varied:>9}{seconds:>9.3f} ({first:>6.3f}){n / seconds:>14,.0f}{mem:>10.1f}")

    if args.stream:
        n = int(args.stream)
        if n not in SIZES:
            sys.exit(f"--stream: one of {', '.join(f'{k:.0e}' for k in SIZES)}")
        # a fresh process, so that its peak resident memory is the stream's alone
        # (tracemalloc would slow pandas' CSV writer several times over)
        cmd = [sys.executable, __file__, "--stream-only", str(n)]
        if args.stream_file is not None:
            cmd += ["--stream-file", str(args.stream_file)]
        subprocess.run(cmd, check=True)


def stream(n: int, target: Path | None) -> None:
    path = target or Path(tempfile.mkdtemp()) / "sweep.csv"
    bom = lca.load_bom("dgx-h100")
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    print(f"\nstreaming {n:,} dgx-h100 scenarios (5 axes and total_kgco2e_per_year) to "
          f"{path} in chunks of 1e6 ...", flush=True)
    t = time.perf_counter()
    sweep(bom, out=path, chunk_size=10**6, columns=["total_kgco2e_per_year"], **axes_for(n))
    seconds = time.perf_counter() - t
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    size = path.stat().st_size
    print(f"streamed {n:,} rows in {seconds:,.0f} s ({n / seconds:,.0f} rows/s), "
          f"{size / 1e9:.2f} GB of CSV; peak resident memory {peak_rss:,.0f} MB "
          f"({base_rss:,.0f} MB before the sweep)")
    if target is None:
        path.unlink()
        path.parent.rmdir()


if __name__ == "__main__":
    main()
