"""The JSON Schema of BOM files, dressed for editors: ``$schema`` and ``$id``, a pattern on
every quantity field that accepts only a number with a unit of the right dimension (so an
editor flags ``area: 8.12 W`` as it types), and each field's label and bounds from the
parameter registry (:mod:`lca.registry`) in its description.

The patterns are a first line for editors; lca's own validators (pint, in :mod:`lca.bom`)
stay the authority and accept the same values. The dimension of a field is read from the
example its schema carries (``"8.12 cm^2"`` is an area), so a new quantity field gets its
pattern without an entry here when its dimension is one of these.

Reference: JSON Schema 2020-12 (json-schema.org/draft/2020-12), the draft pydantic writes.
"""

from __future__ import annotations

import copy
import re
from typing import Any

#: The JSON Schema dialect pydantic writes.
DIALECT = "https://json-schema.org/draft/2020-12/schema"

_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_AREA = r"(?:[mµμun]?m|cm|dm|km|in|ft)\s*(?:\^\s*2|\*\*\s*2|²)"
_CAPACITY = (r"(?:[kKMGTPE]i?[Bb]|[Bb]|bytes?|bits?|"
             r"(?:kilo|mega|giga|tera|peta)(?:bytes?|bits?))")
_POWER = r"(?:[mkMG]?W|(?:milli|kilo|mega|giga)?watts?)"
_MASS = r"(?:[mµμ]?g|kg|t|tonnes?|lbs?|pounds?|(?:milli|kilo)?grams?)"
_CARBON = r"(?:g|kg|t|Mt)_?CO2e"
_TIME = (r"(?:years?|yr|a|months?|weeks?|days?|d|hours?|hr|h|minutes?|min|"
         r"seconds?|s)")
_ENERGY = r"(?:[kMGT]?Wh|[kMG]?J)"
_RATE = r"(?:[kMGTPE]?(?:FLOP|flop|OP|op))\s*/\s*s"

#: Dimension of a field -> the unit part of its pattern.
UNIT_PATTERNS = {
    "area": _AREA,
    "capacity": _CAPACITY,
    "power": _POWER,
    "mass": _MASS,
    "carbon": _CARBON,
    "time": _TIME,
    "grid": _CARBON + r"\s*/\s*" + _ENERGY,
    "density": _CAPACITY + r"\s*/\s*" + _AREA,
    "rate": _RATE,
    "factor": _CARBON + r"(?:\s*/\s*(?:" + _AREA + "|" + _CAPACITY + "|" + _MASS + r"|unit))?",
}


def pattern(dimension: str) -> str:
    """The regular expression of a quantity of ``dimension`` (a key of UNIT_PATTERNS):
    a number, optional spaces, a unit of that dimension, nothing else."""
    return rf"^\s*{_NUMBER}\s*{UNIT_PATTERNS[dimension]}\s*$"


def dimension_of(example: str) -> str | None:
    """The dimension (a key of UNIT_PATTERNS) of an example quantity such as
    ``"8.12 cm^2"``, read with lca's pint registry; None when it is none of them."""
    from .units import ureg

    try:
        q = ureg.Quantity(example)
    except Exception:  # pint raises several types for unreadable text
        return None
    dims = dict(q.dimensionality)
    known = {
        "area": {"[length]": 2},
        "capacity": {"[information]": 1},
        "power": {"[mass]": 1, "[length]": 2, "[time]": -3},
        "mass": {"[mass]": 1},
        "carbon": {"[co2e]": 1},
        "time": {"[time]": 1},
        "grid": {"[co2e]": 1, "[mass]": -1, "[length]": -2, "[time]": 2},
        "density": {"[information]": 1, "[length]": -2},
        "rate": {"[computation]": 1, "[time]": -1},
    }
    for name, want in known.items():
        if dims == want:
            return name
    if dims.get("[co2e]") == 1:  # carbon per area, capacity or mass: a factor
        return "factor"
    return None


def _dress(node: Any) -> None:
    """Add a pattern to every string field whose example is a quantity (recursively)."""
    if isinstance(node, dict):
        examples = node.get("examples")
        if node.get("type") == "string" and examples and "pattern" not in node:
            dim = "factor" if "emission factor" in str(node.get("description", "")) \
                else dimension_of(str(examples[0]))
            if dim is not None:
                node["pattern"] = pattern(dim)
        for value in node.values():
            _dress(value)
    elif isinstance(node, list):
        for value in node:
            _dress(value)


#: Schema definition -> the registry name pattern of its fields (``{field}`` is replaced).
REGISTRY_NAMES = {
    "Logic": "components.*.{field}", "Memory": "components.*.{field}",
    "Storage": "components.*.{field}", "Pcb": "components.*.{field}",
    "Item": "components.*.{field}", "ProfileEntry": "profile.*.{field}",
    "Usage": "{field}", "FunctionalUnit": "functional_unit.{field}",
}


def _describe(schema: dict[str, Any]) -> None:
    """Prefix each field's description with its registry label, canonical unit and
    bounds (``lca.registry``)."""
    from . import registry

    for name, definition in schema.get("$defs", {}).items():
        template = REGISTRY_NAMES.get(name)
        if template is None:
            continue
        for field, prop in definition.get("properties", {}).items():
            entry = registry.find(template.format(field=field).replace("*", "x"))
            if entry is None:
                continue
            unit = "" if entry.unit in (None, "dimensionless") else f" [{entry.unit}]"
            text = f"{entry.label}{unit}; {entry.bounds_text()}."
            own = prop.get("description")
            prop["description"] = f"{text} {own}" if own else text
    lifetime = schema.get("properties", {}).get("lifetime")
    entry = registry.find("lifetime")
    if isinstance(lifetime, dict) and entry is not None:
        lifetime["description"] = (f"{entry.label} [{entry.unit}]; {entry.bounds_text()}. "
                                   + lifetime.get("description", ""))


def dress(schema: dict[str, Any], *, schema_id: str) -> dict[str, Any]:
    """A copy of pydantic's schema with ``$schema``, ``$id``, quantity patterns and the
    registry's descriptions."""
    out = copy.deepcopy(schema)
    _dress(out)
    _describe(out)
    return {"$schema": DIALECT, "$id": schema_id, **out}


__all__ = ["dress", "pattern", "dimension_of", "UNIT_PATTERNS", "DIALECT"]
