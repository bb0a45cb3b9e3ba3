"""End-of-life stage by mass and material, cut-off approach.

Under the cut-off approach the product carries the burden of its waste treatment
(collection and transport to the recycler or disposal site) and receives no credit for
recycled material, whose reprocessing belongs to the next product. Factors in
``data/lifecycle/end_of_life.yaml``.

References
----------
UK Government GHG Conversion Factors for Company Reporting (DESNZ), "Waste disposal",
open-loop recycling factors; ISO 14044:2006 on allocation of recycling (cut-off).
"""

from __future__ import annotations

import numpy as np


def treatment(mass_kg, factor_kg_per_kg):
    """End-of-life impact [kgCO2e] of ``mass_kg`` [kg] treated at ``factor_kg_per_kg``
    [kgCO2e/kg] (cut-off: no recycling credit)."""
    return np.asarray(mass_kg, dtype=float) * factor_kg_per_kg
