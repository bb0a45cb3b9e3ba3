"""Scale benchmarks (issue 15): latency, CSV and Parquet streams, fleets, sweeps.
Prints figures; asserts nothing.

    python benchmarks/scale_speed.py latency          # import, --help, assess: CPU seconds
    python benchmarks/scale_speed.py sinks [--n 1e7]  # sweep streamed to CSV and Parquet
    python benchmarks/scale_speed.py stream [--n 1e8] # dgx-h100, 5 axes + total, Parquet
    python benchmarks/scale_speed.py fleet [--groups 1e5] [--dask]
    python benchmarks/scale_speed.py fleet-big [--groups 1e7]   # Dask, bounded memory
    python benchmarks/scale_speed.py sweep            # in-memory sweeps vs numpy fill
    python benchmarks/scale_speed.py all

Every throughput comes with the *numpy fill ratio*: the time numpy takes to fill the same
number of float64 bytes in freshly allocated memory (``np.empty(n).fill(1.0)``, page
faults included: the physical limit of writing new results on this machine) divided by
the time lca took. 1.0 would be lca writing its results as fast as memory can be filled.
Peak resident memory (VmHWM) is measured in a fresh child process per figure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def fill_seconds(nbytes: float) -> float:
    """Best of three: seconds for numpy to fill ``nbytes`` of new memory (in blocks of at
    most 1 GB, freed in between, as a stream would)."""
    import numpy as np

    block = int(min(nbytes, 1e9) // 8)
    blocks = max(1, int(round(nbytes / 8 / block)))
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(blocks):
            a = np.empty(block)
            a.fill(1.0)
            del a
        best = min(best, time.perf_counter() - t)
    return best


def child(code: str) -> dict:
    """Run ``code`` in a fresh interpreter; it leaves its figures in a dict ``result``.
    Adds the child's own peak resident memory [MB] (VmHWM) and CPU seconds."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    # VmHWM, not ru_maxrss: Linux carries a parent's peak over into ru_maxrss across
    # fork and exec, so after this process's own 1 GB fills every child reported 1 GB
    code += ("\nimport json as _j\n"
             "result['peak_rss_mb'] = [int(l.split()[1]) for l in open('/proc/self/status') "
             "if l.startswith('VmHWM:')][0] / 1e3\n"
             "print(_j.dumps(result))\n")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result


def cpu_of(args: list[str], repeat: int = 5, cache: str | None = None) -> float:
    """Median CPU seconds (user + system) of a command in a fresh process; ``cache`` is
    lca's cache folder (LCA_CACHE_DIR), or None for an empty one at every run (cold)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    times = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="lca-cold-cache-") as empty:
            env["LCA_CACHE_DIR"] = cache or empty
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run(args, capture_output=True, env=env, check=True)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    times.sort()
    return times[len(times) // 2]


# --- latency ------------------------------------------------------------------------------------

def latency() -> None:
    py = sys.executable
    # An installed package has bytecode (pip compiles it); a checkout run with the
    # environment's PYTHONDONTWRITEBYTECODE would otherwise recompile lca at every run.
    subprocess.run([py, "-m", "compileall", "-q", str(ROOT / "lca")], check=True)
    print(f"\nlca's bytecode compiled first (python -m compileall -q {ROOT / 'lca'})")
    assess = [py, "-m", "lca", "assess", "clemm2024-cpu", "--format", "json"]
    with tempfile.TemporaryDirectory(prefix="lca-warm-cache-") as warm:
        # the warm-up run fills lca's cache folder: pint's parsed definitions, the unit
        # conversion memo and the parsed data files
        subprocess.run(assess, capture_output=True, check=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT), "LCA_CACHE_DIR": warm})
        rows = [
            ("python -c 'import pandas'", [py, "-c", "import pandas"], warm),
            ("python -c 'import lca'", [py, "-c", "import lca"], warm),
            ("lca --help", [py, "-m", "lca", "--help"], warm),
            ("lca assess clemm2024-cpu --format json", assess, warm),
            ("  the same, cold (empty cache folder)", assess, None),
            ("python -c 'pass' (interpreter)", [py, "-c", "pass"], warm),
        ]
        print("CPU seconds (user + system) of a whole process, median of 5")
        figures = {}
        for label, args, cache in rows:
            figures[label] = cpu_of(args, cache=cache)
            print(f"  {label:<44}{figures[label]:8.3f} s")
    pandas = figures["python -c 'import pandas'"]
    print(f"  lca assess / import pandas: "
          f"{figures['lca assess clemm2024-cpu --format json'] / pandas:.2f} warm (target <= 0.75), "
          f"{figures['  the same, cold (empty cache folder)'] / pandas:.2f} cold")
    print(f"  lca --help: {figures['lca --help']:.3f} s (target < 0.3 s)")
    r = child("""
