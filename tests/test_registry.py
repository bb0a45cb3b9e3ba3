"""The parameter registry (lca.registry, data/parameters.yaml) is the one source of units,
bounds and labels: every parameter that bom.py, the sweep axes, the workbook's data
validations and the report's labels name is found in it, with the same unit and bounds."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from pydantic import BaseModel

import lca
from lca import bom as bom_mod
from lca import registry
from lca.errors import BomError, ParameterError
from lca.model import compile_bom, parameter_unit, to_canonical

SHIPPED = ["clemm2024-cpu", "clemm2024-gpu", "dgx-h100"]
METHODS = ["clemm2024", "act2022", "boavizta", "llmcarbon2024"]


def _bom_fields():
    """(model, field, registry name, validator) of every numeric field of bom.py."""
    out = []
    for model in (bom_mod.Logic, bom_mod.Memory, bom_mod.Storage, bom_mod.Pcb, bom_mod.Item,
                  bom_mod.ComponentPower, bom_mod.ProfileEntry, bom_mod.Usage,
                  bom_mod.FunctionalUnit, bom_mod.EmbodiedOptions, bom_mod.Bom):
        for name, info in model.model_fields.items():
            for meta in _metadata(info.annotation) + list(info.metadata):
                fn = getattr(meta, "func", None)
                if getattr(fn, "parameter", None):
                    out.append((model.__name__, name, fn.parameter, fn))
    return out


def _metadata(annotation) -> list:
    """Metadata of an Annotated type, also inside Optional[...]."""
    found = list(getattr(annotation, "__metadata__", ()))
    for arg in getattr(annotation, "__args__", ()) or ():
        found += _metadata(arg)
    return found


BOM_FIELDS = _bom_fields()


def test_every_numeric_bom_field_reads_the_registry():
    """Each numeric field of the BOM schema names a registry entry (no bound of its own)."""
    names = {(m, f) for m, f, _, _ in BOM_FIELDS}
    for expected in [("Logic", "area"), ("Logic", "count"), ("Logic", "packages"),
                     ("Memory", "die_area"), ("Memory", "capacity"), ("Memory", "density"),
                     ("Storage", "capacity"), ("Pcb", "layers"), ("Item", "mass"),
                     ("Item", "carbon"), ("ComponentPower", "active"), ("ProfileEntry", "share"),
                     ("ProfileEntry", "power"), ("Usage", "pue"), ("Usage", "utilization"),
                     ("Usage", "idle_power"), ("Usage", "max_power"), ("Bom", "lifetime"),
                     ("Usage", "grid"), ("FunctionalUnit", "requests_per_second"),
                     ("FunctionalUnit", "sustained_flops"), ("EmbodiedOptions", "yield_")]:
        assert expected in names, expected
    for model, field, parameter, _ in BOM_FIELDS:
        assert registry.find(parameter) is not None, (model, field, parameter)


@pytest.mark.parametrize("model,field,parameter,validate", BOM_FIELDS,
                         ids=[f"{m}.{f}" for m, f, _, _ in BOM_FIELDS])
def test_bom_field_bounds_are_the_registrys(model, field, parameter, validate):
    """Just inside each bound is accepted and just outside refused, in the registry's unit."""
    p = registry.get(parameter)
    unit = f" {p.unit}" if validate.with_unit else ""

    def given(x):
        if unit:
            return f"{x!r}{unit}"
        return int(x) if p.integer else float(x)

    for bound, open_, outward in ((p.min, p.min_open, -1), (p.max, p.max_open, +1)):
        if bound is None:
            continue
        step = 1 if p.integer else max(abs(bound) * 1e-9, 1e-12)
        inside = bound - outward * step if open_ else bound
        outside = bound if open_ else bound + outward * step
        assert validate(given(inside)) == pytest.approx(inside)
        with pytest.raises(ValueError):
            validate(given(outside))
    with pytest.raises(ValueError):
        validate(given(float("nan")) if unit else float("nan"))


