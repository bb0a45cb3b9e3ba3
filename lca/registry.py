"""The one registry of parameters: name, canonical unit, bounds, integer-ness, label and the
source of the range of every value a user can set.

Every entry point reads it: the BOM schema's validators, overrides, sweep axes, Monte
Carlo draws, kernel and workload arguments, the workbook's data validations, the report's
labels and the CLI help. The entries live in ``data/parameters.yaml``; names are dotted
and ``*`` stands for one segment (``components.*.area``, ``profile.*.share``).

Checks are vectorized: :func:`check` tests a whole array at once and raises a
:class:`~lca.errors.ParameterError` naming the parameter, the first offending value and
the bound it breaks.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

from ._lazy import lazy_module

np = lazy_module("numpy")   # on first check: the CLI's help texts read the registry without it

from .errors import DataError, ParameterError


@dataclass(frozen=True)
class Parameter:
    """One registry entry (a name or a pattern with ``*`` segments)."""

    name: str
    unit: str | None            # canonical unit; None: given by the context (a factor's figure)
    min: float | None = None
    max: float | None = None
    min_open: bool = False
    max_open: bool = False
    integer: bool = False
    missing_ok: bool = False    # NaN allowed: 'no figure' (reported as not covered, never 0)
    label: str = ""
    source: str = ""
    choices: tuple[str, ...] = ()   # a categorical parameter: its accepted values

    def bounds_text(self) -> str:
        """The bounds as a user reads them, e.g. ``greater than 0 and at most 50 year``."""
        if self.choices:
            return "one of " + ", ".join(self.choices)
        unit = "" if self.unit in (None, "dimensionless") else f" {self.unit}"
        parts = []
        if self.min is not None:
            parts.append(f"{'greater than' if self.min_open else 'at least'} {self.min:g}")
        if self.max is not None:
            parts.append(f"{'less than' if self.max_open else 'at most'} {self.max:g}")
        text = " and ".join(parts) or "finite"
        if self.integer:
            text = f"a whole number {text}"
        return text + unit

    def contains(self, values: np.ndarray) -> np.ndarray:
        """Element-wise: finite and within the bounds (and whole where required)."""
        ok = np.isfinite(values)
        if self.min is not None:
            ok &= (values > self.min) if self.min_open else (values >= self.min)
        if self.max is not None:
            ok &= (values < self.max) if self.max_open else (values <= self.max)
        if self.integer:
            ok &= np.floor(values) == values
        if self.missing_ok:
            ok |= np.isnan(values)
        return ok


@lru_cache(maxsize=1)
def entries() -> dict[str, Parameter]:
    """Every entry of ``data/parameters.yaml``, by name or pattern."""
    from . import data

    raw = data.load_yaml("parameters.yaml")
    entries = raw.get("parameters") if isinstance(raw, dict) else None
    if not isinstance(entries, dict):
        raise DataError("data/parameters.yaml: expected a mapping 'parameters'")
    out: dict[str, Parameter] = {}
    for name, e in entries.items():
        try:
            out[str(name)] = Parameter(
                name=str(name), unit=e.get("unit"),
                min=None if e.get("min") is None else float(e["min"]),
                max=None if e.get("max") is None else float(e["max"]),
                min_open=bool(e.get("min_open", False)), max_open=bool(e.get("max_open", False)),
                integer=bool(e.get("integer", False)),
                missing_ok=bool(e.get("missing_ok", False)), label=str(e.get("label", name)),
                source=str(e.get("source", "")),
                choices=tuple(str(c) for c in (e.get("choices") or ())))
        except (TypeError, ValueError, AttributeError) as exc:
            raise DataError(f"data/parameters.yaml: {name}: {exc}") from None
    return out


def _matches(pattern: str, name: str) -> bool:
    p, n = pattern.split("."), name.split(".")
    return len(p) == len(n) and all(a == "*" or a == b for a, b in zip(p, n))


@lru_cache(maxsize=4096)
def _lookup(name: str) -> Parameter | None:
    reg = entries()
    if name in reg:
        return reg[name]
    # component names may contain dots: match components.<anything>.<field> on the field
    # (or on the last two segments for a nested field: components.<name>.power.active)
    if name.startswith("components."):
        parts = name.split(".")
        if len(parts) >= 4 and f"components.*.{parts[-2]}.{parts[-1]}" in reg:
            return reg[f"components.*.{parts[-2]}.{parts[-1]}"]
        return reg.get(f"components.*.{parts[-1]}")
    candidates = [p for p in reg.values() if _matches(p.name, name)]
    if candidates:
        return min(candidates, key=lambda p: p.name.count("*"))
    # method factor keys may have several segments (factors.act2022.logic.14nm.epa)
    if name.startswith("factors.") and name.count(".") >= 2:
        return reg.get("factors.*.*")
    return None


def find(name: str) -> Parameter | None:
    """The registry entry for ``name`` (exact, else the most specific pattern), or None."""
    return _lookup(name)


def get(name: str) -> Parameter:
    """The registry entry for ``name``; ParameterError for a name it does not know."""
    p = _lookup(name)
    if p is None:
        raise ParameterError(f"{name}: not a registered parameter", parameter=name)
    return p


def unit(name: str) -> str | None:
    """The canonical unit of ``name`` (None where the context gives it: a factor's figure)."""
    return get(name).unit


def label(name: str, context: Mapping[str, Any] | None = None) -> str:
    """A short human label for ``name`` (``components.dram.dies`` -> ``dram: dies``).

    ``context`` (the parameters of a compiled BOM) words profile states by their power:
    ``profile.0.share`` -> ``time share at 555 W``, ``profile.0.power`` -> ``power for 75%
    of the time``.
    """
    p = _lookup(name)
    if p is None:
        return name
    parts = name.split(".")
    if name.startswith("components."):
        field = p.name.split(".", 2)[2]
        return f"{name[len('components.'):-(len(field) + 1)]}: {p.label}"
    if name.startswith("profile.") and len(parts) == 3:
        other = "power" if parts[2] == "share" else "share"
        value = None if context is None else context.get(f"profile.{parts[1]}.{other}")
        if value is not None and np.ndim(value) == 0 and math.isfinite(float(value)):
            if parts[2] == "share":
                return f"{p.label} at {float(value):g} W"
            return f"{p.label} for {float(value):.0%} of the time"
        return f"{p.label} of state {parts[1]}"
    if name.startswith("factors.") and len(parts) >= 3:
        if p.name != "factors.*.*":
            return f"{parts[1]} {p.label}"
        return f"{parts[1]} factor {'.'.join(parts[2:])}"
    return p.label


def help_text(name: str, text: str | None = None) -> str:
    """CLI help of an option setting ``name``: its label (or ``text``), unit and bounds,
    e.g. ``Lifetime [year]: > 0 and <= 50.``"""
    p = get(name)
    head = text or (p.label[:1].upper() + p.label[1:])
    unit_text = "" if p.unit in (None, "dimensionless") else f" [{p.unit}]"
    bounds = p.bounds_text()
    if p.unit not in (None, "dimensionless") and bounds.endswith(f" {p.unit}"):
        bounds = bounds[: -len(p.unit) - 1]
    return f"{head}{unit_text}: {bounds}."


def check_choice(name: str, value: Any, accepted: Iterable[str]) -> str:
    """``value`` if it is one of ``accepted`` (case as given), else a ParameterError with
    the list of accepted values. For categorical inputs: node, technology, material,
    region, method, device, dtype, ..."""
    accepted = list(accepted)
    if not isinstance(value, str) or value not in accepted:
        raise ParameterError(f"{name}: unknown {value!r}: expected one of {', '.join(accepted)}",
                             parameter=name, value=value, bound=f"one of {', '.join(accepted)}")
    return value


def check(name: str, value: Any, unit: str | None = None) -> Any:
    """``value`` (a number or an array) checked against ``name``'s bounds; returned as is.

    Raises ParameterError for a value that is not a real number, is not finite, breaks a
    bound or is fractional where a whole number is required. One vectorized test per
    array, never a Python loop over its elements.
    """
    p = get(name)
    if isinstance(value, bool) or value is None or isinstance(value, (str, bytes)):
        raise ParameterError(f"{name}: expected a number, got {value!r}", parameter=name,
                             value=value, bound=p.bounds_text())
    if getattr(value, "dtype", None) is not None and value.dtype.kind == "b":
        raise ParameterError(f"{name}: expected numbers, got booleans", parameter=name,
                             value=value, bound=p.bounds_text())
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise ParameterError(f"{name}: expected a number or an array of numbers, got "
                             f"{type(value).__name__}", parameter=name, value=value,
                             bound=p.bounds_text()) from None
    if arr.size == 0:
        raise ParameterError(f"{name}: expected a number, got an empty {type(value).__name__}",
                             parameter=name, value=value, bound=p.bounds_text())
    ok = p.contains(arr)
    if not np.all(ok):
        bad = arr[~ok] if arr.ndim else arr
        first = float(np.ravel(bad)[0])
        shown = f"{first:g}" if math.isfinite(first) else str(first)
        unit_text = "" if (unit or p.unit) in (None, "dimensionless") else f" {unit or p.unit}"
        raise ParameterError(f"{name}: expected {p.bounds_text()}, got {shown}{unit_text}",
                             parameter=name, value=first, bound=p.bounds_text())
    return value


#: A quantity written as text starts with a number ("5 years", "-1 cm^2", ".5", "1e3 W").
_NUMBER_FIRST = re.compile(r"^\s*[-+]?(\d|\.\d|inf|nan)", re.IGNORECASE)


def starts_with_number(text: str) -> bool:
    """Whether ``text`` begins with a number, as a quantity written as text must."""
    return bool(_NUMBER_FIRST.match(text))


def _example(p: Parameter, canonical: str) -> str:
    value = p.min if p.min is not None and p.min > 0 else (p.max if p.max is not None and p.max < 1 else 1)
    return f"{value:g} {canonical}" if canonical != "dimensionless" else f"{value:g}"


def to_canonical(name: str, value: Any, unit: str | None = None) -> Any:
    """``value`` as a plain number (or array) in the canonical unit of ``name``.

    A number or array is taken as canonical already; a pint Quantity or a string with a
    unit (``"50 gCO2e/kWh"``) is converted. ``unit`` gives the canonical unit where the
    registry leaves it to the context (a factor's own unit). The result is checked.
    """
    p = get(name)
    canonical = unit or p.unit or "dimensionless"
    if isinstance(value, str) or hasattr(value, "magnitude"):
        q = value
        if isinstance(value, str):
            value = str(value)  # numpy's str_ (a sweep axis) would print as np.str_('...')
            if not _NUMBER_FIRST.match(value):
                raise ParameterError(f"{name}: expected a number with a unit (e.g. "
                                     f"\"{_example(p, canonical)}\"), got {value!r}",
                                     parameter=name, value=value, bound=p.bounds_text())
            from .units import quick_magnitude

            fast = quick_magnitude(value, canonical)
            if fast is not None:
                return check(name, fast, canonical)
            from .units import ureg

            try:
                q = ureg.Quantity(value.strip())
            except Exception:  # pint raises several types for unreadable text
                raise ParameterError(f"{name}: cannot read {value!r} as a quantity",
                                     parameter=name, value=value) from None
        try:
            from .units import to_unit
            value = to_unit(q, canonical).magnitude
            if np.ndim(value) == 0:
                value = float(value)
        except Exception:
            raise ParameterError(f"{name}: expected a quantity in {canonical}, got {value}",
                                 parameter=name, value=value) from None
    return check(name, value, canonical)


#: Categorical BOM values checked against what the methods' data can cost (see choices).
CHOICE_KINDS = ("node", "memory technology", "material")


@lru_cache(maxsize=None)
def choices(kind: str) -> tuple[str, ...]:
    """The values a categorical BOM field may take, from the data that costs them:

    ``node``: the process nodes some method has a row or a named stand-in for (ACT's
    logic table and node stand-ins, LLMCarbon's CPA table and node stand-ins);
    ``memory technology``: ACT's DRAM rows and its DRAM stand-ins (HBM, GDDR, LPDDR);
    ``material``: the materials of data/factors/materials.yaml and their aliases.
    Lower case, without spaces (a BOM's value is compared the same way).
    """
    from . import data

    def keys(table: Any, skip: tuple[str, ...] = ("note", "default")) -> set[str]:
        return {str(k).lower() for k in (table or {}) if k not in skip}

    if kind == "node":
        act, llm = data.factor_table("act2022"), data.factor_table("llmcarbon2024")
        found = (keys(act.get("logic")) | keys(act.get("node_stand_ins"))
                 | keys(llm.get("cpa")) | keys(llm.get("node_stand_ins")))
        return tuple(sorted(found, key=lambda n: (float(n[:-2]) if n[:-2].replace(".", "").isdigit()
                                                  else math.inf, n)))
    if kind == "memory technology":
        act = data.factor_table("act2022")
        stand = {k for k, v in (act.get("stand_ins") or {}).items()
                 if isinstance(v, dict) and v.get("table") == "dram"}
        return tuple(sorted(keys(act.get("dram")) | stand))
    if kind == "material":
        mats = data.factor_table("materials")
        return tuple(sorted(keys(mats.get("materials")) | keys(mats.get("aliases"))))
    raise ParameterError(f"unknown kind of value {kind!r}: expected one of {', '.join(CHOICE_KINDS)}")


def check_names(**values: Any) -> None:
    """Each given categorical argument (a device, dtype, method, region, kind ...) is text
    or None; anything else is a ParameterError naming it."""
    for name, value in values.items():
        if value is not None and not isinstance(value, str):
            raise ParameterError(f"{name}: expected a name (text), got {type(value).__name__}",
                                 parameter=name, value=value, bound="a name")


def check_scalar(name: str, value: Any) -> Any:
    """``value`` if it is one number (not a list or array), else a ParameterError: for
    entry points that take a single scenario (``lca.assess``)."""
    if np.ndim(value) != 0 and not hasattr(value, "magnitude"):
        raise ParameterError(f"{name}: expected one number, got {type(value).__name__} "
                             f"(use lca.sweep for several values)", parameter=name, value=value)
    if hasattr(value, "magnitude") and np.ndim(value.magnitude) != 0:
        raise ParameterError(f"{name}: expected one quantity, got an array",
                             parameter=name, value=value)
    return value


def check_one(name: str, value: Any, unit: str | None = None) -> Any:
    """One number (not an array) checked against ``name``'s bounds: for sizes, seeds and
    other arguments that take a single value."""
    if isinstance(value, (bool, str, bytes)) or value is None:
        return check(name, value, unit)          # words the wrong type
    check_scalar(name, value)
    return check(name, value, unit)


@lru_cache(maxsize=1)
def limits() -> dict[str, float]:
    """``limits`` of data/parameters.yaml (the share of available memory a result may take)."""
    from . import data

    raw = data.load_yaml("parameters.yaml").get("limits") or {}
    return {str(k): float(v["value"] if isinstance(v, dict) else v) for k, v in raw.items()}


def available_memory() -> float | None:
    """Memory a new result can take [byte], or None when unknown.

    On Linux this is the kernel's estimate ``MemAvailable`` (free pages plus the page cache
    and slab it can reclaim; ``MemFree`` alone is a few hundred MB on a machine whose
    cache holds the rest), lowered to the room left under the cgroup's memory limit when
    the process runs in a container that has one. Elsewhere: sysconf's free pages.
    """
    import os

    try:
        free = meminfo_available(Path("/proc/meminfo").read_text(encoding="ascii"))
    except OSError:
        free = None
    if free is None:
        try:
            free = float(os.sysconf("SC_AVPHYS_PAGES")) * float(os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError, AttributeError):
            return None
    room = _cgroup_room()
    return free if room is None else min(free, room)


def meminfo_available(text: str) -> float | None:
    """``MemAvailable`` of /proc/meminfo's ``text`` [byte] (the file counts kB of 1024 B)."""
    for line in text.splitlines():
        if line.startswith("MemAvailable:"):
            return float(line.split()[1]) * 1024.0
    return None


#: cgroup v2 and v1 files: the limit, the usage, and the name of the reclaimable page
#: cache in memory.stat (charged to the usage, given back under pressure).
_CGROUP_FILES = (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current",
                  "/sys/fs/cgroup/memory.stat", "inactive_file"),
                 ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                  "/sys/fs/cgroup/memory/memory.usage_in_bytes",
                  "/sys/fs/cgroup/memory/memory.stat", "total_inactive_file"))


