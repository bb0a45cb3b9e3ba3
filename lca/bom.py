"""BOM files: the pydantic schema and the safe YAML loader.

Quantities are written with their units in the file ("8.12 cm^2", "814 mm^2", "2 TB",
"350 W", "5 years") and stored on the models as plain floats in the project's canonical
units (``lca.units.CANONICAL``): cm^2, GB, W, kg, kgCO2e, years. A bare number where a
unit is required is an error. See docs/BOM-FORMAT.md for the format.
"""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr,
                      ValidationError,
                      WithJsonSchema, field_validator, model_validator)
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (AliasEvent, CollectionEndEvent, CollectionStartEvent,
                                MappingStartEvent, ScalarEvent)
from ruamel.yaml.parser import Parser

import numpy as np

from . import data, registry, units
from .errors import BomError, LcaError, UnitError, UnknownBomError

#: Share tolerance: profile time shares must sum to 1 within this.
SHARE_SUM_TOLERANCE = 1e-6


# --- quantity fields --------------------------------------------------------------------

class _UnitProblem(ValueError):
    """Raised inside validators; becomes a UnitError with the field path."""


def is_quantity(value: Any) -> bool:
    """Whether ``value`` is a pint Quantity, without importing pint (a Quantity exists
    only once pint was imported)."""
    return "pint" in sys.modules and isinstance(value, units.pint.Quantity)


def _parse_quantity(value: Any, unit: str, what: str, example: str) -> float:
    if isinstance(value, bool) or value is None:
        raise _UnitProblem(f"expected {what} with a unit (e.g. \"{example}\"), got {value!r}")
    if isinstance(value, (int, float)):
        raise _UnitProblem(
            f"expected {what} with a unit (e.g. \"{example}\"), got the bare number {value!r}")
    if is_quantity(value):
        q = value
    elif isinstance(value, str):
        if not registry.starts_with_number(value):
            raise _UnitProblem(f"expected {what} (e.g. \"{example}\"), got {value!r}, "
                               "which has no number")
        fast = units.quick_magnitude(value, unit, dimensioned=True)
        if fast is not None:
            return _finite(fast, what, value)
        ureg = units.ureg
        try:
            q = ureg.Quantity(value.strip())
        except Exception:
            raise _UnitProblem(f"expected {what} (e.g. \"{example}\"), got {value!r}, which is "
                               "not a quantity lca can read") from None
    else:
        raise _UnitProblem(f"expected {what} (e.g. \"{example}\"), got {value!r}")
    pint = units.pint
    if isinstance(q, pint.Quantity):
        try:   # a 400-digit number is not a float: refused here, not by pint's arithmetic
            q = units.ureg.Quantity(float(q.magnitude), q.units)
        except (OverflowError, TypeError, ValueError):
            raise _UnitProblem(f"expected a finite {what.split(' ', 1)[-1]}, got {value!r}") from None
    if not isinstance(q, pint.Quantity) or q.dimensionless:
        raise _UnitProblem(
            f"expected {what} with a unit (e.g. \"{example}\"), got {value!r} without one")
    try:
        magnitude = float(units.to_unit(q, unit).magnitude)
    except OverflowError:
        raise _UnitProblem(f"expected a finite {what.split(' ', 1)[-1]}, got {value!r}") from None
    except pint.DimensionalityError:
        raise _UnitProblem(f"expected {what} (e.g. \"{example}\"), got {value!r}, "
                           f"which is not {what.split(' ', 1)[-1]}") from None
    return _finite(magnitude, what, value)


def _finite(magnitude: float, what: str, value: Any) -> float:
    """``magnitude``, unless it is infinite or nan (a _UnitProblem naming ``value``)."""
    if not math.isfinite(magnitude):
        raise _UnitProblem(f"expected a finite {what.split(' ', 1)[-1]}, got {value!r}")
    return magnitude


def _bounded(parameter: str, value: float, what: str, given: Any) -> None:
    """ValueError unless ``value`` lies within the registry's bounds of ``parameter``."""
    p = registry.get(parameter)
    try:
        number = float(value)
    except (OverflowError, TypeError, ValueError):
        number = math.nan
    if not bool(p.contains(np.asarray(number))):
        raise ValueError(f"expected {what} {p.bounds_text()}, got {given!r}")


def _quantity(parameter: str, what: str, example: str):
    """An annotated float field parsed from a quantity string into the canonical unit of
    registry ``parameter`` and checked against its bounds."""
    unit = registry.unit(parameter)

    def validate(value: Any) -> float:
        magnitude = _parse_quantity(value, unit, what, example)
        _bounded(parameter, magnitude, what, value)
        return magnitude

    validate.parameter = parameter      # the registry entry (tests check them all)
    validate.with_unit = True

    schema = {"type": "string", "description": f"{what} with a unit, e.g. \"{example}\" "
              f"(stored in {unit}; {registry.get(parameter).bounds_text()})",
              "examples": [example]}
    return Annotated[float, BeforeValidator(validate), WithJsonSchema(schema)]


