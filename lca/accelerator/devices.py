"""Accelerator devices from their die specs: the figures the kernel model needs, and the
embodied carbon of an accelerator module (dies, HBM stacks, interposer, board) and of its
share of the host server, costed through any embodied method of ``lca.embodied``.

The module is described as a ``lca.bom.Bom`` built from ``data/accelerators/<key>.yaml``
and the documented defaults of ``data/kernels.yaml`` (HBM die area and capacity, board
area), then costed by ``lca.model.compile_bom`` + ``lca.model.evaluate``: every embodied
method registered in ``lca.embodied.METHODS`` works, and what a method cannot cover is
reported, never counted as zero silently.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import data
from ..bom import bom_from_dict, load_bom
from ..errors import DataError, ParameterError
from ..impacts import Boundary, Impacts

#: Order in which a training run picks its default precision.
TRAINING_DTYPES = ("bf16", "fp16", "fp32")


def defaults() -> dict[str, Any]:
    """The parsed ``data/kernels.yaml``."""
    return data.load_yaml("kernels.yaml")


def default_value(path: str, unit: str | None = None) -> float:
    """A figure of ``data/kernels.yaml`` by dotted path, in ``unit`` when given."""
    node: Any = defaults()
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            raise DataError(f"data/kernels.yaml: missing {path}")
        node = node[part]
    fig = data.figure(node, f"kernels.yaml: {path}")
    return fig.to(unit).value if unit else fig.value


@dataclass(frozen=True)
class Device:
    """The figures of one accelerator the kernel and workload models use (canonical units:
    FLOP/s, bytes/s, W)."""

    key: str
    name: str
    device_class: str            # gpu | tpu
    tdp_w: float
    idle_w: float
    peak_flops: dict[str, float]  # dtype -> dense peak [FLOP/s] (OP/s for int8)
    bandwidth_bytes_s: float
    memory_type: str | None
    memory_gb: float | None
    average_training_power_w: float | None = None
    chips_per_host: int | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def peak(self, dtype: str) -> float:
        """Dense peak rate for ``dtype`` [FLOP/s]."""
        try:
            return self.peak_flops[dtype]
        except KeyError:
            raise ParameterError(
                f"{self.key} has no {dtype} rate in the device library; it has "
                f"{', '.join(self.peak_flops)}") from None

    def training_dtype(self) -> str:
        """The precision a training run uses by default (bf16, else fp16, else fp32)."""
        for dtype in TRAINING_DTYPES:
            if dtype in self.peak_flops:
                return dtype
        return next(iter(self.peak_flops))

    def compute_fraction(self) -> float:
        return default_value(f"roofline.{self.device_class}.compute_fraction")

    def bandwidth_fraction(self) -> float:
        return default_value(f"roofline.{self.device_class}.bandwidth_fraction")


def peak_from_units(units, ops_per_clock, clock_hz):
    """Peak rate [OP/s] of ``units`` execution units each doing ``ops_per_clock`` [OP] per
    cycle at ``clock_hz`` [Hz]: how a missing datasheet rate is derived from die specs."""
    import numpy as np

    return np.asarray(units, dtype=float) * np.asarray(ops_per_clock, dtype=float) * np.asarray(
        clock_hz, dtype=float)


def _fig(spec: dict, path: str, key: str) -> data.Figure | None:
    node: Any = spec
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return data.figure(node, f"accelerators/{key}.yaml: {path}")


@functools.lru_cache(maxsize=None)
def device(key: str) -> Device:
    """A device of ``data/accelerators/`` by key (``h100-sxm5``, ``tpu-v3`` ...)."""
    if key not in data.accelerator_keys():
        from ..errors import UnknownDeviceError

        raise UnknownDeviceError(
            f"unknown accelerator {key!r}: expected one of {', '.join(data.accelerator_keys())}")
    spec = data.device_spec(key)
    missing = [p for p in ("tdp", "idle_power", "memory.bandwidth") if _fig(spec, p, key) is None]
    if missing or not spec.get("peak"):
        raise DataError(f"accelerators/{key}.yaml lacks what the kernel model needs: "
                        f"{', '.join(missing + ([] if spec.get('peak') else ['peak']))}")
    peak = {}
    for dtype, node in spec["peak"].items():
        peak[dtype] = data.figure(node, f"{key}.peak.{dtype}").to("FLOP/s").value
    notes = []
    for path in ("tdp", "idle_power"):
        fig = _fig(spec, path, key)
        if fig.derived or fig.source.startswith("assumption"):
            notes.append(f"{key} {path.replace('_', ' ')} {fig.value:g} {fig.unit} is derived "
                         "or an assumption (see the device file)")
    cap = _fig(spec, "memory.capacity", key)
    avg = _fig(spec, "average_training_power", key)
    host = spec.get("host") or {}
    return Device(
        key=key, name=str(spec.get("name", key)), device_class=str(spec.get("class", "gpu")),
        tdp_w=_fig(spec, "tdp", key).to("W").value,
        idle_w=_fig(spec, "idle_power", key).to("W").value,
        peak_flops=peak,
        bandwidth_bytes_s=_fig(spec, "memory.bandwidth", key).to("byte/s").value,
        memory_type=(spec.get("memory") or {}).get("type"),
        memory_gb=None if cap is None else cap.to("GB").value,
        average_training_power_w=None if avg is None else avg.to("W").value,
        chips_per_host=host.get("chips_per_host"),
        notes=tuple(notes))


# --- module embodied from die specs -------------------------------------------------------------

def _hbm(spec: dict, key: str) -> tuple[int, int, float, list[str]] | None:
    """(stacks, DRAM dies, capacity GB, notes) of a device's HBM, from its spec or derived."""
    mem = spec.get("memory") or {}
    cap = _fig(spec, "memory.capacity", key)
    if cap is None:
        return None
    capacity = cap.to("GB").value
    notes = []
    stacks_f, per_f = _fig(spec, "memory.stacks", key), _fig(spec, "memory.stack_dies", key)
    mtype = str(mem.get("type") or "hbm")
    if per_f is not None:
        per_stack = int(per_f.value)
    else:
        per_stack = int(default_value("module.hbm_dies_per_stack"))
    if stacks_f is not None:
        stacks = int(stacks_f.value)
        if per_f is None:
            table = defaults()["module"]["hbm_die_capacity"]
            die_gb = data.figure(table.get(mtype, table["hbm"]), "hbm_die_capacity").to("GB").value
            per_stack = max(1, round(capacity / stacks / die_gb))
            notes.append(f"{key}: {per_stack} dies per HBM stack derived from capacity / "
                         f"{stacks} stacks / {die_gb:g} GB per die (data/kernels.yaml)")
    else:
        table = defaults()["module"]["hbm_die_capacity"]
        die_gb = data.figure(table.get(mtype, table["hbm"]), "hbm_die_capacity").to("GB").value
        dies = max(1, math.ceil(capacity / die_gb))
        stacks = max(1, math.ceil(dies / per_stack))
        per_stack = math.ceil(dies / stacks)
        notes.append(f"{key}: HBM stacks not in the device file; {stacks} stacks of {per_stack} "
                     f"dies derived from {capacity:g} GB at {die_gb:g} GB per die (data/kernels.yaml)")
    return stacks, stacks * per_stack, capacity, notes


