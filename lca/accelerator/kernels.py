"""Kernel-level footprints from a roofline: FLOPs and bytes moved, time, power, energy,
operational and embodied carbon.

Model (every constant in ``data/kernels.yaml``, overridable):

* time [s] = max(FLOP / (peak x compute_fraction), bytes / (bandwidth x bandwidth_fraction))
  + launch overhead: the roofline of S. Williams, A. Waterman, D. Patterson, "Roofline: an
  insightful visual performance model for multicore architectures", CACM 52(4), 2009,
  doi:10.1145/1498765.1498785, with achievable rather than datasheet ceilings.
* power [W] = idle + (TDP - idle) x min(1, a_c x u_c + a_m x u_m), where u_c and u_m are
  the achieved fractions of the achievable compute rate and bandwidth over the kernel's
  time and a_c, a_m the dynamic power fractions of full compute and full memory stress.
  Never above TDP: large GEMMs on current GPUs run at the power cap (a_c = 1).
* energy [J] = power x time; operational [gCO2e] = energy x PUE x grid; embodied [gCO2e] =
  (module + host share) x time / (lifetime x utilization).

All functions take numpy arrays (shapes broadcast), so a sweep over sizes is one call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .. import data, infrastructure, operational, registry
from ..errors import ParameterError
from ..impacts import CATEGORIES, Boundary, Impacts
from ..units import SECONDS_PER_YEAR
from . import devices

JOULES_PER_KWH = 3.6e6
#: Kernel kinds accepted by :func:`kernel` and the shape arguments each takes.
KINDS: dict[str, tuple[str, ...]] = {
    "gemm": ("m", "n", "k"),
    "bgemm": ("batch", "m", "n", "k"),
    "conv2d": ("batch", "in_channels", "height", "width", "out_channels", "kernel_h",
               "kernel_w", "stride", "padding"),
    "attention": ("batch", "heads", "seq", "kv_seq", "head_dim", "causal"),
    "elementwise": ("elements", "reads", "writes", "flops_per_element"),
    "copy": ("size",),
}


def shape_defaults(kind: str) -> dict[str, float]:
    """Shape arguments a call may leave out (data/kernels.yaml shape_defaults)."""
    return dict((devices.defaults().get("shape_defaults") or {}).get(kind) or {})


def _a(x) -> np.ndarray:
    return np.asarray(x, dtype=float)


# --- FLOPs and bytes --------------------------------------------------------------------------

def gemm_flops(m, n, k, batch=1):
    """FLOPs of (batched) C = A B with A m x k, B k x n: 2 m n k per matrix [FLOP]."""
    return 2.0 * _a(batch) * _a(m) * _a(n) * _a(k)


def gemm_bytes(m, n, k, input_bytes, output_bytes, batch=1):
    """Minimum bytes moved by a (batched) GEMM: A and B read once, C written once [B]."""
    return _a(batch) * ((_a(m) * _a(k) + _a(k) * _a(n)) * _a(input_bytes)
                        + _a(m) * _a(n) * _a(output_bytes))


def conv2d_output_size(size, kernel, stride=1, padding=0):
    """Output height or width of a 2-D convolution [-]."""
    return np.floor((_a(size) + 2 * _a(padding) - _a(kernel)) / _a(stride)) + 1


def conv2d_flops(batch, in_channels, height, width, out_channels, kernel_h, kernel_w,
                 stride=1, padding=0):
    """FLOPs of a direct 2-D convolution: 2 N K P Q C R S [FLOP]."""
    p = conv2d_output_size(height, kernel_h, stride, padding)
    q = conv2d_output_size(width, kernel_w, stride, padding)
    return (2.0 * _a(batch) * _a(out_channels) * p * q * _a(in_channels)
            * _a(kernel_h) * _a(kernel_w))


def conv2d_bytes(batch, in_channels, height, width, out_channels, kernel_h, kernel_w,
                 input_bytes, output_bytes, stride=1, padding=0):
    """Minimum bytes of a 2-D convolution: input, filters read once, output written [B]."""
    p = conv2d_output_size(height, kernel_h, stride, padding)
    q = conv2d_output_size(width, kernel_w, stride, padding)
    reads = (_a(batch) * _a(in_channels) * _a(height) * _a(width)
             + _a(out_channels) * _a(in_channels) * _a(kernel_h) * _a(kernel_w))
    return reads * _a(input_bytes) + _a(batch) * _a(out_channels) * p * q * _a(output_bytes)


def attention_flops(batch, heads, seq, kv_seq, head_dim, causal=0):
    """FLOPs of scaled dot-product attention, Q K^T and P V: 4 b h s_q s_kv d, halved when
    causal (softmax not counted) [FLOP]."""
    full = 4.0 * _a(batch) * _a(heads) * _a(seq) * _a(kv_seq) * _a(head_dim)
    return np.where(_a(causal) > 0, full / 2.0, full)


def attention_bytes(batch, heads, seq, kv_seq, head_dim, input_bytes, output_bytes):
    """Bytes of a fused (flash-style) attention: Q, K, V read once, O written once [B]."""
    bh = _a(batch) * _a(heads) * _a(head_dim)
    return bh * ((_a(seq) + 2.0 * _a(kv_seq)) * _a(input_bytes) + _a(seq) * _a(output_bytes))


def elementwise_bytes(elements, element_bytes, reads=2, writes=1):
    """Bytes of an elementwise kernel over ``elements`` with ``reads`` inputs and
    ``writes`` outputs of ``element_bytes`` each [B]."""
    return _a(elements) * _a(element_bytes) * (_a(reads) + _a(writes))


# --- roofline and power ---------------------------------------------------------------------------

def roofline_time(flops, bytes_moved, peak, bandwidth, compute_fraction, bandwidth_fraction,
                  overhead=0.0):
    """Kernel time [s] from FLOPs [FLOP], bytes [B], peak [FLOP/s], bandwidth [B/s], the
    achievable fractions [-] and a fixed overhead [s]."""
    t_compute = _a(flops) / (_a(peak) * _a(compute_fraction))
    t_memory = _a(bytes_moved) / (_a(bandwidth) * _a(bandwidth_fraction))
    return np.maximum(t_compute, t_memory) + _a(overhead)


def utilizations(flops, bytes_moved, time, peak, bandwidth, compute_fraction,
                 bandwidth_fraction):
    """Achieved fractions of the achievable compute rate and bandwidth over ``time`` [-]."""
    t = _a(time)
    with np.errstate(divide="ignore", invalid="ignore"):
        u_c = np.where(t > 0, _a(flops) / t / (_a(peak) * _a(compute_fraction)), 0.0)
        u_m = np.where(t > 0, _a(bytes_moved) / t / (_a(bandwidth) * _a(bandwidth_fraction)), 0.0)
    return np.clip(u_c, 0.0, 1.0), np.clip(u_m, 0.0, 1.0)


def power_between_idle_and_tdp(u_compute, u_memory, idle, tdp, compute_dynamic_fraction,
                               memory_dynamic_fraction):
    """Device power [W] between ``idle`` [W] and ``tdp`` [W] by compute and memory stress
    (fractions [-]); never above TDP."""
    stress = np.minimum(1.0, _a(compute_dynamic_fraction) * _a(u_compute)
                        + _a(memory_dynamic_fraction) * _a(u_memory))
    return _a(idle) + (_a(tdp) - _a(idle)) * np.clip(stress, 0.0, 1.0)


def operational_gco2e(energy_j, pue, grid_kg_per_kwh):
    """Operational emissions [gCO2e] of IT energy [J] at a PUE [-] and grid [kgCO2e/kWh]."""
    return _a(energy_j) / JOULES_PER_KWH * _a(pue) * _a(grid_kg_per_kwh) * 1000.0


def embodied_time_share_gco2e(embodied_kg, time_s, lifetime_years, utilization):
    """Embodied emissions [gCO2e] charged to ``time_s`` [s] of a device whose embodied is
    ``embodied_kg`` [kgCO2e] over ``lifetime_years`` [a of 8,760 h] busy ``utilization`` [-]."""
    return (_a(embodied_kg) * 1000.0 * _a(time_s)
            / (_a(lifetime_years) * SECONDS_PER_YEAR * _a(utilization)))


def time_share(time_s, lifetime_years, utilization):
    """Share [-] of a device's embodied impacts charged to ``time_s`` [s] of a
    ``lifetime_years`` [a of 8,760 h] life busy ``utilization`` [-] (linear, as in
    :func:`embodied_time_share_gco2e`)."""
    return _a(time_s) / (_a(lifetime_years) * SECONDS_PER_YEAR * _a(utilization))


# --- use-phase inputs -------------------------------------------------------------------------------

@dataclass
class UseFactors:
    """Per-kWh factors of the use phase: grid [kgCO2e/kWh], PUE [-], on-site WUE
    [L_water/kWh], the electricity's water intensity [L_water/kWh], ADPe [kgSbeq/kWh] and
    PE [MJ_primary/kWh] (NaN: not covered), where they came from and the notes."""

    grid: Any
    pue: Any
    wue: Any
    water_intensity: Any
    adpe: Any
    pe: Any
    source: str
    notes: list[str]

    def impacts(self, it_energy_kwh) -> Impacts:
        """The use stage of ``it_energy_kwh`` [kWh] of IT energy (lca.operational)."""
        return operational.use_impacts(it_energy_kwh, self.pue, self.grid, self.wue,
                                       self.water_intensity, self.adpe, self.pe)


def use_factors(grid=None, region=None, pue=None, wue=None, water_intensity=None) -> UseFactors:
    """The use-phase factors from the given values or the documented defaults
    (data/kernels.yaml defaults; a region through lca.model.region_parameters, the one
    place a region is resolved)."""
    from ..model import region_parameters

    g, p, source, notes = use_phase(grid, region, pue)
    if grid is None:
        reg = region or devices.defaults()["defaults"]["region"]
        rp = region_parameters(str(reg))[0]
    else:
        rp = {"water_intensity": np.nan, "adpe_intensity": np.nan, "pe_intensity": np.nan}
    if wue is None:
        wue = data.lifecycle_figure("water", "default_wue").to("L_water/kWh").value
        notes.append(f"on-site WUE {wue:g} L/kWh assumed (Li et al. 2023, U.S. average)")
    wue = registry.to_canonical("wue", wue)
    wi = rp["water_intensity"] if water_intensity is None else \
        registry.to_canonical("water_intensity", water_intensity)
    return UseFactors(g, p, wue, wi, rp["adpe_intensity"], rp["pe_intensity"], source, notes)


def infrastructure_impacts(power_w, seconds) -> Impacts:
    """The data-centre construction share of ``power_w`` [W] drawn for ``seconds`` [s]
    (lca.infrastructure, factor of data/lifecycle/infrastructure.yaml); GWP only."""
    f = data.lifecycle_figure("infrastructure", "per_kw_year").to("kgCO2e/kW/year").value
    v = infrastructure.share(f, power_w, _a(seconds) / SECONDS_PER_YEAR)
    cells = {(c, "infrastructure", "data centre"): np.atleast_1d(
        _a(v) if c == "gwp" else np.full(np.shape(np.atleast_1d(v)), np.nan)) for c in CATEGORIES}
    return Impacts(cells, Boundary(("infrastructure",)))


def use_phase(grid=None, region=None, pue=None) -> tuple[Any, Any, str, list[str]]:
    """(grid [kgCO2e/kWh], pue, grid source, notes) from the given values or the documented
    defaults (data/kernels.yaml defaults)."""
    from ..model import region_parameters

    notes = []
    if grid is not None and region is not None:
        raise ParameterError("grid and region: give one of them, not both")
    if grid is not None:
        g, source = _grid_value(grid), "given"
    else:
        reg = region or devices.defaults()["defaults"]["region"]
        params, _, source = region_parameters(str(reg))
        g = params["grid"]
        if region is None:
            name = source.split(" (")[0].split(":")[0]
            notes.append(f"grid: {name} average {g:.3f} kgCO2e/kWh assumed (no grid or region given)")
    if pue is None:
        pue = devices.default_value("defaults.pue")
        notes.append(f"PUE {pue:g} assumed (no facility overhead)")
    registry.check("pue", pue)
    return g, pue, source, notes


def _grid_value(grid) -> Any:
    """A grid intensity [kgCO2e/kWh] from a number, an array or a quantity ('50 gCO2e/kWh'),
    checked against the registry."""
    return registry.to_canonical("grid", grid)


def allocation(lifetime=None, utilization=None) -> tuple[Any, Any]:
    life = devices.default_value("allocation.lifetime", "year") if lifetime is None else lifetime
    util = devices.default_value("allocation.utilization") if utilization is None else utilization
    life = registry.to_canonical("accelerator.lifetime", life)
    registry.check("accelerator.utilization", util)
    return life, util


def dtype_sizes(dtype: str) -> tuple[float, float]:
    table = devices.defaults()["dtypes"]
    if dtype not in table:
        raise ParameterError(f"unknown dtype {dtype!r}: expected one of {', '.join(table)}")
    return float(table[dtype]["input_bytes"]), float(table[dtype]["output_bytes"])


# --- the kernel model -------------------------------------------------------------------------------

@dataclass
class ColumnResult:
    """Results as named arrays, one element per scenario (a kernel, a run, a service).

    Columns read as attributes (``r.time_s``); ``to_dict`` gives scalars for a single
    scenario and lists for a sweep, NaN and infinities as None (JSON null)."""

    kind: str
    device: str
    dtype: str
    columns: dict[str, np.ndarray]
    grid_source: str
    method: str
    notes: list[str] = field(default_factory=list)
    #: The life cycle by category, stage and component (lca.impacts), per scenario; its
    #: basis (per kernel call, per training run) is ``impacts_basis``.
    life_cycle: Impacts | None = None
    impacts_basis: str = ""

    #: Key of ``kind`` in ``to_dict`` and the leading columns of ``to_frame``.
    kind_key: ClassVar[str] = "kind"
    frame_labels: ClassVar[tuple[str, ...]] = ("kind", "device", "dtype")

    def __getattr__(self, name: str) -> Any:
        cols = self.__dict__.get("columns", {})
        if name in cols:
            return cols[name]
        raise AttributeError(name)

    def __len__(self) -> int:
        return len(next(iter(self.columns.values())))

    def to_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.columns)
        for label in reversed(self.frame_labels):
            frame.insert(0, label, getattr(self, label))
        return frame

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: scalars for a single scenario, lists for a sweep."""
        one = len(self) == 1

        def clean(x: Any) -> Any:
            x = x.item() if hasattr(x, "item") else x
            return None if isinstance(x, float) and not np.isfinite(x) else x

        def val(v: np.ndarray) -> Any:
            return clean(v[0]) if one else [clean(x) for x in v]

        out: dict[str, Any] = {self.kind_key: self.kind, "device": self.device,
                               "dtype": self.dtype, "method": self.method}
        out.update({k: val(v) for k, v in self.columns.items()})
        out["grid_source"] = self.grid_source
        out["notes"] = list(self.notes)
        if self.life_cycle is not None:
            rows = [self.life_cycle.to_dict(i) for i in range(len(self.life_cycle))]
            out["impacts"] = rows[0] if one else rows
            out["boundary"] = {**self.life_cycle.boundary.to_dict(), "basis": self.impacts_basis,
                               "not_covered": self.life_cycle.not_covered()}
        return out


