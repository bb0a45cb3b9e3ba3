"""Measured runs in the workbook and the report: a "Measured runs" sheet (live formulas:
operational = energy x grid, embodied share = embodied x duration / lifetime x resource
share, total, per functional unit) and a "Measured runs" report page (per run: operational
by CodeCarbon's figure and by lca's grid, embodied share, total).

Self-contained builders (``measured_runs_sheet(ws, runs)``, ``measured_runs_page(runs)``)
so the workbook and the report can list them beside their own sheets and pages;
``write_measured_workbook`` and ``build_measured_report`` write them on their own.
Files are written atomically with lca's marker (lca.io).
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import LcaError
from ..io import CREATOR, check_target, write_atomic
from ..units import HOURS_PER_YEAR
from .runs import UNITS, MeasuredRuns

SHEET_TITLE = "Measured runs"
PAGE_TITLE = "Measured runs: operational, hardware share and total per run"
RUNS_PER_PAGE = 24


# --- workbook ---------------------------------------------------------------------------------

def _col(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i)


def measured_runs_sheet(ws: Any, runs: MeasuredRuns) -> None:
    """Fill ``ws`` with one row per run. Inputs (what was measured, the grid, the shares)
    are values; operational, time share, embodied share, totals and per-functional-unit
    figures are formulas over them and over the hardware cells at the top."""
    from openpyxl.styles import Font, PatternFill

    from ..excel import formula, put

    bold, fill = Font(bold=True), PatternFill("solid", fgColor="D9D9D9")
    a = runs.hardware
    put(ws, 1, 1, SHEET_TITLE).font = Font(bold=True, size=13)
    stages = runs.hardware_stages
    lc = a.lifecycle
    top: list[tuple[str, Any, str | None]] = [("Hardware", a.name, None)]
    for st in stages:
        top.append((f"Hardware {st.replace('_', ' ')} over the lifetime [kgCO2e]",
                     float(lc.stage("gwp", st)[0]), "#,##0.0##"))
    top += [("Lifetime [years]", float(a.lifetime.magnitude), "0.0#"),
            ("Hours per year [h]", HOURS_PER_YEAR, "#,##0"),
            ("Market-based grid [kgCO2e/kWh]", runs.market_grid, "0.000"),
            ("Hardware share", f"the hardware's {', '.join(stages).replace('_', ' ')} x duration / lifetime x "
                               f"resource share (SCI: TE x TS x RS); resource share: "
                               f"{runs.allocation}", None),
            ("Operational (CodeCarbon)", "CodeCarbon's emissions column, carried over", None),
            ("Operational (lca)", f"measured energy x lca's location-based grid: {runs.grid_note}", None),
            ("Water", "use: on-site cooling (the hardware's WUE x IT energy) and electricity "
                      "generation (water intensity of the run's country); hardware stages where "
                      "lca has factors", None),
            ("Boundary", runs.boundary, None),
            ("Source", f"{runs.source} ({runs.layout})", None)]
    row_of = {}
    for i, (label, value, fmt) in enumerate(top, start=2):
        put(ws, i, 1, label).font = bold
        put(ws, i, 2, value, fmt)
        row_of[label] = i
    stage_cells = [f"$B${2 + 1 + k}" for k in range(len(stages))]
    emb = stage_cells[stages.index("manufacturing")] if "manufacturing" in stages else "0"
    life = f"$B${row_of['Lifetime [years]']}"
    hours = f"$B${row_of['Hours per year [h]']}"
    market = f"$B${row_of['Market-based grid [kgCO2e/kWh]']}"
    all_stages = f"SUM($B$3:$B${2 + len(stages)})" if stages else "0"
    cols = [("line", "Line", None), ("run_id", "Run", None), ("start_utc", "Start (UTC)", None),
            ("end_utc", "End (UTC)", None), ("duration_s", "Duration [s]", "#,##0.0##"),
            ("energy_kwh", "Energy [kWh]", "0.000000"),
            ("codecarbon_kgco2e", "Operational, CodeCarbon [kgCO2e]", "0.000000"),
            ("lca_grid_kgco2e_per_kwh", "lca grid [kgCO2e/kWh]", "0.000"),
            ("operational_kgco2e", "Operational, lca grid [kgCO2e]", "0.000000")]
    if runs.market_grid is not None:
        cols.append(("operational_market_kgco2e", "Operational, market-based [kgCO2e]", "0.000000"))
    cols += [("resource_share", "Resource share [-]", "0.000"),
             ("time_share", "Time share (duration / lifetime) [-]", "0.000E+00"),
             ("embodied_share_kgco2e", "Embodied (manufacturing) share [kgCO2e]", "0.000000"),
             ("hardware_share_kgco2e", "Hardware share, all stages but use [kgCO2e]", "0.000000")]
    if "water_l" in runs.frame:
        cols.append(("water_l", "Water [L]", "0.000"))
    cols += [("water_codecarbon_l", "Water, CodeCarbon [L]", "0.000"),
             ("total_kgco2e", "Total, lca grid [kgCO2e]", "0.000000"),
             ("total_codecarbon_kgco2e", "Total, CodeCarbon operational [kgCO2e]", "0.000000")]
    if runs.market_grid is not None:
        cols.append(("total_market_kgco2e", "Total, market-based [kgCO2e]", "0.000000"))
    for key in runs.units:
        u = UNITS[key]
        if key != "run":
            cols.append((f"{key}_count", f"{u.unit.capitalize()}s counted" if u.per == 1
                         else "Tokens counted", "#,##0"))
        cols.append((f"gco2e_per_{u.slug}", f"Per {u.unit} [gCO2e]", "0.000000"))
    first = 2 + len(top) + 2
    head = first - 1
    letter = {key: _col(j) for j, (key, _, _) in enumerate(cols, start=1)}
    for j, (_, title, _) in enumerate(cols, start=1):
        c = put(ws, head, j, title)
        c.font, c.fill = bold, fill
    ws.freeze_panes = ws.cell(row=first, column=3)
    f = runs.frame
    for i, rec in enumerate(f.to_dict("records")):
        r = first + i
        L = {k: f"{v}{r}" for k, v in letter.items()}
        for j, (key, _, fmt) in enumerate(cols, start=1):
            if key == "operational_kgco2e":
                formula(ws, r, j, f'=IF(ISNUMBER({L["lca_grid_kgco2e_per_kwh"]}),'
                                  f'{L["energy_kwh"]}*{L["lca_grid_kgco2e_per_kwh"]},"")', fmt)
            elif key == "operational_market_kgco2e":
                formula(ws, r, j, f"={L['energy_kwh']}*{market}", fmt)
            elif key == "time_share":
                formula(ws, r, j, f"={L['duration_s']}/3600/({life}*{hours})", fmt)
            elif key == "embodied_share_kgco2e":
                formula(ws, r, j, f"={emb}*{L['time_share']}*{L['resource_share']}", fmt)
            elif key == "hardware_share_kgco2e":
                formula(ws, r, j, f"={all_stages}*{L['time_share']}*{L['resource_share']}", fmt)
            elif key == "total_kgco2e":
                formula(ws, r, j, f'=IF(ISNUMBER({L["operational_kgco2e"]}),'
                                  f'{L["operational_kgco2e"]}+{L["hardware_share_kgco2e"]},"")', fmt)
            elif key == "total_codecarbon_kgco2e":
                formula(ws, r, j, f'=IF(ISNUMBER({L["codecarbon_kgco2e"]}),'
                                  f'{L["codecarbon_kgco2e"]}+{L["hardware_share_kgco2e"]},"")', fmt)
            elif key == "total_market_kgco2e":
                formula(ws, r, j, f"={L['operational_market_kgco2e']}+{L['hardware_share_kgco2e']}", fmt)
            elif key.startswith("gco2e_per_"):
                unit = next(u for u in UNITS.values() if f"gco2e_per_{u.slug}" == key)
                count = "1" if unit.key == "run" else L[f"{unit.key}_count"]
                formula(ws, r, j, f'=IF(ISNUMBER({L["total_kgco2e"]}),{L["total_kgco2e"]}*1000/'
                                  f'({count}/{unit.per:g}),"")', fmt)
            else:
                put(ws, r, j, rec[key], fmt)
    row = first + len(f) + 1
    for issue in runs.issues:
        put(ws, row, 1, "Issue").font = bold
        put(ws, row, 2, str(issue))
        row += 1
    for note in runs.notes:
        put(ws, row, 1, "Note").font = bold
        put(ws, row, 2, note)
        row += 1
    for j in range(1, len(cols) + 1):
        ws.column_dimensions[_col(j)].width = 14 if j > 2 else 34


def write_measured_workbook(runs: MeasuredRuns, path: "str | Path", *, force: bool = False) -> Path:
    """A workbook holding the "Measured runs" sheet, written atomically (an existing file
    only with ``force`` or when lca wrote it)."""
    from openpyxl import Workbook

    from .. import __version__

    if Path(path).suffix.lower() != ".xlsx":
        raise LcaError(f"{path}: expected a file name ending in .xlsx")
    wb = Workbook()
    wb.properties.creator = CREATOR
    wb.properties.lastModifiedBy = CREATOR
    wb.properties.title = "Measured runs (lca)"
    wb.properties.description = f"Written by lca {__version__}"
    ws = wb.active
    ws.title = SHEET_TITLE
    measured_runs_sheet(ws, runs)
    return write_atomic(path, lambda tmp: wb.save(tmp), force=force)


# --- report ------------------------------------------------------------------------------------

def measured_runs_page(runs: MeasuredRuns, first: int = 0) -> Any:
    """A report page (``lca.report.Page``): per run, stacked bars of operational (lca's
    grid) and embodied share, CodeCarbon's operational figure as a marker, and the values
    in a table. Runs ``first`` to ``first + RUNS_PER_PAGE``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from ..report import DPI, PAGE_SIZE_IN, RC, Page

    import matplotlib

    f = runs.frame.iloc[first:first + RUNS_PER_PAGE]
    labels = [f"{int(ln)}: {str(rid)[:10]}" for ln, rid in zip(f["line"], f["run_id"])]
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=PAGE_SIZE_IN, dpi=DPI)
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0.08, 0.42, 0.56, 0.46))
        g = 1000.0  # kg -> g
        y = np.arange(len(f))[::-1]
        op = np.nan_to_num(f["operational_kgco2e"].to_numpy(dtype=float)) * g
        emb = f["embodied_share_kgco2e"].to_numpy(dtype=float) * g
        other = np.nan_to_num(f["hardware_share_kgco2e"].to_numpy(dtype=float) * g - emb)
        ax.barh(y, op, color="#1f77b4", label="operational, lca grid")
        ax.barh(y, emb, left=op, color="#8c564b", label="embodied (manufacturing) share")
        if np.any(other > 0):
            ax.barh(y, other, left=op + emb, color="#e377c2",
                    label="transport, end of life, infrastructure share")
        cc_g = f["codecarbon_kgco2e"].to_numpy(dtype=float) * g
        ok = np.isfinite(cc_g)
        ax.plot(cc_g[ok], y[ok], "k|", markersize=14, label="operational, CodeCarbon")
        ax.set_yticks(y, labels, fontsize=7)
        ax.set_xlabel("gCO2e per run")
        ax.legend(loc="lower right", fontsize=7)
        text = [f"Hardware: {runs.hardware.name}; embodied {runs.hardware.embodied.magnitude:,.1f} "
                f"kgCO2e, lifetime {runs.hardware.lifetime.magnitude:g} years of 8,760 h.",
                f"Hardware share = the hardware's {', '.join(runs.hardware_stages).replace('_', ' ')} x duration / "
                f"lifetime x resource share (SCI-style); resource share: {runs.allocation}.",
                f"Operational (lca): measured energy x lca's location-based grid: {runs.grid_note}.",
                "Operational (CodeCarbon): its own emissions column.",
                f"Boundary: {runs.boundary}"]
        fig.text(0.67, 0.88, "\n".join(textwrap.fill(t, 62) for t in text), fontsize=7,
                 va="top", ha="left")
        rows = [["run", "energy [kWh]", "op. CC [g]", "op. lca [g]", "embodied [g]",
                 "other stages [g]", "water [L]", "total [g]"]]
        for lab, rec in zip(labels, f.to_dict("records")):
            rows.append([lab, _s(rec["energy_kwh"]), _s(rec["codecarbon_kgco2e"] * g),
                         _s(rec["operational_kgco2e"] * g), _s(rec["embodied_share_kgco2e"] * g),
                         _s((rec["hardware_share_kgco2e"] - rec["embodied_share_kgco2e"]) * g),
                         _s(rec.get("water_l", float("nan"))), _s(rec["total_kgco2e"] * g)])
        tab = fig.add_axes((0.04, 0.08, 0.92, 0.28))
        tab.axis("off")
        table = tab.table(cellText=rows[:12], loc="upper center", cellLoc="right")
        table.auto_set_font_size(False)
        table.set_fontsize(7)
        fig.suptitle(PAGE_TITLE, fontsize=14, fontweight="bold", x=0.02, ha="left", y=0.975)
        more = len(runs.frame) - (first + len(f))
        note = f"{len(f)} run(s) shown" + (f", {more} more on the next pages" if more > 0 else "")
        if len(rows) > 12:
            note += "; table: the first 11"
        fig.text(0.02, 0.012, f"Sources: {runs.source} ({runs.layout}); {note}.", fontsize=6.5)
    return Page(slug="measured-runs", title=PAGE_TITLE, figure=fig)


