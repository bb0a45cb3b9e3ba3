"""The one vectorized path: a BOM compiled to a parameter table, evaluated on arrays.

``compile_bom`` turns a validated Bom into its *structure* (components, their kinds, the
power mode, the functional unit: what cannot vary between scenarios without changing the
model) and its *parameters*: a flat mapping of named floats in canonical units
(``lifetime``, ``grid``, ``pue``, ``profile.0.share``, ``components.dram.dies``,
``factors.clemm2024.processor_die`` ...). ``evaluate`` computes every result column from
parameters given as scalars or equal-length numpy arrays, one element per scenario.
``lca.assess`` is the one-row case; ``lca.sweep`` passes arrays. There is no loop over
scenarios: the loops below run over components and profile states.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import numpy as np

from . import (allocation, data, end_of_life, fab_water, functional, infrastructure, operational,
               registry, transport, water)
from .bom import _FACTOR_BASES, SHARE_SUM_TOLERANCE, Bom
from .embodied.protocol import ComponentSpec, ComponentTerm
from .errors import DataError, ParameterError
from .impacts import Boundary, column

#: Numeric component fields that become parameters (canonical units, see lca.bom).
COMPONENT_FIELDS = ("count", "area", "dies", "die_area", "capacity", "density", "packages",
                    "modules", "layers", "carbon", "mass")

#: Short names accepted for parameters (what users type) -> canonical parameter names.
ALIASES = {
    "usage.grid": "grid", "usage.pue": "pue", "usage.utilization": "utilization",
    "usage.idle_power": "idle_power", "usage.max_power": "max_power",
    "usage.wue": "wue", "usage.water_intensity": "water_intensity",
}


@dataclass
class Compiled:
    """A Bom's structure and base parameters, ready for ``evaluate``."""

    bom: Bom
    method: str
    components: tuple[ComponentSpec, ...]
    params: dict[str, float]
    power_mode: str                     # "profile" | "curve"
    n_states: int
    functional_unit: str | None         # functional.KINDS key
    grid_source: str
    grid_region: str | None
    options: dict[str, Any] = field(default_factory=dict)
    terms: dict[str, ComponentTerm] = field(default_factory=dict)
    #: lca.power.PartsPower when idle and max power come from the parts, else None.
    parts_power: Any = None
    #: Profile states whose power comes from the parts: (state index, utilization).
    parts_states: tuple[tuple[int, float], ...] = ()
    factor_figures: dict[str, Any] = field(default_factory=dict)   # key -> data.Figure
    boundary: Boundary = field(default_factory=Boundary)
    transport_modes: tuple[str, ...] = ()    # mode of each transport leg
    eol_material: str = ""
    lifecycle_notes: list[str] = field(default_factory=list)
    #: Region parameters the BOM sets itself (usage.water_intensity): a region given as
    #: an override or sweep axis does not replace them.
    fixed: frozenset[str] = frozenset()
    #: lifecycle_structure(self), cached (the boundary and terms do not change).
    structure: dict[tuple[str, str], list[tuple[str, bool]]] = field(default_factory=dict)

    def parameter_names(self) -> list[str]:
        return list(self.params)


def _component_spec(c: Any) -> ComponentSpec:
    fields = tuple(f for f in COMPONENT_FIELDS if getattr(c, f, None) is not None)
    if c.factor is not None:
        fields += ("factor",)
    return ComponentSpec(
        name=c.name, type=c.type, role=getattr(c, "role", None),
        technology=getattr(c, "technology", None), node=getattr(c, "node", None),
        category=getattr(c, "category", None), material=getattr(c, "material", None),
        factor_basis=None if c.factor is None else c.factor.basis,
        device=getattr(c, "device", None), fields=fields, part_of=c.part_of)


def region_parameters(region: str) -> tuple[dict[str, float], str, str]:
    """The one place a region becomes parameters: grid intensity [kgCO2e/kWh] and, where
    data/lifecycle/electricity.csv has the country, the water intensity [L_water/kWh],
    ADPe [kgSbeq/kWh] and primary energy [MJ_primary/kWh] of its electricity (NaN where it
    has none: not covered). Returns (parameters, region key, source text)."""
    g = data.grid_intensity(str(region))
    source = f"{g.name} ({g.year}): {g.source}" if g.year else f"{g.name}: {g.source}"
    params = {"grid": g.value}
    params.update(electricity_parameters(data.electricity_impacts(g.key)))
    return params, g.key, source


