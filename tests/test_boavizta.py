"""boavizta (BoaviztAPI's bottom-up method; constants from its documentation and
Umweltbundesamt Texte 94/2021). Published checks: the docs' CPU example (812 mm^2 ->
25.1364 kgCO2e, rel 1e-9) and the effective area of an 814 mm^2 die (about 2,808 mm^2,
data/factors/boavizta.yaml: 2808.4, to the 0.1 mm^2 printed). Other figures are
hand-checked from the constants (rel 1e-9)."""

import math

import pytest

import lca
from lca.embodied import boavizta

TINY = """\
name: boavizta check
kind: gpu
lifetime: 4 years
embodied: {method: boavizta}
usage:
  grid: 0.5 kgCO2e/kWh
  profile:
    - {share: 1.0, power: 100 W}
components:
%s
"""


def run(write_bom, components):
    return lca.assess(write_bom(TINY % components))


def test_docs_cpu_example_function():
    assert boavizta.cpu_carbon(8.12, 1, 1.97, 9.14) == pytest.approx(25.1364, rel=1e-9)


def test_docs_cpu_example_through_bom(write_bom):
    a = run(write_bom, "  - {name: cpu, type: logic, role: processor, area: 812 mm^2}")
    assert a.embodied.to("kgCO2e").magnitude == pytest.approx(25.1364, rel=1e-9)


def test_effective_area_814():
    assert boavizta.effective_area(814.0, 300.0, 0.2, 0.1) == pytest.approx(2808.4, abs=0.05)


def test_effective_area_by_hand():
    # a = (sqrt(100) + 0.2)^2 = 104.04 mm^2
    a = 104.04
    n = math.pi * 150 ** 2 / a - math.pi * 300 / math.sqrt(2 * a)
    expected = (math.pi * 150 ** 2 / n) / math.exp(-math.sqrt(a / 100 * 0.1))
    assert boavizta.effective_area(100.0, 300.0, 0.2, 0.1) == pytest.approx(expected, rel=1e-12)


def test_effective_area_exceeds_die_area_and_is_vectorized():
    import numpy as np
    areas = np.array([10.0, 100.0, 400.0, 814.0])
    eff = boavizta.effective_area(areas, 300.0, 0.2, 0.1)
    assert eff.shape == areas.shape and np.all(eff > areas) and np.all(np.diff(eff / areas) > 0)


def test_gpu_die_and_vram(write_bom):
    comps = ("  - {name: gpu, type: logic, role: accelerator, area: 814 mm^2}\n"
             "  - {name: hbm, type: memory, technology: hbm3, capacity: 80 GB, dies: 40, die_area: 107 mm^2}")
    a = run(write_bom, comps)
    gpu = a.embodied_by_component["gpu"].magnitude
    assert gpu == pytest.approx(boavizta.effective_area(814.0, 300.0, 0.2, 0.1) * 0.042592, rel=1e-9)
    # VRAM die area = 80 GB x 15.5 mm^2/GB / 40 dies = 31 mm^2 (the BOM's die_area is not used)
    hbm = a.embodied_by_component["hbm"].magnitude
    assert hbm == pytest.approx(40 * boavizta.effective_area(31.0, 300.0, 0.2, 0.1) * 0.18379, rel=1e-9)


def test_ram_ssd_hdd(write_bom):
    comps = ("  - {name: ram, type: memory, technology: ddr5, count: 4, capacity: 64 GB, modules: 1}\n"
             "  - {name: ssd, type: storage, technology: ssd, count: 2, capacity: 3.84 TB}\n"
             "  - {name: hdd, type: storage, technology: hdd, count: 3, capacity: 16 TB}")
    a = run(write_bom, comps)
    c = {k: v.magnitude for k, v in a.embodied_by_component.items()}
    assert c["ram"] == pytest.approx(256 / 1.24436 * 2.2 + 4 * 5.22, rel=1e-9)
    assert c["ssd"] == pytest.approx(7680 / 54.884 * 2.2 + 2 * 6.34, rel=1e-9)
    assert c["hdd"] == pytest.approx(3 * 31.11, rel=1e-9)


def test_boards_and_items(write_bom):
    comps = ("  - {name: mb, type: pcb, area: 600 cm^2, layers: 12}\n"
             "  - {name: card, type: pcb, role: module, count: 2, area: 128 cm^2, layers: 16}\n"
             "  - {name: psu, type: item, category: psu, count: 2, mass: 2.99 kg}\n"
             "  - {name: case, type: item, category: chassis, mass: 20 kg}\n"
             "  - {name: fans, type: item, category: fan, mass: 1 kg}")
    a = run(write_bom, comps)
    c = {k: v.magnitude for k, v in a.embodied_by_component.items()}
    assert c["mb"] == pytest.approx(66.1, rel=1e-9)
    assert c["card"] == pytest.approx(256 * 0.032549, rel=1e-9)
    assert c["psu"] == pytest.approx(2 * 2.99 * 24.3, rel=1e-9)
    assert c["case"] == pytest.approx(150, rel=1e-9)
    assert math.isnan(c["fans"]) and "fans" in a.uncovered


def test_shipped_cpu_system_dram():
    # 2,048 GB at the default density on 8 modules (data/servers/clemm2024-cpu.yaml)
    a = lca.assess("clemm2024-cpu", method="boavizta")
    dram = a.embodied_by_component["dram"].magnitude
    assert dram == pytest.approx(2048 / 1.24436 * 2.2 + 8 * 5.22, rel=1e-9)
    assert dram / 1000 == pytest.approx(3.6, abs=0.1)   # "3.6 t by Boavizta's" (issue 3)
