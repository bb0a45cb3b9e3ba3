"""Invariants of the model (hypothesis): sums, units, amortisation, monotonicity, linearity."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lca

BASE = lca.assess("clemm2024-cpu")
positive = st.floats(min_value=1e-3, max_value=1e4, allow_nan=False, allow_infinity=False)


def total(**over):
    return lca.assess("clemm2024-cpu", **over).to_dict()


@settings(max_examples=40, deadline=None)
@given(lifetime=st.floats(0.5, 20), grid=st.floats(0, 2), pue=st.floats(1, 3))
def test_components_sum_and_lifetime_identity(lifetime, grid, pue):
    d = total(lifetime=lifetime, grid=grid, pue=pue)
    assert sum(d["embodied_by_component_kgco2e"].values()) == pytest.approx(d["embodied_kgco2e"], rel=1e-12)
    assert d["total_kgco2e_per_year"] * lifetime == pytest.approx(d["lifetime_kgco2e"], rel=1e-12)
    assert d["embodied_kgco2e_per_year"] + d["operational_kgco2e_per_year"] == pytest.approx(
        d["total_kgco2e_per_year"], rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(a=positive, b=positive)
def test_monotone_in_area(a, b):
    lo, hi = sorted((a, b))
    assert total(**{"components.cpu.area": lo})["embodied_kgco2e"] <= total(
        **{"components.cpu.area": hi})["embodied_kgco2e"]


@settings(max_examples=40, deadline=None)
@given(a=st.floats(0, 5000), b=st.floats(0, 5000))
def test_monotone_in_power(a, b):
    lo, hi = sorted((a, b))
    assert total(**{"profile.0.power": lo})["total_kgco2e_per_year"] <= total(
        **{"profile.0.power": hi})["total_kgco2e_per_year"]


@settings(max_examples=40, deadline=None)
@given(a=st.floats(0, 2), b=st.floats(0, 2))
def test_monotone_in_grid(a, b):
    lo, hi = sorted((a, b))
    assert total(grid=lo)["total_kgco2e_per_year"] <= total(grid=hi)["total_kgco2e_per_year"]


@settings(max_examples=40, deadline=None)
@given(a=st.floats(1, 3), b=st.floats(1, 3))
def test_monotone_in_pue(a, b):
    lo, hi = sorted((a, b))
    assert total(pue=lo)["total_kgco2e_per_year"] <= total(pue=hi)["total_kgco2e_per_year"]


@settings(max_examples=30, deadline=None)
@given(k=st.integers(1, 64))
def test_linear_in_counts(k):
    one = total()["embodied_by_component_kgco2e"]["cpu"]
    many = total(**{"components.cpu.count": k})["embodied_by_component_kgco2e"]["cpu"]
    assert many == pytest.approx(k * one, rel=1e-12)


def test_operational_linear_in_grid():
    a, b, c = (total(grid=g)["operational_kgco2e_per_year"] for g in (0.1, 0.2, 0.4))
    assert b == pytest.approx(2 * a) and c == pytest.approx(4 * a)
