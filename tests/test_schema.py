"""The JSON Schema of BOM files for editors: $schema and $id, every shipped BOM and
template valid, quantities of the wrong dimension rejected, registry descriptions."""

from __future__ import annotations

import json

import pytest

import lca
from lca import data

jsonschema = pytest.importorskip("jsonschema")


@pytest.fixture(scope="module")
def validator():
    schema = lca.json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def plain(path) -> dict:
    """A YAML file as plain JSON data (as an editor's YAML plugin sees it)."""
    from ruamel.yaml import YAML

    with open(path, encoding="utf-8") as fh:
        return json.loads(json.dumps(YAML(typ="safe").load(fh)))


def test_schema_names_its_dialect_and_id():
    schema = lca.json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].startswith("urn:lca:")


def test_every_shipped_bom_and_template_is_valid(validator):
    paths = [data.server_path(n) for n in data.server_names()]
    paths += [data.data_dir() / "templates" / f"{k}.yaml" for k in data.TEMPLATE_KINDS]
    for path in paths:
        errors = [e.message for e in validator.iter_errors(plain(path))]
        assert not errors, (path.name, errors[:3])


BASE = {"name": "x", "kind": "cpu", "lifetime": "5 years",
        "usage": {"grid": "0.4 kgCO2e/kWh", "profile": [{"share": 1.0, "power": "100 W"}]},
        "components": [{"name": "cpu", "type": "logic", "role": "processor",
                        "area": "8.12 cm^2"}]}


@pytest.mark.parametrize("path, good, bad", [
    (("components", 0, "area"), "812 mm^2", "8.12 W"),
    (("components", 0, "area"), "8.12 cm²", "8.12 cm"),
    (("usage", "profile", 0, "power"), "10.2 kW", "10.2 kWh"),
    (("lifetime",), "60 months", "5 kg"),
    (("usage", "grid"), "50 gCO2e/kWh", "50 g/kWh"),
])
def test_quantities_of_the_wrong_dimension_are_rejected(validator, path, good, bad):
    """Each good value is also what lca's own validator accepts, each bad one what it
    refuses: the pattern and the loader agree."""
    import copy

    for value, ok in ((good, True), (bad, False)):
        doc = copy.deepcopy(BASE)
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        assert validator.is_valid(doc) is ok, (path, value)
        if ok:
            lca.Bom.model_validate(doc)
        else:
            with pytest.raises(Exception):
                lca.Bom.model_validate(doc)


@pytest.mark.parametrize("component", [
    {"name": "d", "type": "memory", "technology": "ddr5", "capacity": "8.12 W"},
    {"name": "s", "type": "storage", "technology": "ssd", "capacity": "2 kg"},
    {"name": "c", "type": "item", "carbon": "150 kg"},
    {"name": "m", "type": "item", "mass": "3 kgCO2e", "material": "steel"},
])
def test_capacity_carbon_and_mass_fields_check_their_dimension(validator, component):
    doc = dict(BASE, components=[component])
    assert not validator.is_valid(doc)


def test_descriptions_come_from_the_registry():
    schema = lca.json_schema()
    area = schema["$defs"]["Logic"]["properties"]["area"]
    from lca import registry

    assert area["description"].startswith(
        f"area [cm^2]; {registry.get('components.x.area').bounds_text()}")
    share = schema["$defs"]["ProfileEntry"]["properties"]["share"]
    assert "time share" in share["description"]
