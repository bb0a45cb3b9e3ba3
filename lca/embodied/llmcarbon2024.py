"""llmcarbon2024: LLMCarbon's embodied model.

A. Faiz, S. Kaneda, R. Wang, R. Osi, P. Sharma, F. Chen, L. Jiang, "LLMCarbon: Modeling the
End-to-End Carbon Footprint of Large Language Models", ICLR 2024, arXiv:2309.14393. Figures
(transcribed with credit) in ``data/factors/llmcarbon2024.yaml``; lca's own code.

* logic dies: ``area [cm^2] x CPA[node] [kgCO2e/cm^2]`` (TSMC 16, 12, 7, 4 nm; other nodes map
  to the nearest, and the result says so); no yield and no packaging term.
* memory of any technology (DDR, HBM, ...): ``capacity [GB] x dram [kgCO2e/GB]``.
* SSD: ``capacity [GB] x ssd [kgCO2e/GB]``.
* Not covered: HDD, boards and items (LLMCarbon has no factor for them; its "others" figure
  is one XLM server's remaining chips, not a general part).

LLMCarbon amortises embodied carbon over the share of a 5-year life a job uses:
:func:`amortised`.
"""

from __future__ import annotations

from typing import Any

from .. import data
from .protocol import ComponentSpec, ComponentTerm, amount, common_term

NAME = "llmcarbon2024"


def chip_carbon(area_cm2, cpa):
    """Embodied carbon of dies [kgCO2e]: area [cm^2] x CPA [kgCO2e/cm^2]."""
    return area_cm2 * cpa


def capacity_carbon(capacity_gb, per_gb):
    """Embodied carbon of DRAM or SSD [kgCO2e]: capacity [GB] x factor [kgCO2e/GB]."""
    return capacity_gb * per_gb


def amortised(embodied_kg, time, lifetime):
    """LLMCarbon's amortised embodied carbon [kgCO2e] of hardware used for ``time`` out of
    its ``lifetime`` (same unit, e.g. days): embodied x time / lifetime."""
    return embodied_kg * time / lifetime


def _table() -> dict[str, Any]:
    return data.factor_table(NAME)


def _key(name: str) -> str:
    return f"factors.{NAME}.{name}"


def resolve_node(node: str | None) -> tuple[str | None, str | None]:
    """LLMCarbon CPA row for a BOM node, with the stand-in note when it is not its own."""
    cpa, stand = _table()["cpa"], _table()["node_stand_ins"]
    n = None if node is None else str(node).strip().lower().replace(" ", "")
    if n is None:
        return stand["default"]["use"], stand["default"]["note"]
    if n in cpa:
        return n, None
    if n in stand and n != "note":
        return stand[n]["use"], f"node {node} costed as LLMCarbon's {stand[n]['use']}: {stand[n]['note']}"
    return None, None


def options(bom: Any) -> dict[str, Any]:
    nodes = {c.name: (c.node,) + resolve_node(c.node) for c in bom.components if c.type == "logic"}
    return {"nodes": nodes, "notes": []}


def factor_parameters(options: dict[str, Any]) -> dict[str, data.Figure]:
    figs = data.factor_figures(NAME)
    out = {_key("dram"): figs["dram"], _key("ssd"): figs["ssd"]}
    for node in sorted({v[1] for v in options["nodes"].values() if v[1]}):
        out[_key(f"cpa.{node}")] = figs[f"cpa.{node}"]
    return out


def term(spec: ComponentSpec, options: dict[str, Any]) -> ComponentTerm:
    shared = common_term(spec)
    if shared is not None:
        return shared
    if spec.type == "logic":
        given, node, note = options["nodes"].get(spec.name, (spec.node, None, None))
        if node is None:
            return ComponentTerm(None, reason=f"LLMCarbon has no CPA for node {given!r} "
                                 f"(nodes: {', '.join(_table()['cpa'])})")
        area, f = amount(spec, "area"), _key(f"cpa.{node}")
        return ComponentTerm(lambda P: chip_carbon(area(P), P[f]), basis=f"die area x cpa.{node}",
                             factor_keys=(f,), note=note)
    if spec.type in ("memory", "storage"):
        if spec.type == "storage" and spec.technology == "hdd":
            return ComponentTerm(None, reason="LLMCarbon has no hard-disk factor: give a factor "
                                 "or use another method")
        cap = amount(spec, "capacity")
        if cap is None:
            return ComponentTerm(None, reason="LLMCarbon costs memory per GB: give capacity")
        f = _key("dram" if spec.type == "memory" else "ssd")
        note = None
        if spec.type == "memory" and not (spec.technology or "").lower().startswith(("ddr", "lpddr")):
            note = f"{spec.technology} costed at LLMCarbon's DRAM per-GB factor (it has no {spec.technology} factor)"
        return ComponentTerm(lambda P: capacity_carbon(cap(P), P[f]),
                             basis=f"capacity x {f.rsplit('.', 1)[1]}", factor_keys=(f,), note=note)
    what = "boards" if spec.type == "pcb" else "items (housing, power supplies, cooling)"
    return ComponentTerm(None, reason=f"LLMCarbon has no factor for {what}: give carbon or a factor")
