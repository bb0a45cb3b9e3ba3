"""The ``lca`` command line: a thin shell over the Python API.

User errors (bad files, units, fields, unknown names) print one line naming the file, the
field path (and YAML line where known) and what was expected, and exit with code 2.
"""

from __future__ import annotations

import functools
import os
import sys
from enum import Enum
from collections.abc import Iterator, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any, Callable, Optional

import typer
from typer.core import TyperGroup

from . import registry
from ._interrupt import exit_interrupted, ignore_interrupts
from .errors import LcaError
from .formatting import fmt_number as _fmt
from .io import csv_text, dumps_json, frame_records

if TYPE_CHECKING:
    from .assessment import Assessment

# Commands import what they use when they run (pandas, the model, the embodied methods),
# so that `lca --help` and `lca assess` load only what they need.

#: Command name -> the module whose import registers it on :data:`commands`, in the order
#: ``lca --help`` lists them. ``lca <command>`` imports only that module and builds only
#: that command (building all ~30 costs about 0.1 s of CPU); tests/test_cli_lazy.py
#: checks this table against what the modules register.
COMMAND_MODULES: dict[str, str] = {
    **dict.fromkeys(("assess", "compare", "parameters", "list", "show", "init", "schema"),
                    "lca.cli"),
    "accelerator": "lca.cli_accelerator",
    "fleet": "lca.cli_fleet",
    "methods": "lca.cli_methods",
    "export": "lca.cli_report",
    "report": "lca.cli_report",
    "validate": "lca.cli_validate",
    **dict.fromkeys(("sweep", "mc", "sensitivity", "break-even"), "lca.cli_whatif"),
    **dict.fromkeys(("measured", "track", "hourly"), "lca.cli_measured"),
    **dict.fromkeys(("kernel", "workload"), "lca.cli_accelerator"),   # groups of commands
}

#: Where every command registers (``@commands.command(...)``, ``commands.add_typer``);
#: :data:`app`, the command line itself, builds them from here one at a time.
commands = typer.Typer()


def build_command(name: str) -> Any:
    """The click command (or group) ``name``, built by typer from its registration on
    :data:`commands` once its module is imported; None for a name lca does not know."""
    from importlib import import_module

    from typer.main import get_command_from_info, get_command_name, get_group_from_info

    module = COMMAND_MODULES.get(name)
    if module is None:
        return None
    import_module(module)
    for info in commands.registered_commands:
        if (info.name or get_command_name(info.callback.__name__)) == name:
            return get_command_from_info(info, pretty_exceptions_short=app.pretty_exceptions_short,
                                         rich_markup_mode=app.rich_markup_mode)
    for group in commands.registered_groups:
        if group.name == name:
            return get_group_from_info(group, pretty_exceptions_short=app.pretty_exceptions_short,
                                       suggest_commands=app.suggest_commands,
                                       rich_markup_mode=app.rich_markup_mode)
    return None


class _Commands(MutableMapping):
    """A group's commands by name, each built on first access (:func:`build_command`);
    its keys are every name of :data:`COMMAND_MODULES`, so listings and the "did you
    mean" hint of an unknown command see them all without building any."""

    def __init__(self, built: Mapping[str, Any]) -> None:
        self._built = dict(built)

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            command = build_command(name)
            if command is None:
                raise KeyError(name)
            self._built[name] = command
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter({**dict.fromkeys(COMMAND_MODULES), **dict.fromkeys(self._built)})

    def __len__(self) -> int:
        return sum(1 for _ in self)


#: Environment variables that size the BLAS thread pool numpy's BLAS starts when loaded.
_BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def import_numpy() -> None:
    """Import numpy with a BLAS pool of one thread, unless the user sized the pool.

    OpenBLAS starts one thread per core when numpy is imported, which costs about as much
    CPU as the rest of numpy's import (0.1 s on two cores); lca computes element-wise on
    arrays and does no linear algebra, so the pool is never used. The environment is
    restored at once: commands lca runs (``lca track``) see the user's settings.
    """
    if "numpy" in sys.modules:
        return
    unset = [name for name in _BLAS_THREADS if name not in os.environ]
    for name in unset:
        os.environ[name] = "1"
    try:
        import numpy  # noqa: F401
    finally:
        for name in unset:
            os.environ.pop(name, None)


