"""Use-phase water consumption of a data centre (Li et al. 2023).

Pure, vectorized functions on floats or numpy arrays in canonical units (kWh, L_water).

References
----------
P. Li, J. Yang, M. A. Islam, S. Ren, "Making AI Less 'Thirsty': Uncovering and Addressing
the Secret Water Footprint of AI Models", arXiv:2304.03271 (2023), Section 3 and Table 1.
"""

from __future__ import annotations

import numpy as np


def onsite(it_energy_kwh, wue_l_per_kwh):
    """On-site (scope-1) water [L]: water evaporated by cooling for ``it_energy_kwh``
    [kWh] of server energy at a water usage effectiveness ``wue_l_per_kwh`` [L/kWh].

    Li et al. 2023, eq. (1), first term: WUE_on-site x e.
    """
    return np.asarray(it_energy_kwh, dtype=float) * wue_l_per_kwh


def offsite(it_energy_kwh, pue, ewif_l_per_kwh):
    """Off-site (scope-2) water [L]: water consumed to generate the electricity a facility
    draws for ``it_energy_kwh`` [kWh] of server energy at ``pue`` [-], with an electricity
    water intensity factor ``ewif_l_per_kwh`` [L/kWh of electricity].

    Li et al. 2023, eq. (1), second term: PUE x EWIF x e.
    """
    return np.asarray(it_energy_kwh, dtype=float) * pue * ewif_l_per_kwh


def consumption(it_energy_kwh, pue, wue_l_per_kwh, ewif_l_per_kwh):
    """Operational water consumption [L] = on-site + off-site (Li et al. 2023, eq. 1)."""
    return onsite(it_energy_kwh, wue_l_per_kwh) + offsite(it_energy_kwh, pue, ewif_l_per_kwh)
