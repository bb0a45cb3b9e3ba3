"""Software Carbon Intensity (SCI, ISO/IEC 21031:2024): ``SCI = (E x I + M) per R``.

E is the energy of the software [kWh], I the location-based grid intensity [gCO2e/kWh],
M the embodied emissions allocated to it [gCO2e] and R the functional unit it is
expressed per. The specification asks that E, I, M and R be reported, R declared and the
software boundary stated; :class:`SciScore` carries all of them for one or many scores
(arrays), and ``for_runs``, ``for_assessment`` and ``for_workload`` build it from measured
runs, a server assessment (a year of its use) and a training run or inference service.

The SCI-for-AI draft's worked examples print three of their four results 1,000 times too
small (see tests/test_measured_sci.py); :func:`carbon_per_unit` works in units, so
6,500 kgCO2e over 50 billion tokens is 130 gCO2e per million tokens.

References
----------
Green Software Foundation, Software Carbon Intensity (SCI) Specification v1.0 (2021),
ISO/IEC 21031:2024 "Information technology - Software Carbon Intensity (SCI)
specification"; sci-guide.greensoftware.foundation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..formatting import fmt_number
from ..units import ureg

FORMULA = "SCI = (E x I + M) per R"
STANDARD = "Software Carbon Intensity, ISO/IEC 21031:2024"


def sci(energy_kwh, intensity_g_per_kwh, embodied_g, units):
    """SCI [gCO2e per functional unit]: (E [kWh] x I [gCO2e/kWh] + M [gCO2e]) / R [-]."""
    e = np.asarray(energy_kwh, dtype=float)
    return (e * np.asarray(intensity_g_per_kwh, dtype=float)
            + np.asarray(embodied_g, dtype=float)) / np.asarray(units, dtype=float)


def carbon_per_unit(carbon: Any, count: float, per: float = 1.0):
    """``carbon`` (a pint quantity of CO2e, or a string "6500 kgCO2e") over ``count``
    things, per ``per`` of them, in gCO2e: 6,500 kgCO2e over 5e10 tokens per 1e6 tokens
    is 130 gCO2e."""
    q = ureg.Quantity(carbon) if isinstance(carbon, str) else carbon
    return (q / (float(count) / float(per))).to("gCO2e")


@dataclass(frozen=True)
class SciScore:
    """E, I, M, R and the score, arrays of one element per item (run, scenario)."""

    labels: list[str]
    energy_kwh: np.ndarray
    intensity_g_per_kwh: np.ndarray
    embodied_g: np.ndarray
    units: np.ndarray               # R: functional units per item
    unit: str                       # what one functional unit is
    boundary: str
    intensity_source: str
    embodied_basis: str

    @property
    def score(self) -> np.ndarray:
        """gCO2e per functional unit."""
        return sci(self.energy_kwh, self.intensity_g_per_kwh, self.embodied_g, self.units)

    def to_dict(self) -> dict[str, Any]:
        def num(x: float) -> float | None:
            return float(x) if math.isfinite(float(x)) else None

        return {
            "standard": STANDARD, "formula": FORMULA,
            "functional_unit": self.unit, "boundary": self.boundary,
            "intensity": f"location-based: {self.intensity_source}",
            "embodied": self.embodied_basis,
            "scores": [{"label": lab, "E_kwh": num(e), "I_gco2e_per_kwh": num(i),
                        "M_gco2e": num(m), "R": num(r), "sci_gco2e_per_unit": num(s)}
                       for lab, e, i, m, r, s in zip(self.labels, self.energy_kwh,
                                                      self.intensity_g_per_kwh,
                                                      self.embodied_g, self.units, self.score)],
        }

    def to_text(self) -> str:
        lines = [f"{STANDARD}: {FORMULA}",
                 f"  R  functional unit: {self.unit}",
                 f"  I  location-based grid intensity: {self.intensity_source}",
                 f"  M  embodied: {self.embodied_basis}",
                 f"  Boundary: {self.boundary}", ""]
        last = f"SCI [gCO2e/{self.unit}]"
        w = len(last) + 3
        head = f"{'':<28}{'E [kWh]':>14}{'I [gCO2e/kWh]':>15}{'M [gCO2e]':>14}{'R':>14}{last:>{w}}"
        lines.append(head)
        for lab, e, i, m, r, s in zip(self.labels, self.energy_kwh, self.intensity_g_per_kwh,
                                      self.embodied_g, self.units, self.score):
            lines.append(f"{lab[:27]:<28}{_g(e):>14}{fmt_number(i, 1):>15}{_g(m):>14}"
                         f"{_g(r):>14}{_g(s):>{w}}")
        return "\n".join(lines)


def _g(x: float) -> str:
    if not math.isfinite(float(x)):
        return "-"
    return f"{x:,.4g}" if abs(x) >= 1e-3 or x == 0 else f"{x:.3g}"


# --- builders ----------------------------------------------------------------------------------

def for_runs(runs: Any, unit: str = "run") -> SciScore:
    """SCI of each measured run per ``unit`` (run, requests, tokens, images,
    training_tokens; the count must have been given). I is lca's location-based grid
    (SCI does not admit market-based figures)."""
    from .runs import UNITS

    if unit not in runs.units:
        from ..errors import ParameterError

        raise ParameterError(f"SCI per {unit}: no count given for it (have: "
                             f"{', '.join(runs.units)})", parameter=unit)
    f = runs.frame
    R = runs.units[unit] / UNITS[unit].per
    labels = [f"line {ln} {rid[:8]}".strip() for ln, rid in zip(f["line"], f["run_id"])]
    return SciScore(labels=labels, energy_kwh=f["energy_kwh"].to_numpy(),
                    intensity_g_per_kwh=f["lca_grid_kgco2e_per_kwh"].to_numpy() * 1000.0,
                    embodied_g=f["hardware_share_kgco2e"].to_numpy() * 1000.0, units=R,
                    unit=UNITS[unit].unit, boundary=runs.boundary,
                    intensity_source=runs.grid_note,
                    embodied_basis=(f"the hardware's {', '.join(runs.hardware_stages).replace('_', ' ')} GWP x "
                                    f"duration / lifetime x resource share; resource share: "
                                    f"{runs.allocation}"))


ASSESSMENT_BOUNDARY = ("one year of the server's use as described by its BOM: the electricity "
                       "of its power profile times PUE (E), and its manufacturing, transport, "
                       "end-of-life and data-centre infrastructure footprint (those in the "
                       "BOM's boundary) amortised over its lifetime (M). Not included: "
                       "networking and storage outside the BOM, end-user devices.")


def for_assessment(a: Any) -> SciScore:
    """SCI of a server assessment over one year of use, per the BOM's functional unit (per
    hour of service when it names none): E = energy per year, I = grid, M = embodied per
    year (lifetime amortisation), R = functional units per year."""
    from ..functional import KINDS, units_per_year

    kind = a.compiled.functional_unit or "per"
    rate = a.params.get(f"functional_unit.{kind}", 1.0)
    R = float(np.asarray(units_per_year(kind, rate)))
    stages = [st for st in a.compiled.boundary.stages if st != "use"]
    life = float(a.lifetime.magnitude)
    lc = a.lifecycle
    hardware_kg = float(np.nansum([lc.stage("gwp", st)[0] for st in stages])) if stages else 0.0
    return SciScore(labels=[a.name], energy_kwh=np.array([a.energy_per_year.magnitude]),
                    intensity_g_per_kwh=np.array([a.grid.to("gCO2e/kWh").magnitude]),
                    embodied_g=np.array([hardware_kg / life * 1000.0]),
                    units=np.array([R]), unit=KINDS[kind].unit, boundary=ASSESSMENT_BOUNDARY,
                    intensity_source=str(a.meta.get("grid_source") or "given"),
                    embodied_basis=f"the hardware's {', '.join(stages).replace('_', ' ')} GWP ({a.method} for "
                                   f"manufacturing) / lifetime ({life:g} years), per year")


WORKLOAD_BOUNDARY = ("the accelerators of the run (and their host share where modelled), "
                     "times PUE (E); their embodied footprint allocated by time over lifetime "
                     "and utilisation (M). Not included: networking, storage, data preparation, "
                     "experiments before the final run.")


def for_workload(result: Any) -> SciScore:
    """SCI of a training run (per 1,000 training tokens where tokens are known, else per
    run) or an inference service (per 1,000 tokens) from ``lca.train``/``lca.infer``."""
    c = result.columns
    g = np.asarray(c["grid_kgco2e_per_kwh"], dtype=float) * 1000.0
    n = len(g)
    labels = [f"{result.device} {result.dtype}" + (f" #{i + 1}" if n > 1 else "") for i in range(n)]
    if "energy_mwh" in c:   # training
        tokens = np.asarray(c.get("tokens", np.full(n, np.nan)), dtype=float)
        per_tokens = np.all(np.isfinite(tokens) & (tokens > 0))
        R = tokens / 1000.0 if per_tokens else np.ones(n)
        return SciScore(labels=labels, energy_kwh=np.asarray(c["energy_mwh"]) * 1000.0,
                        intensity_g_per_kwh=g, embodied_g=np.asarray(c["embodied_tco2e"]) * 1e6,
                        units=R, unit="1,000 training tokens" if per_tokens else "training run",
                        boundary=WORKLOAD_BOUNDARY, intensity_source=result.grid_source,
                        embodied_basis=f"per-chip embodied ({result.method}) x run time / "
                                       "lifetime / utilisation")
    e_tok = np.asarray(c["energy_j_per_token"], dtype=float) / 3.6e6
    return SciScore(labels=labels, energy_kwh=e_tok * 1000.0, intensity_g_per_kwh=g,
                    embodied_g=np.asarray(c["embodied_gco2e_per_token"]) * 1000.0,
                    units=np.ones(n), unit="1,000 tokens", boundary=WORKLOAD_BOUNDARY,
                    intensity_source=result.grid_source,
                    embodied_basis=f"per-chip embodied ({result.method}) x time per token / "
                                   "lifetime / utilisation")


__all__ = ["sci", "carbon_per_unit", "SciScore", "for_runs", "for_assessment", "for_workload",
           "FORMULA", "STANDARD"]
