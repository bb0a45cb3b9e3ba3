"""Timing helper shared by the benchmark scripts (run as ``python benchmarks/<name>.py``,
so this folder is on the import path)."""

from __future__ import annotations

import time
from typing import Callable


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    """The shortest wall time [s] of ``repeat`` calls of ``fn``: the least disturbed by
    other work on the machine."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)
