"""Validation against published assessments: references as data, evaluators by kind.

A *reference* is one YAML file in ``data/validation/`` (format in
``data/validation/README.md``): a published figure with its source, boundary, conditions,
trust, breakdown and tolerance, and what lca runs to reproduce it. :func:`validate` runs
each reference through the evaluator registered for its ``kind`` and returns one
:class:`ValidationResult` per reference: lca's value by every method, the default
method's low-high range, the relative error, whether the published figure lies inside
the range and whether the tolerance is met.

The registry of evaluators
--------------------------
``EVALUATORS`` maps a ``kind`` to a function ``evaluate(reference) -> ValidationResult``.
This module registers ``hardware`` (a BOM's embodied carbon by every embodied method).
Another module adds a kind by decorating its evaluator and being imported before
:func:`validate` runs, for example::

    from lca.validation import register, ValidationResult

    @register("inference")
    def inference_reference(ref):           # ref: lca.validation.Reference
        value = ...                         # lca's figure, in ref.published.unit
        return ValidationResult.compare(ref, values={"default": value}, low=..., high=...)

Modules listed in ``EVALUATOR_MODULES`` are imported on first use, so a kind shipped with
lca is found without the caller importing it; a module that is not installed (a branch
not merged yet) is skipped, and a reference of an unknown kind is reported as
``not evaluated`` with the reason, never dropped.

References
----------
The references themselves: see each file's ``source`` (NVIDIA HGX H100 PCF 2025; Falk et
al. 2025, arXiv:2509.00093; Dell PowerEdge R740 PCF 2019 and R710 white paper 2011;
Schneider et al. 2025, arXiv:2502.01671).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, Callable, Iterable

import numpy as np

from . import data
from .errors import DataError, LcaError

#: kind -> evaluator. Filled by :func:`register`.
EVALUATORS: dict[str, Callable[["Reference"], "ValidationResult"]] = {}

#: Modules that register evaluators of further kinds, imported on first use if present.
EVALUATOR_MODULES: tuple[str, ...] = ("lca.validation_inference",)


class UnknownReferenceError(LcaError):
    """A validation reference name that data/validation/ does not have."""


def register(kind: str):
    """Decorator: register ``fn`` as the evaluator of references of ``kind``."""
    def deco(fn):
        EVALUATORS[kind] = fn
        return fn
    return deco


@dataclass(frozen=True)
class Reference:
    """One published assessment (a parsed ``data/validation/<name>.yaml``)."""

    name: str
    title: str
    kind: str
    source: str
    boundary: str
    conditions: str
    trust: str
    published: data.Figure
    tolerance: float
    tolerance_source: str
    reproduce: dict[str, Any]
    breakdown: dict[str, dict[str, Any]]
    outcome: dict[str, Any]
    primary_document: dict[str, Any]


@dataclass
class ValidationResult:
    """lca against one reference. Values in the unit of ``published``."""

    reference: Reference
    values: dict[str, float]              # method (or variant) -> lca's value
    default: float                        # the default method's value
    low: float
    high: float
    error: float                          # (default - published) / published
    within_tolerance: bool
    in_range: bool                        # published inside low-high (a bound: low below it)
    breakdown: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    evaluated: bool = True

    @classmethod
    def compare(cls, ref: Reference, values: dict[str, float], low: float, high: float,
                default_key: str | None = None, breakdown=None, notes=None) -> "ValidationResult":
        """The result of comparing lca's ``values`` (the default first, or ``default_key``)
        and its ``low``-``high`` range with the reference's published figure."""
        key = default_key or next(iter(values))
        value = float(values[key])
        pub = ref.published
        error = relative_error(value, pub.value)
        return cls(reference=ref, values=dict(values), default=value, low=float(low),
                   high=float(high), error=error,
                   within_tolerance=meets(value, pub, ref.tolerance),
                   in_range=bool(low <= pub.value if pub.upper_bound else low <= pub.value <= high),
                   breakdown=list(breakdown or []),
                   notes=list(notes or []))

    def _repr_html_(self) -> str:
        from .display import validation_html

        return validation_html([self])

    def plot(self):
        """The report's validation page for this reference (a matplotlib Figure)."""
        from .report import validation_page

        return validation_page([self])

    @property
    def met(self) -> bool:
        """Within tolerance and, where the source states an uncertainty, inside it."""
        return self.evaluated and self.within_tolerance

    def to_dict(self) -> dict[str, Any]:
        ref = self.reference
        return {
            "name": ref.name, "title": ref.title, "kind": ref.kind, "source": ref.source,
            "boundary": ref.boundary, "trust": ref.trust,
            "published": ref.published.value, "published_min": ref.published.min,
            "published_max": ref.published.max, "upper_bound": ref.published.upper_bound,
            "unit": ref.published.unit, "tolerance": ref.tolerance,
            "evaluated": self.evaluated,
            "lca": _finite(self.default), "low": _finite(self.low), "high": _finite(self.high),
            "error": _finite(self.error), "within_tolerance": self.within_tolerance,
            "in_range": self.in_range, "met": self.met,
            "methods": {k: _finite(v) for k, v in self.values.items()},
            "breakdown": self.breakdown, "notes": self.notes,
        }


