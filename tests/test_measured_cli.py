"""`lca measured`, `lca track`, `lca hourly` and `--format sci`: one warning line per bad
row, exit 2 only when nothing can be reported, no NaN in any output."""

from __future__ import annotations

import csv
import json
import sys

import pytest
from typer.testing import CliRunner

from lca.cli import app
from lca.measured import codecarbon as cc

runner = CliRunner()


def run(*args):
    return runner.invoke(app, list(map(str, args)))


def _file(tmp_path, rows, layout=cc.LAYOUT_2_7):
    path = tmp_path / "emissions.csv"
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=layout, restval="")
        w.writeheader()
        for r in rows:
            w.writerow({k: v for k, v in r.items() if k in layout})
    return path


GOOD = dict(timestamp="2022-01-01T02:00:00", run_id="abcdef123456", project_name="p",
            duration="7200", energy_consumed="2.0", emissions="0.8", country_iso_code="DEU",
            gpu_count="2", pue="1.0")


def test_measured_table_json_csv(tmp_path):
    path = _file(tmp_path, [GOOD])
    r = run("measured", path, "--hardware", "dgx-h100", "--tokens", 1e6)
    assert r.exit_code == 0, r.output
    assert "x duration / lifetime x resource share" in r.stdout
    assert "GPUs CodeCarbon saw" in r.stdout and "per 1,000 tokens [g]" in r.stdout
    d = json.loads(run("measured", path, "--hardware", "dgx-h100", "-f", "json").stdout)
    run0 = d["runs"][0]
    assert run0["energy_kwh"] == 2.0 and run0["codecarbon_kgco2e"] == 0.8
    assert run0["resource_share"] == 0.25
    assert "ISO/IEC 21031" in d["allocation"]
    out = run("measured", path, "--hardware", "dgx-h100", "-f", "csv").stdout
    assert out.splitlines()[0].startswith("line,run_id,project")


def test_measured_bad_rows_warn_one_line_each(tmp_path):
    path = _file(tmp_path, [GOOD, dict(GOOD, duration="-1"), dict(GOOD, energy_consumed="n/a")])
    r = run("measured", path, "--hardware", "clemm2024-cpu")
    assert r.exit_code == 0
    warnings = [line for line in r.stderr.splitlines() if line.startswith("lca: warning:")]
    assert len(warnings) == 2
    assert f"{path}:3:" in warnings[0] and f"{path}:4:" in warnings[1]
    assert "NaN" not in r.stdout and "nan" not in r.stdout


def test_measured_nothing_to_report_exits_2(tmp_path):
    path = _file(tmp_path, [dict(GOOD, energy_consumed="0")])
    r = run("measured", path, "--hardware", "clemm2024-cpu")
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert lines[0].startswith("lca: warning:") and f"{path}:2:" in lines[0]
    assert lines[-1].startswith("lca: error:") and "no run to report" in lines[-1]
    assert "Traceback" not in r.output


def test_measured_missing_column_and_missing_file(tmp_path):
    path = _file(tmp_path, [GOOD], layout=["timestamp", "duration"])
    r = run("measured", path, "--hardware", "clemm2024-cpu")
    assert r.exit_code == 2 and "missing column(s) energy_consumed" in r.stderr
    r = run("measured", tmp_path / "nope.csv", "--hardware", "clemm2024-cpu")
    assert r.exit_code == 2 and "file not found" in r.stderr


def test_measured_market_grid_and_hourly(tmp_path):
    path = _file(tmp_path, [GOOD])
    r = run("measured", path, "--hardware", "clemm2024-cpu", "--market-grid", 0.05,
            "--grid-series", "electricitymaps-DE-2022-01-01-to-07", "-f", "json")
    d = json.loads(r.stdout)
    row = d["runs"][0]
    assert row["operational_market_kgco2e"] == pytest.approx(0.1)
    # 00:00-02:00 UTC on 2022-01-01: the mean of the first two hours of the sample
    assert row["lca_grid_kgco2e_per_kwh"] == pytest.approx((0.21379 + 0.21802) / 2)


def test_measured_sci_per_request(tmp_path):
    path = _file(tmp_path, [GOOD])
    r = run("measured", path, "--hardware", "clemm2024-cpu", "--grid", 0.4, "--requests", 1000,
            "-f", "sci", "--per", "requests")
    assert r.exit_code == 0, r.output
    assert "SCI = (E x I + M) per R" in r.stdout and "functional unit: request" in r.stdout
    j = json.loads(run("measured", path, "--hardware", "clemm2024-cpu", "--grid", 0.4,
                       "--requests", 1000, "-f", "json").stdout)["runs"][0]
    expected = (2.0 * 400 + j["hardware_share_kgco2e"] * 1000) / 1000
    assert j["gco2e_per_request"] == pytest.approx(expected)
    r = run("measured", path, "--hardware", "clemm2024-cpu", "-f", "sci", "--per", "images")
    assert r.exit_code == 2 and "--per images: give the count" in r.stderr


def test_assess_and_workload_format_sci():
    r = run("assess", "clemm2024-cpu", "-f", "sci")
    assert r.exit_code == 0 and "SCI [gCO2e/hour]" in r.stdout and "Boundary:" in r.stdout
    r = run("workload", "infer", "--device", "h100-sxm5", "--params", 7e9, "-f", "sci")
    assert r.exit_code == 0 and "1,000 tokens" in r.stdout


def test_hourly_command_location_and_market():
    r = run("hourly", "clemm2024-cpu", "electricitymaps-DE-2022-01-01-to-07", "--market-grid", 0.05)
    assert r.exit_code == 0, r.output
    assert "location-based" in r.stdout and "market-based" in r.stdout and "ODbL" in r.stdout
    d = json.loads(run("hourly", "clemm2024-cpu", "electricitymaps-DE-2022-01-01-to-07",
                       "-f", "json").stdout)
    assert d["hours"] == 168


def test_track_command_runs_and_reports(tmp_path):
    pytest.importorskip("codecarbon")
    r = run("track", "--hardware", "clemm2024-cpu", "--country", "DEU", "--output-dir", tmp_path,
            "-f", "json", "--", sys.executable, "-c", "sum(range(3_000_000))")
    if r.exit_code != 0 and "CodeCarbon" in r.output:
        pytest.skip(f"CodeCarbon cannot run here: {r.output}")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["runs"][0]["energy_kwh"] > 0
    assert (tmp_path / "emissions.csv").exists()
    failing = run("track", "--hardware", "clemm2024-cpu", "--country", "DEU", "--",
                  sys.executable, "-c", "raise SystemExit(3)")
    assert failing.exit_code == 3
