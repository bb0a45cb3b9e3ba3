"""Use phase: power profile -> mean power -> energy per year -> PUE -> grid -> emissions.

Pure, vectorized functions on floats or numpy arrays in canonical units. A year is
8,760 h (``lca.units.HOURS_PER_YEAR``).
"""

from __future__ import annotations

import numpy as np

from .units import HOURS_PER_YEAR


def mean_power_from_profile(shares, powers):
    """Time-weighted mean power [W] of a profile.

    Parameters
    ----------
    shares : sequence of array_like
        Time share of each state [-], summing to 1.
    powers : sequence of array_like
        Power in each state [W].
    """
    total = 0.0
    for share, power in zip(shares, powers):
        total = total + np.asarray(share, dtype=float) * np.asarray(power, dtype=float)
    return total


def linear_power_curve(utilization, idle_power, max_power):
    """Power [W] at ``utilization`` [0-1] on a straight line from idle [W] to max [W]."""
    u = np.asarray(utilization, dtype=float)
    return idle_power + (np.asarray(max_power, dtype=float) - idle_power) * u


def annual_energy(mean_power_w):
    """Energy per year [kWh] of a device drawing ``mean_power_w`` [W] all year."""
    return np.asarray(mean_power_w, dtype=float) * HOURS_PER_YEAR / 1000.0


def facility_energy(it_energy_kwh, pue):
    """Energy drawn by the facility [kWh]: IT energy x PUE [-]."""
    return np.asarray(it_energy_kwh, dtype=float) * pue


def emissions(energy_kwh, grid_kg_per_kwh):
    """Emissions [kgCO2e] of ``energy_kwh`` [kWh] at ``grid_kg_per_kwh`` [kgCO2e/kWh]."""
    return np.asarray(energy_kwh, dtype=float) * grid_kg_per_kwh


def use_impacts(it_energy_kwh, pue, grid_kg_per_kwh, wue_l_per_kwh, water_intensity_l_per_kwh,
                adpe_kg_per_kwh, pe_mj_per_kwh):
    """The use stage as an :class:`lca.impacts.Impacts` for ``it_energy_kwh`` [kWh] of IT
    energy at ``pue`` [-]: GWP [kgCO2e] = facility energy x grid [kgCO2e/kWh]; water [L] =
    on-site WUE [L/kWh] x IT energy + water intensity [L/kWh] x facility energy (Li et al.
    2023); ADPe [kgSbeq] and PE [MJ_primary] = facility energy x their per-kWh factors.
    Factors given as NaN leave their cells not covered. The same cells as the use-stage
    columns of ``lca.model.evaluate``.
    """
    from . import water
    from .impacts import Boundary, Impacts

    facility = facility_energy(it_energy_kwh, pue)
    cells = {
        ("gwp", "use", "electricity"): emissions(facility, grid_kg_per_kwh),
        ("water", "use", "on-site cooling"): water.onsite(it_energy_kwh, wue_l_per_kwh),
        ("water", "use", "electricity generation"): water.offsite(
            it_energy_kwh, pue, water_intensity_l_per_kwh),
        ("adpe", "use", "electricity"): emissions(facility, adpe_kg_per_kwh),
        ("pe", "use", "electricity"): emissions(facility, pe_mj_per_kwh),
    }
    return Impacts({k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in cells.items()},
                   Boundary(("use",)))
