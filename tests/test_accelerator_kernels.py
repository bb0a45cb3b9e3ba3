"""Kernel model: hand-checked figures and invariants (time and energy grow with size,
energy per FLOP of a large GEMM drops fp32 -> bf16 -> fp8 on H100, power never exceeds TDP,
a memory-bound kernel's time follows bandwidth), and the accelerator module's embodied
carbon from die specs (hand-checked against Clemm et al. 2024's factors)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lca
from lca.accelerator import devices, kernels
from lca.errors import ParameterError, UnknownDeviceError, UnknownMethodError

REQUIRED = ["v100", "a100-80gb", "h100-sxm5", "h200", "b200", "tpu-v2", "tpu-v3", "tpu-v4",
            "tpu-v5e", "tpu-v5p", "tpu-v6e"]
H100 = "h100-sxm5"
FC, FB, OVERHEAD = 0.75, 0.9, 5e-6   # data/kernels.yaml defaults for GPUs


@pytest.mark.parametrize("key", REQUIRED)
def test_required_devices_have_what_the_kernel_model_needs(key):
    d = lca.accelerator.device(key)
    assert 0 < d.idle_w < d.tdp_w
    assert d.bandwidth_bytes_s > 0 and d.peak_flops
    assert all(v > 0 for v in d.peak_flops.values())
    assert d.device_class in ("gpu", "tpu")


@pytest.mark.parametrize("key", lca.data.accelerator_keys())
def test_derived_peaks_equal_units_x_ops_per_clock_x_clock(key):
    """Every peak derived from die specs (a `derivation` in the device file) equals units x
    OP per clock x clock, to the printed rounding."""
    spec = lca.data.device_spec(key)
    for dtype, node in spec.get("peak", {}).items():
        d = node.get("derivation")
        if d is None:
            continue
        assert node.get("derived") is True
        clock = lca.data.figure(d["clock"]).to("Hz").value
        rate = devices.peak_from_units(d["units"], d["ops_per_clock"], clock)
        assert rate == pytest.approx(lca.data.figure(node).to("OP/s").value, rel=1e-3)


def test_v100_fp32_datasheet_rate_follows_from_the_same_die_specs():
    """NVIDIA V100 whitepaper: 5,120 FP32 cores x 2 FLOP (FMA) x 1,530 MHz = 15.67 TFLOP/s,
    the datasheet's 15.7."""
    assert devices.peak_from_units(5120, 2, 1.53e9) == pytest.approx(
        lca.accelerator.device("v100").peak("fp32"), rel=3e-3)


def test_h100_figures_from_the_datasheet():
    d = lca.accelerator.device(H100)
    assert d.tdp_w == 700
    assert d.peak("bf16") == pytest.approx(989.5e12)
    assert d.peak("fp8") == pytest.approx(1979e12)
    assert d.bandwidth_bytes_s == pytest.approx(3.35e12)


def test_gemm_hand_checked_h100_bf16_8192():
    """2 x 8192^3 = 1.0995e12 FLOP at 0.75 x 989.5 TFLOP/s = 1.4816 ms + 5 us launch; a
    compute-bound GEMM at the 700 W cap: 1.0406 J."""
    r = lca.kernel("gemm", device=H100, dtype="bf16", m=8192, n=8192, k=8192, grid=0.4, pue=1.0)
    d = r.to_dict()
    flops = 2 * 8192 ** 3
    assert d["flops"] == flops
    assert d["bytes"] == 3 * 8192 ** 2 * 2
    t = flops / (989.5e12 * FC) + OVERHEAD
    assert d["time_s"] == pytest.approx(t, rel=1e-12)
    assert d["bound"] == "compute"
    assert d["power_w"] == pytest.approx(700.0)
    assert d["energy_j"] == pytest.approx(700.0 * t, rel=1e-12)
    assert d["operational_gco2e"] == pytest.approx(700.0 * t / 3.6e6 * 0.4 * 1000, rel=1e-12)
    emb = lca.accelerator_embodied(H100)
    expected = emb.total_kgco2e * 1000 * t / (6 * 8760 * 3600 * 0.85)
    assert d["embodied_gco2e"] == pytest.approx(expected, rel=1e-12)
    for key in ("time_s", "energy_j", "operational_gco2e", "embodied_gco2e"):
        assert key in d


