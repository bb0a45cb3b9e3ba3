"""Generated reports: page count, PDF text and metadata, PNG validity and size,
byte-identical output for the same inputs, overwrite protection, interrupted writes."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from typer.testing import CliRunner

import lca
from lca.cli import app
from lca.errors import OverwriteError
from lca.io import written_by_lca
from lca.report import build_report

pypdf = pytest.importorskip("pypdf")

#: PNG size stated in the README: A4 landscape at 100 dpi.
PNG_SIZE = (1169, 827)


@pytest.fixture(scope="module")
def study():
    """The reference study's CPU server and GPU module (Clemm et al. 2024)."""
    return [lca.assess("clemm2024-cpu"), lca.assess("clemm2024-gpu")]


@pytest.fixture(scope="module")
def study_report(study, tmp_path_factory):
    return build_report(study, tmp_path_factory.mktemp("a") / "study.pdf")


def stated_pages(stderr: str, pdf) -> int:
    """The page count `lca report` states in its "wrote PDF (N pages)" line."""
    import re

    m = re.search(rf"wrote {re.escape(str(pdf))} \((\d+) pages\)", stderr)
    assert m, stderr
    return int(m.group(1))


def pdf_text(path) -> list[str]:
    return [p.extract_text() for p in pypdf.PdfReader(path).pages]


def methods_frame(a):
    e = a.row["embodied_kgco2e"]
    parts = {name: [q.magnitude, np.nan if i == 0 else 1.5 * q.magnitude]
             for i, (name, q) in enumerate(a.embodied_by_component.items())}
    n = len(parts)
    return pd.DataFrame({**parts, "total": [e, 1.5 * e], "low": [0.5 * e, e],
                         "high": [1.5 * e, 2 * e], "covered": [n, n - 1]},
                        index=pd.Index(["clemm2024", "act2022"], name="method"))


class MonteCarlo:
    """The shape of lca.monte_carlo's result: .samples and .summary."""

    def __init__(self, a):
        t = a.row["total_kgco2e_per_year"] * np.linspace(0.8, 1.2, 101)
        self.samples = pd.DataFrame({"total_kgco2e_per_year": t})
        self.summary = pd.DataFrame(
            {"mean": [t.mean()], "p5": [np.percentile(t, 5)], "p50": [np.percentile(t, 50)],
             "p95": [np.percentile(t, 95)]}, index=["total_kgco2e_per_year"])


def sensitivity_frame(a):
    t = a.row["total_kgco2e_per_year"]
    return pd.DataFrame({"parameter": ["grid", "lifetime"], "low": [0.2, 3.0], "high": [0.6, 7.0],
                         "total_at_low": [0.56 * t, 1.08 * t],
                         "total_at_high": [1.44 * t, 0.96 * t],
                         "swing": [0.88 * t, 0.12 * t]})


def test_study_report_pages_and_text(study_report):
    r = study_report
    assert r.kinds == ["summary", "embodied", "embodied", "lifetime", "grid", "comparison",
                       "lifecycle", "notes"]  # no per-unit page: neither BOM declares a functional unit
    reader = pypdf.PdfReader(r.pdf)
    assert len(reader.pages) == len(r.kinds)
    text = pdf_text(r.pdf)
    assert "Life-cycle carbon: summary" in text[0]
    # Clemm et al. 2024, Table I and section IV.D (lca's exact values, to 0.1 kg):
    # embodied 1,176.8; operational 1,633.7; total per year 1,869.1 (study: 1,874 from
    # "almost 1,200"); use phase 87.4 %; GPU module operational 2,058.6 (study: 2,059).
    for figure in ("1,176.8", "1,633.7", "1,869.1", "87.4", "2,058.6", "4,084.3",
                   "clemm2024", "kgCO2e/year"):
        assert figure in text[0], figure
    assert "Embodied carbon by component" in text[1] and "dram" in text[1]
    assert "1,105.9" in text[1]  # DRAM, 614.4 cm^2 x 1.8 (Table I)
    assert "Footprint per year over the lifetime" in text[r.pages_of("lifetime")[0]]
    grid = text[r.pages_of("grid")[0]]
    assert "Footprint against grid carbon intensity" in grid
    assert "Grid carbon intensity [kgCO2e/kWh]" in grid
    # at 0.05 kgCO2e/kWh: 1,176.804 / 5 + 204.2175 = 439.58 (hand-checked)
    assert "439.6 at 0.05" in grid and "1,869.1 at 0.4" in grid
    assert "Comparison" in text[r.pages_of("comparison")[0]]
    for page in text:
        assert "Sources:" in page and "Clemm" in page
    meta = reader.metadata
    assert meta.title.startswith("Life-cycle carbon report: Xeon 8468")
    assert "carbon" in meta.subject
    assert meta.creator.startswith("lca")
    assert "/CreationDate" not in meta