@pytest.fixture(scope="module")
def compiled():
    return [compile_bom(lca.load_bom(b), m) for b in SHIPPED for m in METHODS]


def test_every_sweep_axis_is_registered_with_its_unit(compiled):
    """Every parameter of every shipped BOM under every method (what sweep axes, overrides
    and distributions name) is registered; its unit is the registry's, or the context's
    (a factor figure's) where the registry leaves it open."""
    for c in compiled:
        for name, value in c.params.items():
            p = registry.find(name)
            assert p is not None, name
            if p.unit is not None:
                assert (parameter_unit(c, name) or "dimensionless") == p.unit, name
            else:
                assert parameter_unit(c, name), name   # a factor: its figure's unit
            registry.check(name, value, parameter_unit(c, name))   # base values are inside


def test_sweep_axes_refuse_what_the_registry_refuses(compiled):
    """Each numeric parameter refuses a value past its bound through the sweep's path
    (lca.model.to_canonical), naming the parameter and the bound."""
    c = compiled[0]
    for name in c.params:
        p = registry.get(name)
        bad = (p.max * 10 + 1) if p.max is not None else -1.0
        with pytest.raises(ParameterError) as info:
            to_canonical(c, name, bad)
        assert info.value.parameter == name and info.value.bound == p.bounds_text()
    with pytest.raises(ParameterError, match="pue"):
        lca.sweep("clemm2024-cpu", pue=[1.2, 3.5])


def test_workbook_validations_are_the_registrys(tmp_path):
    """Every validated input cell of the Model sheet is a registry parameter and its rule
    is the registry's bounds."""
    from lca.excel import validation_rule

    path = lca.assess("clemm2024-cpu").to_excel(tmp_path / "v.xlsx")
    ws = openpyxl.load_workbook(path)["Model"]
    keys = {f"B{row[0].row}": row[3].value for row in ws.iter_rows(min_row=1)
            if row[3].value}
    seen = 0
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            key = keys[rng.coord]
            assert registry.find(key) is not None, key
            kind, operator, f1, f2 = validation_rule(key, rng.coord)
            assert (dv.type, dv.operator, dv.formula1, dv.formula2) == (kind, operator, f1, f2)
            p = registry.get(key)
            for bound in (p.min, p.max):
                if bound is not None:
                    assert re.search(rf"(^|[^0-9.]){re.escape(str(bound).rstrip('0').rstrip('.'))}", f"{f1} {f2}")
            seen += 1
    assert seen >= 5


def test_report_labels_come_from_the_registry():
    """The tornado shows what a parameter is ("time share at 555 W"), not its key."""
    a = lca.assess("clemm2024-cpu")
    assert registry.label("profile.0.share", a.params) == "time share at 555 W"
    assert registry.label("components.dram.dies") == "dram: dies"
    assert registry.label("components.gpu.power.active") == "gpu: active power"
    frame = lca.sensitivity("clemm2024-cpu")
    for name in frame.parameter:
        assert registry.find(name) is not None, name
        if "." in name:   # profile states, components, factors: worded, not the key
            assert registry.label(name, a.params) != name


def test_no_second_table_of_units_or_bounds():
    """The old tables are gone: no module restates units or bounds of parameters."""
    root = Path(lca.__file__).parent
    text = "\n".join(p.read_text() for p in root.rglob("*.py"))
    for gone in ("OVERRIDE_UNITS", "FIELD_UNITS", "RATE_UNITS", "VALIDATIONS = {",
                 "def _positive(", "PositiveInt", "Field(ge=", "Field(gt="):
        assert gone not in text, gone


def test_cli_help_states_registry_units_and_bounds():
    assert registry.help_text("lifetime") == "Lifetime [year]: at least 0.01 and at most 50."
    assert registry.help_text("pue") == "PUE: at least 1 and at most 3."
    from typer.testing import CliRunner
    from lca.cli import app

    out = CliRunner().invoke(app, ["assess", "--help"], env={"COLUMNS": "200"}).output
    assert "[kgCO2e/kWh]: at least 0 and at most 2." in " ".join(out.split())


