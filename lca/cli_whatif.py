"""CLI commands for what-if analysis (`lca sweep`, `lca mc`, `lca sensitivity`): a thin shell over the Python API."""

from __future__ import annotations

import math
from pathlib import Path
from enum import Enum
from typing import Any, Optional

import typer

from ._lazy import lazy_module
from .cli import GRID, LIFETIME, METHOD, PUE, REGION, Format, _fmt, commands, overrides_from, user_errors
from . import registry
from .errors import ParameterError
from .io import check_target, csv_text, dumps_json, frame_records, write_text

np = lazy_module("numpy")
pd = lazy_module("pandas")
whatif = lazy_module("lca.whatif")
_units = lazy_module("lca.units")

#: Result columns shown by the table format of `lca sweep` (all are in csv/json).
SWEEP_TABLE_COLUMNS = ("embodied_kgco2e_per_year", "operational_kgco2e_per_year",
                       "total_kgco2e_per_year", "use_phase_share")
#: Rows a table shows before it elides the rest.
TABLE_ROWS = 40


def _number_or_text(text: str) -> Any:
    try:
        return float(text)
    except ValueError:
        return text.strip()


def parse_vary(spec: str) -> tuple[str, Any]:
    """``NAME=START:STOP:NUM`` (NUM evenly spaced values, both ends included; START and
    STOP may carry units) or ``NAME=V1,V2,...`` (numbers, quantities with units, region
    codes or method names)."""
    if "=" not in spec:
        raise ParameterError(f"--vary {spec!r}: expected NAME=START:STOP:NUM or NAME=V1,V2,...")
    name, values = (s.strip() for s in spec.split("=", 1))
    if not name or not values:
        raise ParameterError(f"--vary {spec!r}: expected NAME=START:STOP:NUM or NAME=V1,V2,...")
    if ":" in values:
        parts = values.split(":")
        if len(parts) != 3:
            raise ParameterError(f"--vary {spec!r}: a range is START:STOP:NUM")
        try:
            num = float(parts[2])
        except ValueError:
            raise ParameterError(f"--vary {spec!r}: NUM must be a whole number, got {parts[2]!r}") from None
        try:
            registry.check("sweep.points", num)
        except ParameterError as exc:
            raise ParameterError(f"--vary {spec!r}: NUM: {exc}", parameter="sweep.points",
                                 value=num, bound=exc.bound) from None
        num = int(num)
        registry.check_memory(num, f"--vary {name}: {num:,} values", "give fewer values")
        try:
            start, stop = _units.ureg.Quantity(parts[0].strip()), _units.ureg.Quantity(parts[1].strip())
            stop = stop.to(start.units)
        except Exception:
            raise ParameterError(f"--vary {spec!r}: cannot read {parts[0]!r} and {parts[1]!r} "
                                 "as numbers or quantities of one dimension") from None
        grid = np.linspace(float(start.magnitude), float(stop.magnitude), num)
        return name, (grid if start.dimensionless and str(start.units) == "dimensionless"
                      else _units.ureg.Quantity(grid, start.units))
    return name, [_number_or_text(v) for v in values.split(",") if v.strip()]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON records: NaN only as the documented null (a component the method cannot
    cover); any other NaN or infinity is an error (lca.io.frame_records)."""
    return frame_records(frame)


def _num(value: float) -> str:
    """1 decimal from 100 up, else 4 significant digits (shares, factors, grids)."""
    if math.isnan(value):
        return "-"
    return _fmt(value, 1) if abs(value) >= 100 else f"{value:.4g}"


def _table(frame: pd.DataFrame) -> str:
    shown = frame if len(frame) <= TABLE_ROWS else frame.head(TABLE_ROWS)
    formatters = {c: (lambda v: _num(float(v)))
                  for c in shown.columns if pd.api.types.is_float_dtype(shown[c])}
    text = shown.to_string(index=False, formatters=formatters)
    if len(frame) > len(shown):
        text += f"\n... {len(frame) - len(shown):,} more rows ({len(frame):,} in all; " \
                "use --format csv or -o FILE for all of them)"
    return text


OUTPUT = typer.Option(None, "--output", "-o", help="Write to this file instead of printing; "
                      "the suffix picks the format: .csv, .parquet (row groups, units in the "
                      "schema) or .json.")
FORCE = typer.Option(False, "--force", help="Overwrite an existing file lca did not write "
                     "(or that was changed since).")


def _check_output(output: Path, force: bool) -> None:
    """Refuse an -o target before any work: a file (lca.io guards) or, for a name
    without a suffix, a folder of Parquet files (only one lca wrote is replaced)."""
    if output.suffix:
        check_target(output, force)
    else:
        from .whatif.engines import check_dataset_target
        from .whatif.sweeps import DATASET_MARKER

        check_dataset_target(output, DATASET_MARKER, force)


class Engine(str, Enum):
    pandas = "pandas"
    dask = "dask"


ENGINE = typer.Option(Engine.pandas, "--engine", help="pandas: in this process; dask: "
                      "partitions as Dask tasks (needs lca[scale]); identical rows.")
SCHEDULER = typer.Option(None, "--scheduler", help="With --engine dask: address of a "
                         "distributed scheduler (tcp://HOST:8786); default Dask's local one.")


@commands.command("sweep")
@user_errors
def sweep_cmd(bom: str = typer.Argument(..., help="BOM file or shipped BOM name."),
              vary: list[str] = typer.Option(..., "--vary", help="NAME=START:STOP:NUM or "
                                             "NAME=V1,V2,... (repeat for a cartesian product)."),
              format: Format = typer.Option(Format.table, "--format", "-f", help="Output format."),
              output: Optional[Path] = OUTPUT,
              columns: Optional[str] = typer.Option(
                  None, "--columns", help="Comma-separated result columns to keep "
                  "(default: all; axis columns are always kept)."),
              chunk_size: int = typer.Option(1_000_000, "--chunk-size", help=registry.help_text(
                  "sweep.points", "Scenarios evaluated at a time")),
              engine: Engine = ENGINE, scheduler: Optional[str] = SCHEDULER,
              force: bool = FORCE) -> None:
    """Assess the cartesian product of parameter values (one row per scenario); -o NAME
    without a suffix writes a folder of Parquet files, one per chunk."""
    axes: dict[str, Any] = {}
    for spec in vary:
        name, values = parse_vary(spec)
        if name in axes:
            raise ParameterError(f"--vary {name}: given twice")
        axes[name] = values
    keep = [c.strip() for c in columns.split(",")] if columns else None
    as_json = format == Format.json or (output is not None and output.suffix.lower() == ".json")
    if output is not None:
        _check_output(output, force)  # before any scenario runs
    run = {"engine": engine.value, "scheduler": scheduler}
    if output is not None and not as_json:
        from .sinks import output_format

        if output.suffix:
            output_format(output)   # .csv or .parquet; anything else is an error
        path = whatif.sweep(bom, chunk_size=chunk_size, out=output, columns=keep,
                            progress=True, force=force, **run, **axes)
        typer.echo(f"wrote {path}", err=True)
        return
    frame = whatif.sweep(bom, chunk_size=chunk_size, columns=keep, progress=True, **run,
                         **axes)
    if as_json:
        text = dumps_json(_records(frame), indent=1)
        if output is not None:
            write_text(output, text + "\n", force=force)
            typer.echo(f"wrote {output}", err=True)
        else:
            typer.echo(text)
    elif format == Format.csv:
        typer.echo(csv_text(frame), nl=False)
    else:
        shown = [c for c in frame.columns if c in axes or c == "grid" or c in SWEEP_TABLE_COLUMNS]
        typer.echo(_table(frame[shown]))


def _distribution_field(column: str) -> bool:
    return column in ("low", "mode", "high")


class Vary(str, Enum):
    all = "all"
    factors = "factors"
    usage = "usage"
    none = "none"


DIST = typer.Option(None, "--dist", help="NAME=KIND:A:B[:C] distribution of a parameter, e.g. "
                    "grid=uniform:0.1:0.5 or lifetime=triangular:3:5:7 (numbers may carry units).")


def parse_dist(spec: str) -> tuple[str, tuple]:
    if "=" not in spec or ":" not in spec:
        raise ParameterError(f"--dist {spec!r}: expected NAME=KIND:A:B[:C]")
    name, rest = (s.strip() for s in spec.split("=", 1))
    kind, *args = [p.strip() for p in rest.split(":")]
    return name, (kind, *[_number_or_text(a) for a in args])


@commands.command("mc")
@user_errors
def mc_cmd(bom: str = typer.Argument(..., help="BOM file or shipped BOM name."),
           n: float = typer.Option(10_000, "-n", help=registry.help_text(
               "monte_carlo.n", "Number of samples")),
           seed: Optional[int] = typer.Option(None, "--seed", help=registry.help_text(
               "monte_carlo.seed", "Random seed (reproducible)")),
           dist: Optional[list[str]] = DIST,
           lifetime: Optional[float] = LIFETIME, grid: Optional[float] = GRID,
           region: Optional[str] = REGION, pue: Optional[float] = PUE,
           method: Optional[str] = METHOD,
           vary: Vary = typer.Option(Vary.all, "--vary", help="What is drawn: all (factors and "
                                     "usage inputs), factors, usage, none (only --dist)."),
           format: Format = typer.Option(Format.table, "--format", "-f", help="Output format."),
           output: Optional[Path] = typer.Option(
               None, "--output", "-o", help="Also write every sample to this file (.csv or "
               ".parquet, chosen by the suffix; a name without a suffix: a folder of Parquet "
               "files)."),
           impact: Optional[str] = typer.Option(
               None, "--impact", help="Show this impact category's life cycle in the table: "
               "gwp, water, adpe or pe (every column is in csv/json)."),
           engine: Engine = ENGINE, scheduler: Optional[str] = SCHEDULER,
           force: bool = FORCE) -> None:
    """Monte Carlo: every factor and usage input drawn within its sourced range (--vary
    restricts to factors or usage); summary (mean, P5, P50, P95)."""
    if output is not None and output.suffix:
        from .sinks import output_format

        output_format(output)   # before any sampling
    if output is not None:
        _check_output(output, force)
    dists = dict(parse_dist(s) for s in (dist or []))
    registry.check_one("monte_carlo.n", n)
    n = int(n)
    result = whatif.monte_carlo(bom, n, seed, dists=dists, vary=vary.value,
                                engine=engine.value, scheduler=scheduler,
                                **overrides_from(lifetime, grid, region, pue, method))
    if output is not None:
        result.write(output, force=force)
        typer.echo(f"wrote {output}", err=True)
    summary = result.summary
    if format == Format.json:
        typer.echo(dumps_json({
            "n": result.n, "seed": seed, "vary": result.vary,
            "distributions": {k: {"kind": d.kind, "args": list(d.args),
                                  "source": result.sources.get(k, ""),
                                  **({"truncated_to": [d.low, d.high]}
                                     if k in result.truncated else {})}
                              for k, d in result.distributions.items()},
            # null in "varied": a bound or mode the distribution does not have
            "varied": frame_records(result.varied(), null_ok=_distribution_field),
            "summary": summary.to_dict(orient="index")}))
    elif format == Format.csv:
        typer.echo(csv_text(summary.rename_axis("output").reset_index()), nl=False)
    else:
        typer.echo(f"{n:,} samples, seed {seed}; varied ({result.vary}):")
        typer.echo(_table(result.varied()[["parameter", "distribution", "low", "mode", "high"]]))
        for k, (lo, hi) in result.truncated.items():
            typer.echo(f"{k}: {result.distributions[k].kind} draws truncated to the bounds "
                       f"{registry.get(k).bounds_text()}")
        typer.echo("")
        if impact is not None:
            summary = summary[summary.index.str.startswith(f"impacts.{_category(impact)}.")]
        else:
            summary = summary[~summary.index.str.startswith("impacts.")]
        typer.echo(_table(summary.rename_axis("output").reset_index()))


def _category(name: str) -> str:
    from .impacts import CATEGORIES

    if name not in CATEGORIES:
        raise ParameterError(f"--impact: expected one of {', '.join(CATEGORIES)}, got {name!r}")
    return name


@commands.command("sensitivity")
@user_errors
def sensitivity_cmd(bom: str = typer.Argument(..., help="BOM file or shipped BOM name."),
                    lifetime: Optional[float] = LIFETIME, grid: Optional[float] = GRID,
                    region: Optional[str] = REGION, pue: Optional[float] = PUE,
                    method: Optional[str] = METHOD,
                    sobol: Optional[int] = typer.Option(
                        None, "--sobol", help="Also Sobol indices with N base samples "
                        "(needs SALib: pip install \"lca[sensitivity]\")."),
                    seed: Optional[int] = typer.Option(None, "--seed", help="Seed for --sobol."),
                    vary: Vary = typer.Option(Vary.all, "--vary", help="What is swung: all "
                                              "(factors and usage inputs), factors, usage."),
                    format: Format = typer.Option(Format.table, "--format", "-f",
                                                  help="Output format."),
                    impact: Optional[str] = typer.Option(
                        None, "--impact", help="Rank by this category's life-cycle total "
                        "instead of the per-year GWP total: gwp [kgCO2e], water [L], adpe "
                        "[kg Sb eq] or pe [MJ].")) -> None:
    """One-at-a-time swings of every input with a range, ranked by effect on the per-year
    total (tornado data), or on a category's life-cycle total with --impact."""
    over = overrides_from(lifetime, grid, region, pue, method)
    if vary == Vary.none:
        raise ParameterError("sensitivity --vary: expected all, factors or usage")
    target = {} if impact is None else {"output": f"impacts.{_category(impact)}.total"}
    frame = whatif.sensitivity(bom, vary=vary.value, **over, **target)
    indices = whatif.sobol(bom, sobol, seed, **over, **target) if sobol else None
    if format == Format.json:
        out: dict[str, Any] | list = _records(frame)
        if indices is not None:
            out = {"tornado": out, "sobol": _records(indices)}
        typer.echo(dumps_json(out))
    elif format == Format.csv:
        typer.echo(csv_text(frame), nl=False)
        if indices is not None:
            typer.echo(csv_text(indices), nl=False)
    else:
        cols = ["parameter", "low", "high", "total_at_low", "total_at_high", "swing", "unit"]
        from .impacts import CATEGORIES

        what = ("Per-year total [kgCO2e/year]" if impact is None else
                f"Life-cycle {CATEGORIES[impact][1]} [{CATEGORIES[impact][0]}]")
        typer.echo(f"{what} with each input at its low and high value "
                   "(all others at base):")
        typer.echo(_table(frame[cols]))
        if indices is not None:
            typer.echo("\nSobol indices (inputs uniform over their ranges):")
            typer.echo(_table(indices))


