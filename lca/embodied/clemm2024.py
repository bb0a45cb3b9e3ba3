"""clemm2024: die-area and board-area factors of the reference study.

C. Clemm, K. Wimalawarne, L. Stobbe, J. Druschke, "Towards Green AI: Current Status and
Future Research", University of Tokyo / Fraunhofer IZM, 2024, section IV.C, Table I.

Embodied carbon [kgCO2e] = die area [cm^2] x factor [kgCO2e/cm^2] for processor, other
and DRAM dies, plus PCB area [cm^2] x factor [kgCO2e/cm^2] (16-layer board; other layer
counts scaled linearly, an lca assumption). Factors: ``data/factors/clemm2024.yaml``.
Not covered (the study leaves them out): storage given as capacity, memory without a die
area, and items given as mass (housing, cooling, power supplies).
"""

from __future__ import annotations

from typing import Any

from .. import data
from .protocol import ComponentSpec, ComponentTerm, amount, common_term

NAME = "clemm2024"


def options(bom: Any) -> dict[str, Any]:
    return {}


def factor_parameters(options: dict[str, Any]) -> dict[str, data.Figure]:
    figs = data.factor_figures(NAME)
    return {f"factors.{NAME}.{path.split('.', 1)[1]}": fig
            for path, fig in figs.items() if path.startswith("factors.")}


def _key(name: str) -> str:
    return f"factors.{NAME}.{name}"


def die_carbon(area_cm2, factor_kg_per_cm2):
    """Embodied carbon of dies [kgCO2e] from their area [cm^2] and a factor [kgCO2e/cm^2]."""
    return area_cm2 * factor_kg_per_cm2


def pcb_carbon(area_cm2, layers, factor_kg_per_cm2, reference_layers):
    """Embodied carbon of a board [kgCO2e]: area [cm^2] x factor [kgCO2e/cm^2] of a
    ``reference_layers`` board, scaled by ``layers / reference_layers``."""
    return area_cm2 * factor_kg_per_cm2 * (layers / reference_layers)


def term(spec: ComponentSpec, options: dict[str, Any]) -> ComponentTerm:
    shared = common_term(spec)
    if shared is not None:
        return shared
    area = amount(spec, "area")
    if spec.type == "logic":
        name = "other_ic_die" if spec.role == "other" else "processor_die"
        f = _key(name)
        return ComponentTerm(lambda P: die_carbon(area(P), P[f]), basis=f"die area x {name}",
                             factor_keys=(f,))
    if spec.type == "memory":
        if area is None:
            return ComponentTerm(None, reason="clemm2024 needs the die area of memory: give "
                                 "dies and die_area, or capacity with density")
        f = _key("dram_die")
        note = None
        if not (spec.technology or "").lower().startswith(("ddr", "lpddr")):
            note = (f"{spec.technology} costed at the DRAM die factor; the study gives no "
                    f"{spec.technology} factor")
        return ComponentTerm(lambda P: die_carbon(area(P), P[f]), basis="die area x dram_die",
                             factor_keys=(f,), note=note)
    if spec.type == "pcb":
        f, ref, layers = _key("pcb"), _key("pcb_reference_layers"), spec.key("layers")
        return ComponentTerm(lambda P: pcb_carbon(area(P), P[layers], P[f], P[ref]),
                             basis="board area x pcb x layers/16", factor_keys=(f, ref))
    if spec.type == "storage":
        return ComponentTerm(None, reason="clemm2024 gives no NAND or disk factor: give the "
                             "component a factor (e.g. \"0.1 kgCO2e/GB\") or use another method")
    return ComponentTerm(None, reason="clemm2024 counts dies and boards only (the study leaves "
                         "out housing, cooling and power supplies): give carbon or a factor")
