"""Access to the data shipped in ``data/`` (factors, grids, servers, accelerators).

The folder is found relative to this module, so it works from a source checkout (the
repository's top-level ``data/``) and from a plain, non-editable install (the wheel carries
it as ``lca/_data``). Every number is a *figure* (see docs/DATA-FORMAT.md): a mapping with
value, unit and source, and optionally min, max, licence and note.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator
import functools


from .errors import DataError, UnknownRegionError
from ._lazy import lazy_module

_units = lazy_module("lca.units")   # pint on first use: `lca --help` reads data without it


@functools.lru_cache(maxsize=1)
def data_dir() -> Path:
    """The folder holding the shipped data (found once per process)."""
    here = Path(__file__).resolve().parent
    installed = here / "_data"
    if installed.is_dir():
        return installed
    checkout = here.parent / "data"
    if checkout.is_dir():
        return checkout
    raise DataError(f"shipped data not found (looked in {installed} and {checkout})")


def _safe_yaml():
    from ruamel.yaml import YAML   # on use: parsed data files are cached (lca.cache)

    return YAML(typ="safe", pure=True)


def _load_file(path: Path) -> Any:
    from ruamel.yaml.error import YAMLError

    with path.open(encoding="utf-8") as fh:
        try:
            return _safe_yaml().load(fh)
        except YAMLError as exc:
            raise DataError(f"shipped data file {path.name} is not valid YAML: {exc}") from exc


@functools.lru_cache(maxsize=None)
def load_yaml(relative: str) -> Any:
    """Parse a shipped YAML file (cached; callers must not mutate the result)."""
    path = data_dir() / relative
    try:
        from .cache import parsed_data_file

        return parsed_data_file(path, lambda: _load_file(path))
    except FileNotFoundError as exc:
        raise DataError(f"shipped data file missing: {relative}") from exc


@dataclass(frozen=True)
class Figure:
    """One sourced number: value in ``unit`` with an optional range."""

    value: float
    unit: str
    source: str
    min: float | None = None
    max: float | None = None
    licence: str | None = None
    note: str | None = None
    derived: bool = False
    upper_bound: bool = False
    distribution: str = "triangular"

    def to(self, unit: str) -> "Figure":
        """The same figure converted to ``unit``."""
        k = _units.factor(self.unit, unit, read_as=False) if self.unit != unit else 1.0
        return Figure(
            value=self.value * k, unit=unit, source=self.source,
            min=None if self.min is None else self.min * k,
            max=None if self.max is None else self.max * k,
            licence=self.licence, note=self.note, derived=self.derived,
            upper_bound=self.upper_bound, distribution=self.distribution)

    @property
    def low(self) -> float:
        return self.value if self.min is None else self.min

    @property
    def high(self) -> float:
        return self.value if self.max is None else self.max

    def quantity(self):
        return _units.ureg.Quantity(self.value, self.unit)


def is_figure(node: Any) -> bool:
    return isinstance(node, dict) and "value" in node and "unit" in node


def figure(node: Any, where: str = "") -> Figure:
    """Read a figure mapping, checking its unit parses."""
    if not is_figure(node):
        raise DataError(f"{where}: expected a figure mapping with value and unit, got {node!r}")
    try:
        _units.check_unit(node["unit"]) if node["unit"] not in ("", "dimensionless") else None
    except Exception as exc:  # pint raises several types for unparsable units
        raise DataError(f"{where}: unit {node['unit']!r} does not parse: {exc}") from exc
    return Figure(
        value=float(node["value"]), unit=str(node["unit"]),
        source=str(node.get("source", "")),
        min=None if node.get("min") is None else float(node["min"]),
        max=None if node.get("max") is None else float(node["max"]),
        licence=node.get("licence"), note=node.get("note"),
        derived=bool(node.get("derived", False)),
        upper_bound=bool(node.get("upper_bound", False)),
        distribution=str(node.get("distribution", "triangular")))


def iter_figures(node: Any, prefix: str = "") -> Iterator[tuple[str, Figure]]:
    """Every figure in a nested mapping, with its dotted path."""
    if is_figure(node):
        yield prefix, figure(node, prefix)
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from iter_figures(value, f"{prefix}.{key}" if prefix else str(key))


# --- embodied factors -----------------------------------------------------------------

def factor_table(method: str) -> dict[str, Any]:
    """The parsed ``data/factors/<method>.yaml``."""
    return load_yaml(f"factors/{method}.yaml")


@functools.lru_cache(maxsize=None)
def factor_figures(method: str) -> dict[str, Figure]:
    """All figures of a method's factor file, by dotted path."""
    return dict(iter_figures(factor_table(method)))


