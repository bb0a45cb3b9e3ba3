"""The composite default method: complete coverage of every shipped BOM, hand-checked
terms, coverage errors with the way out, and clemm2024 unchanged."""

import math

import pytest

import lca
from lca import data
from lca.embodied import DEFAULT_METHOD, composite
from lca.errors import CoverageError
from conftest import BOM_HEADER



def test_composite_is_the_default():
    assert DEFAULT_METHOD == "composite"
    assert lca.load_bom("dgx-h100").embodied.method == "composite"


@pytest.mark.parametrize("name", data.server_names())
def test_every_shipped_bom_fully_covered_by_the_default_method(name):
    a = lca.assess(name, method="composite")
    assert a.uncovered == {}
    parts = [v.magnitude for v in a.embodied_by_component.values()]
    assert all(math.isfinite(v) and v >= 0 for v in parts)
    assert sum(parts) == pytest.approx(a.embodied.magnitude, rel=1e-12)
    r = a.embodied_range
    assert r["low"].magnitude <= a.embodied.magnitude <= r["high"].magnitude


def test_study_boms_keep_clemm2024():
    for name in ("clemm2024-cpu", "clemm2024-gpu"):
        assert lca.load_bom(name).embodied.method == "clemm2024"
        assert lca.assess(name).method == "clemm2024"


def test_hand_checked_terms(write_bom):
    """HBM: 80 GB x 0.853 = 68.24; SSD: 1,000 GB x 0.04008 + 6.34 = 46.42; HDD: 31.11;
    DDR4: 2 GB / 1.24436 GB/cm^2 x 2.2 + 1 x 5.22 = 8.7559; PCB 100 cm^2, 8 layers:
    100 x 0.06 x 8/16 = 3.0; PSU 2 kg x 24.3 = 48.6; heatsink 1 kg x 5.7412; steel chassis
    10 kg x 1.89 = 18.9 kgCO2e (data/factors/composite.yaml choices)."""
    text = BOM_HEADER + """\
  - {name: hbm, type: memory, technology: hbm3, capacity: 80 GB}
  - {name: base, type: logic, role: other, area: 1 cm^2, part_of: hbm}
  - {name: ssd, type: storage, technology: ssd, capacity: 1 TB}
  - {name: hdd, type: storage, technology: hdd, capacity: 8 TB}
  - {name: dimm, type: memory, technology: ddr4, capacity: 2 GB}
  - {name: board, type: pcb, area: 100 cm^2, layers: 8}
  - {name: psu, type: item, category: psu, mass: 2 kg}
  - {name: sink, type: item, category: heatsink, mass: 1 kg}
  - {name: case, type: item, category: chassis, mass: 10 kg, material: steel}
"""
    c = {k: v.magnitude for k, v in lca.assess(write_bom(text)).embodied_by_component.items()}
    assert c["hbm"] == pytest.approx(68.24)
    assert c["base"] == 0.0
    assert c["ssd"] == pytest.approx(1000 * 0.04008 + 6.34)
    assert c["hdd"] == pytest.approx(31.11)
    assert c["dimm"] == pytest.approx(2 / 1.24436 * 2.2 + 5.22)
    assert c["board"] == pytest.approx(3.0)
    assert c["psu"] == pytest.approx(48.6)
    assert c["sink"] == pytest.approx(5.7412)
    assert c["case"] == pytest.approx(18.9)


def test_logic_is_act(write_bom):
    """A 1 cm^2 14 nm die with one package equals act2022's term for it."""
    text = BOM_HEADER + "  - {name: cpu, type: logic, role: processor, area: 1 cm^2, node: 14nm}\n"
    bom = write_bom(text)
    assert lca.assess(bom).embodied.magnitude == pytest.approx(
        lca.assess(bom, method="act2022").embodied.magnitude, rel=1e-12)


def test_a_part_it_cannot_cost_is_an_error_with_the_way_out(write_bom):
    text = BOM_HEADER + "  - {name: hbm, type: memory, technology: hbm3, dies: 8, die_area: 1 cm^2}\n"
    with pytest.raises(CoverageError, match=r"components.hbm: .*give capacity"):
        lca.assess(write_bom(text))
    text = BOM_HEADER + "  - {name: fan, type: item, category: fan, factor: 2 kgCO2e/kg}\n"
    with pytest.raises(CoverageError, match="give mass"):
        lca.assess(write_bom(text))


def test_part_of_must_name_another_component(write_bom):
    text = BOM_HEADER + "  - {name: base, type: logic, area: 1 cm^2, part_of: nothing}\n"
    with pytest.raises(lca.errors.BomError, match="part_of"):
        lca.load_bom(write_bom(text))


def test_factors_keep_their_source_names():
    """Sweeps vary the published figure itself: ACT's, Boavizta's and clemm2024's keys."""
    compiled = lca.model.compile_bom(lca.load_bom("dgx-h100"))
    keys = set(composite.factor_parameters(compiled.options))
    assert {"factors.composite.hbm.per_gb", "factors.boavizta.ram.die",
            "factors.clemm2024.pcb", "factors.act2022.logic.5nm.epa"} <= keys
    a = lca.assess("dgx-h100", **{"factors.composite.hbm.per_gb": 1.0})
    assert a.embodied_by_component["hbm3"].magnitude == pytest.approx(640.0)