def _finite(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def relative_error(value: float, published: float) -> float:
    """(value - published) / published [-]."""
    return (value - published) / published


def meets(value: float, published: data.Figure, tolerance: float) -> bool:
    """Whether ``value`` meets a published figure within a relative ``tolerance``: for an
    upper bound, not above ``(1 + tolerance) x`` the bound; otherwise within
    ``tolerance`` of the value and, where the source gives min and max, inside them."""
    if published.upper_bound:
        return bool(value <= published.value * (1 + tolerance))
    ok = abs(relative_error(value, published.value)) <= tolerance
    if published.min is not None and published.max is not None:
        ok = ok and published.min <= value <= published.max
    return bool(ok)


# --- the references ----------------------------------------------------------------------

def _folder():
    return data.data_dir() / "validation"


def reference_names() -> list[str]:
    """Names of the shipped references (file stems), sorted."""
    return sorted(p.stem for p in _folder().glob("*.yaml"))


def load_reference(name: str) -> Reference:
    """The reference ``name`` from ``data/validation/<name>.yaml``."""
    if name not in reference_names():
        raise UnknownReferenceError(f"unknown validation reference {name!r}: expected one of "
                                    f"{', '.join(reference_names())}")
    raw = data.load_yaml(f"validation/{name}.yaml")
    where = f"data/validation/{name}.yaml"
    try:
        tol = raw["tolerance"]
        return Reference(
            name=raw["name"], title=raw["title"], kind=raw["kind"], source=raw["source"],
            boundary=raw["boundary"], conditions=raw["conditions"], trust=raw["trust"],
            published=data.figure(raw["published"], f"{where}: published"),
            tolerance=float(tol["relative"]), tolerance_source=str(tol.get("source", "")),
            reproduce=dict(raw.get("reproduce") or {}), breakdown=dict(raw.get("breakdown") or {}),
            outcome=dict(raw.get("outcome") or {}),
            primary_document=dict(raw.get("primary_document") or {}))
    except KeyError as exc:
        raise DataError(f"{where}: missing field {exc.args[0]!r}") from None


def _load_evaluator_modules() -> None:
    for mod in EVALUATOR_MODULES:
        try:
            import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name != mod:
                raise


def evaluate_reference(ref: Reference) -> ValidationResult:
    """Run one reference through the evaluator of its kind."""
    _load_evaluator_modules()
    fn = EVALUATORS.get(ref.kind)
    if fn is None:
        nan = float("nan")
        return ValidationResult(reference=ref, values={}, default=nan, low=nan, high=nan,
                                error=nan, within_tolerance=False, in_range=False,
                                notes=[f"no evaluator registered for kind {ref.kind!r} "
                                       f"(registered: {', '.join(sorted(EVALUATORS))})"],
                                evaluated=False)
    return fn(ref)


def validate(names: Iterable[str] | None = None) -> list[ValidationResult]:
    """Every shipped reference (or ``names``), evaluated."""
    chosen = list(names) if names else reference_names()
    return [evaluate_reference(load_reference(n)) for n in chosen]


# --- the hardware evaluator ----------------------------------------------------------------

@register("hardware")
def hardware(ref: Reference) -> ValidationResult:
    """Embodied carbon of the reference's BOM [kgCO2e] by every embodied method, scaled by
    ``reproduce.scale`` (a per-chip share), over ``reproduce.components`` (all when
    absent), plus the GWP of the other life-cycle stages in ``reproduce.stages``
    (``transport``, ``end_of_life``, ``infrastructure``: the same for every method); the
    default method's low-high range over its factor ranges (other stages at their value);
    each breakdown line against the sum of its components, or against its ``stage``."""
    from .assessment import assess
    from .embodied import DEFAULT_METHOD, METHODS
    from .methods import embodied_range

    bom = ref.reproduce["bom"]
    scale = float(ref.reproduce.get("scale", 1.0))
    subset = ref.reproduce.get("components")
    stages = [s for s in ref.reproduce.get("stages", ["manufacturing"]) if s != "manufacturing"]
    values: dict[str, float] = {}
    notes: list[str] = []
    default = None
    for method in [DEFAULT_METHOD] + [m for m in METHODS if m != DEFAULT_METHOD]:
        try:
            a = assess(bom, method=method)
        except LcaError as exc:
            notes.append(f"{method}: {exc}")
            continue
        comps = {k: v.magnitude for k, v in a.embodied_by_component.items()}
        picked = [comps[c] for c in (subset or comps)]
        values[method] = scale * float(np.nansum(picked))
        if a.uncovered:
            notes.append(f"{method}: leaves out {', '.join(a.uncovered)}")
        if method == DEFAULT_METHOD:
            default = a
    gwp = default.to_dict()["impacts"]["gwp"]
    other = scale * sum(float(gwp[s] or 0.0) for s in stages)
    values = {m: v + other for m, v in values.items()}
    if stages:
        notes.append("stages added to manufacturing: " + ", ".join(
            f"{s} {scale * float(gwp[s] or 0.0):.1f} kgCO2e" for s in stages))
    rng = embodied_range(default.compiled, default.params)
    if subset:
        low = scale * sum(rng.components[c][0] for c in subset) + other
        high = scale * sum(rng.components[c][2] for c in subset) + other
    else:
        low, high = scale * rng.low + other, scale * rng.high + other
    rows = []
    by_comp = {k: v.magnitude for k, v in default.embodied_by_component.items()}
    for line, spec in ref.breakdown.items():
        row = {"line": line, "published": float(spec["value"])}
        if "components" in spec:
            row["lca"] = scale * float(sum(by_comp[c] for c in spec["components"]))
        elif spec.get("stage") in gwp and gwp[spec["stage"]] is not None:
            row["lca"] = scale * float(gwp[spec["stage"]])
        else:
            row["lca"] = None
            row["note"] = f"stage {spec.get('stage')} is not modelled by lca"
        row["error"] = None if row["lca"] is None else relative_error(row["lca"], row["published"])
        rows.append(row)
    return ValidationResult.compare(ref, values, low, high, default_key=DEFAULT_METHOD,
                                    breakdown=rows, notes=notes)


__all__ = ["EVALUATORS", "Reference", "ValidationResult", "UnknownReferenceError",
           "evaluate_reference", "load_reference", "meets", "reference_names", "register",
           "relative_error", "validate"]
