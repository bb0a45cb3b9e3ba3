"""The inference and training models against public measurements and disclosures
(data/validation/*.yaml of kinds inference and training; lca.accelerator.validation).

Each reference names its source, the boundary of its figure and a tolerance taken from
the reference's own spread. Where lca misses, the test pins the current error (to
+/- 0.02) so that a change of the model shows up here, and the README says so."""

from __future__ import annotations

import pytest

from lca.accelerator import validation

NAMES = validation.reference_names()


@pytest.fixture(scope="module")
def checks():
    """Every check, computed once: {(reference, case): Check}."""
    return {(c.reference, c.case): c for n in NAMES for c in validation.evaluate(n)}


def test_every_reference_names_source_boundary_and_tolerance():
    assert set(NAMES) >= {"mlenergy-llama31-h100", "google-gemini-2025", "epoch-chatgpt-2025",
                          "luccioni-2024-power-hungry", "meta-llama-model-cards",
                          "deepseek-v3-training", "opt-175b-training"}
    for name in NAMES:
        spec = validation.load(name)
        assert spec["kind"] in validation.KINDS
        assert spec["boundary"] in ("accelerator", "server", "facility")
        assert len(str(spec["source"])) > 40 and spec.get("version")
        for case in spec["cases"]:
            if case.get("value") is not None and not case.get("flagged"):
                assert validation.tolerance_of(spec, case)   # every evaluated case has one
                assert spec.get("tolerance_rule"), name    # and the file says where it comes from


def test_tolerance_rules():
    """relative |q - 1| <= r; factor max(q, 1/q) <= f; absolute |lca - published| <= a."""
    assert validation.judge(1.099, 1.0, {"relative": 0.1})[1]
    assert not validation.judge(1.11, 1.0, {"relative": 0.1})[1]
    assert validation.judge(0.25, 1.0, {"factor": 4})[1]
    assert not validation.judge(0.24, 1.0, {"factor": 4})[1]
    err, ok, _ = validation.judge(0.55, 0.58, {"absolute": 0.03})
    assert ok and err == pytest.approx(-0.03)


# --- ML.ENERGY Leaderboard v3.0 (accelerator boundary; tolerance: the v2.0 -> v3.0 spread) ------

WITHIN_MLENERGY = ["8B, 1 GPU, batch 64", "8B, 1 GPU, batch 256", "70B, 4 GPUs, batch 64",
                   "70B, 4 GPUs, batch 256", "70B, 4 GPUs, batch 1024",
                   "405B FP8, 8 GPUs, batch 64", "405B FP8, 8 GPUs, batch 256"]


@pytest.mark.parametrize("case", WITHIN_MLENERGY)
def test_mlenergy_v3_within_the_version_spread(checks, case):
    c = checks[("mlenergy-llama31-h100", case)]
    assert c.boundary == "accelerator" and c.unit == "J"
    assert c.within, (c.case, c.error, c.tolerance)


def test_mlenergy_v3_8b_batch_512_is_missed_by_26_percent(checks):
    """Honest current error: lca -26 % at 8B / batch 512, outside the 9 % between versions
    (v2.0 0.0765 J, v3.0 0.0702 J). 512 sequences of 973 tokens need 16 GB of weights +
    512 x 973 x 128 KiB = 65 GB of KV cache, more than the H100's 80 GB: vLLM cannot have
    kept 512 sequences running (max_num_seqs is a ceiling), and lca says so in a note."""
    c = checks[("mlenergy-llama31-h100", "8B, 1 GPU, batch 512")]
    assert not c.within
    assert c.error == pytest.approx(-0.262, abs=0.02)
    import lca

    r = lca.infer(**c.inputs, boundary="accelerator")
    assert float(r.memory_gb_required[0]) == pytest.approx(
        (8.03e9 * 2 + 512 * 973 * 131072) / 1e9)
    assert any("exceed the accelerators' memory" in n for n in r.notes)


def test_mlenergy_errors_all_below_zero(checks):
    """lca under-predicts every ML.ENERGY point (its roofline is an upper bound on speed)."""
    errors = [checks[("mlenergy-llama31-h100", c)].error for c in WITHIN_MLENERGY]
    assert all(e < 0 for e in errors)


# --- Google 2025, Gemini Apps median prompt: shares by boundary -------------------------------

def test_google_gemini_shares_pinned(checks):
    """lca's split of the facility energy (Llama 3.1 70B on 4 x H100, PUE 1.09) against
    Google's 58 / 25 / 10 / 8 %: the overhead share matches (PUE); lca gives the host more
    (36 %) and the accelerators (50 %) and idle capacity (5 %) less. Errors pinned."""
    expected = {"active accelerators": -0.077, "host CPU and DRAM": +0.113,
                "idle machines": -0.048, "data-centre overhead": +0.003}
    for case, err in expected.items():
        c = checks[("google-gemini-2025", case)]
        assert c.boundary == "facility"
        assert c.error == pytest.approx(err, abs=0.02), case
    assert checks[("google-gemini-2025", "data-centre overhead")].within
    totals = validation.load("google-gemini-2025")["totals"]
    assert totals["comprehensive"]["value"] == 0.24 and totals["energy_narrow"]["value"] == 0.10


# --- Epoch AI 2025: 0.301 Wh per ChatGPT (GPT-4o) query -------------------------------------------