def test_pngs_valid_and_sized(study_report):
    r = study_report
    assert len(r.pngs) == len(r.kinds)
    assert r.pngs[0].name == "study-01-summary.png"
    for path in r.pngs:
        with Image.open(path) as im:
            im.verify()
        with Image.open(path) as im:
            assert im.format == "PNG" and im.size == PNG_SIZE
            assert im.info.get("Source") == "lca" and "Software" not in im.info
        assert written_by_lca(path)


def test_same_inputs_give_identical_files(tmp_path, study_report):
    a = study_report
    b = build_report([lca.assess("clemm2024-cpu"), lca.assess("clemm2024-gpu")],
                     tmp_path / "b" / "study.pdf")
    for pa, pb in zip(a.pngs, b.pngs):
        assert pa.read_bytes() == pb.read_bytes(), pa.name
    assert a.pdf.read_bytes() == b.pdf.read_bytes()


def test_analysis_pages(tmp_path, study):
    """Hand-made results in the shapes of compare_methods, monte_carlo and sensitivity."""
    r = build_report(study, tmp_path / "full.pdf",
                     methods={a.name: methods_frame(a) for a in study},
                     monte_carlo={a.name: MonteCarlo(a) for a in study},
                     sensitivity={a.name: sensitivity_frame(a) for a in study}, png=False)
    assert r.pngs == []
    text = pdf_text(r.pdf)
    methods, = (text[i] for i in r.pages_of("methods"))
    assert "Embodied carbon by method" in methods and "act2022" in methods
    assert "(3 of 4 parts)" in methods  # the CPU server has 4 components
    assert "Methods compared:" in methods and "U. Gupta et al., 2022" in methods
    notes, = (text[i] for i in r.pages_of("notes"))
    assert "ISCA 2022" in notes  # act2022's full source, on the notes page
    mc, = (text[i] for i in r.pages_of("monte-carlo"))
    assert "Monte Carlo" in mc and "p50" in mc and "n = 101" in mc
    sens, = (text[i] for i in r.pages_of("sensitivity"))
    assert "Sensitivity" in sens and "lifetime [year]" in sens  # registry label and unit
    assert "grid carbon intensity" in sens and "Total per year [kgCO2e/year]" in sens


def test_single_server_has_no_comparison(tmp_path):
    r = build_report(lca.assess("dgx-h100", method="clemm2024"), tmp_path / "dgx.pdf", png=False)
    assert r.kinds == ["summary", "embodied", "lifetime", "grid", "lifecycle", "notes"]
    assert not any("Comparison" in t for t in r.titles)
    text = pdf_text(r.pdf)
    assert "not covered" in text[1].lower() or "Not covered" in text[1]
    assert "per exaFLOP" in text[0]


def test_overwrite_rules(tmp_path, study):
    foreign = tmp_path / "r.pdf"
    foreign.write_bytes(b"%PDF-1.4 someone else's report")
    with pytest.raises(OverwriteError):
        build_report(study, foreign)
    assert foreign.read_bytes() == b"%PDF-1.4 someone else's report"
    assert sorted(os.listdir(tmp_path)) == ["r.pdf"]  # no PNG written either
    build_report(study, foreign, force=True)
    assert written_by_lca(foreign)
    r = build_report(study[:1], foreign)  # lca's own report: replaced without force
    assert len(pypdf.PdfReader(foreign).pages) == len(r.kinds)
    # a foreign PNG in the way blocks the report too
    png = tmp_path / "r-01-summary.png"
    Image.new("RGB", (4, 4)).save(png)
    assert not written_by_lca(png)
    with pytest.raises(OverwriteError):
        build_report(study, foreign)


