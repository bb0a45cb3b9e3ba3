"""Training runs and inference services: energy, operational and embodied carbon per run,
per token, per 1,000 requests and per exaFLOP.

Training (Patterson et al. 2021, "Carbon Emissions and Large Neural Network Training",
arXiv:2104.10350; LLMCarbon, Faiz et al., ICLR 2024, arXiv:2309.14393):

* FLOPs given, or 6 x active parameters x tokens [FLOP] (Kaplan et al. 2020,
  arXiv:2001.08361);
* time [s] = FLOPs / (chips x rate per chip), the rate being a measured FLOP/s per chip or
  the dense peak of the precision x hardware efficiency (MFU); or given as days;
* energy [J] = chips x average power per chip [W] x time x PUE, the power measured
  (given), the device's published training average, or modelled (idle + activity x (TDP -
  idle), data/kernels.yaml);
* operational [tCO2e] = energy [MWh] x grid [kgCO2e/kWh]; embodied = chips x (module + host
  share) x time / (lifetime x utilization).

Inference: 2 x active parameters FLOPs per token; throughput given or from the decode-step
roofline (every step reads the weights once and produces ``batch`` tokens); power from the
kernel power model. Compute carbon intensity (CCI) is gCO2e per exaFLOP (1e18 FLOP) of
useful work, as in Schneider et al. 2025 (arXiv:2502.01671).

Every function takes numpy arrays for its numeric inputs (one element per scenario).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import registry
from ..errors import ParameterError
from . import devices, kernels

SECONDS_PER_DAY = 86400.0
EXA = 1e18


def _a(x) -> np.ndarray:
    return np.asarray(x, dtype=float)


# --- pure functions ---------------------------------------------------------------------------

def training_flops_6nd(active_params, tokens):
    """Training FLOPs ~ 6 x active parameters x tokens [FLOP] (forward 2, backward 4)."""
    return 6.0 * _a(active_params) * _a(tokens)


def inference_flops_per_token(active_params):
    """FLOPs per generated or processed token ~ 2 x active parameters [FLOP]."""
    return 2.0 * _a(active_params)


def training_time(flops, chips, rate_per_chip):
    """Wall time [s] of ``flops`` [FLOP] on ``chips`` each sustaining ``rate_per_chip`` [FLOP/s]."""
    return _a(flops) / (_a(chips) * _a(rate_per_chip))


def run_energy(chips, power_per_chip, time_s, pue):
    """Facility energy [J] of ``chips`` at ``power_per_chip`` [W] for ``time_s`` [s] at ``pue``."""
    return _a(chips) * _a(power_per_chip) * _a(time_s) * _a(pue)


def modelled_training_power(idle, tdp, activity):
    """Average chip power while training [W]: idle + activity x (TDP - idle)."""
    return _a(idle) + _a(activity) * (_a(tdp) - _a(idle))


def carbon_per_exaflop(grams, flops):
    """Compute carbon intensity [gCO2e/EFLOP] of ``grams`` [gCO2e] for ``flops`` [FLOP]."""
    return _a(grams) / (_a(flops) / EXA)


# --- results ----------------------------------------------------------------------------------

class WorkloadResult(kernels.ColumnResult):
    """A training run or an inference service; arrays with one element per scenario."""

    kind_key = "workload"           # kind: training | inference
    frame_labels = ("device", "dtype")


def _columns(cols: dict[str, Any]) -> dict[str, np.ndarray]:
    shape = np.broadcast(*[np.asarray(v) for v in cols.values()]).shape
    return {k: np.broadcast_to(np.asarray(v, dtype=float), shape).ravel().copy()
            for k, v in cols.items()}


def _checked(name: str, value) -> None:
    """``value`` (None: not given) checked against registry ``workload.<name>``."""
    if value is not None:
        registry.check(f"workload.{name}", value)


def _power_value(power) -> Any:
    """Power per chip [W] from a number, an array or a quantity ('330 W'), checked;
    ``"measured"`` and None pass through."""
    if power is None or (isinstance(power, str) and power == "measured"):
        return power
    return registry.to_canonical("workload.power", power)


# --- training ------------------------------------------------------------------------------------

def train(*, device: str, count=1, flops=None, params=None, tokens=None, efficiency=None,
          tflops=None, days=None, power=None, dtype: str | None = None, pue=None, grid=None,
          region: str | None = None, lifetime=None, utilization=None,
          method: str = "composite", host: bool | str = True, embodied=None) -> WorkloadResult:
    """Energy and carbon of a training run on ``count`` chips of ``device``.

    FLOPs: ``flops``, or 6 x ``params`` (active) x ``tokens``. Time: ``days``, or FLOPs /
    (count x rate), the rate being ``tflops`` (measured TFLOP/s per chip) or the device's
    dense peak for ``dtype`` x ``efficiency``. Power per chip [W]: ``power`` (a number or
    '330 W'), ``"measured"`` (the device's published training average), or modelled when
    omitted. ``grid`` [kgCO2e/kWh] or ``region``; ``pue``; embodied allocation by
    ``lifetime`` [years] and ``utilization``; ``embodied`` [kgCO2e per chip] replaces the
    die-spec module + host share (e.g. a vendor's footprint).
    """
    dev = devices.device(device)
    dtype = dtype or dev.training_dtype()
    notes: list[str] = []
    for name, v in (("count", count), ("flops", flops), ("params", params), ("tokens", tokens),
                    ("days", days), ("tflops", tflops), ("efficiency", efficiency)):
        _checked(name, v)
    if flops is None and params is not None and tokens is not None:
        flops = training_flops_6nd(params, tokens)
        notes.append("FLOPs = 6 x active parameters x tokens")
    if days is not None:
        time = _a(days) * SECONDS_PER_DAY
        rate = _a(flops) / (time * _a(count)) if flops is not None else np.nan
    else:
        if flops is None:
            raise ParameterError("training: give flops, or params and tokens, or days")
        if tflops is not None:
            rate = _a(tflops) * 1e12
        elif efficiency is not None:
            rate = dev.peak(dtype) * _a(efficiency)
            notes.append(f"rate per chip = {dtype} dense peak {dev.peak(dtype) / 1e12:g} TFLOP/s "
                         "x efficiency")
        else:
            raise ParameterError("training: give efficiency (fraction of peak), tflops "
                                 "(measured TFLOP/s per chip) or days")
        time = training_time(flops, count, rate)
    power = _power_value(power)
    if isinstance(power, str) and power == "measured":
        if dev.average_training_power_w is None:
            raise ParameterError(f"{device} has no published average training power; give power")
        p_chip = dev.average_training_power_w
        notes.append(f"power per chip: {p_chip:g} W, the device's published training average")
    elif power is None:
        activity = devices.default_value("training.activity")
        p_chip = modelled_training_power(dev.idle_w, dev.tdp_w, activity)
        notes.append(f"power per chip modelled: idle + {activity:g} x (TDP - idle) = "
                     f"{float(np.mean(p_chip)):.0f} W (chip only, no host share; data/kernels.yaml)")
    else:
        p_chip = _a(power)
    g, p, grid_source, use_notes = kernels.use_phase(grid, region, pue)
    notes.extend(use_notes)
    life, util = kernels.allocation(lifetime, utilization)
    energy_j = run_energy(count, p_chip, time, p)
    energy_mwh = energy_j / 3.6e9
    op_t = energy_mwh * _a(g)                  # MWh x kgCO2e/kWh = tCO2e
    emb_kg, emb_notes, emb_text = devices.embodied_per_device(device, method, host, embodied)
    emb_t = _a(count) * kernels.embodied_time_share_gco2e(emb_kg, time, life, util) / 1e6
    total_t = op_t + emb_t
    f = _a(flops) if flops is not None else np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        cols = _columns({
            "flops": f, "days": time / SECONDS_PER_DAY, "time_s": time,
            "chip_hours": _a(count) * time / 3600.0, "count": count,
            "tflops_per_chip": rate / 1e12 if not np.all(np.isnan(rate)) else np.nan,
            "mfu": (rate / dev.peak(dtype)) if not np.all(np.isnan(rate)) else np.nan,
            "power_w_per_chip": p_chip, "pue": p, "grid_kgco2e_per_kwh": g,
            "energy_mwh": energy_mwh, "operational_tco2e": op_t, "embodied_tco2e": emb_t,
            "total_tco2e": total_t,
            "gco2e_per_eflop": carbon_per_exaflop(total_t * 1e6, f),
            "operational_gco2e_per_eflop": carbon_per_exaflop(op_t * 1e6, f),
            "embodied_gco2e_per_eflop": carbon_per_exaflop(emb_t * 1e6, f),
            "tokens": _a(tokens) if tokens is not None else np.nan,
            "gco2e_per_1000_tokens": (total_t * 1e6 / (_a(tokens) / 1000.0)
                                      if tokens is not None else np.nan),
        })
    notes.extend(dev.notes)
    notes.extend(emb_notes)
    notes.append(f"embodied: {emb_text} x time / ({float(np.mean(life)):g} years x "
                 f"utilization {float(np.mean(util)):g})")
    return WorkloadResult("training", device, dtype, cols, grid_source, method, notes)


# --- inference -------------------------------------------------------------------------------------

def decode_step_time(active_params, batch, chips, peak, bandwidth, weight_bytes,
                     compute_fraction, bandwidth_fraction):
    """Time of one decode step [s]: ``batch`` tokens of 2 x params FLOPs each on ``chips``
    (peak [FLOP/s], bandwidth [B/s] each), reading the weights (params x weight_bytes) once."""
    return kernels.roofline_time(inference_flops_per_token(active_params) * _a(batch),
                                 _a(active_params) * _a(weight_bytes),
                                 _a(chips) * _a(peak), _a(chips) * _a(bandwidth),
                                 compute_fraction, bandwidth_fraction)


def infer(*, device: str, params, count=1, batch=1, tokens_per_second=None,
          dtype: str = "bf16", tokens_per_request=None, power=None, pue=None, grid=None,
          region: str | None = None, lifetime=None, utilization=None,
          method: str = "composite", host: bool | str = True, compute_fraction=None,
          bandwidth_fraction=None, embodied=None) -> WorkloadResult:
    """Carbon per token, per 1,000 requests and per exaFLOP of serving a model of
    ``params`` active parameters on ``count`` chips of ``device``.

    Throughput: ``tokens_per_second`` (all chips together), or modelled from the decode
    step roofline at ``batch``. Power per chip: ``power`` [W], or the kernel power model at
    the throughput's compute and memory stress.
    """
    dev = devices.device(device)
    for name, v in (("params", params), ("count", count), ("batch", batch),
                    ("tokens_per_second", tokens_per_second),
                    ("tokens_per_request", tokens_per_request)):
        _checked(name, v)
    peak = dev.peak(dtype)
    ib, _ = kernels.dtype_sizes(dtype)
    fc = dev.compute_fraction() if compute_fraction is None else compute_fraction
    fb = dev.bandwidth_fraction() if bandwidth_fraction is None else bandwidth_fraction
    notes: list[str] = []
    if tokens_per_second is None:
        step = decode_step_time(params, batch, count, peak, dev.bandwidth_bytes_s, ib, fc, fb)
        tps = _a(batch) / step
        notes.append("throughput modelled: decode steps reading the weights once per step of "
                     "`batch` tokens (KV cache and prompt processing not counted)")
    else:
        tps = _a(tokens_per_second)
    flops_rate = inference_flops_per_token(params) * tps / _a(count)        # per chip
    bytes_rate = _a(params) * ib * tps / _a(batch) / _a(count)               # per chip
    u_c = np.clip(flops_rate / (peak * _a(fc)), 0.0, 1.0)
    u_m = np.clip(bytes_rate / (dev.bandwidth_bytes_s * _a(fb)), 0.0, 1.0)
    if np.any(flops_rate > peak * _a(fc) * (1 + 1e-9)):
        notes.append("the given throughput exceeds the device's achievable compute rate")
    power = _power_value(power)
    if power is None:
        p_chip = kernels.power_between_idle_and_tdp(
            u_c, u_m, dev.idle_w, dev.tdp_w,
            devices.default_value("power.compute_dynamic_fraction"),
            devices.default_value("power.memory_dynamic_fraction"))
        notes.append("power per chip from the kernel power model (chip only, no host share)")
    else:
        p_chip = _a(power)
    if tokens_per_request is None:
        tokens_per_request = devices.default_value("inference.tokens_per_request")
        notes.append(f"{tokens_per_request:g} tokens per request assumed (data/kernels.yaml)")
    g, p, grid_source, use_notes = kernels.use_phase(grid, region, pue)
    notes.extend(use_notes)
    life, util = kernels.allocation(lifetime, utilization)
    energy_per_token = _a(count) * p_chip * _a(p) / tps                     # J, facility
    op_token = kernels.operational_gco2e(energy_per_token, 1.0, g)           # PUE already in
    emb_kg, emb_notes, emb_text = devices.embodied_per_device(device, method, host, embodied)
    emb_token = _a(count) * kernels.embodied_time_share_gco2e(emb_kg, 1.0 / tps, life, util)
    fpt = inference_flops_per_token(params)
    cols = _columns({
        "tokens_per_second": tps, "count": count, "batch": batch,
        "power_w_per_chip": p_chip, "pue": p, "grid_kgco2e_per_kwh": g,
        "flops_per_token": fpt,
        "energy_j_per_token": energy_per_token,
        "operational_gco2e_per_token": op_token, "embodied_gco2e_per_token": emb_token,
        "gco2e_per_token": op_token + emb_token,
        "tokens_per_request": tokens_per_request,
        "operational_gco2e_per_1000_requests": op_token * 1000 * _a(tokens_per_request),
        "embodied_gco2e_per_1000_requests": emb_token * 1000 * _a(tokens_per_request),
        "gco2e_per_1000_requests": (op_token + emb_token) * 1000 * _a(tokens_per_request),
        "operational_gco2e_per_eflop": carbon_per_exaflop(op_token, fpt),
        "embodied_gco2e_per_eflop": carbon_per_exaflop(emb_token, fpt),
        "gco2e_per_eflop": carbon_per_exaflop(op_token + emb_token, fpt),
    })
    notes.extend(dev.notes)
    notes.extend(emb_notes)
    notes.append(f"embodied: {emb_text}")
    return WorkloadResult("inference", device, dtype, cols, grid_source, method, notes)


__all__ = ["train", "infer", "WorkloadResult", "training_flops_6nd", "inference_flops_per_token",
           "training_time", "run_energy", "modelled_training_power", "carbon_per_exaflop",
           "decode_step_time"]
