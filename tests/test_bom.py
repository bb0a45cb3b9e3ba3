"""BOM loading: units, shipped names, typed errors with field paths and lines."""

import math

import pytest

import lca
from conftest import MINIMAL_BOM
from lca.errors import BomError, UnitError, UnknownBomError, UnknownRegionError


def test_other_units_give_identical_results(tests_data):
    a = lca.assess("clemm2024-cpu").to_dict()
    b = lca.assess(tests_data / "clemm2024-cpu-other-units.yaml").to_dict()
    for key in ("embodied_kgco2e", "energy_kwh_per_year", "operational_kgco2e_per_year",
                "embodied_kgco2e_per_year", "total_kgco2e_per_year", "lifetime_kgco2e",
                "use_phase_share", "lifetime_years"):
        assert b[key] == pytest.approx(a[key], rel=1e-12), key
    for name, value in a["embodied_by_component_kgco2e"].items():
        assert b["embodied_by_component_kgco2e"][name] == pytest.approx(value, rel=1e-12)


def test_quantities_stored_in_canonical_units(write_bom):
    bom = lca.load_bom(write_bom(MINIMAL_BOM.replace("1 cm^2", "250 mm^2")))
    assert bom.components[0].area == pytest.approx(2.5)
    assert bom.lifetime == pytest.approx(4.0)


def test_shipped_name_and_path_agree():
    from lca import data
    by_name = lca.assess("clemm2024-cpu").to_dict()
    by_path = lca.assess(data.server_path("clemm2024-cpu")).to_dict()
    assert by_name == by_path


def test_every_shipped_bom_assesses():
    from lca import data
    for name in data.server_names():
        a = lca.assess(name)
        d = a.to_dict()
        assert math.isfinite(d["total_kgco2e_per_year"]) and d["total_kgco2e_per_year"] > 0
        covered = [v for v in d["embodied_by_component_kgco2e"].values() if v is not None]
        assert sum(covered) == pytest.approx(d["embodied_kgco2e"], rel=1e-12)


def test_utilization_curve(write_bom):
    text = MINIMAL_BOM.replace(
        "  profile:\n    - {share: 1.0, power: 100 W}\n",
        "  utilization: 0.25\n  idle_power: 100 W\n  max_power: 300 W\n")
    a = lca.assess(write_bom(text))
    # 100 + (300 - 100) x 0.25 = 150 W; x 8,760 h = 1,314 kWh
    assert a.energy_per_year.to("kWh/year").magnitude == pytest.approx(1314.0)


def test_profile_from_component_states(write_bom):
    text = MINIMAL_BOM.replace(
        "    - {share: 1.0, power: 100 W}\n",
        "    - {share: 0.5, state: active}\n    - {share: 0.5, state: idle}\n").replace(
        "area: 1 cm^2}", "area: 1 cm^2, count: 2, power: {active: 200 W, idle: 50 W}}")
    a = lca.assess(write_bom(text))
    # 2 x (0.5 x 200 + 0.5 x 50) = 250 W
    assert a.to_dict()["mean_power_w"] == pytest.approx(250.0)


@pytest.mark.parametrize("fu,rate,per_year", [
    ("requests_per_second: 40", 40, 40 * 8760 * 3600),
    ("tokens_per_second: 2500", 2500, 2500 * 8760 * 3600 / 1000),
    ("sustained_flops: 1 PFLOP/s", 1e15, 1e15 * 8760 * 3600 / 1e18),
    ("per: hour", None, 8760),
])
def test_functional_units(write_bom, fu, rate, per_year):
    a = lca.assess(write_bom(MINIMAL_BOM + f"functional_unit: {{{fu}}}\n"))
    d = a.to_dict()
    expected = d["total_kgco2e_per_year"] * 1000 / per_year
    assert d["per_functional_unit"]["total_gco2e"] == pytest.approx(expected, rel=1e-12)
    parts = d["per_functional_unit"]["embodied_gco2e"] + d["per_functional_unit"]["operational_gco2e"]
    assert parts == pytest.approx(expected, rel=1e-12)


def test_factor_override_per_area(write_bom):
    a = lca.assess(write_bom(MINIMAL_BOM.replace("area: 1 cm^2", "area: 2 cm^2, factor: 5 kgCO2e/cm^2")))
    assert a.embodied.to("kgCO2e").magnitude == pytest.approx(10.0)


def test_uncovered_components_are_reported(write_bom):
    text = MINIMAL_BOM + "  - {name: ssd, type: storage, technology: ssd, capacity: 3.84 TB}\n"
    a = lca.assess(write_bom(text), method="clemm2024")
    d = a.to_dict()
    assert "ssd" in d["uncovered_components"]
    assert d["embodied_by_component_kgco2e"]["ssd"] is None
    assert d["embodied_kgco2e"] == pytest.approx(3.0)  # only the 1 cm^2 processor die