@commands.command("break-even")
@user_errors
def break_even_cmd(bom: str = typer.Argument(..., help="BOM file or shipped BOM name."),
                   efficiency_gain: Optional[float] = typer.Option(
                       None, "--efficiency-gain", help=registry.help_text(
                           "refresh.efficiency_gain", "Yearly energy saving of a replacement "
                           "server for the same work, e.g. 0.15: also answer the refresh "
                           "question")),
                   lifetime: Optional[float] = LIFETIME, grid: Optional[float] = GRID,
                   region: Optional[str] = REGION, pue: Optional[float] = PUE,
                   method: Optional[str] = METHOD,
                   format: Format = typer.Option(Format.table, "--format", "-f",
                                                 help="Output format.")) -> None:
    """The grid intensity at which operational equals embodied carbon per year, and with
    --efficiency-gain the lifetime that minimises the footprint per year (refresh)."""
    over = overrides_from(lifetime, grid, region, pue, method)
    from .assessment import assess as lca_assess

    a = lca_assess(bom, **over)
    grid_even = whatif.break_even_grid(bom, **over).to("kgCO2e/kWh").magnitude
    out: dict[str, Any] = {
        "name": a.name, "method": a.method, "lifetime_years": float(a.params["lifetime"]),
        "grid_kgco2e_per_kwh": float(a.params["grid"]),
        "break_even_grid_kgco2e_per_kwh": grid_even}
    if efficiency_gain is not None:
        r = whatif.optimal_lifetime(bom, efficiency_gain, **over)
        life = r.lifetime.to("year").magnitude
        at_current = float(whatif.questions.refresh_footprint(
            out["lifetime_years"], r.embodied.to("kgCO2e").magnitude,
            r.operational_per_year.to("kgCO2e/year").magnitude, efficiency_gain))
        out.update({"efficiency_gain": efficiency_gain,
                    "optimal_lifetime_years": life if math.isfinite(life) else None,
                    "total_kgco2e_per_year_at_optimum":
                        r.total_per_year.to("kgCO2e/year").magnitude,
                    "total_kgco2e_per_year_at_current_lifetime": at_current})
    if format == Format.json:
        typer.echo(dumps_json(out))
    elif format == Format.csv:
        typer.echo(csv_text(pd.DataFrame([out])), nl=False)
    else:
        lines = [f"{a.name} (method {a.method})",
                 f"  Break-even grid intensity   {grid_even:.4g} kgCO2e/kWh: below it, embodied "
                 f"carbon per year over {_fmt(out['lifetime_years'])} years outweighs "
                 f"operational (now {out['grid_kgco2e_per_kwh']:.3g} kgCO2e/kWh)"]
        if efficiency_gain is not None:
            life = out["optimal_lifetime_years"]
            lines.append("  Optimal lifetime            "
                         + (f"{_fmt(life, 2)} years" if life is not None else "never replace")
                         + f" with replacements {100 * efficiency_gain:g} % more efficient "
                         f"each year (mean footprint {_fmt(out['total_kgco2e_per_year_at_optimum'])} "
                         "kgCO2e/year, each year's operational counted against the newest "
                         "server's)")
            lines.append(
                f"  Why above today's {_fmt(a.row['total_kgco2e_per_year'])} kgCO2e/year: the "
                "refresh measure charges an ageing server the energy it wastes against the "
                "newest model (its operational grows by 1/(1 - gain) a year), which today's "
                "figure does not. Compare lifetimes on this one measure: at the BOM's "
                f"{_fmt(out['lifetime_years'])} years it is "
                f"{_fmt(out['total_kgco2e_per_year_at_current_lifetime'])} kgCO2e/year.")
        typer.echo("\n".join(lines))
