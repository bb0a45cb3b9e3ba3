"""Monte Carlo and sensitivity: collapsed ranges give the deterministic value, quantiles are
ordered, seeds reproduce, the tornado ranks grid intensity first for the study's CPU system."""

import math
import sys

import numpy as np
import pandas as pd
import pytest

import lca
from lca.data import Figure
from lca.errors import ParameterError
from lca.whatif import (Distribution, MissingDependencyError, factor_distributions,
                        figure_distribution, monte_carlo, sensitivity, sobol)

BASE = lca.assess("clemm2024-cpu").row
ENERGY_CPU = 4084.35   # kWh/a (hand-checked: (0.75 x 555 + 0.25 x 200) W x 8,760 h)


def test_collapsed_ranges_return_the_deterministic_value():
    """Every input the default Monte Carlo varies (factors and usage inputs), collapsed to
    its base value, gives the deterministic result."""
    compiled = lca.model.compile_bom(lca.load_bom("clemm2024-cpu"))
    varied = monte_carlo("clemm2024-cpu", 10, seed=3).distributions
    assert {"grid", "pue", "lifetime", "profile.0.share"} <= set(varied)
    points = {k: ("triangular", v, v, v) for k, v in compiled.params.items() if k in varied}
    mc = monte_carlo("clemm2024-cpu", 1000, seed=3, dists=points)
    for key, value in BASE.items():
        row = mc.summary.loc[key]
        if math.isnan(value):   # not covered (a category without factors): NaN throughout
            assert row[["p5", "p50", "p95", "mean"]].isna().all(), key
            continue
        assert row["p5"] == row["p50"] == row["p95"] == pytest.approx(value, rel=1e-12)
        assert row["mean"] == pytest.approx(value, rel=1e-12)
    assert mc.samples.shape[0] == 1000


def test_quantiles_ordered_and_p50_near_deterministic_for_symmetric_ranges():
    """clemm2024's factor ranges are symmetric (+-50 %) triangles and the total is linear in
    the factors, so its distribution is symmetric about the deterministic value: P50 within
    0.5 % of it (200,000 samples)."""
    mc = monte_carlo("clemm2024-cpu", 200_000, seed=1, vary="factors")
    s = mc.summary.dropna()
    assert (s.p5 <= s.p50).all() and (s.p50 <= s.p95).all()
    for key in ("embodied_kgco2e", "total_kgco2e_per_year", "embodied_by_component_kgco2e.dram"):
        assert s.loc[key, "p50"] == pytest.approx(BASE[key], rel=5e-3)
        assert s.loc[key, "p5"] < BASE[key] < s.loc[key, "p95"]
    assert list(mc.summary.columns) == ["mean", "p5", "p50", "p95"]


def test_monte_carlo_is_reproducible_for_a_seed():
    a = monte_carlo("dgx-h100", 5000, seed=42)
    b = monte_carlo("dgx-h100", 5000, seed=42)
    c = monte_carlo("dgx-h100", 5000, seed=43)
    pd.testing.assert_frame_equal(a.samples, b.samples)
    assert not a.samples.equals(c.samples)


def test_user_distributions_with_units():
    """grid uniform on 100-500 gCO2e/kWh: mean grid 0.3, mean operational 0.3 x 4,084.35."""
    mc = monte_carlo("clemm2024-cpu", 100_000, seed=7, factors=False,
                     dists={"grid": ("uniform", "100 gCO2e/kWh", "500 gCO2e/kWh")})
    assert list(mc.samples.columns[:1]) == ["grid"]
    assert mc.samples.grid.min() >= 0.1 and mc.samples.grid.max() <= 0.5
    assert mc.summary.loc["operational_kgco2e_per_year", "mean"] == pytest.approx(
        0.3 * ENERGY_CPU, rel=5e-3)
    assert mc.summary.loc["embodied_kgco2e", "p5"] == mc.summary.loc["embodied_kgco2e", "p95"]
    with pytest.raises(ParameterError, match="unknown parameter"):
        monte_carlo("clemm2024-cpu", 10, dists={"nope": ("uniform", 0, 1)})
    with pytest.raises(ParameterError, match="unknown distribution"):
        monte_carlo("clemm2024-cpu", 10, dists={"grid": ("weird", 0, 1)})


