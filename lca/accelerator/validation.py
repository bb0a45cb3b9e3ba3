"""Validation of the inference and training models against public measurements and
disclosures (``data/validation/*.yaml`` of kind ``inference`` or ``training``).

Each reference file names its source, the boundary of its figure, the quantity compared
(an output column of :func:`lca.infer` or :func:`lca.train`, or ``share`` of the facility
energy by part), lca's inputs and the tolerance with its reason. An evaluator runs lca
with those inputs and returns one :class:`Check` per case: lca's value, the reference's,
the relative error (lca / reference - 1) and whether it lies within the tolerance. A
reference without a value (no published figure) gives lca's prediction only; a flagged
case (a source that contradicts itself) is reported, never evaluated.

Entry points: :func:`evaluate` (one reference), :func:`evaluate_all` (every reference of
these kinds), :data:`EVALUATORS` (kind -> function) and ``lca workload validate``;
``lca.validation_inference`` registers them with the ``lca validate`` framework.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd

from .. import data
from ..errors import DataError
from ..units import HOURS_PER_YEAR
from . import workloads

KINDS = ("inference", "training")


@dataclass(frozen=True)
class Check:
    """One case of a reference: lca's value beside the published one."""

    reference: str
    case: str
    kind: str
    boundary: str
    quantity: str
    unit: str
    lca: float
    published: float | None
    error: float | None             # lca / published - 1 (relative) or lca - published (share)
    tolerance: str
    within: bool | None
    status: str                     # within | outside | prediction | flagged
    source: str
    inputs: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- reference files ---------------------------------------------------------------------------

def reference_names(kind: str | None = None) -> list[str]:
    """Names (file stems) of the references in data/validation/ of ``kind`` (or of
    inference and training)."""
    folder = data.data_dir() / "validation"
    names = []
    for path in sorted(folder.glob("*.yaml")):
        spec = data.load_yaml(f"validation/{path.name}")
        k = spec.get("kind") if isinstance(spec, dict) else None
        if (kind is None and k in KINDS) or (kind is not None and k == kind):
            names.append(path.stem)
    return names


def load(name: str) -> dict[str, Any]:
    """The parsed reference file ``data/validation/<name>.yaml``."""
    spec = data.load_yaml(f"validation/{name}.yaml")
    for key in ("kind", "name", "source", "boundary", "quantity", "unit", "cases"):
        if key not in spec:
            raise DataError(f"data/validation/{name}.yaml: missing {key}")
    return spec


# --- tolerances --------------------------------------------------------------------------------------

def tolerance_of(spec: dict, case: dict) -> dict[str, float]:
    """The case's tolerance: its own, else relative |v2 - value| / value when the case
    gives the previous version's figure (``v2``)."""
    if case.get("tolerance"):
        return dict(case["tolerance"])
    if case.get("v2") is not None:
        return {"relative": abs(float(case["v2"]) - float(case["value"])) / float(case["value"])}
    if spec.get("tolerance"):
        return dict(spec["tolerance"])
    raise DataError(f"{spec['name']}: case {case.get('label')!r} has no tolerance")


def judge(lca: float, published: float, tol: dict[str, float]) -> tuple[float, bool, str]:
    """(error, within, text) of ``lca`` against ``published`` for a tolerance given as
    relative (|lca / published - 1| <= r), factor (max(q, 1/q) <= f) or absolute
    (|lca - published| <= a, the error then being the difference)."""
    if "absolute" in tol:
        err = lca - published
        return err, bool(abs(err) <= tol["absolute"]), f"absolute {tol['absolute']:.3g}"
    err = lca / published - 1.0
    if "factor" in tol:
        q = lca / published
        return err, bool(max(q, 1.0 / q) <= tol["factor"]), f"factor {tol['factor']:.3g}"
    return err, bool(abs(err) <= tol["relative"]), f"relative {tol['relative']:.3g}"


# --- evaluators ---------------------------------------------------------------------------------------

