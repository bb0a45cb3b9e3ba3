"""Spreadsheet export: sheets, headers, numbers equal to assess, live formulas evaluated in
Python (the `formulas` package) equal to assess for the shipped BOMs and edited inputs,
formula-injection safety, atomic writes and overwrite protection."""

from __future__ import annotations

import os

import numpy as np
import openpyxl
import pandas as pd
import pytest

import lca
from lca import data
from lca.errors import OverwriteError
from lca.excel import build_workbook, write_workbook

formulas = pytest.importorskip("formulas")

SHEETS = ["Summary", "Components", "Operational", "Model", "Assumptions", "Impacts"]
MODEL_KEYS = ["embodied_kgco2e", "mean_power_w", "energy_kwh_per_year",
              "operational_kgco2e_per_year", "embodied_kgco2e_per_year",
              "total_kgco2e_per_year", "lifetime_kgco2e", "use_phase_share",
              "use_water_l_per_year"]


def header(ws) -> list[str]:
    return [c.value for c in ws[1] if c.value is not None]


def model_rows(path) -> dict[str, dict[str, int]]:
    """Model sheet: block title -> {key in column D: row}."""
    ws = openpyxl.load_workbook(path)["Model"]
    blocks: dict[str, dict[str, int]] = {}
    current = None
    for row in range(3, ws.max_row + 1):
        a, d = ws.cell(row, 1).value, ws.cell(row, 4).value
        if a is not None and d is None:
            current = a
            blocks[current] = {}
        elif d is not None:
            blocks[current][d] = row
    return blocks


def evaluate_model(path) -> dict[str, dict[str, float]]:
    """Evaluate the workbook's formulas in Python; block title -> {key: value}."""
    cells = evaluate_workbook(path)["Model"]
    return {title: {key: cells.get(f"B{row}") for key, row in keys.items()}
            for title, keys in model_rows(path).items()}


_EVALUATED: dict[tuple, dict] = {}


def evaluate_workbook(path) -> dict[str, dict[str, object]]:
    """Every sheet's cells after evaluating all formulas in Python (the `formulas` package):
    sheet name -> {cell: value}; cells without a formula keep their stored value. (Cached per
    file version: several checks of one file evaluate it once.)"""
    stat = os.stat(path)
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _EVALUATED:
        _EVALUATED.clear()
        _EVALUATED[key] = _evaluate_workbook(path)
    return _EVALUATED[key]


def _evaluate_workbook(path) -> dict[str, dict[str, object]]:
    wb = openpyxl.load_workbook(path)
    out = {ws.title: {c.coordinate: c.value for row in ws.iter_rows() for c in row}
           for ws in wb.worksheets}
    by_upper = {t.upper(): t for t in out}
    solution = formulas.ExcelModel().loads(str(path)).finish().calculate()
    for ref, value in solution.items():
        sheet, _, cell = ref.rpartition("!")
        if ":" in cell:
            continue
        title = by_upper.get(sheet.rsplit("]", 1)[-1].strip("'"))
        if title is not None:
            out[title][cell.upper()] = np.asarray(getattr(value, "value", value)).ravel()[0]
    return out


def columns(path, sheet: str) -> dict[str, str]:
    """Header -> column letter of a sheet."""
    ws = openpyxl.load_workbook(path)[sheet]
    return {c.value: c.column_letter for c in ws[1] if c.value is not None}


