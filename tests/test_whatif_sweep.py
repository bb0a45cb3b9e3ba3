"""lca.sweep: one code path with lca.assess, linearity in grid, 1/lifetime, chunking."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lca
from lca.embodied import METHODS
from lca.errors import ParameterError
from lca.whatif import iter_sweep, sweep

ENERGY_CPU = 4084.35          # kWh/a, clemm2024-cpu (0.75 x 555 W + 0.25 x 200 W) x 8,760 h
EMBODIED_CPU = 1176.804       # kgCO2e, the rows of Clemm et al. 2024 Table I


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def assert_rows_equal_assess(bom, frame, axis_names):
    for i, row in frame.iterrows():
        over = {}
        for name in axis_names:
            # a factor of one method applies to that method's rows only (lca.sweep docs)
            if name.startswith("factors.") and "method" in axis_names and \
                    not name.startswith(f"factors.{row['method']}."):
                continue
            over[name] = row[name]
        a = lca.assess(bom, **over)
        for key, value in a.row.items():
            assert same(value, float(row[key])), (bom, over, key, value, row[key])


AXES = {
    "grid": st.lists(st.floats(0, 1.5), min_size=1, max_size=3),
    "lifetime": st.lists(st.floats(0.5, 12), min_size=1, max_size=3),
    "pue": st.lists(st.floats(1, 2.5), min_size=1, max_size=2),
    "profile.0.share": st.lists(st.floats(0, 1), min_size=1, max_size=3),
    "profile.0.power": st.lists(st.floats(0, 20000), min_size=1, max_size=2),
    "region": st.lists(st.sampled_from(["DE", "FR", "US", "renewable-clemm2024", "NO"]),
                       min_size=1, max_size=3, unique=True),
    "factors.clemm2024.dram_die": st.lists(st.floats(0.5, 3), min_size=1, max_size=2),
    "method": st.just(list(METHODS)),
}


@st.composite
def sweeps(draw):
    bom = draw(st.sampled_from(["clemm2024-cpu", "dgx-h100", "tpu-v5e-host", "hgx-a100-bloom"]))
    names = draw(st.lists(st.sampled_from(sorted(AXES)), min_size=1, max_size=4, unique=True))
    if "region" in names and "grid" in names:
        names.remove("grid")
    axes = {n: draw(AXES[n]) for n in names}
    if "factors.clemm2024.dram_die" in axes and "method" not in axes and bom != "clemm2024-cpu":
        axes["method"] = ["clemm2024"]   # the other shipped BOMs use the composite default
    if bom == "dgx-h100" and "components.dram.dies" not in axes and draw(st.booleans()):
        axes["components.host dram.dies"] = draw(st.lists(st.integers(1, 80), min_size=1, max_size=2))
    return bom, axes


@settings(max_examples=40, deadline=None)
@given(case=sweeps())
def test_every_sweep_row_equals_assess(case):
    """Property: a sweep row equals lca.assess with the same overrides, exactly."""
    bom, axes = case
    frame = sweep(bom, **axes)
    assert len(frame) == int(np.prod([len(v) for v in axes.values()]))
    assert_rows_equal_assess(bom, frame, list(axes))


def test_columns_are_axes_then_assess_keys():
    frame = sweep("clemm2024-cpu", region=["DE", "FR"], lifetime=[3, 5])
    assert list(frame.columns[:3]) == ["region", "grid", "lifetime"]
    assert list(frame.region) == ["DE", "DE", "FR", "FR"]
    keys = lca.assess("clemm2024-cpu").to_dict()
    for col in frame.columns[3:]:
        head = col.split(".", 1)[0]
        assert head in keys, col
    assert "embodied_by_component_kgco2e.dram" in frame.columns


def test_sweep_is_linear_in_grid():
    """Operational per year = energy x grid: a straight line through 0 with slope 4,084.35
    kWh/a (hand-checked: (0.75 x 555 + 0.25 x 200) W x 8,760 h)."""
    grid = np.linspace(0, 1.2, 25)
    frame = sweep("clemm2024-cpu", grid=grid)
    total = frame.total_kgco2e_per_year.to_numpy()
    slope = np.diff(total) / np.diff(grid)
    assert slope == pytest.approx(np.full(len(slope), ENERGY_CPU), rel=1e-9)
    assert frame.operational_kgco2e_per_year.iloc[0] == 0.0
    assert frame.embodied_kgco2e_per_year.nunique() == 1


def test_embodied_per_year_falls_as_one_over_lifetime():
    life = np.array([1, 2, 3, 4, 5, 6, 8, 10.5])
    frame = sweep("clemm2024-cpu", lifetime=life)
    per_year = frame.embodied_kgco2e_per_year.to_numpy()
    assert per_year * life == pytest.approx(np.full(len(life), EMBODIED_CPU), rel=1e-12)
    assert frame.operational_kgco2e_per_year.nunique() == 1


def test_values_with_units_are_converted_as_assess_does():
    a = sweep("clemm2024-cpu", grid=["50 gCO2e/kWh", "0.4 kgCO2e/kWh"], lifetime=["36 months"])
    b = sweep("clemm2024-cpu", grid=[0.05, 0.4], lifetime=[3])
    pd.testing.assert_frame_equal(a, b)
    q = sweep("clemm2024-cpu", **{"components.dram.die_area": lca.ureg.Quantity([60, 30], "mm^2")})
    assert q["components.dram.die_area"].tolist() == pytest.approx([0.6, 0.3])
    assert q["embodied_by_component_kgco2e.dram"].tolist() == pytest.approx([1105.92, 552.96])
    one = lca.assess("clemm2024-cpu", grid="50 gCO2e/kWh").row["total_kgco2e_per_year"]
    assert sweep("clemm2024-cpu", grid=["50 gCO2e/kWh"]).total_kgco2e_per_year.iloc[0] == one


def test_two_state_profile_share_takes_remainder():
    """Varying profile.0.share of a two-state profile sets profile.1.share = 1 - it:
    mean power at 0.5 is 0.5 x 555 + 0.5 x 200 = 377.5 W (hand-checked)."""
    frame = sweep("clemm2024-cpu", **{"profile.0.share": [0.5, 1.0, 0.0]})
    assert frame.mean_power_w.tolist() == pytest.approx([377.5, 555.0, 200.0], rel=1e-12)
    with pytest.raises(ParameterError, match="profile.0.share: expected at least 0 and at most 1"):
        sweep("clemm2024-cpu", **{"profile.0.share": [1.2]})
    with pytest.raises(ParameterError, match="sum to 1"):
        sweep("clemm2024-cpu", scenarios=pd.DataFrame({"profile.0.share": [0.5],
                                                      "profile.1.share": [0.2]}))


def test_scenarios_table_equals_cartesian_rows():
    cart = sweep("dgx-h100", grid=[0.1, 0.4], lifetime=[4, 6], pue=[1.1, 1.3])
    table = cart[["grid", "lifetime", "pue"]].iloc[::-1].reset_index(drop=True)
    rows = sweep("dgx-h100", scenarios=table)
    expected = cart.iloc[::-1].reset_index(drop=True)
    pd.testing.assert_frame_equal(rows, expected)
    regions = sweep("clemm2024-cpu", scenarios=pd.DataFrame({"region": ["FR", "DE", "FR"]}))
    assert regions.region.tolist() == ["FR", "DE", "FR"]
    assert_rows_equal_assess("clemm2024-cpu", regions, ["region"])


def test_chunks_and_streaming_to_csv_hold_the_same_rows(tmp_path):
    axes = {"grid": np.linspace(0.1, 0.7, 7), "lifetime": [3, 4, 5], "region": None}
    axes.pop("region")
    whole = sweep("dgx-h100", **axes)
    parts = list(iter_sweep("dgx-h100", chunk_size=4, **axes))
    assert [len(p) for p in parts] == [4, 4, 4, 4, 4, 1]
    pd.testing.assert_frame_equal(pd.concat(parts), whole, check_frame_type=False)
    path = sweep("dgx-h100", out=tmp_path / "s.csv", chunk_size=5, **axes)
    back = pd.read_csv(path)
    assert list(back.columns) == list(whole.columns)
    np.testing.assert_allclose(back.to_numpy(float), whole.to_numpy(float), rtol=1e-15,
                               equal_nan=True)
    assert [p.name for p in tmp_path.iterdir()] == ["s.csv"]   # no temporary file left


def test_columns_keeps_axes_and_chosen_results():
    frame = sweep("clemm2024-cpu", grid=[0.1, 0.2], columns=["total_kgco2e_per_year"])
    assert list(frame.columns) == ["grid", "total_kgco2e_per_year"]
    with pytest.raises(ParameterError, match="unknown column"):
        sweep("clemm2024-cpu", grid=[0.1], columns=["nope"])


def test_method_axis_equals_assess_per_method():
    frame = sweep("clemm2024-gpu", method=list(METHODS), lifetime=[3, 6])
    assert frame.method.tolist() == [m for m in METHODS for _ in (3, 6)]
    assert_rows_equal_assess("clemm2024-gpu", frame, ["method", "lifetime"])


def test_sweep_errors_are_typed():
    with pytest.raises(ParameterError, match="unknown parameter"):
        sweep("clemm2024-cpu", nonsense=[1, 2])
    with pytest.raises(ParameterError, match="grid or region"):
        sweep("clemm2024-cpu", grid=[0.1], region=["DE"])
    with pytest.raises(ParameterError, match="pue"):
        sweep("clemm2024-cpu", pue=[0.9])
    with pytest.raises(ParameterError, match="expected a quantity in kgCO2e/kWh"):
        sweep("clemm2024-cpu", grid=["5 W"])
    with pytest.raises(lca.UnknownRegionError):
        sweep("clemm2024-cpu", region=["XX-nowhere"])
    with pytest.raises(ParameterError, match="no values"):
        sweep("clemm2024-cpu", grid=[])


CURVE_BOM = """\
name: curve
kind: cpu
lifetime: 4 years
usage:
  grid: 0.5 kgCO2e/kWh
  utilization: 0.5
  idle_power: 100 W
  max_power: 300 W
