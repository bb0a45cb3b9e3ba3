"""CLI commands for measured runs (`lca measured`, `lca track`) and hourly grids
(`lca hourly`): a thin shell over lca.measured."""

from __future__ import annotations

import math
import subprocess
from enum import Enum
from pathlib import Path
from typing import Any, Optional

import typer

from . import registry
from .cli import FORMAT_SCI, FormatSci, _fmt, commands, fail, user_errors
from .errors import LcaError, MeasuredDataError, ParameterError
from .io import csv_text, dumps_json


class Per(str, Enum):
    run = "run"
    requests = "requests"
    tokens = "tokens"
    images = "images"
    training_tokens = "training_tokens"


HARDWARE = typer.Option(..., "--hardware", help="BOM file or shipped BOM name the runs ran on.")
GPUS = typer.Option(None, "--gpus", help=registry.help_text(
    "measured.gpus", "GPUs the runs used (resource share = GPUs / GPUs in the BOM; default: "
    "CodeCarbon's gpu_count, or the whole machine)"))
SHARE = typer.Option(None, "--share", help=registry.help_text(
    "measured.resource_share", "Resource share of the machine, instead of --gpus"))
LIFETIME = typer.Option(None, "--lifetime", help=registry.help_text(
    "lifetime", "Hardware lifetime (default: the BOM's)"))
GRID = typer.Option(None, "--grid", help=registry.help_text(
    "grid", "lca's grid intensity for every run"))
REGION = typer.Option(None, "--region", help="lca's grid by country code for every run "
                      "(default: each run's country_iso_code).")
SERIES = typer.Option(None, "--grid-series", help="Hourly grid CSV (Electricity Maps, Ember or "
                      "datetime,zone,intensity) or a shipped sample name: each run gets the "
                      "intensity of the hours it ran in.")
ZONE = typer.Option(None, "--zone", help="Zone to read from a grid file holding several.")
BASIS = typer.Option(None, "--basis", help="lifecycle or direct (Electricity Maps files).")
MARKET = typer.Option(None, "--market-grid", help=registry.help_text(
    "measured.market_grid", "Market-based intensity (supplier, PPA), reported beside the "
    "location-based figure"))
OFFSET = typer.Option(0.0, "--utc-offset", help=registry.help_text(
    "measured.utc_offset", "The measuring machine's offset from UTC (CodeCarbon writes local "
    "time without a zone)"))
REQUESTS = typer.Option(None, "--requests", help=registry.help_text(
    "measured.requests", "Requests served per run"))
TOKENS = typer.Option(None, "--tokens", help=registry.help_text(
    "measured.tokens", "Tokens per run (reported per 1,000 tokens)"))
IMAGES = typer.Option(None, "--images", help=registry.help_text("measured.images", "Images per run"))
TRAINING_TOKENS = typer.Option(None, "--training-tokens", help=registry.help_text(
    "measured.training_tokens", "Training tokens per run"))
PER = typer.Option(Per.run, "--per", help="Functional unit of --format sci.")


def _counts(requests, tokens, images, training_tokens) -> dict[str, Any]:
    return {k: v for k, v in dict(requests=requests, tokens=tokens, images=images,
                                  training_tokens=training_tokens).items() if v is not None}


def _series(path: Optional[str], zone: Optional[str], basis: Optional[str]):
    if path is None:
        if zone is not None or basis is not None:
            raise ParameterError("--zone and --basis go with --grid-series")
        return None
    from .measured import hourly

    return hourly.load(path, zone=zone, basis=basis)


