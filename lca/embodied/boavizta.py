"""boavizta: BoaviztAPI's bottom-up server method.

Boavizta, BoaviztAPI documentation, https://doc.api.boavizta.org (component pages), with
constants that trace back to Groeger et al., "Green Cloud Computing", Umweltbundesamt
Texte 94/2021; the GPU card model follows Boavizta's bottom-up GPU methodology
(Boavizta/boaviztapi#65, #440). Constants in ``data/factors/boavizta.yaml``. This module is
lca's own code written from the published constants; no BoaviztAPI (AGPL-3.0) file is used.

How lca maps BOM components to Boavizta's parts (all results in kgCO2e):

* logic, role ``processor`` -> CPU: ``die area [cm^2] x cpu.die + packages x cpu.base``.
* logic, role ``accelerator`` -> GPU die: ``dies x effective_area(die area) [mm^2] x gpu.die``
  (effective area on the wafer: wafer share per die / yield, see :func:`effective_area`).
* logic, role ``other`` -> Boavizta has no other-IC part: die area x ``cpu.die``, no base
  (the result says so).
* memory ``hbm*``/``gddr*`` -> VRAM: die area per die = capacity x ``gpu.vram_area_per_gb`` /
  dies, then ``dies x effective_area x gpu.vram``.
* other memory (DDR, LPDDR) -> RAM: ``capacity / ram.density [cm^2] x ram.die + modules x
  ram.base`` (the BOM's own ``density`` when it gives one; one module per unit when it
  gives no ``modules``).
* storage ``ssd`` -> ``capacity / ssd.density x ssd.die + ssd.base``; ``hdd`` -> ``hdd.base``.
* pcb ``role: mainboard`` (default) -> ``motherboard.base`` per board, whatever its size;
  ``role: module`` (accelerator modules and baseboards) -> area x ``gpu.board``.
* item ``psu`` -> mass (or ``power_supply.mass``) x ``power_supply.per_mass``; ``chassis`` ->
  ``case.rack``; ``heatsink`` -> mass x ``gpu.heatsink``; ``assembly`` -> ``assembly.base``;
  other items -> not covered unless they give carbon or a factor.

Boavizta's per-server assembly (6.68 kgCO2e) is counted only when the BOM lists an item of
category ``assembly``. Of the GPU card model, the dies, VRAM and board are costed from the
BOM's components; the card's casing, transport and end of life (per kg of card) are not,
since a BOM gives no card mass (thermal parts given as heatsink items are costed by mass).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import data
from ..units import factor
from .protocol import ComponentSpec, ComponentTerm, amount, common_term

NAME = "boavizta"

#: Physical unit conversion (not a factor).
MM2_PER_CM2 = factor("cm^2", "mm^2")

#: Top-level groups of boavizta.yaml that hold embodied factors (use and lifetime do not).
EMBODIED_GROUPS = ("cpu", "ram", "ssd", "hdd", "motherboard", "power_supply", "case",
                   "assembly", "gpu")


# --- the published model: small pure vectorized functions ---------------------------------

def effective_area(die_area_mm2, wafer_diameter_mm, kerf_mm, defect_density_per_cm2):
    """Wafer area consumed per good die [mm^2] (Boavizta's effective-area model).

    ``a = (sqrt(A) + kerf)^2``; dies per wafer ``n = pi r^2 / a - pi d / sqrt(2 a)``;
    wafer share ``pi r^2 / n``; yield ``exp(-sqrt(a [cm^2] x D0))``; effective area =
    share / yield. Die area A [mm^2], wafer diameter d [mm], kerf [mm], D0 [1/cm^2].
    """
    a = (np.sqrt(die_area_mm2) + kerf_mm) ** 2
    r = wafer_diameter_mm / 2.0
    dies_per_wafer = np.pi * r ** 2 / a - np.pi * wafer_diameter_mm / np.sqrt(2.0 * a)
    share = np.pi * r ** 2 / dies_per_wafer
    die_yield = np.exp(-np.sqrt(a / MM2_PER_CM2 * defect_density_per_cm2))
    return share / die_yield


def cpu_carbon(die_area_cm2, cpus, die_factor, base):
    """CPUs [kgCO2e]: die area [cm^2] x die factor [kgCO2e/cm^2] + CPUs [-] x base [kgCO2e]."""
    return die_area_cm2 * die_factor + cpus * base


def die_bank_carbon(capacity_gb, density_gb_per_cm2, units, die_factor, base):
    """RAM modules or SSDs [kgCO2e]: die area ``capacity [GB] / density [GB/cm^2]`` x die
    factor [kgCO2e/cm^2] + units (modules or disks) [-] x base [kgCO2e]."""
    return capacity_gb / density_gb_per_cm2 * die_factor + units * base


def gpu_die_carbon(dies, die_area_mm2, factor_per_mm2, wafer_diameter_mm, kerf_mm,
                   defect_density_per_cm2):
    """Accelerator or VRAM dies [kgCO2e]: dies [-] x effective area [mm^2] x factor
    [kgCO2e/mm^2 of effective area]."""
    return dies * effective_area(die_area_mm2, wafer_diameter_mm, kerf_mm,
                                 defect_density_per_cm2) * factor_per_mm2


def vram_die_area(capacity_gb, dies, area_per_gb_mm2):
    """Area of one VRAM die [mm^2]: capacity [GB] x area per GB [mm^2/GB] / dies [-]."""
    return capacity_gb * area_per_gb_mm2 / dies


# --- options and parameters ---------------------------------------------------------------

def _key(name: str) -> str:
    return f"factors.{NAME}.{name}"


def options(bom: Any) -> dict[str, Any]:
    return {"notes": []}


def factor_parameters(options: dict[str, Any]) -> dict[str, data.Figure]:
    """Boavizta's embodied constants as ``factors.boavizta.<path>`` figures."""
    return {_key(path): fig for path, fig in data.factor_figures(NAME).items()
            if path.split(".", 1)[0] in EMBODIED_GROUPS}


def _is_vram(technology: str | None) -> bool:
    return (technology or "").lower().startswith(("hbm", "gddr"))


class _NoFactor(Exception):
    """BoaviztAPI has no factor of this category for a part."""


#: Impact categories besides gwp with per-part factors (``<part>.<category>.<leaf>``).
OTHER_CATEGORIES = ("adpe", "pe")


def _category_key(category: str):
    """Factor-name mapper of one category: gwp factors (units in kgCO2e) map to the same
    part's ``<group>.<category>.<leaf>`` figure; other parameters (densities, masses, the
    effective-area model) are shared by every category. Raises _NoFactor when the part has
    no factor of that category."""
    figures = data.factor_figures(NAME)

    def K(path: str) -> str:
        if category == "gwp" or "kgCO2e" not in figures[path].unit:
            return _key(path)
        group, leaf = path.split(".", 1)
        alt = f"{group}.{category}.{leaf}"
        if alt not in figures:
            raise _NoFactor(path)
        return _key(alt)

    return K


def term(spec: ComponentSpec, options: dict[str, Any]) -> ComponentTerm:
    """How boavizta costs ``spec``: the gwp term, plus ADPe and PE where BoaviztAPI's
    documentation gives those factors for the part (BoaviztAPI has them for CPU, RAM, SSD,
    HDD, motherboard, power supply, case and assembly, not for its GPU card model)."""
    shared = common_term(spec)
    if shared is not None:
        return shared
    main = _build(spec, _category_key("gwp"))
    if main.evaluate is None:
        return main
    impacts = {}
    for category in OTHER_CATEGORIES:
        try:
            t = _build(spec, _category_key(category))
        except _NoFactor:
            continue
        if t.evaluate is not None:
            impacts[category] = t.evaluate
    return ComponentTerm(main.evaluate, basis=main.basis, factor_keys=main.factor_keys,
                         reason=main.reason, note=main.note, impacts=impacts)


def _build(spec: ComponentSpec, K) -> ComponentTerm:
    """The term of ``spec`` with factor names from ``K`` (one impact category)."""
    n = spec.key("count")
    count = lambda P: P[n]
    ea = [K(f"gpu.effective_area.{k}") for k in ("wafer_diameter", "kerf", "defect_density")]

    if spec.type == "logic":
        area = amount(spec, "area")
        if spec.role == "processor":
            die, base, pk = K("cpu.die"), K("cpu.base"), spec.key("packages")
            return ComponentTerm(
                lambda P: cpu_carbon(area(P), P[n] * P[pk], P[die], P[base]),
                basis="CPU: die area x cpu.die + packages x cpu.base", factor_keys=(die, base))
        if spec.role == "accelerator":
            f = K("gpu.die")
            if spec.has("dies"):
                d, da = spec.key("dies"), spec.key("die_area")
                per_die = lambda P: P[da] * MM2_PER_CM2
                dies = lambda P: P[n] * P[d]
            else:
                a = spec.key("area")
                per_die = lambda P: P[a] * MM2_PER_CM2
                dies = count
            return ComponentTerm(
                lambda P: gpu_die_carbon(dies(P), per_die(P), P[f], *(P[k] for k in ea)),
                basis="GPU die: dies x effective area x gpu.die", factor_keys=(f, *ea))
        die = K("cpu.die")
        return ComponentTerm(lambda P: area(P) * P[die], basis="die area x cpu.die",
                             factor_keys=(die,),
                             note="Boavizta has no part for other ICs: costed at its CPU die "
                                  "factor per area, without the per-CPU base")

    if spec.type == "memory":
        if not spec.has("capacity"):
            return ComponentTerm(None, reason="Boavizta costs memory from its capacity: give capacity")
        cap = spec.key("capacity")
        if _is_vram(spec.technology):
            if not spec.has("dies"):
                return ComponentTerm(None, reason="Boavizta's VRAM model needs the number of "
                                     "memory dies: give dies (and die_area)")
            d, f, per_gb = spec.key("dies"), K("gpu.vram"), K("gpu.vram_area_per_gb")
            return ComponentTerm(
                lambda P: gpu_die_carbon(P[n] * P[d], vram_die_area(P[cap], P[d], P[per_gb]),
                                         P[f], *(P[k] for k in ea)),
                basis="VRAM: dies x effective area(capacity x vram_area_per_gb / dies) x gpu.vram",
                factor_keys=(f, per_gb, *ea))
        die, base = K("ram.die"), K("ram.base")
        density = spec.key("density") if spec.has("density") else K("ram.density")
        note = None
        if spec.has("modules"):
            mk = spec.key("modules")
            modules = lambda P: P[n] * P[mk]
        else:
            modules = count
            note = "module count not given: one RAM module per unit assumed"
        keys = (die, base) if spec.has("density") else (die, base, density)
        return ComponentTerm(
            lambda P: die_bank_carbon(P[n] * P[cap], P[density], modules(P), P[die], P[base]),
            basis="RAM: capacity / density x ram.die + modules x ram.base", factor_keys=keys,
            note=note)

    if spec.type == "storage":
        cap = spec.key("capacity")
        if spec.technology == "hdd":
            base = K("hdd.base")
            return ComponentTerm(lambda P: P[n] * P[base], basis="HDD: hdd.base per disk",
                                 factor_keys=(base,))
        die, base, density = K("ssd.die"), K("ssd.base"), K("ssd.density")
        return ComponentTerm(
            lambda P: die_bank_carbon(P[n] * P[cap], P[density], P[n], P[die], P[base]),
            basis="SSD: capacity / ssd.density x ssd.die + ssd.base", factor_keys=(die, base, density))

    if spec.type == "pcb":
        if spec.role == "module":
            area, f = amount(spec, "area"), K("gpu.board")
            return ComponentTerm(lambda P: area(P) * P[f], basis="board area x gpu.board",
                                 factor_keys=(f,))
        base = K("motherboard.base")
        return ComponentTerm(lambda P: P[n] * P[base], basis="motherboard.base per board",
                             factor_keys=(base,),
                             note="costed as Boavizta's motherboard (one fixed value per board, "
                                  "whatever its area and layers)")

    if spec.type == "item":
        mass = amount(spec, "mass")
        if spec.category == "psu":
            f, default_mass = K("power_supply.per_mass"), K("power_supply.mass")
            if mass is None:
                return ComponentTerm(lambda P: P[n] * P[default_mass] * P[f],
                                     basis="power_supply.mass x power_supply.per_mass",
                                     factor_keys=(f, default_mass),
                                     note="no mass given: Boavizta's default power-supply mass")
            return ComponentTerm(lambda P: mass(P) * P[f], basis="mass x power_supply.per_mass",
                                 factor_keys=(f,))
        if spec.category == "chassis":
            f = K("case.rack")
            return ComponentTerm(lambda P: P[n] * P[f], basis="case.rack per chassis",
                                 factor_keys=(f,),
                                 note="costed as Boavizta's rack case (one fixed value, whatever its mass)")
        if spec.category == "assembly":
            f = K("assembly.base")
            return ComponentTerm(lambda P: P[n] * P[f], basis="assembly.base", factor_keys=(f,))
        if spec.category == "heatsink" and mass is not None:
            f = K("gpu.heatsink")
            return ComponentTerm(lambda P: mass(P) * P[f], basis="mass x gpu.heatsink",
                                 factor_keys=(f,))
        return ComponentTerm(None, reason=f"Boavizta has no part for an item of category "
                             f"{spec.category!r} (it has power supply, case, heatsink by mass, "
                             "assembly): give carbon or a factor")
    return ComponentTerm(None, reason=f"Boavizta has no part for component type {spec.type}")
