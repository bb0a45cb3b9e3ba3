"""Manufacturing (fab) water of logic dies (issue 11, item 3): TSMC's litres per wafer-mask
layer x the node's mask count / the area of a 300 mm wafer, times die area. Figures from
data/lifecycle/fab_water.yaml; the hand checks below recompute them independently."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lca
from lca import data, fab_water, registry
from lca.whatif import sweep

METHODS = ("composite", "boavizta", "act2022", "clemm2024", "llmcarbon2024")


def bom(components, **extra):
    """A hand-solvable BOM: given power, given grid, the components under test."""
    b = {"name": "fab-water", "kind": "gpu", "lifetime": "1 year",
         "usage": {"grid": "0.4 kgCO2e/kWh", "pue": 1.0,
                   "profile": [{"share": 1.0, "power": "1000 W"}]},
         "components": components}
    b.update(extra)
    return b


def die(name="gpu", node="7nm", area="8.26 cm^2", **extra):
    c = {"name": name, "type": "logic", "role": "accelerator", "node": node, "area": area}
    c.update(extra)
    return c


def water_mfg(a):
    return a.lifecycle.components("water", "manufacturing")


def test_factor_derivation_by_hand():
    """7 nm: 59 L per 12-inch wafer-mask layer x 60 masks / (pi x 15 cm^2) = 3540 / 706.858
    = 5.0081 L per cm^2 of wafer (hand-computed); 28 nm: 59 x 32.5 / 706.858 = 2.7127."""
    per_layer = data.lifecycle_figure("fab_water", "per_mask_layer")
    assert (per_layer.value, per_layer.unit) == (59.0, "L_water")
    assert data.lifecycle_figure("fab_water", "mask_layers.7nm").value == 60.0
    assert fab_water.wafer_area(300.0) == pytest.approx(706.858, rel=1e-6)
    assert fab_water.water_per_area(59.0, 60.0, 300.0) == pytest.approx(5.0081, rel=1e-4)
    assert fab_water.water_per_area(59.0, 32.5, 300.0) == pytest.approx(2.7127, rel=1e-4)


@pytest.mark.parametrize("method", METHODS)
def test_a_die_of_known_area_every_method(method):
    """An A100-sized 7 nm die (8.26 cm^2): 8.26 x 5.0081 = 41.37 L, the same under every
    embodied method (the water factor does not depend on the method costing carbon)."""
    a = lca.assess(bom([die()]), method=method)
    assert water_mfg(a)["gpu"][0] == pytest.approx(41.37, rel=1e-3)
    assert a.to_dict()["impacts"]["water"]["manufacturing"] == pytest.approx(41.37, rel=1e-3)


def test_dies_times_die_area_and_count():
    """area from dies x die_area, times count: 2 x 3 x 1 cm^2 at 28 nm = 6 x 2.7127 L."""
    a = lca.assess(bom([{"name": "chip", "type": "logic", "node": "28 nm", "count": 2,
                         "dies": 3, "die_area": "100 mm^2"}]))
    assert water_mfg(a)["chip"][0] == pytest.approx(6 * 2.7127, rel=1e-4)


def test_not_covered_where_no_factor():
    """A node without a sourced mask count (4 nm), memory and storage: NaN (null in JSON),
    never 0; with no covered part the stage is not covered."""
    parts = [die(node="4nm"),
             {"name": "hbm", "type": "memory", "technology": "hbm3", "capacity": "80 GB"},
             {"name": "ssd", "type": "storage", "technology": "ssd", "capacity": "1 TB"}]
    a = lca.assess(bom(parts), method="composite")
    mfg = water_mfg(a)
    assert all(math.isnan(mfg[k][0]) for k in ("gpu", "hbm", "ssd"))
    assert a.to_dict()["impacts"]["water"]["manufacturing"] is None
    assert set(a.lifecycle.not_covered()["water"]["manufacturing"]) == {"gpu", "hbm", "ssd"}


def test_water_is_linear_in_area_and_count_and_swept():
    """Invariant: doubling the area or the count doubles the water; a sweep over the
    factor gives the same cell as assess at each value (vectorized)."""
    base = water_mfg(lca.assess(bom([die(area="2 cm^2")])))["gpu"][0]
    assert water_mfg(lca.assess(bom([die(area="4 cm^2")])))["gpu"][0] == pytest.approx(2 * base)
    assert water_mfg(lca.assess(bom([die(area="2 cm^2", count=3)])))["gpu"][0] == pytest.approx(3 * base)
    values = [59.0, 90.0, 120.0]
    rows = sweep(bom([die(area="2 cm^2")]), {"factors.fab_water.per_mask_layer": values})
    col = "impacts.water.manufacturing"
    assert list(rows[col]) == pytest.approx([base * v / 59.0 for v in values])


@settings(max_examples=25, deadline=None)
@given(area=st.floats(0.01, 20.0), layers=st.floats(1, 200), per_layer=st.floats(0, 500))
def test_die_water_is_bilinear(area, layers, per_layer):
    """Invariant: die water = area x L/layer x layers / wafer area, linear in each."""
    w = fab_water.die_water(area, per_layer, layers, 300.0)
    assert w == pytest.approx(area * per_layer * layers / (math.pi * 15.0 ** 2), rel=1e-12, abs=1e-12)
    assert fab_water.die_water(2 * area, per_layer, layers, 300.0) == pytest.approx(2 * w, abs=1e-9)


def test_parameters_are_registered_and_bounded():
    """The factors are registry parameters with units and bounds, and sourced figures with
    ranges (Monte Carlo reads min/max)."""
    assert registry.unit("factors.fab_water.per_mask_layer") == "L_water"
    assert registry.unit("factors.fab_water.mask_layers.7nm") == "dimensionless"
    a = lca.assess(bom([die()]))
    figs = a.compiled.factor_figures
    assert figs["factors.fab_water.per_mask_layer"].max == 120.0
    assert figs["factors.fab_water.mask_layers.7nm"].max == 100.0
    with pytest.raises(lca.errors.ParameterError):
        lca.assess(bom([die()]), **{"factors.fab_water.per_mask_layer": -1.0})