components:
  - {name: cpu, type: logic, role: processor, area: 1 cm^2}
"""


def test_power_curve_bom_utilization_axis(write_bom):
    """Linear power curve: 100 W + (300 - 100) W x u; at u = 0.25, 150 W, i.e.
    150 x 8,760 / 1,000 = 1,314 kWh/a (hand-checked)."""
    path = write_bom(CURVE_BOM)
    frame = sweep(path, utilization=[0.0, 0.25, 1.0], max_power=["0.3 kW", "400 W"])
    assert_rows_equal_assess(path, frame, ["utilization", "max_power"])
    assert frame.energy_kwh_per_year.iloc[2] == pytest.approx(1314.0, rel=1e-12)
    t = lca.sensitivity(path)
    assert {"utilization", "idle_power", "max_power", "grid"} <= set(t.parameter)
    with pytest.raises(ParameterError, match="utilization"):
        sweep(path, utilization=[1.5])


def test_method_axis_applies_each_factor_to_its_own_method(monkeypatch):
    """Two methods side by side (a tiny hand-solvable method registered for the test):
    a factor axis of one method applies to that method's rows only."""
    import types

    from lca.data import Figure
    from lca.model import ComponentTerm

    fake = types.ModuleType("lca_test_fake_method")
    fake.options = lambda bom: {}
    fake.factor_parameters = lambda options: {
        "factors.fake.k": Figure(2.0, "kgCO2e/cm^2", "test fixture", min=1.0, max=3.0)}

    def term(spec, options):
        if spec.type == "logic":
            a, n = spec.key("area"), spec.key("count")
            return ComponentTerm(lambda P: P[n] * P[a] * P["factors.fake.k"],
                                 factor_keys=("factors.fake.k",))
        return ComponentTerm(None, reason="fake covers logic only")

    fake.term = term
    monkeypatch.setitem(__import__("sys").modules, "lca_test_fake_method", fake)
    monkeypatch.setitem(METHODS, "fake", "lca_test_fake_method")
    axes = {"method": ["clemm2024", "fake"], "factors.clemm2024.processor_die": [3.0, 4.0],
            "factors.fake.k": [2.0, 5.0]}
    frame = sweep("clemm2024-cpu", **axes)
    assert len(frame) == 8
    assert_rows_equal_assess("clemm2024-cpu", frame, list(axes))
    fake_rows = frame[frame.method == "fake"]
    # cpu 8.12 cm^2 + other ICs 6 cm^2 = 14.12 cm^2 of logic at k; DRAM and board uncovered
    assert fake_rows.embodied_kgco2e.tolist() == pytest.approx([28.24, 70.6, 28.24, 70.6])
    assert fake_rows["embodied_by_component_kgco2e.dram"].isna().all()
    mc = lca.monte_carlo("clemm2024-cpu", 2000, seed=1, method="fake")
    assert list(mc.samples.columns[:1]) == ["factors.fake.k"]


