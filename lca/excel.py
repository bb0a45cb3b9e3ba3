"""Spreadsheet export (openpyxl): one workbook for one or several assessments.

Sheets: **Summary** (one row per server), **Components** (per component: amounts, factor,
method, source, embodied), **Operational** (profile, energy, PUE, grid and its source,
emissions), **Model** (the use-phase model in live formulas: edit the yellow input cells
and the totals recompute in Excel or LibreOffice), **Assumptions** (every parameter and
factor used, with value, min, max, unit, source, licence), and, when given, **Methods**,
**Sweep**, **Monte Carlo** (+ samples) and **Sensitivity**.

The numbers of the Summary, Components and Operational sheets are formulas that show the
Model sheet's cells (``=Model!B12``), so an input edited there flows through every sheet
and the workbook never contradicts itself.

Safety: every text cell is written as text, never as a formula (a component named
``=HYPERLINK(...)`` stays a string); the file is written atomically and carries lca's
marker (workbook creator ``lca``), see :mod:`lca.io`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from . import data, model, registry
from .assessment import Assessment, as_assessments
from .embodied import get_method
from .errors import DataError, LcaError
from .functional import KINDS, units_per_year
from .formatting import unique_labels
from .io import CREATOR, FORMULA_TRIGGERS, write_atomic
from .units import HOURS_PER_YEAR

#: Fill of the Model sheet's input cells (light yellow) and of header rows (light grey).
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
BOLD = Font(bold=True)

#: The sheet with the live model, which the Summary, Components and Operational sheets
#: reference by formula.
MODEL_SHEET = "Model"

#: Rows of a worksheet (Excel specifications and limits: 1,048,576 rows by 16,384 columns).
EXCEL_MAX_ROWS = 1_048_576

#: Number formats.
FMT_KG = "#,##0.00"
FMT_SHARE = "0.0%"
FMT_PLAIN = "General"
FMT_GRID = "0.000"
FMT_SMALL = "0.000E+00"

# Text starting with one of lca.io.FORMULA_TRIGGERS would be read as a formula (or DDE)
# by spreadsheet programs; such text is written as a string cell with a quote prefix.

#: Result columns (assess JSON keys) -> unit.
RESULT_UNITS = {
    "embodied_kgco2e": "kgCO2e", "mean_power_w": "W", "energy_kwh_per_year": "kWh/year",
    "operational_kgco2e_per_year": "kgCO2e/year", "embodied_kgco2e_per_year": "kgCO2e/year",
    "total_kgco2e_per_year": "kgCO2e/year", "lifetime_kgco2e": "kgCO2e",
    "use_phase_share": "-", "lifetime_years": "year", "grid_kgco2e_per_kwh": "kgCO2e/kWh",
    "pue": "-", "use_water_l_per_year": "L_water/year",
}


# --- cells ------------------------------------------------------------------------------

def safe_text(cell: Any, text: str) -> None:
    """Put ``text`` in ``cell`` as a string, never as a formula (control characters that
    a worksheet cannot hold are replaced by U+FFFD)."""
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)
    cell.value = text
    cell.data_type = "s"
    if text.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True


def put(ws: Any, row: int, col: int, value: Any, fmt: str | None = None) -> Any:
    """Write one value: numbers as numbers (NaN as an empty cell), text as text."""
    cell = ws.cell(row=row, column=col)
    if value is None:
        return cell
    if isinstance(value, (bool, np.bool_)):
        cell.value = bool(value)
    elif isinstance(value, (int, float, np.integer, np.floating)):
        v = float(value)
        if math.isnan(v):
            return cell
        cell.value = int(value) if isinstance(value, (int, np.integer)) else v
        if fmt:
            cell.number_format = fmt
    else:
        safe_text(cell, str(value))
    return cell


def formula(ws: Any, row: int, col: int, expr: str, fmt: str | None = None) -> Any:
    """Write a formula that lca composed itself (never user text)."""
    cell = ws.cell(row=row, column=col)
    cell.value = expr
    if fmt:
        cell.number_format = fmt
    return cell


def _header(ws: Any, headers: Sequence[str], row: int = 1) -> None:
    for j, h in enumerate(headers, start=1):
        c = put(ws, row, j, h)
        c.font = BOLD
        c.fill = HEADER_FILL
    ws.freeze_panes = ws.cell(row=row + 1, column=1)


def _fit_widths(ws: Any, cap: int = 60) -> None:
    widths: dict[int, int] = {}
    for row in ws.iter_rows():
        for c in row:
            if c.value is None:
                continue
            if isinstance(c.value, float):
                n = len(f"{c.value:,.2f}")
            elif isinstance(c.value, str) and c.data_type == "f":
                n = 12
            else:
                n = len(str(c.value))
            widths[c.column] = max(widths.get(c.column, 0), n)
    for col, n in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(cap, max(8, n + 2))


def _fmt_for(unit: str | None) -> str:
    if unit in ("kgCO2e", "kgCO2e/year", "kWh/year", "W", "kWh", "year"):
        return FMT_KG
    if unit == "kgCO2e/kWh":
        return FMT_GRID
    return FMT_PLAIN


# --- units of parameters and result columns --------------------------------------------

def parameter_unit(a: Assessment, key: str, figures: Mapping[str, Any] | None = None) -> str:
    """Unit of a parameter of the flat parameter table ('-' when dimensionless)."""
    if figures is not None and key in figures:
        return figures[key].unit
    return model.parameter_unit(a.compiled, key) or "-"


def result_unit(key: str) -> str:
    """Unit of a result column named as an assess JSON key (or '' when unknown)."""
    if key in RESULT_UNITS:
        return RESULT_UNITS[key]
    if key.startswith("embodied_by_component_kgco2e."):
        return "kgCO2e"
    if key.startswith("per_functional_unit."):
        return "gCO2e"
    if key.startswith("impacts."):
        from .impacts import CATEGORIES
        category = key.split(".")[1]
        return CATEGORIES[category][0] if category in CATEGORIES else ""
    if key.endswith("_kgco2e_per_year"):
        return "kgCO2e/year"
    if key.endswith("_kgco2e"):
        return "kgCO2e"
    return ""


def column_header(key: str, a: Assessment | None = None) -> str:
    """``key [unit]`` for a result or parameter column."""
    unit = result_unit(key)
    if not unit and a is not None:
        unit = parameter_unit(a, key, factor_figures(a))
    return f"{key} [{unit}]" if unit else key


# --- what an assessment used --------------------------------------------------------------

def factor_figures(a: Assessment) -> dict[str, Any]:
    """The method's factor parameters (name -> data.Figure) for this assessment."""
    impl = get_method(a.method)
    return dict(impl.factor_parameters(a.compiled.options))