def _cgroup_room() -> float | None:
    for limit_file, usage_file, stat_file, cache_key in _CGROUP_FILES:
        try:
            limit, usage, stat = (Path(f).read_text(encoding="ascii")
                                  for f in (limit_file, usage_file, stat_file))
        except OSError:
            continue
        return cgroup_room(limit, usage, stat, cache_key)
    return None


def cgroup_room(limit: str, usage: str, stat: str, cache_key: str) -> float | None:
    """Bytes left under a cgroup memory ``limit`` (file texts), counting the inactive page
    cache as reclaimable; None without a limit ("max", or v1's near-2**63 default)."""
    limit = limit.strip()
    if not limit.isdigit() or float(limit) >= 2.0 ** 60:
        return None
    cache = 0.0
    for line in stat.splitlines():
        key, _, value = line.partition(" ")
        if key == cache_key and value.strip().isdigit():
            cache = float(value)
    used = max(float(usage.strip() or 0) - cache, 0.0)
    return max(float(limit) - used, 0.0)


def check_memory(n_values: float, what: str, way_out: str) -> None:
    """Refuse, before allocating, a result of ``n_values`` float64 numbers that would take
    more than ``limits.memory_fraction`` of the available memory (and never more than
    ``limits.max_result_bytes``), with the estimated size and ``way_out``."""
    need = float(n_values) * 8.0
    lim = limits()
    cap = lim.get("max_result_bytes", math.inf)
    free = available_memory()
    if free is not None:
        cap = min(cap, free * lim.get("memory_fraction", 0.5))
    if need > cap:
        raise ParameterError(
            f"{what}: would need about {_bytes_text(need)} of memory, more than the "
            f"{_bytes_text(cap)} lca allows itself ({lim.get('memory_fraction', 0.5):.0%} of the "
            f"available memory, at most {_bytes_text(lim.get('max_result_bytes', math.inf))}); "
            f"{way_out}", parameter=what, value=n_values, bound=f"<= {_bytes_text(cap)}")