def _g(x: Any) -> str:
    """Four significant figures, '-' for a missing value (never NaN)."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    if x == 0:
        return "0"
    return f"{x:,.4g}" if abs(x) >= 1e-3 else f"{x:.3g}"


def runs_table(r: Any) -> str:
    """Plain-text report of measured runs."""
    f = r.frame
    lines = [f"Measured runs: {r.source} ({r.layout}), {len(f)} run(s)",
             f"Hardware: {r.hardware.name}, embodied {_fmt(r.hardware.embodied.magnitude)} kgCO2e "
             f"({r.hardware.method}), lifetime {r.hardware.lifetime.magnitude:g} years of 8,760 h",
             f"Hardware share = the hardware's {', '.join(r.hardware_stages).replace('_', ' ')} impacts x duration / "
             f"lifetime x resource share (SCI-style time and resource allocation); resource "
             f"share: {r.allocation}",
             f"Operational (CodeCarbon): CodeCarbon's own emissions column, carried over",
             f"Operational (lca): measured energy x lca's location-based grid: {r.grid_note}"]
    if r.market_grid is not None:
        lines.append(f"Operational (market-based): measured energy x {r.market_grid:g} kgCO2e/kWh")
    lines.append("")
    cols = [("line", "line", None), ("run", "run_id", None), ("duration [s]", "duration_s", 1),
            ("energy [kWh]", "energy_kwh", 1), ("op. CodeCarbon [kg]", "codecarbon_kgco2e", 1),
            ("op. lca [kg]", "operational_kgco2e", 1)]
    if "operational_market_kgco2e" in f:
        cols.append(("op. market [kg]", "operational_market_kgco2e", 1))
    cols.append(("embodied [kg]", "embodied_share_kgco2e", 1))
    if len(r.hardware_stages) > 1:
        cols.append(("other stages [kg]", "other_stages", 1))
    if "water_l" in f:
        cols.append(("water [L]", "water_l", 1))
    if f["water_codecarbon_l"].notna().any():
        cols.append(("water CC [L]", "water_codecarbon_l", 1))
    cols.append(("total [kgCO2e]", "total_kgco2e", 1))
    f = f.assign(other_stages=f["hardware_share_kgco2e"] - f["embodied_share_kgco2e"])
    for key in r.units:
        if key != "run":
            from .measured.runs import UNITS

            cols.append((f"per {UNITS[key].unit} [g]", f"gco2e_per_{UNITS[key].slug}", 1))
    widths = [max(len(h), 8) + 2 for h, _, _ in cols]
    lines.append("".join(f"{h:>{w}}" for (h, _, _), w in zip(cols, widths)))
    for _, row in f.iterrows():
        cells = []
        for (h, key, numeric), w in zip(cols, widths):
            v = row[key]
            text = (str(v)[:8] if key == "run_id" else str(int(v)) if key == "line"
                    else _g(float(v)))
            cells.append(f"{text:>{w}}")
        lines.append("".join(cells))
    for note in r.notes:
        lines.append(f"Note: {note}")
    if len(r.hardware_stages) > 1:
        lines.append(f"Other stages: {', '.join(x for x in r.hardware_stages if x != 'manufacturing')} "
                     "(GWP); water: use (on-site cooling, electricity) plus the hardware's share "
                     "where lca has factors")
    lines.append(f"Boundary: {r.boundary}")
    return "\n".join(lines)


def _emit_runs(r: Any, format: FormatSci, per: Per) -> None:
    for issue in r.issues:
        typer.echo(f"lca: warning: {issue}", err=True)
    if format == FormatSci.sci:
        typer.echo(r.sci(per.value).to_text())
    elif format == FormatSci.json:
        typer.echo(r.to_json())
    elif format == FormatSci.csv:
        typer.echo(csv_text(r.frame), nl=False)
    else:
        typer.echo(runs_table(r))


def _check_per(per: Per, counts: dict[str, Any]) -> None:
    if per != Per.run and per.value not in counts:
        raise ParameterError(f"--per {per.value}: give the count (--{per.value.replace('_', '-')} N)")


@commands.command("measured")
@user_errors
def measured_cmd(emissions: Path = typer.Argument(..., help="CodeCarbon's emissions.csv (2.x or 3.x)."),
                 hardware: str = HARDWARE, gpus: Optional[float] = GPUS,
                 share: Optional[float] = SHARE, lifetime: Optional[float] = LIFETIME,
                 method: Optional[str] = typer.Option(None, "--method", help="Embodied method."),
                 grid: Optional[float] = GRID, region: Optional[str] = REGION,
                 grid_series: Optional[str] = SERIES, zone: Optional[str] = ZONE,
                 basis: Optional[str] = BASIS, market_grid: Optional[float] = MARKET,
                 utc_offset: float = OFFSET, requests: Optional[float] = REQUESTS,
                 tokens: Optional[float] = TOKENS, images: Optional[float] = IMAGES,
                 training_tokens: Optional[float] = TRAINING_TOKENS, per: Per = PER,
                 format: FormatSci = FORMAT_SCI,
                 xlsx: Optional[Path] = typer.Option(None, "--xlsx", help="Also write a "
                                                     "workbook with the Measured runs sheet."),
                 pdf: Optional[Path] = typer.Option(None, "--pdf", help="Also write the "
                                                    "measured-runs report page (PDF + PNG)."),
                 force: bool = typer.Option(False, "--force", help="Overwrite files lca did "
                                            "not write.")) -> None:
    """Complete footprint of CodeCarbon runs: measured energy, operational (CodeCarbon's
    figure and lca's grid), the hardware's embodied share, total, per functional unit.
    Rows that cannot be used get one warning line each; the others are reported."""
    from .measured import from_codecarbon

    counts = _counts(requests, tokens, images, training_tokens)
    _check_per(per, counts)
    try:
        r = from_codecarbon(emissions, hardware=hardware, gpus=gpus, share=share,
                            lifetime=lifetime, method=method, grid=grid, region=region,
                            grid_series=_series(grid_series, zone, basis),
                            market_grid=market_grid, functional_units=counts,
                            utc_offset=utc_offset)
    except MeasuredDataError as exc:
        for issue in getattr(exc, "issues", []):
            typer.echo(f"lca: warning: {issue}", err=True)
        fail(str(exc) if not getattr(exc, "issues", None) else
             f"{exc.file}: no run to report (every row was left out)")
    _emit_runs(r, format, per)
    if xlsx is not None or pdf is not None:
        from .measured import export

        if xlsx is not None:
            export.write_measured_workbook(r, xlsx, force=force)
            typer.echo(f"wrote {xlsx}", err=True)
        if pdf is not None:
            for p in export.build_measured_report(r, pdf, force=force):
                typer.echo(f"wrote {p}", err=True)


@commands.command("track", context_settings={"allow_extra_args": True,
                                         "ignore_unknown_options": True})
@user_errors
def track_cmd(command: list[str] = typer.Argument(..., help="The command to measure, after --."),
              hardware: str = HARDWARE,
              country: Optional[str] = typer.Option(None, "--country", help="Where the machine "
                                                    "is (DE or DEU); default: the BOM's region."),
              output_dir: Optional[Path] = typer.Option(None, "--output-dir", help="Also write "
                                                        "CodeCarbon's emissions.csv there."),
              gpus: Optional[float] = GPUS, share: Optional[float] = SHARE,
              lifetime: Optional[float] = LIFETIME, grid: Optional[float] = GRID,
              region: Optional[str] = REGION, grid_series: Optional[str] = SERIES,
              zone: Optional[str] = ZONE, basis: Optional[str] = BASIS,
              market_grid: Optional[float] = MARKET, requests: Optional[float] = REQUESTS,
              tokens: Optional[float] = TOKENS, images: Optional[float] = IMAGES,
              training_tokens: Optional[float] = TRAINING_TOKENS, per: Per = PER,
              format: FormatSci = FORMAT_SCI) -> None:
    """Run COMMAND under CodeCarbon's offline tracker and report its complete footprint
    (as `lca measured` would for the CSV). The command's exit code is passed on."""
    from .measured import track

    counts = _counts(requests, tokens, images, training_tokens)
    _check_per(per, counts)
    run = track(hardware, functional_units=counts, country=country, output_dir=output_dir,
                gpus=gpus, share=share, lifetime=lifetime, grid=grid, region=region,
                grid_series=_series(grid_series, zone, basis), market_grid=market_grid)
    try:
        with run:
            code = subprocess.run(command).returncode
    except FileNotFoundError:
        raise LcaError(f"{command[0]}: command not found") from None
    _emit_runs(run.result, format, per)
    if code:
        raise typer.Exit(code)


@commands.command("hourly")
@user_errors
def hourly_cmd(bom: str = typer.Argument(..., help="BOM file or shipped BOM name."),
               series: str = typer.Argument(..., help="Hourly grid CSV (a year for an annual "
                                            "figure) or a shipped sample name."),
               zone: Optional[str] = ZONE, basis: Optional[str] = BASIS,
               market_grid: Optional[float] = MARKET,
               format: FormatSci = FORMAT_SCI) -> None:
    """Assess a BOM with the time-weighted mean of an hourly grid series (location-based),
    and with a market-based intensity beside it when one is given."""
    from .measured import hourly

    s = hourly.load(series, zone=zone, basis=basis)
    res = hourly.assess_with_series(bom, s, market_grid=market_grid)
    if format == FormatSci.sci:
        from .measured.sci import for_assessment

        typer.echo(for_assessment(res["location"]).to_text())
        return
    rows = {k: a.to_dict() for k, a in res.items()}
    if format == FormatSci.json:
        typer.echo(dumps_json({"series": s.describe(), "hours": float(s.hours.sum()),
                               "results": rows}))
        return
    if format == FormatSci.csv:
        import pandas as pd

        from .cli import flat_row

        frame = pd.DataFrame([dict(basis=k, **flat_row(a)) for k, a in res.items()])
        typer.echo(csv_text(frame), nl=False)
        return
    lines = [f"{res['location'].name}: grid from {s.describe()}",
             f"  {s.hours.sum():,.0f} hours, time-weighted mean "
             f"{s.time_weighted_mean() * 1000:,.1f} gCO2e/kWh (constant power)", ""]
    heads = "".join(f"{k + '-based':>20}" for k in res)
    lines.append(f"{'':<34}{heads}")
    for key, label in (("grid_kgco2e_per_kwh", "Grid [kgCO2e/kWh]"),
                       ("operational_kgco2e_per_year", "Operational [kgCO2e/year]"),
                       ("embodied_kgco2e_per_year", "Embodied [kgCO2e/year]"),
                       ("total_kgco2e_per_year", "Total [kgCO2e/year]")):
        digits = 3 if key.startswith("grid") else 1
        lines.append(f"{label:<34}" + "".join(f"{_fmt(rows[k][key], digits):>20}" for k in res))
    typer.echo("\n".join(lines))