def test_profile_share_distribution_keeps_shares_summing_to_one():
    mc = monte_carlo("clemm2024-cpu", 2000, seed=1, factors=False,
                     dists={"profile.0.share": ("uniform", 0.5, 1.0)})
    s = mc.samples
    expected = s["profile.0.share"] * 555 + (1 - s["profile.0.share"]) * 200
    np.testing.assert_allclose(s.mean_power_w, expected, rtol=1e-12)


def test_figure_distributions():
    fig = Figure(value=1.8, unit="kgCO2e/cm^2", source="t", min=0.9, max=2.7)
    assert figure_distribution(fig) == Distribution("triangular", (0.9, 1.8, 2.7))
    assert figure_distribution(Figure(1.0, "", "t")) == Distribution("point", (1.0,))
    normal = Figure(10.0, "", "t", min=8.0, max=12.0, distribution="normal")
    d = figure_distribution(normal)   # min/max read as a central 95 % interval
    assert d.kind == "normal" and d.args[1] == pytest.approx(2.0 / 1.959963984540054)
    # triangular median, hand-solved: triangular(0, 0, 1) has median 1 - sqrt(1/2)
    assert Distribution("triangular", (0, 0, 1)).median == pytest.approx(1 - math.sqrt(0.5))
    dists = factor_distributions(lca.model.compile_bom(lca.load_bom("clemm2024-cpu")))
    assert dists["factors.clemm2024.pcb_reference_layers"].kind == "point"
    assert dists["factors.clemm2024.dram_die"].args == (0.9, 1.8, 2.7)


def test_sensitivity_ranks_grid_first_for_the_study_cpu_system():
    """At 0.4 kgCO2e/kWh the use phase is 87 % (Clemm et al. 2024): grid intensity leads.
    Hand-checked swings: grid 0.2-0.6 -> 4,084.35 x 0.4 = 1,633.74 kgCO2e/a; DRAM factor
    0.9-2.7 -> 614.4 cm^2 x 1.8 / 5 a = 221.184 kgCO2e/a."""
    t = sensitivity("clemm2024-cpu")
    assert list(t.columns[:6]) == ["parameter", "low", "high", "total_at_low", "total_at_high",
                                   "swing"]
    assert t.parameter.iloc[0] == "grid"
    assert t.swing.iloc[0] == pytest.approx(1633.74, rel=1e-9)
    dram = t.set_index("parameter").loc["factors.clemm2024.dram_die"]
    assert dram.swing == pytest.approx(221.184, rel=1e-9)
    assert (np.diff(t.swing.to_numpy()) <= 0).all()
    for _, row in t.iterrows():   # each swing end is an assess with that one override
        lo = lca.assess("clemm2024-cpu", **{row.parameter: row.low}).row["total_kgco2e_per_year"]
        hi = lca.assess("clemm2024-cpu", **{row.parameter: row.high}).row["total_kgco2e_per_year"]
        assert (row.total_at_low, row.total_at_high) == (lo, hi)


def test_sensitivity_given_ranges_and_base_overrides():
    t = sensitivity("clemm2024-cpu", ranges={"components.dram.dies": (512, 2048)},
                    region="renewable-clemm2024")
    row = t.set_index("parameter").loc["components.dram.dies"]
    # 512 and 2,048 dies of 0.6 cm^2 at 1.8 kgCO2e/cm^2 over 5 years, on top of the rest
    assert row.total_at_high - row.total_at_low == pytest.approx(1536 * 0.6 * 1.8 / 5, rel=1e-9)
    # on renewable supply (0.05) the grid no longer leads
    assert t.parameter.iloc[0] != "grid"


def test_sobol_needs_salib(monkeypatch):
    for name in [m for m in sys.modules if m == "SALib" or m.startswith("SALib.")] + ["SALib"]:
        monkeypatch.setitem(sys.modules, name, None)  # also when an earlier test imported it
    with pytest.raises(MissingDependencyError, match="SALib"):
        sobol("clemm2024-cpu", 64)


def test_sobol_ranks_grid_first_when_salib_is_installed():
    pytest.importorskip("SALib")
    s = sobol("clemm2024-cpu", 1024, seed=1)
    assert s.parameter.iloc[0] == "grid"
    assert {"S1", "ST"} <= set(s.columns)


# --- usage inputs varied by default (issue 12) ----------------------------------------------

