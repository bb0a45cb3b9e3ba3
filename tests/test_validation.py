"""Validation against published assessments (data/validation/, lca.validation, lca validate).

Each test names the source and the tolerance (issue 12: the default method within 25 % of
each hardware PCF). A reference the default method does not meet with sourced factors is
asserted as not met, with the published figure inside lca's low-high range, as its data
file says: a factor change that moved it would have to be argued, not fitted."""

import json

import pytest
from typer.testing import CliRunner

from lca import validation
from lca.cli import app

TOLERANCE = 0.25   # issue 12


@pytest.fixture(scope="module")
def results():
    return {r.reference.name: r for r in validation.validate()}


def test_every_reference_has_its_fields_and_an_evaluator(results):
    hardware = {n: r for n, r in results.items() if r.reference.kind == "hardware"}
    assert set(hardware) == {"nvidia-hgx-h100-pcf", "schneider2025-tpu-v6e", "falk2025-a100",
                             "dell-r740-pcf", "dell-r710-pcf"}
    for r in results.values():   # every kind: evaluated, fields given, outcome up to date
        ref = r.reference
        assert r.evaluated, ref.name
        assert ref.source and ref.boundary and ref.conditions and ref.trust
        assert r.met == ref.outcome["met"], f"{ref.name}: outcome in the data file is stale"
    for r in hardware.values():
        ref = r.reference
        assert r.evaluated, ref.name
        assert ref.source and ref.boundary and ref.conditions and ref.trust
        assert ref.tolerance == TOLERANCE
        assert set(r.values) >= {"composite", "clemm2024", "act2022", "boavizta", "llmcarbon2024"}
        assert r.met == ref.outcome["met"], f"{ref.name}: outcome in the data file is stale"


def test_nvidia_hgx_h100_pcf(results):
    """NVIDIA HGX H100 baseboard PCF (2025, ISO 14067): 1,312 kgCO2e cradle to gate;
    tolerance 25 %. Memory line 546 kgCO2e for 640 GB (the composite's HBM factor)."""
    r = results["nvidia-hgx-h100-pcf"]
    assert r.reference.published.value == 1312
    assert abs(r.default / 1312 - 1) <= TOLERANCE
    assert r.met and r.in_range
    memory = next(b for b in r.breakdown if b["line"] == "memory")
    assert memory["lca"] == pytest.approx(546, rel=1e-3)


def test_falk2025_a100_teardown(results):
    """Falk et al. 2025 (arXiv:2509.00093), A100 SXM4 40 GB: 127.6 kgCO2e cradle to gate;
    tolerance 25 %. Not met with sourced factors (-28 %): the published figure lies in the
    default method's low-high range."""
    r = results["falk2025-a100"]
    assert r.reference.published.value == 127.6
    assert not r.met and r.in_range
    assert -0.35 < r.error < -TOLERANCE


def test_dell_r740_pcf(results):
    """Dell PowerEdge R740 PCF (2019): 15.2 % of 8,640 kgCO2e = 1,313 kgCO2e manufacturing;
    tolerance 25 %. Not met with the central NAND factor: inside the low-high range."""
    r = results["dell-r740-pcf"]
    assert r.reference.published.value == pytest.approx(0.152 * 8640, rel=1e-3)
    assert not r.met and r.in_range and r.error > TOLERANCE


def test_dell_r710_bound(results):
    """Dell PowerEdge R710 white paper (2011): 6,360 kgCO2e with the use phase over 90 %:
    everything else under 636 kgCO2e; lca's manufacturing must not exceed it by over 25 %."""
    r = results["dell-r710-pcf"]
    assert r.reference.published.upper_bound and r.reference.published.value == 636
    assert r.met and r.default <= 636 * (1 + TOLERANCE)


def test_schneider2025_tpu_v6e(results):
    """Schneider et al. 2025 (arXiv:2502.01671), TPU v6e per chip over 6 years: embodied
    692 kgCO2e = TPU manufacturing and transport 323 + host share 260 + data-centre
    construction 109; tolerance 25 %. The total is met, but by compensation: the host
    share is within tolerance, the TPU line far below, transport and construction above."""
    r = results["schneider2025-tpu-v6e"]
    lines = {b["line"]: b for b in r.breakdown}
    assert r.reference.published.value == 692 == sum(b["published"] for b in lines.values())
    assert r.met and abs(r.error) <= TOLERANCE and r.in_range
    assert abs(lines["host_share"]["error"]) <= TOLERANCE
    assert lines["tpu"]["error"] < -TOLERANCE
    assert lines["dc_construction"]["error"] > TOLERANCE
    assert r.reference.reproduce["stages"] == ["manufacturing", "transport", "infrastructure"]


def test_registry_accepts_new_kinds(monkeypatch):
    """Another module registers an evaluator for its kind (as branch inference will)."""
    ref = validation.load_reference("dell-r710-pcf")
    fake = type(ref)(**{**ref.__dict__, "kind": "toy"})
    assert not validation.evaluate_reference(fake).evaluated   # unknown kind: said, not dropped
    monkeypatch.setitem(validation.EVALUATORS, "toy", lambda r: validation.ValidationResult.compare(
        r, {"default": 600.0}, 500.0, 700.0))
    out = validation.evaluate_reference(fake)
    assert out.met and out.error == pytest.approx(600 / 636 - 1)


def test_meets_rules():
    from lca.data import Figure
    pub = Figure(100.0, "kgCO2e", "t", min=90.0, max=110.0)
    assert validation.meets(109.0, pub, 0.25) and not validation.meets(115.0, pub, 0.25)
    assert validation.meets(124.0, Figure(100.0, "kgCO2e", "t"), 0.25)


def test_cli_validate_formats():
    runner = CliRunner()
    out = runner.invoke(app, ["validate", "nvidia-hgx-h100-pcf", "--format", "json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert rows[0]["name"] == "nvidia-hgx-h100-pcf" and rows[0]["met"] is True
    table = runner.invoke(app, ["validate"]).output
    assert "falk2025-a100" in table and "NO" in table
    csv = runner.invoke(app, ["validate", "--format", "csv"]).output
    assert csv.splitlines()[0].startswith("name,title,kind")
    bad = runner.invoke(app, ["validate", "nope"])
    assert bad.exit_code == 2 and "unknown validation reference" in bad.output