def figure_licence(method: str, fig: Any) -> str | None:
    """A figure's licence, else the licence its method's factor file states for all."""
    if getattr(fig, "licence", None):
        return str(fig.licence)
    try:
        table = data.factor_table(method) or {}
    except DataError:
        return None
    text = table.get("licence")
    return " ".join(str(text).split()) if text else None


def _bom_source(a: Assessment) -> str:
    return f"BOM {a.name!r}"


def _functional(a: Assessment) -> tuple[str | None, float | None]:
    """(unit in words, functional units per year) or (None, None)."""
    kind = a.compiled.functional_unit
    if kind is None:
        return None, None
    rate = a.params.get(f"functional_unit.{kind}", 1.0)
    return KINDS[kind].unit, float(np.asarray(units_per_year(kind, rate)))


# --- sheets -------------------------------------------------------------------------------

SUMMARY_HEADERS = [
    "Server", "Kind", "Method", "Lifetime [years]", "Embodied [kgCO2e]",
    "Embodied per year [kgCO2e/year]", "Operational per year [kgCO2e/year]",
    "Total per year [kgCO2e/year]", "Lifetime total [kgCO2e]", "Use-phase share [-]",
    "Energy [kWh/year]", "Mean power [W]", "PUE [-]", "Grid [kgCO2e/kWh]",
    "Functional unit", "Per functional unit [gCO2e]", "Not covered", "Notes"]


def model_ref(cells: Mapping[str, str], key: str) -> str | None:
    """``=Model!B7``: a formula that shows the Model sheet's cell of ``key`` (None when the
    Model sheet has no such row)."""
    cell = cells.get(key)
    return f"={MODEL_SHEET}!{cell}" if cell else None


def put_live(ws: Any, row: int, col: int, cells: Mapping[str, str], key: str, value: Any,
             fmt: str | None = None) -> Any:
    """Write a reference to the Model sheet's cell of ``key`` when it has one (so an edited
    input flows through every sheet), else the value."""
    expr = model_ref(cells, key)
    if expr is None:
        return put(ws, row, col, value, fmt)
    return formula(ws, row, col, expr, fmt)


#: Summary column -> Model sheet key (the column shows that cell by formula).
SUMMARY_LIVE = {
    "Lifetime [years]": "lifetime", "Embodied [kgCO2e]": "embodied_kgco2e",
    "Embodied per year [kgCO2e/year]": "embodied_kgco2e_per_year",
    "Operational per year [kgCO2e/year]": "operational_kgco2e_per_year",
    "Total per year [kgCO2e/year]": "total_kgco2e_per_year",
    "Lifetime total [kgCO2e]": "lifetime_kgco2e", "Use-phase share [-]": "use_phase_share",
    "Energy [kWh/year]": "energy_kwh_per_year", "Mean power [W]": "mean_power_w",
    "PUE [-]": "pue", "Grid [kgCO2e/kWh]": "grid",
    "Per functional unit [gCO2e]": "per_functional_unit.total_gco2e",
}


def summary_sheet(ws: Any, assessments: Sequence[Assessment], labels: Sequence[str],
                  refs: Sequence[Mapping[str, str]] | None = None) -> None:
    """One row per server; the numbers are formulas showing the Model sheet's cells
    (``refs``: per server, key -> Model cell), so they follow an edited input."""
    _header(ws, SUMMARY_HEADERS)
    refs = refs or [{} for _ in assessments]
    for i, (a, label, cells) in enumerate(zip(assessments, labels, refs), start=2):
        r = a.row
        fu = a.per_functional_unit
        values = [
            (label, None), (a.bom.kind, None), (a.method, None),
            (float(a.params["lifetime"]), FMT_PLAIN),
            (r["embodied_kgco2e"], FMT_KG), (r["embodied_kgco2e_per_year"], FMT_KG),
            (r["operational_kgco2e_per_year"], FMT_KG), (r["total_kgco2e_per_year"], FMT_KG),
            (r["lifetime_kgco2e"], FMT_KG), (r["use_phase_share"], FMT_SHARE),
            (r["energy_kwh_per_year"], FMT_KG), (r["mean_power_w"], FMT_KG),
            (a.pue, FMT_PLAIN), (float(a.params["grid"]), FMT_GRID),
            (fu["unit"] if fu else None, None),
            (fu["total_gco2e"].magnitude if fu else None, FMT_SMALL),
            ("; ".join(a.uncovered) or None, None), ("; ".join(a.notes) or None, None)]
        for j, ((v, fmt), head) in enumerate(zip(values, SUMMARY_HEADERS), start=1):
            key = SUMMARY_LIVE.get(head)
            if key is not None and v is not None:
                put_live(ws, i, j, cells, key, v, fmt)
            else:
                put(ws, i, j, v, fmt)