def test_default_band_at_least_as_wide_as_grid_alone():
    """Study CPU server, default inputs: the P5-P95 band of the yearly total is at least as
    wide as the band from grid intensity alone (grid 0.2-0.6 kgCO2e/kWh, data/whatif.yaml
    grid_band 0.5x-1.5x of the study's 0.4)."""
    from lca.whatif import usage_distributions
    full = monte_carlo("clemm2024-cpu", 20_000, seed=11).summary.loc["total_kgco2e_per_year"]
    grid = usage_distributions("clemm2024-cpu")["grid"][0]
    assert grid.args == pytest.approx((0.2, 0.4, 0.6))
    alone = monte_carlo("clemm2024-cpu", 20_000, seed=11, vary="none",
                        dists={"grid": grid}).summary.loc["total_kgco2e_per_year"]
    assert full.p95 - full.p5 >= alone.p95 - alone.p5 > 0


def test_vary_restricts_to_factors_or_usage():
    f = monte_carlo("clemm2024-cpu", 500, seed=2, vary="factors")
    u = monte_carlo("clemm2024-cpu", 500, seed=2, vary="usage")
    fk = {k for k, d in f.distributions.items() if d.kind != "point"}
    uk = {k for k, d in u.distributions.items() if d.kind != "point"}
    assert fk and all(k.startswith("factors.") for k in fk)
    assert uk == {"grid", "pue", "lifetime", "profile.0.power", "profile.1.power", "profile.0.share"}
    # factors only: the operational part does not move; usage only: the embodied does not
    assert f.summary.loc["operational_kgco2e_per_year", "p5"] == f.summary.loc[
        "operational_kgco2e_per_year", "p95"]
    assert u.summary.loc["embodied_kgco2e", "p5"] == u.summary.loc["embodied_kgco2e", "p95"]
    with pytest.raises(ParameterError, match="vary"):
        monte_carlo("clemm2024-cpu", 10, vary="everything")


def test_varied_inputs_are_listed_with_their_sources():
    mc = monte_carlo("clemm2024-cpu", 200, seed=5)
    table = mc.varied().set_index("parameter")
    assert table.loc["lifetime", ["low", "mode", "high"]].tolist() == [3.0, 5.0, 6.0]
    assert "whatif.yaml" in table.loc["pue", "source"]
    assert "Clemm" in table.loc["factors.clemm2024.dram_die", "source"]


def test_an_override_holds_a_usage_input():
    mc = monte_carlo("clemm2024-cpu", 200, seed=5, pue=1.2)
    assert "pue" not in mc.distributions
    assert (mc.samples.energy_kwh_per_year > 0).all()


def test_sensitivity_restricted_to_usage():
    t = sensitivity("clemm2024-cpu", vary="usage")
    assert not t.parameter.str.startswith("factors.").any()
    assert t.parameter.iloc[0] == "grid"


def test_cli_mc_json_says_what_was_varied():
    import json

    from typer.testing import CliRunner

    from lca.cli import app
    out = CliRunner().invoke(app, ["mc", "clemm2024-cpu", "-n", "300", "--seed", "1",
                                   "--vary", "usage", "--format", "json"])
    assert out.exit_code == 0, out.output
    d = json.loads(out.output)
    assert d["vary"] == "usage"
    varied = {r["parameter"]: r for r in d["varied"]}
    assert set(varied) >= {"grid", "pue", "lifetime"}
    assert "whatif.yaml" in varied["lifetime"]["source"]
    assert not any(k.startswith("factors.") for k in varied)


def test_three_state_profile_shares_stay_valid(write_bom):
    """Only the first state's share is drawn; the others split the remainder, so every
    draw of a three-state profile sums to 1 (no refused scenario)."""
    text = """\
name: three states
kind: gpu
lifetime: 3 years
embodied: {method: clemm2024}
usage:
  grid: 0.3 kgCO2e/kWh
  profile:
    - {share: 0.5, power: 300 W}
    - {share: 0.3, power: 200 W}
    - {share: 0.2, power: 50 W}
components:
  - {name: gpu, type: logic, role: accelerator, area: 8 cm^2}
"""
    mc = monte_carlo(write_bom(text), 2000, seed=4, vary="usage")
    assert "profile.1.share" not in mc.distributions
    assert mc.samples["profile.0.share"].between(0.25, 0.75).all()
    assert (mc.samples.mean_power_w > 0).all()