@functools.lru_cache(maxsize=None)
def module_bom(key: str):
    """A ``lca.bom.Bom`` of one accelerator module built from its die specs: die(s) as
    logic (role accelerator), HBM as memory (dies x die area, packages = stacks) with one
    base die per stack, the interposer as logic (role other) and the board as a pcb.
    Returns (bom, notes)."""
    spec = data.device_spec(key)
    notes: list[str] = []
    comps: list[dict[str, Any]] = []
    for i, die in enumerate(spec.get("dies") or []):
        if "area" not in die:
            notes.append(f"{key}: die {die.get('name', i)!r} has no published area; not costed")
            continue
        fig = data.figure(die["area"], f"{key}.dies.area")
        if fig.upper_bound:
            notes.append(f"{key}: die area {fig.value:g} {fig.unit} is an upper bound")
        if fig.source.startswith("assumption"):
            notes.append(f"{key}: die area {fig.value:g} {fig.unit} is an assumption")
        c = {"name": "die" if i == 0 else f"die {i}", "type": "logic", "role": "accelerator",
             "count": int(die.get("count", 1)), "area": f"{fig.value} {fig.unit}", "packages": 1}
        if die.get("node") or spec.get("node"):
            c["node"] = str(die.get("node") or spec.get("node"))
        comps.append(c)
    hbm = _hbm(spec, key)
    die_area = data.figure(defaults()["module"]["hbm_die_area"], "module.hbm_die_area")
    if hbm is not None:
        stacks, dies, capacity, hbm_notes = hbm
        notes.extend(hbm_notes)
        mtype = str((spec.get("memory") or {}).get("type") or "hbm")
        comps.append({"name": "hbm", "type": "memory", "technology": mtype, "dies": dies,
                      "die_area": f"{die_area.value} {die_area.unit}",
                      "capacity": f"{capacity} GB", "packages": stacks})
        comps.append({"name": "hbm base dies", "type": "logic", "role": "other", "dies": stacks,
                      "die_area": f"{die_area.value} {die_area.unit}", "packages": 0,
                      "part_of": "hbm"})   # inside the HBM for per-GB HBM methods (composite)
        notes.append(f"{key}: HBM die area {die_area.value:g} {die_area.unit} is a weak "
                     "secondary figure (data/kernels.yaml module.hbm_die_area)")
    interposer = _fig(spec, "package.interposer_area", key)
    if interposer is not None:
        comps.append({"name": "interposer", "type": "logic", "role": "other",
                      "area": f"{interposer.value} {interposer.unit}", "packages": 0})
    else:
        notes.append(f"{key}: no interposer area in the device file; not costed")
    board = _fig(spec, "board.area", key)
    if board is None:
        board = data.figure(defaults()["module"]["board_area"], "module.board_area")
        notes.append(f"{key}: board area {board.value:g} {board.unit} assumed "
                     "(data/kernels.yaml module.board_area, an H100 SXM5 module)")
    layers = int(default_value("module.board_layers"))
    comps.append({"name": "board", "type": "pcb", "area": f"{board.value} {board.unit}",
                  "layers": layers})
    tdp = _fig(spec, "tdp", key)
    life = default_value("allocation.lifetime", "year")   # the BOM needs one; embodied ignores it
    raw = {"name": f"{spec.get('name', key)} module", "kind": "tpu" if spec.get("class") == "tpu" else "gpu",
           "lifetime": f"{life} years",
           "usage": {"grid": "0 kgCO2e/kWh",
                     "profile": [{"share": 1.0, "power": f"{tdp.value if tdp else 0} W"}]},
           "components": comps}
    return bom_from_dict(raw, file=f"<module {key}>"), tuple(notes)


