"""The per-request inference model (lca.accelerator.inference, lca.infer): hand-checked
pieces, invariants, EcoLogits' published formula, and the CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import lca
from lca.accelerator import ecologits, inference
from lca.cli import app
from lca.errors import ParameterError

runner = CliRunner()
LLAMA8 = dict(device="h100-sxm5", model="llama-3.1-8b", grid=0.4)


# --- pure pieces, hand-checked ---------------------------------------------------------------------

def test_kv_cache_of_llama_31_8b_is_128_kib_per_token():
    """2 x 32 layers x 8 KV heads x 128 x 2 bytes (bf16) = 131,072 B (Llama 3 herd, Table 3)."""
    assert inference.kv_cache_bytes_per_token(32, 8, 128, 2) == 131072
    a = inference.architecture("llama-3.1-8b")
    assert (a.layers, a.heads, a.kv_heads, a.head_dim, a.hidden) == (32, 32, 8, 128, 4096)


def test_prefill_and_decode_flops_hand_checked():
    """Prefill of 1,000 tokens, 8e9 parameters, 32 layers x 32 heads x 128: 2 x 8e9 x 1e3 +
    2 x 32 x 32 x 128 x 1e6 = 1.6e13 + 2.62144e11. A decode step of 4 sequences at context
    1,000: 4 x (1.6e10 + 4 x 32 x 32 x 128 x 1e3) = 4 x (1.6e10 + 5.24288e8)."""
    assert inference.prefill_flops(8e9, 1000, 32, 32, 128) == pytest.approx(1.6e13 + 2.62144e11)
    assert inference.decode_step_flops(8e9, 4, 1000, 32, 32, 128) == pytest.approx(
        4 * (1.6e10 + 5.24288e8))
    assert inference.decode_step_bytes(1.6e10, 4, 1000, 131072) == 1.6e10 + 4 * 1000 * 131072


def test_mixture_of_experts_touches_at_most_all_weights():
    """100e9 active of 400e9 total: one token reads 100e9, a batch of 64 at most 400e9."""
    assert inference.weights_touched(100e9, 400e9, 1) == 100e9
    assert inference.weights_touched(100e9, 400e9, 64) == 400e9


def test_ring_allreduce_time_hand_checked():
    """4 accelerators, 64 tokens x 8,192 x 2 B = 1,048,576 B per all-reduce, 80 layers x 2:
    160 x (2 x 3/4 x 1,048,576 / (450e9 x 0.7) + 10e-6) s; zero on one accelerator."""
    t = inference.allreduce_time(64, 8192, 2, 80, 4, 450e9, 0.7, 10e-6, 2)
    assert t == pytest.approx(160 * (1.5 * 1048576 / 315e9 + 10e-6))
    assert inference.allreduce_time(64, 8192, 2, 80, 1, 450e9, 0.7, 10e-6, 2) == 0


def test_boundaries_hand_checked():
    """1 J while busy 1 s on 2 accelerators with 100 W host each, idle 50 W accelerator + 25 W
    host, utilization 0.8: server = 1 + 200 + 0.25 x 2 x 75 = 238.5 J; facility = x 1.1."""
    s = inference.server_energy(1.0, 1.0, 2, 100.0, 25.0, 50.0, 0.8)
    assert s == pytest.approx(238.5)
    assert inference.facility_energy(s, 1.1) == pytest.approx(262.35)


# --- invariants ----------------------------------------------------------------------------------------

def test_energy_per_token_falls_with_batch_then_flattens_when_compute_bound():
    """Weights without a KV cache and no step overhead: decode turns compute-bound near
    B = 2 B/param x 989.5e12 x 0.5 / (2 x 3.35e12 x 0.6) = 246, after which energy per token
    no longer changes; with the KV cache and the step overhead it keeps falling ever more
    slowly (each doubling saves less than the previous one)."""
    flat = lca.infer(device="h100-sxm5", params=8e9, batch=np.array([1, 16, 128, 1024, 4096]),
                     input_tokens=0, output_tokens=100, step_overhead=0, grid=0.4,
                     boundary="accelerator").energy_j_per_token
    assert np.all(np.diff(flat[:4]) < 0)
    assert flat[4] == pytest.approx(flat[3], rel=1e-12)
    real = lca.infer(batch=np.array([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]),
                     input_tokens=256, output_tokens=700, boundary="accelerator",
                     **LLAMA8).energy_j_per_token
    assert np.all(np.diff(real) < 0)
    savings = -np.diff(real)
    assert np.all(np.diff(savings) < 0)


@settings(max_examples=25, deadline=None)
@given(n_in=st.integers(0, 30000), extra=st.integers(1, 30000), batch=st.integers(1, 512))
def test_decode_energy_grows_with_context(n_in, extra, batch):
    kw = dict(batch=batch, output_tokens=200, boundary="accelerator", **LLAMA8)
    short = lca.infer(input_tokens=n_in, **kw)
    long = lca.infer(input_tokens=n_in + extra, **kw)
    assert float(long.decode_wh_per_request_accelerator[0]) > float(
        short.decode_wh_per_request_accelerator[0])
    assert float(long.kv_cache_bytes_per_token[0]) == 131072


@settings(max_examples=25, deadline=None)
@given(n_out=st.integers(1, 5000), k=st.integers(2, 10), batch=st.integers(1, 1024),
       count=st.sampled_from([1, 2, 4, 8]))
def test_linear_in_output_tokens_without_a_growing_cache(n_out, k, batch, count):
    """Without a KV cache (architecture not given) every decode step costs the same, so a
    request's decode energy is linear in its output tokens; with a cache each extra token
    also lengthens the context (the test above)."""
    kw = dict(device="h100-sxm5", params=70e9, batch=batch, count=count, input_tokens=0,
              grid=0.4)
    one = lca.infer(output_tokens=n_out, **kw)
    more = lca.infer(output_tokens=n_out * k, **kw)
    for col in ("energy_wh_per_request_accelerator", "energy_wh_per_request_server",
                "energy_wh_per_request_facility"):
        assert float(more.columns[col][0]) == pytest.approx(k * float(one.columns[col][0]),
                                                            rel=1e-9)


def test_prefill_energy_scales_with_input_tokens():
    """Compute-bound prefill without attention and overhead is proportional to the prompt;
    with causal attention (quadratic) it grows faster than the prompt."""
    kw = dict(device="h100-sxm5", params=8e9, output_tokens=10, step_overhead=0, grid=0.4)
    n = np.array([2000.0, 4000.0, 8000.0])
    lin = lca.infer(input_tokens=n, **kw).prefill_wh_per_request_accelerator
    assert lin[1] == pytest.approx(2 * lin[0]) and lin[2] == pytest.approx(4 * lin[0])
    att = lca.infer(input_tokens=n, **LLAMA8, output_tokens=10).prefill_wh_per_request_accelerator
    assert att[1] > 2 * att[0] and att[2] > 2 * att[1]


@settings(max_examples=30, deadline=None)
@given(batch=st.integers(1, 1024), n_in=st.integers(0, 8000), n_out=st.integers(1, 4000),
       util=st.floats(0.05, 1.0), pue=st.floats(1.0, 2.0),
       model=st.sampled_from(["llama-3.1-8b", "llama-3.1-70b", "gpt-4o-epoch"]),
       count=st.sampled_from([1, 2, 8]))
def test_accelerator_at_most_server_at_most_facility(batch, n_in, n_out, util, pue, model, count):
    r = lca.infer(device="h100-sxm5", model=model, count=count, batch=batch, input_tokens=n_in,
                  output_tokens=n_out, utilization=util, pue=pue, grid=0.3).to_dict()
    assert 0 < r["energy_j_per_token_accelerator"] <= r["energy_j_per_token_server"]
    assert r["energy_j_per_token_server"] <= r["energy_j_per_token_facility"]
    parts = (r["energy_wh_per_request_accelerator"] + r["host_wh_per_request"]
             + r["idle_wh_per_request"] + r["overhead_wh_per_request"])
    assert parts == pytest.approx(r["energy_wh_per_request_facility"])
    assert 109 <= r["power_w_per_chip"] <= 700 + 1e-9


def test_tensor_parallelism_adds_the_allreduce_time_to_each_step():
    """70B on 4 H100s, batch 64, no step overhead: step = roofline of 4 x peak and 4 x
    bandwidth at decode's fractions + 160 ring all-reduces of 64 x 8,192 x 2 B."""
    r = lca.infer(device="h100-sxm5", model="llama-3.1-70b", count=4, batch=64,
                  input_tokens=256, output_tokens=500, grid=0.4, step_overhead=0).to_dict()
    ctx = 256 + 501 / 2
    flops = inference.decode_step_flops(70.55e9, 64, ctx, 80, 64, 128)
    nbytes = inference.decode_step_bytes(70.55e9 * 2, 64, ctx, 2 * 80 * 8 * 128 * 2)
    roof = max(flops / (4 * 989.5e12 * 0.5), nbytes / (4 * 3.35e12 * 0.6))
    comm = inference.allreduce_time(64, 8192, 2, 80, 4, 450e9, 0.7, 10e-6, 2)
    assert r["decode_step_time_s"] == pytest.approx(roof + comm)
    no_link = lca.infer(device="tpu-v5p", model="llama-3.1-70b", count=4, batch=64,
                        input_tokens=256, output_tokens=500, grid=0.4)
    assert any("all-reduces not counted" in n for n in no_link.notes)