COMPONENT_HEADERS = [
    "Server", "Component", "Type", "Count [-]", "Area [cm^2]", "Dies [-]", "Die area [cm^2]",
    "Capacity [GB]", "Layers [-]", "Mass [kg]", "Carbon given [kgCO2e]", "Method", "Basis",
    "Factor", "Factor value", "Factor unit", "Factor source", "Licence",
    "Embodied [kgCO2e]", "Share of embodied [-]", "Note", "Data source (BOM)", "BOM note"]
_AMOUNT_FIELDS = ("count", "area", "dies", "die_area", "capacity", "layers", "mass", "carbon")


def _component_factor(a: Assessment, spec: Any, term: Any, figures: Mapping[str, Any]):
    """(factor names, value, unit, source, licence) of the factor a term used."""
    if spec.factor_basis is not None and spec.has("factor"):
        return ("own factor", a.params[spec.key("factor")],
                model.FACTOR_BASIS_UNITS.get(spec.factor_basis, ""), "given in the BOM", None)
    if not term.factor_keys:
        return (None, None, None, term.basis or None, None)
    key = term.factor_keys[0]
    fig = figures.get(key)
    names = ", ".join(k.rsplit(".", 1)[-1] for k in term.factor_keys)
    if fig is None:
        return (names, a.params.get(key), None, None, None)
    return (names, a.params.get(key, fig.value), fig.unit, fig.source,
            figure_licence(a.method, fig))


def _bom_component_source(a: Assessment, name: str) -> tuple[str | None, str | None]:
    """(the source the BOM names for a component, resolved through its ``sources``;
    the BOM's note on it)."""
    try:
        comp = a.bom.component(name)
    except KeyError:  # a component the BOM does not list under that name
        return None, None
    key = getattr(comp, "source", None)
    sources = a.bom.sources or {}
    text = f"{key}: {' '.join(str(sources[key]).split())}" if key in sources else key
    note = getattr(comp, "note", None)
    return text, (" ".join(note.split()) if note else None)


def components_sheet(ws: Any, assessments: Sequence[Assessment], labels: Sequence[str],
                     refs: Sequence[Mapping[str, str]] | None = None) -> None:
    """One row per component; embodied and share show the Model sheet's cells."""
    _header(ws, COMPONENT_HEADERS)
    i = 2
    refs = refs or [{} for _ in assessments]
    for a, label, cells in zip(assessments, labels, refs):
        figures = factor_figures(a)
        by_comp = a.embodied_by_component
        total = a.row["embodied_kgco2e"]
        for spec in a.compiled.components:
            term = a.compiled.terms[spec.name]
            emb = by_comp[spec.name].magnitude
            fname, fval, funit, fsrc, flic = _component_factor(a, spec, term, figures)
            amounts = [a.params.get(spec.key(f)) if spec.has(f) else None for f in _AMOUNT_FIELDS]
            note = term.reason if term.evaluate is None else term.note
            values: list[tuple[Any, str | None]] = [
                (label, None), (spec.name, None), (spec.type, None)]
            values += [(v, FMT_PLAIN) for v in amounts]
            values += [(a.method, None), (term.basis or None, None), (fname, None),
                       (fval, FMT_PLAIN), (funit, None), (fsrc, None), (flic, None),
                       (emb if term.evaluate is not None else "not covered", FMT_KG),
                       (emb / total if term.evaluate is not None and total else None, FMT_SHARE),
                       (note, None)]
            values += [(v, None) for v in _bom_component_source(a, spec.name)]
            for j, (v, fmt) in enumerate(values, start=1):
                put(ws, i, j, v, fmt)
            comp_key = f"embodied_by_component_kgco2e.{spec.name}"
            emb_col = COMPONENT_HEADERS.index("Embodied [kgCO2e]") + 1
            if term.evaluate is not None and comp_key in cells:
                part, whole = cells[comp_key], cells["embodied_kgco2e"]
                formula(ws, i, emb_col, f"={MODEL_SHEET}!{part}", FMT_KG)
                formula(ws, i, emb_col + 1,
                        f"=IF({MODEL_SHEET}!{whole}=0,0,{MODEL_SHEET}!{part}/{MODEL_SHEET}!{whole})",
                        FMT_SHARE)
            i += 1


OPERATIONAL_HEADERS = [
    "Server", "Power model", "Profile", "Mean power [W]", "IT energy [kWh/year]", "PUE [-]",
    "Energy [kWh/year]", "Grid [kgCO2e/kWh]", "Grid source", "Operational [kgCO2e/year]",
    "Base grid source"]


def _state_labels(a: Assessment) -> list[str]:
    """Names of the profile's states: the BOM's label, else its state, else the index."""
    return [e.label or e.state or f"state {i}" for i, e in enumerate(a.bom.usage.profile or [])]


def _profile_text(a: Assessment) -> str:
    c = a.compiled
    if c.power_mode == "profile":
        labels = _state_labels(a)
        return "; ".join(
            f"{100 * float(a.params[f'profile.{i}.share']):g} % at "
            f"{float(a.params[f'profile.{i}.power']):g} W ({labels[i]})"
            for i in range(c.n_states))
    return (f"utilization {float(a.params['utilization']):g} between idle "
            f"{float(a.params['idle_power']):g} W and max {float(a.params['max_power']):g} W")