def _number(parameter: str, what: str, integer: bool = False):
    """An annotated plain number (``int`` where ``integer``: 2.0 is refused) checked
    against the bounds of registry ``parameter``."""
    def validate(value: Any) -> Any:
        _bounded(parameter, value, what, value)
        return value

    validate.parameter = parameter      # the registry entry (tests check them all)
    validate.with_unit = False

    kind = int if integer else float
    return Annotated[kind, Field(strict=True), AfterValidator(validate)]


Area = _quantity("components.*.area", "an area", "8.12 cm^2")
DieArea = _quantity("components.*.die_area", "a die area", "0.6 cm^2")
Capacity = _quantity("components.*.capacity", "a capacity", "2 TB")
Density = _quantity("components.*.density", "a density", "1.24 GB/cm^2")
ActivePower = _quantity("components.*.power.active", "a power", "350 W")
IdlePartPower = _quantity("components.*.power.idle", "a power", "200 W")
StatePower = _quantity("profile.*.power", "a power", "555 W")
IdlePower = _quantity("idle_power", "a power", "200 W")
MaxPower = _quantity("max_power", "a power", "350 W")
Mass = _quantity("components.*.mass", "a mass", "2.99 kg")
Carbon = _quantity("components.*.carbon", "a carbon mass", "150 kgCO2e")
Lifetime = _quantity("lifetime", "a duration", "5 years")
GridIntensityQ = _quantity("grid", "a grid intensity", "0.4 kgCO2e/kWh")
FlopRate = _quantity("functional_unit.sustained_flops", "a computation rate", "400 TFLOP/s")
Tdp = _quantity("components.*.tdp", "a power", "350 W")
RatedPower = _quantity("components.*.rated_power", "a power", "750 W")
Wue = _quantity("wue", "a water usage effectiveness", "0.55 L/kWh")
WaterIntensity = _quantity("water_intensity", "a water intensity", "3.142 L/kWh")
Distance = _quantity("transport.*.distance", "a distance", "10000 km")
SystemMass = _quantity("mass", "a mass", "25 kg")


