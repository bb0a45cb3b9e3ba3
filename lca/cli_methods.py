"""CLI commands for embodied methods side by side (`lca methods`): a thin shell over the Python API."""

from __future__ import annotations

import math
from typing import Any

import typer

from . import registry
from .cli import FORMAT, Format, _fmt, commands, user_errors
from .io import csv_text, dumps_json

FAB_GRID = typer.Option(None, "--fab-grid", help="act2022 fab electricity: ACT location (taiwan), "
                        "generation source (coal), grid region (DE) or value (\"820 gCO2e/kWh\").")
GAS_ABATEMENT = typer.Option(None, "--gas-abatement", help="act2022 fab gas abatement [%]: 95, 97 or 99.")
YIELD = typer.Option(None, "--yield", help=registry.help_text("embodied.yield", "act2022 fab yield"))


def _num(v: Any) -> float | None:
    """A float for the JSON; NaN stays NaN so that lca.io.dumps_json refuses it outside
    the documented nulls (a component a method cannot cover)."""
    return None if v is None else float(v)


def methods_json(frame, name: str) -> dict[str, Any]:
    """The JSON of ``lca methods`` (keys documented in the README)."""
    components = [c for c in frame.columns if c not in ("total", "low", "high", "covered")]
    out: dict[str, Any] = {"name": name, "unit": "kgCO2e", "methods": {}}
    for method, row in frame.iterrows():
        out["methods"][method] = {
            "embodied_kgco2e": _num(row["total"]),
            "embodied_low_kgco2e": _num(row["low"]),
            "embodied_high_kgco2e": _num(row["high"]),
            "embodied_by_component_kgco2e": {c: _num(row[c]) for c in components},
            "covered_components": int(row["covered"]),
            "uncovered_components": frame.attrs["uncovered"][method],
            "notes": frame.attrs["notes"][method],
        }
    return out


def methods_table(frame, name: str) -> str:
    components = [c for c in frame.columns if c not in ("total", "low", "high", "covered")]
    methods = list(frame.index)
    label = max(24, *(len(c) + 2 for c in components))
    col = max(14, *(len(m) + 2 for m in methods))
    lines = [f"{name}: embodied carbon by method [kgCO2e]", "",
             f"{'':<{label}}" + "".join(f"{m:>{col}}" for m in methods)]

    def row(text: str, values) -> None:
        lines.append(f"{text:<{label}}" + "".join(f"{v:>{col}}" for v in values))

    for c in components:
        row(f"  {c}", ["not covered" if math.isnan(frame.at[m, c]) else _fmt(frame.at[m, c])
                       for m in methods])
    row("Total (covered parts)", [_fmt(frame.at[m, "total"]) for m in methods])
    row("Low", [_fmt(frame.at[m, "low"]) for m in methods])
    row("High", [_fmt(frame.at[m, "high"]) for m in methods])
    row("Components covered", [f"{frame.at[m, 'covered']}/{len(components)}" for m in methods])
    for m in methods:
        for comp, reason in frame.attrs["uncovered"][m].items():
            lines.append(f"Not covered by {m}: {comp}: {reason}")
    for m in methods:
        for note in frame.attrs["notes"][m]:
            lines.append(f"Note ({m}): {note}")
    return "\n".join(lines)


@commands.command("methods")
@user_errors
def methods_cmd(bom: str = typer.Argument(..., help="BOM file or shipped BOM name."),
                fab_grid: str | None = FAB_GRID, gas_abatement: int | None = GAS_ABATEMENT,
                yield_: float | None = YIELD, format: Format = FORMAT) -> None:
    """Embodied carbon of one BOM by every method, with low / high ranges and what each
    method cannot cover."""
    from .bom import load_bom

    b = load_bom(bom)
    from .methods import compare_methods

    frame = compare_methods(b, fab_grid=fab_grid, gas_abatement=gas_abatement, **{"yield": yield_})
    if format == Format.json:
        typer.echo(dumps_json(methods_json(frame, b.name)))
    elif format == Format.csv:
        typer.echo(csv_text(frame, index=True), nl=False)
    else:
        typer.echo(methods_table(frame, b.name))