# --- grids ----------------------------------------------------------------------------

@dataclass(frozen=True)
class GridIntensity:
    key: str
    name: str
    value: float  # kgCO2e/kWh
    year: int | None
    source: str
    licence: str | None = None
    min: float | None = None
    max: float | None = None
    iso3: str | None = None
    #: Years of ``min`` and ``max`` and the span they were taken over (a country of
    #: countries.csv: the yearly values of data/grid/years.csv, five years ending at
    #: ``year``); None for a named value (its range is a figure's own).
    min_year: int | None = None
    max_year: int | None = None
    range_years: tuple[int, int] | None = None


@functools.lru_cache(maxsize=None)
def grid_table() -> dict[str, GridIntensity]:
    """Country codes (ISO alpha-2 and alpha-3) and named values -> grid intensity."""
    sources = load_yaml("grid/sources.yaml") or {}
    table: dict[str, GridIntensity] = {}
    path = data_dir() / "grid" / "countries.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(line for line in fh if not line.startswith("#")):
            src = sources.get(row["source"], {}) if isinstance(sources, dict) else {}
            citation = _citation(src, row["source"])
            def kg(x: str, unit: str = row["unit"]) -> float:
                return float(x) * _units.factor(unit, "kgCO2e/kWh", read_as=False)
            value = kg(row["intensity"])
            ranged = bool(row.get("min")) and bool(row.get("max"))
            entry = GridIntensity(
                key=row["code"].upper(), name=row["name"], value=value,
                year=int(row["year"]) if row.get("year") else None,
                source=citation, licence=src.get("licence") if isinstance(src, dict) else None,
                iso3=(row.get("iso3") or "").upper() or None,
                min=kg(row["min"]) if ranged else None, max=kg(row["max"]) if ranged else None,
                min_year=int(row["min_year"]) if ranged else None,
                max_year=int(row["max_year"]) if ranged else None,
                range_years=(int(row["range_from"]), int(row["range_to"])) if ranged else None)
            table[row["code"].upper()] = entry
            if row.get("iso3"):
                table.setdefault(row["iso3"].upper(), entry)
    for alias, code in (load_yaml("grid/aliases.yaml") or {}).items():
        if str(code).upper() in table:
            table.setdefault(str(alias).upper(), table[str(code).upper()])
    for key, node in (load_yaml("grid/named.yaml") or {}).items():
        fig = figure(node, f"grid/named.yaml: {key}").to("kgCO2e/kWh")
        table[key.lower()] = GridIntensity(
            key=key.lower(), name=str(node.get("name", key)), value=fig.value,
            year=node.get("year"), source=fig.source, licence=fig.licence,
            min=fig.min, max=fig.max)
    return table


def _citation(src: Any, key: str) -> str:
    if not isinstance(src, dict):
        return key
    parts = [src.get("title"), src.get("publisher"), src.get("url")]
    return "; ".join(str(p) for p in parts if p) or key


def grid_intensity(region: str) -> GridIntensity:
    """Look up a country code (DE, DEU) or a named value (renewable-clemm2024)."""
    table = grid_table()
    for key in (region.upper(), region.lower(), region):
        if key in table:
            return table[key]
    raise UnknownRegionError(
        f"unknown region {region!r}: expected an ISO country code (e.g. DE, FR, US) or a "
        f"named value ({', '.join(sorted(k for k in table if k.islower()))}); "
        "`lca list` shows them all")


# --- life-cycle factors (data/lifecycle/) --------------------------------------------------