def check_sheets_against(path, assessments) -> None:
    """Summary, Components and Operational (evaluated) equal each assessment's results."""
    got = evaluate_workbook(path)
    s, o, c = columns(path, "Summary"), columns(path, "Operational"), columns(path, "Components")
    comp_rows = {}
    for r in range(2, len(got["Components"]) + 2):
        name = got["Components"].get(f"{c['Server']}{r}")
        if name is None:
            break
        comp_rows[(name, got["Components"][f"{c['Component']}{r}"])] = r
    for i, a in enumerate(assessments, start=2):
        d = a.to_dict()
        summary = {"Lifetime [years]": d["lifetime_years"], "PUE [-]": d["pue"],
                   "Grid [kgCO2e/kWh]": d["grid_kgco2e_per_kwh"],
                   "Embodied [kgCO2e]": d["embodied_kgco2e"],
                   "Embodied per year [kgCO2e/year]": d["embodied_kgco2e_per_year"],
                   "Operational per year [kgCO2e/year]": d["operational_kgco2e_per_year"],
                   "Total per year [kgCO2e/year]": d["total_kgco2e_per_year"],
                   "Lifetime total [kgCO2e]": d["lifetime_kgco2e"],
                   "Use-phase share [-]": d["use_phase_share"],
                   "Energy [kWh/year]": d["energy_kwh_per_year"],
                   "Mean power [W]": d["mean_power_w"]}
        if d.get("per_functional_unit"):
            summary["Per functional unit [gCO2e]"] = d["per_functional_unit"]["total_gco2e"]
        for col, want in summary.items():
            assert got["Summary"][f"{s[col]}{i}"] == pytest.approx(want, rel=1e-9), (a.name, col)
        operational = {"Mean power [W]": d["mean_power_w"], "PUE [-]": d["pue"],
                       "IT energy [kWh/year]": d["energy_kwh_per_year"] / d["pue"],
                       "Energy [kWh/year]": d["energy_kwh_per_year"],
                       "Grid [kgCO2e/kWh]": d["grid_kgco2e_per_kwh"],
                       "Operational [kgCO2e/year]": d["operational_kgco2e_per_year"]}
        for col, want in operational.items():
            assert got["Operational"][f"{o[col]}{i}"] == pytest.approx(want, rel=1e-9), (
                a.name, col)
        label = got["Summary"][f"{s['Server']}{i}"]
        for name, value in d["embodied_by_component_kgco2e"].items():
            r = comp_rows[(label, name)]
            cell = got["Components"][f"{c['Embodied [kgCO2e]']}{r}"]
            if value is None:
                assert cell == "not covered"
                continue
            assert cell == pytest.approx(value, rel=1e-9), (a.name, name)
            share = got["Components"][f"{c['Share of embodied [-]']}{r}"]
            assert share == pytest.approx(value / d["embodied_kgco2e"], rel=1e-9)


def expected(a) -> dict[str, float]:
    out = {k: a.row[k] for k in MODEL_KEYS}
    for k in ("total", "embodied", "operational"):
        key = f"per_functional_unit.{k}_gco2e"
        if key in a.row:
            out[key] = a.row[key]
    return out


def test_model_inputs_carry_the_models_ranges(tmp_path):
    """Input cells refuse values the model rejects: the registry's bounds (lifetime
    0.01-50 years, PUE in [1, 3], shares in [0, 1], powers in [0, 1e6] W)."""
    path = lca.assess("clemm2024-cpu").to_excel(tmp_path / "v.xlsx")
    ws = openpyxl.load_workbook(path)["Model"]
    rows = next(iter(model_rows(path).values()))
    rules = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            rules[rng.coord] = (dv.operator, dv.formula1, dv.formula2)
    assert rules[f"B{rows['pue']}"] == ("between", "1", "3")
    assert rules[f"B{rows['lifetime']}"] == ("between", "0.01", "50")
    assert rules[f"B{rows['profile.0.share']}"] == ("between", "0", "1")
    assert rules[f"B{rows['profile.1.power']}"] == ("between", "0", "1000000")


