"""CLI commands for accelerator kernels and training / inference workloads (`lca kernel`, `lca workload`): a thin shell over the Python API."""

from __future__ import annotations

from typing import Any, Optional

import typer

from . import registry
from ._lazy import lazy_module
from .cli import (FORMAT, FORMAT_SCI, GRID, PUE, REGION, Format, FormatSci, _fmt, commands,  # noqa: F401
                  quantity_parser, user_errors)
from .errors import ParameterError
from .io import csv_text, dumps_json, frame_records

accelerator = lazy_module("lca.accelerator")
levers_mod = lazy_module("lca.accelerator.levers")

kernel_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help="Time, energy and carbon of one kernel "
                         "on an accelerator (roofline, power between idle and TDP).")
workload_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help="Training runs and inference services: "
                           "energy, operational and embodied carbon, per token and per exaFLOP.")
commands.add_typer(kernel_app, name="kernel")
commands.add_typer(workload_app, name="workload")

DEVICE = typer.Option(None, "--device", help="Accelerator key (`lca list devices`; default: "
                      "data/kernels.yaml defaults.device, h100-sxm5).")
DTYPE = typer.Option("bf16", "--dtype", help="Precision: fp32, tf32, bf16, fp16, fp8, int8.")
def _h(name: str, more: str = "") -> str:
    """Option help from the parameter registry: label, unit and accepted range."""
    return registry.help_text(name) + (f" {more}" if more else "")


LIFETIME = typer.Option(None, "--lifetime", parser=quantity_parser("accelerator.lifetime"),
                        metavar="YEARS", help=_h("accelerator.lifetime",
                        "Default: data/kernels.yaml allocation.lifetime. Or with a unit: "
                        "\"4 years\"."))
UTIL = typer.Option(None, "--utilization", help=_h("accelerator.utilization",
                    "Default: data/kernels.yaml allocation.utilization."))
METHOD = typer.Option("composite", "--method", help="Embodied method for the module and host.")
NO_HOST = typer.Option(False, "--no-host", help="Leave the host server's share out of embodied.")
FC = typer.Option(None, "--compute-fraction", help=_h("kernel.compute_fraction"))
FB = typer.Option(None, "--bandwidth-fraction", help=_h("kernel.bandwidth_fraction"))
EMBODIED = typer.Option(None, "--embodied", help=_h("accelerator.embodied", "Module + host "
                        "share, replacing the die-spec model, e.g. a vendor's footprint."))


def _common(device, dtype, grid, region, pue, lifetime, utilization, method, no_host, fc, fb):
    return dict(device=device, dtype=dtype, grid=grid, region=region, pue=pue,
                lifetime=lifetime, utilization=utilization, method=method, host=not no_host,
                compute_fraction=fc, bandwidth_fraction=fb)


KERNEL_ROWS = [("flops", "Work", "FLOP", 0), ("bytes", "Bytes moved", "B", 0),
               ("arithmetic_intensity_flop_per_byte", "Arithmetic intensity", "FLOP/B", 1),
               ("bound", "Bound by", "", 0), ("time_s", "Time", "s", 6), ("achieved_tflops", "Achieved rate", "TFLOP/s", 1),
               ("achieved_bandwidth_gb_s", "Achieved bandwidth", "GB/s", 1),
               ("power_w", "Power", "W", 1), ("energy_j", "Energy", "J", 4),
               ("energy_pj_per_flop", "Energy per FLOP", "pJ/FLOP", 3),
               ("operational_gco2e", "Operational", "gCO2e", 6),
               ("embodied_gco2e", "Embodied (time share)", "gCO2e", 6),
               ("total_gco2e", "Total", "gCO2e", 6)]


def _table(title: str, d: dict[str, Any], rows) -> str:
    lines = [title]
    for key, label, unit, digits in rows:
        if key not in d:
            continue
        v = d[key]
        if isinstance(v, (int, float)) and v == v and abs(v) >= 1e12:
            text = f"{v:.4g}"
        else:
            text = _fmt(v, digits) if isinstance(v, (int, float)) or v is None else str(v)
        lines.append(f"  {label:<38}{text:>16} {unit}".rstrip())
    lines.append(f"  {'Grid':<38}{d['grid_kgco2e_per_kwh']:>16.3f} kgCO2e/kWh, PUE {d['pue']:g}")
    for note in d.get("notes", []):
        lines.append(f"Note: {note}")
    return "\n".join(lines)


