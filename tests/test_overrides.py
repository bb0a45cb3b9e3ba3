"""Overrides given with units read the same as numbers in canonical units (lca.model.to_canonical)."""

import pytest

import lca
from lca.accelerator import kernel
from lca.embodied import METHODS


def total(**over):
    return lca.assess("clemm2024-cpu", **over).to_dict()


@pytest.mark.parametrize("given,canonical", [
    ({"components.cpu.area": "812 mm^2"}, {"components.cpu.area": 8.12}),
    ({"components.dram.die_area": "60 mm^2"}, {"components.dram.die_area": 0.6}),
    ({"grid": "50 gCO2e/kWh"}, {"grid": 0.05}),
    ({"lifetime": "36 months"}, {"lifetime": 3}),
    ({"profile.0.power": "0.555 kW"}, {"profile.0.power": 555}),
    ({"factors.clemm2024.dram_die": "18 gCO2e/mm^2"}, {"factors.clemm2024.dram_die": 1.8}),
])
def test_quantity_overrides_equal_canonical_numbers(given, canonical):
    a, b = total(**given), total(**canonical)
    for key in ("embodied_kgco2e", "operational_kgco2e_per_year", "total_kgco2e_per_year"):
        assert a[key] == pytest.approx(b[key], rel=1e-12)


def test_base_values_are_unchanged_by_unit_spelling():
    # 8.12 cm^2 is the study's CPU die area (Clemm et al. 2024, Table I): 24.36 kgCO2e.
    d = total(**{"components.cpu.area": "8.12 cm^2"})
    assert d["embodied_by_component_kgco2e"]["cpu"] == pytest.approx(24.36, abs=1e-9)


@pytest.mark.parametrize("name,value", [("components.cpu.area", "8 W"), ("grid", "5 kg"),
                                        ("lifetime", "twelve")])
def test_wrong_unit_is_a_parameter_error(name, value):
    with pytest.raises(lca.ParameterError, match=name):
        lca.assess("clemm2024-cpu", **{name: value})


@pytest.mark.parametrize("device", ["v100", "a100-80gb", "h100-sxm5", "h200", "b200", "tpu-v2",
                                    "tpu-v3", "tpu-v4", "tpu-v5e", "tpu-v5p", "tpu-v6e"])
def test_every_method_costs_every_accelerator_module(device):
    """Accelerator modules are costed through the method registry: every method gives a
    finite, positive module footprint for every required device."""
    for method in METHODS:
        d = lca.accelerator_embodied(device, method=method).to_dict()
        value = d["module_kgco2e"]
        assert value > 0 and value == value, (device, method, value)


def test_kernel_embodied_follows_the_method():
    """A kernel's embodied share is the device's embodied x time share: the ratio between
    two methods equals the ratio of their device footprints."""
    runs = {m: kernel("gemm", device="h100-sxm5", dtype="bf16", m=8192, n=8192, k=8192,
                      method=m).to_dict() for m in ("clemm2024", "act2022")}
    devices = {m: lca.accelerator_embodied("h100-sxm5", method=m).to_dict() for m in runs}
    ratio = runs["act2022"]["embodied_gco2e"] / runs["clemm2024"]["embodied_gco2e"]
    assert ratio == pytest.approx(
        devices["act2022"]["total_kgco2e"] / devices["clemm2024"]["total_kgco2e"], rel=1e-9)
    assert runs["act2022"]["operational_gco2e"] == runs["clemm2024"]["operational_gco2e"]
