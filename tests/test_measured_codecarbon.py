"""Measured runs from CodeCarbon: a real offline run on this CPU, imported by lca, and
emissions.csv files in the codecarbon 2.x and 3.x layouts, malformed ones included.

Layouts: the column lists of codecarbon 2.3 (no experiment_id), 2.4-3.0 (with
experiment_id) and 3.3 (water_consumed ... wue) are lca.measured.codecarbon.LAYOUT_*;
3.3's is checked against the installed CodeCarbon's own file below.
"""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

import numpy as np
import pytest

import lca
from lca.errors import MeasuredDataError, ParameterError
from lca.measured import codecarbon as cc
from lca.measured import from_codecarbon, track
from lca.units import HOURS_PER_YEAR


def _busy(seconds: float) -> int:
    import time

    end, n = time.perf_counter() + seconds, 0
    while time.perf_counter() < end:
        n += 1
    return n


@pytest.fixture(scope="module")
def codecarbon_run(tmp_path_factory):
    """A real CodeCarbon offline run (no network), written to emissions.csv."""
    try:
        from codecarbon import OfflineEmissionsTracker
    except ImportError as exc:  # CI installs it through the test extra
        pytest.skip(f"CodeCarbon is not installed: {exc}")
    out = tmp_path_factory.mktemp("codecarbon")
    kwargs = dict(country_iso_code="DEU", output_dir=str(out), log_level="error",
                  project_name="lca-test")
    from lca.measured.track import accepts

    if accepts(OfflineEmissionsTracker, "output_methods"):   # codecarbon 3.x
        kwargs["output_methods"] = "csv"
    else:                                                     # codecarbon 2.x
        kwargs["save_to_file"] = True
    if accepts(OfflineEmissionsTracker, "allow_multiple_runs"):
        kwargs["allow_multiple_runs"] = True
    try:
        tracker = OfflineEmissionsTracker(**kwargs)
        tracker.start()
        _busy(1.0)
        tracker.stop()
    except Exception as exc:  # e.g. no power reading possible on this machine
        pytest.skip(f"CodeCarbon cannot run on this machine: {type(exc).__name__}: {exc}")
    data = tracker.final_emissions_data
    if not data.energy_consumed > 0:
        pytest.skip("CodeCarbon measured no energy on this machine")
    return out / "emissions.csv", data


def test_real_codecarbon_run_imported_exactly(codecarbon_run):
    path, d = codecarbon_run
    r = from_codecarbon(path, hardware="clemm2024-cpu")
    assert len(r) == 1 and r.issues == []
    row = r.frame.iloc[0]
    # energy and CodeCarbon's emissions are carried over exactly (floats round-trip the CSV)
    assert row["energy_kwh"] == d.energy_consumed
    assert row["codecarbon_kgco2e"] == d.emissions
    assert row["duration_s"] == d.duration
    # embodied share by hand: embodied x duration / lifetime x resource share (whole machine)
    a = lca.assess("clemm2024-cpu")
    by_hand = a.embodied.to("kgCO2e").magnitude * (d.duration / 3600.0) / (5 * 8760.0) * 1.0
    assert row["embodied_share_kgco2e"] == pytest.approx(by_hand, rel=1e-12)
    # lca's grid for DEU is the shipped country value, applied to the measured energy
    g = lca.data.grid_intensity("DEU").value
    assert row["operational_kgco2e"] == pytest.approx(d.energy_consumed * g, rel=1e-12)
    # the other stages of the hardware's life cycle get the same time share
    share = (d.duration / 3600.0) / (5 * 8760.0)
    stages = {st: float(a.lifecycle.stage("gwp", st)[0]) * share
              for st in ("manufacturing", "transport", "end_of_life", "infrastructure")}
    for st in ("transport", "end_of_life", "infrastructure"):
        assert row[f"{st}_share_kgco2e"] == pytest.approx(stages[st], rel=1e-12)
    assert row["hardware_share_kgco2e"] == pytest.approx(sum(stages.values()), rel=1e-12)
    assert row["total_kgco2e"] == pytest.approx(row["operational_kgco2e"] + sum(stages.values()),
                                                rel=1e-12)
    # water of the use stage: on-site (WUE x IT energy) + off-site (electricity water intensity)
    from lca.model import region_parameters

    wue = a.params["wue"]
    ewif = region_parameters("DEU")[0]["water_intensity"]
    assert row["water_l"] == pytest.approx(d.energy_consumed / d.pue * wue
                                           + d.energy_consumed * ewif, rel=1e-12)


def test_real_run_with_gpu_share_on_a_gpu_bom(codecarbon_run):
    path, d = codecarbon_run
    r = from_codecarbon(path, hardware="dgx-h100", gpus=2)
    a = lca.assess("dgx-h100")
    by_hand = a.embodied.magnitude * d.duration / 3600.0 / (5 * HOURS_PER_YEAR) * (2 / 8)
    assert r.frame["resource_share"].iloc[0] == 0.25
    assert r.frame["embodied_share_kgco2e"].iloc[0] == pytest.approx(by_hand, rel=1e-12)
    assert "2 of the 8 GPUs" in r.allocation


