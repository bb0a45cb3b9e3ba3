"""act2022: ACT, the Architectural Carbon Modeling Tool.

U. Gupta, M. Elgamal, G. Hills, G.-Y. Wei, H.-H. S. Lee, D. Brooks, C.-J. Wu, "ACT:
Designing Sustainable Computer Systems with an Architectural Carbon Modeling Tool",
ISCA 2022, doi:10.1145/3470496.3527408. Factors (MIT licence, credited) in
``data/factors/act2022.yaml``; this module is lca's own code written from the equations.

Logic dies (per process node)::

    CPA [gCO2e/cm^2] = (CI_fab [gCO2e/kWh] x EPA [kWh/cm^2] + GPA [gCO2e/cm^2] + MPA [gCO2e/cm^2]) / yield
    E [gCO2e] = area [cm^2] x CPA + packages x 150 g        (packaging not divided by yield)

GPA is interpolated linearly in the gas abatement level between ACT's 95 % and 99 % tables
(at 97 %, ACT's default, that is ACT's own rule: the mean of the two).
DRAM, SSD and HDD: ``E = capacity [GB] x CPG [gCO2e/GB] / yield + packages x 150 g``.
PCB: ``E = area [m^2] x factor(layers)`` for 2, 4, 6 or 8 layers, else ``area x 0.13 x layers``
(a sweep of ``layers`` scales the tabulated factor linearly).
Items given as mass of a material in ``data/factors/materials.yaml`` (steel, aluminium):
``mass x factor``. Not covered: other items (power supplies, fans, ...), which ACT does not model.

Options (BOM ``embodied:``): ``fab_grid`` (an ACT location such as ``taiwan``, a generation
source such as ``coal``, an lca grid region code, or a value such as ``"820 gCO2e/kWh"``),
``gas_abatement`` (95, 97 or 99 %), ``yield`` (0-1). Defaults as in ACT's library: Taiwan at
ACT's 2022 value (583 gCO2e/kWh), 97 %, 0.875. Each is also a parameter
(``factors.act2022.fab_grid`` [gCO2e/kWh], ``factors.act2022.gas_abatement`` [%],
``factors.act2022.yield`` [-]) so it can be overridden from Python and swept.

Technologies or nodes ACT lacks (HBM, GDDR, DDR5; 4 nm, 6 nm, ...) map to stand-ins listed in
the data file, and the result's notes say which.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import data, registry
from ..errors import ParameterError, UnknownRegionError
from ..units import factor
from .protocol import ComponentSpec, ComponentTerm, amount, common_term

NAME = "act2022"

#: Physical unit conversions (not factors).
G_PER_KG = factor("kgCO2e", "gCO2e")
M2_PER_CM2 = factor("cm^2", "m^2")


# --- the published model: small pure vectorized functions ---------------------------------

def gas_per_area(gpa_95, gpa_99, abatement, level_95=95.0, level_99=99.0):
    """GPA [gCO2e/cm^2] at ``abatement`` [%], linear between ACT's 95 % and 99 % tables."""
    t = (np.asarray(abatement, dtype=float) - level_95) / (level_99 - level_95)
    return gpa_95 + t * (gpa_99 - gpa_95)


def carbon_per_area(fab_grid, epa, gpa, mpa, fab_yield):
    """ACT's CPA [gCO2e/cm^2] from fab grid intensity [gCO2e/kWh], energy per area
    [kWh/cm^2], gas per area [gCO2e/cm^2], materials per area [gCO2e/cm^2] and yield [-]."""
    return (fab_grid * epa + gpa + mpa) / fab_yield


def logic_carbon(area_cm2, cpa, packages, per_package):
    """Embodied carbon of logic dies [gCO2e]: area [cm^2] x CPA [gCO2e/cm^2] plus packages
    [-] x carbon per package [gCO2e] (packaging is not divided by yield)."""
    return area_cm2 * cpa + packages * per_package


def capacity_carbon(capacity_gb, cpg, fab_yield, packages=0.0, per_package=0.0):
    """Embodied carbon of DRAM, SSD or HDD [gCO2e]: capacity [GB] x carbon per GB
    [gCO2e/GB] / yield [-], plus packages x carbon per package [gCO2e]."""
    return capacity_gb * cpg / fab_yield + packages * per_package


def pcb_carbon(area_m2, factor_per_m2):
    """Embodied carbon of a board [kgCO2e]: area [m^2] x factor [kgCO2e/m^2]."""
    return area_m2 * factor_per_m2


# --- options and parameters ------------------------------------------------------------------

def _table() -> dict[str, Any]:
    return data.factor_table(NAME)


def _figs() -> dict[str, data.Figure]:
    return data.factor_figures(NAME)


def _key(name: str) -> str:
    return f"factors.{NAME}.{name}"


def _norm(text: str | None) -> str | None:
    return None if text is None else str(text).strip().lower().replace(" ", "")


