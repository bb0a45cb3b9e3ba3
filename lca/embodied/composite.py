"""composite: lca's complete default estimate, the best published source for each part.

Every component type of the BOM format is costed, each from the source judged best for
that part; ``data/factors/composite.yaml`` (``choices:``) names the source of each and the
reason. Factors taken from another method keep that method's parameter name
(``factors.act2022.*``, ``factors.boavizta.*``, ``factors.clemm2024.*``), so sweeps and
Monte Carlo vary the published figure itself; the figures no other method carries are
``factors.composite.*``. All results in kgCO2e:

* logic (any role): ACT, ``area x CPA(node) + packages x 150 g`` (``lca.embodied.act2022``;
  BOM ``embodied:`` options fab_grid, gas_abatement, yield apply).
* memory ``hbm*``: ``capacity [GB] x hbm.per_gb`` (NVIDIA HGX H100 PCF memory line per GB:
  the whole stack). Logic dies with ``part_of:`` an HBM component are inside it: 0.
* other memory (DDR, LPDDR, GDDR): ``die area x boavizta ram.die + modules x ram.base``;
  die area from dies x die_area, else capacity / density (the BOM's or Boavizta's
  default); modules from the BOM, else one per unit for DDR and none for soldered
  GDDR/LPDDR.
* storage ``ssd``: ``capacity x nand.per_gb + ssd.base``; ``hdd``: ``hdd.base`` per drive.
* pcb: clemm2024's assembled-board factor, ``area x pcb x layers / 16``.
* item ``psu``: mass (or Boavizta's default mass) x ``power_supply.per_mass``; ``heatsink``:
  mass x ``gpu.heatsink``; ``casing``: mass x ``gpu.casing``; ``chassis``: mass x material
  factor (steel, aluminium), without a mass Boavizta's ``case.rack``; ``assembly``:
  ``assembly.base``; fans, cables and other items: mass x material factor, or mass x
  ``gpu.casing`` as a stand-in (said in the result's notes).

A component the method cannot cost raises :class:`lca.errors.CoverageError` naming the
component and the way out (give capacity, mass, carbon or a factor): the default total is
never silently partial.

References
----------
U. Gupta et al., ACT, ISCA 2022, doi:10.1145/3470496.3527408. NVIDIA, HGX H100 Product
Carbon Footprint summary (ISO 14067), 2025. Boavizta, BoaviztAPI documentation
(doc.api.boavizta.org); Groeger et al., Umweltbundesamt Texte 94/2021. C. Clemm et al.,
"Towards Green AI", 2024, Table I. S. Tannu, P. Nair, "The Dirty Secret of SSDs: Embodied
Carbon", HotCarbon 2022.
"""

from __future__ import annotations

from typing import Any

from .. import data
from ..errors import CoverageError
from . import act2022, boavizta, clemm2024
from .protocol import ComponentSpec, ComponentTerm, amount, common_term

NAME = "composite"


def _key(name: str) -> str:
    return f"factors.{NAME}.{name}"


def _bz(name: str) -> str:
    return f"factors.boavizta.{name}"


def _cl(name: str) -> str:
    return f"factors.clemm2024.{name}"


# --- the published pieces, as small pure vectorized functions ----------------------------

def per_amount(amount_, factor):
    """Carbon [kgCO2e] of an amount (GB, kg, cm^2) times its factor [kgCO2e per unit]."""
    return amount_ * factor


def die_and_module_carbon(die_area_cm2, die_factor, modules, module_base):
    """DRAM [kgCO2e]: die area [cm^2] x die factor [kgCO2e/cm^2] + modules [-] x base
    [kgCO2e] (Boavizta's RAM model)."""
    return die_area_cm2 * die_factor + modules * module_base


def drive_carbon(capacity_gb, per_gb, drives, base):
    """SSD [kgCO2e]: capacity [GB] x NAND factor [kgCO2e/GB] + drives [-] x base [kgCO2e]."""
    return capacity_gb * per_gb + drives * base


# --- options and parameters ---------------------------------------------------------------

