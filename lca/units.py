"""The project's one pint registry.

Conventions, declared once here and relied on everywhere:

* A ``CO2e`` dimension of its own, so that kilograms of steel and kilograms of CO2e
  can never be mixed up: ``gCO2e``, ``kgCO2e``, ``tCO2e`` (and ``MtCO2e``).
* A year is 8,760 h (365 days), for lifetimes and annual energy alike. pint's default
  Julian year (8,766 h) is replaced.
* Water, minerals and primary energy get dimensions of their own too, so that no impact
  category can pass for another: water consumption in ``L_water`` (``mL_water``,
  ``ML_water``), abiotic depletion of minerals and metals in ``kgSbeq`` (kilograms of
  antimony equivalent) and primary energy in ``MJ_primary`` (a megajoule of primary
  energy is not a megajoule of electricity). :func:`magnitude` reads a plain volume as
  water and a plain energy as primary energy where the target unit asks for them.
* Computation is counted in ``FLOP`` (``flop``) and ``OP`` (integer operations), so
  peak rates read ``TFLOP/s`` and ``TOP/s``.
* Canonical units: the vectorized core works on plain floats in these units; pint is
  used only at the edges (parsing input, returning results).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sys
import threading
from pathlib import Path
from typing import Any

from .cache import cache_folder
from .errors import LcaError, NotMultiplicativeError

#: Hours in a year: the project's convention (365 days of 24 h; pint's default is the
#: Julian year of 8,766 h). The registry's ``year`` is defined from this number.
HOURS_PER_YEAR: float = 8760.0
SECONDS_PER_YEAR: float = HOURS_PER_YEAR * 3600.0


def _import_pint():
    """Import pint without the optional packages it probes for at import time.

    pint imports ``dask.base`` and ``scipy`` when they are installed (0.2-0.4 s of CPU),
    only to support pint Quantities that wrap dask arrays or call scipy; lca never builds
    those (the core works on plain floats, and the Dask engine of lca.fleet works on
    plain DataFrames). While pint is imported the two names are hidden, unless they were
    imported already.
    """
    hidden = [name for name in ("dask", "scipy") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` fail
    try:
        import pint
    finally:
        for name in hidden:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]
    return pint


def _pint():
    """pint, imported on first use (see :func:`_import_pint`)."""
    module = globals().get("pint")
    if module is None:
        module = globals()["pint"] = _import_pint()
    return module


def _pint_folder() -> Path:
    """The folder of the installed pint package, found without importing it (about 0.1
    ms, where importing pint costs about 0.15 s of CPU)."""
    if "pint" in sys.modules:
        return Path(sys.modules["pint"].__file__).parent
    from importlib.util import find_spec

    spec = find_spec("pint")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("No module named 'pint'", name="pint")
    return Path(spec.origin).parent

#: Definitions added to pint's defaults: dimensions of their own for CO2e, water, Sb eq and
#: primary energy (never interchangeable), and computation counts.
_LCA_DEFINITIONS = (
    "gram_CO2e = [co2e] = gCO2e = g_CO2e",
    "kilogram_CO2e = 1000 * gram_CO2e = kgCO2e = kg_CO2e",
    "tonne_CO2e = 1e6 * gram_CO2e = tCO2e = t_CO2e",
    "megatonne_CO2e = 1e12 * gram_CO2e = MtCO2e",
    "litre_water = [water] = L_water = l_water",
    "gram_Sb_eq = [antimony_eq] = gSbeq = g_Sb_eq",
    "kilogram_Sb_eq = 1000 * gram_Sb_eq = kgSbeq = kg_Sb_eq",
    "joule_primary = [primary_energy] = J_primary",
    "operation = [computation] = OP = op",
    "floating_point_operation = operation = FLOP = flop",
)


def _definitions(name: str = "default_en.txt") -> list[str]:
    """pint's own default definitions with two changes of convention (see module doc):
    information (bit, byte) gets a dimension of its own, so "2 TB" is not dimensionless
    and cannot pass for a count or a ratio; a year is 8,760 h, not the Julian 8,766 h."""
    folder = _pint_folder()
    lines: list[str] = []
    for line in (folder / name).read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("@import"):
            lines.extend(_definitions(stripped.split(None, 1)[1]))
            continue
        if stripped == "bit = []":
            line = "bit = [information]"
        elif stripped.startswith("year = 365.25 * day"):
            lines.append("julian_year = 365.25 * day")
            line = f"year = {HOURS_PER_YEAR:g} * hour = a = yr"
        lines.append(line)
    return lines


def _definitions_file(text: str) -> tuple[Path, Path] | None:
    """The registry's definitions as a file named by their hash in lca's cache folder
    (and pint's parse cache beside it), written once; None when it cannot be written."""
    folder = cache_folder()
    if folder is None:
        return None
    folder = folder / f"pint-{_pint().__version__}"
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    path = folder / f"units-{digest}.txt"
    try:
        if not path.is_file():
            from .io import write_atomic
            write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), force=True)
        return path, folder / "parsed"
    except OSError:
        return None