def _emit(result, fmt: Format, title: str, rows) -> None:
    if fmt == FormatSci.sci:
        from .measured.sci import for_workload

        typer.echo(for_workload(result).to_text())
    elif fmt == Format.json:
        typer.echo(dumps_json(result.to_dict(), null_ok=_workload_null))
    elif fmt == Format.csv:
        typer.echo(csv_text(result.to_frame()), nl=False)
    else:
        typer.echo(_table(title, result.to_dict(), rows))


def _kernel(kind: str, shape: dict, fmt: Format, embodied: Optional[float] = None,
            **common) -> None:
    r = accelerator.kernel(kind, **common, embodied=embodied, **shape)
    names = accelerator.kernels.KINDS[kind]
    shape_text = ", ".join(f"{k}={r.columns[k][0]:g}" for k in names if k in r.columns)
    _emit(r, fmt, f"{kind} ({shape_text}) on {r.device}, {r.dtype}, method {r.method}",
          KERNEL_ROWS)


@kernel_app.command("gemm")
@user_errors
def gemm_cmd(m: float = typer.Option(..., "--m", help=_h("kernel.m")), n: float = typer.Option(..., "--n", help=_h("kernel.n")),
             k: float = typer.Option(..., "--k", help=_h("kernel.k")), device: Optional[str] = DEVICE, dtype: str = DTYPE,
             grid: Optional[float] = GRID, region: Optional[str] = REGION,
             pue: Optional[float] = PUE, lifetime: Optional[float] = LIFETIME,
             utilization: Optional[float] = UTIL, method: str = METHOD, no_host: bool = NO_HOST,
             compute_fraction: Optional[float] = FC, bandwidth_fraction: Optional[float] = FB,
             embodied: Optional[float] = EMBODIED, format: Format = FORMAT) -> None:
    """C = A B with A m x k and B k x n: 2 m n k FLOP."""
    _kernel("gemm", dict(m=m, n=n, k=k), format, embodied=embodied, **_common(
        device, dtype, grid, region, pue, lifetime, utilization, method, no_host,
        compute_fraction, bandwidth_fraction))


@kernel_app.command("bgemm")
@user_errors
def bgemm_cmd(batch: float = typer.Option(..., "--batch", help=_h("kernel.batch")), m: float = typer.Option(..., "--m", help=_h("kernel.m")),
              n: float = typer.Option(..., "--n", help=_h("kernel.n")), k: float = typer.Option(..., "--k", help=_h("kernel.k")),
              device: Optional[str] = DEVICE, dtype: str = DTYPE, grid: Optional[float] = GRID,
              region: Optional[str] = REGION, pue: Optional[float] = PUE,
              lifetime: Optional[float] = LIFETIME, utilization: Optional[float] = UTIL,
              method: str = METHOD, no_host: bool = NO_HOST,
              compute_fraction: Optional[float] = FC, bandwidth_fraction: Optional[float] = FB,
              embodied: Optional[float] = EMBODIED, format: Format = FORMAT) -> None:
    """A batch of GEMMs of the same shape."""
    _kernel("bgemm", dict(batch=batch, m=m, n=n, k=k), format, embodied=embodied, **_common(
        device, dtype, grid, region, pue, lifetime, utilization, method, no_host,
        compute_fraction, bandwidth_fraction))


@kernel_app.command("conv2d")
@user_errors
def conv2d_cmd(batch: Optional[float] = typer.Option(None, "--batch", help=_h("kernel.batch")),
               in_channels: float = typer.Option(..., "--in-channels", help=_h("kernel.in_channels")),
               height: float = typer.Option(..., "--height", help=_h("kernel.height")),
               width: float = typer.Option(..., "--width", help=_h("kernel.width")),
               out_channels: float = typer.Option(..., "--out-channels", help=_h("kernel.out_channels")),
               kernel_h: Optional[float] = typer.Option(None, "--kernel-h", help=_h("kernel.kernel_h")),
               kernel_w: Optional[float] = typer.Option(None, "--kernel-w", help=_h("kernel.kernel_w")),
               stride: Optional[float] = typer.Option(None, "--stride", help=_h("kernel.stride")),
               padding: Optional[float] = typer.Option(None, "--padding", help=_h("kernel.padding")),
               device: Optional[str] = DEVICE, dtype: str = DTYPE, grid: Optional[float] = GRID,
               region: Optional[str] = REGION, pue: Optional[float] = PUE,
               lifetime: Optional[float] = LIFETIME, utilization: Optional[float] = UTIL,
               method: str = METHOD, no_host: bool = NO_HOST,
               compute_fraction: Optional[float] = FC, bandwidth_fraction: Optional[float] = FB,
               embodied: Optional[float] = EMBODIED, format: Format = FORMAT) -> None:
    """Direct 2-D convolution: 2 N K P Q C R S FLOP."""
    shape = dict(batch=batch, in_channels=in_channels, height=height, width=width,
                 out_channels=out_channels, kernel_h=kernel_h, kernel_w=kernel_w,
                 stride=stride, padding=padding)
    _kernel("conv2d", shape, format, embodied=embodied, **_common(
        device, dtype, grid, region, pue, lifetime, utilization, method, no_host,
        compute_fraction, bandwidth_fraction))


