"""Transport stage: moving the assembled system from factory to data centre.

Pure, vectorized functions; factors in ``data/lifecycle/transport.yaml`` (UK Government
GHG conversion factors for freight, kgCO2e per tonne-km).

References
----------
UK Government GHG Conversion Factors for Company Reporting (DESNZ), "Freighting goods";
GLEC Framework (Smart Freight Centre), tonne-km based freight emissions.
"""

from __future__ import annotations

import numpy as np

#: Physical unit conversion (not a factor).
KG_PER_TONNE = 1000.0


def tonne_km(mass_kg, distance_km):
    """Freight activity [t km] of ``mass_kg`` [kg] moved ``distance_km`` [km]."""
    return np.asarray(mass_kg, dtype=float) / KG_PER_TONNE * np.asarray(distance_km, dtype=float)


def leg_emissions(mass_kg, distance_km, factor_kg_per_tkm):
    """Emissions [kgCO2e] of one transport leg: tonne-km x factor [kgCO2e/(t km)]."""
    return tonne_km(mass_kg, distance_km) * factor_kg_per_tkm
