"""`lca sweep`, `lca mc`, `lca sensitivity`: outputs, files written, one-line errors."""

import io
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

import lca
from lca.cli import app
from lca.cli_whatif import parse_vary

runner = CliRunner()


def run(*args):
    return runner.invoke(app, list(args))


def test_sweep_csv_has_the_cartesian_product_and_matches_assess():
    r = run("sweep", "clemm2024-cpu", "--vary", "grid=0.05:0.8:16", "--vary", "lifetime=3,4,5,6",
            "--format", "csv")
    assert r.exit_code == 0, r.output
    frame = pd.read_csv(io.StringIO(r.stdout))
    assert len(frame) == 64
    assert list(frame.columns[:2]) == ["grid", "lifetime"]
    row = frame.iloc[17]
    a = lca.assess("clemm2024-cpu", grid=row.grid, lifetime=row.lifetime).row
    assert row.total_kgco2e_per_year == pytest.approx(a["total_kgco2e_per_year"], rel=1e-14)


def test_sweep_table_json_and_output_file(tmp_path):
    r = run("sweep", "clemm2024-cpu", "--vary", "region=DE,FR", "--vary", "pue=1.0,1.5")
    assert r.exit_code == 0, r.output
    assert "region" in r.stdout and "total_kgco2e_per_year" in r.stdout
    r = run("sweep", "clemm2024-cpu", "--vary", "grid=50 gCO2e/kWh:400 gCO2e/kWh:2",
            "--format", "json")
    records = json.loads(r.stdout)
    assert [rec["grid"] for rec in records] == pytest.approx([0.05, 0.4])
    out = tmp_path / "sub" / "s.csv"
    r = run("sweep", "dgx-h100", "--vary", "lifetime=3:7:5", "-o", str(out), "--chunk-size", "2",
            "--columns", "total_kgco2e_per_year")
    assert r.exit_code == 0, r.output
    back = pd.read_csv(out)
    assert list(back.columns) == ["lifetime", "total_kgco2e_per_year"] and len(back) == 5
    out_json = tmp_path / "s.json"
    r = run("sweep", "clemm2024-cpu", "--vary", "lifetime=3,4", "-o", str(out_json))
    assert json.loads(out_json.read_text())[1]["lifetime"] == 4


def test_parse_vary():
    name, values = parse_vary("lifetime=3:6:4")
    assert name == "lifetime" and list(values) == [3, 4, 5, 6]
    name, values = parse_vary("region=DE, FR")
    assert values == ["DE", "FR"]
    _, q = parse_vary("grid=100 g_CO2e/kWh:300 g_CO2e/kWh:3")
    assert q.to("kgCO2e/kWh").magnitude.tolist() == pytest.approx([0.1, 0.2, 0.3])


def test_mc_summary_is_reproducible():
    a = run("mc", "clemm2024-cpu", "-n", "2000", "--seed", "1", "--format", "json")
    b = run("mc", "clemm2024-cpu", "-n", "2000", "--seed", "1", "--format", "json")
    assert a.exit_code == 0, a.output
    assert a.stdout == b.stdout
    d = json.loads(a.stdout)
    s = d["summary"]["total_kgco2e_per_year"]
    assert s["p5"] <= s["p50"] <= s["p95"]
    dram = d["distributions"]["factors.clemm2024.dram_die"]
    assert (dram["kind"], dram["args"]) == ("triangular", [0.9, 1.8, 2.7])
    assert dram["source"].startswith("Clemm et al. 2024")
    t = run("mc", "clemm2024-cpu", "-n", "500", "--seed", "2", "--dist", "grid=uniform:0.1:0.5")
    assert t.exit_code == 0 and "grid" in t.stdout and "p95" in t.stdout


def test_mc_writes_samples(tmp_path):
    out = tmp_path / "samples.csv"
    r = run("mc", "clemm2024-cpu", "-n", "300", "--seed", "1", "-o", str(out), "--format", "csv")
    assert r.exit_code == 0, r.output
    samples = pd.read_csv(out)
    assert len(samples) == 300 and "factors.clemm2024.dram_die" in samples.columns
    summary = pd.read_csv(io.StringIO(r.stdout))
    assert list(summary.columns) == ["output", "mean", "p5", "p50", "p95"]


def test_sensitivity_ranks_grid_first():
    r = run("sensitivity", "clemm2024-cpu", "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert rows[0]["parameter"] == "grid"
    assert rows[0]["swing"] == pytest.approx(1633.74, rel=1e-9)
    t = run("sensitivity", "clemm2024-cpu")
    assert t.exit_code == 0 and t.stdout.splitlines()[2].split()[0] == "grid"


@pytest.mark.parametrize("args,message", [
    (["sweep", "clemm2024-cpu", "--vary", "nonsense=1,2"], "unknown parameter"),
    (["sweep", "clemm2024-cpu", "--vary", "grid"], "expected NAME="),
    (["sweep", "clemm2024-cpu", "--vary", "grid=0:1:x"], "whole number"),
    (["sweep", "clemm2024-cpu", "--vary", "grid=1 W:2 W:3"], "kgCO2e/kWh"),
    (["sweep", "clemm2024-cpu", "--vary", "pue=0.5,1"], "pue"),
    (["sweep", "no-such-server", "--vary", "pue=1"], "no-such-server"),
    (["mc", "clemm2024-cpu", "--dist", "grid=weird:1:2"], "unknown distribution"),
    (["sensitivity", "clemm2024-cpu", "--region", "XX-nowhere"], "unknown region"),
])
def test_user_errors_are_one_line_exit_2(args, message):
    r = run(*args)
    assert r.exit_code == 2, r.output
    err = r.stderr.strip()
    assert err.startswith("lca: error:") and message in err and len(err.splitlines()) == 1


def test_break_even_command():
    """Break-even grid of the study's CPU system: embodied per year / energy per year =
    1,176.804 / 5 / 4,084.35 kgCO2e/kWh (Clemm et al. 2024 figures); the refresh answer
    equals lca.whatif.optimal_lifetime."""
    from lca.whatif import optimal_lifetime

    r = run("break-even", "clemm2024-cpu", "--efficiency-gain", "0.15", "--format", "json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["break_even_grid_kgco2e_per_kwh"] == pytest.approx(1176.804 / 5 / 4084.35, rel=1e-12)
    assert d["optimal_lifetime_years"] == pytest.approx(
        optimal_lifetime("clemm2024-cpu", 0.15).lifetime.to("year").magnitude, rel=1e-12)
    # the refresh measure at the BOM's 5 years, hand-checked: k = -ln(0.85) = 0.16252;
    # 1,176.804 / 5 + 1,633.74 x (e^(5k) - 1) / (5k) = 235.36 + 2,520.67 = 2,756.0
    assert d["total_kgco2e_per_year_at_current_lifetime"] == pytest.approx(2756.0, abs=0.1)
    assert d["total_kgco2e_per_year_at_current_lifetime"] > d["total_kgco2e_per_year_at_optimum"]
    text = run("break-even", "clemm2024-cpu", "--efficiency-gain", "0.15").stdout
    assert "Why above today's 1,869.1 kgCO2e/year" in text and "2,756.0" in text
    r = run("break-even", "clemm2024-cpu", "--lifetime", "3")
    assert "0.09604 kgCO2e/kWh" in r.stdout   # 1,176.804 / 3 / 4,084.35