def _is_hbm(technology: str | None) -> bool:
    return (technology or "").lower().startswith("hbm")


def _is_soldered(technology: str | None) -> bool:
    return (technology or "").lower().startswith(("gddr", "lpddr"))


def options(bom: Any) -> dict[str, Any]:
    """ACT's options (fab grid, abatement, yield) for the logic dies, and which components
    are HBM (their ``part_of`` dies are counted inside them)."""
    act = act2022.options(bom)
    hbm = {c.name for c in bom.components if c.type == "memory" and _is_hbm(c.technology)}
    materials = {}
    for c in bom.components:
        if c.type == "item" and c.material is not None:
            materials[c.name] = act["components"].get(c.name, {}).get("material")
    return {"act": act, "hbm": hbm, "materials": materials, "notes": list(act["notes"])}


#: Boavizta figures the composite reads (by their path in boavizta.yaml).
BOAVIZTA_KEYS = ("ram.die", "ram.base", "ram.density", "ssd.base", "hdd.base",
                 "power_supply.per_mass", "power_supply.mass", "gpu.heatsink", "gpu.casing",
                 "case.rack", "assembly.base")
CLEMM_KEYS = ("pcb", "pcb_reference_layers")


def factor_parameters(options: dict[str, Any]) -> dict[str, data.Figure]:
    """Every factor the composite reads: ACT's (logic, materials), Boavizta's, clemm2024's
    PCB figure, and its own ``factors.composite.*``."""
    out = {k: f for k, f in act2022.factor_parameters(options["act"]).items()
           if not k.startswith(("factors.act2022.dram.", "factors.act2022.ssd.",
                                "factors.act2022.hdd.", "factors.act2022.pcb"))}
    bz = data.factor_figures("boavizta")
    out.update({_bz(k): bz[k] for k in BOAVIZTA_KEYS})
    cl = data.factor_figures("clemm2024")
    out.update({_cl(k): cl[f"factors.{k}"] for k in CLEMM_KEYS})
    own = data.factor_figures(NAME)
    out.update({_key(p.split(".", 1)[1]): f for p, f in own.items() if p.startswith("factors.")})
    return out


# --- terms ---------------------------------------------------------------------------------

def _uncovered(spec: ComponentSpec, why: str) -> CoverageError:
    return CoverageError(
        f"components.{spec.name}: the composite method cannot cost this {spec.type}: {why}")


def term(spec: ComponentSpec, options: dict[str, Any]) -> ComponentTerm:
    """How the composite costs ``spec``; raises CoverageError when it cannot."""
    shared = common_term(spec)
    if shared is not None:
        if shared.evaluate is None:
            raise _uncovered(spec, f"{shared.reason}: give {spec.factor_basis}, or carbon")
        return shared
    if spec.part_of is not None and spec.part_of in options["hbm"]:
        return ComponentTerm(lambda P: 0.0, basis=f"inside {spec.part_of} (HBM per GB covers the stack)")
    builder = {"logic": _logic, "memory": _memory, "storage": _storage, "pcb": _pcb,
               "item": _item}[spec.type]
    return builder(spec, options)


def _logic(spec, options):
    t = act2022.term(spec, options["act"])
    if t.evaluate is None:
        raise _uncovered(spec, f"{t.reason}; give node as one of ACT's rows or a factor "
                         "(e.g. \"2.5 kgCO2e/cm^2\")")
    return ComponentTerm(t.evaluate, basis=f"ACT: {t.basis}", factor_keys=t.factor_keys, note=t.note)


