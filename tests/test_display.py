"""Notebook display: HTML tables with units and the boundary (user text escaped), and
.plot() of each kind of result drawing the report's figures."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.figure import Figure

import lca
from conftest import BOM_HEADER
from lca.display import BOUNDARY, ResultFrame, esc


@pytest.fixture(scope="module")
def cpu():
    return lca.assess("clemm2024-cpu")


def test_assessment_html_has_units_boundary_and_the_study_figures(cpu):
    h = cpu._repr_html_()
    # Clemm et al. 2024, Table I / section IV.D: 1,176.8 kgCO2e embodied, 1,869.1 kgCO2e/a
    for text in ("1,176.8", "1,869.1", "kgCO2e/year", "kWh/year", "clemm2024",
                 esc(BOUNDARY), "<table"):
        assert text in h, text


HOSTILE = (BOM_HEADER.replace("name: tiny", 'name: "<script>alert(1)</script>"')
           + '  - {name: "<b>die</b>", type: logic, role: processor, area: 1 cm^2}\n'
           + "  - {name: disk, type: storage, technology: ssd, capacity: 1 TB}\n")


def test_user_text_is_escaped(write_bom):
    h = lca.assess(write_bom(HOSTILE), method="clemm2024")._repr_html_()
    assert "<script>" not in h and "<b>die</b>" not in h
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in h and "&lt;b&gt;die&lt;/b&gt;" in h
    assert "not covered" in h  # the disk, which clemm2024 cannot cost


def test_result_frames_show_units_and_plot_the_report_figures(cpu):
    methods = lca.compare_methods("clemm2024-cpu")
    sweep = lca.sweep("clemm2024-cpu", grid=[0.05, 0.4], lifetime=[3, 5])
    sens = lca.sensitivity("clemm2024-cpu")
    for frame, words in ((methods, "kgCO2e"), (sweep, "canonical units"),
                         (sens, "kgCO2e/year")):
        assert isinstance(frame, ResultFrame)
        h = frame._repr_html_()
        assert words in h and "Boundary of the headline figures" in h
        fig = frame.plot()
        assert isinstance(fig, Figure) and fig.axes
    assert type(methods.head()) is pd.DataFrame  # derived frames are plain again
    # the sweep's figure: one line per lifetime through the sweep's own totals
    lines = sweep.plot().axes[0].get_lines()
    assert len(lines) == 2
    assert list(lines[0].get_ydata()) == pytest.approx(
        sweep[sweep["lifetime"] == 3]["total_kgco2e_per_year"].tolist())
    assert "grid carbon intensity [kgCO2e/kWh]" == sweep.plot().axes[0].get_xlabel()
    # with arguments, pandas' own plot
    assert not isinstance(methods.plot(y="total", kind="bar"), Figure)


def test_monte_carlo_and_assessment_plots(cpu):
    mc = lca.monte_carlo("clemm2024-cpu", n=200, seed=0)
    h = mc._repr_html_()
    assert "200 samples" in h and "kgCO2e/year" in h and "p95" in h
    assert isinstance(mc.plot(), Figure)
    for page in ("embodied", "lifetime", "grid"):
        assert isinstance(cpu.plot(page), Figure)
    with pytest.raises(lca.LcaError, match="unknown page"):
        cpu.plot("nope")


def test_a_validation_result_shows_published_figure_and_error_in_a_notebook():
    """NVIDIA's HGX H100 PCF: 1,312 kgCO2e published (data/validation/nvidia-hgx-h100-pcf.yaml);
    the table shows it beside lca's value and their relative error, as `lca validate` does."""
    from lca import validation

    (result,) = validation.validate(["nvidia-hgx-h100-pcf"])
    html_text = result._repr_html_()
    assert "1,312" in html_text and "kgCO2e" in html_text
    assert f"{100 * result.error:+.1f} %" in html_text
    assert "<script" not in html_text
    fig = result.plot()
    assert fig.axes   # the report's validation page