def test_sheets_and_headers(tmp_path):
    path = write_workbook([lca.assess("clemm2024-cpu"), lca.assess("clemm2024-gpu")],
                          tmp_path / "out.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == SHEETS
    assert wb.properties.creator == "lca"
    assert header(wb["Summary"])[:10] == [
        "Server", "Kind", "Method", "Lifetime [years]", "Embodied [kgCO2e]",
        "Embodied per year [kgCO2e/year]", "Operational per year [kgCO2e/year]",
        "Total per year [kgCO2e/year]", "Lifetime total [kgCO2e]", "Use-phase share [-]"]
    assert "Per functional unit [gCO2e]" in header(wb["Summary"])
    for name, must in (("Components", ["Component", "Factor", "Factor source",
                                       "Embodied [kgCO2e]"]),
                       ("Operational", ["Profile", "Energy [kWh/year]", "PUE [-]",
                                        "Grid [kgCO2e/kWh]", "Grid source",
                                        "Operational [kgCO2e/year]"]),
                       ("Assumptions", ["Parameter", "Value", "Unit", "Min", "Max", "Source",
                                        "Licence"])):
        assert set(must) <= set(header(wb[name])), name
    for ws in wb.worksheets:
        if ws.title != "Model":
            assert ws.freeze_panes == "A2", ws.title
        assert ws.column_dimensions["A"].width >= 8


def test_every_sheet_and_the_model_equal_assess_for_every_shipped_bom(tmp_path):
    """Summary, Components and Operational show the Model sheet's cells by formula;
    evaluated, they equal lca.assess for every shipped BOM."""
    assessments = [lca.assess(n) for n in data.server_names()]
    path = write_workbook(assessments, tmp_path / "all.xlsx")
    ws = openpyxl.load_workbook(path)["Summary"]
    cols = {h: i + 1 for i, h in enumerate(header(ws))}
    assert str(ws.cell(2, cols["Total per year [kgCO2e/year]"]).value).startswith("=Model!")
    for r, a in enumerate(assessments, start=2):
        assert ws.cell(r, cols["Server"]).value == a.name
    check_sheets_against(path, assessments)
    values = evaluate_model(path)  # and the Model sheet itself
    assert len(values) == len(assessments)
    for a, (title, got) in zip(assessments, values.items()):
        assert title.startswith(a.name)
        for key, want in expected(a).items():
            assert got[key] == pytest.approx(want, rel=1e-9), (a.name, key)
        assert got["profile_share_sum"] == pytest.approx(1.0)


def test_reference_figures_in_workbook(tmp_path):
    """Clemm et al. 2024, Table I / section IV.D: DRAM 1,105.92 kgCO2e, total per year
    1,869.10 kgCO2e/a (hand-checked: 1,176.804 / 5 + 4,084.35 x 0.4), exact to 1e-9."""
    path = lca.assess("clemm2024-cpu").to_excel(tmp_path / "cpu.xlsx")
    wb = openpyxl.load_workbook(path)
    live = evaluate_workbook(path)
    comp = wb["Components"]
    cols = {h: i + 1 for i, h in enumerate(header(comp))}
    rows = {comp.cell(r, cols["Component"]).value: r for r in range(2, comp.max_row + 1)}
    dram = live["Components"][comp.cell(rows["dram"], cols["Embodied [kgCO2e]"]).coordinate]
    assert dram == pytest.approx(1105.92, abs=1e-9)
    assert comp.cell(rows["dram"], cols["Factor value"]).value == pytest.approx(1.8)
    assert comp.cell(rows["dram"], cols["Factor unit"]).value == "kgCO2e/cm^2"
    summary = wb["Summary"]
    scol = {h: i + 1 for i, h in enumerate(header(summary))}
    total = live["Summary"][summary.cell(2, scol["Total per year [kgCO2e/year]"]).coordinate]
    assert total == pytest.approx(1869.1008, abs=1e-9)
    assumptions = wb["Assumptions"]
    acol = {h: i + 1 for i, h in enumerate(header(assumptions))}
    arows = {assumptions.cell(r, acol["Parameter"]).value: r
             for r in range(2, assumptions.max_row + 1)}
    r = arows["factors.clemm2024.processor_die"]
    assert assumptions.cell(r, acol["Value"]).value == pytest.approx(3.0)
    assert assumptions.cell(r, acol["Min"]).value == pytest.approx(1.5)
    assert assumptions.cell(r, acol["Max"]).value == pytest.approx(4.5)
    assert "Table I" in assumptions.cell(r, acol["Source"]).value
    assert assumptions.cell(arows["grid"], acol["Unit"]).value == "kgCO2e/kWh"
    # every parameter the assessment used is listed
    assert set(lca.parameters("clemm2024-cpu")) <= set(arows)


def _edit(path, edits: dict[str, float]) -> None:
    rows = next(iter(model_rows(path).values()))
    wb = openpyxl.load_workbook(path)
    ws = wb["Model"]
    for key, value in edits.items():
        assert ws.cell(rows[key], 2).fill.fgColor.rgb.endswith("FFF2CC"), key  # marked input
        ws.cell(rows[key], 2).value = value
    wb.save(path)


@pytest.mark.parametrize("bom, edits", [
    ("clemm2024-cpu", {"lifetime": 3.0}),
    ("clemm2024-cpu", {"grid": 0.05, "pue": 1.2}),
    ("clemm2024-cpu", {"profile.0.share": 0.5, "profile.1.share": 0.5,
                       "profile.0.power": 600.0}),
    ("dgx-h100", {"lifetime": 4.0, "grid": 0.1, "profile.0.share": 0.6,
                  "profile.1.share": 0.4}),
])
def test_model_formulas_follow_edited_inputs(tmp_path, bom, edits):
    """An input edited on the Model sheet flows through the Model, Summary, Components and
    Operational sheets: evaluated, all equal lca.assess with the same overrides."""
    path = lca.assess(bom).to_excel(tmp_path / "edit.xlsx")
    _edit(path, edits)
    got = next(iter(evaluate_model(path).values()))
    edited = lca.assess(bom, **edits)
    want = expected(edited)
    for key, value in want.items():
        assert got[key] == pytest.approx(value, rel=1e-9), key
    check_sheets_against(path, [edited])
    profile = evaluate_workbook(path)["Operational"]["C2"]
    for i in range(edited.compiled.n_states):
        share = 100 * float(edited.params[f"profile.{i}.share"])
        assert f"{share:g} % at {float(edited.params[f'profile.{i}.power']):g} W" in profile
    if "grid" in edits:
        assert "edited on the Model sheet" in evaluate_workbook(path)["Operational"]["I2"]
    # the study's 3-year case: 1,176.804 / 3 + 1,633.74 = 2,026.01 kgCO2e/a
    if edits == {"lifetime": 3.0}:
        assert got["total_kgco2e_per_year"] == pytest.approx(2026.008, abs=1e-6)


INJECTION_BOM = """\
name: "@evil\\x07"
kind: cpu
lifetime: 4 years
usage:
  grid: 0.5 kgCO2e/kWh
  profile:
    - {share: 1.0, power: 100 W, label: "+cmd"}
components:
  - {name: "=HYPERLINK(\\"http://x\\")", type: logic, role: processor, area: 1 cm^2}
  - {name: "-2+3", type: item, carbon: 5 kgCO2e}
"""


def test_formula_injection_is_written_as_text(tmp_path, write_bom):
    path = lca.assess(write_bom(INJECTION_BOM)).to_excel(tmp_path / "inj.xlsx")
    wb = openpyxl.load_workbook(path)
    found = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and ("HYPERLINK" in c.value or c.value in
                                                 ("@evil\ufffd", "-2+3")
                                                 or c.value.startswith("+cmd")):
                    assert c.data_type == "s", (ws.title, c.coordinate, c.value)
                    found += 1
    assert found >= 6
    comp = wb["Components"]
    assert comp["B2"].value == '=HYPERLINK("http://x")'
    assert comp["B2"].data_type == "s" and comp["B2"].quotePrefix
    # and formulas still evaluates the model (names do not break it)
    got = next(iter(evaluate_model(path).values()))
    assert got["embodied_kgco2e"] == pytest.approx(lca.assess(write_bom(INJECTION_BOM)).row[
        "embodied_kgco2e"])


def test_optional_result_sheets(tmp_path):
    """Hand-made frames in the shapes of compare_methods, sweep, monte_carlo, sensitivity."""
    a = lca.assess("clemm2024-cpu")
    methods = pd.DataFrame({"cpu": [24.36, 30.0], "total": [1176.8, 1300.0],
                            "low": [600.0, 900.0], "high": [1700.0, 1800.0]},
                           index=pd.Index(["clemm2024", "act2022"], name="method"))
    sweep = pd.DataFrame({"grid": [0.05, 0.4], "total_kgco2e_per_year": [439.58, 1869.10]})

    class MC:
        samples = pd.DataFrame({"total_kgco2e_per_year": [1800.0, 1900.0, 1850.0]})
        summary = pd.DataFrame({"mean": [1850.0], "p5": [1805.0], "p50": [1850.0],
                                "p95": [1895.0]}, index=["total_kgco2e_per_year"])

    sens = pd.DataFrame({"parameter": ["grid", "lifetime"], "low": [0.2, 3.0],
                         "high": [0.6, 7.0], "total_at_low": [1052.2, 2026.0],
                         "total_at_high": [2686.0, 1801.9], "swing": [1633.8, 224.1]})
    wb = build_workbook(a, methods=methods, sweep=sweep, monte_carlo=MC(), sensitivity=sens)
    assert wb.sheetnames == SHEETS + ["Methods", "Sweep", "Monte Carlo",
                                      "Monte Carlo samples", "Sensitivity"]
    m = wb["Methods"]
    assert header(m)[:3] == ["Server", "method", "cpu [kgCO2e]"]
    assert m["B3"].value == "act2022" and m["D3"].value == pytest.approx(1300.0)
    s = wb["Sweep"]
    assert "total_kgco2e_per_year [kgCO2e/year]" in header(s)
    assert "grid [kgCO2e/kWh]" in header(s)
    mc = wb["Monte Carlo"]
    assert header(mc) == ["Server", "result", "mean", "p5", "p50", "p95", "Unit"]
    assert mc["G2"].value == "kgCO2e/year" and mc["E2"].value == pytest.approx(1850.0)
    assert wb["Monte Carlo samples"].max_row == 4
    sheet = wb["Sensitivity"]
    assert "swing [kgCO2e/year]" in header(sheet)
    assert header(sheet)[-1] == "Unit of low and high"
    assert [sheet.cell(r, sheet.max_column).value for r in (2, 3)] == ["kgCO2e/kWh", "year"]


def test_result_sheets_with_the_extra_columns_of_the_real_functions():
    """compare_methods adds ``covered`` [count]; sensitivity adds base, unit and source."""
    a = lca.assess("clemm2024-cpu")
    methods = pd.DataFrame({"cpu": [24.36], "total": [1176.8], "low": [600.0],
                            "high": [1700.0], "covered": [4]},
                           index=pd.Index(["clemm2024"], name="method"))
    sens = pd.DataFrame({"parameter": ["grid"], "low": [0.2], "high": [0.6],
                         "total_at_low": [1052.2], "total_at_high": [2686.0],
                         "swing": [1633.8], "base": [0.4], "unit": ["kgCO2e/kWh"],
                         "source": ["0.5x-1.5x band"]})
    wb = build_workbook(a, methods=methods, sensitivity=sens)
    assert "covered [count]" in header(wb["Methods"])
    sh = header(wb["Sensitivity"])
    assert "unit" in sh and "Unit of low and high" not in sh and sh.count("unit") == 1


def test_overwrite_rules(tmp_path):
    target = tmp_path / "book.xlsx"
    target.write_text("not a workbook of lca")
    a = lca.assess("clemm2024-cpu")
    with pytest.raises(OverwriteError):
        a.to_excel(target)
    assert target.read_text() == "not a workbook of lca"
    a.to_excel(target, force=True)
    assert openpyxl.load_workbook(target).properties.creator == "lca"
    a.to_excel(target)  # written by lca before: overwritten without force
    assert openpyxl.load_workbook(target)["Summary"]["A2"].value == a.name
    edited = openpyxl.load_workbook(target)  # a person edits lca's workbook and saves it
    edited.properties.lastModifiedBy = "Ada"
    edited.save(target)
    with pytest.raises(OverwriteError):
        a.to_excel(target)
    other = tmp_path / "theirs.xlsx"
    openpyxl.Workbook().save(other)  # a workbook someone else wrote (creator "openpyxl")
    before = other.read_bytes()
    with pytest.raises(OverwriteError):
        a.to_excel(other)
    assert other.read_bytes() == before


def test_interrupted_export_leaves_no_file(tmp_path, monkeypatch):
    def boom(self, filename):
        with open(filename, "wb") as fh:  # a half-written file ...
            fh.write(b"PK\x03\x04 half")
        raise KeyboardInterrupt  # ... then the process is interrupted

    monkeypatch.setattr(openpyxl.Workbook, "save", boom)
    with pytest.raises(KeyboardInterrupt):
        lca.assess("clemm2024-cpu").to_excel(tmp_path / "out.xlsx")
    assert os.listdir(tmp_path) == []


def test_cli_export(tmp_path):
    from typer.testing import CliRunner

    from lca.cli import app

    runner = CliRunner()
    out = tmp_path / "sub" / "out.xlsx"
    r = runner.invoke(app, ["export", "clemm2024-cpu", "clemm2024-gpu", "-o", str(out),
                            "--lifetime", "3"])
    assert r.exit_code == 0, r.output
    assert str(out) in r.stderr  # human messages on stderr, data on stdout
    ws = openpyxl.load_workbook(out)["Summary"]
    assert ws.max_row == 3
    assert evaluate_workbook(out)["Summary"]["H2"] == pytest.approx(
        lca.assess("clemm2024-cpu", lifetime=3).row["total_kgco2e_per_year"], rel=1e-12)
    foreign = tmp_path / "foreign.xlsx"
    foreign.write_bytes(b"someone else's file")
    r = runner.invoke(app, ["export", "clemm2024-cpu", "-o", str(foreign)])
    assert r.exit_code == 2
    assert r.stderr.startswith("lca: error:") and "--force" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert foreign.read_bytes() == b"someone else's file"
    r = runner.invoke(app, ["export", "clemm2024-cpu", "-o", str(foreign), "--force"])
    assert r.exit_code == 0, r.output
    assert openpyxl.load_workbook(foreign).properties.creator == "lca"


CURVE_BOM = """\
name: curve server
kind: cpu
lifetime: 4 years
embodied: {method: clemm2024}   # leaves the disk uncovered (composite would cost it)
usage:
  grid: 0.3 kgCO2e/kWh
  pue: 1.3
  utilization: 0.6
  idle_power: 200 W
  max_power: 555 W
functional_unit: {requests_per_second: 40}
components:
  - {name: cpu, type: logic, role: processor, area: 8.12 cm^2}
  - {name: disk, type: storage, technology: ssd, capacity: 1 TB}
  - {name: case, type: item, carbon: 50 kgCO2e}
"""


def test_model_power_curve_and_functional_unit(tmp_path, write_bom):
    """A power curve (idle + (max - idle) x utilization), an uncovered component and a
    per-request functional unit; hand-checked: 200 + 355 x 0.6 = 413 W; 413 x 8.76 x 1.3 =
    4,703.244 kWh/a; x 0.3 = 1,410.9732 kgCO2e/a; embodied 8.12 x 3.0 + 50 = 74.36 kgCO2e."""
    bom = write_bom(CURVE_BOM)
    a = lca.assess(bom)
    assert a.row["operational_kgco2e_per_year"] == pytest.approx(1410.9732, rel=1e-12)
    path = a.to_excel(tmp_path / "curve.xlsx")
    got = next(iter(evaluate_model(path).values()))
    assert got["embodied_kgco2e"] == pytest.approx(74.36, rel=1e-12)
    for key, value in expected(a).items():
        assert got[key] == pytest.approx(value, rel=1e-9), key
    _edit(path, {"utilization": 0.9, "max_power": 600.0, "lifetime": 6.0})
    got = next(iter(evaluate_model(path).values()))
    want = expected(lca.assess(bom, utilization=0.9, max_power=600.0, lifetime=6.0))
    for key, value in want.items():
        assert got[key] == pytest.approx(value, rel=1e-9), key


def test_cli_export_sweep_with_a_stand_in(tmp_path, monkeypatch):
    """lca.sweep(bom, **axes) comes from another branch; a stand-in of its documented shape
    (one row per scenario: varied parameters + result columns) is wired into a Sweep sheet."""
    from typer.testing import CliRunner

    from lca.cli import app

    calls = {}

    def sweep(bom, **axes):
        calls.update(axes)
        grids = axes["grid"]
        return pd.DataFrame({"grid": grids, "total_kgco2e_per_year": [
            lca.assess(bom, grid=g).row["total_kgco2e_per_year"] for g in grids]})

    runner = CliRunner()
    out = tmp_path / "s.xlsx"
    monkeypatch.setattr(lca, "sweep", sweep, raising=False)
    r = runner.invoke(app, ["export", "clemm2024-cpu", "-o", str(out), "--sweep", "grid=0.05,0.4",
                            "--lifetime", "5"])
    assert r.exit_code == 0, r.output
    assert calls == {"grid": [0.05, 0.4], "lifetime": [5.0]}
    ws = openpyxl.load_workbook(out)["Sweep"]
    assert header(ws) == ["Server", "grid [kgCO2e/kWh]", "total_kgco2e_per_year [kgCO2e/year]"]
    # Clemm et al. 2024 section IV.D: 235.36 + 204.22 at 0.05; 1,869.10 at 0.4 kgCO2e/kWh
    assert ws["C2"].value == pytest.approx(439.5783, abs=1e-6)
    assert ws["C3"].value == pytest.approx(1869.1008, abs=1e-6)
    r = runner.invoke(app, ["export", "clemm2024-cpu", "-o", str(out), "--sweep", "grid"])
    assert r.exit_code == 2 and r.stderr.startswith("lca: error: --sweep")


def test_too_many_rows_for_a_worksheet_is_a_typed_error(monkeypatch):
    import lca.excel as excel

    monkeypatch.setattr(excel, "EXCEL_MAX_ROWS", 3)
    sweep = pd.DataFrame({"grid": [0.1, 0.2, 0.3], "total_kgco2e_per_year": [1.0, 2.0, 3.0]})
    with pytest.raises(lca.LcaError, match="do not fit in a worksheet"):
        build_workbook(lca.assess("clemm2024-cpu"), sweep=sweep)


def test_impacts_sheet_totals_equal_assess(tmp_path):
    """The Impacts sheet: one row per (category, stage, component); its stage and category
    totals are SUM formulas that evaluate (in Python) to lca's own totals; not covered
    cells say so and are not zero. The Model sheet's use-phase water equals assess."""
    a = lca.assess("clemm2024-cpu", region="US", method="boavizta")
    path = write_workbook(a, tmp_path / "impacts.xlsx")
    ws = openpyxl.load_workbook(path)["Impacts"]
    assert header(ws) == ["Server", "Category", "Stage", "Component", "Value", "Unit"]
    model = formulas.ExcelModel().loads(str(path)).finish()
    solution = model.calculate()
    cells = {}
    for ref, value in solution.items():
        sheet, _, cell = ref.rpartition("!")
        if sheet.upper().endswith("IMPACTS'") and ":" not in cell:
            cells[cell.upper()] = np.asarray(getattr(value, "value", value)).ravel()[0]
    d = a.to_dict()["impacts"]
    seen = 0
    for row in range(2, ws.max_row + 1):
        category, stage, comp = (ws.cell(row, c).value for c in (2, 3, 4))
        if comp == "total":
            assert cells[f"E{row}"] == pytest.approx(d[category]["total"], rel=1e-9)
            seen += 1
        elif comp == "stage total":
            if d[category][stage] is None:
                assert ws.cell(row, 5).value == "not covered"
            else:
                assert cells[f"E{row}"] == pytest.approx(d[category][stage], rel=1e-9)
        elif comp not in (None, "stage total") and category != "boundary":
            v = a.lifecycle.components(category, stage)[comp][0]
            assert ws.cell(row, 5).value == ("not covered" if np.isnan(v) else pytest.approx(v))
    assert seen == 4
    got = next(iter(evaluate_model(path).values()))
    assert got["use_water_l_per_year"] == pytest.approx(a.row["use_water_l_per_year"], rel=1e-9)