def test_boundary_sets_the_headline_and_the_carbon():
    kw = dict(batch=64, input_tokens=256, output_tokens=500, **LLAMA8)
    acc = lca.infer(boundary="accelerator", **kw).to_dict()
    fac = lca.infer(boundary="facility", pue=1.2, **kw).to_dict()
    assert acc["boundary"] == "accelerator" and acc["model"] == "llama-3.1-8b"
    assert acc["energy_j_per_token"] == acc["energy_j_per_token_accelerator"]
    assert fac["energy_j_per_token"] == fac["energy_j_per_token_facility"]
    assert acc["operational_gco2e_per_token"] == pytest.approx(
        acc["energy_j_per_token_accelerator"] / 3.6e6 * 400)
    assert fac["energy_kwh_per_1000_requests"] == pytest.approx(fac["energy_wh_per_request"])
    assert fac["gco2e_per_request"] == pytest.approx(fac["gco2e_per_token"] * 500)


@pytest.mark.parametrize("kwargs", [
    dict(boundary="rack"), dict(input_tokens=-1), dict(output_tokens=0), dict(batch=0),
    dict(compute_fraction=1.5), dict(step_overhead=-1), dict(model="gpt-9"), dict(count=1.5),
])
def test_bad_inference_inputs_raise_parameter_errors(kwargs):
    base = dict(device="h100-sxm5", params=8e9, grid=0.4)
    base.update(kwargs)
    with pytest.raises(ParameterError):
        lca.infer(**base)