def test_energy_per_flop_drops_fp32_bf16_fp8_on_h100():
    e = {dt: lca.kernel("gemm", device=H100, dtype=dt, m=16384, n=16384, k=16384).energy_pj_per_flop[0]
         for dt in ("fp32", "tf32", "bf16", "fp8")}
    assert e["fp32"] > e["tf32"] > e["bf16"] > e["fp8"]
    # at the same power cap the ratio is the ratio of the rates: 989.5 / 1979 = 0.5
    assert e["fp8"] / e["bf16"] == pytest.approx(0.5, rel=1e-3)


sizes = st.integers(min_value=1, max_value=1 << 15)


@settings(max_examples=40, deadline=None)
@given(m=sizes, n=sizes, k=sizes, grow=st.integers(min_value=1, max_value=1 << 12),
       dtype=st.sampled_from(["fp32", "tf32", "bf16", "fp16", "fp8", "int8"]))
def test_time_and_energy_grow_with_size(m, n, k, grow, dtype):
    r = lca.kernel("gemm", device=H100, dtype=dtype, m=np.array([m, m + grow]), n=n, k=k)
    assert r.time_s[1] > r.time_s[0]
    assert r.energy_j[1] > r.energy_j[0]
    assert r.operational_gco2e[1] > r.operational_gco2e[0]
    assert r.embodied_gco2e[1] > r.embodied_gco2e[0]


@settings(max_examples=40, deadline=None)
@given(device=st.sampled_from(REQUIRED),
       kind=st.sampled_from(["gemm", "bgemm", "attention", "elementwise", "copy", "conv2d"]),
       size=st.integers(min_value=1, max_value=1 << 14))
def test_power_between_idle_and_tdp(device, kind, size):
    d = lca.accelerator.device(device)
    dtype = "bf16" if "bf16" in d.peak_flops else d.training_dtype()
    shape = {"gemm": dict(m=size, n=size, k=size), "bgemm": dict(batch=4, m=size, n=64, k=size),
             "attention": dict(batch=2, heads=8, seq=size, kv_seq=size, head_dim=128),
             "elementwise": dict(elements=size * 1000), "copy": dict(size=size * 1e6),
             "conv2d": dict(batch=8, in_channels=64, height=size % 200 + 3, width=56,
                            out_channels=128)}[kind]
    r = lca.kernel(kind, device=device, dtype=dtype, **shape)
    assert d.idle_w <= r.power_w[0] <= d.tdp_w + 1e-9


def test_power_never_above_tdp_even_with_full_stress_of_both():
    p = kernels.power_between_idle_and_tdp(1.0, 1.0, 100.0, 700.0, 1.0, 0.5)
    assert p == pytest.approx(700.0)


def test_memory_bound_time_follows_bandwidth():
    """A 4 GB copy moves 8 GB: time = 8e9 / (bandwidth x 0.9) + 5 us; H200 (4.8 TB/s) over
    H100 (3.35 TB/s) takes 3.35/4.8 of the time (less the overhead)."""
    size = np.array([1e9, 2e9, 4e9])
    h100 = lca.kernel("copy", device=H100, size=size)
    h200 = lca.kernel("copy", device="h200", size=size)
    assert np.all(h100.bound == "memory")
    assert h100.time_s == pytest.approx(2 * size / (3.35e12 * FB) + OVERHEAD, rel=1e-12)
    ratio = (h200.time_s - OVERHEAD) / (h100.time_s - OVERHEAD)
    assert ratio == pytest.approx(3.35 / 4.8, rel=1e-9)
    # linear in size
    assert (h100.time_s[2] - OVERHEAD) / (h100.time_s[0] - OVERHEAD) == pytest.approx(4.0)


