"""Server power from its parts, for BOMs that give parts and a utilization but no powers.

Pipeline (:func:`from_parts`):

1. chips (logic with role processor or accelerator, and any part with a ``tdp:`` or
   ``power:``): from full load down to idle on a straight line, ``P(u) = TDP x (f + (1 -
   f) u)`` with ``f`` the idle fraction (a device's own idle power where the library has
   one; else SPECpower-based CPU and measured accelerator fractions of ``data/power.yaml``);
   a part's own ``power: {active, idle}`` wins over its TDP;
2. DRAM per GB, SSD and HDD per TB (constant in load);
3. fans listed without a power: a fraction of the other parts' power;
4. power supplies: the DC load divided by the 80 PLUS efficiency of their level at their
   load (``load = P_dc / (supplies x rated power)``; 50 % when no rating is given);
5. the use phase's ``idle_power`` and ``max_power`` are the wall power at u = 0 and u = 1.

Given powers still win: a BOM with ``usage.idle_power`` and ``max_power`` (or a profile)
never reaches this module. A part the model needs a power for and cannot find one (a NIC
without ``power:``, a processor without TDP, device or power) is a
:class:`~lca.errors.BomError` naming the component and the field to give.

:func:`boavizta_server_power` evaluates BoaviztAPI's documented server model on the same
parts for comparison (README, "Power from parts", says where and why the two differ).

References
----------
Cloud Carbon Footprint, Methodology (cloudcarbonfootprint.org/docs/methodology) and its
SPECpower_ssj2008-based coefficients; 80 PLUS programme requirements (CLEAResult); J.
Neudorfer, eWeek 2009 (fans); Boavizta, BoaviztAPI documentation, CPU, RAM and server pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import data
from .errors import BomError
from .units import factor

GB_PER_TB = factor("TB", "GB")


# --- the published pieces: small pure vectorized functions -----------------------------------

def chip_power(tdp_w, idle_fraction, utilization):
    """Power of a chip [W] at ``utilization`` [0-1]: ``TDP [W] x (f + (1 - f) u)``, the
    linear min-to-max model of Cloud Carbon Footprint (from SPECpower_ssj2008)."""
    u = np.asarray(utilization, dtype=float)
    return tdp_w * (idle_fraction + (1.0 - idle_fraction) * u)


def psu_efficiency(load, load_points, efficiencies):
    """Efficiency [-] of a power supply at ``load`` [fraction of rated], linear between the
    80 PLUS test points and flat outside them."""
    return np.interp(np.asarray(load, dtype=float), load_points, efficiencies)


def wall_power(dc_w, efficiency):
    """Power drawn from the wall [W]: DC load [W] / efficiency [-]."""
    return np.asarray(dc_w, dtype=float) / efficiency


def boavizta_cpu_power(load_percent, a, b, c, d):
    """BoaviztAPI's CPU consumption profile [W] at ``load_percent`` [0-100]:
    ``a ln(b (load + c)) + d`` (BoaviztAPI docs, CPU component page)."""
    return a * np.log(b * (np.asarray(load_percent, dtype=float) + c)) + d


# --- figures --------------------------------------------------------------------------------

def figures() -> dict[str, Any]:
    """The figures of ``data/power.yaml`` (Figure objects) and the 80 PLUS table."""
    raw = data.load_yaml("power.yaml")
    out = {path: fig for path, fig in data.iter_figures(raw)}
    out["psu"] = raw["psu"]
    return out


#: The figures of ``data/power.yaml`` that are model parameters (``power.<path>``: set
#: by override, swept, drawn by Monte Carlo over the figure's min-max when the power comes
#: from the parts). The 80 PLUS efficiency table has no range and is not one.
PARAMETER_PREFIX = "power."
UNCERTAIN_FIGURES = ("cpu.idle_fraction", "accelerator.idle_fraction", "dram.per_gb",
                     "ssd.per_tb", "hdd.per_tb", "fans.fraction", "psu.unrated_load")


def parameter_name(path: str) -> str:
    """Parameter name of a figure of data/power.yaml (``dram.per_gb`` -> ``power.dram.per_gb``)."""
    return PARAMETER_PREFIX + path


@dataclass
class PartsPower:
    """Wall power of a server from its parts at idle and at full load [W], with the DC
    power of each part at both ends and what was assumed."""

    idle_w: float
    max_w: float
    dc_idle: dict[str, float] = field(default_factory=dict)
    dc_max: dict[str, float] = field(default_factory=dict)
    efficiency_idle: float = 1.0
    efficiency_max: float = 1.0
    notes: list[str] = field(default_factory=list)
    #: Paths of the data/power.yaml figures this BOM's power depends on (UNCERTAIN_FIGURES).
    used: tuple[str, ...] = ()

    def at(self, utilization):
        """Wall power [W] at ``utilization`` on the use phase's straight line."""
        return self.idle_w + (self.max_w - self.idle_w) * np.asarray(utilization, dtype=float)

    @property
    def tdp_sum(self) -> float:
        """Sum of the parts' full-load DC powers [W]."""
        return float(sum(self.dc_max.values()))


