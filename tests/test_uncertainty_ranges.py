"""Sourced ranges of the usage inputs (issue 12, item 3): a country's grid intensity over
recent years (data/grid/countries.csv, years.csv: OWID, Ember and Energy Institute, CC BY
4.0) and the power model's figures (data/power.yaml, parameters ``power.*``)."""

import csv
import math

import numpy as np
import pytest

import lca
from lca import data, power
from lca.data import data_dir
from lca.whatif import input_ranges, monte_carlo, sensitivity, usage_distributions

# Yearly values transcribed by hand from OWID's chart CSV "Carbon intensity of electricity
# generation" (Ember and Energy Institute, CC BY 4.0; the copy named in
# data/grid/sources.yaml), rows Germany and France, years 2020-2024, gCO2e/kWh.
GERMANY = {2020: 355.6595, 2021: 394.84824, 2022: 420.10654, 2023: 371.31064, 2024: 344.13992}
FRANCE = {2020: 59.08005, 2021: 59.787445, 2022: 78.55024, 2023: 55.27541, 2024: 44.179085}

PARTS = """\
name: parts server
kind: cpu
lifetime: 4 years
usage:
  region: DE
  pue: 1.2
  utilization: 0.5
components:
  - {name: cpu, type: logic, role: processor, count: 2, area: 6.98 cm^2, node: 14nm, tdp: 150 W}
  - {name: dram, type: memory, technology: ddr4, count: 12, capacity: 32 GB}
  - {name: ssd, type: storage, technology: ssd, count: 2, capacity: 1.92 TB}
  - {name: fans, type: item, category: fan, count: 6, mass: 0.15 kg}
  - {name: psu, type: item, category: psu, count: 2, mass: 1.2 kg, rated_power: 750 W, efficiency: titanium}
"""