@kernel_app.command("attention")
@user_errors
def attention_cmd(batch: Optional[float] = typer.Option(None, "--batch", help=_h("kernel.batch")),
                  heads: float = typer.Option(..., "--heads", help=_h("kernel.heads")),
                  seq: float = typer.Option(..., "--seq", help=_h("kernel.seq")),
                  kv_seq: Optional[float] = typer.Option(None, "--kv-seq", help=_h("kernel.kv_seq", "Default: --seq.")),
                  head_dim: float = typer.Option(..., "--head-dim", help=_h("kernel.head_dim")),
                  causal: bool = typer.Option(False, "--causal"),
                  device: Optional[str] = DEVICE, dtype: str = DTYPE, grid: Optional[float] = GRID,
                  region: Optional[str] = REGION, pue: Optional[float] = PUE,
                  lifetime: Optional[float] = LIFETIME, utilization: Optional[float] = UTIL,
                  method: str = METHOD, no_host: bool = NO_HOST,
                  compute_fraction: Optional[float] = FC,
                  bandwidth_fraction: Optional[float] = FB, embodied: Optional[float] = EMBODIED, format: Format = FORMAT) -> None:
    """Fused scaled dot-product attention: 4 b h s_q s_kv d FLOP (half when causal)."""
    shape = dict(batch=batch, heads=heads, seq=seq, kv_seq=kv_seq if kv_seq else seq,
                 head_dim=head_dim, causal=1 if causal else 0)
    _kernel("attention", shape, format, embodied=embodied, **_common(
        device, dtype, grid, region, pue, lifetime, utilization, method, no_host,
        compute_fraction, bandwidth_fraction))


@kernel_app.command("elementwise")
@user_errors
def elementwise_cmd(elements: float = typer.Option(..., "--elements", help=_h("kernel.elements")),
                    reads: Optional[float] = typer.Option(None, "--reads", help=_h("kernel.reads")),
                    writes: Optional[float] = typer.Option(None, "--writes", help=_h("kernel.writes")),
                    flops_per_element: Optional[float] = typer.Option(None, "--flops-per-element", help=_h("kernel.flops_per_element")),
                    device: Optional[str] = DEVICE, dtype: str = DTYPE, grid: Optional[float] = GRID,
                    region: Optional[str] = REGION, pue: Optional[float] = PUE,
                    lifetime: Optional[float] = LIFETIME, utilization: Optional[float] = UTIL,
                    method: str = METHOD, no_host: bool = NO_HOST,
                    compute_fraction: Optional[float] = FC,
                    bandwidth_fraction: Optional[float] = FB, embodied: Optional[float] = EMBODIED, format: Format = FORMAT) -> None:
    """A memory-bound elementwise kernel (e.g. an add: 2 reads, 1 write, 1 FLOP each)."""
    shape = dict(elements=elements, reads=reads, writes=writes,
                 flops_per_element=flops_per_element)
    _kernel("elementwise", shape, format, embodied=embodied, **_common(
        device, dtype, grid, region, pue, lifetime, utilization, method, no_host,
        compute_fraction, bandwidth_fraction))


@kernel_app.command("copy")
@user_errors
def copy_cmd(size: str = typer.Option(..., "--size", "--bytes", help=_h("kernel.size", "E.g. 4GB or 4e9.")),
             device: Optional[str] = DEVICE, grid: Optional[float] = GRID, region: Optional[str] = REGION,
             pue: Optional[float] = PUE, lifetime: Optional[float] = LIFETIME,
             utilization: Optional[float] = UTIL, method: str = METHOD,
             no_host: bool = NO_HOST, bandwidth_fraction: Optional[float] = FB,
             embodied: Optional[float] = EMBODIED, format: Format = FORMAT) -> None:
    """A device-to-device copy of a buffer (read once, written once)."""
    _kernel("copy", dict(size=_bytes(size)), format, embodied=embodied, **_common(
        device, "bf16", grid, region, pue, lifetime, utilization, method, no_host, None,
        bandwidth_fraction))