def _registry():
    """Build the registry. Parsing pint's definitions costs about 0.3 s of CPU; pint keeps
    the parsed result in a cache folder (its ``cache_folder=``), so the definitions are
    written to a file in lca's cache once and later processes load them in about 0.03 s.
    Without a writable cache the registry is built from the definitions directly."""
    pint = _pint()
    text = _registry_text()
    where = _definitions_file(text)
    if where is not None:
        try:
            return pint.UnitRegistry(str(where[0]), cache_folder=where[1])
        except Exception:  # an unreadable or stale cache: build without it
            pass
    registry = pint.UnitRegistry(None, cache_folder=None)
    registry.load_definitions(_definitions())
    for line in _LCA_DEFINITIONS:
        registry.define(line)
    return registry


def _registry_text() -> str:
    """The registry's definitions: pint's defaults with lca's conventions, then lca's own
    units (the text :func:`_registry` loads, and the key of the conversion memo)."""
    global _TEXT
    if _TEXT is None:
        _TEXT = "\n".join([*_definitions(), *_LCA_DEFINITIONS]) + "\n"
    return _TEXT


_TEXT: str | None = None


_BUILDING = threading.Lock()


def _ureg():
    """The registry, built on first use (once, also where threads ask at the same time:
    Quantities of two registries cannot be combined); also binds ``ureg``, ``Quantity``
    and ``Q_``."""
    registry = globals().get("ureg")
    if registry is None:
        with _BUILDING:
            registry = globals().get("ureg")
            if registry is None:
                registry = _registry()
                globals().update(ureg=registry, Quantity=registry.Quantity, Q_=registry.Quantity)
    return registry


#: Attributes of this module made on first use: importing lca.units does not import pint.
_LAZY = ("pint", "ureg", "Quantity", "Q_")


def __getattr__(name: str) -> Any:
    """PEP 562: ``units.ureg``, ``units.Quantity``, ``units.Q_`` and ``units.pint`` import
    pint and build the registry when first read."""
    if name == "pint":
        return _pint()
    if name in _LAZY:
        _ureg()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: Canonical units of the vectorized core, by kind of quantity.
CANONICAL: dict[str, str] = {
    "carbon": "kgCO2e",
    "energy": "kWh",
    "power": "W",
    "area": "cm^2",
    "capacity": "GB",
    "time": "h",
    "lifetime": "year",
    "mass": "kg",
    "grid": "kgCO2e/kWh",
    "carbon_per_area": "kgCO2e/cm^2",
    "carbon_per_capacity": "kgCO2e/GB",
    "carbon_per_mass": "kgCO2e/kg",
    "density": "GB/cm^2",
    "flop_rate": "FLOP/s",
    "rate": "1/s",
    "bandwidth": "GB/s",
}


#: Plain units read as the impact dimension a target unit asks for (see :func:`to_unit`).
_READ_AS = (("[water]", "L_water/L"), ("[primary_energy]", "J_primary/J"))


def to_unit(q: pint.Quantity, unit: str) -> pint.Quantity:
    """``q`` converted to ``unit``; a plain volume is read as water and a plain energy as
    primary energy where ``unit`` asks for them (``"0.55 L/kWh"`` -> ``L_water/kWh``,
    ``"9.7 MJ/kWh"`` -> ``MJ_primary/kWh``). Raises pint's DimensionalityError otherwise."""
    pint, ureg = _pint(), _ureg()
    try:
        return q.to(unit)
    except pint.DimensionalityError:
        target = ureg.Quantity(1, unit).dimensionality
        for dim, factor in _READ_AS:
            if dim in target and dim not in q.dimensionality:
                try:
                    return (q * ureg.Quantity(1, factor)).to(unit)
                except pint.DimensionalityError:
                    pass
        raise


def magnitude(value: pint.Quantity | str, unit: str) -> float:
    """Magnitude of ``value`` in ``unit`` (raises pint's DimensionalityError)."""
    q = _ureg().Quantity(value) if isinstance(value, str) else value
    return float(to_unit(q, unit).magnitude)


# --- the conversion memo: pint only on a new unit ---------------------------------------

#: Version of the memo file's layout (part of its name: a new layout starts a new file).
_MEMO_FORMAT = 1