def _memory(spec, options):
    n = spec.key("count")
    if _is_hbm(spec.technology):
        cap = amount(spec, "capacity")
        if cap is None:
            raise _uncovered(spec, "HBM is costed per GB: give capacity (e.g. \"80 GB\")")
        f = _key("hbm.per_gb")
        return ComponentTerm(lambda P: per_amount(cap(P), P[f]), basis="capacity x hbm.per_gb "
                             "(NVIDIA HGX H100 PCF)", factor_keys=(f,))
    die, base = _bz("ram.die"), _bz("ram.base")
    area = amount(spec, "area")
    keys = (die, base)
    if area is None:
        cap, dens = spec.key("capacity"), _bz("ram.density")
        area = lambda P: P[n] * P[cap] / P[dens]
        keys += (dens,)
    if spec.has("modules"):
        mk = spec.key("modules")
        modules = lambda P: P[n] * P[mk]
    elif _is_soldered(spec.technology):
        modules = lambda P: 0.0
    else:
        modules = lambda P: P[n]
    return ComponentTerm(lambda P: die_and_module_carbon(area(P), P[die], modules(P), P[base]),
                         basis="die area x boavizta ram.die + modules x ram.base", factor_keys=keys)


def _storage(spec, options):
    n = spec.key("count")
    if spec.technology == "hdd":
        base = _bz("hdd.base")
        return ComponentTerm(lambda P: P[n] * P[base], basis="hdd.base per drive (Boavizta)",
                             factor_keys=(base,))
    cap, f, base = amount(spec, "capacity"), _key("nand.per_gb"), _bz("ssd.base")
    return ComponentTerm(lambda P: drive_carbon(cap(P), P[f], P[n], P[base]),
                         basis="capacity x nand.per_gb + ssd.base per drive", factor_keys=(f, base))


def _pcb(spec, options):
    area, layers = amount(spec, "area"), spec.key("layers")
    f, ref = _cl("pcb"), _cl("pcb_reference_layers")
    return ComponentTerm(lambda P: clemm2024.pcb_carbon(area(P), P[layers], P[f], P[ref]),
                         basis="board area x clemm2024 pcb x layers/16", factor_keys=(f, ref))


def _by_mass(spec, factor_key, basis, note=None):
    mass = amount(spec, "mass")
    if mass is None:
        raise _uncovered(spec, f"a {spec.category} is costed by mass: give mass (e.g. \"2 kg\"), "
                         "carbon or a factor")
    return ComponentTerm(lambda P: per_amount(mass(P), P[factor_key]), basis=basis,
                         factor_keys=(factor_key,), note=note)


def _item(spec, options):
    n = spec.key("count")
    cat = spec.category
    material = options["materials"].get(spec.name)
    if cat == "psu":
        f, default_mass = _bz("power_supply.per_mass"), _bz("power_supply.mass")
        if amount(spec, "mass") is None:
            return ComponentTerm(lambda P: P[n] * P[default_mass] * P[f],
                                 basis="Boavizta default PSU mass x power_supply.per_mass",
                                 factor_keys=(f, default_mass),
                                 note="no mass given: Boavizta's default power-supply mass")
        return _by_mass(spec, f, "mass x boavizta power_supply.per_mass")
    if cat == "heatsink":
        return _by_mass(spec, _bz("gpu.heatsink"), "mass x boavizta gpu.heatsink")
    if cat == "casing":
        return _by_mass(spec, _bz("gpu.casing"), "mass x boavizta gpu.casing")
    if cat == "assembly":
        f = _bz("assembly.base")
        return ComponentTerm(lambda P: P[n] * P[f], basis="boavizta assembly.base", factor_keys=(f,))
    if material is not None and amount(spec, "mass") is not None:
        f = f"factors.act2022.material.{material}"
        return _by_mass(spec, f, f"mass x material.{material}",
                        note=f"{material} by mass at the primary-metal factor "
                             "(forming not included: a lower bound)")
    if cat == "chassis" and amount(spec, "mass") is None:
        f = _bz("case.rack")
        return ComponentTerm(lambda P: P[n] * P[f], basis="boavizta case.rack per chassis",
                             factor_keys=(f,), note="no chassis mass: Boavizta's rack case")
    return _by_mass(spec, _bz("gpu.casing"), "mass x boavizta gpu.casing (stand-in)",
                    note=f"no per-kg figure for a {cat} item"
                         f"{' of ' + spec.material if spec.material else ''}: costed at "
                         "Boavizta's card-casing factor (mixed metal and plastic) as a stand-in")