def test_small_gemm_is_memory_bound_large_is_compute_bound():
    r = lca.kernel("gemm", device=H100, dtype="bf16", m=np.array([1, 16384]), n=16384, k=16384)
    assert list(r.bound) == ["memory", "compute"]


def test_flop_counts_of_other_kernels():
    # conv2d 3x3, pad 1, stride 1 keeps 56x56: 2 N K P Q C R S
    f, b = kernels.flops_and_bytes("conv2d", "bf16", batch=2, in_channels=64, height=56,
                                   width=56, out_channels=128, padding=1)
    assert f == 2 * 2 * 128 * 56 * 56 * 64 * 3 * 3
    assert b == (2 * 64 * 56 * 56 + 128 * 64 * 9) * 2 + 2 * 128 * 56 * 56 * 2
    f, _ = kernels.flops_and_bytes("attention", "bf16", batch=1, heads=2, seq=128, kv_seq=256,
                                   head_dim=64)
    assert f == 4 * 2 * 128 * 256 * 64
    fc, _ = kernels.flops_and_bytes("attention", "bf16", batch=1, heads=2, seq=128, kv_seq=256,
                                    head_dim=64, causal=1)
    assert fc == f / 2
    f, b = kernels.flops_and_bytes("bgemm", "fp8", batch=3, m=10, n=20, k=30)
    assert f == 3 * 2 * 10 * 20 * 30 and b == 3 * ((10 * 30 + 30 * 20) * 1 + 10 * 20 * 2)
    f, b = kernels.flops_and_bytes("elementwise", "fp32", elements=1000)
    assert f == 1000 and b == 1000 * 4 * 3


def test_kernel_errors_are_typed():
    with pytest.raises(ParameterError, match="no fp8 rate"):
        lca.kernel("gemm", device="v100", dtype="fp8", m=1, n=1, k=1)
    with pytest.raises(ParameterError, match="missing"):
        lca.kernel("gemm", device=H100, m=1, n=1)
    with pytest.raises(ParameterError, match="kernel.m: expected a whole number at least 1"):
        lca.kernel("gemm", device=H100, m=0, n=1, k=1)
    with pytest.raises(ParameterError, match="unknown kernel"):
        lca.kernel("fft", device=H100)
    with pytest.raises(UnknownDeviceError):
        lca.kernel("gemm", device="h900", m=1, n=1, k=1)
    with pytest.raises(UnknownMethodError):
        lca.kernel("gemm", device=H100, m=1, n=1, k=1, method="no-such-method")
    with pytest.raises(ParameterError, match="utilization"):
        lca.kernel("gemm", device=H100, m=1, n=1, k=1, utilization=0)


# --- module embodied from die specs ------------------------------------------------------

def test_h100_module_embodied_hand_checked_clemm2024():
    """clemm2024 factors (Clemm et al. 2024, Table I): die 8.14 cm^2 x 3.0 = 24.42; HBM
    40 dies x 1.07 cm^2 x 1.8 = 77.04; 5 base dies x 1.07 x 1.8 = 9.63; interposer 28.31 cm^2
    x 1.8 = 50.958; board 128 cm^2 x 0.06 = 7.68: 169.728 kgCO2e."""
    e = lca.accelerator_embodied(H100, method="clemm2024")
    parts = e.by_component_kgco2e
    assert parts["die"] == pytest.approx(24.42)
    assert parts["hbm"] == pytest.approx(77.04)
    assert parts["hbm base dies"] == pytest.approx(9.63)
    assert parts["interposer"] == pytest.approx(50.958)
    assert parts["board"] == pytest.approx(7.68)
    assert e.module_kgco2e == pytest.approx(169.728)