def _check(name, spec, case, kind, value, inputs, extra=None) -> Check:
    label = str(case.get("label", ""))
    common = dict(reference=name, case=label, kind=kind, boundary=spec["boundary"],
                  quantity=spec["quantity"], unit=spec["unit"], lca=float(value),
                  source=str(spec["source"]).strip(), inputs=inputs, extra=dict(extra or {}))
    if case.get("flagged"):
        return Check(published=case.get("value"), error=None, tolerance="not evaluated",
                     within=None, status="flagged",
                     **{**common, "extra": {**common["extra"],
                                            "flag": " ".join(str(case["flagged"]).split())}})
    if case.get("value") is None:
        return Check(published=None, error=None, tolerance="none (no published figure)",
                     within=None, status="prediction", **common)
    tol = tolerance_of(spec, case)
    err, ok, text = judge(float(value), float(case["value"]), tol)
    return Check(published=float(case["value"]), error=float(err), tolerance=text,
                 within=ok, status="within" if ok else "outside", **common)


SHARES = {"accelerator": "energy_wh_per_request_accelerator", "host": "host_wh_per_request",
          "idle": "idle_wh_per_request", "overhead": "overhead_wh_per_request"}


def evaluate_inference(name: str, spec: dict[str, Any]) -> list[Check]:
    """Run :func:`lca.infer` for every case of an inference reference."""
    checks = []
    for case in spec["cases"]:
        inputs = {**(spec.get("inputs") or {}), **(case.get("inputs") or {})}
        r = workloads.infer(boundary=spec["boundary"], **inputs).to_dict()
        extra = {k: r[k] for k in ("energy_j_per_token_accelerator", "energy_j_per_token_server",
                                   "energy_j_per_token_facility",
                                   "energy_wh_per_request_facility",
                                   "ecologits_energy_j_per_token",
                                   "ecologits_energy_wh_per_request")}
        if spec["quantity"] == "share":
            value = r[SHARES[case["share"]]] / r["energy_wh_per_request_facility"]
        else:
            value = r[spec["quantity"]]
        checks.append(_check(name, spec, case, "inference", value, inputs, extra))
    return checks


def evaluate_training(name: str, spec: dict[str, Any]) -> list[Check]:
    """Run :func:`lca.train` for every case of a training reference; ``gpu_hours`` becomes
    days on ``count`` chips (given, else whole years of chips). Reports the reference's implied grid factor [kgCO2e/kWh] where it
    has a value."""
    checks = []
    for case in spec["cases"]:
        inputs = {**(spec.get("inputs") or {}), **(case.get("inputs") or {})}
        kwargs = dict(inputs)
        if "gpu_hours" in kwargs:
            # only chips x time matters: without a published chip count, spread the hours
            # over whole years of chips (the duration stays within the registry's bounds)
            hours = float(kwargs.pop("gpu_hours"))
            kwargs.setdefault("count", max(1, math.ceil(hours / HOURS_PER_YEAR)))
            kwargs["days"] = hours / 24.0 / float(kwargs["count"])
        r = workloads.train(**kwargs).to_dict()
        extra = {"energy_mwh": r["energy_mwh"], "grid_kgco2e_per_kwh": r["grid_kgco2e_per_kwh"],
                 "power_w_per_chip": r["power_w_per_chip"], "chip_hours": r["chip_hours"]}
        if case.get("value") is not None and r["energy_mwh"]:
            extra["implied_grid_kgco2e_per_kwh"] = float(case["value"]) / r["energy_mwh"]
        checks.append(_check(name, spec, case, "training", r[spec["quantity"]], inputs, extra))
    return checks


EVALUATORS: dict[str, Callable[[str, dict[str, Any]], list[Check]]] = {
    "inference": evaluate_inference,
    "training": evaluate_training,
}


def evaluate(name: str) -> list[Check]:
    """The checks of one reference of data/validation/ by name."""
    spec = load(name)
    kind = spec["kind"]
    if kind not in EVALUATORS:
        raise DataError(f"data/validation/{name}.yaml: kind {kind!r} is not one of "
                        f"{', '.join(EVALUATORS)}")
    return EVALUATORS[kind](name, spec)


def evaluate_all(kind: str | None = None) -> pd.DataFrame:
    """Every check of every inference and training reference (or of ``kind``), one row each."""
    rows = [c.to_dict() for n in reference_names(kind) for c in evaluate(n)]
    frame = pd.DataFrame(rows)
    return frame.replace({np.nan: None}) if len(frame) else frame


__all__ = ["Check", "EVALUATORS", "KINDS", "evaluate", "evaluate_all", "evaluate_inference",
           "evaluate_training", "judge", "load", "reference_names", "tolerance_of"]