class LazyGroup(TyperGroup):
    """lca's root group: it builds (and imports the module of) only the command it runs;
    ``lca --help`` builds them all for their short help."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _Commands(self.commands)

    def invoke(self, ctx: Any) -> Any:
        import_numpy()   # a command runs: every command but help needs numpy
        return super().invoke(ctx)


app = typer.Typer(add_completion=True, no_args_is_help=True, pretty_exceptions_enable=False,
                  rich_markup_mode=None,  # units in square brackets are text, not markup
                  cls=LazyGroup,
                  help="Life-cycle carbon of AI compute hardware: embodied and operational "
                       "footprints of CPU, GPU and TPU servers from BOM files.")

EXIT_USER_ERROR = 2


class Interrupted(Exception):
    """Ctrl-C inside a command, carried past click (which would print its own line)."""


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


class FormatSci(str, Enum):
    """Output formats of commands that can also print an SCI score (lca.measured.sci)."""
    table = "table"
    json = "json"
    csv = "csv"
    sci = "sci"


def fail(message: str) -> None:
    """Print one error line and exit 2."""
    typer.echo(f"lca: error: {message}", err=True)
    raise typer.Exit(EXIT_USER_ERROR)


def user_errors(fn: Callable) -> Callable:
    """Turn library errors into one line on stderr and exit code 2."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except LcaError as exc:
            fail(str(exc))
        except BrokenPipeError:
            raise  # the reader went away (`lca ... | head`): handled quietly in main()
        except KeyboardInterrupt:
            ignore_interrupts()  # exiting: a second Ctrl-C must not cut it short
            raise Interrupted() from None  # one line and exit code 130, in main()
        except OSError as exc:  # e.g. an output folder that cannot be written
            fail(f"{getattr(exc, 'filename', '') or ''}: {exc.strerror or exc}")
    return wrapper


def overrides_from(lifetime: float | None, grid: float | None, region: str | None,
                   pue: float | None, method: str | None) -> dict[str, Any]:
    if grid is not None and region is not None:
        raise LcaError("--grid and --region: give one of them, not both")
    return {"lifetime": lifetime, "grid": grid, "region": region, "pue": pue, "method": method}


def assessment_table(a: Assessment, categories: "list[str] | None" = None) -> str:
    d = a.to_dict()
    width = 44
    lines = [f"{a.name}",
             f"  kind {a.bom.kind}, method {a.method}, lifetime {_fmt(d['lifetime_years'], 1)} years "
             f"of 8,760 h", ""]

    def row(label: str, value: str, unit: str = "") -> None:
        lines.append(f"{label:<{width}}{value:>12} {unit}".rstrip())

    left_out = d["uncovered_components"]
    label = ("Embodied (manufacturing), complete" if not left_out else
             f"Embodied, PARTIAL ({len(left_out)} part{'s' if len(left_out) > 1 else ''} left out)")
    row(label, _fmt(d["embodied_kgco2e"]), "kgCO2e")
    if "embodied_low_kgco2e" in d:
        row("  low to high (factor ranges)", _fmt(d["embodied_low_kgco2e"]),
            f"to {_fmt(d['embodied_high_kgco2e'])} kgCO2e")
    if left_out:
        lines.append(f"  left out by {a.method}: {', '.join(left_out)} (see below; the "
                     "default method, composite, costs every part)")
    for name, value in d["embodied_by_component_kgco2e"].items():
        row(f"  {name}", _fmt(value) if value is not None else "not covered",
            "kgCO2e" if value is not None else "")
    row("Energy", _fmt(d["energy_kwh_per_year"]), f"kWh/year (mean {_fmt(d['mean_power_w'])} W, "
        f"PUE {d['pue']:g})")
    row("Grid intensity", f"{d['grid_kgco2e_per_kwh']:.3f}", f"kgCO2e/kWh ({d['grid_source']})")
    row("Operational", _fmt(d["operational_kgco2e_per_year"]), "kgCO2e/year")
    row(f"Embodied over {_fmt(d['lifetime_years'], 1)} years", _fmt(d["embodied_kgco2e_per_year"]),
        "kgCO2e/year")
    row("Total per year", _fmt(d["total_kgco2e_per_year"]), "kgCO2e/year")
    row("Lifetime total", _fmt(d["lifetime_kgco2e"]), "kgCO2e")
    row("Use-phase share", _fmt(100 * d["use_phase_share"]), "%")
    fu = d.get("per_functional_unit")
    if fu:
        row(f"Per {fu['unit']}", _fmt(fu["total_gco2e"], 4),
            f"gCO2e (embodied {_fmt(fu['embodied_gco2e'], 4)}, operational "
            f"{_fmt(fu['operational_gco2e'], 4)})")
    for name, reason in d["uncovered_components"].items():
        lines.append(f"Not covered by {a.method}: {name}: {reason}")
    for note in d["notes"]:
        lines.append(f"Note: {note}")
    lines += impacts_table(a, categories)
    return "\n".join(lines)