def electricity_parameters(e: "data.ElectricityImpacts | None") -> dict[str, float]:
    """Water intensity, ADPe and PE per kWh of electricity as parameters (NaN: unknown)."""
    if e is None:
        return {"water_intensity": np.nan, "adpe_intensity": np.nan, "pe_intensity": np.nan}
    return {"water_intensity": e.water_intensity, "adpe_intensity": e.adpe,
            "pe_intensity": e.pe}


def lifecycle_parameters(bom: Bom) -> tuple[dict[str, float], tuple[str, ...], str, list[str]]:
    """Parameters of the transport, end-of-life and infrastructure stages and the on-site
    WUE, from the BOM or the shipped defaults of data/lifecycle/ (said in the notes).
    Returns (parameters, transport modes, end-of-life material, notes)."""
    params: dict[str, float] = {}
    notes: list[str] = []
    usage = bom.usage
    if usage.wue is not None:
        params["wue"] = usage.wue
    else:
        params["wue"] = data.lifecycle_figure("water", "default_wue").to("L_water/kWh").value
        notes.append(f"on-site WUE not given: {params['wue']:g} L/kWh assumed (Li et al. 2023, "
                     "U.S. average); give usage.wue")
    if bom.mass is not None:
        params["mass"] = bom.mass
    else:
        params["mass"] = data.lifecycle_figure("transport", f"defaults.mass.{bom.kind}").to("kg").value
        notes.append(f"system mass not given: {params['mass']:g} kg assumed for a {bom.kind} "
                     "system (data/lifecycle/transport.yaml); give mass")
    if bom.transport is not None:
        legs = [(leg.mode, leg.distance) for leg in bom.transport]
    else:
        legs = [(leg["mode"], data.figure(leg["distance"]).to("km").value)
                for leg in data.lifecycle_table("transport")["defaults"]["legs"]]
        notes.append("transport not given: " + ", ".join(f"{d:g} km {m}" for m, d in legs)
                     + " assumed (data/lifecycle/transport.yaml)")
    for i, (mode, distance) in enumerate(legs):
        params[f"transport.{i}.distance"] = float(distance)
        params[f"factors.transport.{mode}"] = data.lifecycle_figure(
            "transport", f"modes.{mode}").to("kgCO2e/tonne/km").value
    eol = data.lifecycle_table("end_of_life")
    material = (bom.end_of_life.material if bom.end_of_life is not None else None) \
        or eol["default_material"]
    params[f"factors.end_of_life.{material}"] = data.lifecycle_figure(
        "end_of_life", f"materials.{material}").to("kgCO2e/kg").value
    params["factors.infrastructure.per_kw_year"] = data.lifecycle_figure(
        "infrastructure", "per_kw_year").to("kgCO2e/kW/year").value
    return params, tuple(m for m, _ in legs), material, notes