@dataclass(frozen=True)
class ModuleEmbodied:
    """Embodied carbon of one accelerator module and its share of the host [kgCO2e]."""

    device: str
    method: str
    module_kgco2e: float
    by_component_kgco2e: dict[str, float | None]
    host_share_kgco2e: float
    host_bom: str | None
    chips_per_host: int | None
    uncovered: dict[str, str]
    notes: tuple[str, ...]
    #: Manufacturing impacts by category and component: the module's parts plus the host
    #: share (components "host: <name>"), one result added with ``+``.
    impacts: Impacts | None = None

    @property
    def total_kgco2e(self) -> float:
        if self.impacts is None:
            return self.module_kgco2e + self.host_share_kgco2e
        total = float(self.impacts.total("gwp")[0])
        return 0.0 if math.isnan(total) else total

    def to_dict(self) -> dict[str, Any]:
        out = {"device": self.device, "method": self.method,
               "module_kgco2e": self.module_kgco2e,
               "module_by_component_kgco2e": dict(self.by_component_kgco2e),
               "host_share_kgco2e": self.host_share_kgco2e, "host_bom": self.host_bom,
               "chips_per_host": self.chips_per_host, "total_kgco2e": self.total_kgco2e,
               "uncovered_components": dict(self.uncovered), "notes": list(self.notes)}
        if self.impacts is not None:
            out["impacts"] = self.impacts.to_dict()
            out["boundary"] = self.impacts.boundary.to_dict()
        return out


#: The boundary of a device's embodied share: its manufacturing, in every category.
MANUFACTURING = Boundary(("manufacturing",))


def _cost_impacts(bom, method: str, exclude: tuple[str, ...] = ()) -> Impacts:
    """Manufacturing impacts of ``bom`` by category and component, without ``exclude``."""
    from ..model import compile_bom, evaluate, lifecycle_impacts

    compiled = compile_bom(bom, method, MANUFACTURING)
    cols = evaluate(compiled, compiled.params, 1)
    life = lifecycle_impacts(compiled, cols)
    return Impacts({k: v for k, v in life.cells.items() if k[2] not in exclude}, MANUFACTURING)


