"""EcoLogits' per-request model of LLM inference, as a comparison method.

The formula as published in the EcoLogits documentation, release 0.9.1 (GenAI Impact,
"Environmental Impacts of LLM Inference", 2025; constants in
``data/workloads/ecologits.yaml``):

* GPU energy per output token [Wh] = alpha exp(beta B) P_active + gamma (P_active in
  billions), a fit to the ML.ENERGY leaderboard on H100;
* generation latency [s] = n_out (A P_active + B' B + C);
* GPUs = 1.2 x P_total x Q / 8 / 80 GB, rounded up to a power of two;
* server energy [kWh] = latency / 3600 x 1.2 kW x GPUs / 8 / B;
* request energy [kWh] = PUE x (server + GPUs x n_out x f_E);
* embodied [kgCO2e] = latency / (B x 3 years) x (GPUs / 8 x server + GPUs x GPU).

Written from the documentation; no EcoLogits code is used. All functions take numpy
arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import data
from ..units import SECONDS_PER_YEAR


def _a(x) -> np.ndarray:
    return np.asarray(x, dtype=float)


def constants() -> dict[str, float]:
    """The published constants in canonical units (Wh, s, GB, kW, kgCO2e, years)."""
    raw = data.load_yaml("workloads/ecologits.yaml")
    out = {f"energy_{k}": data.figure(v, f"ecologits.energy.{k}").value
           for k, v in raw["energy"].items()}
    out.update({f"latency_{k}": data.figure(v, f"ecologits.latency.{k}").value
                for k, v in raw["latency"].items()})
    units = {"gpu_memory": "GB", "server_power": "kW", "server_embodied": "kgCO2e",
             "gpu_embodied": "kgCO2e", "lifetime": "year"}
    for key in ("batch_size", "quantization_bits", "memory_overhead", "gpu_memory",
                "server_power", "server_gpus", "server_embodied", "gpu_embodied",
                "lifetime", "pue"):
        fig = data.figure(raw[key], f"ecologits.{key}")
        out[key] = fig.to(units[key]).value if key in units else fig.value
    return out


def gpu_energy_per_token_wh(active_params_b, batch, alpha, beta, gamma):
    """GPU energy per output token of one GPU [Wh]: alpha exp(beta B) P_active + gamma,
    with ``active_params_b`` in billions (EcoLogits 0.9.1, GPU energy fit)."""
    return _a(alpha) * np.exp(_a(beta) * _a(batch)) * _a(active_params_b) + _a(gamma)


def generation_latency_s(output_tokens, active_params_b, batch, alpha, beta, gamma):
    """Generation latency of a request [s]: n_out (A P_active + B' B + C) (EcoLogits
    0.9.1, latency fit)."""
    return _a(output_tokens) * (_a(alpha) * _a(active_params_b) + _a(beta) * _a(batch)
                                + _a(gamma))


def required_gpus(total_params_b, bits, overhead, gpu_memory_gb):
    """GPUs to hold the model [-]: ceil(overhead x P_total x Q / 8 / M_GPU) rounded up to a
    power of two (EcoLogits 0.9.1)."""
    memory = _a(overhead) * _a(total_params_b) * _a(bits) / 8.0
    n = np.maximum(np.ceil(memory / _a(gpu_memory_gb)), 1.0)
    return 2.0 ** np.ceil(np.log2(n))


def request(active_params, output_tokens, total_params=None, batch=None, pue=None,
            grid=None) -> dict[str, Any]:
    """EcoLogits' energy [Wh] and carbon [gCO2e] of one request of ``output_tokens`` to a
    model of ``active_params`` (and ``total_params``) parameters; ``grid`` [kgCO2e/kWh].
    Boundary: GPUs + the server's share while generating, x PUE (no idle capacity)."""
    c = constants()
    b = c["batch_size"] if batch is None else batch
    p = c["pue"] if pue is None else pue
    act_b = _a(active_params) / 1e9
    tot_b = _a(active_params if total_params is None else total_params) / 1e9
    gpus = required_gpus(tot_b, c["quantization_bits"], c["memory_overhead"], c["gpu_memory"])
    e_gpu = _a(output_tokens) * gpu_energy_per_token_wh(act_b, b, c["energy_alpha"],
                                                         c["energy_beta"], c["energy_gamma"])
    latency = generation_latency_s(output_tokens, act_b, b, c["latency_alpha"],
                                   c["latency_beta"], c["latency_gamma"])
    e_server = latency / 3600.0 * c["server_power"] * 1000.0 * gpus / c["server_gpus"] / _a(b)
    energy = _a(p) * (e_server + gpus * e_gpu)
    embodied_kg = (latency / (_a(b) * c["lifetime"] * SECONDS_PER_YEAR)
                   * (gpus / c["server_gpus"] * c["server_embodied"] + gpus * c["gpu_embodied"]))
    out = {"gpus": gpus, "latency_s": latency, "gpu_wh": gpus * e_gpu, "server_wh": e_server,
           "energy_wh": energy, "embodied_gco2e": embodied_kg * 1000.0, "pue": _a(p),
           "batch": _a(b)}
    if grid is not None:
        out["operational_gco2e"] = energy / 1000.0 * _a(grid) * 1000.0
    return out


__all__ = ["constants", "gpu_energy_per_token_wh", "generation_latency_s", "required_gpus",
           "request"]
