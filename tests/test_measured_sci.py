"""SCI (Software Carbon Intensity, ISO/IEC 21031:2024): SCI = (E x I + M) per R.

The SCI-for-AI draft's four worked examples, with their CORRECT values. Three of the
draft's printed results are off by a factor of 1,000 (it prints 0.13 g per million tokens
for the first, where 6,500 kgCO2e / 50e9 tokens x 1e6 = 130 g; likewise 4 g per 1e18 FLOP
and 30 kg per billion parameters); lca's units give the values below, computed by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

import lca
from lca.measured import sci


@pytest.mark.parametrize("carbon, count, per, expected_g", [
    # 6,500 kgCO2e over 50 billion tokens, per million tokens: 6.5e6 g / 5e4 = 130 g
    ("6500 kgCO2e", 50e9, 1e6, 130.0),
    # 200 tCO2e over 5e22 FLOP, per 1e18 FLOP: 2e8 g / 5e4 = 4,000 g
    ("200 tCO2e", 5e22, 1e18, 4000.0),
    # 75 tCO2e over 2.5e9 parameters, per billion parameters: 7.5e7 g / 2.5 = 3e7 g = 30,000 kg
    ("75 tCO2e", 2.5e9, 1e9, 30_000_000.0),
    # 3,200 kgCO2e over 40 million inferences, per inference: 3.2e6 g / 4e7 = 0.08 g
    ("3200 kgCO2e", 40e6, 1.0, 0.08),
])
def test_sci_for_ai_worked_examples_correct_values(carbon, count, per, expected_g):
    got = sci.carbon_per_unit(carbon, count, per)
    assert got.to("gCO2e").magnitude == pytest.approx(expected_g, rel=1e-12)


def test_worked_example_in_kilograms_and_not_the_drafts_misprint():
    per_billion = sci.carbon_per_unit("75 tCO2e", 2.5e9, 1e9)
    assert per_billion.to("kgCO2e").magnitude == pytest.approx(30_000.0)
    # the draft prints 0.13 g per million tokens for the first example: 1,000 x too small
    assert sci.carbon_per_unit("6500 kgCO2e", 50e9, 1e6).magnitude == pytest.approx(0.13 * 1000)


def test_sci_formula():
    # E = 2 kWh, I = 400 g/kWh, M = 200 g, R = 1,000 requests -> (800 + 200) / 1000 = 1 g
    assert sci.sci(2.0, 400.0, 200.0, 1000.0) == pytest.approx(1.0)
    assert np.allclose(sci.sci([1, 2], [100, 100], [0, 100], [1, 3]), [100.0, 100.0])


def _hardware_per_year_g(a):
    lc = a.lifecycle
    return float(lc.total("gwp")[0] - lc.stage("gwp", "use")[0]) / a.lifetime.magnitude * 1000


def test_sci_of_an_assessment_by_hand():
    a = lca.assess("dgx-h100")              # functional unit: sustained FLOP/s -> exaFLOP
    s = sci.for_assessment(a)
    assert s.unit == "exaFLOP"
    assert s.energy_kwh[0] == pytest.approx(a.energy_per_year.magnitude)
    assert s.intensity_g_per_kwh[0] == pytest.approx(400.0)
    # M: manufacturing, transport, end of life and infrastructure per year (all but use)
    assert s.embodied_g[0] == pytest.approx(_hardware_per_year_g(a), rel=1e-12)
    eflop_per_year = 3166.4e12 * 8760 * 3600 / 1e18
    by_hand = (a.energy_per_year.magnitude * 400.0 + _hardware_per_year_g(a)) / eflop_per_year
    assert s.score[0] == pytest.approx(by_hand, rel=1e-9)
    # with manufacturing alone in the boundary, it is the assessment's own per-unit total
    m = lca.assess("dgx-h100", stages=["manufacturing", "use"])
    assert sci.for_assessment(m).score[0] == pytest.approx(
        m.per_functional_unit["total_gco2e"].magnitude, rel=1e-9)
    b = lca.assess("clemm2024-cpu")         # no functional unit: per hour
    hour = sci.for_assessment(b)
    assert hour.unit == "hour"
    assert hour.score[0] == pytest.approx(
        (b.operational_per_year.magnitude * 1000 + _hardware_per_year_g(b)) / 8760, rel=1e-9)
    d = hour.to_dict()
    assert d["formula"] == "SCI = (E x I + M) per R" and d["boundary"]
    assert set(d["scores"][0]) == {"label", "E_kwh", "I_gco2e_per_kwh", "M_gco2e", "R",
                                   "sci_gco2e_per_unit"}


def test_sci_of_a_training_run_per_1000_training_tokens():
    r = lca.train(device="h100-sxm5", count=8, params=7e9, tokens=1e11, efficiency=0.4)
    s = sci.for_workload(r)
    total_g = (r.columns["operational_tco2e"][0] + r.columns["embodied_tco2e"][0]) * 1e6
    assert s.unit == "1,000 training tokens"
    assert s.score[0] == pytest.approx(total_g / (1e11 / 1000), rel=1e-9)


def test_sci_of_an_inference_service_per_1000_tokens():
    r = lca.infer(device="h100-sxm5", params=7e9)
    s = sci.for_workload(r)
    assert s.score[0] == pytest.approx(r.columns["gco2e_per_token"][0] * 1000, rel=1e-9)