# --- life-cycle view: water and the Impacts result -------------------------------------------------

def test_water_per_token_hand_checked_and_impacts_add_up():
    """Li et al. 2023: water = server energy x (WUE + PUE x EWIF): at WUE 0.5 L/kWh, EWIF
    3 L/kWh and PUE 1.2, per token = server kWh x (0.5 + 3.6) L. The Impacts view holds the
    same per token (gwp in kgCO2e), and per request it is per token x output tokens."""
    r = lca.infer(batch=64, input_tokens=256, output_tokens=500, pue=1.2, wue=0.5,
                  water_intensity=3.0, **LLAMA8)
    d = r.to_dict()
    kwh = d["energy_j_per_token_server"] / 3.6e6
    assert d["water_l_per_token"] == pytest.approx(kwh * (0.5 + 1.2 * 3.0))
    assert d["water_onsite_l_per_token"] == pytest.approx(kwh * 0.5)
    assert d["impacts_per_token"]["water"]["total"] == pytest.approx(d["water_l_per_token"])
    assert d["impacts_per_token"]["gwp"]["total"] == pytest.approx(d["gco2e_per_token"] / 1000)
    assert d["impacts_per_token"]["water"]["manufacturing"] is None   # not covered, not 0
    per_request = r.impacts("request")
    assert float(per_request.total("water")[0]) == pytest.approx(d["water_l_per_request"])
    both = r.impacts() + r.impacts()
    assert float(both.total("gwp")[0]) == pytest.approx(2 * d["gco2e_per_token"] / 1000)


def test_offsite_water_needs_a_region_or_an_intensity():
    """A bare grid value has no electricity water figure: off-site water is not covered
    (null), on-site is counted, and the notes say so."""
    d = lca.infer(batch=8, output_tokens=100, **LLAMA8).to_dict()
    assert d["water_offsite_l_per_token"] is None
    assert d["water_l_per_token"] == pytest.approx(d["water_onsite_l_per_token"])
    assert any("off-site (electricity) water not covered" in n for n in d["notes"])
    us = lca.infer(device="h100-sxm5", model="llama-3.1-8b", region="US", batch=8,
                   output_tokens=100).to_dict()
    assert us["water_offsite_l_per_token"] > 0


# --- EcoLogits 0.9.1 ----------------------------------------------------------------------------------