def test_item_with_given_carbon(write_bom):
    text = MINIMAL_BOM + "  - {name: chassis, type: item, carbon: 150 kgCO2e, count: 2}\n"
    a = lca.assess(write_bom(text), method="clemm2024")  # 1 cm^2 x 3.0 + 2 x 150
    assert a.embodied.to("kgCO2e").magnitude == pytest.approx(303.0)


def test_pue_default_is_said(write_bom):
    a = lca.assess(write_bom(MINIMAL_BOM))
    assert a.pue == 1.0
    assert any("PUE" in n for n in a.notes)


# --- errors -------------------------------------------------------------------------------

def test_missing_file():
    with pytest.raises(BomError, match="file not found"):
        lca.load_bom("no/such/file.yaml")


def test_unknown_name():
    with pytest.raises(UnknownBomError, match="shipped"):
        lca.load_bom("no-such-server")


def test_malformed_yaml(write_bom):
    with pytest.raises(BomError, match=r"bom.yaml:\d+: malformed YAML"):
        lca.load_bom(write_bom("name: [unclosed\nkind: cpu\n"))


def test_wrong_unit_names_field_and_line(write_bom):
    path = write_bom(MINIMAL_BOM.replace("area: 1 cm^2", "area: 8.12 W"))
    with pytest.raises(UnitError) as info:
        lca.load_bom(path)
    err = info.value
    assert err.path == "components[0].area"
    assert err.line == 9
    assert "expected an area" in str(err)


def test_bare_number_is_an_error(write_bom):
    with pytest.raises(UnitError, match="bare number"):
        lca.load_bom(write_bom(MINIMAL_BOM.replace("area: 1 cm^2", "area: 8.12")))


def test_information_is_not_dimensionless(write_bom):
    with pytest.raises(UnitError, match="expected an area"):
        lca.load_bom(write_bom(MINIMAL_BOM.replace("area: 1 cm^2", "area: 2 TB")))


@pytest.mark.parametrize("area", ["-1 cm^2", "0 cm^2"])
def test_non_positive_area(write_bom, area):
    with pytest.raises(BomError, match="greater than 0") as info:
        lca.load_bom(write_bom(MINIMAL_BOM.replace("1 cm^2", area)))
    assert info.value.path == "components[0].area"


def test_unknown_component_type(write_bom):
    with pytest.raises(BomError, match="unknown component type 'gizmo'") as info:
        lca.load_bom(write_bom(MINIMAL_BOM.replace("type: logic", "type: gizmo")))
    assert info.value.path == "components[0].type"


def test_shares_must_sum_to_one(write_bom):
    text = MINIMAL_BOM.replace("{share: 1.0, power: 100 W}",
                               "{share: 0.5, power: 100 W}\n    - {share: 0.4, power: 50 W}")
    with pytest.raises(BomError, match="sum to 1, got 0.9") as info:
        lca.load_bom(write_bom(text))
    assert info.value.path == "usage"


def test_unknown_region(write_bom):
    text = MINIMAL_BOM.replace("grid: 0.5 kgCO2e/kWh", "region: XX")
    path = write_bom(text)
    lca.load_bom(path)   # the schema is met; the region is looked up when the BOM is compiled
    with pytest.raises(BomError, match="unknown region 'XX'") as info:
        lca.assess(path)
    assert info.value.path == "usage.region" and info.value.line == 5
    with pytest.raises(UnknownRegionError):
        lca.assess("clemm2024-cpu", region="XX")


def test_unknown_method(write_bom):
    with pytest.raises(BomError, match="unknown method 'magic'") as info:
        lca.load_bom(write_bom(MINIMAL_BOM + "embodied: {method: magic}\n"))
    assert info.value.path == "embodied.method"
    with pytest.raises(lca.UnknownMethodError):
        lca.assess("clemm2024-cpu", method="magic")


def test_unknown_field_is_caught(write_bom):
    with pytest.raises(BomError, match="unknown field") as info:
        lca.load_bom(write_bom(MINIMAL_BOM.replace("role: processor", "role: processor, aera: 1 cm^2")))
    assert info.value.path == "components[0].aera"


def test_unknown_override():
    with pytest.raises(lca.ParameterError, match="unknown parameter"):
        lca.assess("clemm2024-cpu", components__cpu__area=1)


def test_schema_names_component_types():
    schema = lca.json_schema()
    text = str(schema)
    for t in ("logic", "memory", "storage", "pcb", "item"):
        assert f"'{t}'" in text


def test_region_codes_and_aliases():
    from lca import data
    de = data.grid_intensity("DE")
    assert data.grid_intensity("DEU") == de and data.grid_intensity("de") == de
    assert 0.2 < de.value < 0.6  # Germany: lifecycle intensity in kgCO2e/kWh, 2020s
    assert data.grid_intensity("UK") == data.grid_intensity("GB")
    a = lca.assess("clemm2024-cpu", region="FR")
    assert a.grid.magnitude == pytest.approx(data.grid_intensity("FR").value)
    assert "Our World in Data" in a.to_dict()["grid_source"] or "Ember" in a.to_dict()["grid_source"]
