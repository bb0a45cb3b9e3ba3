"""BLOOM (Luccioni, Viguier, Ligozat 2023, JMLR 24(253)): the training run's dynamic
emissions and its embodied share, from data/workloads/luccioni2023.yaml.

Hand check: 1,082,990 GPU-h x 400 W = 433.2 MWh x 57 gCO2e/kWh = 24.69 t (published
24.7 t). Embodied: 384 x (150 + 2,500 / 8) kg = 177.6 t, times 2,820 h per GPU / (6 x
8,760 h x 0.85) = 0.0631: 11.21 t (published 11.2 t). The same allocation
(time / (lifetime x utilization)) is lca's; tolerance 1 % (the published figures have three
significant digits).
"""

from __future__ import annotations

import pytest

import lca
from lca import data

RUN = data.load_yaml("workloads/luccioni2023.yaml")["run"]


def q(node: dict, unit: str) -> float:
    """A figure of the data file in ``unit``."""
    return data.figure(node).to(unit).value


def bloom(**extra):
    hours = q(RUN["gpu_hours"], "h") / q(RUN["gpus"], "")
    return lca.train(device=RUN["device"], count=q(RUN["gpus"], ""), days=hours / 24,
                     power=q(RUN["power_per_gpu"], "W"), pue=q(RUN["pue"], ""),
                     grid=q(RUN["grid"], "kgCO2e/kWh"), lifetime=q(RUN["lifetime"], "year"),
                     utilization=q(RUN["utilization"], ""), **extra)


def test_bloom_dynamic_emissions_within_1pct():
    r = bloom()
    assert float(r.energy_mwh[0]) == pytest.approx(433.196, rel=1e-6)
    assert float(r.operational_tco2e[0]) == pytest.approx(q(RUN["dynamic_emissions"], "tCO2e"),
                                                          rel=0.01)


def test_bloom_embodied_share_with_the_studys_figures_within_1pct():
    per_gpu = (q(RUN["embodied_per_gpu"], "kgCO2e")
               + q(RUN["embodied_per_server"], "kgCO2e") / q(RUN["gpus_per_server"], ""))
    r = bloom(embodied=per_gpu)
    assert float(r.embodied_tco2e[0]) == pytest.approx(q(RUN["embodied_emissions"], "tCO2e"),
                                                       rel=0.01)


def test_bloom_embodied_from_die_specs_is_of_the_same_order():
    """lca's own A100 module (clemm2024, from die specs) plus the shipped BLOOM server's
    host share lands within 15 % of the study's 11.2 t (it uses 150 kg per GPU where the
    die-spec module gives about 119 kg)."""
    r = bloom()
    assert float(r.embodied_tco2e[0]) == pytest.approx(q(RUN["embodied_emissions"], "tCO2e"),
                                                       rel=0.15)