import json, time, lca
from lca.bom import load_bom
def best(fn, n):
    out = []
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(n): fn()
        out.append((time.perf_counter() - t) / n)
    return min(out)
t = time.perf_counter(); lca.assess("clemm2024-cpu"); cold = time.perf_counter() - t
path = best(lambda: lca.assess("clemm2024-cpu"), 200)
bom = load_bom("clemm2024-cpu")
parsed = best(lambda: lca.assess(bom), 500)
from lca import cache
def uncached():
    cache.clear(); lca.assess("clemm2024-cpu")
cold_again = best(uncached, 20)
result = {"cold": cold, "path": path, "parsed": parsed, "uncached": cold_again}
""")
    print("\nlca.assess in one process (best of 5 loops)")
    print(f"  first call (imports, parse)    {r['cold'] * 1e3:8.2f} ms")
    print(f"  from a path, cache cleared     {r['uncached'] * 1e3:8.2f} ms")
    print(f"  from a path, warm              {r['path'] * 1e3:8.3f} ms   (target < 2 ms)")
    print(f"  from a parsed Bom              {r['parsed'] * 1e3:8.3f} ms   (target < 0.5 ms)")


# --- sinks --------------------------------------------------------------------------------------

SINK_AXES = """
import numpy as np
def axes(n):
    g = n // (10 * 8 * 25 * 20)
    return {"grid": np.linspace(0.02, 0.8, g), "lifetime": np.linspace(3, 7, 10),
            "pue": np.linspace(1.0, 1.6, 8),
            "wue": np.linspace(0.0, 2.0, 25),
            "factors.infrastructure.per_kw_year": np.linspace(100, 300, 20)}
"""
# (the last two axes are parameters every BOM has under every method, so the same axes
# run on clemm2024-cpu (method clemm2024) and dgx-h100 (method composite))


def sinks(n: int, bom: str = "clemm2024-cpu", columns: str | None = None,
          pandas_n: int = 1_000_000) -> None:
    folder = Path(tempfile.mkdtemp())
    print(f"\n{bom}: sweep scenarios streamed in chunks of 1e6 "
          f"({'all result columns' if columns is None else columns}); CPU seconds of the "
          "writing process beside wall seconds (this machine is shared)")
    print(f"  {'sink':<20}{'rows':>12}{'wall s':>8}{'CPU s':>8}{'rows/s':>12}{'rows/CPU-s':>12}"
          f"{'file B/row':>11}{'peak RSS MB':>12}{'values':>7}{'fill ratio':>11}")
    figures = {}
    for suffix, count in ((".parquet", n), (".csv", n), (".csv (pandas)", pandas_n)):
        path = folder / ("sweep" + suffix.split()[0])
        cols = "None" if columns is None else repr(columns.split(","))
        if suffix.endswith("(pandas)"):   # what lca did before issue 15
            write = (f"frames = lca.iter_sweep(bom, chunk_size=10**6, columns={cols}, **axes(n))\n"
                     f"with open(r'{path}', 'w') as fh:\n"
                     f"    for i, f in enumerate(frames): f.to_csv(fh, index=False, header=i == 0)")
        else:
            write = (f"lca.sweep(bom, out=r'{path}', chunk_size=10**6, columns={cols}, "
                     f"**axes(n))")
        r = child(SINK_AXES + f"""
