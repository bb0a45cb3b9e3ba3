"""Functional units: footprint per hour of service, request, 1,000 tokens or exaFLOP.

A functional unit's rate in a BOM is a yearly average (requests per second over all
8,760 h of the year, including idle time). These are unit definitions, not factors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .units import HOURS_PER_YEAR, SECONDS_PER_YEAR


@dataclass(frozen=True)
class FunctionalUnitKind:
    field: str            # the BOM's functional_unit field
    unit: str             # what one functional unit is, in words
    per_second: float     # functional units per second at a rate of 1 (the field's unit)


KINDS: dict[str, FunctionalUnitKind] = {
    "per": FunctionalUnitKind("per", "hour", 1.0 / 3600.0),
    "requests_per_second": FunctionalUnitKind("requests_per_second", "request", 1.0),
    "tokens_per_second": FunctionalUnitKind("tokens_per_second", "1000 tokens", 1.0 / 1000.0),
    "sustained_flops": FunctionalUnitKind("sustained_flops", "exaFLOP", 1.0 / 1e18),
}


def units_per_year(kind: str, rate=1.0):
    """Functional units delivered in a year of 8,760 h at ``rate`` (the field's unit)."""
    k = KINDS[kind]
    if kind == "per":
        return np.asarray(HOURS_PER_YEAR, dtype=float)
    return np.asarray(rate, dtype=float) * k.per_second * SECONDS_PER_YEAR


def per_unit(kg_per_year, units_year):
    """Footprint per functional unit [gCO2e] from [kgCO2e/a] and units per year."""
    return np.asarray(kg_per_year, dtype=float) * 1000.0 / units_year