def _profile_formula(a: Assessment, cells: Mapping[str, str]) -> str:
    """The profile as live text: ``="75 % at 555 W; 25 % at 200 W"`` built from the Model
    sheet's input cells (numbers only: no user text enters a formula)."""
    m = MODEL_SHEET
    if a.compiled.power_mode == "profile":
        parts = [f'ROUND({m}!{cells[f"profile.{i}.share"]}*100,4)&" % at "&'
                 f'ROUND({m}!{cells[f"profile.{i}.power"]},4)&" W"'
                 for i in range(a.compiled.n_states)]
        return "=" + '&"; "&'.join(parts)
    return (f'="utilization "&ROUND({m}!{cells["utilization"]},4)&" between idle "&'
            f'ROUND({m}!{cells["idle_power"]},4)&" W and max "&'
            f'ROUND({m}!{cells["max_power"]},4)&" W"')


def operational_sheet(ws: Any, assessments: Sequence[Assessment], labels: Sequence[str],
                      refs: Sequence[Mapping[str, str]] | None = None) -> None:
    """One row per server; profile, powers, energy, PUE, grid and emissions show the Model
    sheet's cells."""
    _header(ws, OPERATIONAL_HEADERS)
    refs = refs or [{} for _ in assessments]
    for i, (a, label, cells) in enumerate(zip(assessments, labels, refs), start=2):
        r = a.row
        mode = ("time shares at powers" if a.compiled.power_mode == "profile"
                else "linear power curve")
        values = [(label, None), (mode, None), (_profile_text(a), None),
                  (r["mean_power_w"], FMT_KG), (r["energy_kwh_per_year"] / a.pue, FMT_KG),
                  (a.pue, FMT_PLAIN), (r["energy_kwh_per_year"], FMT_KG),
                  (float(a.params["grid"]), FMT_GRID), (a.meta.get("grid_source"), None),
                  (r["operational_kgco2e_per_year"], FMT_KG)]
        for j, (v, fmt) in enumerate(values, start=1):
            put(ws, i, j, v, fmt)
        if not cells:
            continue
        m = MODEL_SHEET
        formula(ws, i, 3, _profile_formula(a, cells))
        for col, key, fmt in ((4, "mean_power_w", FMT_KG), (6, "pue", FMT_PLAIN),
                              (7, "energy_kwh_per_year", FMT_KG), (8, "grid", FMT_GRID),
                              (10, "operational_kgco2e_per_year", FMT_KG)):
            put_live(ws, i, col, cells, key, None, fmt)
        formula(ws, i, 5, f"={m}!{cells['energy_kwh_per_year']}/{m}!{cells['pue']}", FMT_KG)
        formula(ws, i, 9, f'=IF({m}!{cells["grid"]}={float(a.params["grid"])!r},'
                          f'K{i},"edited on the Model sheet (base source in column K)")')
        put(ws, i, 11, a.meta.get("grid_source"))


ASSUMPTION_HEADERS = ["Server", "Parameter", "Value", "Unit", "Min", "Max", "Source",
                      "Licence", "Note"]


def assumptions_sheet(ws: Any, assessments: Sequence[Assessment], labels: Sequence[str]) -> None:
    _header(ws, ASSUMPTION_HEADERS)
    i = 2
    for a, label in zip(assessments, labels):
        figures = factor_figures(a)
        base = a.compiled.params
        for key, value in a.params.items():
            fig = figures.get(key)
            value = float(np.asarray(value, dtype=float))
            overridden = key in base and value != float(base[key])
            lo = hi = licence = note = None
            if fig is not None:
                source, lo, hi, note = fig.source, fig.min, fig.max, fig.note
                licence = figure_licence(a.method, fig)
            elif key == "grid":
                source = a.meta.get("grid_source") or a.compiled.grid_source
            else:
                source = _bom_source(a)
            if overridden and key != "grid":
                note = f"overridden (base {float(base[key]):g})"
                source = "given as an override"
            unit = parameter_unit(a, key, figures)
            values = [(label, None), (key, None), (value, FMT_PLAIN), (unit, None),
                      (lo, FMT_PLAIN), (hi, FMT_PLAIN), (source, None), (licence, None),
                      (note, None)]
            for j, (v, fmt) in enumerate(values, start=1):
                put(ws, i, j, v, fmt)
            i += 1
        for key, value in a.compiled.options.items():
            put(ws, i, 1, label)
            put(ws, i, 2, f"options.{a.method}.{key}")
            put(ws, i, 3, value if isinstance(value, (int, float)) else str(value), FMT_PLAIN)
            put(ws, i, 7, f"option of the {a.method} method (the BOM's embodied: section or "
                          "the method's default)")
            i += 1
        put(ws, i, 1, label)
        put(ws, i, 2, "hours per year")
        put(ws, i, 3, HOURS_PER_YEAR, FMT_PLAIN)
        put(ws, i, 4, "h")
        put(ws, i, 7, "lca convention: a year is 365 days of 24 h (lca.units)")
        i += 1


# --- Model sheet: live formulas ------------------------------------------------------------

MODEL_HEADERS = ["Quantity", "Value", "Unit", "Key", "Note"]
INPUT_NOTE = "Input: edit this value; the formulas below recompute."


def _plain(x: float) -> str:
    """A bound as a formula literal without an exponent (1000000, 0.5)."""
    return np.format_float_positional(float(x), trim="-")