def _device_power(device: str | None) -> tuple[float | None, float | None]:
    if not device:
        return None, None
    spec = data.device_spec(device)
    tdp = spec.get("tdp")
    idle = spec.get("idle_power")
    t = data.figure(tdp, f"{device}.tdp").to("W").value if tdp else None
    i = data.figure(idle, f"{device}.idle_power").to("W").value if idle else None
    return t, i


def _chip(c: Any, value, used: set) -> tuple[Any, Any, str | None]:
    """(idle, max) DC power of one unit of a logic part [W], and a note."""
    if c.power is not None:
        return c.power.idle, c.power.active, None
    tdp = getattr(c, "tdp", None)
    dev_tdp, dev_idle = _device_power(getattr(c, "device", None))
    tdp = tdp if tdp is not None else dev_tdp
    if tdp is None:
        if c.role == "other":
            return 0.0, 0.0, (f"{c.name}: no tdp or power given; its power is taken as part "
                              "of the other chips' (not added)")
        raise BomError(f"power from parts needs the power of {c.role} {c.name!r}: give tdp "
                       "(e.g. \"350 W\"), device, or power: {active, idle}",
                       path=f"components.{c.name}")
    if dev_idle is not None and getattr(c, "tdp", None) is None:
        return dev_idle, tdp, None
    key = "cpu.idle_fraction" if c.role == "processor" else "accelerator.idle_fraction"
    used.add(key)
    f = value(key)
    return chip_power(tdp, f, 0.0), chip_power(tdp, f, 1.0), None


def from_parts(bom: Any, values: Any = None) -> PartsPower:
    """Idle and full-load wall power of ``bom`` from its parts (see the module docstring).

    ``values`` replaces figures of data/power.yaml by path (``{"dram.per_gb": 0.3}``, in
    the figure's unit); a value may be an array of scenarios, and the powers then are
    arrays of the same length (vectorized: one pass over the parts, not per scenario).
    """
    figs = figures()
    values = dict(values or {})
    used: set[str] = set()

    def value(path: str):
        used.add(path)
        return values[path] if path in values else figs[path].value
    idle: dict[str, float] = {}
    full: dict[str, float] = {}
    notes: list[str] = []
    fans = []
    supplies = []
    for c in bom.components:
        n = c.count
        if c.type == "item" and c.category == "psu":
            supplies.append(c)
            continue
        if c.type == "item" and c.category == "fan" and c.power is None:
            fans.append(c)
            continue
        if c.power is not None:
            idle[c.name], full[c.name] = n * c.power.idle, n * c.power.active
        elif c.type == "logic":
            lo, hi, note = _chip(c, value, used)
            idle[c.name], full[c.name] = n * lo, n * hi
            if note:
                notes.append(note)
        elif c.type == "memory":
            if c.capacity is None:
                raise BomError(f"power from parts needs the capacity of memory {c.name!r} "
                               "(W per GB): give capacity or power", path=f"components.{c.name}")
            p = n * c.capacity * value("dram.per_gb")
            idle[c.name] = full[c.name] = p
        elif c.type == "storage":
            p = n * c.capacity / GB_PER_TB * value(f"{c.technology}.per_tb")
            idle[c.name] = full[c.name] = p
        elif c.type == "item" and c.category == "nic":
            raise BomError(f"power from parts needs the power of NIC {c.name!r} (no default "
                           "is shipped): give power: {active, idle}", path=f"components.{c.name}")
    frac = value("fans.fraction") if fans else 0.0
    others_idle, others_full = sum(idle.values()), sum(full.values())
    for c in fans:   # fans follow the other parts' power at each end, shared equally
        idle[c.name] = frac * others_idle / len(fans)
        full[c.name] = frac * others_full / len(fans)
    dc_idle, dc_max = sum(idle.values()), sum(full.values())
    eff_idle = _efficiency(supplies, dc_idle, figs, value, notes)
    eff_max = _efficiency(supplies, dc_max, figs, value, [])
    if not supplies:
        notes.append("no power supply listed: DC power taken at the wall (no conversion loss)")
    return PartsPower(idle_w=_number(wall_power(dc_idle, eff_idle)),
                      max_w=_number(wall_power(dc_max, eff_max)),
                      dc_idle={k: _number(v) for k, v in idle.items()},
                      dc_max={k: _number(v) for k, v in full.items()},
                      efficiency_idle=_number(eff_idle), efficiency_max=_number(eff_max),
                      notes=notes, used=tuple(p for p in UNCERTAIN_FIGURES if p in used))