def test_host_share_is_the_host_bom_without_its_modules_over_chips():
    """Invariant: 8 x host share + the DGX H100 BOM's own module components = the BOM's
    embodied total (same method)."""
    e = lca.accelerator_embodied(H100)
    a = lca.assess("dgx-h100")   # the default method, as accelerator_embodied's (composite)
    modules = ["gpu die", "hbm3", "hbm3 base dies", "cowos interposer", "gpu module board"]
    own = sum(a.to_dict()["embodied_by_component_kgco2e"][m] for m in modules)
    assert 8 * e.host_share_kgco2e + own == pytest.approx(a.embodied.to("kgCO2e").magnitude)
    assert e.total_kgco2e == pytest.approx(e.module_kgco2e + e.host_share_kgco2e)
    assert lca.accelerator_embodied(H100, host=False).host_share_kgco2e == 0


@pytest.mark.parametrize("key", REQUIRED)
def test_every_required_device_has_a_module_embodied(key):
    e = lca.accelerator_embodied(key)
    assert e.module_kgco2e > 0 and e.host_share_kgco2e >= 0


def test_module_embodied_monotone_in_hbm_capacity():
    """H200 (141 GB) costs more than H100 (80 GB) on the same die."""
    assert (lca.accelerator_embodied("h200", host=False).by_component_kgco2e["hbm"]
            > lca.accelerator_embodied(H100, host=False).by_component_kgco2e["hbm"])


def test_module_bom_is_a_regular_bom():
    bom, notes = devices.module_bom(H100)
    kinds = {c.name: c.type for c in bom.components}
    assert kinds == {"die": "logic", "hbm": "memory", "hbm base dies": "logic",
                     "interposer": "logic", "board": "pcb"}
    assert bom.component("hbm").packages == 5


@settings(max_examples=30, deadline=None)
@given(kind=st.sampled_from(["attention", "conv2d", "elementwise", "copy", "bgemm"]),
       size=st.integers(min_value=1, max_value=1 << 12),
       grow=st.integers(min_value=1, max_value=1 << 12))
def test_time_and_energy_grow_with_size_for_every_kernel(kind, size, grow):
    s = np.array([size, size + grow])
    shape = {"attention": dict(heads=8, seq=s, kv_seq=1024, head_dim=64),
             "conv2d": dict(batch=s, in_channels=32, height=28, width=28, out_channels=32),
             "elementwise": dict(elements=s * 1000), "copy": dict(size=s * 1e5),
             "bgemm": dict(batch=s, m=256, n=256, k=256)}[kind]
    r = lca.kernel(kind, device="a100-80gb", dtype="bf16", grid=0.4, **shape)
    assert r.time_s[1] > r.time_s[0]
    assert r.energy_j[1] > r.energy_j[0]


def test_memory_bound_kernel_draws_between_idle_and_tdp():
    """A large copy saturates bandwidth but not compute: idle + 0.5 x (TDP - idle) (the
    documented memory dynamic fraction), less the launch overhead's idle share."""
    r = lca.kernel("copy", device=H100, size=64e9, grid=0.4)
    assert 109 < r.power_w[0] < 700
    assert r.power_w[0] == pytest.approx(109 + 0.5 * (700 - 109), rel=1e-3)


def test_sweep_equals_single_calls():
    m = np.array([128, 1024, 8192])
    sweep = lca.kernel("gemm", device="b200", dtype="fp8", m=m, n=4096, k=2048, grid=0.3)
    for i, mi in enumerate(m):
        one = lca.kernel("gemm", device="b200", dtype="fp8", m=int(mi), n=4096, k=2048, grid=0.3)
        for key in ("time_s", "energy_j", "operational_gco2e", "embodied_gco2e"):
            assert sweep.columns[key][i] == pytest.approx(one.columns[key][0], rel=1e-12)
    frame = sweep.to_frame()
    assert list(frame["m"]) == [128, 1024, 8192] and len(frame) == 3
