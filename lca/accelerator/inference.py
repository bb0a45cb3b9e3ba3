"""LLM inference per request and per token: prefill and decode on a roofline, tensor
parallelism, the host's share, idle time and PUE, with the result's boundary stated.

The model (every constant in ``data/inference.yaml``, architecture facts in
``data/models.yaml``):

1. **Prefill** (one forward pass over the prompt's ``n_in`` tokens, compute-bound for
   prompts of a few hundred tokens): FLOPs = 2 P_active n_in + 2 L H d n_in^2 (causal
   attention), bytes = the weights read once + the KV cache written; time on the roofline
   of S. Williams, A. Waterman, D. Patterson (CACM 52(4), 2009) at the prefill's
   achievable fractions.
2. **Decode** (one step per output token for a batch of ``B`` sequences, memory-bound
   until the batch is large): FLOPs = B (2 P_active + 4 L H d c), bytes = the weights
   touched (min(P_total, P_active B) for a mixture of experts) + the KV cache of all B
   sequences at context c, read once per step; c is the mean context over the request,
   n_in + (n_out + 1) / 2. The cache grows with the context, so energy per token does.
   Each step also pays a fixed host-side overhead (scheduling, launches) at idle power.
3. **Tensor parallelism** over ``count`` accelerators: peak and bandwidth add up, and each
   forward pass adds 2 ring all-reduces per layer of tokens x hidden activations:
   2 (n - 1) / n x bytes / (link bandwidth x fraction) + latency (Megatron-LM, Shoeybi et
   al. 2019, arXiv:1909.08053; the ring all-reduce cost of Patarasuk and Yuan, JPDC
   69(2), 2009).
4. **Power** per accelerator from the kernel power model (idle + (TDP - idle) x stress of
   compute and memory, ``lca.accelerator.kernels``) over each phase's time.
5. **Boundaries**: *accelerator* = the accelerators' energy while busy (what NVML-based
   benchmarks such as ML.ENERGY measure); *server* = + the host's share of power (CPUs,
   DRAM, fans, NICs) while busy + accelerators and host idle for (1 - u) / u of the busy
   time at utilization u (provisioned capacity waiting for requests, as in Google's
   comprehensive approach, Elsworth et al. 2025, arXiv:2508.15734); *facility* = server
   x PUE.

Per token means per output (generated) token. All functions take numpy arrays (shapes
broadcast): a sweep over batch sizes or contexts is one call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import data
from ..errors import DataError, ParameterError
from . import kernels

BOUNDARIES = ("accelerator", "server", "facility")


def boundaries() -> tuple[str, ...]:
    """The boundary choices, as registered (data/parameters.yaml inference.boundary)."""
    from .. import registry

    return registry.get("inference.boundary").choices or BOUNDARIES
JOULES_PER_WH = 3600.0


def _a(x) -> np.ndarray:
    return np.asarray(x, dtype=float)


# --- architecture ------------------------------------------------------------------------------

def kv_cache_bytes_per_token(layers, kv_heads, head_dim, element_bytes):
    """KV cache of one token [B]: a key and a value vector per layer and KV head,
    2 x L x h_kv x d x bytes (grouped-query attention: h_kv < h)."""
    return 2.0 * _a(layers) * _a(kv_heads) * _a(head_dim) * _a(element_bytes)


def weights_touched(active_params, total_params, tokens):
    """Parameters read by a forward pass over ``tokens`` tokens [-]: every token uses
    ``active_params``; a mixture of experts touches at most all ``total_params``."""
    return np.minimum(_a(total_params), _a(active_params) * np.maximum(_a(tokens), 1.0))


# --- FLOPs and bytes of each phase ---------------------------------------------------------------

def prefill_flops(active_params, input_tokens, layers=0.0, heads=0.0, head_dim=0.0):
    """FLOPs of a prefill pass over ``input_tokens`` [FLOP]: 2 P n for the matrix
    multiplies (Kaplan et al. 2020, arXiv:2001.08361) + causal attention, Q K^T and P V over
    half the n x n score matrix, 2 L H d n^2."""
    n = _a(input_tokens)
    return 2.0 * _a(active_params) * n + 2.0 * _a(layers) * _a(heads) * _a(head_dim) * n * n


def prefill_bytes(weight_bytes, input_tokens, kv_bytes_per_token):
    """Bytes of a prefill pass [B]: the weights touched read once, the prompt's KV cache
    written once."""
    return _a(weight_bytes) + _a(input_tokens) * _a(kv_bytes_per_token)


def decode_step_flops(active_params, batch, context, layers=0.0, heads=0.0, head_dim=0.0):
    """FLOPs of one decode step of ``batch`` sequences at ``context`` tokens [FLOP]:
    B (2 P + 4 L H d c), the attention of one new query over c keys and values."""
    return _a(batch) * (2.0 * _a(active_params)
                        + 4.0 * _a(layers) * _a(heads) * _a(head_dim) * _a(context))


def decode_step_bytes(weight_bytes, batch, context, kv_bytes_per_token):
    """Bytes of one decode step [B]: the weights touched + the KV cache of ``batch``
    sequences at ``context`` tokens, each read once."""
    return _a(weight_bytes) + _a(batch) * _a(context) * _a(kv_bytes_per_token)


def mean_decode_context(input_tokens, output_tokens):
    """Mean context over the decode steps of a request [tokens]: n_in + (n_out + 1) / 2."""
    return _a(input_tokens) + (_a(output_tokens) + 1.0) / 2.0


def allreduce_time(tokens, hidden, element_bytes, layers, count, link_bandwidth,
                   link_fraction, latency, per_layer=2.0):
    """Time of the tensor-parallel all-reduces of one forward pass [s]: ``per_layer`` ring
    all-reduces per layer, each moving 2 (n - 1) / n x tokens x hidden x bytes per
    accelerator over its link [B/s] at ``link_fraction``, plus ``latency`` [s] each;
    zero on one accelerator."""
    n = _a(count)
    size = _a(tokens) * _a(hidden) * _a(element_bytes)
    with np.errstate(divide="ignore", invalid="ignore"):
        ring = np.where(n > 1, 2.0 * (n - 1.0) / n * size
                        / (_a(link_bandwidth) * _a(link_fraction)) + _a(latency), 0.0)
    return _a(per_layer) * _a(layers) * ring


def phase_time(flops, bytes_moved, count, peak, bandwidth, compute_fraction,
               bandwidth_fraction, communication=0.0, overhead=0.0):
    """Time of one forward pass on ``count`` accelerators [s]: the roofline of the summed
    peak [FLOP/s] and bandwidth [B/s] at the achievable fractions, + communication [s] +
    a fixed overhead [s]."""
    return kernels.roofline_time(flops, bytes_moved, _a(count) * _a(peak),
                                 _a(count) * _a(bandwidth), compute_fraction,
                                 bandwidth_fraction) + _a(communication) + _a(overhead)


# --- boundaries ------------------------------------------------------------------------------------

def server_energy(accelerator_j, busy_s, count, host_active_w, host_idle_w,
                  accelerator_idle_w, utilization):
    """Server-boundary energy [J] of a job whose accelerators used ``accelerator_j`` [J]
    while busy for ``busy_s`` [s]: + the host's share of power while busy + accelerators
    and host idle for (1 - u) / u of the busy time (provisioned capacity waiting for
    requests) at utilization ``u`` [-]."""
    u = _a(utilization)
    idle_s = _a(busy_s) * (1.0 - u) / u
    return (_a(accelerator_j) + _a(count) * _a(host_active_w) * _a(busy_s)
            + _a(count) * (_a(accelerator_idle_w) + _a(host_idle_w)) * idle_s)


def facility_energy(server_j, pue):
    """Facility-boundary energy [J]: server energy x PUE [-] (The Green Grid, ISO/IEC
    30134-2)."""
    return _a(server_j) * _a(pue)


# --- shipped figures --------------------------------------------------------------------------------

def defaults() -> dict[str, Any]:
    """The parsed ``data/inference.yaml``."""
    return data.load_yaml("inference.yaml")


def default_value(path: str, unit: str | None = None) -> float:
    """A figure of ``data/inference.yaml`` by dotted path, in ``unit`` when given."""
    node: Any = defaults()
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            raise DataError(f"data/inference.yaml: missing {path}")
        node = node[part]
    fig = data.figure(node, f"inference.yaml: {path}")
    return fig.to(unit).value if unit else fig.value


def link_bandwidth(device: str) -> float | None:
    """Per-direction scale-up link bandwidth of ``device`` [B/s], or None when not known."""
    table = defaults()["interconnect"]["bandwidth"]
    if device not in table:
        return None
    return data.figure(table[device], f"inference.yaml: interconnect.bandwidth.{device}").to(
        "byte/s").value


def host_power(device: str) -> tuple[float, float, str]:
    """(active [W], idle [W], note) of the host's share of power per accelerator; devices
    without their own entry use the H100 SXM5 host as a stand-in (said in the note)."""
    table = defaults()["host_power"]
    key = device if device in table else "h100-sxm5"
    entry = table[key]
    act = data.figure(entry["active"], f"inference.yaml: host_power.{key}.active").to("W").value
    idle = data.figure(entry["idle"], f"inference.yaml: host_power.{key}.idle").to("W").value
    note = (f"host share of power: {act:g} W active, {idle:g} W idle per accelerator "
            "(data/inference.yaml host_power." + key + ")")
    if key != device:
        note += f"; {device} has no host entry, the H100 SXM5 host stands in"
    return act, idle, note


@dataclass(frozen=True)
class Architecture:
    """Parameter counts and the attention shape of a model (NaN where not published)."""

    key: str | None
    params: float
    total_params: float
    layers: float
    heads: float
    kv_heads: float
    head_dim: float
    hidden: float

    @property
    def has_attention(self) -> bool:
        return all(bool(np.all(np.isfinite(_a(v)))) for v in (
            self.layers, self.heads, self.kv_heads, self.head_dim))


def model_keys() -> list[str]:
    return sorted((data.load_yaml("models.yaml").get("models") or {}))


def architecture(model: str | None = None, **given) -> Architecture:
    """Architecture from ``data/models.yaml`` by key, with any field given overriding it."""
    spec: dict[str, Any] = {}
    if model is not None:
        table = data.load_yaml("models.yaml").get("models") or {}
        if model not in table:
            raise ParameterError(f"unknown model {model!r}: expected one of "
                                 f"{', '.join(model_keys())}")
        for field in ("params", "total_params", "layers", "heads", "kv_heads", "head_dim",
                      "hidden"):
            if field in table[model]:
                spec[field] = data.figure(table[model][field], f"models.{model}.{field}").value
    spec.update({k: v for k, v in given.items() if v is not None})
    if spec.get("params") is None:
        raise ParameterError("inference: give params (active parameters) or a model")
    params = spec["params"]
    return Architecture(
        key=model, params=params,
        total_params=spec.get("total_params", params),
        layers=spec.get("layers", np.nan), heads=spec.get("heads", np.nan),
        kv_heads=spec.get("kv_heads", np.nan), head_dim=spec.get("head_dim", np.nan),
        hidden=spec.get("hidden", np.nan))


__all__ = ["BOUNDARIES", "boundaries", "kv_cache_bytes_per_token", "weights_touched", "prefill_flops",
           "prefill_bytes", "decode_step_flops", "decode_step_bytes", "mean_decode_context",
           "allreduce_time", "phase_time", "server_energy", "facility_energy", "architecture",
           "Architecture", "host_power", "link_bandwidth", "model_keys"]