def compile_bom(bom: Bom, method: str | None = None, boundary: Boundary | None = None) -> Compiled:
    """Structure and base parameters of ``bom`` for an embodied ``method``.

    Steps: (1) the use phase: lifetime, PUE, grid (a region resolved once by
    :func:`region_parameters`), on-site WUE and the electricity's water, ADPe and PE;
    (2) the power profile or curve; (3) the functional unit; (4) the components' numeric
    fields; (5) the method's factors and one term per component; (6) the transport,
    end-of-life and infrastructure parameters; (7) the boundary (stages and categories).
    """
    from .embodied import get_method

    from .bom import resolved

    method = method or bom.embodied.method
    impl = get_method(method)
    bom = resolved(bom)
    params: dict[str, float] = {"lifetime": bom.lifetime, "pue": bom.usage.pue}
    usage = bom.usage
    if usage.region is not None:
        region_params, grid_region, grid_source = region_parameters(usage.region)
        params.update(region_params)
    else:
        params["grid"] = usage.grid
        params.update(electricity_parameters(None))
        grid_source = "given in the BOM"
        grid_region = None
    if usage.water_intensity is not None:
        params["water_intensity"] = usage.water_intensity
    fixed = frozenset(k for k in ("water_intensity",) if getattr(usage, k) is not None)

    parts_power = None
    parts_states: list[tuple[int, float]] = []
    if usage.profile is not None:
        power_mode, n_states = "profile", len(usage.profile)
        for i, entry in enumerate(usage.profile):
            params[f"profile.{i}.share"] = entry.share
            if entry.power is not None:
                params[f"profile.{i}.power"] = entry.power
            elif entry.utilization is not None:   # a load profile: power from the parts
                if parts_power is None:
                    from . import power
                    parts_power = power.from_parts(bom)
                params[f"profile.{i}.power"] = float(parts_power.at(entry.utilization))
                parts_states.append((i, float(entry.utilization)))
            else:  # sum of the components' powers in that state
                params[f"profile.{i}.power"] = float(sum(
                    c.count * getattr(c.power, entry.state) for c in bom.components
                    if c.power is not None))
    else:
        power_mode, n_states = "curve", 0
        params["utilization"] = usage.utilization
        if usage.idle_power is None:   # given powers win; else from the parts
            from . import power
            parts_power = power.from_parts(bom)
            params["idle_power"], params["max_power"] = parts_power.idle_w, parts_power.max_w
        else:
            params["idle_power"] = usage.idle_power
            params["max_power"] = usage.max_power
    if parts_power is not None:   # the power model's figures become parameters
        from . import power
        figs = power.figures()
        for path in parts_power.used:
            params[power.parameter_name(path)] = figs[path].value

    fu = bom.functional_unit.kind if bom.functional_unit is not None else None
    if fu is not None and fu != "per":
        params[f"functional_unit.{fu}"] = float(getattr(bom.functional_unit, fu))

    specs = []
    for c in bom.components:
        spec = _component_spec(c)
        specs.append(spec)
        for f in spec.fields:
            value = c.factor.value if f == "factor" else getattr(c, f)
            params[spec.key(f)] = float(value)

    compiled = Compiled(bom=bom, method=method, components=tuple(specs), params=params,
                        power_mode=power_mode, n_states=n_states, functional_unit=fu,
                        grid_source=grid_source, grid_region=grid_region, fixed=fixed,
                        parts_power=parts_power, parts_states=tuple(parts_states))
    try:   # a factor file without a key a method reads is a fault of the data
        compiled.options = impl.options(bom)
        compiled.factor_figures = dict(impl.factor_parameters(compiled.options))
        compiled.terms = {spec.name: impl.term(spec, compiled.options) for spec in specs}
    except KeyError as exc:
        raise DataError(f"data/factors/{method}.yaml: the method needs {exc.args[0]!r}, "
                        "which the factor file does not give") from None
    for key, fig in compiled.factor_figures.items():
        params[key] = fig.value
    compiled.terms = {spec.name: impl.term(spec, compiled.options) for spec in specs}
    fab_water.attach(compiled)   # manufacturing water of logic dies, whatever the method
    _note_unused_options(compiled)
    life_params, compiled.transport_modes, compiled.eol_material, compiled.lifecycle_notes = \
        lifecycle_parameters(bom)
    params.update(life_params)
    if boundary is None:
        spec = bom.boundary
        boundary = Boundary.of(spec.stages if spec else None, spec.categories if spec else None)
    compiled.boundary = boundary
    _check_factors(compiled)
    return compiled


#: BOM ``embodied:`` options (attribute, name in the file) and the methods that read them
#: (composite costs logic dies with ACT's model, so it reads ACT's options too).
METHOD_OPTIONS = (("fab_grid", "fab_grid"), ("gas_abatement", "gas_abatement"),
                  ("yield_", "yield"))
ACT_OPTION_READERS = ("act2022", "composite")