class KernelResult(ColumnResult):
    """A kernel's (or a sweep of kernels') footprint; arrays of one element per kernel."""


def shape_arguments(kind: str, shape: dict[str, Any]) -> dict[str, Any]:
    """The complete, checked shape arguments of a kernel ``kind``: those given, the
    documented defaults for the rest (kv_seq defaults to seq: self-attention)."""
    if kind not in KINDS:
        raise ParameterError(f"unknown kernel {kind!r}: expected one of {', '.join(KINDS)}")
    args = shape_defaults(kind)
    args.update({k: v for k, v in shape.items() if v is not None})
    if kind == "attention" and "kv_seq" not in args and "seq" in args:
        args["kv_seq"] = args["seq"]
    unknown = set(args) - set(KINDS[kind])
    if unknown:
        raise ParameterError(f"{kind}: unknown shape argument(s) {', '.join(sorted(unknown))}; "
                             f"expected {', '.join(KINDS[kind])}")
    missing = [k for k in KINDS[kind] if k not in args]
    if missing:
        raise ParameterError(f"{kind}: missing shape argument(s) {', '.join(missing)}")
    for k, v in args.items():
        registry.check(f"kernel.{k}", v)
    return args


def flops_and_bytes(kind: str, dtype: str, **shape) -> tuple[np.ndarray, np.ndarray]:
    """FLOPs [FLOP] and bytes moved [B] of a kernel ``kind`` with ``shape`` arguments."""
    args = shape_arguments(kind, shape)
    ib, ob = dtype_sizes(dtype)
    if kind in ("gemm", "bgemm"):
        b = args.get("batch", 1)
        return (gemm_flops(args["m"], args["n"], args["k"], b),
                gemm_bytes(args["m"], args["n"], args["k"], ib, ob, b))
    if kind == "conv2d":
        geo = {k: args[k] for k in KINDS["conv2d"]}
        for side, kern in (("height", "kernel_h"), ("width", "kernel_w")):
            if np.any(conv2d_output_size(geo[side], geo[kern], geo["stride"], geo["padding"]) < 1):
                raise ParameterError(f"conv2d: {kern} larger than the padded {side}")
        return conv2d_flops(**geo), conv2d_bytes(input_bytes=ib, output_bytes=ob, **geo)
    if kind == "attention":
        g = {k: args[k] for k in ("batch", "heads", "seq", "kv_seq", "head_dim")}
        return (attention_flops(causal=args["causal"], **g),
                attention_bytes(input_bytes=ib, output_bytes=ib, **g))
    if kind == "elementwise":
        return (_a(args["elements"]) * _a(args["flops_per_element"]),
                elementwise_bytes(args["elements"], ib, args["reads"], args["writes"]))
    # copy: `size` [B] is the buffer copied (read once, written once)
    size = _a(args["size"])
    return np.zeros_like(size), 2.0 * size


