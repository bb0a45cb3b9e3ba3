"""What-if analysis: sweeps, Monte Carlo, sensitivity and the questions users ask.

Everything here runs through the one vectorized path of :mod:`lca.model`
(``compile_bom`` -> ``resolve`` -> ``evaluate``), the same path as :func:`lca.assess`;
a sweep row equals ``lca.assess`` with the same overrides exactly. Scenarios are numpy
arrays; there is no loop over scenarios (the loops below run over axes, methods, chunks
and parameters).

Profile shares
    When a scenario sets some but not all ``profile.<i>.share`` of a profile, the other
    states share the remainder in the proportions of their base values (for a two-state
    profile: ``profile.1.share = 1 - profile.0.share``); see
    :func:`lca.model.complete_profile_shares`. ``assess`` applies the same rule. Shares
    outside 0-1 are an error.

Modules
    ``sweeps`` (sweep, iter_sweep), ``montecarlo`` (distributions, monte_carlo),
    ``ranking`` (input_ranges, sensitivity, sobol), ``questions`` (break_even_grid,
    optimal_lifetime, interventions), ``common`` (defaults of ``data/whatif.yaml``,
    canonical units of parameters).

References
    Refresh model: the lifetime question of C. Clemm, K. Wimalawarne, L. Stobbe,
    J. Druschke, "Towards Green AI: Current Status and Future Research" (2024), section
    IV.D ("optimal hardware refresh cycle"); Lambert W: R. M. Corless, G. H. Gonnet,
    D. E. G. Hare, D. J. Jeffrey, D. E. Knuth, "On the Lambert W function", Adv. Comput.
    Math. 5 (1996) 329-359, doi:10.1007/BF02124750. Sobol indices: A. Saltelli et al.,
    "Variance based sensitivity analysis of model output", Comput. Phys. Commun. 181
    (2010) 259-270, doi:10.1016/j.cpc.2009.09.018 (via SALib when installed).
"""

from __future__ import annotations

from ..model import parameter_unit
from .common import MissingDependencyError, canonical, defaults
from .montecarlo import (VARY_CHOICES, Distribution, MonteCarlo, factor_distributions,
                         figure_distribution, monte_carlo, summarise, usage_distributions)
from .questions import (Refresh, break_even_grid, break_even_lifetime, interventions,
                        lambert_w0, optimal_lifetime, refresh_footprint,
                        refresh_optimal_lifetime)
from .ranking import input_ranges, sensitivity, sobol
from .sweeps import iter_sweep, sweep

__all__ = ["sweep", "iter_sweep", "monte_carlo", "MonteCarlo", "Distribution",
           "figure_distribution", "factor_distributions", "usage_distributions",
           "VARY_CHOICES", "summarise", "sensitivity",
           "input_ranges", "sobol", "break_even_grid", "optimal_lifetime",
           "break_even_lifetime", "Refresh", "refresh_footprint", "refresh_optimal_lifetime",
           "lambert_w0", "interventions", "parameter_unit", "canonical", "defaults",
           "MissingDependencyError"]
