"""Categorical values (node, technology, material, storage type, role, category, region,
method, device, dtype) are either costed (a stand-in named in the notes) or refused with
the accepted values; nothing is accepted and then silently ignored."""

from __future__ import annotations

import pytest

import lca
from lca import registry
from lca.errors import BomError, LcaError, ParameterError, UnknownDeviceError
from conftest import BOM_HEADER



def _bom(write_bom, component: str, embodied: str = ""):
    return write_bom(BOM_HEADER.replace("usage:", embodied + "usage:") + f"  - {component}\n")


@pytest.mark.parametrize("component,field,accepted", [
    ("{name: cpu, type: logic, area: 1 cm^2, node: 14nm++}", "node", "10nm"),
    ("{name: dram, type: memory, technology: ddr2, capacity: 8 GB}", "technology", "ddr3_40nm"),
    ("{name: case, type: item, mass: 5 kg, material: stainless}", "material", "steel"),
])
def test_unknown_categorical_values_are_refused_with_the_accepted_ones(write_bom, component,
                                                                        field, accepted):
    path = _bom(write_bom, component)
    for method in ("clemm2024", "act2022", "boavizta", "llmcarbon2024"):
        with pytest.raises(BomError) as info:
            lca.assess(path, method=method)
        assert info.value.path == f"components[0].{field}"
        assert info.value.line == 9 and info.value.file == str(path)
        assert f"unknown {field}" in str(info.value) and accepted in str(info.value)


@pytest.mark.parametrize("component,field", [
    ("{name: ssd, type: storage, technology: tape, capacity: 1 TB}", "technology"),
    ("{name: cpu, type: logic, role: gpu, area: 1 cm^2}", "role"),
    ("{name: x, type: item, category: pump, carbon: 1 kgCO2e}", "category"),
    ("{name: cpu, type: logic, device: h900}", "device"),
])
def test_closed_vocabularies_are_refused(write_bom, component, field):
    with pytest.raises(BomError) as info:
        lca.assess(_bom(write_bom, component))
    assert info.value.path == f"components[0].{field}"


def test_stand_ins_are_costed_and_named_in_the_notes(write_bom):
    """A node ACT has no row for (4nm) is costed at its stand-in (5nm) and says so; a
    known value written in capitals or with a space is the same value."""
    path = _bom(write_bom, "{name: gpu, type: logic, area: 8 cm^2, node: 4 NM}")
    a = lca.assess(path, method="act2022")
    assert "gpu" not in a.uncovered
    assert any("4 NM costed as ACT's 5nm" in n for n in a.notes)
    b = lca.assess(_bom(write_bom, "{name: gpu, type: logic, area: 8 cm^2, node: 5nm}"),
                   method="act2022")
    assert a.embodied.magnitude == pytest.approx(b.embodied.magnitude, rel=1e-12)


def test_generic_ddr3_is_costed_at_a_named_stand_in(write_bom):
    """`technology: ddr3` (no node) is ACT's ddr3_40nm row, and the notes say so."""
    a = lca.assess(_bom(write_bom, "{name: dram, type: memory, technology: ddr3, capacity: 8 GB}"),
                   method="act2022")
    assert "dram" not in a.uncovered
    assert any("ddr3_40nm" in n for n in a.notes)


def test_accepted_values_come_from_the_methods_data():
    """Every node and memory technology accepted is costed by at least one method."""
    from lca.embodied import act2022, llmcarbon2024

    for node in registry.choices("node"):
        assert act2022.resolve_node(node)[0] or llmcarbon2024.resolve_node(node)[0], node
    for tech in registry.choices("memory technology"):
        assert act2022.resolve_technology("dram", tech)[0], tech


def test_method_options_of_another_method_are_noted(write_bom):
    path = _bom(write_bom, "{name: cpu, type: logic, area: 1 cm^2, node: 7nm}",
                embodied="embodied: {yield: 0.9}\n")
    notes = lca.assess(path, method="clemm2024").notes
    assert any("embodied.yield is an option of act2022 and composite: not used by clemm2024"
               in n for n in notes)
    assert not any("embodied.yield" in n for n in lca.assess(path, method="act2022").notes)


def test_device_and_region_are_resolved_when_compiled(write_bom):
    """The device library gives a logic component's die area and node when the BOM is
    compiled (not inside the schema), so an unknown device names file, field and line."""
    path = _bom(write_bom, "{name: cpu, type: logic, role: processor, device: xeon-8468}")
    bom = lca.load_bom(path)
    assert bom.components[0].area is None           # the schema does no data lookup
    a = lca.assess(path)
    assert a.bom.components[0].area == pytest.approx(
        lca.parameters(path)["components.cpu.area"])
    assert a.bom.components[0].node == "10nm"


@pytest.mark.parametrize("call", [
    lambda: lca.assess("clemm2024-cpu", region="Atlantis"),
    lambda: lca.assess("clemm2024-cpu", method="magic"),
    lambda: lca.assess("clemm2024-cpu", method=["act2022"]),
    lambda: lca.kernel("gemm", device="h900", m=1, n=1, k=1),
    lambda: lca.kernel("gemm", dtype="fp9", m=1, n=1, k=1),
    lambda: lca.kernel("fft", m=1),
    lambda: lca.train(device="h100-sxm5", flops=1e24, efficiency=0.4, dtype="fp9"),
    lambda: lca.sweep("clemm2024-cpu", region=["DE", "Atlantis"]),
])
def test_unknown_names_in_the_api_are_typed_errors(call):
    with pytest.raises(LcaError) as info:
        call()
    assert any(w in str(info.value) for w in ("expected one of", "it has", "expected an ISO"))


def test_check_choice_names_parameter_value_and_accepted():
    with pytest.raises(ParameterError) as info:
        registry.check_choice("dtype", "fp9", ["fp32", "bf16"])
    assert (info.value.parameter, info.value.value) == ("dtype", "fp9")
    assert info.value.bound == "one of fp32, bf16"
    assert isinstance(UnknownDeviceError("x"), LcaError)
