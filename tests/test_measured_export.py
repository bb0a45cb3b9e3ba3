"""The Measured runs sheet (live formulas, evaluated in Python with `formulas`, equal to
lca.measured) and the measured-runs report page (PDF + PNG written, marked as lca's)."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from openpyxl import load_workbook

from lca.io import written_by_lca
from lca.measured import codecarbon as cc
from lca.measured import export, from_codecarbon


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    path = tmp_path_factory.mktemp("m") / "emissions.csv"
    rows = [dict(timestamp="2022-01-01T02:00:00", run_id="=HYPERLINK(\"x\")", duration="7200",
                 energy_consumed="2.0", emissions="0.8", country_iso_code="DEU", gpu_count="2"),
            dict(timestamp="2022-01-02T05:00:00", run_id="b", duration="3600",
                 energy_consumed="0.75", emissions="0.3", country_iso_code="XXX", gpu_count="8")]
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cc.LAYOUT_2_7, restval="")
        w.writeheader()
        w.writerows(rows)
    return from_codecarbon(path, hardware="dgx-h100", market_grid=0.02,
                           functional_units={"tokens": [1e6, 5e5]})


def _evaluate(path):
    formulas = pytest.importorskip("formulas")
    model = formulas.ExcelModel().loads(str(path)).finish()
    out = {}
    for ref, value in model.calculate().items():
        sheet, _, cell = ref.rpartition("!")
        if ":" not in cell:
            out[cell.upper()] = np.asarray(getattr(value, "value", value)).ravel()[0]
    return out


def test_sheet_formulas_equal_the_library(tmp_path, runs):
    path = export.write_measured_workbook(runs, tmp_path / "m.xlsx")
    assert written_by_lca(path)
    ws = load_workbook(path)[export.SHEET_TITLE]
    head = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Line")
    first = head + 1
    titles = {ws.cell(head, j).value: j for j in range(1, ws.max_column + 1)}
    # user text is never a formula
    assert ws.cell(first, titles["Run"]).data_type == "s"
    values = _evaluate(path)
    from openpyxl.utils import get_column_letter as L

    checks = {"Operational, lca grid [kgCO2e]": "operational_kgco2e",
              "Embodied (manufacturing) share [kgCO2e]": "embodied_share_kgco2e",
              "Hardware share, all stages but use [kgCO2e]": "hardware_share_kgco2e",
              "Total, lca grid [kgCO2e]": "total_kgco2e",
              "Total, CodeCarbon operational [kgCO2e]": "total_codecarbon_kgco2e",
              "Total, market-based [kgCO2e]": "total_market_kgco2e",
              "Per 1,000 tokens [gCO2e]": "gco2e_per_1000_tokens",
              "Per run [gCO2e]": "gco2e_per_run"}
    for title, key in checks.items():
        col = L(titles[title])
        for i, expected in enumerate(runs.frame[key]):
            got = values.get(f"{col}{first + i}")
            if np.isnan(expected):     # no lca grid for the second run (unknown country)
                assert got in ("", None) or (isinstance(got, str) and not got.strip()), title
            else:
                assert float(got) == pytest.approx(expected, rel=1e-9), title
    issues = [ws.cell(r, 2).value for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Issue"]
    assert len(issues) == 1 and "unknown country 'XXX'" in issues[0]


def test_report_page_pdf_and_png(tmp_path, runs):
    written = export.build_measured_report(runs, tmp_path / "runs.pdf")
    assert [p.suffix for p in written] == [".pdf", ".png"]
    assert all(written_by_lca(p) for p in written)
    page = export.measured_runs_page(runs)
    assert page.slug == "measured-runs" and page.title == export.PAGE_TITLE
