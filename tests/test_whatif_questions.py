"""Break-even grid intensity, the refresh (optimal lifetime) question and interventions,
checked against brute-force sweeps of the same engine (to 1 %) and hand-solved figures."""

import math

import numpy as np
import pytest

import lca
from lca.errors import ParameterError
from lca.whatif import (break_even_grid, break_even_lifetime, interventions, lambert_w0,
                        optimal_lifetime, refresh_footprint, sweep)

EMBODIED_CPU = 1176.804        # kgCO2e, Clemm et al. 2024 Table I rows
ENERGY_CPU = 4084.35           # kWh/a


def test_break_even_grid_hand_solved_and_brute_force():
    """Hand-solved: 1,176.804 / 5 / 4,084.35 = 0.057625 kgCO2e/kWh, just above the study's
    renewable 0.05 (where it notes operational 204 < embodied about 240)."""
    g = break_even_grid("clemm2024-cpu")
    assert g.to("kgCO2e/kWh").magnitude == pytest.approx(EMBODIED_CPU / 5 / ENERGY_CPU, rel=1e-12)
    for bom in ("clemm2024-cpu", "dgx-h100", "tpu-v6e-host"):
        value = break_even_grid(bom).magnitude
        grid = np.linspace(0, 4 * value, 40001)
        frame = sweep(bom, grid=grid)
        gap = np.abs(frame.operational_kgco2e_per_year - frame.embodied_kgco2e_per_year)
        brute = grid[int(np.argmin(gap.to_numpy()))]
        assert brute == pytest.approx(value, rel=0.01)
        at = lca.assess(bom, grid=value).row
        assert at["operational_kgco2e_per_year"] == pytest.approx(at["embodied_kgco2e_per_year"],
                                                                 rel=1e-12)
    assert break_even_grid("clemm2024-cpu", lifetime=3).magnitude == pytest.approx(
        EMBODIED_CPU / 3 / ENERGY_CPU, rel=1e-12)


def test_lambert_w0_known_values():
    # omega constant W0(1) = 0.5671432904097838...; W0(e) = 1; W0(-1/e) = -1; W0(0) = 0
    w = lambert_w0([1.0, math.e, -1 / math.e, 0.0, 1e6, -0.2])
    assert w[:4] == pytest.approx([0.5671432904097838, 1.0, -1.0, 0.0], abs=1e-7)
    x = np.array([1e6, -0.2])
    assert w[4:] * np.exp(w[4:]) == pytest.approx(x, rel=1e-12)


@pytest.mark.parametrize("bom,gain", [("clemm2024-cpu", 0.15), ("clemm2024-cpu", 0.05),
                                      ("dgx-h100", 0.2), ("hgx-a100-bloom", 0.1)])
def test_optimal_lifetime_agrees_with_brute_force_sweep(bom, gain):
    """Brute force: sweep the lifetime on a fine grid with the engine (embodied per year
    E/L), add the mean operational of an ageing server computed by numerical averaging of
    (1-g)^-a over its ages (not the closed form), and take the minimum."""
    r = optimal_lifetime(bom, efficiency_gain=gain)
    life = np.linspace(0.2, 25, 2481)
    frame = sweep(bom, lifetime=life)
    ages = np.linspace(0, 1, 801)[None, :] * life[:, None]
    ageing = np.trapezoid((1 - gain) ** -ages, ages, axis=1) / life
    footprint = frame.embodied_kgco2e_per_year.to_numpy() + \
        frame.operational_kgco2e_per_year.to_numpy() * ageing
    brute = life[int(np.argmin(footprint))]
    assert r.lifetime.to("year").magnitude == pytest.approx(brute, rel=0.01)
    assert r.total_per_year.magnitude == pytest.approx(footprint.min(), rel=0.01)


def test_optimal_lifetime_is_the_break_even_age():
    """At L*, the ageing server's operational rate O (1-g)^-L* equals the mean footprint
    F(L*) of a refresh cycle (marginal = average; derived from dF/dL = 0)."""
    r = optimal_lifetime("clemm2024-cpu", efficiency_gain=0.1)
    life = r.lifetime.magnitude
    rate = r.operational_per_year.magnitude * (1 - 0.1) ** -life
    assert rate == pytest.approx(r.total_per_year.magnitude, rel=1e-9)
    assert break_even_lifetime("clemm2024-cpu", 0.1) == r.lifetime


def test_refresh_model_limits():
    # no efficiency gain: F = E/L + O, falling forever, optimum infinite
    assert math.isinf(optimal_lifetime("clemm2024-cpu", 0.0).lifetime.magnitude)
    assert refresh_footprint(5.0, EMBODIED_CPU, 1633.74, 0.0) == pytest.approx(
        EMBODIED_CPU / 5 + 1633.74, rel=1e-12)
    # a larger gain shortens the optimal life; a dirtier grid does too
    assert optimal_lifetime("clemm2024-cpu", 0.3).lifetime < optimal_lifetime(
        "clemm2024-cpu", 0.1).lifetime
    assert optimal_lifetime("clemm2024-cpu", 0.1, grid=0.8).lifetime < optimal_lifetime(
        "clemm2024-cpu", 0.1, grid=0.05).lifetime
    with pytest.raises(ParameterError):
        optimal_lifetime("clemm2024-cpu", 1.5)


def test_interventions_alone_and_together():
    """Hand-checked: renewable supply (0.05) gives 204.2175 + 235.3608 = 439.5783 kgCO2e/a;
    a 6-year life gives 1,633.74 + 196.134 = 1,829.874."""
    changes = {"renewable supply": {"region": "renewable-clemm2024"},
               "PUE 1.2": {"pue": 1.2},
               "6-year life": {"lifetime": "6 years"},
               "busier": {"profile.0.share": 0.9}}
    t = interventions("clemm2024-cpu", changes)
    assert t.intervention.tolist() == ["baseline", *changes, "together"]
    by = t.set_index("intervention")
    assert by.loc["renewable supply", "total_kgco2e_per_year"] == pytest.approx(439.5783, rel=1e-12)
    assert by.loc["6-year life", "total_kgco2e_per_year"] == pytest.approx(1829.874, rel=1e-12)
    merged = {"region": "renewable-clemm2024", "pue": 1.2, "lifetime": 6, "profile.0.share": 0.9}
    expected = {"baseline": {}, **changes, "together": merged}
    for label, over in expected.items():
        row = lca.assess("clemm2024-cpu", **over).row
        for key, value in row.items():
            assert by.loc[label, key] == pytest.approx(value, rel=1e-12, nan_ok=True), (label, key)
    base = by.loc["baseline", "total_kgco2e_per_year"]
    assert (by.saving_kgco2e_per_year == base - by.total_kgco2e_per_year).all()
    assert by.loc["renewable supply", "saving_share"] == pytest.approx(1 - 439.5783 / base)


def test_interventions_errors():
    with pytest.raises(ParameterError, match="both set grid"):
        interventions("clemm2024-cpu", {"a": {"grid": 0.1}, "b": {"region": "FR"}})
    with pytest.raises(ParameterError, match="unknown parameter"):
        interventions("clemm2024-cpu", {"a": {"nope": 1}})
    with pytest.raises(ParameterError):
        interventions("clemm2024-cpu", {})