def _number(x):
    """A float for a scalar result, the array for scenarios."""
    a = np.asarray(x, dtype=float)
    return float(a) if a.ndim == 0 else a


def _efficiency(supplies: list, dc_w, figs: dict[str, Any], value, notes: list[str]):
    """80 PLUS efficiency of the supplies at the DC load (1.0 when none is listed)."""
    if not supplies:
        return 1.0
    psu = figs["psu"]
    c = supplies[0]
    level = getattr(c, "efficiency", None) or psu["default_level"]
    effs = psu["levels"][level]
    rated = sum(s.count * s.rated_power for s in supplies if getattr(s, "rated_power", None))
    if rated:
        load = dc_w / rated
    else:
        load = value("psu.unrated_load")
        notes.append("power supplies without rated_power: taken at "
                     f"{figs['psu.unrated_load'].value:.0%} load")
    if getattr(c, "efficiency", None) is None:
        notes.append(f"power supply efficiency: 80 PLUS {level} (data/power.yaml default)")
    return psu_efficiency(load, psu["load_points"], effs)


def boavizta_server_power(bom: Any, utilization) -> np.ndarray:
    """BoaviztAPI's server model on ``bom``'s parts [W] at ``utilization`` [0-1], from its
    documented figures (data/factors/boavizta.yaml ``use``): the default CPU profile per
    CPU package, 0.284 W per GB of RAM, times 1 + other_consumption_ratio (0.33); GPUs and
    TPUs at their TDP x utilization (BoaviztAPI's server model has no accelerator curve),
    no storage, fan or power-supply term (all inside the 33 %), no PUE."""
    f = data.factor_figures("boavizta")
    a, b, c, d = (f[f"use.cpu_power_curve.{k}"].value for k in ("a", "b", "c", "d"))
    u = np.asarray(utilization, dtype=float)
    cpus = sum(x.count * max(x.packages, 1) for x in bom.components
               if x.type == "logic" and x.role == "processor")
    ram = sum(x.count * (x.capacity or 0.0) for x in bom.components if x.type == "memory"
              and not (x.technology or "").lower().startswith(("hbm", "gddr")))
    acc = 0.0
    for x in bom.components:
        if x.type == "logic" and x.role == "accelerator":
            tdp = getattr(x, "tdp", None) or _device_power(x.device)[0] or (
                x.power.active if x.power else 0.0)
            acc += x.count * tdp
    dc = cpus * boavizta_cpu_power(100.0 * u, a, b, c, d) + ram * f["use.ram_power_per_gb"].value \
        + acc * u
    return dc * f["use.server_overhead"].value