def _bytes_text(n: float) -> str:
    if not math.isfinite(n):
        return "unlimited"
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.0f} B"


def nomenclature() -> list[dict[str, Any]]:
    """Every registry entry as a row: name, unit, bounds, integer, label and source."""
    return [{"name": p.name,
             "unit": "(a name)" if p.choices else (p.unit or "(the figure's unit)"),
             "bounds": p.bounds_text(),
             "integer": p.integer, "label": p.label, "source": p.source}
            for p in entries().values()]


def nomenclature_markdown() -> str:
    """The nomenclature as a Markdown table (docs/PARAMETERS.md is generated from it)."""
    lines = ["| parameter | unit | accepted | label | source of the range |",
             "|---|---|---|---|---|"]
    for row in nomenclature():
        cells = [f"`{row['name']}`", row["unit"], row["bounds"], row["label"], row["source"]]
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


__all__ = ["Parameter", "entries", "find", "get", "unit", "label", "help_text", "check", "check_one",
           "check_choice", "to_canonical", "check_scalar", "check_memory", "nomenclature"]


def main() -> None:
    """Print docs/PARAMETERS.md (``python -m lca.registry > docs/PARAMETERS.md``)."""
    print(NOMENCLATURE_HEAD + nomenclature_markdown(), end="")


NOMENCLATURE_HEAD = """# Parameters (nomenclature)

Generated from `data/parameters.yaml` by `python -m lca.registry > docs/PARAMETERS.md`;
do not edit by hand. Every value a user can set (a BOM field, an override such as
`lca assess --pue`, a sweep axis, a Monte Carlo distribution, a kernel or workload
argument) is checked against these bounds on every path; a value outside them, not finite
or of the wrong type is refused with a `ParameterError` (a `BomError` in a BOM file)
naming the parameter, the value and the bound.

Names are dotted; `*` stands for one segment: a component's name
(`components.dram.dies`), a profile state's index (`profile.0.share`), a method and a
factor key (`factors.clemm2024.dram_die`, `factors.act2022.logic.10nm.epa`). Plain
numbers are read in the unit given here; text with a unit (`"50 gCO2e/kWh"`) is converted.
`lca.parameters()` gives this table in Python, `lca.parameters(bom, details=True)` a BOM's
parameters with their values.

"""


if __name__ == "__main__":
    main()