def _note_unused_options(compiled: Compiled) -> None:
    """A method option the BOM gives but the compiled method does not read is said in the
    notes (a BOM may be costed by several methods, so it is not refused)."""
    if compiled.method in ACT_OPTION_READERS:
        return
    emb = compiled.bom.embodied
    unused = [name for attr, name in METHOD_OPTIONS if getattr(emb, attr) is not None]
    if unused:
        notes = list(compiled.options.get("notes", []))
        notes += [f"embodied.{name} is an option of {' and '.join(ACT_OPTION_READERS)}: not "
                  f"used by {compiled.method}" for name in unused]
        compiled.options = {**compiled.options, "notes": notes}


def _check_factors(compiled: Compiled) -> None:
    """A method's factors are within the registry's bounds and every factor a term reads
    is one the method provides: a fault in data/factors/ is a DataError naming the key,
    never a KeyError when the model runs."""
    for key, fig in compiled.factor_figures.items():
        try:
            registry.check(key, fig.value, fig.unit)
        except ParameterError as exc:
            raise DataError(f"data/factors ({compiled.method}): {exc}") from None
    for name, term in compiled.terms.items():
        missing = [k for k in term.factor_keys if k not in compiled.params]
        if missing:
            raise DataError(f"data/factors ({compiled.method}): component {name!r} needs "
                            f"{', '.join(missing)}, which the method's factor file does not "
                            "give")


# --- units and checks of parameters (from lca.registry) -----------------------------------

#: Canonical unit of a component's own ``factor:`` by its basis (the BOM parser's table).
FACTOR_BASIS_UNITS: dict[str, str] = dict(_FACTOR_BASES)


def parameter_unit(compiled: "Compiled", name: str) -> str | None:
    """Canonical unit of a parameter of ``compiled`` (None: dimensionless).

    The registry (``lca.registry``) gives it; where the registry leaves it to the context,
    the context does: a component's own factor by its basis, a method factor by its
    figure in ``data/factors/``.
    """
    key = ALIASES.get(name, name)
    p = registry.find(key)
    if p is not None and p.unit is not None:
        return None if p.unit == "dimensionless" else p.unit
    if key.startswith("components.") and key.endswith(".factor"):
        comp = key[len("components."):-len(".factor")]
        spec = next((c for c in compiled.components if c.name == comp), None)
        return FACTOR_BASIS_UNITS.get(spec.factor_basis) if spec else None
    if key.startswith("factors."):
        figs = compiled.factor_figures
        return figs[key].unit if key in figs else None
    return None


def to_canonical(compiled: Compiled, name: str, value: Any) -> Any:
    """``value`` as a number in the canonical unit of parameter ``name``, checked against
    the registry's bounds (``lca.registry.to_canonical``).

    A plain number (or array) is taken as already canonical; a pint Quantity or a string
    with a unit (``"50 gCO2e/kWh"``, ``"8 cm^2"``) is converted. Raises ParameterError
    for a string that is not a quantity, a unit of the wrong dimension, a value that is
    not finite or out of bounds, or a parameter the BOM does not have.
    """
    key = ALIASES.get(name, name)
    if key not in compiled.params:
        raise _unknown(compiled, name)
    return registry.to_canonical(key, value, parameter_unit(compiled, key) or "dimensionless")


def _unknown(compiled: Compiled, name: str) -> ParameterError:
    return ParameterError(
        f"unknown parameter {name!r} for {compiled.bom.name!r} with method "
        f"{compiled.method}; known: {', '.join(compiled.params)}", parameter=name)


