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

Inference (:mod:`lca.accelerator.inference`): prefill and decode per request on a roofline,
the KV cache growing with the context, tensor parallelism, the host's share, idle time and
PUE, at the accelerator, server or facility boundary; per output token, per request and
per 1,000 requests. Compute carbon intensity (CCI) is gCO2e per exaFLOP (1e18 FLOP) of
useful work, as in Schneider et al. 2025 (arXiv:2502.01671).

Every function takes numpy arrays for its numeric inputs (one element per scenario). Each
result also carries ``impacts`` (lca.impacts): the run's (or one token's) use, its chips'
manufacturing share and the data-centre share, in GWP, water, ADPe and primary energy,
added as one result with ``+`` instead of summing operational and embodied by hand.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import registry
from ..errors import ParameterError
from ..impacts import Boundary
from . import devices, ecologits, inference, kernels

#: The boundary of the existing carbon keys (operational + embodied): the ``impacts`` of a
#: result also count the data-centre share.
MANUFACTURING_AND_USE = Boundary(("manufacturing", "use"))

SECONDS_PER_DAY = 86400.0
EXA = 1e18


#: Said with every modelled chip power: the embodied side counts the host's manufacturing
#: share, the operational side only the chips' power.
HOST_POWER_NOTE = ("the chips' power only: the host's power (CPUs, memory, fans, network) "
                   "is not counted, though its manufacturing share is, so operational carbon "
                   "is a lower bound; give power= the system power per chip, or assess the "
                   "whole server's BOM (lca.assess)")


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

    def __init__(self, kind, device, dtype, columns, grid_source, method, notes=None, *,
                 boundary: str | None = None, model: str | None = None, life_cycle=None,
                 impacts_basis: str = ""):
        super().__init__(kind, device, dtype, columns, grid_source, method, list(notes or []),
                         life_cycle, impacts_basis)
        self.boundary = boundary
        self.model = model

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if self.boundary is not None:
            out["boundary"] = self.boundary
        if self.model is not None:
            out["model"] = self.model
        if self.kind == "inference":
            imp = self.impacts()
            rows = [imp.to_dict(i) for i in range(len(self))]
            out["impacts_per_token"] = rows[0] if len(self) == 1 else rows
        return out

    def impacts(self, per: str = "token"):
        """An inference service's impacts as ``lca.impacts.Impacts`` per output ``token`` or
        per ``request``: gwp (use: operational at the boundary; manufacturing: the embodied
        time share of modules and host) and water (use: on-site and off-site, Li et al.
        2023), in kgCO2e and L_water."""
        from ..impacts import Boundary, Impacts

        if self.kind != "inference":
            raise ParameterError("impacts(): only inference results carry per-token impacts")
        if per not in ("token", "request"):
            raise ParameterError(f"per: expected token or request, got {per!r}")
        k = 1.0 if per == "token" else self.columns["output_tokens"]
        c = self.columns
        cells = {
            ("gwp", "use", "operational"): c["operational_gco2e_per_token"] / 1000.0 * k,
            ("gwp", "manufacturing", "accelerators and host share"):
                c["embodied_gco2e_per_token"] / 1000.0 * k,
            ("water", "use", "on-site"): c["water_onsite_l_per_token"] * k,
            ("water", "use", "off-site"): c["water_offsite_l_per_token"] * k,
        }
        return Impacts({key: np.asarray(v, dtype=float) for key, v in cells.items()},
                       Boundary(("manufacturing", "use"), ("gwp", "water")))


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
          method: str = "composite", host: bool | str = True, embodied=None, wue=None,
          water_intensity=None) -> WorkloadResult:
    """Energy and carbon of a training run on ``count`` chips of ``device``.

    FLOPs: ``flops``, or 6 x ``params`` (active) x ``tokens``. Time: ``days``, or FLOPs /
    (count x rate), the rate being ``tflops`` (measured TFLOP/s per chip) or the device's
    dense peak for ``dtype`` x ``efficiency``. Power per chip [W]: ``power`` (a number or
    '330 W'), ``"measured"`` (the device's published training average), or modelled when
    omitted. ``grid`` [kgCO2e/kWh] or ``region``; ``pue``; embodied allocation by
    ``lifetime`` [years] and ``utilization``; ``embodied`` [kgCO2e per chip] replaces the
    die-spec module + host share (e.g. a vendor's footprint).
    """
    registry.check_names(device=device, dtype=dtype, method=method, region=region)
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
                     f"{float(np.mean(p_chip)):.0f} W (data/kernels.yaml); " + HOST_POWER_NOTE)
    else:
        p_chip = _a(power)
    uf = kernels.use_factors(grid, region, pue, wue, water_intensity)
    g, p, grid_source = uf.grid, uf.pue, uf.source
    notes.extend(uf.notes)
    life, util = kernels.allocation(lifetime, utilization)
    energy_j = run_energy(count, p_chip, time, p)
    energy_mwh = energy_j / 3.6e9
    emb_kg, emb_notes, emb_text = devices.embodied_per_device(device, method, host, embodied)
    # one result that adds: the run's use + its chips' manufacturing and data-centre shares
    life_cycle = (uf.impacts(energy_j / _a(p) / kernels.JOULES_PER_KWH)
                  + devices.impacts_per_device(device, method, host, embodied)
                  * (_a(count) * kernels.time_share(time, life, util))
                  + kernels.infrastructure_impacts(_a(count) * p_chip, time))
    op_t = life_cycle.stage("gwp", "use") / 1000.0                # kgCO2e -> tCO2e
    emb_t = life_cycle.stage("gwp", "manufacturing") / 1000.0
    total_t = life_cycle.restrict(MANUFACTURING_AND_USE).total("gwp") / 1000.0
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
    return WorkloadResult("training", device, dtype, cols, grid_source, method, notes,
                          life_cycle=life_cycle, impacts_basis="per training run")