def test_interrupted_report_leaves_no_file(tmp_path, study, monkeypatch):
    from matplotlib.backends import backend_pdf

    calls = {"n": 0}
    original = backend_pdf.PdfPages.savefig

    def savefig(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("killed midway")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(backend_pdf.PdfPages, "savefig", savefig)
    with pytest.raises(RuntimeError):
        build_report(study, tmp_path / "out" / "r.pdf")
    assert os.listdir(tmp_path / "out") == []


def test_cli_report(tmp_path):
    runner = CliRunner()
    out = tmp_path / "reports" / "default.pdf"
    r = runner.invoke(app, ["report", "clemm2024-cpu", "clemm2024-gpu", "-o", str(out),
                            "--no-analyses"])
    assert r.exit_code == 0, r.output
    n = stated_pages(r.stderr, out)
    assert n == len(pdf_text(out)) == len(list(out.parent.glob("default-*.png")))
    assert not any("Monte Carlo" in t for t in pdf_text(out))  # --no-analyses
    r = runner.invoke(app, ["report", "clemm2024-cpu", "-o", str(tmp_path / "x.txt")])
    assert r.exit_code == 2 and r.stderr.startswith("lca: error:")
    foreign = tmp_path / "foreign.pdf"
    foreign.write_text("mine")
    r = runner.invoke(app, ["report", "clemm2024-cpu", "-o", str(foreign), "--no-png",
                            "--no-analyses"])
    assert r.exit_code == 2 and "--force" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r = runner.invoke(app, ["report", "clemm2024-cpu", "-o", str(foreign), "--no-png",
                            "--force", "--grid", "0.05", "--no-analyses"])
    assert r.exit_code == 0, r.output
    assert "204.2" in pdf_text(foreign)[0]  # operational at 0.05 (study: 204 kgCO2e/a)


def test_cli_report_adds_analyses_when_the_api_has_them(tmp_path, monkeypatch):
    """Stand-ins in the documented shapes of lca.compare_methods, lca.monte_carlo and
    lca.sensitivity (built on other branches): the CLI finds them and adds their pages."""
    seen = {}

    def compare_methods(bom):
        return methods_frame(lca.assess(bom))

    def monte_carlo(bom, n=1000, seed=None, **overrides):
        seen["monte_carlo"] = (n, seed, overrides)
        return MonteCarlo(lca.assess(bom, **overrides))

    def sensitivity(bom):
        return sensitivity_frame(lca.assess(bom))

    for name, fn in (("compare_methods", compare_methods), ("monte_carlo", monte_carlo),
                     ("sensitivity", sensitivity)):
        monkeypatch.setattr(lca, name, fn, raising=False)
    out = tmp_path / "r.pdf"
    r = CliRunner().invoke(app, ["report", "clemm2024-cpu", "clemm2024-gpu", "-o", str(out),
                                 "--no-png", "--samples", "500", "--seed", "7",
                                 "--lifetime", "3", "--no-validation"])
    assert r.exit_code == 0, r.output
    text = pdf_text(out)
    assert stated_pages(r.stderr, out) == len(text)
    assert seen["monte_carlo"] == (500, 7, {"lifetime": 3.0})
    for title in ("Embodied carbon by method", "Monte Carlo: distribution",
                  "Sensitivity: total per year"):
        assert sum(title in t for t in text) == 1, title
    r = CliRunner().invoke(app, ["report", "clemm2024-cpu", "-o", str(out), "--no-png",
                                 "--no-analyses"])
    assert r.exit_code == 0 and stated_pages(r.stderr, out) == len(pdf_text(out))
    assert not any("Monte Carlo" in t for t in pdf_text(out))

    def failing(bom):
        raise lca.LcaError("cannot do this one")

    monkeypatch.setattr(lca, "sensitivity", failing)
    r = CliRunner().invoke(app, ["report", "clemm2024-cpu", "-o", str(out), "--no-png",
                                 "--samples", "50"])
    assert r.exit_code == 0, r.output
    text = pdf_text(out)
    assert stated_pages(r.stderr, out) == len(text)
    assert any("Monte Carlo: distribution" in t for t in text)
    assert any("Validation against published" in t for t in text)
    assert not any("Sensitivity: total per year" in t for t in text)  # left out
    assert "lca: warning: sensitivity left out for" in r.stderr


def test_cli_export_adds_methods_and_monte_carlo(tmp_path, monkeypatch):
    import openpyxl

    monkeypatch.setattr(lca, "compare_methods", lambda bom: methods_frame(lca.assess(bom)),
                        raising=False)
    monkeypatch.setattr(lca, "monte_carlo",
                        lambda bom, n, seed: MonteCarlo(lca.assess(bom)), raising=False)
    out = tmp_path / "x.xlsx"
    r = CliRunner().invoke(app, ["export", "clemm2024-cpu", "-o", str(out), "--methods",
                                 "--monte-carlo", "100"])
    assert r.exit_code == 0, r.output
    names = openpyxl.load_workbook(out).sheetnames
    assert {"Methods", "Monte Carlo", "Monte Carlo samples"} <= set(names)


EDGE_BOM = """\
name: edge
kind: gpu
lifetime: 2.5 years
embodied: {method: clemm2024}
usage:
  grid: 0 kgCO2e/kWh
  profile:
    - {share: 0.5, power: 300 W, label: train}
    - {share: 0.3, power: 200 W, label: serve}
    - {share: 0.2, power: 50 W, label: idle}
components:
  - {name: disk, type: storage, technology: ssd, capacity: 1 TB}
"""


def test_edge_server_report(tmp_path, write_bom):
    """Nothing covered, a zero grid, three states and a fractional lifetime still give a
    complete report that says so."""
    r = build_report(lca.assess(write_bom(EDGE_BOM)), tmp_path / "edge.pdf", png=False)
    text = pdf_text(r.pdf)
    assert r.kinds == ["summary", "embodied", "lifetime", "grid", "lifecycle", "notes"]
    assert "No component is covered by clemm2024" in text[1]
    assert "disk" in text[1]


@pytest.mark.parametrize("bom, overrides", [
    ("clemm2024-cpu", {}), ("dgx-h100", {}), ("tpu-v5e-host", {}),
    ("clemm2024-cpu", {"lifetime": 2.5}), ("clemm2024-gpu", {"lifetime": 0.4}),
])
def test_yearly_footprint_sums_to_lifetime_total(bom, overrides):
    """Invariant of the lifetime page: the yearly bars add up to the lifetime total, and
    the footprint against grid intensity passes through the server's own point."""
    from lca.report import grid_curve, yearly_footprint

    a = lca.assess(bom, **overrides)
    years, emb, op = yearly_footprint(a)
    assert len(years) == int(np.ceil(a.lifetime.magnitude))
    assert float(np.sum(emb + op)) == pytest.approx(a.row["lifetime_kgco2e"], rel=1e-12)
    curve = grid_curve(a, np.array([0.0, a.grid.magnitude, 0.05]))
    assert curve[1] == pytest.approx(a.row["total_kgco2e_per_year"], rel=1e-12)
    assert curve[2] == pytest.approx(lca.assess(bom, grid=0.05, **overrides)
                                     .row["total_kgco2e_per_year"], rel=1e-12)
    assert curve[0] == pytest.approx(a.row["embodied_kgco2e_per_year"], rel=1e-12)


def test_names_with_dollar_signs(tmp_path, write_bom):
    """Text from a BOM is never read as TeX (matplotlib mathtext) by the report."""
    bom = write_bom(EDGE_BOM.replace("name: edge", 'name: "cost $\\\\frac{ $5"')
                    .replace("name: disk", 'name: "$x^"'))
    r = build_report(lca.assess(bom), tmp_path / "d.pdf")
    text = pdf_text(r.pdf)
    assert "cost $\\frac{ $5" in text[0]
    assert "$x^" in text[1]


def test_page_registry_builds_pages_by_name(study):
    from lca.report import PAGES, build_pages

    assert list(PAGES)[:4] == ["summary", "embodied", "lifetime", "grid"]
    pages = build_pages(study, only=["grid", "comparison"])
    assert [p.kind for p in pages] == ["grid", "comparison"]
    with pytest.raises(lca.LcaError, match="unknown report page"):
        build_pages(study, only=["nope"])


def test_nothing_is_cut_off_and_long_sources_move_to_the_notes_page(tmp_path):
    """Titles, sources and notes wrap, never end in "[...]" or "...": a report whose grid
    sources are long points each page to the notes page, which holds them in full."""
    items = [lca.assess("clemm2024-cpu", region="PL"),
             lca.assess("dgx-h100", region="FR", method="clemm2024"),
             lca.assess("clemm2024-gpu", region="renewable-clemm2024")]
    r = build_report(items, tmp_path / "long.pdf", png=False)
    text = pdf_text(r.pdf)
    for page in text:
        assert "[...]" not in page and "..." not in page
        assert "Sources:" in page and "Clemm" in page
    notes = " ".join(text[i] for i in r.pages_of("notes")).replace("\n", " ")
    assert "Our World in Data" in notes  # the countries' source, in full
    assert "Sources and notes" in text[0]  # each page's short note points there
    assert "not covered by clemm2024: os ssd, data ssd" in notes


def test_grid_axis_reaches_one_and_marks_the_servers_regions(study):
    """The grid axis reaches at least 1.0 kgCO2e/kWh (and every shipped country's grid);
    each server's region (or "given in the BOM") is written on the page."""
    from lca.report import build_pages, country_grids

    items = [lca.assess("clemm2024-cpu", region="PL"), study[1]]
    page, = build_pages(items, only=["grid"])
    ax = page.figure.axes[0]
    assert ax.get_xlim()[1] >= max(1.0, max(country_grids()))
    texts = [t.get_text() for t in ax.texts]
    assert "PL" in texts and "given in the BOM" in texts


def test_comparison_uses_a_log_scale_when_servers_differ_tenfold():
    from lca.report import build_pages

    far = [lca.assess("clemm2024-gpu"), lca.assess("dgx-h100")]  # 2,080 vs 30,714 /year
    page, = build_pages(far, only=["comparison"])
    assert all(ax.get_yscale() == "log" for ax in page.figure.axes)
    near = [lca.assess("clemm2024-cpu"), lca.assess("clemm2024-gpu")]  # 1,869 vs 2,080
    page, = build_pages(near, only=["comparison"])
    assert all(ax.get_yscale() == "linear" for ax in page.figure.axes)


def test_per_unit_page_divides_by_what_the_boms_declare():
    """Per accelerator: total per year / accelerator count (DGX H100: 8 GPUs); per
    functional unit: the assessment's own per-unit figure."""
    from lca.report import accelerator_count, per_unit_rows

    items = [lca.assess("clemm2024-cpu"), lca.assess("dgx-h100"), lca.assess("tpu-v5e-host")]
    assert [accelerator_count(a) for a in items] == [0, 8, 8]
    panels = dict((title, rows) for title, _, rows in per_unit_rows(items, ["c", "d", "t"]))
    acc = panels["Per accelerator (GPU or TPU chip), per year"]
    assert [r[0] for r in acc] == ["d", "t"]
    assert acc[0][1] + acc[0][2] == pytest.approx(items[1].row["total_kgco2e_per_year"] / 8)
    fu = panels["Per exaFLOP"]
    assert fu[0][1] + fu[0][2] == pytest.approx(
        items[1].per_functional_unit["total_gco2e"].magnitude)