import time, lca
n = {count}
bom = lca.load_bom("{bom}")
ncols = lca.sweep(bom, columns={cols}, **{{k: v[:1] for k, v in axes(1_000_000).items()}}).shape[1]
t, c = time.perf_counter(), time.process_time()
{write}
result = {{"seconds": time.perf_counter() - t, "cpu": time.process_time() - c, "columns": ncols}}
""")
        size = path.stat().st_size
        path.unlink()
        ratio = fill_seconds(count * r["columns"] * 8) / r["seconds"]
        figures[suffix] = count / r["cpu"]
        print(f"  {suffix:<20}{count:>12,}{r['seconds']:>8.1f}{r['cpu']:>8.1f}"
              f"{count / r['seconds']:>12,.0f}{count / r['cpu']:>12,.0f}{size / count:>11.1f}"
              f"{r['peak_rss_mb']:>12,.0f}{r['columns']:>7}{ratio:>11.3f}")
    print(f"  CSV rows per CPU-second, pyarrow writer / pandas writer: "
          f"{figures['.csv'] / figures['.csv (pandas)']:.1f}x (target >= 10x)")
    folder.rmdir()


def stream(n: int, bom: str = "dgx-h100") -> None:
    """The 1e8 stream of issue 5 and 15: 5 axes and total_kgco2e_per_year to Parquet."""
    folder = Path(tempfile.mkdtemp())
    path = folder / "sweep.parquet"
    r = child(SINK_AXES.replace("n // (10 * 8 * 25 * 20)", "n // (10 * 8 * 25 * 20)") + f"""
import time, lca
bom = lca.load_bom("{bom}")
t, c = time.perf_counter(), time.process_time()
lca.sweep(bom, out=r'{path}', chunk_size=10**6, columns=["total_kgco2e_per_year"], **axes({n}))
result = {{"seconds": time.perf_counter() - t, "cpu": time.process_time() - c}}
""")
    size = path.stat().st_size
    path.unlink()
    folder.rmdir()
    ratio = fill_seconds(n * 6 * 8) / r["seconds"]
    print(f"\n{bom}: {n:,} scenarios (5 axes + total_kgco2e_per_year) streamed to Parquet: "
          f"{r['seconds']:.1f} s wall, {r['cpu']:.1f} s CPU, {n / r['seconds']:,.0f} rows/s, "
          f"{size / n:.2f} bytes/row, peak RSS {r['peak_rss_mb']:,.0f} MB, fill ratio "
          f"{ratio:.3f} (targets: < 60 s, < 500 MB)")


# --- fleets -------------------------------------------------------------------------------------

MAKE_INVENTORY = """
import numpy as np, pandas as pd, pyarrow as pa, pyarrow.parquet as pq
def inventory(n, seed=0):
    rng = np.random.default_rng(seed)
    boms = np.array(["clemm2024-cpu", "dgx-h100", "tpu-v5e-host", "clemm2024-gpu"])
    regions = np.array(["DE", "FR", "US", "PL", "SE", "IN", "CN", "JP"])
    return pd.DataFrame({"bom": boms[rng.integers(0, 4, n)],
                         "count": rng.integers(1, 200, n).astype(float),
                         "region": regions[rng.integers(0, 8, n)],
                         "pue": rng.uniform(1.05, 1.6, n),
                         "install_date": rng.uniform(2018.0, 2024.0, n),
                         "lifetime": rng.choice([3.0, 4.0, 5.0, 6.0], n)})
"""


def fleet(groups: int, dask: bool) -> None:
    folder = Path(tempfile.mkdtemp())
    inv = folder / "inventory.parquet"
    child(MAKE_INVENTORY + f"""
import json
pq.write_table(pa.Table.from_pandas(inventory({groups}), preserve_index=False), r'{inv}',
               row_group_size=250_000)