def check_parameters(compiled: Compiled, params: Mapping[str, Any],
                     keys: "Iterable[str] | None" = None) -> None:
    """Every parameter (or those named in ``keys``) checked against the registry (one
    vectorized test per array), and the profile's time shares summing to 1 in every
    scenario.

    The base parameters of a compiled model are checked once, at its first evaluation;
    after that only values that are not the base's own (overrides, axes, filled-in
    shares) are checked again, so that a single assessment does not re-check some 40
    unchanged numbers on every call."""
    if keys is None:
        base = compiled.params
        if not compiled.__dict__.get("_base_checked"):
            for key, value in base.items():
                registry.check(key, value, parameter_unit(compiled, key))
            compiled.__dict__["_base_checked"] = True
        keys = [k for k, v in params.items() if k not in base or v is not base[k]]
    for key in keys:
        registry.check(key, params[key], parameter_unit(compiled, key))
    if compiled.power_mode == "profile":
        total = sum(np.asarray(params[f"profile.{i}.share"], dtype=float)
                    for i in range(compiled.n_states))
        if np.any(np.abs(total - 1.0) > SHARE_SUM_TOLERANCE):
            raise ParameterError("profile: time shares must sum to 1 in every scenario",
                                 parameter="profile.*.share", value=float(np.ravel(total)[
                                     np.argmax(np.abs(np.ravel(total) - 1.0))]),
                                 bound="a sum of 1")