def impacts_table(a: Assessment, categories: "list[str] | None" = None) -> list[str]:
    """The life cycle by stage for ``categories`` (default: GWP, the default view), over
    the lifetime, with the boundary and what is not covered."""
    from .impacts import CATEGORIES, DEFAULT_CATEGORY, STAGES

    d = a.to_dict()
    b = d["boundary"]
    shown = [c for c in (categories or [DEFAULT_CATEGORY]) if c in d["impacts"]]
    lines = ["", f"Life cycle over {_fmt(d['lifetime_years'], 1)} years (boundary: "
             f"{', '.join(b['stages'])})"]
    for c in shown:
        unit = b["units"][c]
        lines.append(f"  {CATEGORIES[c][1]} [{unit}]")
        for stage, value in d["impacts"][c].items():
            label = "total" if stage == "total" else STAGES[stage]
            text = "not covered" if value is None else _fmt(value, 4 if c == "adpe" else 1)
            lines.append(f"    {label:<40}{text:>12}")
        missing = b["not_covered"].get(c, {})
        for stage, comps in missing.items():
            lines.append(f"    not covered in {STAGES[stage]}: {', '.join(comps)}")
    for note in b.get("assumptions", []):
        lines.append(f"Note: {note}")
    return lines


def flat_row(a: Assessment) -> dict[str, Any]:
    """One flat record (CSV row / comparison column); nested keys joined with dots
    (``impacts.water.use``)."""
    out: dict[str, Any] = {}

    def put(key: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                put(f"{key}.{k}", v)
        elif isinstance(value, list):
            out[key] = "; ".join(map(str, value))
        else:
            out[key] = value

    for key, value in a.to_dict().items():
        put(key, value)
    return out


def quantity_parser(name: str) -> Callable[[Any], float | None]:
    """A parser for an option that takes a quantity: a number in the parameter's canonical
    unit (``0.05``) or a number with a unit (``"50 gCO2e/kWh"``, ``"6 years"``), converted
    and checked by the parameter registry (``lca.registry.to_canonical``)."""
    from . import registry

    def parse(text: Any) -> float | None:
        if text is None or isinstance(text, float):
            return text
        text = str(text).strip()
        try:
            value: Any = float(text)
        except ValueError:
            value = text
        try:
            return float(registry.to_canonical(name, value))
        except LcaError as exc:
            hint = ""
            if isinstance(value, str) and "CO2e" in (registry.get(name).unit or "") \
                    and "co2e" not in value.lower() and value[:1].isdigit():
                hint = " (carbon is counted in gCO2e, kgCO2e or tCO2e: write \"50 gCO2e/kWh\")"
            raise typer.BadParameter(str(exc) + hint) from None
    parse.__name__ = f"{name}_quantity"
    return parse


LIFETIME = typer.Option(None, "--lifetime", parser=quantity_parser("lifetime"), metavar="YEARS",
                        help=registry.help_text("lifetime", "Lifetime (years of 8,760 h)")
                        + ' Or with a unit: "60 months".')
GRID = typer.Option(None, "--grid", parser=quantity_parser("grid"), metavar="QUANTITY",
                    help=registry.help_text("grid", "Grid intensity")
                    + ' Or with a unit: "50 gCO2e/kWh".')
REGION = typer.Option(None, "--region", help="Grid by country code (DE, FR, US) or named value.")
PUE = typer.Option(None, "--pue", help=registry.help_text("pue", "Power usage effectiveness"))
METHOD = typer.Option(None, "--method", help="Embodied method (see `lca list`).")
FORMAT = typer.Option(Format.table, "--format", "-f", help="Output format.")
FORMAT_SCI = typer.Option(FormatSci.table, "--format", "-f", help="Output format; sci: the "
                          "Software Carbon Intensity (ISO/IEC 21031:2024), E, I, M and R.")
IMPACT = typer.Option(None, "--impact", help="Impact categories: gwp [kgCO2e], water "
                      "[L], adpe [kg Sb eq], pe [MJ primary], or all; comma-separated. "
                      "Default: all in JSON/CSV, gwp in the table.")
STAGES_OPT = typer.Option(None, "--stages", help="Life-cycle stages to count, comma-separated: "
                          "manufacturing, transport, use, end_of_life, infrastructure (default: all).")
WUE = typer.Option(None, "--wue", help="On-site water usage effectiveness [L/kWh of IT energy].",
                   min=0.0)
WATER_INTENSITY = typer.Option(None, "--water-intensity",
                               help="Water intensity of electricity [L/kWh].", min=0.0)


def _names(text: str | None) -> list[str] | None:
    return None if text is None else [t.strip() for t in text.split(",") if t.strip()]


def lifecycle_overrides(impact: str | None, stages: str | None, wue: float | None,
                        water_intensity: float | None) -> dict[str, Any]:
    """Boundary and use-phase water overrides of the shared life-cycle options."""
    return {"categories": _names(impact), "stages": _names(stages), "wue": wue,
            "water_intensity": water_intensity}


def _version(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"lca {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print lca's version and exit.")) -> None:
    """Life-cycle carbon of AI compute hardware: embodied and operational footprints of
    CPU, GPU and TPU servers from BOM files."""