def resolve_node(node: str | None) -> tuple[str | None, str | None]:
    """ACT table row for a BOM node, and the stand-in note when it is not ACT's own row."""
    table, stand = _table()["logic"], _table()["node_stand_ins"]
    n = _norm(node)
    if n is None:
        return stand["default"]["use"], stand["default"]["note"]
    if n in table:
        return n, None
    if n in stand and n != "note":
        return stand[n]["use"], f"node {node} costed as ACT's {stand[n]['use']}: {stand[n]['note']}"
    return None, None


def resolve_technology(table: str, technology: str | None) -> tuple[str | None, str | None]:
    """ACT entry of ``table`` (dram, ssd, hdd) for a technology, with a stand-in note."""
    t = _norm(technology)
    rows = _table()[table]
    if t is not None and t in rows:
        return t, None
    stand = _table()["stand_ins"]
    key = t if t in stand else {"ssd": "ssd_default", "hdd": "hdd_default"}.get(t or "")
    if key in stand and stand[key]["table"] == table:
        s = stand[key]
        return s["use"], f"{technology} has no ACT entry: costed as ACT's {table} {s['use']} ({s['note']})"
    return None, None


def _fab_grid_figure(value: Any) -> tuple[data.Figure, str]:
    """The fab grid as a figure in gCO2e/kWh, and a label saying what it is."""
    grids = _table()["fab_grid"]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ParameterError(
            f"embodied.fab_grid: expected an ACT location, a generation source or a value "
            f"with a unit (e.g. \"820 gCO2e/kWh\"), got the bare number {value!r}")
    key = _norm(value)
    for group in ("locations", "sources"):
        if key in grids[group]:
            fig = data.figure(grids[group][key], f"act2022 fab_grid.{group}.{key}")
            return fig, f"{key} ({'ACT location, 2022 table' if group == 'locations' else 'ACT generation source'})"
    try:
        gi = data.grid_intensity(str(value))
    except UnknownRegionError:
        gi = None
    if gi is not None:
        k = factor("kgCO2e/kWh", "gCO2e/kWh")
        g = gi.value * k
        lo = g if gi.min is None else gi.min * k
        hi = g if gi.max is None else gi.max * k
        return (data.Figure(value=g, unit="gCO2e/kWh", source=gi.source, min=lo, max=hi,
                            licence=gi.licence), f"{gi.key} ({gi.name}, lca grid table)")
    if registry.starts_with_number(str(value)):   # a value with a unit, checked
        g = float(registry.to_canonical("embodied.fab_grid", str(value)))
        return (data.Figure(value=g, unit="gCO2e/kWh", source="given in the BOM", min=g, max=g),
                f"{g:g} gCO2e/kWh (given)")
    raise ParameterError(
        f"embodied.fab_grid: unknown {value!r}: expected an ACT location "
        f"({', '.join(grids['locations'])}), a generation source ({', '.join(grids['sources'])}), "
        "an lca grid region or a value such as \"820 gCO2e/kWh\"", parameter="embodied.fab_grid",
        value=value)


def options(bom: Any) -> dict[str, Any]:
    """ACT's options for ``bom`` (BOM values or ACT's defaults) and what each component
    maps to. ``notes`` says the options used, so defaults are stated in the output."""
    emb = bom.embodied
    defaults = _table()["defaults"]
    figs = _figs()
    fab_value = emb.fab_grid if emb.fab_grid is not None else defaults["fab_grid"]
    fab_fig, fab_label = _fab_grid_figure(fab_value)
    ab_fig = figs["defaults.gas_abatement"]
    if emb.gas_abatement is not None:
        a = float(emb.gas_abatement)
        ab_fig = data.Figure(value=a, unit="percent", source="given in the BOM", min=a, max=a)
    y_fig = figs["defaults.yield"]
    if emb.yield_ is not None:
        y = float(emb.yield_)
        y_fig = data.Figure(value=y, unit="dimensionless", source="given in the BOM", min=y, max=y)
    given = lambda v: "given" if v is not None else "ACT default"
    notes = [(f"act2022 options: fab grid {fab_label}, {fab_fig.value:g} gCO2e/kWh "
              f"({given(emb.fab_grid)}); gas abatement {ab_fig.value:g} % "
              f"({given(emb.gas_abatement)}); yield {y_fig.value:g} ({given(emb.yield_)})")]
    comps: dict[str, dict[str, Any]] = {}
    for c in bom.components:
        entry: dict[str, Any] = {}
        if c.type == "logic":
            entry["node"], entry["note"] = resolve_node(c.node)
            entry["given_node"] = c.node
        elif c.type == "memory":
            entry["table"] = "dram"
            entry["row"], entry["note"] = resolve_technology("dram", c.technology)
        elif c.type == "storage":
            entry["table"] = "ssd" if c.technology == "ssd" else "hdd"
            entry["row"], entry["note"] = resolve_technology(entry["table"], c.technology)
        elif c.type == "pcb":
            entry["layers"] = int(c.layers)
        elif c.type == "item" and c.material is not None:
            mats = data.factor_table("materials")
            m = _norm(c.material)
            m = mats.get("aliases", {}).get(m, m)
            entry["material"] = m if m in mats["materials"] else None
        comps[c.name] = entry
    return {"fab_grid": fab_label, "fab_grid_figure": fab_fig,
            "gas_abatement_figure": ab_fig, "yield_figure": y_fig, "components": comps,
            "notes": notes}


