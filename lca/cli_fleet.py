"""CLI command `lca fleet`: a fleet inventory's impacts by year, region, BOM and stage
(a thin shell over lca.fleet)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from .cli import Format, _fmt, commands, user_errors
from .errors import ParameterError


class Engine(str, Enum):
    pandas = "pandas"
    dask = "dask"


class Embodied(str, Enum):
    purchase = "purchase"
    amortised = "amortised"


def _years(text: Optional[str]) -> Optional[tuple[int, int]]:
    if text is None:
        return None
    first, sep, last = text.partition(":")
    try:
        return (int(first), int(last if sep else first))
    except ValueError:
        raise ParameterError(f"--years {text!r}: expected FIRST:LAST (e.g. 2022:2030) or "
                             "one year") from None


@commands.command("fleet")
@user_errors
def fleet_cmd(inventory: str = typer.Argument(
                  ..., help="Inventory: .csv, .parquet or a folder of Parquet files; one row "
                  "per group of identical servers (bom, count, region or grid, pue, "
                  "utilization, install_date, retire_date or lifetime [years], any parameter)."),
              by: str = typer.Option("year", "--by", help="Comma-separated dimensions to "
                                     "keep: year, region, bom (stage and category always)."),
              embodied: Embodied = typer.Option(
                  Embodied.purchase, "--embodied", help="Embodied impacts in the year of "
                  "purchase (GHG Protocol capital goods) or amortised over the lifetime."),
              years: Optional[str] = typer.Option(None, "--years", help="FIRST:LAST calendar "
                                                  "years to report (default: all in service)."),
              engine: Engine = typer.Option(Engine.pandas, "--engine", help="pandas (this "
                                            "process) or dask (partitions; pip install "
                                            "\"lca[scale]\")."),
              scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Address of a "
                                                      "Dask distributed scheduler "
                                                      "(tcp://host:8786); with --engine dask."),
              format: Format = typer.Option(Format.table, "--format", "-f",
                                            help="Output format."),
              output: Optional[Path] = typer.Option(
                  None, "--output", "-o", help="Write the result to .csv, .parquet, or a "
                  "folder (a Parquet dataset partitioned by year).")) -> None:
    """Impacts of a fleet inventory by year, region and BOM, per stage and category."""
    from .fleet import fleet

    if scheduler is not None and engine != Engine.dask:
        raise ParameterError("--scheduler needs --engine dask")
    result = fleet(inventory, by, embodied=embodied.value, years=_years(years),
                   engine=engine.value, scheduler=scheduler)
    if output is not None:
        from .fleet import write_result

        path = write_result(result, output)
        typer.echo(f"wrote {path}", err=True)
        return
    if format == Format.json:
        from .io import dumps_json, frame_records

        # null: a value not covered (an impact category or stage the data cannot cover)
        records = frame_records(result, null_ok=lambda col: col == "value")
        typer.echo(dumps_json({"embodied": embodied.value, "rows": records}, indent=1,
                              null_ok=lambda path: path.endswith(".value")))
    elif format == Format.csv:
        from .io import csv_text

        typer.echo(csv_text(result), nl=False)
    else:
        keys = [c for c in result.columns if c not in ("stage", "category", "value", "unit")]
        from .fleet import results

        index = [*keys, "category", "unit"]
        wide = result.pivot(index=index, columns="stage", values="value")
        present = result.assign(_p=1.0).pivot(index=index, columns="stage", values="_p")
        wide = wide.where(present.notna(), 0.0)   # no impact that year: 0; NaN: not covered
        order = list(dict.fromkeys(r[0] for r in results()))
        wide = wide[[s for s in order if s in wide.columns]]
        typer.echo(f"Fleet impacts by stage (embodied: {embodied.value}"
                   f"{' year' if embodied == Embodied.purchase else ' over the lifetime'}; "
                   "- : not covered)")
        typer.echo(wide.to_string(float_format=lambda v: _fmt(v, 1), na_rep="-"))