def test_installed_codecarbon_layout_is_known(codecarbon_run):
    path, _ = codecarbon_run
    header = next(csv.reader(path.open()))
    assert header in (cc.LAYOUT_3_3, cc.LAYOUT_2_7, cc.LAYOUT_2_3)


def test_track_gives_the_same_result_as_the_import(tmp_path):
    pytest.importorskip("codecarbon")
    try:
        with track("clemm2024-cpu", country="DE", output_dir=tmp_path,
                   functional_units={"requests": 10}) as run:
            _busy(0.5)
            run.count(requests=10)
    except lca.LcaError:
        raise
    except Exception as exc:
        pytest.skip(f"CodeCarbon cannot run on this machine: {exc}")
    tracked = run.result
    imported = from_codecarbon(tmp_path / "emissions.csv", hardware="clemm2024-cpu",
                               functional_units={"requests": 20})
    for col in ("duration_s", "energy_kwh", "codecarbon_kgco2e", "lca_grid_kgco2e_per_kwh",
                "operational_kgco2e", "embodied_share_kgco2e", "total_kgco2e",
                "gco2e_per_request", "gco2e_per_run"):
        assert tracked.frame[col].iloc[0] == pytest.approx(imported.frame[col].iloc[0],
                                                           rel=1e-12), col
    assert tracked.units["requests"][0] == 20


def test_track_as_decorator(tmp_path):
    pytest.importorskip("codecarbon")

    @track("clemm2024-cpu", country="DEU")
    def job(x):
        _busy(0.3)
        return x * 2

    try:
        assert job(21) == 42
    except lca.LcaError:
        raise
    except Exception as exc:
        pytest.skip(f"CodeCarbon cannot run on this machine: {exc}")
    assert job.result.frame["energy_kwh"].iloc[0] > 0
    assert not (tmp_path / "emissions.csv").exists()   # no CSV unless asked for


# --- files in each layout, with malformed rows --------------------------------------------

def _row(layout: list[str], **values) -> list[str]:
    base = dict(timestamp="2022-01-01T01:30:00", project_name="p", run_id="run-a",
                experiment_id="e", duration="3600", emissions="0.2", emissions_rate="5.5e-05",
                cpu_power="100", gpu_power="0", ram_power="20", cpu_energy="0.4",
                gpu_energy="0", ram_energy="0.1", energy_consumed="0.5", water_consumed="0",
                country_name="Germany", country_iso_code="DEU", region="", cloud_provider="",
                cloud_region="", os="Linux", python_version="3.11", codecarbon_version="2.3.4",
                cpu_count="8", cpu_model="cpu", gpu_count="", gpu_model="", longitude="",
                latitude="", ram_total_size="64", tracking_mode="machine",
                cpu_utilization_percent="0", gpu_utilization_percent="0",
                ram_utilization_percent="0", ram_used_gb="0", on_cloud="N", pue="1.0", wue="0")
    base.update({k: str(v) for k, v in values.items()})
    return [base[c] for c in layout]