def test_epoch_chatgpt_query_within_epochs_own_scenario_spread(checks):
    """lca 0.52 Wh at the facility boundary (Epoch's 100 B active / 400 B total, 500 tokens,
    PUE 1.2) against 0.301 Wh: +72 %, inside the factor 4.3 between Epoch's baseline and
    pessimistic scenarios."""
    c = checks[("epoch-chatgpt-2025", "GPT-4o baseline query")]
    assert c.within and c.boundary == "facility"
    assert c.error == pytest.approx(0.72, abs=0.05)


# --- Luccioni et al. 2024: text generation per 1,000 inferences on one A100 ---------------------

def test_luccioni_text_generation_missed_by_87_percent(checks):
    """Honest current error: lca 0.006 kWh per 1,000 inferences against 0.047 (sd 0.03):
    -87 %, outside one standard deviation. The study ran small models one request at a time
    through a general-purpose framework, where per-token framework overhead dominates;
    lca's 2 ms step overhead covers a part of it."""
    c = checks[("luccioni-2024-power-hungry", "text generation, 1,000 inferences")]
    assert c.boundary == "server" and not c.within
    assert c.error == pytest.approx(-0.867, abs=0.02)


# --- Training disclosures ---------------------------------------------------------------------------

@pytest.mark.parametrize("case,implied", [
    ("Llama 2 (7B, 13B, 70B)", 539.0 / (3311616 * 0.4 / 1000)),
    ("Llama 3 (8B, 70B)", 2290 / (7.7e6 * 0.7 / 1000)),
    ("Llama 3.1 (8B, 70B, 405B)", 11390 / (39.3e6 * 0.7 / 1000)),
    ("Llama 4 (Scout, Maverick)", 1999 / (7.38e6 * 0.7 / 1000)),
])
def test_llama_cards_within_10_percent_and_implied_grid(checks, case, implied):
    """lca with the card's GPU-hours and power and the US average grid (0.384 kgCO2e/kWh)
    is within 10 % of each card; each card's implied grid factor (0.387-0.425) is reported."""
    c = checks[("meta-llama-model-cards", case)]
    assert c.within, (case, c.error)
    assert c.extra["implied_grid_kgco2e_per_kwh"] == pytest.approx(implied, rel=1e-9)
    assert 0.38 < implied < 0.43


def test_llama_33_card_is_flagged_not_fitted(checks):
    c = checks[("meta-llama-model-cards", "Llama 3.3 70B")]
    assert c.status == "flagged" and c.within is None and c.error is None
    assert "contradicts itself" in c.extra["flag"]
    assert c.extra["implied_grid_kgco2e_per_kwh"] == pytest.approx(12.9 / 4900)


def test_deepseek_v3_is_a_prediction_with_stated_assumptions(checks):
    """No energy published: lca predicts 2.788e6 GPU-hours x (109 + 0.74 x (700 - 109)) W
    = 1,523 MWh, x China's 0.5596 kgCO2e/kWh = 852 tCO2e (chip power only, PUE 1)."""
    c = checks[("deepseek-v3-training", "DeepSeek-V3 full training (2.788M H800 GPU-hours)")]
    assert c.status == "prediction" and c.published is None
    mwh = 2.788e6 * (109 + 0.74 * (700 - 109)) / 1e6
    assert c.extra["energy_mwh"] == pytest.approx(mwh)
    assert c.lca == pytest.approx(mwh * 0.5595517)


def test_opt_175b_missed_by_61_percent(checks):
    """Honest current error: 992 A100 x 33 days x 400 W = 314 MWh at the US average grid
    gives 121 t against OPT's 75 t (+61 %); Meta's estimate implies 0.239 kgCO2e/kWh, a
    grid lca has no source for."""
    c = checks[("opt-175b-training", "OPT-175B (992 x A100 80GB, ~33 days)")]
    assert not c.within
    assert c.error == pytest.approx(0.607, abs=0.02)
    assert c.extra["implied_grid_kgco2e_per_kwh"] == pytest.approx(75 / (992 * 33 * 24 * 0.4 / 1000))


# --- in the `lca validate` framework (lca.validation, lca.validation_inference) --------------------

def test_inference_and_training_references_in_lca_validate():
    """Every inference and training reference is evaluated by `lca validate` through the
    registered evaluators; the headline case is the file's published figure and every case
    is a breakdown line."""
    import json

    from typer.testing import CliRunner

    from lca import validation as framework
    from lca.cli import app

    results = {r.reference.name: r for r in framework.validate(NAMES)}
    assert set(results) == set(NAMES)
    ml = results["mlenergy-llama31-h100"]
    assert ml.evaluated and ml.met and ml.reference.published.value == 0.1186
    assert ml.default == pytest.approx(0.0998, rel=0.02)
    assert len(ml.breakdown) == 8
    llama = results["meta-llama-model-cards"]
    flagged = next(b for b in llama.breakdown if b["line"] == "Llama 3.3 70B")
    assert flagged["lca"] is None and "flagged" in flagged["note"]
    assert results["deepseek-v3-training"].default == pytest.approx(2.788e6)
    out = CliRunner().invoke(app, ["validate", "epoch-chatgpt-2025", "opt-175b-training",
                                   "--format", "json"])
    assert out.exit_code == 0, out.output
    rows = {r["name"]: r for r in json.loads(out.output)}
    assert rows["epoch-chatgpt-2025"]["met"] is True and rows["opt-175b-training"]["met"] is False
    table = CliRunner().invoke(app, ["validate"])
    assert table.exit_code == 0, table.output
    assert "mlenergy-llama31-h100" in table.output and "flagged" in table.output
