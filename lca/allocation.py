"""Allocation of embodied carbon over time and resources.

Pure, vectorized functions on floats or numpy arrays in canonical units.
"""

from __future__ import annotations

import numpy as np


def amortise(embodied_kg, lifetime_years):
    """Embodied carbon per year [kgCO2e/a]: straight-line over the lifetime [years]."""
    return np.asarray(embodied_kg, dtype=float) / lifetime_years


def time_share(embodied_kg, duration_h, lifetime_h):
    """Embodied carbon [kgCO2e] allocated to ``duration_h`` [h] of a ``lifetime_h`` [h] life
    (linear, as in LLMCarbon's and the Green Software Foundation SCI's amortisation)."""
    return np.asarray(embodied_kg, dtype=float) * (np.asarray(duration_h, dtype=float) / lifetime_h)


def resource_share(embodied_kg, reserved, total):
    """Share of ``embodied_kg`` [kgCO2e] for ``reserved`` of ``total`` resources (SCI)."""
    return np.asarray(embodied_kg, dtype=float) * (np.asarray(reserved, dtype=float) / total)
