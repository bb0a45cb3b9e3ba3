# %% [markdown]
# # The reference study's CPU-versus-GPU comparison
#
# Clemm et al. (2024), "Towards Green AI: Current Status and Future Research", section
# IV.C-D, compare a Xeon 8468 CPU server with an NVIDIA H100 SXM5 GPU module over five
# years at 0.4 kgCO2e/kWh (Germany, 2022) and at 0.05 kgCO2e/kWh (renewable supply). Both
# are shipped BOMs: `clemm2024-cpu` and `clemm2024-gpu`.

# %%
import lca
from lca import whatif

cpu = lca.assess("clemm2024-cpu")
gpu = lca.assess("clemm2024-gpu")
cpu

# %% [markdown]
# The study's figures (Table I and section IV.D): the CPU server's embodied carbon is
# about 1,177 kgCO2e, its use phase 4,084 kWh a year, 1,634 kgCO2e a year at 0.4
# kgCO2e/kWh: 87 % of its yearly footprint.

# %%
for a in (cpu, gpu):
    print(f"{a.name}: embodied {a.embodied:~.1f}, operational {a.operational_per_year:~.1f}, "
          f"total {a.total_per_year:~.1f}, use phase {100 * a.use_phase_share:.1f} %")
assert abs(cpu.total_per_year.magnitude - 1869.1008) < 1e-6       # 1,176.804 / 5 + 1,633.74
assert abs(cpu.embodied_by_component["dram"].magnitude - 1105.92) < 1e-9   # 614.4 cm^2 x 1.8

# %% [markdown]
# With renewable electricity the use phase shrinks eightfold and manufacturing becomes a
# large share; the break-even grid is where a year of use emits as much as a year's share
# of manufacturing.

# %%
renewable = {a.name: lca.assess(a.bom, region="renewable-clemm2024") for a in (cpu, gpu)}
for name, a in renewable.items():
    print(f"{name}: {a.total_per_year:~.1f} at 0.05 kgCO2e/kWh, "
          f"use phase {100 * a.use_phase_share:.0f} %")
for a in (cpu, gpu):
    print(f"{a.name}: break-even grid {whatif.break_even_grid(a.bom):~.4f}")

# %% [markdown]
# How much the answer depends on the embodied method: every method on the CPU server
# (low and high from each method's factor ranges; `covered` counts the parts a method
# can cost).

# %%
methods = lca.compare_methods("clemm2024-cpu")
methods[["total", "low", "high", "covered"]].round(1)

# %%
methods.plot()
