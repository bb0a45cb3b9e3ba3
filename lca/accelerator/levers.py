"""Green-AI levers as what-ifs on a training run or an inference service.

A workload is the keyword arguments of :func:`lca.train` or :func:`lca.infer`; each lever
returns changed arguments, and :func:`apply_levers` computes the baseline, each lever alone and
all of them together in one table. The physics is the model's: a precision change uses the
device's rate for the new precision; sparsity or pruning keeps a fraction of the FLOPs;
distillation is a smaller model; carbon-aware scheduling is a lower grid intensity, or the
best window of an hourly grid series for the run's duration.

The savings the seed studies report (``data/workloads/levers.yaml``) are documented
examples, available through :func:`reported_savings`; they are never used as constants.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from .. import data
from ..errors import ParameterError
from . import devices, workloads


def _a(x) -> np.ndarray:
    return np.asarray(x, dtype=float)


def _runner(kind: str) -> Callable[..., workloads.WorkloadResult]:
    if kind in ("train", "training"):
        return workloads.train
    if kind in ("infer", "inference"):
        return workloads.infer
    raise ParameterError(f"workload kind: expected train or infer, got {kind!r}")


def precision(kind: str, workload: dict[str, Any], dtype: str) -> dict[str, Any]:
    """The workload at another precision: the device's dense rate for ``dtype`` replaces the
    old one (a measured rate or a duration is scaled by the ratio of the peaks)."""
    dev = devices.device(workload["device"])
    old = workload.get("dtype") or (dev.training_dtype() if kind.startswith("train") else "bf16")
    ratio = dev.peak(dtype) / dev.peak(old)
    out = dict(workload, dtype=dtype)
    if out.get("tflops") is not None:
        out["tflops"] = _a(out["tflops"]) * ratio
    if out.get("days") is not None:
        out["days"] = _a(out["days"]) / ratio
    if out.get("tokens_per_second") is not None:
        out["tokens_per_second"] = _a(out["tokens_per_second"]) * ratio
    return out


def sparsity(kind: str, workload: dict[str, Any], kept) -> dict[str, Any]:
    """The workload with only a fraction ``kept`` of its FLOPs (pruning, sparsity)."""
    from .. import registry

    registry.check("workload.kept", kept)
    out = dict(workload)
    if kind.startswith("train"):
        if out.get("flops") is not None:
            out["flops"] = _a(out["flops"]) * _a(kept)
        elif out.get("params") is not None and out.get("tokens") is not None:
            out["flops"] = workloads.training_flops_6nd(out["params"], out["tokens"]) * _a(kept)
        if out.get("days") is not None:
            out["days"] = _a(out["days"]) * _a(kept)
    else:
        out["params"] = _a(out["params"]) * _a(kept)
        if out.get("tokens_per_second") is not None:
            out["tokens_per_second"] = _a(out["tokens_per_second"]) / _a(kept)
    return out


def distillation(kind: str, workload: dict[str, Any], params) -> dict[str, Any]:
    """The workload with a smaller (distilled) model of ``params`` active parameters."""
    from .. import registry

    registry.check("workload.params", params)
    old = workload.get("params")
    if old is None:
        raise ParameterError("distillation: the workload must give params")
    ratio = _a(params) / _a(old)
    out = dict(workload, params=params)
    if kind.startswith("train"):
        if out.get("flops") is not None:
            out["flops"] = _a(out["flops"]) * ratio
        if out.get("days") is not None:
            out["days"] = _a(out["days"]) * ratio
    elif out.get("tokens_per_second") is not None:
        out["tokens_per_second"] = _a(out["tokens_per_second"]) / ratio
    return out


def best_window_mean(series, hours: float) -> float:
    """Lowest mean of ``series`` (hourly grid intensities [kgCO2e/kWh]) over a window of
    ``hours`` consecutive hours (the whole series when it is shorter)."""
    from .. import registry

    s = _a(registry.check("grid", series)).ravel()
    w = int(min(max(1, math.ceil(float(hours))), s.size))
    c = np.concatenate([[0.0], np.cumsum(s)])
    return float(np.min((c[w:] - c[:-w]) / w))


def carbon_aware(kind: str, workload: dict[str, Any], grid, hours: float | None = None) -> dict[str, Any]:
    """The workload at a lower grid intensity [kgCO2e/kWh], or, given an hourly series (an
    array [kgCO2e/kWh], a :class:`lca.measured.hourly.GridSeries`, a CSV file in the
    Electricity Maps / Ember layouts or a shipped sample's name), at the mean of its best
    window as long as the run (``hours``)."""
    out = dict(workload)
    out.pop("region", None)
    if isinstance(grid, (str, Path)) or hasattr(grid, "starts"):
        from ..measured import hourly   # the same reader as measured runs

        grid = hourly.load(grid).values
    if np.ndim(grid) == 0:
        from .. import registry

        out["grid"] = float(registry.to_canonical("grid", grid))
    else:
        if hours is None:
            base = _runner(kind)(**workload)
            hours = float(np.max(base.columns.get("time_s", np.array([3600.0])))) / 3600.0
        out["grid"] = best_window_mean(grid, hours)
    return out


LEVERS: dict[str, Callable[..., dict[str, Any]]] = {
    "distillation": distillation, "sparsity": sparsity, "precision": precision,
    "carbon_aware": carbon_aware,
}


def apply_levers(kind: str, workload: dict[str, Any], **levers: Any) -> pd.DataFrame:
    """Baseline, each lever alone and all together: energy, carbon and saving per row.

    ``levers``: precision="fp8", sparsity=0.5 (fraction kept), distillation=7e9 (params),
    carbon_aware=0.05 (kgCO2e/kWh) or an hourly series.
    """
    run = _runner(kind)
    unknown = set(levers) - set(LEVERS)
    if unknown:
        raise ParameterError(f"unknown lever(s) {', '.join(sorted(unknown))}: expected "
                             f"{', '.join(LEVERS)}")
    rows = [("baseline", workload)]
    for name, value in levers.items():
        rows.append((name, LEVERS[name](kind, workload, value)))
    combined = dict(workload)
    for name in LEVERS:   # fixed order: a distilled model first, then the rest applied to it
        if name in levers:
            combined = LEVERS[name](kind, combined, levers[name])
    if len(levers) > 1:
        rows.append(("combined", combined))
    records = []
    for label, kwargs in rows:
        r = run(**kwargs).to_frame().iloc[0].to_dict()
        r["scenario"] = label
        records.append(r)
    frame = pd.DataFrame(records).set_index("scenario")
    key = "total_tco2e" if kind.startswith("train") else "gco2e_per_token"
    frame["saving"] = 1.0 - frame[key] / frame.loc["baseline", key]
    return frame


def reported_savings() -> pd.DataFrame:
    """The seed studies' reported savings (data/workloads/levers.yaml): documented examples."""
    table = data.load_yaml("workloads/levers.yaml")["examples"]
    rows = []
    for key, entry in table.items():
        row = {"example": key, "lever": entry.get("lever"), "description": entry.get("description")}
        for field in ("energy_reduction", "emissions_reduction", "power_reduction"):
            if field in entry:
                fig = data.figure(entry[field], f"levers.yaml: {key}.{field}")
                row[field] = fig.value
                row.setdefault("source", fig.source)
        row["accuracy_change_points"] = entry.get("accuracy_change_points")
        rows.append(row)
    return pd.DataFrame(rows).set_index("example")


__all__ = ["precision", "sparsity", "distillation", "carbon_aware", "best_window_mean",
           "apply_levers", "reported_savings", "LEVERS"]