def validation_rule(key: str, cell: str) -> tuple[str, str | None, str, str | None] | None:
    """The registry's bounds of ``key`` as a spreadsheet validation of ``cell``: (type,
    operator, formula1, formula2); None when the registry gives no bound. A range closed
    at both ends is ``between``; one with an open end is a custom AND formula."""
    p = registry.find(key)
    if p is None or (p.min is None and p.max is None):
        return None
    kind = "whole" if p.integer else "decimal"
    lo, hi = p.min, p.max
    if lo is not None and hi is not None:
        if not p.min_open and not p.max_open:
            return kind, "between", f"{_plain(lo)}", f"{_plain(hi)}"
        return ("custom", None, f"AND({cell}{'>' if p.min_open else '>='}{_plain(lo)},"
                f"{cell}{'<' if p.max_open else '<='}{_plain(hi)})", None)
    if lo is not None:
        return kind, "greaterThan" if p.min_open else "greaterThanOrEqual", f"{_plain(lo)}", None
    return kind, "lessThan" if p.max_open else "lessThanOrEqual", f"{_plain(hi)}", None


def _validate(ws: Any, cell: Any, key: str) -> None:
    """Attach the registry's accepted range (lca.registry) to an input cell (Excel and
    LibreOffice refuse other values with the message)."""
    rule = validation_rule(key, cell.coordinate)
    if rule is None:
        return
    kind, operator, f1, f2 = rule
    message = f"{registry.label(key)}: {registry.get(key).bounds_text()}"
    dv = DataValidation(type=kind, operator=operator, formula1=f1, formula2=f2,
                        showErrorMessage=True, errorTitle="lca", error=f"Expected {message}.")
    ws.add_data_validation(dv)
    dv.add(cell)


def _model_input(ws: Any, row: int, label: str, value: float, unit: str, key: str,
                 note: str | None = None) -> None:
    put(ws, row, 1, label)
    c = put(ws, row, 2, float(value), FMT_PLAIN)
    c.fill = INPUT_FILL
    c.comment = Comment(INPUT_NOTE, CREATOR)
    _validate(ws, c, key)
    put(ws, row, 3, unit)
    put(ws, row, 4, key)
    put(ws, row, 5, note or "input")


def _model_formula(ws: Any, row: int, label: str, expr: str, unit: str, key: str,
                   fmt: str, note: str) -> None:
    put(ws, row, 1, label)
    formula(ws, row, 2, expr, fmt)
    put(ws, row, 3, unit)
    put(ws, row, 4, key)
    put(ws, row, 5, note)


