"""CLI commands for spreadsheet export and reports (`lca export`, `lca report`): a thin
shell over the Python API (lca.excel, lca.report)."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any, Optional

import typer

import lca

from . import registry
from .cli import GRID, LIFETIME, METHOD, PUE, REGION, commands, overrides_from, user_errors

OUTPUT_XLSX = typer.Option(..., "--output", "-o", help="Workbook to write (.xlsx).")
OUTPUT_PDF = typer.Option(..., "--output", "-o", help="PDF to write (e.g. reports/NAME.pdf).")
FORCE = typer.Option(False, "--force", help="Overwrite an existing file lca did not write.")
SAMPLES = typer.Option(None, "--monte-carlo", help=registry.help_text(
    "monte_carlo.n", "Add a Monte Carlo analysis with this many samples"))
SEED = typer.Option(0, "--seed", help=registry.help_text(
    "monte_carlo.seed", "Random seed of the Monte Carlo analysis"))


def optional_api(name: str, bom: Any, overrides: dict[str, Any], **kwargs: Any) -> Any:
    """Call ``lca.<name>(bom, **kwargs)`` when that function exists (it comes with the
    methods and what-if capabilities); None otherwise. Overrides (lifetime, grid, ...)
    are passed on where the function accepts them."""
    fn = getattr(lca, name, None)
    if fn is None:
        return None
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        params = {}
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    extra = {k: v for k, v in {**overrides, **kwargs}.items()
             if v is not None and (takes_any or k in params)}
    return fn(bom, **extra)


def required_api(name: str, what: str) -> None:
    """A one-line error when an explicitly requested analysis is not installed."""
    if getattr(lca, name, None) is None:
        raise lca.LcaError(f"{what} needs lca.{name}, which this installation does not have")


def parse_axes(specs: list[str]) -> dict[str, list[float]]:
    """``["grid=0.05,0.4", "lifetime=3,5"]`` -> ``{"grid": [0.05, 0.4],
    "lifetime": [3.0, 5.0]}``."""
    axes: dict[str, list[float]] = {}
    for spec in specs:
        name, sep, values = spec.partition("=")
        if not sep or not name.strip() or not values.strip():
            raise lca.LcaError(f"--sweep {spec!r}: expected NAME=V1,V2,... (e.g. grid=0.05,0.4)")
        try:
            axes[name.strip()] = [float(v) for v in values.split(",")]
        except ValueError:
            raise lca.LcaError(f"--sweep {spec!r}: values must be numbers in the parameter's "
                               "canonical unit (see lca.parameters)") from None
    return axes


def _check_suffix(path: Path, suffix: str) -> None:
    if path.suffix.lower() != suffix:
        raise lca.LcaError(f"{path}: expected a file name ending in {suffix}")


@commands.command("export")
@user_errors
def export_cmd(boms: list[str] = typer.Argument(..., help="BOM files or shipped names."),
               output: Path = OUTPUT_XLSX, force: bool = FORCE,
               lifetime: Optional[float] = LIFETIME, grid: Optional[float] = GRID,
               region: Optional[str] = REGION, pue: Optional[float] = PUE,
               method: Optional[str] = METHOD,
               methods: bool = typer.Option(False, "--methods",
                                            help="Add the embodied methods compared "
                                                 "(when lca.compare_methods is available)."),
               monte_carlo: Optional[int] = SAMPLES, seed: int = SEED,
               sweep: Optional[list[str]] = typer.Option(
                   None, "--sweep", help="Add a Sweep sheet over NAME=V1,V2,... (repeatable; "
                                         "needs lca.sweep).")) -> None:
    """Write a workbook: Summary, Components, Operational, Model (live formulas),
    Assumptions, and optionally Methods, Sweep and Monte Carlo sheets."""
    from .excel import write_workbook

    _check_suffix(output, ".xlsx")
    from .io import check_target

    check_target(output, force)  # before any analysis runs
    over = overrides_from(lifetime, grid, region, pue, method)
    results = [lca.assess(b, **over) for b in boms]
    if methods:
        required_api("compare_methods", "--methods")
    if monte_carlo:
        required_api("monte_carlo", "--monte-carlo")
    axes = parse_axes(sweep or [])
    if axes:
        required_api("sweep", "--sweep")
    extra: dict[str, Any] = {}
    if axes:
        # numeric overrides travel as one-value axes, so the sweep runs at them too
        fixed = {k: [v] if isinstance(v, (int, float)) else v for k, v in over.items()
                 if v is not None and k not in axes}
        extra["sweep"] = {a.name: optional_api("sweep", a.bom, {}, **fixed, **axes)
                          for a in results}
    if methods:
        extra["methods"] = {a.name: optional_api("compare_methods", a.bom, {})
                            for a in results}
    if monte_carlo:
        extra["monte_carlo"] = {a.name: optional_api("monte_carlo", a.bom, over,
                                                     n=monte_carlo, seed=seed)
                                for a in results}
    extra = {k: v for k, v in extra.items() if any(x is not None for x in v.values())}
    path = write_workbook(results, output, force=force, **extra)
    typer.echo(f"wrote {path}", err=True)


@commands.command("report")
@user_errors
def report_cmd(boms: list[str] = typer.Argument(..., help="BOM files or shipped names."),
               output: Path = OUTPUT_PDF, force: bool = FORCE,
               png: bool = typer.Option(True, "--png/--no-png",
                                        help="Also write a PNG per page beside the PDF."),
               lifetime: Optional[float] = LIFETIME, grid: Optional[float] = GRID,
               region: Optional[str] = REGION, pue: Optional[float] = PUE,
               method: Optional[str] = METHOD,
               analyses: bool = typer.Option(
                   True, "--analyses/--no-analyses",
                   help="Add the methods' spread, Monte Carlo and sensitivity pages (when "
                        "lca.compare_methods, lca.monte_carlo, lca.sensitivity are available)."),
               samples: int = typer.Option(10_000, "--samples", help=registry.help_text(
                   "monte_carlo.n", "Monte Carlo samples per server")),
               validation: bool = typer.Option(
                   True, "--validation/--no-validation",
                   help="With the analyses, add the page of lca against published "
                        "assessments (lca validate)."),
               seed: int = SEED) -> None:
    """Write a PDF report (summary, embodied by component, lifetime, grid intensity,
    comparison, and the analyses when available) and a PNG per page."""
    from .report import build_report

    _check_suffix(output, ".pdf")
    from .io import check_target

    check_target(output, force)  # before any analysis runs
    over = overrides_from(lifetime, grid, region, pue, method)
    results = [lca.assess(b, **over) for b in boms]
    extra: dict[str, Any] = {}
    if analyses:
        for key, name, kwargs in (("methods", "compare_methods", {}),
                                  ("monte_carlo", "monte_carlo", {"n": samples, "seed": seed}),
                                  ("sensitivity", "sensitivity", {})):
            per = {}
            for a in results:
                try:
                    per[a.name] = optional_api(name, a.bom, {} if key == "methods" else over,
                                               **kwargs)
                except lca.LcaError as exc:  # the analyses are extras: report, go on
                    typer.echo(f"lca: warning: {name} left out for {a.name}: {exc}", err=True)
            if any(v is not None for v in per.values()):
                extra[key] = {k: v for k, v in per.items() if v is not None}
    if analyses and validation:
        from .validation import validate
        extra["validation"] = validate()
    report = build_report(results, output, png=png, force=force, **extra)
    typer.echo(f"wrote {report.pdf} ({len(report.titles)} pages)", err=True)
    for path in report.pngs:
        typer.echo(f"wrote {path}", err=True)