class Factor(BaseModel):
    """An emission factor override; its unit says its basis."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    value: float
    basis: Literal["area", "capacity", "mass", "unit"]
    unit: str


_FACTOR_BASES = (("area", "kgCO2e/cm^2"), ("capacity", "kgCO2e/GB"), ("mass", "kgCO2e/kg"),
                 ("unit", "kgCO2e"))


def _parse_factor(value: Any) -> Factor:
    if isinstance(value, Factor):
        return value
    if isinstance(value, dict):
        return Factor(**value)
    example = "1.8 kgCO2e/cm^2"
    for basis, unit in _FACTOR_BASES:
        try:
            magnitude = _parse_quantity(value, unit, "a factor", example)
        except _UnitProblem:
            continue
        _bounded("components.*.factor", magnitude, "a factor", value)
        return Factor(value=magnitude, basis=basis, unit=unit)
    raise _UnitProblem(
        f"expected a factor per area, capacity, mass or unit (e.g. \"{example}\", "
        f"\"0.4 kgCO2e/GB\", \"24.3 kgCO2e/kg\", \"150 kgCO2e\"), got {value!r}")


FactorField = Annotated[Factor, BeforeValidator(_parse_factor), WithJsonSchema(
    {"type": "string", "description": "emission factor override; its unit gives its basis: "
     "kgCO2e/cm^2, kgCO2e/GB, kgCO2e/kg or kgCO2e per unit", "examples": ["1.8 kgCO2e/cm^2"]})]

Count = _number("components.*.count", "a count", integer=True)
Dies = _number("components.*.dies", "a number of dies", integer=True)
Packages = _number("components.*.packages", "a number of packages", integer=True)
Modules = _number("components.*.modules", "a number of modules", integer=True)
Layers = _number("components.*.layers", "a number of layers", integer=True)
Share = _number("profile.*.share", "a time share")
Utilization = _number("utilization", "a utilization")
Pue = _number("pue", "a PUE")
FabYield = _number("embodied.yield", "a fab yield")


_EDITS = [0]


def edits() -> int:
    """How many times a field of a BOM model has been assigned to in this process
    (lca.cache retires compiled models made before the last assignment)."""
    return _EDITS[0]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def __setattr__(self, name: str, value: Any) -> None:
        if not name.startswith("_"):    # private attributes (the source file) are no edit
            _EDITS[0] += 1
        super().__setattr__(name, value)


# --- components ---------------------------------------------------------------------------

class ComponentPower(_Model):
    """Power of one unit of a component, for profiles built from parts."""

    active: ActivePower
    idle: IdlePartPower = 0.0


class _Component(_Model):
    name: Annotated[str, Field(min_length=1)]
    count: Count = 1
    factor: FactorField | None = None
    power: ComponentPower | None = None
    #: Name of the component this one is physically part of (an HBM stack's base dies are
    #: part of the HBM): a method that costs that component whole (composite's per-GB HBM)
    #: counts this one inside it; the other methods cost it as usual.
    part_of: str | None = None
    source: str | None = None
    note: str | None = None


class Logic(_Component):
    """Logic dies: processors, accelerators and other ICs."""

    type: Literal["logic"]
    role: Literal["processor", "accelerator", "other"] = "other"
    area: Area | None = None
    dies: Dies | None = None
    die_area: DieArea | None = None
    node: str | None = None
    packages: Packages = 1
    device: str | None = None
    #: Thermal design power of one unit, for power from parts (lca.power).
    tdp: Tdp | None = None

    @model_validator(mode="after")
    def _area_given(self) -> "Logic":
        _require_area(self, allow_device=True)
        return self

    @property
    def total_area(self) -> float:
        """Die area of one unit [cm^2]."""
        return _total_area(self)


class Memory(_Component):
    """Memory: DRAM, HBM, GDDR given as dies x die area and/or capacity."""

    type: Literal["memory"]
    technology: str
    dies: Dies | None = None
    die_area: DieArea | None = None
    capacity: Capacity | None = None
    density: Density | None = None
    packages: Packages | None = None
    modules: Modules | None = None

    @model_validator(mode="after")
    def _size_given(self) -> "Memory":
        if (self.dies is None) != (self.die_area is None):
            raise ValueError("give both dies and die_area, or neither")
        if self.die_area is None and self.capacity is None:
            raise ValueError("expected dies and die_area, or capacity")
        return self

    @property
    def total_area(self) -> float | None:
        """Die area of one unit [cm^2], from dies or from capacity / density."""
        if self.dies is not None and self.die_area is not None:
            return self.dies * self.die_area
        if self.capacity is not None and self.density is not None:
            return self.capacity / self.density
        return None


class Storage(_Component):
    """Storage: SSD or HDD by capacity (optionally NAND dies)."""

    type: Literal["storage"]
    technology: Literal["ssd", "hdd"]
    capacity: Capacity
    dies: Dies | None = None
    die_area: DieArea | None = None

    @property
    def total_area(self) -> float | None:
        if self.dies is not None and self.die_area is not None:
            return self.dies * self.die_area
        return None


class Pcb(_Component):
    """A printed circuit board."""

    type: Literal["pcb"]
    area: Area
    layers: Layers
    #: What the board is, for methods that cost a server mainboard as one part (boavizta):
    #: ``mainboard`` (the default when not given) or ``module`` (an accelerator module or
    #: baseboard, costed by area).
    role: Literal["mainboard", "module"] | None = None

    @property
    def total_area(self) -> float:
        return self.area


class Item(_Component):
    """Anything else, with a carbon figure or a mass and material."""

    type: Literal["item"]
    carbon: Carbon | None = None
    mass: Mass | None = None
    material: str | None = None
    category: Literal["psu", "chassis", "heatsink", "fan", "cable", "casing", "nic",
                      "assembly", "other"] = "other"
    #: Power supplies, for power from parts (lca.power): rated output of one unit and its
    #: 80 PLUS level.
    rated_power: RatedPower | None = None
    efficiency: Literal["bronze", "silver", "gold", "platinum", "titanium"] | None = None

    @model_validator(mode="after")
    def _carbon_or_mass(self) -> "Item":
        if self.carbon is None and self.mass is None and self.factor is None:
            raise ValueError("expected carbon, or mass (with material), for an item")
        return self


def _require_area(c: Any, allow_device: bool) -> None:
    if c.area is not None and (c.dies is not None or c.die_area is not None):
        raise ValueError("give area, or dies and die_area, not both")
    if (c.dies is None) != (c.die_area is None):
        raise ValueError("give both dies and die_area, or neither")
    if c.area is None and c.die_area is None:
        if not (allow_device and getattr(c, "device", None)):
            raise ValueError("expected area, or dies and die_area")
        # else: the device library gives the area when the BOM is compiled (resolved())


def _device_area_and_node(c: Any) -> tuple[float, str | None]:
    """Die area [cm^2] and node of a logic component's ``device`` (the device library)."""
    spec = data.device_spec(c.device)
    total = 0.0
    for die in spec.get("dies") or []:
        fig = data.figure(die["area"], f"{c.device}.dies.area").to("cm^2")
        total += fig.value * int(die.get("count", 1))
    if total <= 0:
        raise BomError(f"device {c.device!r} has no die area in the library; give area")
    return total, (str(spec["node"]) if spec.get("node") else None)