def _write(path: Path, layout: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(layout)
        w.writerows(rows)
    return path


@pytest.mark.parametrize("layout, name", [(cc.LAYOUT_2_3, "codecarbon 2.0-2.3"),
                                          (cc.LAYOUT_2_7, "codecarbon 2.4-3.0"),
                                          (cc.LAYOUT_3_3, "codecarbon 3.x")])
def test_each_layout_reads_the_same_run(tmp_path, layout, name):
    path = _write(tmp_path / "e.csv", layout, [_row(layout)])
    r = from_codecarbon(path, hardware="clemm2024-cpu")
    assert r.layout.startswith(name)
    row = r.frame.iloc[0]
    assert row["energy_kwh"] == 0.5 and row["codecarbon_kgco2e"] == 0.2
    assert row["start_utc"] == "2022-01-01T00:30:00" and row["end_utc"] == "2022-01-01T01:30:00"
    a = lca.assess("clemm2024-cpu")
    assert row["embodied_share_kgco2e"] == pytest.approx(a.embodied.magnitude * 1.0 / (5 * 8760))
    hardware = float(a.lifecycle.total("gwp")[0] - a.lifecycle.stage("gwp", "use")[0])
    assert row["hardware_share_kgco2e"] == pytest.approx(hardware / (5 * 8760))


def test_malformed_rows_one_line_each_good_rows_reported(tmp_path):
    L = cc.LAYOUT_2_7
    rows = [_row(L, run_id="good-1"),
            _row(L, run_id="text", energy_consumed="abc"),
            _row(L, run_id="neg", duration="-5"),
            _row(L, run_id="zero", energy_consumed="0"),
            _row(L, run_id="short")[:-3],
            _row(L, run_id="good-2", duration="1800", energy_consumed="0.25", emissions="0.1"),
            _row(L, run_id="inf", emissions="inf")]
    path = _write(tmp_path / "bad.csv", L, rows)
    r = from_codecarbon(path, hardware="clemm2024-cpu")
    assert list(r.frame["run_id"]) == ["good-1", "good-2"]
    assert list(r.frame["line"]) == [2, 7]
    text = [str(i) for i in r.issues]
    assert len(text) == 5
    assert text[0].startswith(f"{path}:3: ") and "energy_consumed: expected a number [kWh], got 'abc'" in text[0]
    assert text[1].startswith(f"{path}:4: ") and "duration" in text[1] and "-5" in text[1]
    assert text[2].startswith(f"{path}:5: ") and "energy_consumed: 0 kWh" in text[2]
    assert text[3].startswith(f"{path}:6: ") and "expected 32 cells" in text[3]
    assert text[4].startswith(f"{path}:8: ") and "emissions: expected a number" in text[4]
    assert all(t.endswith("(row left out)") for t in text)


def test_missing_required_column_is_one_error(tmp_path):
    L = [c for c in cc.LAYOUT_3_3 if c != "energy_consumed"]
    path = _write(tmp_path / "e.csv", L, [_row(L)])
    with pytest.raises(MeasuredDataError, match=r"e\.csv:1: header: missing column\(s\) energy_consumed"):
        from_codecarbon(path, hardware="clemm2024-cpu")


def test_optional_columns_absent_partial_file(tmp_path):
    L = ["duration", "energy_consumed"]
    path = _write(tmp_path / "e.csv", L, [["60", "0.01"]])
    r = from_codecarbon(path, hardware="clemm2024-cpu", region="FR")
    row = r.frame.iloc[0]
    assert math.isnan(row["codecarbon_kgco2e"])
    assert row["operational_kgco2e"] == pytest.approx(0.01 * lca.data.grid_intensity("FR").value)
    assert any("no emissions column" in n for n in r.notes)
    assert r.to_dict()["runs"][0]["codecarbon_kgco2e"] is None   # never NaN in JSON
    assert "NaN" not in r.to_json()


def test_every_row_bad_raises_with_the_issues(tmp_path):
    L = cc.LAYOUT_2_3
    path = _write(tmp_path / "e.csv", L, [_row(L, duration="x"), _row(L, energy_consumed="0")])
    with pytest.raises(MeasuredDataError, match="no run to report") as info:
        from_codecarbon(path, hardware="clemm2024-cpu")
    assert len(info.value.issues) == 2


def test_unknown_country_keeps_the_run_without_lca_grid(tmp_path):
    L = cc.LAYOUT_2_7
    path = _write(tmp_path / "e.csv", L, [_row(L, country_iso_code="XXX"), _row(L)])
    r = from_codecarbon(path, hardware="clemm2024-cpu")
    assert len(r) == 2
    assert math.isnan(r.frame["operational_kgco2e"].iloc[0])
    assert r.frame["codecarbon_kgco2e"].iloc[0] == 0.2
    assert len(r.issues) == 1 and "unknown country 'XXX'" in str(r.issues[0])
    assert not r.issues[0].skipped


def test_resource_shares_and_their_errors(tmp_path):
    L = cc.LAYOUT_3_3
    path = _write(tmp_path / "e.csv", L, [_row(L, gpu_count="4"), _row(L, gpu_count="")])
    r = from_codecarbon(path, hardware="dgx-h100")
    assert list(r.frame["resource_share"]) == [0.5, 1.0]   # gpu_count / 8; whole machine
    assert list(from_codecarbon(path, hardware="dgx-h100", share=0.1).frame["resource_share"]) == [0.1, 0.1]
    with pytest.raises(ParameterError, match="gpus: 9 used, but the hardware has 8"):
        from_codecarbon(path, hardware="dgx-h100", gpus=9)
    with pytest.raises(ParameterError, match="no accelerators"):
        from_codecarbon(path, hardware="clemm2024-cpu", gpus=1)
    with pytest.raises(ParameterError, match="measured.resource_share"):
        from_codecarbon(path, hardware="dgx-h100", share=1.5)


def test_functional_units_and_market_grid(tmp_path):
    L = cc.LAYOUT_2_7
    path = _write(tmp_path / "e.csv", L, [_row(L)])
    r = from_codecarbon(path, hardware="clemm2024-cpu", grid=0.4, market_grid=0.05,
                        functional_units={"tokens": 2e6, "requests": 100, "images": 4,
                                          "training_tokens": 1e9})
    row = r.frame.iloc[0]
    emb = row["hardware_share_kgco2e"]
    total = 0.5 * 0.4 + emb
    assert row["total_kgco2e"] == pytest.approx(total)
    assert row["operational_market_kgco2e"] == pytest.approx(0.5 * 0.05)
    assert row["total_market_kgco2e"] == pytest.approx(0.025 + emb)
    assert row["gco2e_per_1000_tokens"] == pytest.approx(total * 1000 / 2000)
    assert row["gco2e_per_request"] == pytest.approx(total * 1000 / 100)
    assert row["gco2e_per_image"] == pytest.approx(total * 1000 / 4)
    assert row["gco2e_per_training_token"] == pytest.approx(total * 1000 / 1e9)
    assert row["gco2e_per_run"] == pytest.approx(total * 1000)
    with pytest.raises(ParameterError, match="functional unit 'pages'"):
        from_codecarbon(path, hardware="clemm2024-cpu", functional_units={"pages": 3})
