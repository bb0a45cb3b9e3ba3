"""The inference and training evaluators in the reference framework of ``lca validate``
(``lca.validation``): each reference of kind ``inference`` or ``training`` is run through
:mod:`lca.accelerator.validation`, and its headline case (the one whose figure is the
file's ``published``) becomes the result; every case goes into the breakdown.

Imported by ``lca.validation`` on first use (its ``EVALUATOR_MODULES``); without that
framework installed this module registers nothing and the plain entry points
(``lca.accelerator.validation.evaluate_all``, ``lca workload validate``) still work.
"""

from __future__ import annotations

from typing import Any

from .accelerator import validation as checks_mod

try:  # the framework of `lca validate`, when present
    from .validation import ValidationResult, register
except ImportError:  # pragma: no cover - depends on which branches are merged
    ValidationResult = None  # type: ignore[assignment]
    register = None  # type: ignore[assignment]


def headline(ref_published_value: float, ref_unit: str, checks: list) -> float:
    """lca's value for the reference's headline figure: the case with that published
    value; for a reference whose only published figure is an input (GPU-hours), lca's
    chip-hours."""
    if ref_unit == "h":
        return float(checks[0].extra["chip_hours"])
    for c in checks:
        if c.published is not None and abs(c.published - ref_published_value) <= 1e-9 * max(
                1.0, abs(ref_published_value)):
            return float(c.lca)
    return float(checks[0].lca)


def breakdown(checks: list) -> list[dict[str, Any]]:
    """Every case as a breakdown line of ``lca validate``: line, published, lca, relative
    error, the case's own tolerance and status; a case without a published figure (a
    prediction) or a flagged one has lca None and says why in ``note`` (its value in
    ``lca_value``)."""
    rows = []
    for c in checks:
        row = {"line": c.case, "published": c.published, "lca_value": c.lca,
               "tolerance": c.tolerance, "status": c.status, "boundary": c.boundary,
               "unit": c.unit}
        if c.published is None or c.status == "flagged":
            row.update(lca=None, error=None,
                       note=f"{c.status}: lca {c.lca:.4g} {c.unit}"
                       + (f"; {c.extra['flag']}" if c.extra.get("flag") else ""))
        else:
            row.update(lca=c.lca, error=c.lca / c.published - 1.0)
        rows.append(row)
    return rows


def evaluate_reference(ref) -> Any:
    """A ``lca.validation.ValidationResult`` for a reference of kind inference or training."""
    checks = checks_mod.evaluate(ref.name)
    value = headline(ref.published.value, ref.published.unit, checks)
    notes = [f"{c.case}: {c.status} against {c.tolerance}"
             + ("" if c.error is None else f" (error {c.error:+.3f})") for c in checks]
    notes.append("no low-high range: the inference and training models have no factor "
                 "ranges yet (low = high = lca)")
    return ValidationResult.compare(ref, values={"lca": value}, low=value, high=value,
                                    breakdown=breakdown(checks), notes=notes)


if register is not None:
    for _kind in checks_mod.KINDS:
        register(_kind)(evaluate_reference)