def lifecycle_table(name: str) -> dict[str, Any]:
    """The parsed ``data/lifecycle/<name>.yaml`` (transport, end_of_life, infrastructure,
    water)."""
    return load_yaml(f"lifecycle/{name}.yaml")


def lifecycle_figure(name: str, path: str) -> Figure:
    """One figure of ``data/lifecycle/<name>.yaml`` by dotted path."""
    node: Any = lifecycle_table(name)
    for part in path.split("."):
        node = node[part]
    return figure(node, f"lifecycle/{name}.yaml: {path}")


@dataclass(frozen=True)
class ElectricityImpacts:
    """Per-kWh impacts of a country's electricity besides carbon."""

    iso3: str
    adpe: float              # kgSbeq/kWh
    pe: float                # MJ_primary/kWh
    water_intensity: float   # L_water/kWh
    source: str = ("EcoLogits electricity_mixes.csv (MPL-2.0): ADPe and PE from ADEME Base "
                   "IMPACTS, water intensity from EcoLogits' compilation")


@functools.lru_cache(maxsize=None)
def electricity_table() -> dict[str, ElectricityImpacts]:
    """ISO alpha-3 code -> per-kWh ADPe, PE and water of electricity
    (``data/lifecycle/electricity.csv``)."""
    path = data_dir() / "lifecycle" / "electricity.csv"
    out: dict[str, ElectricityImpacts] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(line for line in fh if not line.startswith("#")):
            out[row["iso3"].upper()] = ElectricityImpacts(
                iso3=row["iso3"].upper(), adpe=float(row["adpe"]), pe=float(row["pe"]),
                water_intensity=float(row["water_intensity"]))
    return out


def electricity_impacts(region: str | None) -> ElectricityImpacts | None:
    """Per-kWh ADPe, PE and water of a region's electricity, or None where the table has
    no row for it (a named grid value, or a country outside the table)."""
    if region is None:
        return None
    table = electricity_table()
    key = region.upper()
    if key in table:
        return table[key]
    try:
        g = grid_intensity(region)
    except UnknownRegionError:
        return None
    return table.get(g.iso3 or "")


# --- shipped BOMs and devices -----------------------------------------------------------

def _keys(folder: str) -> list[str]:
    path = data_dir() / folder
    return sorted(p.stem for p in path.glob("*.yaml")) if path.is_dir() else []


def server_names() -> list[str]:
    return _keys("servers")


def server_path(name: str) -> Path | None:
    path = data_dir() / "servers" / f"{name}.yaml"
    return path if path.is_file() else None


#: Kinds of BOM templates (data/templates/<kind>.yaml).
TEMPLATE_KINDS = ("cpu", "gpu", "tpu")


def template_text(kind: str) -> str:
    """The commented BOM template of a kind of server (``lca init``)."""
    from .errors import LcaError

    if kind not in TEMPLATE_KINDS:
        raise LcaError(f"init: --kind: expected one of {', '.join(TEMPLATE_KINDS)}, got {kind!r}")
    return (data_dir() / "templates" / f"{kind}.yaml").read_text(encoding="utf-8")


def server_text(name: str) -> str:
    """The text of a shipped BOM (``lca show``), comments included."""
    from .errors import UnknownBomError

    path = server_path(name)
    if path is None:
        raise UnknownBomError(f"{name}: not a shipped BOM; expected one of "
                              f"{', '.join(server_names())} (lca list servers)")
    return path.read_text(encoding="utf-8")


def accelerator_keys() -> list[str]:
    return _keys("accelerators")


def cpu_keys() -> list[str]:
    return _keys("cpus")


def device_spec(key: str) -> dict[str, Any]:
    """A device of ``data/accelerators/`` or ``data/cpus/`` by key."""
    from .errors import UnknownDeviceError

    for folder in ("accelerators", "cpus"):
        if (data_dir() / folder / f"{key}.yaml").is_file():
            return load_yaml(f"{folder}/{key}.yaml")
    raise UnknownDeviceError(
        f"unknown device {key!r}: expected one of {', '.join(accelerator_keys() + cpu_keys())}")