@commands.command("assess")
@user_errors
def assess_cmd(bom: str = typer.Argument(..., help="BOM file or shipped BOM name."),
               lifetime: Optional[float] = LIFETIME, grid: Optional[float] = GRID,
               region: Optional[str] = REGION, pue: Optional[float] = PUE,
               method: Optional[str] = METHOD, format: FormatSci = FORMAT_SCI,
               impact: Optional[str] = IMPACT, stages: Optional[str] = STAGES_OPT,
               wue: Optional[float] = WUE,
               water_intensity: Optional[float] = WATER_INTENSITY) -> None:
    """Embodied, operational, per-year and per-functional-unit footprint of one BOM, and
    its life cycle by stage in GWP, water, ADPe and primary energy."""
    from .assessment import assess

    a = assess(bom, **overrides_from(lifetime, grid, region, pue, method),
               **lifecycle_overrides(impact, stages, wue, water_intensity))
    if format == FormatSci.sci:
        from .measured.sci import for_assessment

        typer.echo(for_assessment(a).to_text())
    elif format == Format.json:
        typer.echo(a.to_json())
    elif format == Format.csv:
        import pandas as pd

        typer.echo(csv_text(pd.DataFrame([flat_row(a)])), nl=False)
    else:
        typer.echo(assessment_table(a, list(a.compiled.boundary.categories) if impact else None))