def _total_area(c: Any) -> float:
    if c.area is not None:
        return c.area
    return c.dies * c.die_area


Component = Annotated[Union[Logic, Memory, Storage, Pcb, Item], Field(discriminator="type")]


# --- usage, functional unit, method options ---------------------------------------------------

class ProfileEntry(_Model):
    """A share of the year spent at one power (or at the components' summed state)."""

    share: Share
    power: StatePower | None = None
    state: Literal["active", "idle"] | None = None
    #: A load instead of a power: the server's power at this utilization from its parts
    #: (lca.power), a load profile.
    utilization: Utilization | None = None
    label: str | None = None

    @model_validator(mode="after")
    def _power_or_state(self) -> "ProfileEntry":
        given = [v for v in (self.power, self.state, self.utilization) if v is not None]
        if len(given) != 1:
            raise ValueError("expected power (e.g. \"555 W\"), state (active | idle) or "
                             "utilization (0-1, power from the parts), one of them")
        return self


class Usage(_Model):
    """Use phase: grid, PUE and the power profile over a year of 8,760 h."""

    grid: GridIntensityQ | None = None
    region: str | None = None
    pue: Pue = 1.0
    profile: list[ProfileEntry] | None = None
    utilization: Utilization | None = None
    idle_power: IdlePower | None = None
    max_power: MaxPower | None = None
    wue: Wue | None = None                          # on-site water per kWh of IT energy
    water_intensity: WaterIntensity | None = None   # off-site water per kWh of electricity

    @field_validator("pue", mode="before")
    @classmethod
    def _pue_number(cls, value: Any) -> Any:
        if isinstance(value, str):
            raise ValueError(f"expected PUE as a plain number "
                             f"{registry.get('pue').bounds_text()}, got {value!r}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "Usage":
        if self.grid is not None and self.region is not None:
            raise ValueError("give grid or region, not both")
        if self.grid is None and self.region is None:
            raise ValueError("expected grid (e.g. \"0.4 kgCO2e/kWh\") or region (e.g. DE)")
        curve = (self.utilization, self.idle_power, self.max_power)
        if self.profile is not None and any(v is not None for v in curve):
            raise ValueError("give profile, or utilization with idle_power and max_power, not both")
        if self.profile is None:
            if self.utilization is None:
                raise ValueError("expected profile, or utilization (with idle_power and "
                                 "max_power, or without them for power from the parts)")
            if (self.idle_power is None) != (self.max_power is None):
                raise ValueError("give idle_power and max_power together, or neither (power "
                                 "from the parts)")
            if self.idle_power is not None and self.idle_power > self.max_power:
                raise ValueError("idle_power must not exceed max_power")
        else:
            if not self.profile:
                raise ValueError("profile must have at least one entry")
            total = sum(e.share for e in self.profile)
            if abs(total - 1.0) > SHARE_SUM_TOLERANCE:
                raise ValueError(f"time shares must sum to 1, got {total:g}")
        return self


class FunctionalUnit(_Model):
    """What one unit of service is; rates are yearly averages."""

    requests_per_second: _number("functional_unit.requests_per_second",
                                 "a rate [1/s]") | None = None
    tokens_per_second: _number("functional_unit.tokens_per_second", "a rate [1/s]") | None = None
    sustained_flops: FlopRate | None = None
    per: Literal["hour"] | None = None

    @model_validator(mode="after")
    def _one(self) -> "FunctionalUnit":
        given = [k for k, v in self if v is not None]
        if len(given) != 1:
            raise ValueError("expected exactly one of requests_per_second, tokens_per_second, "
                             f"sustained_flops, per: hour; got {given or 'none'}")
        return self

    @property
    def kind(self) -> str:
        return next(k for k, v in self if v is not None)


class EmbodiedOptions(_Model):
    """Which embodied method, and its options."""

    method: str = "composite"
    fab_grid: str | float | None = None
    gas_abatement: Literal[95, 97, 99] | None = None
    yield_: FabYield | None = Field(None, alias="yield")

    @field_validator("method")
    @classmethod
    def _known_method(cls, value: str) -> str:
        from .embodied import METHODS

        if value not in METHODS:
            raise ValueError(f"unknown method {value!r}: expected one of {', '.join(METHODS)}")
        return value


class TransportLeg(_Model):
    """One leg of the system's transport from factory to data centre."""

    mode: str
    distance: Distance

    @field_validator("mode")
    @classmethod
    def _known_mode(cls, value: str) -> str:
        modes = data.lifecycle_table("transport")["modes"]
        if value not in modes:
            raise ValueError(f"unknown transport mode {value!r}: expected one of {', '.join(modes)}")
        return value


class EndOfLife(_Model):
    """End-of-life treatment of the system (cut-off approach)."""

    material: str | None = None

    @field_validator("material")
    @classmethod
    def _known_material(cls, value: str | None) -> str | None:
        materials = data.lifecycle_table("end_of_life")["materials"]
        if value is not None and value not in materials:
            raise ValueError(f"unknown end-of-life material {value!r}: expected one of "
                             f"{', '.join(materials)}")
        return value


class BoundarySpec(_Model):
    """Which life-cycle stages and impact categories to count (default: all)."""

    stages: list[str] | None = None
    categories: list[str] | None = None

    @model_validator(mode="after")
    def _known(self) -> "BoundarySpec":
        from .impacts import Boundary

        try:
            Boundary.of(self.stages, self.categories)
        except Exception as exc:
            raise ValueError(str(exc)) from None
        return self


class Bom(_Model):
    """A server or module: its components and how it is used."""

    name: Annotated[str, Field(min_length=1)]
    kind: Literal["cpu", "gpu", "tpu"]
    description: str | None = None
    lifetime: Lifetime
    sources: dict[str, str] | None = None
    embodied: EmbodiedOptions = Field(default_factory=EmbodiedOptions)
    usage: Usage
    functional_unit: FunctionalUnit | None = None
    components: Annotated[list[Component], Field(min_length=1)]
    mass: SystemMass | None = None                # whole system, for transport and end of life
    transport: list[TransportLeg] | None = None   # legs factory -> data centre
    end_of_life: EndOfLife | None = None
    boundary: BoundarySpec | None = None
    #: Where the BOM was read from (file, YAML tree): errors found when it is compiled
    #: (an unknown region, device, node, technology or material) name file, field and line.
    _file: str | None = PrivateAttr(default=None)
    _tree: Any = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _unique_names(self) -> "Bom":
        seen: set[str] = set()
        for c in self.components:
            if c.name in seen:
                raise ValueError(f"component names must be unique; {c.name!r} appears twice")
            seen.add(c.name)
        for c in self.components:
            if c.part_of is not None and (c.part_of not in seen or c.part_of == c.name):
                raise ValueError(f"component {c.name!r}: part_of names {c.part_of!r}, which is "
                                 "not another component of this BOM")
        if self.usage.profile and any(e.state for e in self.usage.profile):
            if not any(c.power is not None for c in self.components):
                raise ValueError("profile entries with state need components with power")
        return self

    def component(self, name: str):
        for c in self.components:
            if c.name == name:
                return c
        raise KeyError(name)


# --- data lookups and categorical values (when a BOM is compiled) -------------------------

def _loc_text(loc: tuple) -> str:
    return "".join(f"[{k}]" if isinstance(k, int) else (f".{k}" if i else str(k))
                   for i, k in enumerate(loc))


def _norm(text: str) -> str:
    return str(text).strip().lower().replace(" ", "")


def resolved(bom: Bom) -> Bom:
    """``bom`` with its data lookups done and its categorical values checked.

    The region must be in the grid table; a logic component's ``device`` must be in the
    device library (it gives the die area, and the node when none is given); a ``node``,
    a memory ``technology`` and an item's ``material`` must be values some method and its
    data can cost (``lca.registry.choices``): anything else is a BomError naming the file,
    the field (and line) and the accepted values, never a value accepted and then ignored.
    Returns a copy (the given Bom is not changed).
    """
    def fail(exc: Exception, loc: tuple) -> BomError:
        return BomError(str(exc), file=bom._file, path=_loc_text(loc),
                        line=_line_of(bom._tree, loc) if bom._tree is not None else None)

    if bom.usage.region is not None:
        try:
            data.grid_intensity(bom.usage.region)
        except LcaError as exc:
            raise fail(exc, ("usage", "region")) from None
    comps = []
    for i, c in enumerate(bom.components):
        update: dict[str, Any] = {}
        try:
            if c.type == "logic" and c.device is not None:
                area, node = _device_area_and_node(c)
                if c.area is None and c.die_area is None:
                    update["area"] = area
                if c.node is None and node is not None:
                    update["node"] = node
        except LcaError as exc:
            raise fail(exc, ("components", i, "device")) from None
        for field, kind in (("node", "node"), ("technology", f"{c.type} technology"),
                            ("material", "material")):
            value = update.get(field, getattr(c, field, None))
            if value is None or kind not in registry.CHOICE_KINDS:
                continue
            try:
                registry.check_choice(field, _norm(value), registry.choices(kind))
            except LcaError as exc:
                raise fail(f"unknown {field} {value!r}: expected one of "
                           f"{', '.join(registry.choices(kind))}", ("components", i, field)) from None
        comps.append(c.model_copy(update=update) if update else c)
    out = bom.model_copy(update={"components": comps})
    out._file, out._tree = bom._file, bom._tree
    return out


# --- loading -------------------------------------------------------------------------------

#: The ``$id`` of the BOM schema (a URN: lca publishes no schema URL; editors load the
#: file that `lca schema > bom.schema.json` writes).
SCHEMA_ID = "urn:lca:bom-schema:1"


def json_schema() -> dict[str, Any]:
    """The JSON Schema of BOM files, for editors: ``$schema``, ``$id``, a pattern on every
    quantity field (the dimension its unit must have) and the parameter registry's labels
    and bounds in the descriptions (see :mod:`lca.schema`)."""
    from .schema import dress

    schema = Bom.model_json_schema(by_alias=True)
    schema["title"] = "lca BOM file"
    return dress(schema, schema_id=SCHEMA_ID)


def _line_of(root: Any, loc: tuple) -> int | None:
    """1-based YAML line of the deepest node of ``loc`` the round-trip tree knows."""
    node, line = root, None
    for key in loc:
        try:
            if isinstance(node, CommentedMap) and key in node:
                line = node.lc.key(key)[0] + 1
                node = node[key]
            elif isinstance(node, CommentedSeq) and isinstance(key, int) and key < len(node):
                line = node.lc.item(key)[0] + 1
                node = node[key]
            else:
                continue  # a discriminator tag or a model-level loc: stay on this node
        except (KeyError, IndexError, TypeError, AttributeError):
            break
    return line


def _path_of(loc: tuple, raw: Any) -> str:
    parts: list[str] = []
    node = raw
    for key in loc:
        if isinstance(key, int):
            parts.append(f"[{key}]")
            node = node[key] if isinstance(node, list) and key < len(node) else None
        elif isinstance(node, dict) and key in node:
            parts.append(f".{key}" if parts else str(key))
            node = node[key]
        elif key in ("logic", "memory", "storage", "pcb", "item") or key.startswith("function-"):
            continue  # pydantic's union tag, not a field of the file
        else:
            parts.append(f".{key}" if parts else str(key))
            node = None
    return "".join(parts)


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node


def _error_from_validation(exc: ValidationError, raw: Any, tree: Any, file: str | None) -> BomError:
    err = exc.errors(include_url=False)[0]
    loc = tuple(err["loc"])
    msg = err["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
    ctx_err = (err.get("ctx") or {}).get("error")
    cls = UnitError if isinstance(ctx_err, _UnitProblem) else BomError
    if err["type"] == "union_tag_invalid":
        tag = (err.get("ctx") or {}).get("tag")
        msg = (f"unknown component type {tag!r}: expected one of logic, memory, storage, "
               "pcb, item")
        loc = loc + ("type",)
    elif err["type"] == "union_tag_not_found":
        msg = "expected a type: logic, memory, storage, pcb or item"
        loc = loc + ("type",)
    elif err["type"] == "extra_forbidden":
        msg = "unknown field (see `lca schema` for the fields of a BOM)"
    elif err["type"] == "missing":
        msg = "required field is missing"
    more = len(exc.errors()) - 1
    if more > 0:
        msg += f" (and {more} more problem{'s' if more > 1 else ''})"
    return cls(msg, file=file, path=_path_of(loc, raw) or None, line=_line_of(tree, loc))


def bom_from_dict(raw: Any, *, file: str | None = None, tree: Any = None) -> Bom:
    """Validate plain data as a Bom; errors name the field path (and line with ``tree``)."""
    if not isinstance(raw, dict):
        raise BomError(f"expected a mapping of BOM fields, got {type(raw).__name__}", file=file)
    try:
        bom = Bom.model_validate(raw)
        bom._file, bom._tree = file, tree
        return bom
    except ValidationError as exc:
        raise _error_from_validation(exc, raw, tree, file) from None
    except BomError:
        raise
    except OverflowError:
        raise BomError(f"a number is too large for a float (above {sys.float_info.max:.3g})",
                       file=file) from None
    except Exception as exc:  # lookups inside validators (regions, devices) raise LcaError
        from .errors import LcaError

        if isinstance(exc, LcaError):
            raise BomError(str(exc), file=file) from None
        raise


# --- limits of the YAML loader ----------------------------------------------------------
# A BOM file is small, shallow text. These limits refuse hostile or broken files at once
# (a one-line BomError naming the file, in well under a second) instead of letting them
# hang the loader, exhaust memory or raise a RecursionError / OverflowError.

#: Largest BOM file read [bytes]. The largest shipped BOM is 14 KB and a BOM of 1,000
#: components in flow style about 60 KB; the pure-Python YAML parser reads roughly 50 to
#: 200 KB a second, so a file at the limit still parses in seconds, and a larger one is
#: refused before it is parsed (or, for a FIFO or device, read past the limit).
MAX_BOM_BYTES = 256 * 1024
#: Most YAML nodes (scalars, mappings, sequences) a BOM may stand for, with every alias
#: expanded. A 1,000-component BOM has about 15,000; a "billion laughs" alias bomb passes
#: the limit after a few hundred events and is refused without being expanded.
MAX_BOM_NODES = 100_000
#: Deepest nesting of mappings and sequences. A BOM nests four levels (components ->
#: component -> power -> value); the YAML composer and the validator recurse once per
#: level, so a deeper file is refused long before Python's recursion limit (1,000).
MAX_BOM_DEPTH = 32
#: Digits of the longest integer a float can hold (float max is about 1.8e308).
_FLOAT_DIGITS = len(str(int(sys.float_info.max)))

_PLAIN_INT = re.compile(r"[-+]?(?:0|[1-9][0-9_]*)")
_PLAIN_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?")
_PLAIN_SPECIAL = re.compile(r"[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")
#: A run of digits in text that is not the fraction part of a number.
_DIGIT_RUN = re.compile(r"(?<![\d.])0*([1-9]\d*)")
#: Flow brackets, quoted strings and comments (quoted text and comments are skipped).
_FLOW_TOKENS = re.compile(r"""'(?:[^'\n]|'')*'|"(?:[^"\\\n]|\\.)*"|#[^\n]*|[\[\]{}]""")


class _LimitError(Exception):
    def __init__(self, message: str, line: int | None = None, path: str | None = None):
        super().__init__(message)
        self.message, self.line, self.path = message, line, path


def _flow_depth_check(text: str) -> None:
    """Refuse deeply nested flow collections (``[[[[...``) before the YAML scanner sees
    them: it looks ahead over every open bracket on a line, which is slow."""
    depth = 0
    for m in _FLOW_TOKENS.finditer(text):
        token = m.group()
        if token in "[{":
            depth += 1
            if depth > MAX_BOM_DEPTH:
                line = text.count("\n", 0, m.start()) + 1
                raise _LimitError(f"nested deeper than {MAX_BOM_DEPTH} levels "
                                  "(a BOM nests four)", line)
        elif token in "]}":
            depth = max(0, depth - 1)


def _too_large(text: str) -> bool:
    for m in _DIGIT_RUN.finditer(text):
        digits = m.group(1)
        if len(digits) > _FLOAT_DIGITS or (len(digits) == _FLOAT_DIGITS
                                            and int(digits) > sys.float_info.max):
            return True
    return False


class _EventGuard:
    """Watches the YAML events as the composer takes them: counts the nodes the file
    stands for (aliases expanded, by the size of what their anchor names), the nesting
    depth, and refuses numbers a float cannot hold. Tracks the field path for errors."""

    def __init__(self) -> None:
        self.nodes = 0
        self.anchors: dict[str, int] = {}
        self.stack: list[dict[str, Any]] = []

    def _path(self) -> str:
        out = ""
        for level in self.stack:
            child = level.get("child")
            if child is None:
                break
            out += child if child.startswith("[") or not out else "." + child
        return out

    def _place(self, event: Any) -> None:
        """Advance the parent collection to this node; sets its path label."""
        if not self.stack:
            return
        top = self.stack[-1]
        if top["kind"] == "seq":
            top["index"] += 1
            top["child"] = f"[{top['index']}]"
        elif top["want_key"]:
            top["key"] = str(event.value) if isinstance(event, ScalarEvent) else "?"
            top["want_key"] = False
            top["child"] = top["key"]
        else:
            top["child"] = top["key"]
            top["want_key"] = True

    def _fail(self, message: str, event: Any) -> None:
        mark = getattr(event, "start_mark", None)
        raise _LimitError(message, mark.line + 1 if mark is not None else None,
                          self._path() or None)

    def see(self, event: Any) -> None:
        if isinstance(event, (ScalarEvent, AliasEvent, CollectionStartEvent)):
            self._place(event)
        if isinstance(event, AliasEvent):
            self.nodes += self.anchors.get(event.anchor, 1)
        elif isinstance(event, ScalarEvent):
            self.nodes += 1
            self._check_number(event)
            if event.anchor:
                self.anchors[event.anchor] = 1
        elif isinstance(event, CollectionStartEvent):
            self.nodes += 1
            kind = "map" if isinstance(event, MappingStartEvent) else "seq"
            self.stack.append({"kind": kind, "index": -1, "want_key": True, "key": None,
                               "child": None, "anchor": event.anchor, "start": self.nodes})
            if len(self.stack) > MAX_BOM_DEPTH:
                self._fail(f"nested deeper than {MAX_BOM_DEPTH} levels (a BOM nests four)",
                           event)
        elif isinstance(event, CollectionEndEvent) and self.stack:
            level = self.stack.pop()
            if level["anchor"]:
                self.anchors[level["anchor"]] = self.nodes - level["start"] + 1
        if self.nodes > MAX_BOM_NODES:
            self._fail(f"stands for more than {MAX_BOM_NODES:,} YAML nodes (aliases "
                       "expanded); a BOM has a few hundred: an alias bomb?", event)

    def _check_number(self, event: Any) -> None:
        value = event.value
        if event.style is None and event.tag is None:  # a plain scalar: YAML types it
            if _PLAIN_SPECIAL.fullmatch(value):
                self._fail(f"expected a finite number, got {value}", event)
            if _PLAIN_INT.fullmatch(value) or _PLAIN_FLOAT.fullmatch(value):
                digits = value.replace("_", "")
                if _too_large(digits) or (not _PLAIN_INT.fullmatch(value)
                                          and not math.isfinite(float(digits))):
                    self._fail(f"the number {value[:12]}... is too large for a float "
                               f"(above {sys.float_info.max:.3g})", event)
                return
        if _too_large(value):
            self._fail(f"a number in {value[:24]!r}... is too large for a float "
                       f"(above {sys.float_info.max:.3g})", event)


class _GuardedParser(Parser):
    """ruamel's pure parser, with every event the composer takes shown to a guard."""

    def __init__(self, loader: Any) -> None:
        super().__init__(loader)
        self.guard = _EventGuard()

    def get_event(self) -> Any:
        event = super().get_event()
        self.guard.see(event)
        return event


def _read_limited(path: Path, file: str) -> str:
    """The file's text, refused when larger than MAX_BOM_BYTES (read no further)."""
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_BOM_BYTES + 1)
    except FileNotFoundError:
        raise BomError("file not found", file=file) from None
    except (IsADirectoryError, PermissionError, OSError) as exc:
        raise BomError(f"cannot read the file: {exc.__class__.__name__}", file=file) from None
    if len(raw) > MAX_BOM_BYTES:
        raise BomError(f"the file is larger than {MAX_BOM_BYTES // 1024} KiB, the limit for "
                       "a BOM (see lca.bom.MAX_BOM_BYTES)", file=file)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BomError("cannot read the file: UnicodeDecodeError (expected UTF-8 text)",
                       file=file) from None


def load_bom_file(path: str | Path) -> Bom:
    """Read and validate a BOM file (safe YAML; round-trip loader only for line numbers).

    The loader refuses, each with a one-line :class:`BomError`: a file larger than
    ``MAX_BOM_BYTES``; YAML that stands for more than ``MAX_BOM_NODES`` nodes once its
    aliases are expanded (an alias bomb); nesting deeper than ``MAX_BOM_DEPTH``; numbers
    too large for a float, and ``.inf`` / ``.nan``.
    """
    path = Path(path)
    file = str(path)
    text = _read_limited(path, file)
    yaml = YAML(typ="rt", pure=True)
    yaml.Parser = _GuardedParser
    try:
        _flow_depth_check(text)
        tree = yaml.load(text)
    except _LimitError as exc:
        raise BomError(exc.message, file=file, path=exc.path, line=exc.line) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise BomError(f"malformed YAML: {exc.problem or exc.context}", file=file,
                       line=line) from None
    except (YAMLError, ValueError) as exc:
        raise BomError(f"malformed YAML: {str(exc).splitlines()[0] if str(exc) else exc}",
                       file=file) from None
    except RecursionError:
        raise BomError(f"nested deeper than lca can read (the limit is {MAX_BOM_DEPTH} "
                       "levels)", file=file) from None
    if tree is None:
        raise BomError("the file is empty: expected a BOM mapping", file=file)
    return bom_from_dict(_plain(tree), file=file, tree=tree)


def load_bom(source: "Bom | str | Path") -> Bom:
    """A Bom from a Bom, a file path, or the name of a shipped BOM (``clemm2024-cpu``)."""
    if isinstance(source, Bom):
        return source
    if isinstance(source, dict):
        return bom_from_dict(source)
    if not isinstance(source, (str, Path)):
        raise BomError(f"expected a Bom, a BOM file, a mapping of BOM fields or the name of a "
                       f"shipped BOM, got {type(source).__name__}")
    from .cache import load_file   # parsed once per file content

    path = Path(source)
    if path.is_file():
        return load_file(path)
    shipped = data.server_path(str(source))
    if shipped is not None:
        return load_file(shipped)
    if path.suffix in (".yaml", ".yml") or len(path.parts) > 1:
        raise BomError("file not found", file=str(source))
    raise UnknownBomError(
        f"{source}: not a file and not a shipped BOM (shipped: {', '.join(data.server_names())})")