def model_block(ws: Any, a: Assessment, label: str, row: int,
                cells: dict[str, str] | None = None) -> int:
    """Write the model of one assessment from ``row``; returns the next free row.

    ``cells``, when given, receives key -> cell (``"B7"``) of every row, which the Summary,
    Components and Operational sheets reference by formula.

    Column B holds values; column D the parameter name or assess JSON key of each row, so
    that programs (and tests) can find a row. Embodied per component is a value (as lca
    computed it); everything downstream is a formula of the input cells.
    """
    c = a.compiled
    title = put(ws, row, 1, f"{label} (method {a.method})")
    title.font = BOLD
    row += 1
    cells = {} if cells is None else cells

    def ref(key: str) -> str:
        return cells[key]

    def add_input(label_: str, key: str, unit: str, note: str | None = None) -> None:
        nonlocal row
        _model_input(ws, row, label_, a.params[key], unit, key, note)
        cells[key] = f"B{row}"
        row += 1

    add_input("Lifetime", "lifetime", "years", "input: years of 8,760 h")
    add_input("Grid intensity", "grid", "kgCO2e/kWh",
              f"input; base value from {a.meta.get('grid_source') or c.grid_source}")
    add_input("PUE", "pue", "-", "input: power usage effectiveness, 1.0 or more")
    add_input("On-site WUE", "wue", "L/kWh", "input: water evaporated on site per kWh of IT "
              "energy (Li et al. 2023)")
    offsite = math.isfinite(float(a.params["water_intensity"]))
    if offsite:
        add_input("Water intensity of electricity", "water_intensity", "L/kWh",
                  "input: water consumed per kWh generated (EWIF, Li et al. 2023)")
    if c.power_mode == "profile":
        states = _state_labels(a)
        for i in range(c.n_states):
            add_input(f"Time share, {states[i]}", f"profile.{i}.share", "-",
                      "input: time shares must sum to 1")
        for i in range(c.n_states):
            add_input(f"Power, {states[i]}", f"profile.{i}.power", "W")
    else:
        add_input("Utilization", "utilization", "-")
        add_input("Idle power", "idle_power", "W")
        add_input("Max power", "max_power", "W")

    put(ws, row, 1, "Hours per year")
    put(ws, row, 2, HOURS_PER_YEAR, FMT_PLAIN)
    put(ws, row, 3, "h")
    put(ws, row, 4, "hours_per_year")
    put(ws, row, 5, "lca convention: a year is 365 days of 24 h")
    cells["hours"] = f"B{row}"
    row += 1

    fu_unit, fu_per_year = _functional(a)
    if fu_unit is not None:
        put(ws, row, 1, "Functional units per year")
        put(ws, row, 2, fu_per_year, FMT_SMALL)
        put(ws, row, 3, f"{fu_unit}/year")
        put(ws, row, 4, "functional_units_per_year")
        put(ws, row, 5, "from the BOM's functional-unit rate over 8,760 h")
        cells["fu"] = f"B{row}"
        row += 1

    first = row
    for spec in c.components:
        term = c.terms[spec.name]
        put(ws, row, 1, f"Embodied, {spec.name}")
        if term.evaluate is None:
            put(ws, row, 2, "not covered")
            put(ws, row, 5, term.reason)
        else:
            put(ws, row, 2, a.embodied_by_component[spec.name].magnitude, FMT_KG)
            put(ws, row, 5, f"value as lca computed it ({term.basis})")
            cells[f"embodied_by_component_kgco2e.{spec.name}"] = f"B{row}"
        put(ws, row, 3, "kgCO2e")
        put(ws, row, 4, f"embodied_by_component_kgco2e.{spec.name}")
        row += 1
    last = row - 1

    def out(label_: str, key: str, expr: str, unit: str, fmt: str, note: str) -> None:
        nonlocal row
        _model_formula(ws, row, label_, expr, unit, key, fmt, note)
        cells[key] = f"B{row}"
        row += 1

    if last >= first:
        out("Embodied total", "embodied_kgco2e", f"=SUM(B{first}:B{last})", "kgCO2e", FMT_KG,
            "sum of the covered components")
    else:
        out("Embodied total", "embodied_kgco2e", "=0", "kgCO2e", FMT_KG, "no components")
    if c.power_mode == "profile":
        s0, s1 = ref("profile.0.share"), ref(f"profile.{c.n_states - 1}.share")
        p0, p1 = ref("profile.0.power"), ref(f"profile.{c.n_states - 1}.power")
        out("Sum of time shares", "profile_share_sum", f"=SUM({s0}:{s1})", "-", FMT_PLAIN,
            "check: must be 1")
        out("Mean power", "mean_power_w", f"=SUMPRODUCT({s0}:{s1},{p0}:{p1})", "W", FMT_KG,
            "time shares x powers")
    else:
        out("Mean power", "mean_power_w",
            f"={ref('idle_power')}+({ref('max_power')}-{ref('idle_power')})*{ref('utilization')}",
            "W", FMT_KG, "idle + (max - idle) x utilization")
    out("Energy per year", "energy_kwh_per_year",
        f"={ref('mean_power_w')}*{ref('hours')}/1000*{ref('pue')}", "kWh/year", FMT_KG,
        "mean power x 8,760 h / 1000 x PUE")
    out("Operational per year", "operational_kgco2e_per_year",
        f"={ref('energy_kwh_per_year')}*{ref('grid')}", "kgCO2e/year", FMT_KG,
        "energy x grid intensity")
    out("Embodied per year", "embodied_kgco2e_per_year",
        f"={ref('embodied_kgco2e')}/{ref('lifetime')}", "kgCO2e/year", FMT_KG,
        "embodied / lifetime (straight line)")
    out("Total per year", "total_kgco2e_per_year",
        f"={ref('embodied_kgco2e_per_year')}+{ref('operational_kgco2e_per_year')}",
        "kgCO2e/year", FMT_KG, "embodied per year + operational per year")
    out("Lifetime total", "lifetime_kgco2e",
        f"={ref('total_kgco2e_per_year')}*{ref('lifetime')}", "kgCO2e", FMT_KG,
        "total per year x lifetime")
    out("Use-phase share", "use_phase_share",
        f"={ref('operational_kgco2e_per_year')}/{ref('total_kgco2e_per_year')}", "-",
        FMT_SHARE, "operational / total")
    it_kwh = f"{ref('mean_power_w')}*{ref('hours')}/1000"
    if offsite:
        out("Use-phase water per year", "use_water_l_per_year",
            f"={it_kwh}*{ref('wue')}+{it_kwh}*{ref('pue')}*{ref('water_intensity')}",
            "L/year", FMT_KG, "IT energy x WUE + IT energy x PUE x water intensity "
            "(on-site + off-site, Li et al. 2023)")
    else:
        out("Use-phase water per year", "use_water_l_per_year", f"={it_kwh}*{ref('wue')}",
            "L/year", FMT_KG, "IT energy x WUE (on-site); off-site not covered: no water "
            "intensity of electricity for this grid")
    if fu_unit is not None:
        for part, key in (("total", "total_kgco2e_per_year"),
                          ("embodied", "embodied_kgco2e_per_year"),
                          ("operational", "operational_kgco2e_per_year")):
            out(f"Per {fu_unit}, {part}", f"per_functional_unit.{part}_gco2e",
                f"={ref(key)}*1000/{ref('fu')}", "gCO2e", FMT_SMALL,
                f"{part} per year x 1000 / functional units per year")
    return row + 1


IMPACTS_HEADERS = ["Server", "Category", "Stage", "Component", "Value", "Unit"]