# --- inference -------------------------------------------------------------------------------------

def decode_step_time(active_params, batch, chips, peak, bandwidth, weight_bytes,
                     compute_fraction, bandwidth_fraction):
    """Time of one decode step [s] reading only the weights (no KV cache, no overhead):
    ``batch`` tokens of 2 x params FLOPs each on ``chips`` (peak [FLOP/s], bandwidth [B/s]
    each), the weights (params x weight_bytes) read once. The lower bound of
    :func:`lca.accelerator.inference.phase_time` for a decode step."""
    return kernels.roofline_time(inference_flops_per_token(active_params) * _a(batch),
                                 _a(active_params) * _a(weight_bytes),
                                 _a(chips) * _a(peak), _a(chips) * _a(bandwidth),
                                 compute_fraction, bandwidth_fraction)


def _covered_sum(*parts):
    """Sum of the covered (non-NaN) parts; NaN only when none is covered (lca.impacts)."""
    stack = np.broadcast_arrays(*[_a(x) for x in parts])
    covered = np.any([~np.isnan(x) for x in stack], axis=0)
    return np.where(covered, np.nansum(stack, axis=0), np.nan)


def _water_per_request(server_j, pue, region, wue, water_intensity):
    """(on-site, off-site) water [L] of ``server_j`` [J] of server energy (Li et al. 2023,
    ``lca.water``): the given WUE and electricity water intensity, else the shipped
    default WUE and the region's electricity (NaN, not covered, when unknown)."""
    from .. import data, water

    notes = []
    if wue is None:
        wue = data.lifecycle_figure("water", "default_wue").to("L_water/kWh").value
        notes.append(f"water: on-site WUE {wue:g} L/kWh assumed (Li et al. 2023, U.S. "
                     "average; data/lifecycle/water.yaml); give wue")
    registry.check("wue", wue)
    if water_intensity is None:
        e = data.electricity_impacts(region) if region is not None else None
        water_intensity = np.nan if e is None else e.water_intensity
        if e is None:
            notes.append("water: off-site (electricity) water not covered without a region "
                         "or water_intensity")
    registry.check("water_intensity", water_intensity)
    kwh = _a(server_j) / 3.6e6
    return water.onsite(kwh, wue), water.offsite(kwh, pue, water_intensity), notes


