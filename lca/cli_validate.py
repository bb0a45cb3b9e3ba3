"""``lca validate``: lca against published life-cycle assessments (lca.validation)."""

from __future__ import annotations

from typing import Optional

import typer

from ._lazy import lazy_module
from .cli import FORMAT, Format, commands, user_errors
from .formatting import fmt_number as _fmt

pd = lazy_module("pandas")   # on use: `lca --help` does not load pandas


def _table(results) -> str:
    head = (f"{'reference':<24}{'published':>12}{'lca':>10}{'error':>9}{'low':>10}{'high':>10}"
            f"  {'in range':<9}{'met':<5}unit")
    lines = [head]
    for r in results:
        d = r.to_dict()
        if not d["evaluated"]:
            lines.append(f"{d['name']:<24}{_fmt(d['published']):>12}  not evaluated: {'; '.join(d['notes'])}")
            continue
        pub = ("<= " if d["upper_bound"] else "") + _fmt(d["published"])
        lines.append(f"{d['name']:<24}{pub:>12}{_fmt(d['lca']):>10}{100 * d['error']:>+8.0f}%"
                     f"{_fmt(d['low']):>10}{_fmt(d['high']):>10}  {'yes' if d['in_range'] else 'no':<9}"
                     f"{'yes' if d['met'] else 'NO':<5}{d['unit']}")
    lines.append("")
    lines.append("lca: the default method; low-high: its factor ranges; met: within the "
                 "reference's tolerance (25 % for the hardware PCFs).")
    for r in results:
        d = r.to_dict()
        methods = ", ".join(f"{m} {_fmt(v)}" for m, v in d["methods"].items() if v is not None)
        lines.append(f"{d['name']}: {d['title']}")
        lines.append(f"  source: {d['source']}")
        lines.append(f"  boundary: {d['boundary']}; trust: {d['trust']}")
        if methods:
            lines.append(f"  by method: {methods}")
        for row in d["breakdown"]:
            if row.get("lca") is None:
                lines.append(f"  {row['line']}: published {_fmt(row['published'])}, {row['note']}")
            else:
                lines.append(f"  {row['line']}: published {_fmt(row['published'])}, lca "
                             f"{_fmt(row['lca'])} ({100 * row['error']:+.0f} %)")
        outcome = r.reference.outcome.get("note")
        if outcome:
            lines.append(f"  outcome: {' '.join(str(outcome).split())}")
    return "\n".join(lines)


@commands.command("validate")
@user_errors
def validate_cmd(names: Optional[list[str]] = typer.Argument(
        None, help="Reference names (data/validation/); all when none."),
        format: Format = FORMAT) -> None:
    """lca against published assessments: value by method, error, range, tolerance met."""
    from .validation import validate

    results = validate(names or None)
    if format == Format.json:
        from .io import dumps_json

        typer.echo(dumps_json([r.to_dict() for r in results]))
    elif format == Format.csv:
        rows = []
        for r in results:
            d = r.to_dict()
            row = {k: v for k, v in d.items() if k not in ("methods", "breakdown", "notes")}
            row.update({f"method.{m}": v for m, v in d["methods"].items()})
            row["notes"] = "; ".join(d["notes"])
            rows.append(row)
        from .io import csv_text

        typer.echo(csv_text(pd.DataFrame(rows)), nl=False)
    else:
        typer.echo(_table(results))
