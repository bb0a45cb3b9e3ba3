# %% [markdown]
# # The complete footprint of a measured run
#
# A researcher measured a job with CodeCarbon and wants its whole footprint: the energy
# it measured, the operational emissions (CodeCarbon's own figure and lca's grid side by
# side), the share of the hardware's manufacturing, transport, end-of-life and
# data-centre footprint the job used, the water, and the result per functional unit and
# as an SCI score.
#
# Here the "job" is a short loop on this machine's CPU, measured by CodeCarbon's offline
# tracker (no network). Replace it with your own code, or import the emissions.csv
# CodeCarbon wrote for your real run. Inputs to replace: the hardware BOMs (the shipped
# Clemm et al. 2024 CPU server, then an 8-GPU DGX H100), the GPUs the job used, and the
# tokens it processed. Files go to the working directory.

# %%
import lca
from lca.measured import hourly

with lca.track(hardware="clemm2024-cpu", country="DEU", output_dir=".",
               functional_units={"requests": 0}) as run:
    for batch in range(20):                 # the work: 20 batches of 16 requests
        sum(i * i for i in range(50_000))
        run.count(requests=16)

r = run.result
r.frame[["duration_s", "energy_kwh", "codecarbon_kgco2e", "operational_kgco2e",
         "hardware_share_kgco2e", "water_l", "total_kgco2e", "gco2e_per_request"]]

# %% [markdown]
# The same run imported from the emissions.csv CodeCarbon wrote gives the same figures.
# Here it is costed as if it had run on one of the eight GPUs of a DGX H100 and processed
# two million tokens: the hardware share is then duration / lifetime x 1/8 of the
# system's manufacturing, transport, end-of-life and infrastructure footprint.

# %%
dgx = lca.from_codecarbon("emissions.csv", hardware="dgx-h100", gpus=1,
                          functional_units={"tokens": 2e6})
print(dgx.allocation)
dgx.frame[["energy_kwh", "embodied_share_kgco2e", "transport_share_kgco2e",
           "infrastructure_share_kgco2e", "hardware_share_kgco2e", "total_kgco2e",
           "gco2e_per_1000_tokens"]].tail(1)

# %% [markdown]
# SCI (ISO/IEC 21031:2024): E, I, M and R, per 1,000 tokens.

# %%
print(dgx.sci("tokens").to_text())

# %% [markdown]
# When the job ran matters: with an hourly grid series, a run gets the intensity of the
# hours it ran in. The shipped sample is Electricity Maps' first week of 2022 for
# Germany (ODbL 1.0); a two-hour job starting at each hour of that week would have seen
# these intensities, and the carbon-aware lever finds the best window.

# %%
week = hourly.shipped("electricitymaps-DE-2022-01-01-to-07")
starts = week.starts[:-1]
two_hours = hourly.interval_mean(week, starts, starts + 2 * 3600)
print(week.describe())
print(f"two-hour job: {two_hours.min() * 1000:.0f} to {two_hours.max() * 1000:.0f} gCO2e/kWh "
      f"depending on the start; week mean {week.time_weighted_mean() * 1000:.0f}")
from lca.accelerator.levers import best_window_mean

print(f"best two-hour window: {best_window_mean(week.values, 2) * 1000:.0f} gCO2e/kWh")

# %% [markdown]
# A workbook with the Measured runs sheet (live formulas) beside lca's own sheets, and the
# measured-runs page of the report, asked for by name.

# %%
from lca.excel import write_workbook
from lca.report import build_pages

server = lca.assess("dgx-h100")
write_workbook(server, "measured-runs.xlsx", measured=dgx, force=True)
page, = build_pages(server, measured=dgx, only=["measured-runs"])
page.figure