def _cost(bom, method: str, exclude: tuple[str, ...] = ()) -> tuple[float, dict, dict]:
    from ..model import compile_bom, evaluate

    compiled = compile_bom(bom, method, MANUFACTURING)
    cols = evaluate(compiled, compiled.params, 1)
    total, parts, uncovered = 0.0, {}, {}
    for spec in compiled.components:
        if spec.name in exclude:
            continue
        v = float(cols[f"embodied_by_component_kgco2e.{spec.name}"][0])
        term = compiled.terms[spec.name]
        if math.isnan(v):
            parts[spec.name] = None
            uncovered[spec.name] = term.reason or "not covered"
        else:
            parts[spec.name] = v
            total += v
    return total, parts, uncovered


@functools.lru_cache(maxsize=None)
def accelerator_embodied(device_key: str, method: str = "composite",
                         host: bool | str = True) -> ModuleEmbodied:
    """Embodied carbon of one accelerator module from its die specs, costed by ``method``
    (any of ``lca.embodied.METHODS``), plus its share of the host server: the host BOM's
    embodied without the accelerator modules, divided by the chips per host
    (``data/kernels.yaml`` hosts). ``host`` = False leaves the host out; a string names
    another shipped server BOM (its components named like the mapping's modules are left
    out, the rest divided by its chip count).
    """
    device(device_key)  # validates the key
    bom, notes = module_bom(device_key)
    notes = list(notes)
    module, parts, uncovered = _cost(bom, method)
    impacts = _cost_impacts(bom, method)
    for i, die in enumerate(data.device_spec(device_key).get("dies") or []):
        if "area" not in die:
            name = "die" if i == 0 else f"die {i}"
            parts = {name: None, **parts}
            uncovered[name] = (f"no published die area in data/accelerators/{device_key}.yaml; "
                               "the die is not costed")
    host_share, host_name, chips = 0.0, None, None
    if host:
        mapping = (defaults().get("hosts") or {}).get(device_key)
        if mapping is None and host is True:
            notes.append(f"{device_key}: no host BOM mapped in data/kernels.yaml; host share not counted")
        else:
            mapping = dict(mapping or {})
            if isinstance(host, str):
                mapping["bom"] = host
                mapping.setdefault("chips", device(device_key).chips_per_host or 8)
            host_name, chips = str(mapping["bom"]), int(mapping["chips"])
            hb = load_bom(host_name)
            exclude = tuple(mapping.get("module_components", ()))
            total, _, host_uncovered = _cost(hb, method, exclude)
            host_share = total / chips
            impacts = impacts + _cost_impacts(hb, method, exclude).relabel(prefix="host: ") / chips
            for name, why in host_uncovered.items():
                uncovered[f"host: {name}"] = why
            if mapping.get("stand_in"):
                notes.append(f"{device_key}: host share from {host_name} as a stand-in "
                             "(no shipped BOM of this device's own host)")
    return ModuleEmbodied(device=device_key, method=method, module_kgco2e=module,
                          by_component_kgco2e=parts, host_share_kgco2e=host_share,
                          host_bom=host_name, chips_per_host=chips, uncovered=uncovered,
                          notes=tuple(notes), impacts=impacts)


def impacts_per_device(device_key: str, method: str = "clemm2024", host: bool | str = True,
                       embodied=None) -> Impacts:
    """Manufacturing impacts charged per device (module + host share) by category and
    component; with ``embodied`` [kgCO2e] given, one GWP cell "given" and the other
    categories not covered."""
    if embodied is not None:
        value, _, _ = embodied_per_device(device_key, method, host, embodied)
        cells = {(c, "manufacturing", "given"): np.atleast_1d(np.asarray(
            value if c == "gwp" else np.nan, dtype=float)) for c in MANUFACTURING.categories}
        return Impacts(cells, MANUFACTURING)
    return accelerator_embodied(device_key, method, host).impacts


def embodied_per_device(device_key: str, method: str = "composite", host: bool | str = True,
                        embodied=None) -> tuple[Any, list[str], str]:
    """Embodied carbon charged per device [kgCO2e] (module + host share), its notes and a
    one-line description. ``embodied`` overrides the die-spec model with a figure of your
    own (a number [kgCO2e] or a quantity such as '462.5 kgCO2e'; arrays allowed), e.g. a
    vendor's product carbon footprint."""

    if embodied is not None:
        from .. import registry

        embodied = registry.to_canonical("accelerator.embodied", embodied)
        return embodied, [], f"{float(np.mean(embodied)):.1f} kgCO2e per device, given"
    e = accelerator_embodied(device_key, method, host)
    return (e.total_kgco2e, list(e.notes),
            f"{e.total_kgco2e:.1f} kgCO2e per device ({method}; module {e.module_kgco2e:.1f} + "
            f"host share {e.host_share_kgco2e:.1f})")