#: Test magnitude of the multiplicative check: a conversion is memoised only when
#: converting it gives exactly this times the factor (an offset unit such as degC fails).
_PROBE = 2.5

#: Memo sections: ``factors`` (src -> dst -> factor of a plain conversion), ``read_as``
#: (the same where only the water/primary-energy reading rule converts, see
#: :func:`to_unit`) and ``units`` (unit texts that parse -> their dimensionality).
_SECTIONS = ("factors", "read_as", "units")

_memo: dict[str, dict[str, Any]] | None = None


def _memo_path() -> Path | None:
    """The memo file in lca's cache folder, named by what the factors depend on; None
    without a cache folder (the memo is then kept in memory only).

    The name is a BLAKE2b digest of (1) the registry's definitions text (pint's definition
    files as lca changes them, plus lca's own units, so a new convention or a pint release
    with other definitions starts a new memo), (2) the stat signature (path, size,
    modification time, inode) of the installed pint's ``__init__.py``, which every
    install or upgrade of pint rewrites -- pint's version itself costs an import of
    ``importlib.metadata`` (about 70 ms) to read -- and (3) the reading rule
    ``_READ_AS`` and the memo's layout. Computing it reads pint's two definition files
    (about 50 kB) without importing pint.
    """
    folder = cache_folder()
    if folder is None:
        return None
    try:
        init = _pint_folder() / "__init__.py"
        st = init.stat()
    except (OSError, ImportError):
        return None
    key = "\0".join([_registry_text(), f"{init}|{st.st_size}|{st.st_mtime_ns}|{st.st_ino}",
                     repr(_READ_AS), str(_MEMO_FORMAT)])
    digest = hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
    return folder / "units-memo" / f"{digest}.json"


def _valid_memo(data: Any) -> dict[str, dict[str, Any]]:
    """The sections of a parsed memo file that have the expected shape (others empty)."""
    memo: dict[str, dict[str, Any]] = {name: {} for name in _SECTIONS}
    if not isinstance(data, dict):
        return memo
    for name in ("factors", "read_as"):
        table = data.get(name)
        if isinstance(table, dict):
            memo[name] = {src: {dst: f for dst, f in row.items() if type(f) is float}
                          for src, row in table.items() if isinstance(row, dict)}
    if isinstance(data.get("units"), dict):
        memo["units"] = {u: dims for u, dims in data["units"].items() if isinstance(dims, dict)
                         and all(type(x) in (int, float) for x in dims.values())}
    return memo


def _read_memo(path: Path | None) -> dict[str, dict[str, Any]]:
    """The memo stored at ``path``; empty when missing, unreadable or corrupt."""
    if path is None:
        return _valid_memo(None)
    try:
        return _valid_memo(json.loads(path.read_bytes()))
    except (OSError, ValueError):
        return _valid_memo(None)


def _loaded_memo() -> dict[str, dict[str, Any]]:
    global _memo
    if _memo is None:
        _memo = _read_memo(_memo_path())
    return _memo


def _remember(section: str, src: str, dst: str | None, value: Any) -> None:
    """Add an entry (``src -> dst -> value``, or ``src -> value`` without ``dst``) to the
    memo in memory and in its file, merged with what other processes wrote meanwhile and
    written atomically; a cache folder that cannot be written is skipped."""
    memo = _loaded_memo()
    if dst is None:
        memo[section][src] = value
    else:
        memo[section].setdefault(src, {})[dst] = value
    path = _memo_path()
    if path is None:
        return
    merged = _read_memo(path)
    for name in _SECTIONS:
        for key, entry in memo[name].items():
            if isinstance(entry, dict):
                merged[name].setdefault(key, {}).update(entry)
            else:
                merged[name][key] = entry
    text = json.dumps(merged, sort_keys=True)
    try:
        from .io import write_atomic

        write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), force=True)
    except (OSError, LcaError):
        pass


def _pint_factor(src: str, dst: str, read_as: bool) -> tuple[float, bool]:
    """pint's conversion of 1 ``src`` to ``dst`` and whether the reading rule was needed.
    Raises pint's errors, and NotMultiplicativeError where the conversion is not a plain
    multiplication (an offset unit: 2.5 ``src`` is not 2.5 times 1 ``src``)."""
    pint, ureg = _pint(), _ureg()
    one = ureg.Quantity(1.0, src)
    try:
        converted, used = one.to(dst), False
    except pint.DimensionalityError:
        if not read_as:
            raise
        converted, used = to_unit(one, dst), True
    f = converted.magnitude
    probe = to_unit(ureg.Quantity(_PROBE, src), dst).magnitude
    if not (one._is_multiplicative and ureg.Quantity(1.0, dst)._is_multiplicative
            and type(f) is float and math.isfinite(f) and probe == _PROBE * f):
        raise NotMultiplicativeError(f"converting {src} to {dst} is not a multiplication")
    return f, used