def factor_parameters(options: dict[str, Any]) -> dict[str, data.Figure]:
    """The factors the BOM's components need, as ``factors.act2022.<path>`` figures."""
    figs = _figs()
    out: dict[str, data.Figure] = {
        _key("fab_grid"): options["fab_grid_figure"],
        _key("gas_abatement"): options["gas_abatement_figure"],
        _key("yield"): options["yield_figure"],
        _key("packaging.per_package"): figs["packaging.per_package"],
    }
    comps = options["components"].values()
    for node in sorted({e["node"] for e in comps if e.get("node")}):
        for part in ("epa", "gpa_95", "gpa_99", "mpa"):
            out[_key(f"logic.{node}.{part}")] = figs[f"logic.{node}.{part}"]
    for table, row in sorted({(e["table"], e["row"]) for e in comps if e.get("row")}):
        out[_key(f"{table}.{row}")] = figs[f"{table}.{row}"]
    if any("layers" in e for e in comps):
        for path, fig in figs.items():
            if path.startswith("pcb.") or path == "pcb_per_layer":
                out[_key(path)] = fig
    mats = data.factor_figures("materials")
    for m in sorted({e["material"] for e in comps if e.get("material")}):
        out[_key(f"material.{m}")] = mats[f"materials.{m}"]
    return out


# --- terms -------------------------------------------------------------------------------------

def term(spec: ComponentSpec, options: dict[str, Any]) -> ComponentTerm:
    shared = common_term(spec)
    if shared is not None:
        return shared
    entry = options["components"].get(spec.name, {})
    y, pkg = _key("yield"), _key("packaging.per_package")
    levels = _table()["gpa_tables"]
    l95, l99 = float(levels["gpa_95"]), float(levels["gpa_99"])
    n = spec.key("count")
    packages = (lambda P: P[n] * P[spec.key("packages")]) if spec.has("packages") else (lambda P: 0.0)

    if spec.type == "logic":
        node = entry.get("node")
        if node is None:
            return ComponentTerm(None, reason=f"ACT has no logic row for node {entry.get('given_node')!r} "
                                 f"(rows: {', '.join(_table()['logic'])})")
        area = amount(spec, "area")
        fg, ab = _key("fab_grid"), _key("gas_abatement")
        epa, g95, g99, mpa = (_key(f"logic.{node}.{p}") for p in ("epa", "gpa_95", "gpa_99", "mpa"))

        def logic(P):
            gpa = gas_per_area(P[g95], P[g99], P[ab], l95, l99)
            cpa = carbon_per_area(P[fg], P[epa], gpa, P[mpa], P[y])
            return logic_carbon(area(P), cpa, packages(P), P[pkg]) / G_PER_KG
        return ComponentTerm(logic, basis=f"die area x CPA({node}) + packages x 150 g",
                             factor_keys=(fg, ab, y, epa, g95, g99, mpa, pkg), note=entry.get("note"))

    if spec.type in ("memory", "storage"):
        row = entry.get("row")
        if row is None:
            return ComponentTerm(None, reason=f"ACT has no {entry.get('table')} entry or stand-in for "
                                 f"technology {spec.technology!r}: give a factor or use another method")
        cap = amount(spec, "capacity")
        if cap is None:
            return ComponentTerm(None, reason="ACT costs memory per GB: give the component's capacity")
        f = _key(f"{entry['table']}.{row}")
        return ComponentTerm(
            lambda P: capacity_carbon(cap(P), P[f], P[y], packages(P), P[pkg]) / G_PER_KG,
            basis=f"capacity x {entry['table']}.{row} / yield + packages x 150 g",
            factor_keys=(f, y, pkg), note=entry.get("note"))

    if spec.type == "pcb":
        layers = entry.get("layers")
        area = amount(spec, "area")
        lk = spec.key("layers")
        table_key = _key(f"pcb.layers_{layers}")
        if f"pcb.layers_{layers}" in _figs():
            return ComponentTerm(
                lambda P: pcb_carbon(area(P) * M2_PER_CM2, P[table_key] * P[lk] / layers),
                basis=f"board area x pcb.layers_{layers}", factor_keys=(table_key,))
        per = _key("pcb_per_layer")
        return ComponentTerm(lambda P: pcb_carbon(area(P) * M2_PER_CM2, P[per] * P[lk]),
                             basis="board area x pcb_per_layer x layers", factor_keys=(per,))

    if spec.type == "item":
        m = entry.get("material")
        mass = amount(spec, "mass")
        if m is not None and mass is not None:
            f = _key(f"material.{m}")
            return ComponentTerm(lambda P: mass(P) * P[f], basis=f"mass x material.{m}",
                                 factor_keys=(f,),
                                 note=f"{spec.material} costed by mass at ACT's raw-material factor "
                                      "(forming and finishing not included)")
        return ComponentTerm(None, reason="ACT models dies, memory, storage and boards (and a few raw "
                             "materials by mass); it has no model for this item: give carbon or a factor")
    return ComponentTerm(None, reason=f"ACT has no model for component type {spec.type}")
