"""Manufacturing (fab) water of logic dies: TSMC's litres per wafer-mask layer x the node's
mask count, per cm^2 of wafer, times die area.

Pure, vectorized functions on floats or numpy arrays in canonical units (cm^2, mm,
L_water), plus the wiring that gives every embodied method the same water term: the
water factor does not depend on which method costs a part's carbon. Figures and their
sources: ``data/lifecycle/fab_water.yaml``; they become parameters
``factors.fab_water.per_mask_layer``, ``factors.fab_water.wafer_diameter`` and
``factors.fab_water.mask_layers.<node>`` (registered in ``data/parameters.yaml``), so
sweeps and Monte Carlo vary them.

Covered: logic components whose node has a sourced mask count and whose area the BOM
gives (area, or dies x die_area). Not covered (NaN, never 0): other nodes, memory and
storage (no per-GB or per-wafer water figure was found), boards and items.

References
----------
TSMC, Sustainability Report, unit water consumption [L per 12-inch equivalent
wafer-mask layer], as quoted in ``data/lifecycle/fab_water.yaml`` (with the mask counts'
sources and the withdrawal-vs-consumption caveat).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from . import data

PREFIX = "factors.fab_water."
#: Physical conversion (not a factor): mm^2 per cm^2.
MM2_PER_CM2 = 100.0


def wafer_area(diameter_mm):
    """Area of a round wafer [cm^2] of diameter ``diameter_mm`` [mm]: pi (d/2)^2 / 100."""
    return math.pi * (diameter_mm / 2.0) ** 2 / MM2_PER_CM2


def water_per_area(litres_per_mask_layer, mask_layers, wafer_diameter_mm):
    """Fab water per cm^2 of wafer [L_water/cm^2]: L per wafer-mask layer [L_water] x mask
    layers [-] / wafer area [cm^2] (TSMC's intensity unit spread over one wafer)."""
    return litres_per_mask_layer * mask_layers / wafer_area(wafer_diameter_mm)


def die_water(area_cm2, litres_per_mask_layer, mask_layers, wafer_diameter_mm):
    """Fab water of dies [L_water]: die area [cm^2] x water per cm^2 of wafer (no yield or
    edge loss: the die's own area)."""
    return area_cm2 * water_per_area(litres_per_mask_layer, mask_layers, wafer_diameter_mm)


# --- figures and parameters -------------------------------------------------------------

def _norm(node: str | None) -> str | None:
    return None if node is None else str(node).strip().lower().replace(" ", "")


def mask_layer_nodes() -> dict[str, str]:
    """Normalised node name -> the key of ``mask_layers`` in fab_water.yaml."""
    return {_norm(k): str(k) for k in data.lifecycle_table("fab_water")["mask_layers"]}


def node_key(node: str | None) -> str | None:
    """The mask-count key of a BOM node (``"7nm"``, ``"7 nm"``), or None without one."""
    return mask_layer_nodes().get(_norm(node)) if node else None


def figures(nodes) -> dict[str, data.Figure]:
    """The figures the given mask-count keys need, as ``factors.fab_water.*`` parameters."""
    out = {PREFIX + k: data.lifecycle_figure("fab_water", k)
           for k in ("per_mask_layer", "wafer_diameter")}
    for n in sorted(set(nodes)):
        out[f"{PREFIX}mask_layers.{n}"] = data.lifecycle_figure("fab_water", f"mask_layers.{n}")
    return out


def evaluator(spec):
    """The water evaluator of one component (a function of the parameters), with the
    mask-count key it reads, or (None, None) when no factor covers it."""
    from .embodied import amount

    if spec.type != "logic":
        return None, None
    key = node_key(spec.node)
    area = amount(spec, "area")
    if key is None or area is None:
        return None, None
    per_layer, diameter = PREFIX + "per_mask_layer", PREFIX + "wafer_diameter"
    layers = f"{PREFIX}mask_layers.{key}"
    return (lambda P: die_water(area(P), P[per_layer], P[layers], P[diameter])), key


def attach(compiled: Any) -> None:
    """Give each covered component's term a water evaluator and add the figures it reads
    to the compiled parameters and factor figures, in place. A method's own water
    evaluator, where one exists, is kept."""
    nodes = []
    for spec in compiled.components:
        term = compiled.terms[spec.name]
        if "water" in term.impacts:
            continue
        fn, key = evaluator(spec)
        if fn is None:
            continue
        nodes.append(key)
        compiled.terms[spec.name] = dataclasses.replace(
            term, impacts={**term.impacts, "water": fn})
    if not nodes:
        return
    figs = {k: f.to("dimensionless" if f.unit == "dimensionless" else
                    ("mm" if k.endswith("wafer_diameter") else "L_water"))
            for k, f in figures(nodes).items()}
    compiled.factor_figures.update(figs)
    for k, f in figs.items():
        compiled.params[k] = f.value


__all__ = ["wafer_area", "water_per_area", "die_water", "node_key", "figures", "attach"]