def _s(x: float) -> str:
    if x is None or not math.isfinite(float(x)):
        return "-"
    return f"{x:,.4g}" if abs(x) >= 1e-3 or x == 0 else f"{x:.3g}"


def measured_runs_pages(runs: MeasuredRuns) -> list[Any]:
    """As many measured-runs pages as the runs need."""
    return [measured_runs_page(runs, k) for k in range(0, max(len(runs.frame), 1), RUNS_PER_PAGE)]


def build_measured_report(runs: MeasuredRuns, path: "str | Path", *, png: bool = True,
                          force: bool = False) -> list[Path]:
    """A PDF of the measured-runs pages (and a PNG per page beside it), written
    atomically with lca's marker. Returns the written paths."""
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages

    from .. import __version__
    from ..report import RC, png_image, png_paths, save_png

    pdf = Path(path)
    if pdf.suffix.lower() != ".pdf":
        raise LcaError(f"{pdf}: expected a file name ending in .pdf")
    pages = measured_runs_pages(runs)
    pngs = png_paths(pdf, pages) if png else []
    for target in [pdf, *pngs]:
        check_target(target, force)
    meta = {"Title": "Measured runs (lca)", "Creator": f"{CREATOR} {__version__}",
            "CreationDate": None}

    def write_pdf(tmp: Path) -> None:
        with matplotlib.rc_context(RC), PdfPages(tmp, metadata=meta) as doc:
            for p in pages:
                doc.savefig(p.figure)

    out = [write_atomic(pdf, write_pdf, force=force)]
    for p, target in zip(pages, pngs):
        image = png_image(p.figure)
        out.append(write_atomic(target, lambda tmp, im=image: save_png(im, tmp), force=force))
    return out


__all__ = ["measured_runs_sheet", "write_measured_workbook", "measured_runs_page",
           "measured_runs_pages", "build_measured_report", "SHEET_TITLE", "PAGE_TITLE"]