def kernel(kind: str, device: str | None = None, dtype: str = "bf16", *, grid=None,
           region: str | None = None, pue=None, lifetime=None, utilization=None,
           method: str = "composite", host: bool | str = True, compute_fraction=None,
           bandwidth_fraction=None, launch_overhead=None, compute_dynamic_fraction=None,
           memory_dynamic_fraction=None, embodied=None, wue=None, water_intensity=None,
           **shape) -> KernelResult:
    """Time, power, energy, operational and embodied carbon of a kernel on ``device``.

    ``kind``: gemm (m, n, k), bgemm (batch, m, n, k), conv2d (batch, in_channels, height,
    width, out_channels, kernel_h, kernel_w, stride, padding), attention (batch, heads, seq,
    kv_seq, head_dim, causal), elementwise (elements, reads, writes, flops_per_element),
    copy (size [B]). Shape values and every numeric keyword may be numpy arrays (a sweep).
    Defaults come from ``data/kernels.yaml`` and are listed in the result's notes.
    ``embodied`` [kgCO2e per device] replaces the die-spec module + host share. ``wue``
    and ``water_intensity`` [L/kWh] set the use-phase water (default: Li et al. 2023's
    U.S.-average WUE and the region's electricity). The result's ``impacts`` holds the
    life cycle per kernel call: use, the device's manufacturing share and the data-centre
    share, in GWP, water, ADPe and PE (``total_gco2e`` = use + manufacturing, as before).
    """
    registry.check_names(kind=kind, device=device, dtype=dtype, method=method, region=region)
    device = device or str(devices.defaults()["defaults"]["device"])
    dev = devices.device(device)
    if kind == "copy":
        dtype = "bf16"        # a copy moves bytes; the element type does not matter
    notes_kind = []
    if kind == "copy":
        peak = max(dev.peak_flops.values())          # no arithmetic: the rate never binds
    elif kind == "elementwise" and "fp32" in dev.peak_flops:
        # elementwise arithmetic runs on the vector units, not the matrix units
        dev.peak(dtype)                               # still checks the device has dtype
        peak = dev.peak("fp32")
        notes_kind.append("elementwise arithmetic at the device's fp32 (vector) rate")
    else:
        peak = dev.peak(dtype)
    flops, nbytes = flops_and_bytes(kind, dtype, **shape)
    fc = dev.compute_fraction() if compute_fraction is None else compute_fraction
    fb = dev.bandwidth_fraction() if bandwidth_fraction is None else bandwidth_fraction
    overhead = (devices.default_value("roofline.launch_overhead", "s")
                if launch_overhead is None else launch_overhead)
    a_c = (devices.default_value("power.compute_dynamic_fraction")
           if compute_dynamic_fraction is None else compute_dynamic_fraction)
    a_m = (devices.default_value("power.memory_dynamic_fraction")
           if memory_dynamic_fraction is None else memory_dynamic_fraction)
    for name, v in (("compute_fraction", fc), ("bandwidth_fraction", fb),
                    ("launch_overhead", overhead), ("compute_dynamic_fraction", a_c),
                    ("memory_dynamic_fraction", a_m)):
        registry.check(f"kernel.{name}", v)
    uf = use_factors(grid, region, pue, wue, water_intensity)
    g, p, grid_source, notes = uf.grid, uf.pue, uf.source, uf.notes
    life, util = allocation(lifetime, utilization)

    time = roofline_time(flops, nbytes, peak, dev.bandwidth_bytes_s, fc, fb, overhead)
    u_c, u_m = utilizations(flops, nbytes, time, peak, dev.bandwidth_bytes_s, fc, fb)
    power = power_between_idle_and_tdp(u_c, u_m, dev.idle_w, dev.tdp_w, a_c, a_m)
    energy = power * time
    emb_kg, emb_notes, emb_text = devices.embodied_per_device(device, method, host, embodied)
    # one result that adds: use + the device's manufacturing share + data-centre share
    life_cycle = (uf.impacts(energy / JOULES_PER_KWH)
                  + devices.impacts_per_device(device, method, host, embodied)
                  * time_share(time, life, util)
                  + infrastructure_impacts(power, time))
    op = life_cycle.stage("gwp", "use") * 1000.0
    emb_g = life_cycle.stage("gwp", "manufacturing") * 1000.0
    total_g = life_cycle.restrict(Boundary(("manufacturing", "use"))).total("gwp") * 1000.0
    t_c = _a(flops) / (peak * _a(fc))
    t_m = _a(nbytes) / (dev.bandwidth_bytes_s * _a(fb))
    args = shape_arguments(kind, shape)
    cols = {
        **{k: _a(v) for k, v in args.items()},
        "flops": flops, "bytes": nbytes,
        "arithmetic_intensity_flop_per_byte": _ratio(flops, nbytes, np.inf),
        "bound": np.where(t_c >= t_m, "compute", "memory"),
        "time_s": time, "achieved_tflops": flops / time / 1e12,
        "achieved_bandwidth_gb_s": nbytes / time / 1e9,
        "power_w": power, "energy_j": energy,
        "energy_pj_per_flop": _ratio(energy * 1e12, flops, np.nan),
        "operational_gco2e": op, "embodied_gco2e": emb_g, "total_gco2e": total_g,
        "grid_kgco2e_per_kwh": g, "pue": p,
    }
    shape = np.broadcast(*[np.asarray(v) for v in cols.values()]).shape
    cols = {k: np.broadcast_to(np.asarray(v), shape).ravel().copy() for k, v in cols.items()}
    notes = list(notes) + notes_kind + list(dev.notes) + emb_notes
    notes.append(f"achievable fractions of peak: compute {float(np.mean(fc)):g}, bandwidth "
                 f"{float(np.mean(fb)):g} (data/kernels.yaml, {dev.device_class})")
    notes.append(f"embodied: {emb_text}, over {float(np.mean(life)):g} years at utilization "
                 f"{float(np.mean(util)):g}")
    return KernelResult(kind=kind, device=device, dtype="n/a" if kind == "copy" else dtype,
                        columns=cols, grid_source=grid_source, method=method, notes=notes,
                        life_cycle=life_cycle, impacts_basis="per kernel call")


def _ratio(num, den, empty):
    num, den = _a(num), _a(den)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), empty)



__all__ = ["kernel", "KernelResult", "flops_and_bytes", "gemm_flops", "gemm_bytes",
           "conv2d_flops", "conv2d_bytes", "attention_flops", "attention_bytes",
           "elementwise_bytes", "roofline_time", "utilizations", "power_between_idle_and_tdp",
           "operational_gco2e", "embodied_time_share_gco2e", "KINDS"]