def _bytes(text: str) -> float:
    """A buffer size [B] from bytes (4e9) or a quantity (4GB), checked (registry kernel.size)."""
    from . import registry

    try:
        return registry.check("kernel.size", float(text))
    except ValueError:
        return registry.to_canonical("kernel.size", text)


# --- workloads -------------------------------------------------------------------------------------

TRAIN_ROWS = [("flops", "Training compute", "FLOP", 0), ("days", "Duration", "days", 2),
              ("chip_hours", "Chip-hours", "h", 0),
              ("tflops_per_chip", "Rate per chip", "TFLOP/s", 1), ("mfu", "Fraction of peak", "", 3),
              ("power_w_per_chip", "Average power per chip", "W", 1),
              ("energy_mwh", "Energy (with PUE)", "MWh", 2),
              ("operational_tco2e", "Operational", "tCO2e", 2),
              ("embodied_tco2e", "Embodied (time share)", "tCO2e", 2),
              ("total_tco2e", "Total", "tCO2e", 2),
              ("gco2e_per_eflop", "Per exaFLOP", "gCO2e/EFLOP", 1),
              ("operational_gco2e_per_eflop", "  operational", "gCO2e/EFLOP", 1),
              ("embodied_gco2e_per_eflop", "  embodied", "gCO2e/EFLOP", 1),
              ("gco2e_per_1000_tokens", "Per 1,000 training tokens", "gCO2e", 4)]
INFER_ROWS = [("tokens_per_second", "Throughput (all chips)", "tokens/s", 1),
              ("input_tokens", "Input tokens per request", "", 0),
              ("output_tokens", "Output tokens per request", "", 0),
              ("prefill_time_s", "Prefill time", "s", 4),
              ("decode_step_time_s", "Decode step time", "s", 5),
              ("power_w_per_chip", "Power per chip (decode)", "W", 1),
              ("energy_j_per_token", "Energy per output token (boundary)", "J", 4),
              ("energy_j_per_token_accelerator", "  accelerator", "J", 4),
              ("energy_j_per_token_server", "  server (+ host, idle)", "J", 4),
              ("energy_j_per_token_facility", "  facility (x PUE)", "J", 4),
              ("energy_wh_per_request", "Energy per request (boundary)", "Wh", 4),
              ("energy_kwh_per_1000_requests", "Energy per 1,000 requests", "kWh", 4),
              ("operational_gco2e_per_token", "Operational per token", "gCO2e", 6),
              ("embodied_gco2e_per_token", "Embodied per token", "gCO2e", 6),
              ("gco2e_per_token", "Total per token", "gCO2e", 6),
              ("gco2e_per_1000_requests", "Per 1,000 requests", "gCO2e", 2),
              ("operational_gco2e_per_1000_requests", "  operational", "gCO2e", 2),
              ("embodied_gco2e_per_1000_requests", "  embodied", "gCO2e", 2),
              ("gco2e_per_eflop", "Per exaFLOP", "gCO2e/EFLOP", 1),
              ("water_l_per_token", "Water per output token (Li et al. 2023)", "L", 9),
              ("water_l_per_request", "Water per request", "L", 6),
              ("ecologits_energy_wh_per_request", "EcoLogits 0.9.1: energy per request", "Wh", 4),
              ("ecologits_gco2e_per_request", "EcoLogits 0.9.1: carbon per request", "gCO2e", 4)]

LEVER = typer.Option(None, "--lever", help="What-if lever NAME=VALUE, repeatable: precision=fp8, "
                     "sparsity=0.5 (FLOPs kept), distillation=7e9 (params), carbon_aware=0.05 "
                     "(kgCO2e/kWh) or carbon_aware=FILE (an hourly grid CSV in the Electricity Maps or Ember layout, "
                     "a shipped sample's name, or hourly kgCO2e/kWh one per line: the "
                     "best window as long as the run). Prints baseline, each lever and all combined.")


def _power(text: Optional[str]) -> Any:
    if text is None or text == "measured":
        return text
    try:
        return float(text)
    except ValueError:
        return text   # '330W' / '330 W': parsed by the library


