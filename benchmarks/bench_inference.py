"""Speed of the vectorized inference model (prints figures; not a test).

    python benchmarks/bench_inference.py [N]

One call of lca.infer over N scenarios (batch x prompt x output lengths, Llama 3.1 70B on
4 x H100) against N single-scenario calls extrapolated from a sample of 100.
"""

from __future__ import annotations

import sys

import numpy as np

import lca
from timing import best_of




def main(n: int) -> None:
    rng = np.random.default_rng(0)
    batch = rng.integers(1, 1024, n)
    n_in = rng.integers(0, 8000, n)
    n_out = rng.integers(1, 4000, n)
    kw = dict(device="h100-sxm5", model="llama-3.1-70b", count=4, grid=0.4)
    vec = best_of(lambda: lca.infer(batch=batch, input_tokens=n_in, output_tokens=n_out, **kw))
    sample = 100
    loop = best_of(lambda: [lca.infer(batch=int(b), input_tokens=int(i), output_tokens=int(o), **kw)
                            for b, i, o in zip(batch[:sample], n_in[:sample], n_out[:sample])], 1)
    print(f"lca.infer, {n:,} scenarios in one call: {vec:.3f} s ({n / vec:,.0f} scenarios/s)")
    print(f"one call per scenario (extrapolated from {sample}): {loop / sample * n:.1f} s "
          f"({loop / sample * 1e3:.1f} ms each); vectorized speed-up x{loop / sample * n / vec:,.0f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
