"""Published training runs: Patterson et al. 2021 (arXiv:2104.10350) Table 4 and
LLMCarbon's (Faiz et al., ICLR 2024) predictions for T5 and GPT-3.

The figures come from data/workloads/patterson2021.yaml (a transcription of Table 4 and of
LLMCarbon's inputs, each with its source); tolerances are the issue's: 1 % for Table 4's
energy and net tCO2e, 3 % for days and MWh predicted from FLOPs and the measured TFLOP/s,
10 % for LLMCarbon-style predictions.
"""

from __future__ import annotations

import pytest

import lca
from lca import data

TABLE = data.load_yaml("workloads/patterson2021.yaml")
RUNS = TABLE["runs"]


def q(node: dict, unit: str) -> float:
    """A figure of the data file in ``unit``."""
    return data.figure(node).to(unit).value


def inputs(run: dict) -> dict:
    return dict(device=run["device"], count=q(run["chips"], ""), power=q(run["power_per_chip"], "W"),
                pue=q(run["pue"], ""), grid=q(run["grid"], "kgCO2e/kWh"))


def rel(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


@pytest.mark.parametrize("key", list(RUNS))
def test_table4_energy_from_chips_days_power_pue_within_1pct(key):
    """Energy = chips x days x 24 h x W x PUE reproduces Table 4's MWh within 1 %."""
    run = RUNS[key]
    r = lca.train(days=q(run["days"], "day"), **inputs(run))
    assert rel(float(r.energy_mwh[0]), q(run["energy"], "MWh")) < 0.01


@pytest.mark.parametrize("key", list(RUNS))
def test_table4_net_tco2e_within_1pct(key):
    """Net tCO2e = MWh x net grid intensity, within 1 % of Table 4 for all six runs. The
    run's duration is FLOPs / (chips x measured TFLOP/s), i.e. unrounded: Table 4 prints
    days to two or three digits."""
    run = RUNS[key]
    r = lca.train(flops=q(run["flops"], "FLOP"), tflops=q(run["measured_rate_per_chip"], "TFLOP/s"),
                  **inputs(run))
    assert rel(float(r.operational_tco2e[0]), q(run["net_emissions"], "tCO2e")) < 0.01


# GShard's 3.1 days is printed to two digits (3.05-3.15 days, +-1.6 %); its FLOPs and
# measured rate give 3.13 days. From the printed days its tCO2e comes out 1.6 % low, within
# that rounding; every other run is within 1 % from its printed days.
DAYS_TOLERANCE = {key: 0.01 for key in RUNS} | {"gshard-600b": 0.05 / 3.1 + 0.001}


@pytest.mark.parametrize("key", list(RUNS))
def test_table4_net_tco2e_from_printed_days(key):
    run = RUNS[key]
    r = lca.train(days=q(run["days"], "day"), **inputs(run))
    assert rel(float(r.operational_tco2e[0]), q(run["net_emissions"], "tCO2e")) < DAYS_TOLERANCE[key]


@pytest.mark.parametrize("key", list(RUNS))
def test_days_and_mwh_predicted_from_flops_and_measured_rate_within_3pct(key):
    run = RUNS[key]
    r = lca.train(flops=q(run["flops"], "FLOP"), tflops=q(run["measured_rate_per_chip"], "TFLOP/s"),
                  **inputs(run))
    assert rel(float(r.days[0]), q(run["days"], "day")) < 0.03
    assert rel(float(r.energy_mwh[0]), q(run["energy"], "MWh")) < 0.03


def test_gpt3_from_6_params_tokens_within_3pct():
    """GPT-3: 6 x 175e9 x 300e9 = 3.15e23 FLOP (Table 4: 3.14e23) at the measured 24.6
    TFLOP/s per V100: days and MWh within 3 % of Table 4."""
    run = RUNS["gpt-3"]
    r = lca.train(params=q(run["params"], ""), tokens=q(run["tokens"], ""),
                  tflops=q(run["measured_rate_per_chip"], "TFLOP/s"), **inputs(run))
    assert float(r.flops[0]) == pytest.approx(3.15e23, rel=1e-12)
    assert rel(float(r.flops[0]), q(run["flops"], "FLOP")) < 0.01
    assert rel(float(r.days[0]), q(run["days"], "day")) < 0.03
    assert rel(float(r.energy_mwh[0]), q(run["energy"], "MWh")) < 0.03


@pytest.mark.parametrize("key", ["t5", "gpt-3"])
def test_llmcarbon_prediction_within_10pct(key):
    """6 x params x tokens on chips x device peak x efficiency, LLMCarbon's inputs: the
    operational tCO2e within 10 % of the published figure (T5 46.7 t, GPT-3 552.1 t).
    Hand check, GPT-3: 3.15e23 / (1e4 x 125e12 x 0.197) = 14.81 days; 1e4 x 355.3 h x 330 W
    x 1.1 = 1,289.8 MWh; x 0.429 = 553.3 t (+0.2 %). T5: 3.96e22 FLOP, 19.67 days, 83.9 MWh,
    45.7 t (-2.1 %)."""
    run = TABLE["llmcarbon"][key]
    dev = lca.accelerator.device(run["device"])
    dtype = dev.training_dtype()
    assert dev.peak(dtype) == pytest.approx(q(run["peak_per_chip"], "FLOP/s"))
    r = lca.train(device=run["device"], count=q(run["chips"], ""), params=q(run["params"], ""),
                  tokens=q(run["tokens"], ""), efficiency=q(run["efficiency"], ""),
                  power=q(run["power_per_chip"], "W"), pue=q(run["pue"], ""),
                  grid=q(run["grid"], "kgCO2e/kWh"))
    assert rel(float(r.operational_tco2e[0]), q(run["published_emissions"], "tCO2e")) < 0.10
    expected = {"gpt-3": 553.3, "t5": 45.7}[key]
    assert float(r.operational_tco2e[0]) == pytest.approx(expected, rel=2e-3)


def test_training_is_vectorized_over_runs():
    """All six Table 4 runs in one call (arrays), equal to the one-by-one results."""
    keys = [k for k in RUNS if RUNS[k]["device"] == "tpu-v3"]
    import numpy as np

    arr = lambda f: np.array([f(RUNS[k]) for k in keys])  # noqa: E731
    r = lca.train(device="tpu-v3", count=arr(lambda r: q(r["chips"], "")),
                  days=arr(lambda r: q(r["days"], "day")),
                  power=arr(lambda r: q(r["power_per_chip"], "W")), pue=arr(lambda r: q(r["pue"], "")),
                  grid=arr(lambda r: q(r["grid"], "kgCO2e/kWh")))
    for i, k in enumerate(keys):
        one = lca.train(days=q(RUNS[k]["days"], "day"), **inputs(RUNS[k]))
        assert float(r.energy_mwh[i]) == pytest.approx(float(one.energy_mwh[0]), rel=1e-12)
