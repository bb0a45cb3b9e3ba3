"""Time `lca.compare_methods` (4 methods x assess + embodied_range) and the range alone.

Prints figures; asserts nothing. Run: python benchmarks/methods_compare.py
"""

import lca
from lca.methods import embodied_range
from timing import best_of


def main() -> None:
    for name in lca.data.server_names():
        bom = lca.load_bom(name)
        a = lca.assess(bom, method="boavizta")
        t_cmp = best_of(lambda b=bom: lca.compare_methods(b), repeat=5)
        t_assess = best_of(lambda b=bom: lca.assess(b, method="boavizta"), repeat=5)
        t_range = best_of(lambda a=a: embodied_range(a.compiled, a.params), repeat=5)
        print(f"{name:<16} compare_methods {1e3 * t_cmp:7.1f} ms   assess(boavizta) "
              f"{1e3 * t_assess:6.1f} ms   embodied_range(boavizta) {1e3 * t_range:6.1f} ms")


if __name__ == "__main__":
    main()