def impacts_sheet(ws: Any, assessments: Sequence[Assessment], labels: Sequence[str]) -> None:
    """The life cycle of each assessment: one row per (category, stage, component) over
    the lifetime, then the stage totals and the total of each category as SUM formulas of
    those rows, and the boundary. Not covered cells are written as "not covered" (never 0).
    Self-contained: reads only ``Assessment.lifecycle`` and ``Assessment.boundary``."""
    from .impacts import STAGES

    _header(ws, IMPACTS_HEADERS)
    row = 2
    for a, label in zip(assessments, labels):
        life = a.lifecycle
        for category in life.boundary.categories:
            unit = a.boundary["units"][category]
            stage_rows = []
            for stage in life.boundary.stages:
                first = row
                for comp, values in life.components(category, stage).items():
                    v = float(values[0])
                    for col, text in ((1, label), (2, category), (3, stage), (4, comp)):
                        put(ws, row, col, text)
                    if math.isnan(v):
                        put(ws, row, 5, "not covered")
                    else:
                        put(ws, row, 5, v, FMT_KG)
                    put(ws, row, 6, unit)
                    row += 1
                for col, text in ((1, label), (2, category), (3, stage), (4, "stage total")):
                    put(ws, row, col, text).font = BOLD
                if np.all(np.isnan(life.stage(category, stage))):
                    put(ws, row, 5, "not covered").font = BOLD
                else:
                    formula(ws, row, 5, f"=SUM(E{first}:E{row - 1})", FMT_KG).font = BOLD
                    stage_rows.append(row)
                put(ws, row, 6, unit)
                row += 1
            for col, text in ((1, label), (2, category), (3, "all stages"), (4, "total")):
                put(ws, row, col, text).font = BOLD
            if stage_rows:
                formula(ws, row, 5, "=" + "+".join(f"E{r}" for r in stage_rows), FMT_KG).font = BOLD
            else:
                put(ws, row, 5, "not covered").font = BOLD
            put(ws, row, 6, unit)
            row += 1
        put(ws, row, 1, label)
        put(ws, row, 2, "boundary")
        put(ws, row, 3, ", ".join(STAGES[s] for s in life.boundary.stages))
        put(ws, row, 4, "values over the lifetime; \"not covered\": no factor for the "
                        "category (left out of the totals, never counted as zero)")
        row += 2
    _fit_widths(ws)


def model_sheet(ws: Any, assessments: Sequence[Assessment],
                labels: Sequence[str]) -> list[dict[str, str]]:
    """Write the live model of every assessment; returns, per assessment, key -> cell."""
    put(ws, 1, 1, "Live model: edit the yellow input cells (lifetime, grid, PUE, time shares, "
                  "powers); the totals recompute here and on the Summary, Components and "
                  "Operational sheets. Embodied per component is lca's value.")
    ws.cell(row=1, column=1).font = BOLD
    _header(ws, MODEL_HEADERS, row=2)
    row = 3
    refs = []
    for a, label in zip(assessments, labels):
        cells: dict[str, str] = {}
        row = model_block(ws, a, label, row, cells)
        refs.append(cells)
    return refs


# --- optional result sheets ------------------------------------------------------------

def _per_server(obj: Any, labels: Sequence[str]) -> dict[str | None, Any]:
    """Normalise an optional result (one result, or server label -> result)."""
    if obj is None:
        return {}
    if isinstance(obj, Mapping):
        return dict(obj)
    return {labels[0] if len(labels) == 1 else None: obj}


def frame_sheet(ws: Any, frames: Mapping[str | None, pd.DataFrame], *, index: bool,
                index_name: str | None = None, a: Assessment | None = None,
                units: Mapping[str, str] | None = None) -> None:
    """Write DataFrames (one per server) one under the other, with a Server column."""
    frames = {k: v for k, v in frames.items() if v is not None}
    rows = sum(len(df) for df in frames.values())
    if rows + 1 > EXCEL_MAX_ROWS:
        raise LcaError(f"{ws.title}: {rows:,} rows do not fit in a worksheet (at most "
                       f"{EXCEL_MAX_ROWS - 1:,} below the header): use fewer scenarios or "
                       "samples, or write them to CSV")
    with_server = any(k is not None for k in frames)
    cols: list[str] = []
    for df in frames.values():
        for c_ in df.columns:
            if str(c_) not in cols:
                cols.append(str(c_))
    idx_name = None
    if index:
        first = next(iter(frames.values()), None)
        idx_name = index_name or (first.index.name if first is not None else None) or "index"

    def head(col: str) -> str:
        if units is not None and col in units:
            return f"{col} [{units[col]}]" if units[col] else col
        return column_header(col, a)

    headers = (["Server"] if with_server else []) + ([idx_name] if index else []) + \
        [head(c_) for c_ in cols]
    _header(ws, headers)
    i = 2
    for label, df in frames.items():
        for idx, rec in zip(df.index, df.to_dict("records")):
            j = 1
            if with_server:
                put(ws, i, j, label)
                j += 1
            if index:
                put(ws, i, j, idx if not isinstance(idx, (float, np.floating)) else float(idx))
                j += 1
            for c_ in cols:
                v = rec.get(c_)
                if isinstance(v, (np.floating, float, int, np.integer)):
                    put(ws, i, j, v, FMT_PLAIN)
                elif v is not None and not (isinstance(v, float) and math.isnan(v)):
                    put(ws, i, j, str(v))
                j += 1
            i += 1


# --- the workbook -------------------------------------------------------------------------