def test_ecologits_request_hand_checked():
    """EcoLogits 0.9.1 documentation, 70B dense, 500 output tokens, batch 64, PUE 1.2:
    f_E = 1.17e-6 e^(-0.0112 x 64) x 70 + 4.05e-5 Wh per token; GPUs = 1.2 x 70 x 16 / 8 /
    80 = 2.1 -> 3 -> 4 (power of two); latency = 500 x (6.78e-4 x 70 + 3.12e-4 x 64 +
    1.94e-2) s; server = latency / 3600 x 1,200 W x 4 / 8 / 64; energy = 1.2 x (server +
    4 x 500 x f_E); embodied = latency / (64 x 3 years) x (4 / 8 x 5,700 + 4 x 164) kg."""
    f_e = 1.17e-6 * math.exp(-0.0112 * 64) * 70 + 4.05e-5
    latency = 500 * (6.78e-4 * 70 + 3.12e-4 * 64 + 1.94e-2)
    server = latency / 3600 * 1200 * 4 / 8 / 64
    r = ecologits.request(70e9, 500, pue=1.2, grid=0.5)
    assert r["gpus"] == 4
    assert r["latency_s"] == pytest.approx(latency)
    assert r["energy_wh"] == pytest.approx(1.2 * (server + 4 * 500 * f_e))
    assert r["operational_gco2e"] == pytest.approx(1.2 * (server + 4 * 500 * f_e) * 0.5)
    emb = latency / (64 * 3 * 8760 * 3600) * (0.5 * 5700 + 4 * 164) * 1000
    assert r["embodied_gco2e"] == pytest.approx(emb)


def test_ecologits_gpu_count_rounds_to_powers_of_two():
    """1.2 x P x 2 bytes / 80 GB: 8B -> 1, 70B -> 4, 405B -> 16, 400B total (MoE) -> 16."""
    assert list(ecologits.required_gpus(np.array([8, 70, 405, 400]), 16, 1.2, 80)) == [1, 4, 16, 16]


def test_infer_shows_ecologits_beside_lca():
    r = lca.infer(batch=64, input_tokens=256, output_tokens=500, pue=1.2, **LLAMA8).to_dict()
    eco = ecologits.request(8.03e9, 500, pue=1.2, grid=0.4)
    assert r["ecologits_energy_wh_per_request"] == pytest.approx(eco["energy_wh"])
    assert r["ecologits_gpus"] == 1
    assert any("EcoLogits 0.9.1" in n for n in r["notes"])


# --- CLI ---------------------------------------------------------------------------------------------

def test_cli_infer_tokens_and_boundary_json():
    res = runner.invoke(app, ["workload", "infer", "--device", "h100-sxm5", "--model",
                              "llama-3.1-70b", "--count", "4", "--batch", "64",
                              "--input-tokens", "256", "--output-tokens", "717",
                              "--boundary", "server", "--grid", "0.4", "--format", "json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    assert d["boundary"] == "server" and d["input_tokens"] == 256 and d["output_tokens"] == 717
    for b in ("accelerator", "server", "facility"):
        assert f"energy_j_per_token_{b}" in d and f"energy_wh_per_request_{b}" in d
    assert d["energy_j_per_token"] == d["energy_j_per_token_server"]
    for key in ("tokens_per_second", "energy_j_per_token", "gco2e_per_token",
                "gco2e_per_1000_requests", "gco2e_per_eflop", "power_w_per_chip"):
        assert key in d   # the keys of the earlier model keep working


def test_cli_infer_table_models_and_validate():
    res = runner.invoke(app, ["workload", "infer", "--device", "h100-sxm5", "--params", "7e9",
                              "--batch", "8", "--grid", "0.4"])
    assert res.exit_code == 0, res.output
    assert "server (+ host, idle)" in res.output and "EcoLogits 0.9.1" in res.output
    res = runner.invoke(app, ["workload", "models", "--format", "json"])
    assert res.exit_code == 0 and "llama-3.1-405b" in res.output
    res = runner.invoke(app, ["workload", "validate", "--kind", "training"])
    assert res.exit_code == 0, res.output
    assert "meta-llama-model-cards" in res.output and "flagged" in res.output


@pytest.mark.parametrize("args", [
    ["workload", "infer", "--device", "h100-sxm5", "--params", "1e9", "--boundary", "rack"],
    ["workload", "infer", "--device", "h100-sxm5", "--params", "1e9", "--input-tokens", "-5"],
    ["workload", "infer", "--device", "h100-sxm5", "--model", "gpt-9"],
    ["workload", "infer", "--device", "h100-sxm5"],
    ["workload", "validate", "--kind", "kernels"],
])
def test_cli_inference_errors_are_one_line_exit_2(args):
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output and "lca: error:" in res.output