result = {{}}
""")
    print(f"\nfleet of {groups:,} server groups (4 BOMs, 8 regions, installed 2018-2024, "
          f"lifetimes 3-6 years: about 10 calendar years), --by year,region,bom")
    print(f"  {'engine':<26}{'seconds':>9}{'(first)':>9}{'CPU s':>7}{'groups/s':>12}"
          f"{'group-years/s':>15}{'peak RSS MB':>13}{'fill ratio':>12}")
    engines = [("pandas", "engine='pandas'")]
    if dask:
        engines.append(("dask (LocalCluster 2x1)", "engine='dask', scheduler=c.scheduler_address"))
    for label, kwargs in engines:
        setup = ("import distributed\n"
                 "c = distributed.LocalCluster(n_workers=2, threads_per_worker=1, "
                 "processes=True, dashboard_address=None)\n"
                 "lca.fleet(r'%s', by='year', engine='dask', scheduler=c.scheduler_address)\n"
                 % inv) if "dask" in label else ""
        r = child(f"""
import json, time, lca
if __name__ == "__main__":
    {setup.replace(chr(10), chr(10) + '    ')}
    t = time.perf_counter()
    out = lca.fleet(r'{inv}', by='year,region,bom', {kwargs})   # first call: imports, parsing
    first = time.perf_counter() - t
    t, c0 = time.perf_counter(), time.process_time()
    out = lca.fleet(r'{inv}', by='year,region,bom', {kwargs})
    s, cpu = time.perf_counter() - t, time.process_time() - c0
    result = {{"seconds": s, "first": first, "cpu": cpu, "rows": len(out)}}
""")
        cells = groups * 10   # about 10 years per group
        ratio = fill_seconds(cells * 2 * 8) / r["seconds"]   # two stages of float64 per cell
        print(f"  {label:<26}{r['seconds']:>9.2f}{r['first']:>9.2f}{r['cpu']:>7.2f}"
              f"{groups / r['seconds']:>12,.0f}"
              f"{cells / r['seconds']:>15,.0f}{r['peak_rss_mb']:>13,.0f}{ratio:>12.3f}")
    inv.unlink()
    folder.rmdir()


def fleet_big(groups: int, partitions: int = 40) -> None:
    """An inventory written as a folder of Parquet files, processed on a LocalCluster of
    two worker processes with a memory limit each; the parent's and workers' peaks."""
    folder = Path(tempfile.mkdtemp()) / "inventory"
    folder.mkdir()
    per = groups // partitions
    print(f"\nfleet of {groups:,} groups in {partitions} Parquet files "
          f"({per:,} groups each) on Dask (LocalCluster, 2 worker processes, 1 GB limit each)")
    t = time.perf_counter()
    child(MAKE_INVENTORY + f"""
import json
for i in range({partitions}):
    pq.write_table(pa.Table.from_pandas(inventory({per}, seed=i), preserve_index=False),
                   r'{folder}/part-%03d.parquet' % i)
result = {{}}
""")
    size = sum(p.stat().st_size for p in folder.iterdir())
    print(f"  wrote {size / 1e6:,.0f} MB of Parquet in {time.perf_counter() - t:.0f} s "
          f"(about {groups * 8 * 6 / 1e9:.1f} GB as float64 columns in memory)")
    r = child(f"""
import json, time, lca, distributed
if __name__ == "__main__":
    c = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                 dashboard_address=None, memory_limit="1GB")
    client = distributed.Client(c)
    t = time.perf_counter()
    out = lca.fleet(r'{folder}', by='year,region', engine='dask', scheduler=c.scheduler_address)
    s = time.perf_counter() - t
    peaks = client.run(lambda: __import__('resource').getrusage(
        __import__('resource').RUSAGE_SELF).ru_maxrss / 1e3)
    result = {{"seconds": s, "rows": len(out), "workers": list(peaks.values())}}
