"""CLI conventions: --version, shell completion, messages on stderr and data on stdout,
units on --grid and --lifetime, `lca show` and `lca init`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import lca
from lca import data
from lca.cli import app

runner = CliRunner()


def test_version():
    r = runner.invoke(app, ["--version"])
    assert r.exit_code == 0 and r.stdout.strip() == f"lca {lca.__version__}"


def test_shell_completion_is_offered():
    r = runner.invoke(app, ["--help"])
    assert "--install-completion" in r.stdout and "--show-completion" in r.stdout


@pytest.mark.parametrize("grid, lifetime", [("50 gCO2e/kWh", "60 months"),
                                            ("0.05 kgCO2e/kWh", "5 years"),
                                            ("0.05", "5")])
def test_grid_and_lifetime_take_units(grid, lifetime):
    """Clemm et al. 2024, section IV.D: at 0.05 kgCO2e/kWh the CPU server emits
    1,176.804 / 5 + 4,084.35 x 0.05 = 439.58 kgCO2e/a (hand-checked)."""
    r = runner.invoke(app, ["assess", "clemm2024-cpu", "--grid", grid, "--lifetime", lifetime,
                            "-f", "json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["grid_kgco2e_per_kwh"] == pytest.approx(0.05)
    assert d["total_kgco2e_per_year"] == pytest.approx(439.5783, abs=1e-4)


@pytest.mark.parametrize("grid, words", [("50 g/kWh", "gCO2e"), ("-1", "got -1"),
                                         ("fast", "got 'fast'")])
def test_a_wrong_quantity_is_one_line(grid, words, capsys):
    from lca.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["assess", "clemm2024-cpu", "--grid", grid])
    out, err = capsys.readouterr()
    assert exc.value.code == 2
    assert out == "" and len(err.strip().splitlines()) == 1
    assert err.startswith("lca: error:") and words in err and "Traceback" not in err


def test_show_prints_a_shipped_bom():
    r = runner.invoke(app, ["show", "clemm2024-cpu"])
    assert r.exit_code == 0
    assert r.stdout == data.server_path("clemm2024-cpu").read_text(encoding="utf-8")
    r = runner.invoke(app, ["show", "nope"])
    assert r.exit_code == 2 and "lca list servers" in r.stderr


@pytest.mark.parametrize("kind", ["cpu", "gpu", "tpu"])
def test_init_writes_a_template_that_assesses_with_every_part_covered(tmp_path, kind):
    path = tmp_path / f"{kind}.yaml"
    r = runner.invoke(app, ["init", str(path), "--kind", kind])
    assert r.exit_code == 0, r.output
    assert r.stdout == "" and f"wrote {path}" in r.stderr  # messages on stderr
    a = lca.assess(path)
    assert a.bom.kind == kind and not a.uncovered
    assert a.total_per_year.magnitude > 0
    assert "#" in path.read_text()  # commented
    r = runner.invoke(app, ["assess", str(path), "-f", "json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["uncovered_components"] == {}
    r = runner.invoke(app, ["init", str(path), "--kind", kind])  # never replaced silently
    assert r.exit_code == 2 and "--force" in r.stderr


def test_init_to_stdout_and_a_bad_kind():
    r = runner.invoke(app, ["init", "--kind", "gpu"])
    assert r.exit_code == 0 and r.stdout.startswith("# A GPU server BOM")
    r = runner.invoke(app, ["init", "--kind", "fpga"])
    assert r.exit_code == 2 and "cpu, gpu, tpu" in r.stderr


def test_files_are_announced_on_stderr_and_data_stays_on_stdout(tmp_path):
    """Every command that writes a file says so on stderr only (stdout stays data)."""
    commands = [
        ["export", "clemm2024-cpu", "-o", str(tmp_path / "a.xlsx")],
        ["report", "clemm2024-cpu", "-o", str(tmp_path / "r.pdf"), "--no-png",
         "--no-analyses"],
        ["sweep", "clemm2024-cpu", "--vary", "grid=0.1,0.2", "-o", str(tmp_path / "s.csv")],
        ["init", str(tmp_path / "t.yaml")],
    ]
    for argv in commands:
        r = runner.invoke(app, argv)
        assert r.exit_code == 0, (argv, r.output)
        assert "wrote" in r.stderr and "wrote" not in r.stdout, argv
