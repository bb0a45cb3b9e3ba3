# %% [markdown]
# # Choose hardware and a region for a training run
#
# An ML infrastructure engineer plans to train a 7-billion-parameter model on 1 trillion
# tokens (6 x N x D = 4.2e22 FLOP) on 64 accelerators, and can pick the accelerator and
# the data centre's region. Which choice has the smallest footprint, and how much of it is
# the region rather than the chip?
#
# Inputs to replace with your own: the model and token count, the chip count, the model
# FLOP utilization (40 % here, an assumption for all three chips; use your measured
# value) and the data centre's PUE. Grid intensities come from `data/grid/` (Ember and
# Energy Institute via Our World in Data, latest year per country).

# %%
import numpy as np
import pandas as pd

import lca
from lca import data

REGIONS = ["SE", "FR", "US", "DE", "PL", "IN"]
DEVICES = ["h100-sxm5", "a100-80gb", "tpu-v5e"]
JOB = dict(params=7e9, tokens=1e12, count=64, efficiency=0.4, pue=1.2)

grid = np.array([data.grid_intensity(r).value for r in REGIONS])   # kgCO2e/kWh
pd.Series(grid, index=REGIONS, name="grid [kgCO2e/kWh]").round(3)

# %% [markdown]
# One call per accelerator evaluates every region at once (`grid` is an array): the
# training time, energy, operational and embodied carbon of each (device, region) pair.

# %%
frames = []
for device in DEVICES:
    run = lca.train(device=device, grid=grid, **JOB)
    frame = run.to_frame()          # one row per region; a "device" column included
    frame.insert(0, "region", REGIONS)
    frames.append(frame)
runs = pd.concat(frames, ignore_index=True)
columns = ["device", "region", "days", "energy_mwh", "operational_tco2e", "embodied_tco2e",
           "total_tco2e"]
runs[columns].round(2)

# %%
total = runs.pivot(index="region", columns="device", values="total_tco2e")
print("Total footprint of the run [tCO2e]:")
print(total.loc[REGIONS, DEVICES].round(2).to_string())

# %%
best = runs.loc[runs["total_tco2e"].idxmin()]
worst = runs.loc[runs["total_tco2e"].idxmax()]
print(f"smallest: {best.device} in {best.region}: {best.total_tco2e:.2f} tCO2e "
      f"in {best.days:.1f} days")
print(f"largest:  {worst.device} in {worst.region}: {worst.total_tco2e:.2f} tCO2e")
by_region = total.max(axis=1) / total.min(axis=1)
by_device = total.max(axis=0) / total.min(axis=0)
print(f"the choice of chip changes the total by up to {by_region.max():.1f}x in one region; "
      f"the choice of region by up to {by_device.max():.1f}x for one chip")

# The total is the operational plus the embodied share, for every run:
assert np.allclose(runs["total_tco2e"], runs["operational_tco2e"] + runs["embodied_tco2e"])

# %% [markdown]
# Every result says what it counts and what it leaves out: here the power is the chips'
# own (the host's power is not counted, its manufacturing is), so a whole server's
# footprint is larger; `lca.assess` on a server BOM counts the whole server.

# %%
for note in run.notes:
    print("-", note)

# %% [markdown]
# The same figure as the report draws it: the total per year of the shipped DGX H100
# server against grid intensity, with every country of `data/grid/` as a tick on the axis.

# %%
from lca.report import build_pages

page, = build_pages(lca.assess("dgx-h100", region=best.region), only=["grid"])
page.figure