@commands.command("compare")
@user_errors
def compare_cmd(boms: list[str] = typer.Argument(..., help="BOM files or shipped names."),
                lifetime: Optional[float] = LIFETIME, grid: Optional[float] = GRID,
                region: Optional[str] = REGION, pue: Optional[float] = PUE,
                method: Optional[str] = METHOD, format: Format = FORMAT) -> None:
    """Several BOMs side by side (e.g. the study's `clemm2024-cpu clemm2024-gpu`)."""
    import pandas as pd

    from .assessment import assess

    over = overrides_from(lifetime, grid, region, pue, method)
    results = [assess(b, **over) for b in boms]
    if format == Format.json:
        typer.echo(dumps_json([a.to_dict() for a in results]))
        return
    frame = pd.DataFrame([flat_row(a) for a in results])
    if format == Format.csv:
        typer.echo(csv_text(frame), nl=False)
        return
    keys = [("embodied_kgco2e", "Embodied [kgCO2e]"),
            ("energy_kwh_per_year", "Energy [kWh/year]"),
            ("grid_kgco2e_per_kwh", "Grid [kgCO2e/kWh]"),
            ("operational_kgco2e_per_year", "Operational [kgCO2e/year]"),
            ("embodied_kgco2e_per_year", "Embodied per year [kgCO2e/year]"),
            ("total_kgco2e_per_year", "Total per year [kgCO2e/year]"),
            ("lifetime_kgco2e", "Lifetime total [kgCO2e]"),
            ("use_phase_share", "Use-phase share [%]")]
    names = [b for b in boms]
    col = max(20, *(len(n) for n in names)) + 2
    lines = [f"{'':<34}" + "".join(f"{n:>{col}}" for n in names)]
    lines.append(f"{'method, lifetime':<34}" + "".join(
        f"{a.method + ', ' + _fmt(a.lifetime.magnitude) + ' a':>{col}}" for a in results))
    for key, label in keys:
        vals = [a.to_dict()[key] for a in results]
        if key == "use_phase_share":
            vals = [100 * v for v in vals]
        digits = 3 if key == "grid_kgco2e_per_kwh" else 1
        lines.append(f"{label:<34}" + "".join(f"{_fmt(v, digits):>{col}}" for v in vals))
    typer.echo("\n".join(lines))


@commands.command("parameters")
@user_errors
def parameters_cmd(bom: Optional[str] = typer.Argument(
        None, help="BOM file or shipped name: its parameters and values (default: every "
        "parameter the registry knows)."),
        method: Optional[str] = METHOD, format: Format = FORMAT) -> None:
    """Parameter names, units, accepted ranges and labels (the registry; docs/PARAMETERS.md)."""
    from .assessment import parameters

    frame = parameters() if bom is None else parameters(bom, method, details=True)
    if bom is None:
        frame = frame.drop(columns=["integer", "source"]) if format == Format.table else frame
    if format == Format.json:
        # null: a parameter without a value (e.g. a water intensity not covered)
        typer.echo(dumps_json(frame_records(frame, null_ok=lambda col: col == "value"),
                              indent=1))
    elif format == Format.csv:
        typer.echo(csv_text(frame), nl=False)
    else:
        typer.echo(frame.to_string(index=False))