def test_rows_across_sub_block_and_chunk_boundaries_equal_assess():
    """The engine evaluates cache-sized sub-blocks (lca.whatif.common.SUB_BLOCK rows)
    inside each chunk; rows on both sides of every boundary equal assess."""
    from lca.whatif.common import SUB_BLOCK
    axes = {"grid": np.linspace(0.0, 1.0, 101), "lifetime": np.linspace(2, 8, 200),
            "factors.clemm2024.dram_die": [1.2, 1.8]}
    whole = sweep("clemm2024-cpu", **axes)
    assert len(whole) == 101 * 200 * 2 > 2 * SUB_BLOCK
    chunked = pd.concat(iter_sweep("clemm2024-cpu", chunk_size=10_007, **axes))
    pd.testing.assert_frame_equal(chunked, whole, check_frame_type=False)
    for i in (0, SUB_BLOCK - 1, SUB_BLOCK, 2 * SUB_BLOCK, 10_006, 10_007, len(whole) - 1):
        row = whole.iloc[i]
        a = lca.assess("clemm2024-cpu", **{k: row[k] for k in axes}).row
        assert all(same(a[k], float(row[k])) for k in a), i   # NaN: not covered in both


def test_interrupted_stream_leaves_no_file(tmp_path, monkeypatch):
    """A sweep streamed to CSV that fails midway (here: the second chunk raises) leaves
    neither the target nor a temporary file behind, and an older file at the target is
    kept as it was (the write is atomic: lca.io.write_atomic)."""
    from lca.whatif import sweeps

    target = tmp_path / "s.csv"
    target.write_text("old\n")
    real = sweeps._Sweep.chunks

    def failing(self, *args, **kwargs):
        for i, frame in enumerate(real(self, *args, **kwargs)):
            if i == 1:
                raise KeyboardInterrupt
            yield frame

    monkeypatch.setattr(sweeps._Sweep, "chunks", failing)
    with pytest.raises(KeyboardInterrupt):
        sweep("clemm2024-cpu", out=target, chunk_size=2, grid=[0.1, 0.2, 0.3, 0.4],
              force=True)
    assert [p.name for p in tmp_path.iterdir()] == ["s.csv"]
    assert target.read_text() == "old\n"