def resolve(compiled: Compiled, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Base parameters with ``overrides`` applied (names checked, aliases resolved)."""
    params: dict[str, Any] = dict(compiled.params)
    for name, value in overrides.items():
        key = ALIASES.get(name, name)
        if key not in params:
            raise _unknown(compiled, name)
        params[key] = value
    given = {ALIASES.get(k, k) for k in overrides}
    complete_profile_shares(compiled, params, given)
    parts_power_parameters(compiled, params, given)
    return params


def parts_power_parameters(compiled: Compiled, params: dict[str, Any], given) -> None:
    """Recompute, in place, the powers that come from the parts (lca.power.from_parts)
    when a figure of the power model (``power.*``) is among the ``given`` overrides:
    ``idle_power`` and ``max_power``, or each profile state given by utilization. A
    power that is itself given wins. Vectorized: the figures may be arrays."""
    from . import power
    if compiled.parts_power is None or not any(k.startswith(power.PARAMETER_PREFIX) for k in given):
        return
    values = {p: params[power.parameter_name(p)] for p in compiled.parts_power.used}
    pp = power.from_parts(compiled.bom, values)
    if compiled.power_mode == "curve":
        for key, value in (("idle_power", pp.idle_w), ("max_power", pp.max_w)):
            if key not in given:
                params[key] = value
    for i, u in compiled.parts_states:
        if f"profile.{i}.power" not in given:
            params[f"profile.{i}.power"] = pp.at(u)


def complete_profile_shares(compiled: Compiled, params: dict[str, Any], given) -> None:
    """Fill the time shares of a profile that the overrides leave out, in place.

    When some but not all ``profile.<i>.share`` are overridden (``given``), the others
    share the remainder ``1 - sum(given shares)`` in the proportions of their base values
    (equally when those are all zero). For a two-state profile, varying
    ``profile.0.share`` sets ``profile.1.share = 1 - profile.0.share``. Vectorized: the
    given shares may be arrays.
    """
    if compiled.power_mode != "profile":
        return
    keys = [f"profile.{i}.share" for i in range(compiled.n_states)]
    set_keys = [k for k in keys if k in given]
    rest = [k for k in keys if k not in given]
    if not set_keys or not rest:
        return
    remainder = 1.0 - sum(np.asarray(params[k], dtype=float) for k in set_keys)
    base = sum(compiled.params[k] for k in rest)
    for k in rest:
        weight = compiled.params[k] / base if base > 0 else 1.0 / len(rest)
        params[k] = remainder if weight == 1.0 else remainder * weight


def evaluate(compiled: Compiled, params: Mapping[str, Any], n: "int | tuple[int, ...]" = 1, *,
             check: "Iterable[str] | None" = None) -> dict[str, np.ndarray]:
    """Every result column for ``n`` scenarios.

    ``params`` maps parameter names to scalars or arrays of length ``n``. With ``n`` a
    shape tuple (a cartesian sweep, lca.whatif.sweeps), parameters are arrays that
    broadcast to that shape, one array dimension per axis, and each column comes back in
    the smallest shape its inputs give (broadcastable to ``n``, not materialised): a
    term that no axis varies stays one number, and the caller writes each column into
    its result block once. Returns columns
    named as the JSON keys of ``lca assess`` (``embodied_kgco2e``, ...), component columns as
    ``embodied_by_component_kgco2e.<name>``; NaN where a method cannot cover a component.
    The life cycle by category, stage and component follows as ``impacts.<category>.
    <stage>.<component>`` (totals over the lifetime in the category's unit, see
    lca.impacts), with stage sums ``impacts.<category>.<stage>`` and
    ``impacts.<category>.total`` for the stages and categories of ``compiled.boundary``.
    Every parameter is checked against the registry first; a caller that has checked the
    values already (a sweep checks each axis once, not each block of rows) names in
    ``check`` the parameters that still need it.
    """
    check_parameters(compiled, params, check)
    out: dict[str, np.ndarray] = {}

    def col(x) -> np.ndarray:
        return _column(x, n)

    shaped = type(n) is tuple
    embodied = 0.0 if shaped else np.zeros(n)
    for spec in compiled.components:
        term = compiled.terms[spec.name]
        key = f"embodied_by_component_kgco2e.{spec.name}"
        if term.evaluate is None:
            out[key] = col(np.nan) if shaped else np.full(n, np.nan)
            continue
        value = col(term.evaluate(params))
        out[key] = value
        embodied = embodied + value

    if compiled.power_mode == "profile":
        mean_power = operational.mean_power_from_profile(
            [params[f"profile.{i}.share"] for i in range(compiled.n_states)],
            [params[f"profile.{i}.power"] for i in range(compiled.n_states)])
    else:
        mean_power = operational.linear_power_curve(
            params["utilization"], params["idle_power"], params["max_power"])
    it_energy = operational.annual_energy(mean_power)
    energy = operational.facility_energy(it_energy, params["pue"])
    op_year = operational.emissions(energy, params["grid"])
    emb_year = allocation.amortise(embodied, params["lifetime"])
    total_year = emb_year + op_year

    out["embodied_kgco2e"] = col(embodied)
    out["mean_power_w"] = col(mean_power)
    out["energy_kwh_per_year"] = col(energy)
    out["operational_kgco2e_per_year"] = col(op_year)
    out["embodied_kgco2e_per_year"] = col(emb_year)
    out["total_kgco2e_per_year"] = col(total_year)
    out["lifetime_kgco2e"] = col(total_year * params["lifetime"])
    with np.errstate(invalid="ignore", divide="ignore"):
        out["use_phase_share"] = col(op_year / total_year)
    from .impacts import _nansum   # on-site + off-site; NaN only when neither is covered
    per_year = {"gwp": op_year, "onsite": water.onsite(it_energy, params["wue"]),
                "offsite": _unless_unknown(params["water_intensity"], lambda w: water.offsite(
                    it_energy, params["pue"], w))}
    out["use_water_l_per_year"] = col(_nansum([per_year["onsite"], per_year["offsite"]], n))
    if compiled.functional_unit is not None:
        kind = compiled.functional_unit
        rate = params.get(f"functional_unit.{kind}", 1.0)
        units = functional.units_per_year(kind, rate)
        out["per_functional_unit.total_gco2e"] = col(functional.per_unit(total_year, units))
        out["per_functional_unit.embodied_gco2e"] = col(functional.per_unit(emb_year, units))
        out["per_functional_unit.operational_gco2e"] = col(functional.per_unit(op_year, units))
    out.update(lifecycle_columns(compiled, params, out, per_year, energy, mean_power, n))
    return out


#: Components of the stages that are not costed part by part.
STAGE_COMPONENTS = {"transport": ("system",), "end_of_life": ("system",),
                    "infrastructure": ("data centre",)}
USE_COMPONENTS = {"water": ("on-site cooling", "electricity generation")}


def _column(x, n: "int | tuple[int, ...]") -> np.ndarray:
    """``x`` as a float column of ``n`` scenarios (a view of a scalar, no copy); for a
    shape ``n`` (see :func:`evaluate`), ``x`` as a float array broadcastable to it."""
    if type(n) is tuple:
        return x if type(x) is np.ndarray and x.dtype == np.float64 else np.asarray(x, dtype=float)
    if type(x) is np.ndarray and x.shape == (n,) and x.dtype == np.float64:
        return x
    if n > 1 and type(x) in (float, np.float64):
        return _constant_column(x, n)
    a = np.asarray(x, dtype=float)
    if n == 1:   # one scenario: a (1,) view of the value, cheaper than a broadcast view
        return a.reshape(1)
    if a.size == 1 and a.ndim <= 1:
        # one value for every scenario: a read-only stride-0 view, built directly (about
        # a third of np.broadcast_to's cost, which a sweep pays per column per block)
        view = np.ndarray((n,), dtype=np.float64, buffer=a.reshape(1), strides=(0,))
        view.flags.writeable = False
        return view
    return np.broadcast_to(a, (n,))


@functools.lru_cache(maxsize=512)
def _constant_column(value: float, n: int) -> np.ndarray:
    """A read-only stride-0 column of ``n`` times ``value``, kept for reuse: a sweep asks
    for the same constants (stage columns without a factor, terms that no axis varies) in
    every block of rows. Read-only, so sharing one view between columns is safe."""
    a = np.array([value], dtype=float)
    view = np.ndarray((n,), dtype=np.float64, buffer=a, strides=(0,))
    view.flags.writeable = False
    return view


def _unless_unknown(factor, fn):
    """``fn(factor)``, or a scalar NaN without computing when ``factor`` is a scalar NaN
    (a per-kWh factor not known for any scenario: not covered)."""
    if np.ndim(factor) == 0 and np.isnan(factor):
        return np.nan
    return fn(factor)


def lifecycle_structure(compiled: Compiled) -> dict[tuple[str, str], list[tuple[str, bool]]]:
    """(category, stage) -> [(component, covered)] for the boundary: which cells exist
    and which have a factor (known when the BOM is compiled, the same for every scenario).
    Manufacturing covers a component in a category where its method's term has an
    evaluator for it; transport, end of life and infrastructure have GWP factors only; the
    use phase covers every category (a region without electricity data gives NaN there)."""
    if compiled.structure:
        return compiled.structure
    b = compiled.boundary
    out: dict[tuple[str, str], list[tuple[str, bool]]] = {}
    for stage in b.stages:
        for c in b.categories:
            if stage == "manufacturing":
                out[(c, stage)] = [(spec.name, compiled.terms[spec.name].evaluator(c) is not None)
                                   for spec in compiled.components]
            elif stage == "use":
                out[(c, stage)] = [(name, True) for name in USE_COMPONENTS.get(c, ("electricity",))]
            else:
                covered = c == "gwp" and not (stage == "transport" and not compiled.transport_modes)
                out[(c, stage)] = [(name, covered) for name in STAGE_COMPONENTS[stage]]
    compiled.structure = out
    return out


def lifecycle_layout(compiled: Compiled) -> list[tuple[str, str, str, str | None]]:
    """Where each life-cycle cell lives among the columns of :func:`evaluate`:
    (category, stage, component, column or None when not covered). GWP manufacturing
    reads ``embodied_by_component_kgco2e.<name>``; a stage with one covered component keeps
    it in the stage column ``impacts.<category>.<stage>``; several covered components get
    ``impacts.<category>.<stage>.<component>`` columns besides the stage sum. Every stage
    of the boundary has its stage column in every category (NaN where nothing is covered)."""
    out = []
    for (c, stage), comps in lifecycle_structure(compiled).items():
        covered = [name for name, ok in comps if ok]
        for name, ok in comps:
            if not ok:
                col_name = None
            elif (c, stage) == ("gwp", "manufacturing"):
                col_name = f"embodied_by_component_kgco2e.{name}"
            elif len(covered) == 1:
                col_name = column(c, stage)
            else:
                col_name = column(c, stage, name)
            out.append((c, stage, name, col_name))
    return out


def lifecycle_impacts(compiled: Compiled, columns: Mapping[str, Any], notes=()) -> "Impacts":
    """The :class:`lca.impacts.Impacts` of evaluated ``columns`` (one row or many), with
    not-covered cells as NaN."""
    from .impacts import Impacts

    cells = {}
    n = len(np.atleast_1d(next(iter(columns.values()))))
    for c, stage, name, col_name in lifecycle_layout(compiled):
        cells[(c, stage, name)] = (np.full(n, np.nan) if col_name is None
                                   else np.atleast_1d(np.asarray(columns[col_name], dtype=float)))
    return Impacts(cells, compiled.boundary, list(notes))


def _covered_values(compiled: Compiled, params: Mapping[str, Any], per_year, energy,
                    mean_power) -> dict[tuple[str, str], dict[str, Any]]:
    """(category, stage) -> {component: value over the lifetime} for the covered cells
    other than GWP manufacturing (which is ``embodied_by_component_kgco2e``).
    ``per_year`` holds the use phase's yearly GWP and on-site / off-site water."""
    life = params["lifetime"]
    values: dict[tuple[str, str], dict[str, Any]] = {}
    for (c, stage), comps in lifecycle_structure(compiled).items():
        names = [name for name, ok in comps if ok]
        if not names or (c, stage) == ("gwp", "manufacturing"):
            continue
        if stage == "manufacturing":
            values[(c, stage)] = {name: compiled.terms[name].evaluator(c)(params) for name in names}
        elif stage == "use":
            if c == "water":
                values[(c, stage)] = {"on-site cooling": per_year["onsite"] * life,
                                      "electricity generation": _unless_unknown(
                                          per_year["offsite"], lambda w: w * life)}
            elif c == "gwp":
                values[(c, stage)] = {"electricity": per_year["gwp"] * life}
            else:
                values[(c, stage)] = {"electricity": _unless_unknown(
                    params[f"{c}_intensity"], lambda f: operational.emissions(energy, f) * life)}
        elif stage == "transport":
            values[(c, stage)] = {"system": sum(
                transport.leg_emissions(params["mass"], params[f"transport.{i}.distance"],
                                        params[f"factors.transport.{mode}"])
                for i, mode in enumerate(compiled.transport_modes))}
        elif stage == "end_of_life":
            values[(c, stage)] = {"system": end_of_life.treatment(
                params["mass"], params[f"factors.end_of_life.{compiled.eol_material}"])}
        else:
            values[(c, stage)] = {"data centre": infrastructure.share(
                params["factors.infrastructure.per_kw_year"], mean_power, life)}
    return values


def lifecycle_columns(compiled: Compiled, params: Mapping[str, Any], out: Mapping[str, np.ndarray],
                      per_year, energy, mean_power, n: int) -> dict[str, np.ndarray]:
    """The ``impacts.*`` columns (see :func:`lifecycle_layout`): covered cells, stage sums
    and one total per category of the boundary (NaN-aware: a sum is NaN only when nothing
    in it is covered). Cells without a factor get no column (they are NaN in
    :func:`lifecycle_impacts`), which keeps a sweep's rows narrow."""
    from .impacts import _nansum

    def col(x) -> np.ndarray:
        return _column(x, n)

    cols: dict[str, np.ndarray] = {}
    b = compiled.boundary
    stage_sums: dict[str, list[np.ndarray]] = {c: [] for c in b.categories}
    # every stage x category of the boundary has its stage column (NaN: not covered), the
    # contract of issue 11's milestone that fleets and others read
    nan = _column(np.nan, n)
    for stage in b.stages:
        for c in b.categories:
            cols[column(c, stage)] = nan
    if "manufacturing" in b.stages and "gwp" in stage_sums and any(
            compiled.terms[spec.name].evaluate is not None for spec in compiled.components):
        cols[column("gwp", "manufacturing")] = out["embodied_kgco2e"]
        stage_sums["gwp"].append(out["embodied_kgco2e"])
    for (c, stage), comps in _covered_values(compiled, params, per_year, energy, mean_power).items():
        if len(comps) == 1:
            s = next(iter(comps.values()))
        else:
            for name, v in comps.items():
                cols[column(c, stage, name)] = col(v)
            s = _nansum(list(comps.values()), n)
        cols[column(c, stage)] = col(s)
        stage_sums[c].append(s)
    for c, sums in stage_sums.items():
        cols[column(c)] = col(_nansum(sums, n))
    return cols
