"""The CLI: a thin shell over the API; user errors are one line and exit code 2."""

import json

import pytest
from typer.testing import CliRunner

from conftest import MINIMAL_BOM
from lca.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, list(map(str, args)))


def test_assess_json_keys():
    r = run("assess", "clemm2024-cpu", "--format", "json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    for key in ("name", "method", "lifetime_years", "embodied_kgco2e",
                "embodied_by_component_kgco2e", "energy_kwh_per_year",
                "operational_kgco2e_per_year", "embodied_kgco2e_per_year",
                "total_kgco2e_per_year", "use_phase_share"):
        assert key in d
    assert d["total_kgco2e_per_year"] == pytest.approx(1869.1008)


def test_assess_overrides_match_api():
    import lca
    r = run("assess", "clemm2024-cpu", "--lifetime", 3, "--grid", 0.05, "--pue", 1.2, "--format", "json")
    d = json.loads(r.stdout)
    api = lca.assess("clemm2024-cpu", lifetime=3, grid=0.05, pue=1.2).to_dict()
    assert d == api


def test_assess_region_override():
    r = run("assess", "clemm2024-cpu", "--region", "renewable-clemm2024", "--format", "json")
    assert json.loads(r.stdout)["operational_kgco2e_per_year"] == pytest.approx(204.2175)


def test_assess_table_and_csv():
    r = run("assess", "clemm2024-cpu")
    assert r.exit_code == 0 and "1,176.8" in r.stdout and "87.4" in r.stdout
    r = run("assess", "clemm2024-cpu", "--format", "csv")
    header, values = r.stdout.strip().splitlines()
    assert "total_kgco2e_per_year" in header.split(",")


def test_compare_study_systems():
    r = run("compare", "clemm2024-cpu", "clemm2024-gpu", "--format", "json")
    assert r.exit_code == 0
    cpu, gpu = json.loads(r.stdout)
    assert gpu["energy_kwh_per_year"] > cpu["energy_kwh_per_year"]
    r = run("compare", "clemm2024-cpu", "clemm2024-gpu")
    assert "Total per year" in r.stdout


def test_list_and_schema():
    r = run("list")
    assert r.exit_code == 0 and "clemm2024-cpu" in r.stdout and "clemm2024" in r.stdout
    r = run("list", "regions")
    assert "DE" in r.stdout
    r = run("schema")
    assert json.loads(r.stdout)["title"] == "lca BOM file"


BAD = {
    "unknown type": (MINIMAL_BOM.replace("type: logic", "type: gizmo"), "components[0].type"),
    "wrong unit": (MINIMAL_BOM.replace("1 cm^2", "8.12 W"), "components[0].area"),
    "missing unit": (MINIMAL_BOM.replace("1 cm^2", "8.12"), "components[0].area"),
    "negative area": (MINIMAL_BOM.replace("1 cm^2", "-1 cm^2"), "components[0].area"),
    "zero area": (MINIMAL_BOM.replace("1 cm^2", "0 cm^2"), "components[0].area"),
    "shares": (MINIMAL_BOM.replace("share: 1.0", "share: 0.9"), "sum to 1"),
    "region": (MINIMAL_BOM.replace("grid: 0.5 kgCO2e/kWh", "region: XX"), "unknown region"),
    "method": (MINIMAL_BOM + "embodied: {method: magic}\n", "embodied.method"),
    "malformed": ("name: [unclosed\n", "malformed YAML"),
    "missing field": (MINIMAL_BOM.replace("kind: cpu\n", ""), "kind"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_input_one_line_exit_2(write_bom, case):
    text, expected = BAD[case]
    path = write_bom(text)
    r = run("assess", path)
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(f"lca: error: {path}")
    assert expected in lines[0]
    assert "Traceback" not in r.output


@pytest.mark.parametrize("args,expected", [
    (["assess", "no/such.yaml"], "no/such.yaml: file not found"),
    (["assess", "no-such-server"], "not a file and not a shipped BOM"),
    (["assess", "clemm2024-cpu", "--region", "XX"], "unknown region 'XX'"),
    (["assess", "clemm2024-cpu", "--method", "magic"], "unknown method 'magic'"),
    (["assess", "clemm2024-cpu", "--grid", "0.1", "--region", "DE"], "not both"),
])
def test_bad_arguments_one_line_exit_2(args, expected):
    r = run(*args)
    assert r.exit_code == 2
    assert len(r.stderr.strip().splitlines()) == 1
    assert expected in r.stderr


def test_assess_table_shows_embodied_range():
    # clemm2024's factors all carry a judged +-50 % range (data/factors/clemm2024.yaml), so
    # the range of the study's system is 0.5 x and 1.5 x its 1,176.804 kgCO2e.
    r = run("assess", "clemm2024-cpu")
    line = next(l for l in r.stdout.splitlines() if "low to high" in l)
    assert "588.4 to 1,765.2 kgCO2e" in line


@pytest.mark.parametrize("argv,expected", [
    (["assess", "clemm2024-cpu", "--bogus"], "No such option: --bogus"),
    (["assess", "clemm2024-cpu", "--pue", "abc"], "Invalid value for '--pue'"),
    (["mc", "clemm2024-cpu", "-n", "0"], "monte_carlo.n: expected a whole number at least 1"),
    (["mc", "clemm2024-cpu", "-n", "1e12"], "at most 1e+09"),
    (["mc", "clemm2024-cpu", "--seed", "-1"], "monte_carlo.seed"),
    (["sweep", "clemm2024-cpu", "--vary", "grid=0:1:1e9"], "sweep.points"),
    (["assess"], "Missing argument"),
    (["no-such-command"], "No such command"),
])
def test_usage_errors_through_the_entry_point_are_one_line(capsys, argv, expected):
    """The console script (lca.cli.main) turns typer's usage errors into one line, exit 2."""
    from lca.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("lca: error: ") and expected in err


def test_entry_point_runs_a_command(capsys):
    from lca.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["assess", "clemm2024-cpu", "--format", "json"])
    assert exit_info.value.code == 0
    assert json.loads(capsys.readouterr().out)["embodied_kgco2e"] == pytest.approx(1176.804)