@pytest.mark.parametrize("bom, axes", [
    ("clemm2024-cpu", {"grid": [0.05, 0.4, 0.8], "lifetime": [3.0, 5.0],
                       "profile.0.share": [0.2, 0.6], "wue": [0.0, 1.8]}),
    ("dgx-h100", {"region": ["DE", "FR", "IN"], "pue": [1.1, 1.5],
                  "factors.infrastructure.per_kw_year": [50.0, 150.0], "lifetime": [4.0, 6.0]}),
    ("tpu-v5e-host", {"profile.0.power": [500.0, 900.0], "grid": [0.1, 0.3],
                      "components.host dram.capacity": [256.0, 512.0]}),
])
def test_broadcast_slabs_equal_rows_evaluated_one_by_one(bom, axes):
    """A cartesian sweep is evaluated on broadcast axes, each column written once
    (lca.whatif.sweeps._Sweep._fill_slab); a sweep over methods goes row by row (one
    model per method). The same scenarios agree bit for bit both ways, and in chunks
    whose edges cut the inner grid (head and tail rows go row by row)."""
    method = lca.load_bom(bom).embodied.method
    broadcast = sweep(bom, **axes)
    rows = sweep(bom, method=[method], **axes).drop(columns="method")
    pd.testing.assert_frame_equal(pd.DataFrame(broadcast), pd.DataFrame(rows),
                                  check_exact=True, check_frame_type=False)
    cut = pd.concat(iter_sweep(bom, chunk_size=5, **axes))
    pd.testing.assert_frame_equal(pd.DataFrame(cut), pd.DataFrame(broadcast),
                                  check_exact=True, check_frame_type=False)


def test_slab_split_picks_the_longest_inner_grid_that_fits(monkeypatch):
    """The inner grid is the smallest suffix of axes that fits in SLAB_ROWS rows; the
    axes before it advance once per inner grid (hand-checked on a 3 x 4 x 5 design)."""
    from lca.whatif import sweeps as sw

    monkeypatch.setattr(sw, "SLAB_ROWS", 20)
    design = sw._cartesian(lca.model.compile_bom(lca.load_bom("clemm2024-cpu")),
                           {"grid": [0.1, 0.2, 0.3], "pue": [1.0, 1.1, 1.2, 1.3],
                            "lifetime": [1.0, 2.0, 3.0, 4.0, 5.0]})
    assert design.slab_split() == (1, 20)
    shape, num, _ = design.slab(1, 1, 2)   # outer positions 1 and 2: grid 0.2 and 0.3
    assert shape == (2, 4, 5)
    assert num["grid"].ravel().tolist() == [0.2, 0.3] and num["grid"].shape == (2, 1, 1)
    assert num["pue"].shape == (1, 4, 1) and num["lifetime"].shape == (1, 1, 5)
    monkeypatch.setattr(sw, "SLAB_ROWS", 4)
    assert design.slab_split() == (3, 1)   # no axis fits: every axis is outer