def _levers(items: Optional[list[str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in levers_mod.LEVERS:
            raise ParameterError(f"--lever: expected NAME=VALUE with NAME one of "
                                 f"{', '.join(levers_mod.LEVERS)}, got {item!r}")
        if name == "precision":
            out[name] = value.strip()
        elif name == "carbon_aware" and not _is_number(value):
            out[name] = _grid_series(value.strip())
        else:
            try:
                out[name] = float(value)
            except ValueError:
                raise ParameterError(f"--lever {name}: expected a number, got {value!r}") from None
    return out


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _grid_series(path: str):
    """An hourly grid series [kgCO2e/kWh]: a CSV in the Electricity Maps / Ember layouts or
    a shipped sample's name (lca.measured.hourly, the reader measured runs use), or one
    number per line, '#' comments allowed."""
    import numpy as np

    from .measured import hourly

    if path in hourly.shipped_names() or path.lower().endswith(".csv"):
        return hourly.load(path)

    try:
        values = np.loadtxt(path, comments="#", ndmin=1, dtype=float)
    except FileNotFoundError:
        raise ParameterError(f"{path}: file not found (--lever carbon_aware=FILE expects "
                             "hourly kgCO2e/kWh, one per line)") from None
    except ValueError as exc:
        raise ParameterError(f"{path}: expected hourly grid intensities [kgCO2e/kWh], one "
                             f"number per line ({exc})") from None
    if values.ndim != 1 or values.size == 0:
        raise ParameterError(f"{path}: expected one column of hourly grid intensities")
    return values


def _whatif(kind: str, kwargs: dict, levers: dict, fmt: Format) -> None:
    frame = levers_mod.apply_levers(kind, kwargs, **levers)
    key = "total_tco2e" if kind == "train" else "gco2e_per_token"
    if fmt == Format.json:
        typer.echo(dumps_json(frame_records(frame.reset_index(), null_ok=_workload_null),
                              null_ok=_workload_null))
    elif fmt == Format.csv:
        typer.echo(csv_text(frame, index=True), nl=False)
    else:
        energy = "energy_mwh" if kind == "train" else "energy_j_per_token"
        lines = [f"{'scenario':<16}{energy:>22}{key:>22}{'saving':>10}"]
        for label, row in frame.iterrows():
            lines.append(f"{label:<16}{_fmt(row[energy], 4):>22}{_fmt(row[key], 6):>22}"
                         f"{100 * row['saving']:>9.1f}%")
        typer.echo("\n".join(lines))


@workload_app.command("train")
@user_errors
def train_cmd(device: str = typer.Option(..., "--device"),
              count: float = typer.Option(1, "--count", help=_h("workload.count")),
              params: Optional[float] = typer.Option(None, "--params", help=_h("workload.params")),
              tokens: Optional[float] = typer.Option(None, "--tokens", help=_h("workload.tokens")),
              flops: Optional[float] = typer.Option(None, "--flops", help=_h("workload.flops", "Instead of 6 x params x tokens.")),
              efficiency: Optional[float] = typer.Option(None, "--efficiency", help=_h("workload.efficiency")),
              tflops: Optional[float] = typer.Option(None, "--tflops", help=_h("workload.tflops")),
              days: Optional[float] = typer.Option(None, "--days", help=_h("workload.days", "Instead of FLOPs / rate.")),
              power: Optional[str] = typer.Option(None, "--power", help=_h("workload.power", "E.g. 330W, or 'measured' (the device's published average); default: modelled.")),
              dtype: Optional[str] = typer.Option(None, "--dtype", help="Precision (default bf16, else fp16)."),
              pue: Optional[float] = PUE, grid: Optional[float] = GRID,
              region: Optional[str] = REGION, lifetime: Optional[float] = LIFETIME,
              utilization: Optional[float] = UTIL, method: str = METHOD,
              no_host: bool = NO_HOST, embodied: Optional[float] = EMBODIED,
              lever: Optional[list[str]] = LEVER,
              format: FormatSci = FORMAT_SCI) -> None:
    """A training run: days, MWh, operational and embodied tCO2e, gCO2e per exaFLOP."""
    kwargs = dict(device=device, count=count, params=params, tokens=tokens, flops=flops,
                  efficiency=efficiency, tflops=tflops, days=days, power=_power(power),
                  dtype=dtype, pue=pue, grid=grid, region=region, lifetime=lifetime,
                  utilization=utilization, method=method, host=not no_host, embodied=embodied)
    chosen = _levers(lever)
    if chosen and format == FormatSci.sci:
        raise ParameterError("--format sci: not for --lever comparisons; leave one of them out")
    if chosen:
        _whatif("train", kwargs, chosen, format)
        return
    r = accelerator.train(**kwargs)
    _emit(r, format, f"training on {_fmt(count, 0)} x {device}, {r.dtype}, method {r.method}",
          TRAIN_ROWS)


@workload_app.command("infer")
@user_errors
def infer_cmd(device: str = typer.Option(..., "--device"),
              params: Optional[float] = typer.Option(None, "--params", help=_h("workload.params", "Default: the --model's.")),
              model: Optional[str] = typer.Option(None, "--model", help="Model architecture of data/models.yaml (`lca workload models`)."),
              count: float = typer.Option(1, "--count", help=_h("workload.count", "Tensor-parallel over one replica.")),
              batch: float = typer.Option(1, "--batch", help=_h("workload.batch")),
              input_tokens: Optional[float] = typer.Option(None, "--input-tokens", help=_h("inference.input_tokens", "Default: data/inference.yaml.")),
              output_tokens: Optional[float] = typer.Option(None, "--output-tokens", help=_h("inference.output_tokens", "Default: data/inference.yaml.")),
              boundary: str = typer.Option("facility", "--boundary", help=_h("inference.boundary", "Sets the headline energy and the operational carbon.")),
              total_params: Optional[float] = typer.Option(None, "--total-params", help=_h("inference.total_params", "Default: --params.")),
              layers: Optional[float] = typer.Option(None, "--layers", help=_h("inference.layers")),
              heads: Optional[float] = typer.Option(None, "--heads", help=_h("inference.heads")),
              kv_heads: Optional[float] = typer.Option(None, "--kv-heads", help=_h("inference.kv_heads")),
              head_dim: Optional[float] = typer.Option(None, "--head-dim", help=_h("inference.head_dim")),
              hidden: Optional[float] = typer.Option(None, "--hidden", help=_h("inference.hidden")),
              kv_dtype: Optional[str] = typer.Option(None, "--kv-dtype", help="KV cache precision (default: the weights', at least 2 bytes)."),
              host_power: Optional[float] = typer.Option(None, "--host-power", help=_h("inference.host_power", "Default: data/inference.yaml.")),
              host_idle_power: Optional[float] = typer.Option(None, "--host-idle-power", help=_h("inference.host_idle_power")),
              step_overhead: Optional[float] = typer.Option(None, "--step-overhead", help=_h("inference.step_overhead")),
              prefill_compute_fraction: Optional[float] = typer.Option(None, "--prefill-compute-fraction", help=_h("inference.prefill_compute_fraction")),
              tokens_per_second: Optional[float] = typer.Option(None, "--tokens-per-second", help=_h("workload.tokens_per_second", "Default: modelled.")),
              tokens_per_request: Optional[float] = typer.Option(None, "--tokens-per-request", help=_h("workload.tokens_per_request", "Counted as output tokens with no prompt (prefer --input-tokens and --output-tokens).")),
              power: Optional[str] = typer.Option(None, "--power", help=_h("workload.power", "E.g. 500W; default: modelled.")),
              wue: Optional[float] = typer.Option(None, "--wue", help=_h("wue", "Default: data/lifecycle/water.yaml.")),
              water_intensity: Optional[float] = typer.Option(None, "--water-intensity", help=_h("water_intensity", "Default: the region's electricity.")),
              dtype: str = DTYPE, pue: Optional[float] = PUE, grid: Optional[float] = GRID,
              region: Optional[str] = REGION, lifetime: Optional[float] = LIFETIME,
              utilization: Optional[float] = typer.Option(None, "--utilization", help=_h("accelerator.utilization", "Also sets the idle capacity in the server boundary. Default: data/kernels.yaml allocation.utilization.")),
              method: str = METHOD,
              no_host: bool = NO_HOST,
              compute_fraction: Optional[float] = typer.Option(None, "--compute-fraction", help=_h("inference.compute_fraction", "Default: data/inference.yaml.")),
              bandwidth_fraction: Optional[float] = typer.Option(None, "--bandwidth-fraction", help=_h("inference.bandwidth_fraction", "Default: data/inference.yaml.")), embodied: Optional[float] = EMBODIED,
              lever: Optional[list[str]] = LEVER,
              format: FormatSci = FORMAT_SCI) -> None:
    """An inference service per output token, per request and per 1,000 requests: prefill
    and decode, at the accelerator, server or facility boundary, with EcoLogits beside it."""
    kwargs = dict(device=device, params=params, model=model, count=count, batch=batch,
                  input_tokens=input_tokens, output_tokens=output_tokens, boundary=boundary,
                  total_params=total_params, layers=layers, heads=heads, kv_heads=kv_heads,
                  head_dim=head_dim, hidden=hidden, kv_dtype=kv_dtype, host_power=host_power,
                  host_idle_power=host_idle_power, step_overhead=step_overhead,
                  prefill_compute_fraction=prefill_compute_fraction,
                  tokens_per_second=tokens_per_second, tokens_per_request=tokens_per_request,
                  wue=wue, water_intensity=water_intensity, power=_power(power), dtype=dtype, pue=pue, grid=grid, region=region,
                  lifetime=lifetime, utilization=utilization, method=method, host=not no_host,
                  compute_fraction=compute_fraction, bandwidth_fraction=bandwidth_fraction,
                  embodied=embodied)
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    chosen = _levers(lever)
    if chosen and format == FormatSci.sci:
        raise ParameterError("--format sci: not for --lever comparisons; leave one of them out")
    if chosen:
        _whatif("infer", kwargs, chosen, format)
        return
    r = accelerator.infer(**kwargs)
    what = r.model or f"{_fmt(r.columns['params'][0], 0)} parameters"
    _emit(r, format, f"inference of {what} on {_fmt(count, 0)} x {device}, {r.dtype}, batch "
          f"{_fmt(batch, 0)}, boundary {r.boundary}", INFER_ROWS)


@workload_app.command("models")
@user_errors
def models_cmd(format: Format = FORMAT) -> None:
    """Model architectures known to the inference model (data/models.yaml)."""
    from .accelerator import inference

    rows = []
    for key in inference.model_keys():
        a = inference.architecture(key)
        rows.append({"model": key, "params": a.params, "total_params": a.total_params,
                     "layers": a.layers, "heads": a.heads, "kv_heads": a.kv_heads,
                     "head_dim": a.head_dim, "hidden": a.hidden})
    if format == Format.json:
        # null: an architecture figure data/models.yaml does not give (README)
        typer.echo(dumps_json(rows, null_ok=lambda path: True))
        return
    import pandas as pd

    frame = pd.DataFrame(rows)
    if format == Format.csv:
        typer.echo(csv_text(frame), nl=False)
    else:
        typer.echo(frame.to_string(index=False, na_rep="-"))


@workload_app.command("validate")
@user_errors
def validate_cmd(kind: Optional[str] = typer.Option(None, "--kind", help="inference or training (default: both)."),
                 format: Format = FORMAT) -> None:
    """The inference and training models against public measurements (data/validation/)."""
    from .accelerator import validation

    if kind is not None and kind not in validation.KINDS:
        raise ParameterError(f"--kind: expected one of {', '.join(validation.KINDS)}, got {kind!r}")
    frame = validation.evaluate_all(kind)
    if format == Format.json:
        # null: a figure a reference does not publish, or an input it does not need (README)
        typer.echo(dumps_json(frame_records(frame, null_ok=lambda col: True),
                              null_ok=lambda path: True))
        return
    if format == Format.csv:
        cols = [c for c in frame.columns if c not in ("inputs", "extra", "source")]
        typer.echo(csv_text(frame[cols]), nl=False)
        return
    lines = []
    for ref, group in frame.groupby("reference", sort=False):
        first = group.iloc[0]
        lines.append(f"{ref} ({first['kind']}, boundary {first['boundary']}, {first['quantity']} "
                     f"[{first['unit']}])")
        for _, row in group.iterrows():
            pub = "-" if row["published"] is None else _fmt(row["published"], 4)
            err = "-" if row["error"] is None else f"{100 * row['error']:+.1f}%"
            if row["error"] is not None and "absolute" in row["tolerance"]:
                err = f"{row['error']:+.3f}"
            lines.append(f"  {row['case']:<44} lca {_fmt(row['lca'], 4):>12}  published "
                         f"{pub:>10}  error {err:>8}  {row['tolerance']:<22} {row['status']}")
    typer.echo("\n".join(lines))


#: The documented nulls of the workload JSON (README, "JSON of `lca workload train`"):
#: inputs not given (training tokens, FLOPs when only days are given) and what follows
#: from them, and a kernel's energy per FLOP for a copy.
WORKLOAD_NULLS = ("tokens", "gco2e_per_1000_tokens", "flops", "energy_pj_per_flop")


def _workload_null(path: str) -> bool:
    return path.rsplit(".", 1)[-1] in WORKLOAD_NULLS


def _reported_field(column: str) -> bool:
    """`lca workload levers` lists the studies' own figures: ``null`` where a study
    does not report one (README)."""
    return True


@workload_app.command("levers")
@user_errors
def levers_cmd(format: Format = FORMAT) -> None:
    """The seed studies' reported savings (documented examples, not used by the model)."""
    frame = levers_mod.reported_savings()
    if format == Format.json:
        # null: a saving the study does not report (README, "JSON never carries NaN")
        typer.echo(dumps_json(frame_records(frame.reset_index(), null_ok=_reported_field)))
    elif format == Format.csv:
        typer.echo(csv_text(frame, index=True), nl=False)
    else:
        lines = ["Reported savings (data/workloads/levers.yaml; the studies' own setups):"]
        for key, row in frame.iterrows():
            parts = [f"{f.split('_')[0]} -{100 * row[f]:.0f}%" for f in
                     ("energy_reduction", "emissions_reduction", "power_reduction")
                     if f in row and row[f] == row[f]]
            lines.append(f"  {key:<32} {row['lever']:<13} {', '.join(parts)}  ({row['source']})")
        typer.echo("\n".join(lines))


@commands.command("accelerator")
@user_errors
def accelerator_cmd(device: str = typer.Argument(..., help="Accelerator key (`lca list devices`)."),
                    method: str = METHOD, no_host: bool = NO_HOST,
                    format: Format = FORMAT) -> None:
    """Device figures and the embodied carbon of its module (from die specs) and host share."""
    dev = accelerator.device(device)
    e = accelerator.accelerator_embodied(device, method, not no_host)
    d = e.to_dict()
    d.update({"name": dev.name, "class": dev.device_class, "tdp_w": dev.tdp_w,
              "idle_power_w": dev.idle_w,
              "peak_tflops": {k: v / 1e12 for k, v in dev.peak_flops.items()},
              "memory_bandwidth_gb_s": dev.bandwidth_bytes_s / 1e9,
              "memory_gb": dev.memory_gb, "memory_type": dev.memory_type})
    d["notes"] = list(dev.notes) + d["notes"]
    if format == Format.json:
        typer.echo(dumps_json(d))
        return
    if format == Format.csv:
        flat = {k: v for k, v in d.items() if not isinstance(v, (dict, list))}
        flat.update({f"peak_tflops.{k}": v for k, v in d["peak_tflops"].items()})
        flat.update({f"module_by_component_kgco2e.{k}": v
                     for k, v in d["module_by_component_kgco2e"].items()})
        import pandas as pd

        typer.echo(csv_text(pd.DataFrame([flat])), nl=False)
        return
    lines = [f"{dev.name} ({device}, {dev.device_class})",
             f"  TDP {dev.tdp_w:g} W, idle {dev.idle_w:g} W, memory "
             f"{_fmt(dev.memory_gb, 0)} GB {dev.memory_type or ''} at "
             f"{_fmt(dev.bandwidth_bytes_s / 1e9, 0)} GB/s",
             "  dense peak: " + ", ".join(f"{k} {v / 1e12:g}" for k, v in dev.peak_flops.items())
             + " TFLOP/s (TOP/s for int8)",
             f"Embodied ({method}):"]
    for name, value in d["module_by_component_kgco2e"].items():
        lines.append(f"  {name:<30}{_fmt(value):>12} kgCO2e" if value is not None
                     else f"  {name:<30}{'not covered':>12}")
    lines.append(f"  {'module':<30}{_fmt(e.module_kgco2e):>12} kgCO2e")
    lines.append(f"  {'host share':<30}{_fmt(e.host_share_kgco2e):>12} kgCO2e"
                 + (f" ({e.host_bom} / {e.chips_per_host})" if e.host_bom else ""))
    lines.append(f"  {'total per accelerator':<30}{_fmt(e.total_kgco2e):>12} kgCO2e")
    for name, why in d["uncovered_components"].items():
        lines.append(f"Not covered by {method}: {name}: {why}")
    for note in d["notes"]:
        lines.append(f"Note: {note}")
    typer.echo("\n".join(lines))
