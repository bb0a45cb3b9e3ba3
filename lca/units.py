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
import sys
from pathlib import Path

from .cache import cache_folder

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


pint = _import_pint()

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
    folder = Path(pint.__file__).parent
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
    folder = folder / f"pint-{pint.__version__}"
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
    text = "\n".join([*_definitions(), *_LCA_DEFINITIONS]) + "\n"
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


ureg = _registry()

Quantity = ureg.Quantity
Q_ = ureg.Quantity

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
    q = ureg.Quantity(value) if isinstance(value, str) else value
    return float(to_unit(q, unit).magnitude)


__all__ = ["ureg", "cache_folder", "Quantity", "Q_", "HOURS_PER_YEAR", "SECONDS_PER_YEAR", "CANONICAL", "magnitude", "to_unit"]
