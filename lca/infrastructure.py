"""Infrastructure stage: the share of data-centre construction and equipment.

Allocated per kW of IT power and per year, with the factor derived in
``data/lifecycle/infrastructure.yaml`` from Schneider et al. 2025 (109 kgCO2e of
data-centre construction per TPU v6e chip over 6 years, 2,173 W per 8-chip machine).

References
----------
I. Schneider et al., "Life-Cycle Emissions of AI Hardware: A Cradle-To-Grave Approach and
Generational Trends", arXiv:2502.01671 (2025).
"""

from __future__ import annotations

import numpy as np

#: Physical unit conversion (not a factor).
W_PER_KW = 1000.0


def per_kw_year(per_unit_kg, power_w_per_unit, lifetime_years):
    """Factor [kgCO2e/(kW a)] from a per-unit share [kgCO2e] of a unit drawing
    ``power_w_per_unit`` [W] over ``lifetime_years`` [a] (the derivation in data/)."""
    return np.asarray(per_unit_kg, dtype=float) / (
        np.asarray(power_w_per_unit, dtype=float) / W_PER_KW * lifetime_years)


def share(factor_kg_per_kw_year, it_power_w, years):
    """Data-centre construction share [kgCO2e] of a system drawing ``it_power_w`` [W]
    for ``years`` [a], at ``factor_kg_per_kw_year`` [kgCO2e/(kW a)]."""
    return (np.asarray(factor_kg_per_kw_year, dtype=float)
            * np.asarray(it_power_w, dtype=float) / W_PER_KW * years)