""")
    print(f"  {r['seconds']:,.1f} s, {groups / r['seconds']:,.0f} groups/s; result "
          f"{r['rows']} rows; worker peak RSS {', '.join(f'{w:,.0f}' for w in r['workers'])} MB; "
          f"client process peak {r['peak_rss_mb']:,.0f} MB")
    for p in folder.iterdir():
        p.unlink()
    folder.rmdir()
    folder.parent.rmdir()


# --- sweeps in memory ---------------------------------------------------------------------------

def sweep(runs: int = 7) -> None:
    print(f"\nsweeps in memory, 1e6 scenarios (5 axes): one untimed run of the same size, then "
          f"{runs} timed runs in one process; numpy's fill of the same bytes timed the same "
          "way in the same process")
    print(f"  {'bom':<16}{'columns':>8}{'best s':>8}{'median':>8}{'max':>8}{'rows/s':>13}"
          f"{'bytes/row':>10}{'peak RSS MB':>12}{'fill ratio':>11}{'spread':>8}{'fill spread':>12}"
          f"{'cold lca':>9}{'cold fill':>10}")
    for bom in ("clemm2024-cpu", "dgx-h100"):
        r = child(SINK_AXES + f"""
import json, time, lca, numpy as np
bom = lca.load_bom("{bom}")
a = axes(1_000_000)
lca.sweep(bom, **{{k: v[:1] for k, v in a.items()}})   # imports, compiling the BOM
def timed(fn):
    t = time.perf_counter(); out = fn(); return time.perf_counter() - t, out
cold, f = timed(lambda: lca.sweep(bom, **a))
cols = f.shape[1]; del f
def fill():
    x = np.empty(1_000_000 * cols); x.fill(1.0); return x
times, fills = [], []
for _ in range({runs}):
    s, f = timed(lambda: lca.sweep(bom, **a)); del f; times.append(s)
    s, x = timed(fill); del x; fills.append(s)
result = {{"times": times, "fills": fills, "columns": cols, "cold": cold}}
""")
        r["cold_fill"] = child(f"""
import time, numpy as np
t = time.perf_counter(); x = np.empty(1_000_000 * {r['columns']}); x.fill(1.0)
result = {{"seconds": time.perf_counter() - t}}
""")["seconds"]
        times, fills = sorted(r["times"]), sorted(r["fills"])
        best, median = times[0], times[len(times) // 2]
        ratio = fills[0] / best
        spread = (times[-1] - best) / best
        fill_spread = (fills[-1] - fills[0]) / fills[0]
        print(f"  {bom:<16}{r['columns']:>8}{best:>8.3f}{median:>8.3f}{times[-1]:>8.3f}"
              f"{1e6 / best:>13,.0f}{r['columns'] * 8:>10}{r['peak_rss_mb']:>12,.0f}"
              f"{ratio:>11.3f}{spread:>8.0%}{fill_spread:>12.0%}{r['cold']:>9.3f}"
              f"{r['cold_fill']:>10.3f}")
    print("  target: fill ratio >= 0.5 (numpy's best fill / lca's best), spread < 20 % "
          "((max - best) / best over the timed runs). 'cold': the first full-size run in a new "
          "process (numpy's fill in a process of its own), where the kernel finds, compacts "
          "and zeroes fresh huge pages (transparent huge pages, 'madvise'), for lca and "
          "numpy alike.")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["latency", "sinks", "stream", "fleet", "fleet-big", "sweep",
                                     "all"])
    ap.add_argument("--n", type=float, default=1e7, help="sweep scenarios for `sinks`")
    ap.add_argument("--bom", default="clemm2024-cpu", help="BOM for `sinks`")
    ap.add_argument("--columns", default=None, help="result columns for `sinks` (comma-separated)")
    ap.add_argument("--groups", type=float, default=None, help="inventory size")
    ap.add_argument("--dask", action="store_true", help="`fleet`: also on a LocalCluster")
    args = ap.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}")
    if args.what in ("latency", "all"):
        latency()
    if args.what in ("sinks", "all"):
        sinks(int(args.n), args.bom, args.columns)
    if args.what in ("fleet", "all"):
        fleet(int(args.groups or 1e5), args.dask or args.what == "all")
    if args.what == "stream":
        stream(int(args.n if args.n != 1e7 else 1e8), args.bom if args.bom != "clemm2024-cpu"
               else "dgx-h100")
    if args.what == "fleet-big":
        fleet_big(int(args.groups or 1e7))
    if args.what in ("sweep", "all"):
        sweep()


if __name__ == "__main__":
    main()