def build_workbook(assessments: Assessment | Sequence[Assessment], *, sweep: Any = None,
                   monte_carlo: Any = None, methods: Any = None,
                   sensitivity: Any = None, measured: Any = None) -> Workbook:
    """The workbook (in memory) for one or several assessments.

    Parameters
    ----------
    assessments : Assessment or sequence of them (one Summary row each)
    sweep : DataFrame of ``lca.sweep`` (one row per scenario), or server name -> DataFrame
    monte_carlo : result of ``lca.monte_carlo`` (``.summary`` index = result column,
        columns mean/p5/p50/p95; ``.samples``), or server name -> result
    methods : DataFrame of ``lca.compare_methods`` (index ``method``; components, total,
        low, high [kgCO2e]), or server name -> DataFrame
    sensitivity : DataFrame of ``lca.sensitivity`` (parameter, low, high, total_at_low,
        total_at_high, swing), or server name -> DataFrame
    measured : ``lca.measured.MeasuredRuns`` (``lca.measured.from_codecarbon``): adds the
        "Measured runs" sheet (live formulas; ``lca.measured.export.measured_runs_sheet``)
    """
    from . import __version__

    items = as_assessments(assessments, "export")
    labels = unique_labels(a.name for a in items)
    wb = Workbook()
    wb.properties.creator = CREATOR
    wb.properties.lastModifiedBy = CREATOR
    wb.properties.title = ILLEGAL_CHARACTERS_RE.sub("\ufffd", "Life-cycle carbon: "
                                                    + ", ".join(labels))
    wb.properties.subject = "Embodied and operational carbon footprint (lca)"
    wb.properties.description = f"Written by lca {__version__}"
    summary = wb.active
    summary.title = "Summary"
    components, operational = wb.create_sheet("Components"), wb.create_sheet("Operational")
    refs = model_sheet(wb.create_sheet(MODEL_SHEET), items, labels)
    summary_sheet(summary, items, labels, refs)
    components_sheet(components, items, labels, refs)
    operational_sheet(operational, items, labels, refs)
    assumptions_sheet(wb.create_sheet("Assumptions"), items, labels)
    impacts_sheet(wb.create_sheet("Impacts"), items, labels)
    first = items[0]  # parameter units (canonical, the same for every server)
    method_frames = _per_server(methods, labels)
    if method_frames:
        frame_sheet(wb.create_sheet("Methods"), method_frames, index=True, index_name="method",
                    units={c_: ("count" if c_ == "covered" else "kgCO2e")
                           for df in method_frames.values() for c_ in df.columns})
    sweep_frames = _per_server(sweep, labels)
    if sweep_frames:
        frame_sheet(wb.create_sheet("Sweep"), sweep_frames, index=False, a=first)
    mc = _per_server(monte_carlo, labels)
    if mc:
        summaries = {k: v.summary for k, v in mc.items()}
        frame_sheet(wb.create_sheet("Monte Carlo"), summaries, index=True,
                    index_name="result", a=first,
                    units={c_: "" for df in summaries.values() for c_ in df.columns})
        _unit_column(wb["Monte Carlo"], summaries, result_unit)
        frame_sheet(wb.create_sheet("Monte Carlo samples"),
                    {k: v.samples for k, v in mc.items()}, index=False, a=first)
        monte_carlo_inputs_sheet(wb, mc)
    sens = _per_server(sensitivity, labels)
    if sens:
        frame_sheet(wb.create_sheet("Sensitivity"), sens, index=False, a=first,
                    units={"parameter": "", "low": "", "high": "", "base": "", "unit": "",
                           "source": "",
                           "total_at_low": "kgCO2e/year", "total_at_high": "kgCO2e/year",
                           "swing": "kgCO2e/year"})
        if not any("unit" in df.columns for df in sens.values()):
            figures = factor_figures(first)
            _unit_column(wb["Sensitivity"], sens,
                         lambda key: parameter_unit(first, key, figures),
                         "Unit of low and high")
    for ws in wb.worksheets:
        _fit_widths(ws)
    if measured is not None:  # after the widths: the sheet sets its own
        from .measured.export import SHEET_TITLE, measured_runs_sheet

        measured_runs_sheet(wb.create_sheet(SHEET_TITLE), measured)
    return wb


def monte_carlo_inputs_sheet(wb: Workbook, results: Mapping[str | None, Any]) -> None:
    """A "Monte Carlo inputs" sheet: which inputs each Monte Carlo varied, its
    distribution, low, mode and high (canonical units) and the source of the range."""
    frames = {k: v.varied() for k, v in results.items() if hasattr(v, "varied")}
    if frames:
        frame_sheet(wb.create_sheet("Monte Carlo inputs"), frames, index=False,
                    units={c: "" for df in frames.values() for c in df.columns})


def _unit_column(ws: Any, frames: Mapping[str | None, pd.DataFrame], unit_of,
                 title: str = "Unit") -> None:
    """Append a unit column: ``unit_of(key)`` for the key in each row's first data column
    (a result column of a Monte Carlo summary, a parameter of a sensitivity table)."""
    col = ws.max_column + 1
    c = put(ws, 1, col, title)
    c.font, c.fill = BOLD, HEADER_FILL
    with_server = any(k is not None for k in frames)
    key_col = 2 if with_server else 1
    for r in range(2, ws.max_row + 1):
        key = ws.cell(row=r, column=key_col).value
        if isinstance(key, str):
            put(ws, r, col, unit_of(key) or None)


def write_workbook(assessments: Assessment | Sequence[Assessment], path: str | Path, *,
                   sweep: Any = None, monte_carlo: Any = None, methods: Any = None,
                   sensitivity: Any = None, measured: Any = None, force: bool = False) -> Path:
    """Write the workbook to ``path`` (atomically; see :func:`build_workbook` for the
    arguments). An existing file is replaced only when ``force`` or when lca wrote it;
    otherwise :class:`lca.errors.OverwriteError`. Returns the path."""
    if Path(path).suffix.lower() != ".xlsx":
        raise LcaError(f"{path}: expected a file name ending in .xlsx")
    wb = build_workbook(assessments, sweep=sweep, monte_carlo=monte_carlo, methods=methods,
                        sensitivity=sensitivity, measured=measured)
    return write_atomic(path, lambda tmp: wb.save(tmp), force=force)


__all__ = ["build_workbook", "write_workbook", "model_block", "safe_text", "FORMULA_TRIGGERS"]