@commands.command("list")
@user_errors
def list_cmd(what: Optional[str] = typer.Argument(
        None, help="servers | regions | methods | devices (default: a summary of all)")) -> None:
    """Shipped servers, grid regions, embodied methods and devices."""
    from . import data
    from .embodied import DEFAULT_METHOD, METHODS

    choices = ("servers", "regions", "methods", "devices")
    if what is not None and what not in choices:
        raise LcaError(f"list: expected one of {', '.join(choices)}, got {what!r}")
    out: list[str] = []
    if what in (None, "servers"):
        out.append("Servers (data/servers/; use the name or a path):")
        for name in data.server_names():
            title = data.load_yaml(f"servers/{name}.yaml").get("name", "")
            out.append(f"  {name:<24} {title}")
    if what in (None, "methods"):
        out.append("Embodied methods:")
        for name in METHODS:
            title = data.factor_table(name).get("title", "")
            default = " (default)" if name == DEFAULT_METHOD else ""
            out.append(f"  {name:<24} {title}{default}")
    if what in (None, "devices"):
        out.append("Accelerators (data/accelerators/):")
        for key in data.accelerator_keys():
            out.append(f"  {key:<24} {data.device_spec(key).get('name', '')}")
        out.append("CPUs and switch chips (data/cpus/):")
        for key in data.cpu_keys():
            out.append(f"  {key:<24} {data.device_spec(key).get('name', '')}")
    if what in (None, "regions"):
        table = data.grid_table()
        named = sorted(k for k in table if k.islower())
        countries = sorted({g.key for k, g in table.items() if not k.islower()})
        out.append("Named grid values (kgCO2e/kWh):")
        for key in named:
            out.append(f"  {key:<28} {table[key].value:.3f}  {table[key].source}")
        if what == "regions":
            out.append("Countries and aggregates (kgCO2e/kWh, year):")
            for code in countries:
                g = table[code]
                out.append(f"  {code:<8} {g.value:.3f}  {g.year or '':<6} {g.name}")
        else:
            out.append(f"Countries and aggregates: {len(countries)} codes "
                       "(`lca list regions` shows them)")
    typer.echo("\n".join(out))


@commands.command("show")
@user_errors
def show_cmd(name: str = typer.Argument(..., help="A shipped BOM (lca list servers).")) -> None:
    """Print a shipped BOM (with its comments and sources): a starting point to copy,
    e.g. `lca show dgx-h100 > my-server.yaml`."""
    from . import data

    typer.echo(data.server_text(name), nl=False)


@commands.command("init")
@user_errors
def init_cmd(path: Optional[str] = typer.Argument(
                 None, help="File to write (default: print the template on stdout)."),
             kind: str = typer.Option("cpu", "--kind", help="cpu | gpu | tpu"),
             force: bool = typer.Option(False, "--force",
                                        help="Replace an existing file.")) -> None:
    """Write a complete, commented BOM template to edit: every part covered by the
    default method, every value with its unit and source. `lca init my-server.yaml
    --kind gpu`, then `lca assess my-server.yaml`."""
    from pathlib import Path

    from . import data
    from .errors import OverwriteError
    from .io import write_atomic

    text = data.template_text(kind)
    if path is None:
        typer.echo(text, nl=False)
        return
    target = Path(path)
    if target.exists() and not force:
        raise OverwriteError(f"{target}: exists; give --force to replace it")
    write_atomic(target, lambda tmp: tmp.write_text(text, encoding="utf-8"), force=True)
    typer.echo(f"wrote {target} (a {kind} server; check it with: lca assess {target})",
               err=True)


@commands.command("schema")
@user_errors
def schema_cmd() -> None:
    """Print the JSON Schema of BOM files."""
    from .bom import json_schema

    typer.echo(dumps_json(json_schema()))


# The commands of each further capability live in a module of their own and register
# themselves on ``commands`` when imported (methods, accelerators and workloads, what-if
# analysis, exports and reports): see COMMAND_MODULES.


def main(argv: list[str] | None = None) -> None:  # console-script entry point
    """Run the CLI. A usage error (an unknown option, a value out of range, a missing
    argument) is one line and exit code 2, like every other user error."""
    try:
        code = app(args=argv, prog_name="lca", standalone_mode=False)
    except (Interrupted, KeyboardInterrupt, typer.Abort):
        exit_interrupted()
    except BrokenPipeError:
        # The reader closed the pipe (`lca report ... | head -1`): stop quietly, and keep
        # Python from complaining again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(141)
    except Exception as exc:
        # typer's (vendored) click exceptions: UsageError and its kin carry a message and
        # an exit code; anything else is a bug and keeps its traceback.
        if not (hasattr(exc, "format_message") and hasattr(exc, "exit_code")):
            raise
        if type(exc).__name__ == "NoArgsIsHelpError":  # `lca` alone: the help text
            typer.echo(exc.format_message(), err=True)
            sys.exit(EXIT_USER_ERROR)
        ctx = getattr(exc, "ctx", None)
        hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
        typer.echo(f"lca: error: {exc.format_message()}{hint}", err=True)
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