def _rows(name):
    with (data_dir() / "grid" / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("code, yearly", [("DE", GERMANY), ("FR", FRANCE)])
def test_country_range_is_its_yearly_min_and_max(code, yearly):
    g = data.grid_intensity(code)
    assert g.range_years == (2020, 2024) and g.year == 2024
    lo_year, hi_year = min(yearly, key=yearly.get), max(yearly, key=yearly.get)
    assert (g.min_year, g.max_year) == (lo_year, hi_year)
    assert g.min == pytest.approx(yearly[lo_year] / 1000, rel=1e-12)
    assert g.max == pytest.approx(yearly[hi_year] / 1000, rel=1e-12)
    assert g.value == pytest.approx(yearly[2024] / 1000, rel=1e-12)
    shipped = {int(r["year"]): float(r["intensity"]) for r in _rows("years.csv") if r["code"] == code}
    assert shipped == yearly


def test_every_country_range_matches_its_yearly_values():
    """Invariant over the whole table: min/max are the extremes of years.csv over the
    row's five years, which end at its data year and contain its value."""
    yearly: dict[str, dict[int, float]] = {}
    for r in _rows("years.csv"):
        yearly.setdefault(r["code"], {})[int(r["year"])] = float(r["intensity"])
    for r in _rows("countries.csv"):
        ys = yearly[r["code"]]
        assert sorted(ys) == list(range(int(r["range_from"]), int(r["range_to"]) + 1)), r["code"]
        assert int(r["range_to"]) == int(r["year"]) and len(ys) == 5, r["code"]
        assert float(r["min"]) == min(ys.values()) == ys[int(r["min_year"])], r["code"]
        assert float(r["max"]) == max(ys.values()) == ys[int(r["max_year"])], r["code"]
        assert float(r["min"]) <= float(r["intensity"]) <= float(r["max"]), r["code"]


def test_region_range_replaces_the_band_and_says_its_years():
    t = input_ranges("clemm2024-cpu", region="DE").set_index("parameter")
    assert t.loc["grid", ["low", "high"]].tolist() == pytest.approx([0.34413992, 0.42010654])
    assert "2020-2024" in t.loc["grid", "source"] and "(2022)" in t.loc["grid", "source"]
    assert "grid_band" not in t.loc["grid", "source"]
    # a grid given as a number (the study's 0.4) keeps the judgement band
    assert "grid_band" in input_ranges("clemm2024-cpu").set_index("parameter").loc["grid", "source"]


def test_region_based_band_at_least_as_wide_as_grid_alone():
    """Study CPU server with region DE: the P5-P95 band of the yearly total with every
    input varied is at least as wide as with grid intensity alone (DE 2020-2024)."""
    full = monte_carlo("clemm2024-cpu", 20_000, seed=7, region="DE").summary.loc[
        "total_kgco2e_per_year"]
    grid = usage_distributions("clemm2024-cpu", region="DE")["grid"][0]
    assert grid.args == pytest.approx((0.34413992, 0.34413992, 0.42010654))
    alone = monte_carlo("clemm2024-cpu", 20_000, seed=7, vary="none", region="DE",
                        dists={"grid": grid}).summary.loc["total_kgco2e_per_year"]
    assert full.p95 - full.p5 >= alone.p95 - alone.p5 > 0


@pytest.mark.parametrize("source", ["clemm2024-cpu", "parts"])
def test_collapsed_ranges_give_the_deterministic_value(source, write_bom):
    """Every input the default Monte Carlo varies, the country's grid and the power model's
    figures included, held at its base value: the deterministic result."""
    bom = source if source != "parts" else write_bom(PARTS)
    over = {"region": "DE"} if source != "parts" else {}
    _, params, _ = lca.assessment.prepare(bom, over)
    varied = monte_carlo(bom, 10, seed=3, **over).distributions
    assert "grid" in varied
    if source == "parts":
        assert {"power.cpu.idle_fraction", "power.dram.per_gb", "power.fans.fraction"} <= set(varied)
    base = lca.assess(bom, **over).row
    points = {k: ("triangular", v, v, v) for k, v in params.items() if k in varied}
    mc = monte_carlo(bom, 200, seed=3, dists=points, **over)
    for key, value in base.items():
        row = mc.summary.loc[key]
        if math.isnan(value):
            continue
        assert row["p5"] == row["p95"] == pytest.approx(value, rel=1e-12), key


def test_power_figures_are_sourced_inputs(write_bom):
    bom = write_bom(PARTS)
    t = input_ranges(bom).set_index("parameter")
    figs = power.figures()
    for path in ("cpu.idle_fraction", "dram.per_gb", "ssd.per_tb", "fans.fraction"):
        row = t.loc[power.parameter_name(path)]
        assert (row.low, row.high) == (figs[path].min, figs[path].max)
        assert "data/power.yaml" in row.source
    # powers from the parts vary through the figures, not the +-20 % judgement band
    assert "idle_power" not in t.index and "max_power" not in t.index
    # a GPU-free BOM does not list the accelerator's idle fraction
    assert "power.accelerator.idle_fraction" not in t.index
    s = sensitivity(bom, vary="usage").set_index("parameter")
    assert s.loc["power.fans.fraction", "swing"] > 0


def test_power_figure_override_is_vectorized_and_given_powers_win(write_bom):
    bom = write_bom(PARTS)
    per_gb = np.array([0.284, 0.3725, 0.392])
    pp = power.from_parts(lca.load_bom(bom), {"dram.per_gb": per_gb})
    for i, v in enumerate(per_gb):
        one = power.from_parts(lca.load_bom(bom), {"dram.per_gb": float(v)})
        assert pp.max_w[i] == pytest.approx(one.max_w, rel=1e-12)
        assert pp.idle_w[i] == pytest.approx(one.idle_w, rel=1e-12)
    # DRAM 384 GB: 0.3725 W/GB at base
    assert power.from_parts(lca.load_bom(bom)).dc_max["dram"] == pytest.approx(384 * 0.3725)
    mean = lca.sweep(bom, **{"power.dram.per_gb": per_gb})["mean_power_w"].to_numpy()
    assert mean[1] == pytest.approx(lca.assess(bom).row["mean_power_w"], rel=1e-12)
    assert mean[0] < mean[1] < mean[2]
    # a given power wins over the power model's figures
    a = lca.assess(bom, idle_power=100.0, max_power=300.0, **{"power.dram.per_gb": 0.284})
    assert a.row["mean_power_w"] == pytest.approx(200.0)