def _or_default(value, path: str, unit: str | None = None):
    """``value``, or the figure of data/inference.yaml at ``path`` when it is None."""
    return inference.default_value(path, unit) if value is None else value


def _token_counts(input_tokens, output_tokens, tokens_per_request, notes):
    if tokens_per_request is not None and output_tokens is None and input_tokens is None:
        notes.append("tokens_per_request counted as output tokens with no prompt (give "
                     "input_tokens and output_tokens to count prefill)")
        return 0.0, tokens_per_request
    if input_tokens is None:
        input_tokens = inference.default_value("request.input_tokens")
        notes.append(f"{input_tokens:g} input tokens per request assumed (data/inference.yaml)")
    if output_tokens is None:
        output_tokens = inference.default_value("request.output_tokens")
        notes.append(f"{output_tokens:g} output tokens per request assumed (data/inference.yaml)")
    return input_tokens, output_tokens


def infer(*, device: str, params=None, count=1, batch=1, tokens_per_second=None,
          dtype: str = "bf16", tokens_per_request=None, power=None, pue=None, grid=None,
          region: str | None = None, lifetime=None, utilization=None,
          method: str = "composite", host: bool | str = True, compute_fraction=None,
          bandwidth_fraction=None, embodied=None, input_tokens=None, output_tokens=None,
          model: str | None = None, total_params=None, layers=None, heads=None,
          kv_heads=None, head_dim=None, hidden=None, kv_dtype: str | None = None,
          boundary: str = "facility", prefill_compute_fraction=None, step_overhead=None,
          host_power=None, host_idle_power=None, wue=None,
          water_intensity=None) -> WorkloadResult:
    """Energy and carbon per output token, per request and per 1,000 requests of serving a
    model on ``count`` accelerators of ``device`` (tensor-parallel), at three boundaries.

    The model: :mod:`lca.accelerator.inference` (prefill and decode on a roofline, KV cache
    growing with the context, all-reduces, host share, idle time at ``utilization``, PUE).
    ``model`` names an architecture of data/models.yaml; ``params`` (active),
    ``total_params``, ``layers``, ``heads``, ``kv_heads``, ``head_dim``, ``hidden``
    override or replace it. ``input_tokens`` and ``output_tokens`` per request (defaults:
    data/inference.yaml). ``batch``: sequences decoded together. ``tokens_per_second``
    (measured output throughput of all chips) replaces the modelled time; ``power`` [W per
    chip] the modelled power. ``compute_fraction`` / ``bandwidth_fraction``: decode's
    achievable fractions; ``prefill_compute_fraction``; ``step_overhead`` [s];
    ``host_power`` / ``host_idle_power`` [W per accelerator]. Water (Li et al. 2023,
    on-site ``wue`` + off-site ``water_intensity`` x PUE, per kWh of server energy; the
    region's electricity when not given) counts at the facility whatever the boundary.
    ``boundary``
    (accelerator | server | facility) sets the headline energy and the operational carbon;
    every boundary's energy is returned.

    References: Williams, Waterman, Patterson, CACM 52(4), 2009 (roofline); Shoeybi et al.
    2019, arXiv:1909.08053 (tensor parallelism); Elsworth et al. 2025, arXiv:2508.15734
    (boundaries: active accelerator, host, idle, data-centre overhead).
    """
    registry.check_names(device=device, dtype=dtype, method=method, region=region,
                         model=model, kv_dtype=kv_dtype)
    registry.check_choice("inference.boundary", boundary, inference.boundaries())
    dev = devices.device(device)
    arch = inference.architecture(model, params=params, total_params=total_params,
                                  layers=layers, heads=heads, kv_heads=kv_heads,
                                  head_dim=head_dim, hidden=hidden)
    for name, v in (("params", arch.params), ("count", count), ("batch", batch),
                    ("tokens_per_second", tokens_per_second),
                    ("tokens_per_request", tokens_per_request)):
        _checked(name, v)
    for name, v in (("total_params", arch.total_params), ("input_tokens", input_tokens),
                    ("output_tokens", output_tokens), ("compute_fraction", compute_fraction),
                    ("bandwidth_fraction", bandwidth_fraction),
                    ("prefill_compute_fraction", prefill_compute_fraction),
                    ("step_overhead", step_overhead), ("host_power", host_power),
                    ("host_idle_power", host_idle_power)):
        if v is not None:
            registry.check(f"inference.{name}", v)
    for name in ("layers", "heads", "kv_heads", "head_dim", "hidden"):
        v = getattr(arch, name)
        if np.all(np.isfinite(_a(v))):
            registry.check(f"inference.{name}", v)
    notes: list[str] = []
    n_in, n_out = _token_counts(input_tokens, output_tokens, tokens_per_request, notes)
    peak = dev.peak(dtype)
    wb, ab = kernels.dtype_sizes(dtype)
    kvb = kernels.dtype_sizes(kv_dtype)[0] if kv_dtype else max(wb, 2.0)
    fc = _or_default(compute_fraction, "decode.compute_fraction")
    fb = _or_default(bandwidth_fraction, "decode.bandwidth_fraction")
    fp = _or_default(prefill_compute_fraction, "prefill.compute_fraction")
    overhead = _or_default(step_overhead, "decode.step_overhead", "s")
    if arch.has_attention:
        kv_tok = inference.kv_cache_bytes_per_token(arch.layers, arch.kv_heads, arch.head_dim, kvb)
        att = dict(layers=arch.layers, heads=arch.heads, head_dim=arch.head_dim)
    else:
        kv_tok, att = 0.0, {}
        notes.append("KV cache and attention not counted: the model's layers, heads, "
                     "kv_heads and head_dim are not known (give them or a model)")
    link = inference.link_bandwidth(device)
    multi = bool(np.any(_a(count) > 1))
    if multi and (link is None or not np.all(np.isfinite(_a(arch.hidden)))
                  or not np.all(np.isfinite(_a(arch.layers)))):
        notes.append("tensor-parallel all-reduces not counted: "
                     + ("no link bandwidth for this device in data/inference.yaml"
                        if link is None else "the model's hidden size and layers are not known"))
        comm = None
    else:
        comm = dict(hidden=arch.hidden, element_bytes=ab, layers=arch.layers, count=count,
                    link_bandwidth=link if link is not None else 1.0,
                    link_fraction=inference.default_value("interconnect.fraction"),
                    latency=inference.default_value("interconnect.latency", "s"),
                    per_layer=inference.default_value("interconnect.allreduces_per_layer"))

    def comm_time(tokens):
        return inference.allreduce_time(tokens, **comm) if comm and multi else 0.0

    a_c = devices.default_value("power.compute_dynamic_fraction")
    a_m = devices.default_value("power.memory_dynamic_fraction")

    def chip_power(flops, nbytes, time, frac_c):
        u_c, u_m = kernels.utilizations(flops, nbytes, _a(time) * _a(count), peak,
                                        dev.bandwidth_bytes_s, frac_c, fb)
        return kernels.power_between_idle_and_tdp(u_c, u_m, dev.idle_w, dev.tdp_w, a_c, a_m)

    # decode step at the mean context
    ctx = inference.mean_decode_context(n_in, n_out)
    w_step = inference.weights_touched(arch.params, arch.total_params, batch) * wb
    f_step = inference.decode_step_flops(arch.params, batch, ctx, **att)
    b_step = inference.decode_step_bytes(w_step, batch, ctx, kv_tok)
    # prefill of one request
    w_pre = inference.weights_touched(arch.params, arch.total_params, n_in) * wb
    f_pre = inference.prefill_flops(arch.params, n_in, **att)
    b_pre = inference.prefill_bytes(w_pre, n_in, kv_tok)
    has_prefill = _a(n_in) > 0
    t_pre = np.where(has_prefill, inference.phase_time(
        f_pre, b_pre, count, peak, dev.bandwidth_bytes_s, fp, fb, comm_time(n_in), overhead), 0.0)
    power = _power_value(power)
    if tokens_per_second is None:
        t_step = inference.phase_time(f_step, b_step, count, peak, dev.bandwidth_bytes_s, fc, fb,
                                      comm_time(batch), overhead)
        decode_per_token = t_step / _a(batch)
        notes.append("time modelled: prefill and decode on the roofline at the achievable "
                     "fractions of data/inference.yaml, KV cache at the mean context, "
                     f"{float(np.mean(overhead)) * 1e3:g} ms host overhead per step")
    else:
        decode_per_token = 1.0 / _a(tokens_per_second)
        t_step = decode_per_token * _a(batch)
        t_pre = np.zeros_like(_a(t_pre))
        notes.append("time from the given throughput (output tokens per second of all chips, "
                     "prefill included in it)")
    if power is None:
        p_dec = chip_power(f_step, b_step, t_step, fc)
        p_pre = chip_power(f_pre, b_pre, np.where(has_prefill, t_pre, 1.0), fp)
        notes.append("power per chip from the kernel power model between idle and TDP")
    else:
        p_dec = p_pre = _a(power)
    busy_req = t_pre + _a(n_out) * decode_per_token            # s on the serving chips
    acc_prefill = _a(count) * p_pre * t_pre
    acc_decode = _a(count) * p_dec * _a(n_out) * decode_per_token
    acc_req = acc_prefill + acc_decode
    h_act, h_idle, h_note = inference.host_power(device)
    h_act = h_act if host_power is None else host_power
    h_idle = h_idle if host_idle_power is None else host_idle_power
    notes.append(h_note if host_power is None and host_idle_power is None
                 else "host share of power given")
    g, p, grid_source, use_notes = kernels.use_phase(grid, region, pue)
    notes.extend(use_notes)
    life, util = kernels.allocation(lifetime, utilization)
    srv_req = inference.server_energy(acc_req, busy_req, count, h_act, h_idle, dev.idle_w, util)
    fac_req = inference.facility_energy(srv_req, p)
    host_req = _a(count) * _a(h_act) * busy_req
    by = {"accelerator": acc_req, "server": srv_req, "facility": fac_req}
    chosen = by[boundary]
    per_token = {k: v / _a(n_out) for k, v in by.items()}
    op_token = kernels.operational_gco2e(per_token[boundary], 1.0, g)
    emb_kg, emb_notes, emb_text = devices.embodied_per_device(device, method, host, embodied)
    emb_token = _a(count) * kernels.embodied_time_share_gco2e(emb_kg, busy_req / _a(n_out),
                                                              life, util)
    fpt = inference_flops_per_token(arch.params)
    tps = _a(n_out) / busy_req
    need_gb = (_a(arch.total_params) * wb
               + _a(batch) * (_a(n_in) + _a(n_out)) * _a(kv_tok)) / 1e9
    if dev.memory_gb is not None and np.any(need_gb > _a(count) * dev.memory_gb):
        have = float(np.max(_a(count))) * dev.memory_gb
        notes.append(f"weights and KV cache ({float(np.max(need_gb)):,.0f} GB at the largest "
                     f"scenario) exceed the accelerators' memory ({have:,.0f} GB): such a "
                     "batch or context would not fit; results are extrapolated")
    eco = ecologits.request(arch.params, n_out, arch.total_params, pue=p, grid=g)
    w_on, w_off, w_notes = _water_per_request(srv_req, p, region, wue, water_intensity)
    notes.extend(w_notes)
    with np.errstate(divide="ignore", invalid="ignore"):
        cols = _columns({
            "tokens_per_second": tps, "count": count, "batch": batch,
            "input_tokens": n_in, "output_tokens": n_out, "mean_context": ctx,
            "params": arch.params, "total_params": arch.total_params,
            "kv_cache_bytes_per_token": kv_tok, "memory_gb_required": need_gb,
            "prefill_time_s": t_pre, "decode_step_time_s": t_step,
            "request_time_s": t_pre + _a(n_out) * t_step,
            "power_w_per_chip": p_dec, "prefill_power_w_per_chip": p_pre,
            "pue": p, "grid_kgco2e_per_kwh": g, "utilization": util,
            "host_power_w": h_act, "host_idle_power_w": h_idle,
            "flops_per_token": fpt,
            "energy_j_per_token": per_token[boundary],
            "energy_j_per_token_accelerator": per_token["accelerator"],
            "energy_j_per_token_server": per_token["server"],
            "energy_j_per_token_facility": per_token["facility"],
            "energy_wh_per_request": chosen / JOULES_PER_WH,
            "energy_wh_per_request_accelerator": acc_req / JOULES_PER_WH,
            "energy_wh_per_request_server": srv_req / JOULES_PER_WH,
            "energy_wh_per_request_facility": fac_req / JOULES_PER_WH,
            "prefill_wh_per_request_accelerator": acc_prefill / JOULES_PER_WH,
            "host_wh_per_request": host_req / JOULES_PER_WH,
            "idle_wh_per_request": (srv_req - acc_req - host_req) / JOULES_PER_WH,
            "overhead_wh_per_request": (fac_req - srv_req) / JOULES_PER_WH,
            "decode_wh_per_request_accelerator": acc_decode / JOULES_PER_WH,
            "energy_kwh_per_1000_requests": chosen / JOULES_PER_WH,   # Wh x 1000 / 1000
            "operational_gco2e_per_token": op_token, "embodied_gco2e_per_token": emb_token,
            "gco2e_per_token": op_token + emb_token,
            "tokens_per_request": _a(n_in) + _a(n_out),
            "gco2e_per_request": (op_token + emb_token) * _a(n_out),
            "operational_gco2e_per_1000_requests": op_token * 1000 * _a(n_out),
            "embodied_gco2e_per_1000_requests": emb_token * 1000 * _a(n_out),
            "gco2e_per_1000_requests": (op_token + emb_token) * 1000 * _a(n_out),
            "operational_gco2e_per_eflop": carbon_per_exaflop(op_token, fpt),
            "embodied_gco2e_per_eflop": carbon_per_exaflop(emb_token, fpt),
            "gco2e_per_eflop": carbon_per_exaflop(op_token + emb_token, fpt),
            "water_onsite_l_per_token": w_on / _a(n_out),
            "water_offsite_l_per_token": w_off / _a(n_out),
            "water_l_per_token": _covered_sum(w_on, w_off) / _a(n_out),
            "water_l_per_request": _covered_sum(w_on, w_off),
            "ecologits_gpus": eco["gpus"],
            "ecologits_energy_wh_per_request": eco["energy_wh"],
            "ecologits_energy_j_per_token": eco["energy_wh"] * JOULES_PER_WH / _a(n_out),
            "ecologits_gco2e_per_request": eco["operational_gco2e"] + eco["embodied_gco2e"],
        })
    notes.append("ecologits_*: EcoLogits 0.9.1's published per-request formula side by side "
                 "(its boundary: GPUs + server share x PUE, batch 64, 3-year embodied; "
                 "data/workloads/ecologits.yaml)")
    notes.append(f"boundary: {boundary} ({_BOUNDARY_TEXT[boundary]}); per token = per "
                 "output token")
    notes.extend(dev.notes)
    notes.extend(emb_notes)
    notes.append(f"embodied: {emb_text}")
    return WorkloadResult("inference", device, dtype, cols, grid_source, method, notes,
                          boundary=boundary, model=arch.key)


JOULES_PER_WH = inference.JOULES_PER_WH
_BOUNDARY_TEXT = {
    "accelerator": "accelerators while busy, as NVML-based benchmarks measure",
    "server": "+ host share and idle capacity at the utilization",
    "facility": "server x PUE",
}


__all__ = ["train", "infer", "WorkloadResult", "training_flops_6nd", "inference_flops_per_token",
           "training_time", "run_energy", "modelled_training_power", "carbon_per_exaflop",
           "decode_step_time"]