def factor(src_unit: str, dst_unit: str, read_as: bool = True) -> float:
    """The factor that converts a magnitude in ``src_unit`` to ``dst_unit`` [dst/src].

    ``value * factor(src, dst)`` equals pint's ``to_unit(Quantity(value, src), dst)``
    bit for bit (pint converts a multiplicative unit as value x factor). Computed with
    pint the first time and remembered in memory and in a small JSON file in lca's cache
    folder (see :func:`_memo_path`), so a later process converts without importing pint
    (0.15 s of CPU) or building the registry (0.05 s). ``read_as`` applies the reading
    rule of :func:`to_unit` (a plain volume read as water, a plain energy as primary
    energy); without it the conversion is pint's plain ``.to``. Errors are pint's (an
    unknown unit, a DimensionalityError) and are not remembered; a conversion that is
    not a multiplication (degC to K) raises NotMultiplicativeError.
    """
    memo = _loaded_memo()
    found = memo["factors"].get(src_unit, {}).get(dst_unit)
    if found is None and read_as:
        found = memo["read_as"].get(src_unit, {}).get(dst_unit)
    if found is not None:
        return found
    f, used = _pint_factor(src_unit, dst_unit, read_as)
    _remember("read_as" if used else "factors", src_unit, dst_unit, f)
    return f


def dimensionality(unit_text: str) -> dict[str, float]:
    """The dimensions of a unit and their exponents (``"kgCO2e/kWh"`` -> ``{"[co2e]": 1,
    "[length]": -2, "[mass]": -1, "[time]": 2}``; empty for a dimensionless unit). Raises
    pint's error where ``unit_text`` does not parse as a unit; a unit that parsed once is
    remembered with the conversion factors (see :func:`factor`)."""
    found = _loaded_memo()["units"].get(unit_text)
    if found is None:
        found = dict(_ureg().Unit(unit_text).dimensionality)
        _remember("units", unit_text, None, found)
    return found


def check_unit(unit_text: str) -> None:
    """Raise pint's error unless ``unit_text`` parses as a unit (remembered as
    :func:`dimensionality`)."""
    dimensionality(unit_text)


#: A quantity the fast path reads: a decimal float literal, then a unit starting with a
#: letter, µ or °. Written together ("700W"), the unit may not start with a letter that
#: Python's tokenizer (which pint uses) would read as part of the number (1e3, 2j, 0x1F).
_QUANTITY = re.compile(
    r"(?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
    r"(?:\s+(?P<spaced>(?:[^\W\d_]|°).*)|(?P<joined>(?:[^\W\d_eEjJxXoObB]|°).*))", re.DOTALL)


def parse_quantity(text: str) -> tuple[float, str] | None:
    """``"8.12 cm^2"`` -> ``(8.12, "cm^2")``: the number and unit text of a simple
    quantity, for ``number * factor(unit, target)``; None for anything else (no unit, a
    leading ``1/``, an expression, a number too large for a float, inf, nan), which is
    left to pint. Surrounding white space is ignored; the unit text is returned as
    written (the caller's :func:`factor` rejects what pint cannot read as one unit)."""
    match = _QUANTITY.fullmatch(text.strip())
    if match is None:
        return None
    number = float(match["number"])
    if not math.isfinite(number):
        return None
    return number, (match["spaced"] or match["joined"]).strip()



def quick_magnitude(text: str, unit: str, dimensioned: bool = False) -> float | None:
    """The magnitude of a simple quantity string in ``unit`` by the memo, without pint
    (``number * factor``, equal to pint's bit for bit); None where pint must read it: not
    a simple quantity (:func:`parse_quantity`), an unknown unit, a conversion that fails
    or is not a multiplication, or -- with ``dimensioned`` -- a dimensionless unit
    (pint's path then gives the caller's usual error)."""
    simple = parse_quantity(text)
    if simple is None:
        return None
    number, unit_text = simple
    try:
        if dimensioned and not dimensionality(unit_text):
            return None
        return number * factor(unit_text, unit)
    except Exception:  # pint raises several types; the caller's pint path names the problem
        return None


__all__ = ["ureg", "cache_folder", "Quantity", "Q_", "HOURS_PER_YEAR", "SECONDS_PER_YEAR", "CANONICAL",
           "magnitude", "to_unit", "factor", "parse_quantity", "quick_magnitude", "dimensionality",
           "check_unit"]
