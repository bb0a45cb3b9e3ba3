"""Speed of the vectorized kernel and workload models (prints figures; not a test).

    python benchmarks/bench_accelerator.py [N]

One call of lca.kernel over N GEMM shapes and one call of lca.train over N scenarios,
against N single-shape calls extrapolated from a sample of 200.
"""

from __future__ import annotations

import sys

import numpy as np

import lca
from timing import best_of




def main(n: int) -> None:
    rng = np.random.default_rng(0)
    m, nn, k = (rng.integers(64, 16384, n) for _ in range(3))
    lca.kernel("gemm", device="h100-sxm5", m=1, n=1, k=1, grid=0.4)   # warm caches
    t_vec = best_of(lambda: lca.kernel("gemm", device="h100-sxm5", dtype="bf16", m=m, n=nn,
                                       k=k, grid=0.4))
    sample = 200
    t_one = best_of(lambda: [lca.kernel("gemm", device="h100-sxm5", m=int(m[i]), n=int(nn[i]),
                                        k=int(k[i]), grid=0.4) for i in range(sample)], 1)
    print(f"kernel gemm, {n:,} shapes in one call: {t_vec * 1e3:.1f} ms "
          f"({t_vec / n * 1e9:.0f} ns per shape)")
    print(f"kernel gemm, one call per shape: {t_one / sample * 1e6:.0f} us per shape "
          f"(~{t_one / sample * n:.1f} s for {n:,})")
    eff = rng.uniform(0.2, 0.6, n)
    grid = rng.uniform(0.02, 0.8, n)
    t_train = best_of(lambda: lca.train(device="h100-sxm5", count=1024, params=70e9,
                                        tokens=2e12, efficiency=eff, grid=grid, pue=1.1))
    print(f"train, {n:,} scenarios in one call: {t_train * 1e3:.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