def test_nomenclature_lists_every_entry():
    rows = registry.nomenclature()
    assert {r["name"] for r in rows} == set(registry.entries())
    assert all(r["source"] for r in rows), "every range names its source"
    table = lca.parameters()
    assert {"name", "unit", "bounds", "label", "source"} <= set(table.columns)
    assert table.set_index("name").loc["grid", "unit"] == "kgCO2e/kWh"
    doc = Path(__file__).parents[1] / "docs" / "PARAMETERS.md"
    assert registry.nomenclature_markdown() in doc.read_text(encoding="utf-8"), \
        "docs/PARAMETERS.md is stale: run python -m lca.registry > docs/PARAMETERS.md"


def test_values_are_checked_once_per_array():
    """A million-element array is checked in one vectorized call and names the first bad value."""
    values = np.full(1_000_000, 0.4)
    values[123_456] = -1.0
    with pytest.raises(ParameterError, match="got -1"):
        registry.check("grid", values)
    assert registry.check("grid", values[:100]) is not None


# --- the memory guard (check_memory) ----------------------------------------------------------

MEMINFO = """MemTotal:       24683520 kB
MemFree:          799744 kB
MemAvailable:   23789568 kB
Buffers:           12345 kB
"""


def test_meminfo_available_reads_memavailable_not_memfree():
    """/proc/meminfo counts kB of 1024 B: 23,789,568 kB = 24,360,517,632 B; MemFree (0.8 GB)
    is what is left after the page cache, which the kernel gives back on demand."""
    assert registry.meminfo_available(MEMINFO) == 23_789_568 * 1024
    assert registry.meminfo_available("MemTotal: 1 kB\nMemFree: 1 kB\n") is None


@pytest.mark.parametrize("limit, usage, stat, key, room", [
    ("max\n", "900\n", "inactive_file 0\n", "inactive_file", None),          # v2, no limit
    ("9223372036854771712\n", "5\n", "", "total_inactive_file", None),       # v1, no limit
    # 1 GiB limit, 900 MiB charged of which 400 MiB inactive cache: 1024 - 500 = 524 MiB left
    (f"{1 << 30}\n", f"{900 << 20}\n", f"active_file 7\ninactive_file {400 << 20}\n",
     "inactive_file", 524 << 20),
    (f"{1 << 30}\n", f"{2 << 30}\n", "total_inactive_file 0\n", "total_inactive_file", 0),
])
def test_cgroup_room(limit, usage, stat, key, room):
    assert registry.cgroup_room(limit, usage, stat, key) == room


def test_available_memory_is_within_the_machine():
    free = registry.available_memory()
    if free is None:
        pytest.skip("this platform reports no free memory")
    try:
        total = float(os.sysconf("SC_PHYS_PAGES")) * float(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        pytest.skip("this platform reports no physical memory")
    assert 0 <= free <= total


def test_check_memory_refuses_more_than_half_the_available_memory(monkeypatch):
    """1 GB available, memory_fraction 0.5: 5e7 float64 (0.4 GB) pass, 1e8 (0.8 GB) do not."""
    monkeypatch.setattr(registry, "available_memory", lambda: 1e9)
    registry.check_memory(5e7, "a sweep of 5e7 values", "stream it")
    with pytest.raises(ParameterError, match=r"800 MB .* 500 MB .*50% of the available"):
        registry.check_memory(1e8, "a sweep of 1e8 values", "stream it")


def test_text_from_a_numpy_array_is_quoted_as_the_user_wrote_it():
    """A sweep axis hands values over as numpy's str_, whose repr is np.str_('abc')."""
    with pytest.raises(ParameterError, match=r"got 'abc'$"):
        registry.to_canonical("grid", np.str_("abc"))
