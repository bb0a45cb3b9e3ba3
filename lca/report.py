"""Generated reports: matplotlib figures, a multi-page PDF and a PNG per page.

Pages, in order:

1. **Summary**: a table of the key figures with units, the method, lifetime, grid and its
   source, for every server.
2. **Embodied by component**, one page per server: horizontal bars, sorted; components
   the method cannot cover are listed, not drawn as zero.
3. **Footprint over the lifetime**: per-year footprint, embodied (amortised) and
   operational stacked, year by year.
4. **Footprint against grid intensity**: total per year from 0 to beyond the highest grid
   used, with the reference study's 0.4 and 0.05 kgCO2e/kWh marked (Clemm et al. 2024,
   section IV.D; ``data/grid/named.yaml``).
5. **Comparison** (several servers): per year and over the lifetime, side by side.
6. When given: the **embodied methods' spread** (``lca.compare_methods``), the
   **Monte Carlo distribution** (``lca.monte_carlo``) and the **sensitivity tornado**
   (``lca.sensitivity``), up to four servers a page.
7. **Life cycle by stage**: one panel per impact category (GWP, water, ADPe, PE), each
   server's lifetime impacts stacked by stage (manufacturing, transport, use, end of life,
   data-centre infrastructure); what has no factor is listed as not covered.

Every page carries a source note (method and its reference, grid values and their
sources, the 8,760 h year). Output is deterministic: fixed rcParams and fonts (DejaVu
Sans, shipped with matplotlib), no timestamps (PDF without CreationDate, PNG without
Software or date), so the same inputs give byte-identical PNGs. Pages are A4 landscape
(297 x 210 mm) and PNGs 1169 x 827 pixels (100 dpi).

The figures are built without pyplot (``matplotlib.figure.Figure``), so no global state
or GUI backend is involved. Files are written atomically with lca's marker (PDF Creator
``lca``, PNG text ``Source: lca``), see :mod:`lca.io`.

Reference: C. Clemm, K. Wimalawarne, L. Stobbe, J. Druschke, "Towards Green AI: Current
Status and Future Research", University of Tokyo / Fraunhofer IZM, 2024.
"""

from __future__ import annotations

import glob
import math
import re
import textwrap
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import matplotlib
import matplotlib.ticker
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from PIL import Image, PngImagePlugin

from . import data, registry
from .assessment import Assessment, as_assessments
from .errors import LcaError
from .formatting import fmt_number, unique_labels
from .io import (CREATOR, FINGERPRINT_PLACEHOLDER, PDF_FINGERPRINT_KEY, check_target,
                 write_atomic, written_by_lca)
from .model import evaluate

#: Resolution of the PNGs [dots per inch].
DPI = 100
#: Page size in pixels at DPI: A4 landscape (297 x 210 mm, ISO 216) rounded to whole pixels.
PAGE_PIXELS = (1169, 827)
#: Page size [inches].
PAGE_SIZE_IN = (PAGE_PIXELS[0] / DPI, PAGE_PIXELS[1] / DPI)
#: Reference grid intensities marked on the grid page (keys of data/grid/named.yaml).
REFERENCE_GRIDS = ("germany-2022-clemm2024", "renewable-clemm2024")
#: Colours of the PNG palette.
PNG_COLOURS = 256
#: At most this many servers share one page of subplots.
SERVERS_PER_PAGE = 4
#: At most this many parameters in a sensitivity tornado.
TORNADO_PARAMETERS = 12
#: Points on the grid-intensity curve.
GRID_POINTS = 81

#: Fixed matplotlib settings for reproducible output.
RC = {
    "font.family": "DejaVu Sans",
    "text.parse_math": False,   # names from BOMs may hold "$": never read them as TeX
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "savefig.bbox": "standard",
    "pdf.fonttype": 42,
    "pdf.compression": 6,
    "svg.hashsalt": "lca",
    "path.simplify": True,
    "axes.prop_cycle": matplotlib.cycler(color=[
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
        "#7f7f7f"]),
}
#: Columns of lca.compare_methods that are not components.
METHOD_SUMMARY_COLUMNS = ("total", "low", "high", "covered")
EMBODIED_COLOUR = "#8c564b"
THOUSANDS = matplotlib.ticker.FuncFormatter(
    lambda x, _: f"{x:,.0f}" if abs(x) >= 1000 else f"{x:g}")
OPERATIONAL_COLOUR = "#1f77b4"


@dataclass
class Page:
    """One page of the report: a slug (for the PNG name), a title, the figure and the
    name of the builder that made it (a key of :data:`PAGES`)."""

    slug: str
    title: str
    figure: Figure
    kind: str = ""


@dataclass
class Report:
    """What :func:`build_report` wrote."""

    pdf: Path
    pngs: list[Path] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)

    def pages_of(self, kind: str) -> list[int]:
        """Indices (0-based) of the pages a builder made (``"grid"``, ``"notes"``, ...)."""
        return [i for i, k in enumerate(self.kinds) if k == kind]


# --- helpers ---------------------------------------------------------------------------

def slug(text: str, limit: int = 32) -> str:
    """File-name-safe form of ``text`` (cut at a word boundary)."""
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(s) > limit:
        s = s[:limit + 1].rsplit("-", 1)[0] if "-" in s[:limit + 1] else s[:limit]
    return s or "page"


def _new_page() -> Figure:
    fig = Figure(figsize=PAGE_SIZE_IN, dpi=DPI)
    FigureCanvasAgg(fig)
    return with_png_repr(fig)


def with_png_repr(fig: Figure) -> Figure:
    """Let a notebook show ``fig`` inline (it is built without pyplot, so IPython has no
    formatter for it): ``fig._repr_png_`` renders it as PNG bytes."""
    def repr_png() -> bytes:
        import io

        buffer = io.BytesIO()
        with matplotlib.rc_context(RC):
            fig.savefig(buffer, format="png")
        return buffer.getvalue()

    fig._repr_png_ = repr_png  # type: ignore[attr-defined]
    return fig


def _grid_shape(n: int) -> tuple[int, int]:
    return {1: (1, 1), 2: (1, 2)}.get(n, (2, 2) if n <= 4 else (3, 3))


def _chunks(seq: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [seq[i:i + size] for i in range(0, len(seq), size)] or [seq]


def wrap(text: str, width: int) -> str:
    """``text`` wrapped at ``width`` characters into lines (never cut: every word stays)."""
    return "\n".join(textwrap.wrap(str(text), width, break_long_words=True)) or str(text)


def method_reference(method: str) -> str:
    """The published source of an embodied method (from its factor file)."""
    table = data.factor_table(method)
    ref = table.get("reference") or table.get("title") or method
    return " ".join(str(ref).split())


def short_reference(method: str) -> str:
    """A method's source as a short citation: its first author, "et al." and the year
    when the reference names several authors (``C. Clemm et al., 2024``)."""
    ref = method_reference(method)
    authors = ref.split(",")
    years = re.findall(r"\b(19|20)(\d\d)\b", ref)
    year = f", {years[0][0]}{years[0][1]}" if years else ""
    first = authors[0].strip()
    person = re.compile(r"^[A-Z][a-z]?\.")  # "C. Clemm", "G.-Y. Wei": initials first
    if len(authors) > 2 and person.match(first) and person.match(authors[1].strip()):
        return f"{first} et al.{year}"
    return first


def parameter_label(name: str, a: Assessment | None = None) -> str:
    """A readable label for a parameter name, with its unit: the registry's label
    (``lca.registry.label``) and canonical unit; a profile state by the BOM's own label
    (``profile.0.share`` -> ``time share, active``)."""
    entry = registry.find(name)
    unit = entry.unit if entry is not None else None
    parts = name.split(".")
    if a is not None and len(parts) == 3 and parts[0] == "profile" and parts[1].isdigit():
        states = [e.label or e.state or f"state {i}"
                  for i, e in enumerate(a.bom.usage.profile or [])]
        i = int(parts[1])
        text = f"{entry.label if entry else parts[2]}, {states[i] if i < len(states) else i}"
    else:
        text = registry.label(name, a.params if a is not None else None)
    if unit and unit not in ("dimensionless", "-"):
        text += f" [{unit}]"
    return text


def full_source_note(assessments: Sequence[Assessment], labels: Sequence[str]) -> str:
    """The complete source note (methods' references, each grid value and its source)."""
    methods = sorted({a.method for a in assessments})
    parts = [f"Embodied method {m}: {method_reference(m)}." for m in methods]
    grids = []
    for a, label in zip(assessments, labels):
        src = a.meta.get("grid_source") or a.compiled.grid_source
        grids.append(f"{label}: {float(a.params['grid']):.3g} kgCO2e/kWh ({src})")
    parts.append("Grid: " + "; ".join(grids) + ".")
    parts.append("A year is 8,760 h; embodied carbon amortised straight-line over the "
                 "lifetime. Generated by lca.")
    return " ".join(parts)


#: Characters per line and lines of the source note at the foot of each page.
NOTE_WIDTH = 190
NOTE_LINES = 4


def source_note(assessments: Sequence[Assessment], labels: Sequence[str]) -> str:
    """The source note printed on every page: the full note when it fits in four lines,
    else a short one (methods by first author and year, the grid values) that points to
    the "Sources and notes" page at the end, where the full text is. Nothing is cut."""
    full = wrap(full_source_note(assessments, labels), NOTE_WIDTH)
    if full.count("\n") < NOTE_LINES:
        return full
    methods = sorted({a.method for a in assessments})
    grids = sorted({f"{float(a.params['grid']):.3g}" for a in assessments}, key=float)
    text = ("Embodied " + ("method " if len(methods) == 1 else "methods ")
            + "; ".join(f"{m} ({short_reference(m)})" for m in methods)
            + f". Grid intensities: {', '.join(grids)} kgCO2e/kWh. A year is 8,760 h; "
            "embodied carbon amortised straight-line over the lifetime. Full references, grid "
            "sources and notes: the \"Sources and notes\" page at the end. Generated by lca.")
    return wrap(text, NOTE_WIDTH)


def methods_note(names: Sequence[str]) -> str:
    """The compared methods by short citation (the full references are on the "Sources
    and notes" page)."""
    return wrap("Methods compared: " + "; ".join(
        f"{m} ({_safe_short_reference(m)})" for m in names)
        + ". Full references: the \"Sources and notes\" page.", NOTE_WIDTH)


def _safe_short_reference(method: str) -> str:
    from .errors import DataError

    try:
        return short_reference(method)
    except DataError:
        return "no factor file"


def _decorate(fig: Figure, title: str, note: str, page: int, pages: int,
              extra: str | None = None) -> None:
    fig.suptitle(wrap(title, 95), fontsize=14 if len(title) <= 95 else 12,
                 fontweight="bold", x=0.02, ha="left", y=0.975, va="top")
    fig.text(0.02, 0.012, "Sources: " + note, fontsize=6.5, va="bottom", ha="left",
             color="#333333")
    fig.text(0.98, 0.985, f"page {page} of {pages}", fontsize=8, ha="right", va="top",
             color="#555555")
    if extra:
        fig.text(0.02, 0.075, extra, fontsize=6.5, va="bottom", ha="left", color="#333333")


# --- computations used by the pages (pure) --------------------------------------------

def grid_curve(a: Assessment, grids: np.ndarray) -> np.ndarray:
    """Total per year [kgCO2e/year] of ``a`` at each grid intensity [kgCO2e/kWh]
    (one vectorized evaluation of the model)."""
    grids = np.asarray(grids, dtype=float)
    params = dict(a.params)
    params["grid"] = grids
    return np.asarray(evaluate(a.compiled, params, n=len(grids))["total_kgco2e_per_year"])


def yearly_footprint(a: Assessment) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(year numbers, embodied [kgCO2e], operational [kgCO2e]) for each year of the
    lifetime; a final partial year counts its fraction."""
    life = float(a.params["lifetime"])
    years = np.arange(1, math.ceil(life) + 1)
    fraction = np.clip(life - (years - 1), 0.0, 1.0)
    return (years, a.row["embodied_kgco2e_per_year"] * fraction,
            a.row["operational_kgco2e_per_year"] * fraction)


# --- pages -------------------------------------------------------------------------------

SUMMARY_ROWS = [
    ("Kind", None), ("Embodied method", None), ("Lifetime [years]", "lifetime"),
    ("Embodied [kgCO2e]", "embodied_kgco2e"),
    ("Embodied low-high [kgCO2e]", "embodied_range"),
    ("Embodied per year [kgCO2e/year]", "embodied_kgco2e_per_year"),
    ("Energy [kWh/year]", "energy_kwh_per_year"), ("Mean power [W]", "mean_power_w"),
    ("PUE [-]", "pue"), ("Grid intensity [kgCO2e/kWh]", "grid"),
    ("Grid source", "grid_source"),
    ("Operational per year [kgCO2e/year]", "operational_kgco2e_per_year"),
    ("Total per year [kgCO2e/year]", "total_kgco2e_per_year"),
    ("Lifetime total [kgCO2e]", "lifetime_kgco2e"), ("Use-phase share [%]", "use_phase_share"),
    ("Per functional unit [gCO2e]", "fu"),
]


def _summary_cell(a: Assessment, key: str | None, row_label: str) -> str:
    if row_label == "Kind":
        return a.bom.kind
    if row_label == "Embodied method":
        return a.method
    if key == "lifetime":
        return fmt_number(float(a.params["lifetime"]), 1)
    if key == "pue":
        return f"{a.pue:g}"
    if key == "grid":
        return f"{float(a.params['grid']):.3f}"
    if key == "grid_source":  # the grid's name; its full source is on the notes page
        return wrap((a.meta.get("grid_source") or a.compiled.grid_source).split(": ")[0], 24)
    if key == "use_phase_share":
        return fmt_number(100 * a.row["use_phase_share"], 1)
    if key == "embodied_kgco2e" and a.uncovered:   # issue 12: a partial total says so
        return f"{fmt_number(a.row[key], 1)} (partial)"
    if key == "embodied_range":
        r = a.embodied_range
        return f"{fmt_number(r['low'].magnitude, 0)}-{fmt_number(r['high'].magnitude, 0)}"
    if key == "fu":
        fu = a.per_functional_unit
        if fu is None:
            return "-"
        return f"{fmt_number(fu['total_gco2e'].magnitude, 2)} per {fu['unit']}"
    return fmt_number(a.row[key], 1)


def summary_page(assessments: Sequence[Assessment], labels: Sequence[str]) -> Figure:
    fig = _new_page()
    n = len(assessments)
    height = 0.035 * (len(SUMMARY_ROWS) + 2)
    ax = fig.add_axes((0.02, 0.89 - height, 0.96, height))
    ax.axis("off")
    first = 0.3
    width = min(0.2, (1.0 - first) / n)
    wrap = max(12, int(width * 120))
    col_labels = ["Quantity"] + ["\n".join(textwrap.wrap(l, wrap)[:3]) for l in labels]
    cells = [[lab] + [_summary_cell(a, key, lab) for a in assessments]
             for lab, key in SUMMARY_ROWS]
    table = ax.table(cellText=cells, colLabels=col_labels, cellLoc="right",
                     colWidths=[first] + [width] * n, bbox=(0, 0, first + width * n, 1))
    table.auto_set_font_size(False)
    table.set_fontsize(9)
    for (r, c), cell in table.get_celld().items():
        if r == 0:
            cell.set_height(cell.get_height() * 1.8)
            cell.set_text_props(fontweight="bold", ha="center")
            cell.set_facecolor("#e6e6e6")
        elif c == 0:
            cell.set_text_props(ha="left")
            cell._loc = "left"
    cells_ = table.get_celld()
    row_lines: dict[int, int] = {}
    for (r, c), cell in cells_.items():  # rows whose text wraps grow (the whole row)
        row_lines[r] = max(row_lines.get(r, 1), cell.get_text().get_text().count("\n") + 1)
    for (r, c), cell in cells_.items():
        if r > 0 and row_lines[r] > 1:
            cell.set_height(cell.get_height() * (0.5 + 0.5 * row_lines[r]))
    lines: list[str] = []
    for n in server_notes(assessments, labels):
        lines += textwrap.wrap(n, 200, subsequent_indent="    ")
    if len(lines) > SUMMARY_NOTE_LINES:
        lines = lines[:SUMMARY_NOTE_LINES - 1]
        while lines and lines[-1].startswith("    "):  # never end on half a note
            lines.pop()
        lines.append("More notes: every note is on the \"Sources and notes\" page at the end.")
    fig.text(0.02, 0.86 - height, "\n".join(lines), fontsize=7.5, va="top", ha="left")
    return fig


#: Lines of notes that fit under the summary table.
SUMMARY_NOTE_LINES = 9


def server_notes(assessments: Sequence[Assessment], labels: Sequence[str]) -> list[str]:
    """Every server's notes: components its method leaves out, and the method's notes."""
    notes = []
    for a, label in zip(assessments, labels):
        if a.uncovered:
            notes.insert(0, f"{label}: PARTIAL embodied total: not covered by {a.method}: "
                            f"{', '.join(a.uncovered)}.")
        for n in a.notes:
            notes.append(f"{label}: {n}.")
    return notes


def embodied_page(a: Assessment) -> Figure:
    fig = _new_page()
    ax = fig.add_axes((0.30, 0.2, 0.62, 0.68))
    items = [(n, q.magnitude) for n, q in a.embodied_by_component.items()
             if not math.isnan(q.magnitude)]
    items.sort(key=lambda x: x[1])
    names = [n for n, _ in items]
    values = np.array([v for _, v in items])
    ax.barh(range(len(items)), values, color=EMBODIED_COLOUR)
    ax.set_yticks(range(len(items)), [wrap(n, 38) for n in names],
                  fontsize=10 if len(items) <= 14 else 8)
    ax.set_xlabel("Embodied carbon [kgCO2e]")
    ax.xaxis.set_major_formatter(THOUSANDS)
    total = a.row["embodied_kgco2e"]
    top = values.max() if len(values) else 1.0
    for i, v in enumerate(values):
        ax.text(v + top * 0.01, i, f"{fmt_number(v)} ({100 * v / total:.1f} %)" if total else fmt_number(v),
                va="center", fontsize=8)
    ax.set_xlim(0, top * 1.25)
    if not items:
        ax.set_yticks([])
        ax.text(0.5, 0.5, f"No component is covered by {a.method}", transform=ax.transAxes,
                ha="center", va="center", fontsize=12)
    ax.set_title(wrap(f"{a.name}: embodied {fmt_number(total)} kgCO2e ({a.method})", 90),
                 loc="left")
    if a.uncovered:
        fig.text(0.30, 0.135, textwrap.fill("Not covered by the method (not counted): "
                                            + ", ".join(a.uncovered), 150),
                 fontsize=8, va="top")
    return fig


def lifetime_page(assessments: Sequence[Assessment], labels: Sequence[str]) -> Figure:
    fig = _new_page()
    rows, cols = _grid_shape(len(assessments))
    axes = fig.subplots(rows, cols, squeeze=False)
    fig.subplots_adjust(left=0.08, right=0.97, top=0.84, bottom=0.2, hspace=0.6, wspace=0.25)
    for ax in axes.ravel()[len(assessments):]:
        ax.set_visible(False)
    for ax, a, label in zip(axes.ravel(), assessments, labels):
        years, emb, op = yearly_footprint(a)
        ax.bar(years, emb, color=EMBODIED_COLOUR, label="embodied (amortised)")
        ax.bar(years, op, bottom=emb, color=OPERATIONAL_COLOUR, label="operational")
        ax.set_xticks(years)
        ax.set_xlabel("Year of service")
        ax.set_ylabel("Footprint [kgCO2e/year]")
        ax.set_title(f"{wrap(label, 60 if cols == 1 else 45)}\nlifetime total "
                     f"{fmt_number(a.row['lifetime_kgco2e'])} kgCO2e", loc="left", fontsize=10)
        if float(np.max(emb + op)) > 0:
            ax.set_ylim(0, float(np.max(emb + op)) * 1.3)
        ax.yaxis.set_major_formatter(THOUSANDS)
        ax.legend(loc="upper right", fontsize=8, ncol=2)
    return fig


#: The grid-intensity axis reaches at least this far [kgCO2e/kWh]: many national grids are
#: above 0.5 (data/grid/countries.csv).
GRID_AXIS_MIN_TOP = 1.0


def country_grids() -> list[float]:
    """Grid intensities of the shipped countries (data/grid/countries.csv, one per
    country) [kgCO2e/kWh]."""
    seen: dict[str, float] = {}
    for g in data.grid_table().values():
        if g.key.isupper() and len(g.key) == 2:
            seen[g.key] = g.value
    return sorted(seen.values())


def grid_label(a: Assessment) -> str:
    """Where a server's grid value comes from: its region, or the BOM, or an override."""
    region = a.meta.get("region") if "region" in a.meta else a.compiled.grid_region
    if region:
        return str(region)
    return (a.meta.get("grid_source") or a.compiled.grid_source).split(": ")[0]


def grid_page(assessments: Sequence[Assessment], labels: Sequence[str]) -> Figure:
    fig = _new_page()
    ax = fig.add_axes((0.08, 0.24, 0.62, 0.60))
    refs = [data.grid_intensity(k) for k in REFERENCE_GRIDS]
    used = [float(a.params["grid"]) for a in assessments]
    countries = country_grids()
    top = max([GRID_AXIS_MIN_TOP] + [1.1 * v for v in used] + [1.1 * r.value for r in refs]
              + [1.02 * v for v in countries[-1:]])
    grids = np.linspace(0.0, top, GRID_POINTS)
    curves = [grid_curve(a, grids) for a in assessments]
    for a, label, curve in zip(assessments, labels, curves):
        line, = ax.plot(grids, curve, label=wrap(label, 40))
        ax.plot([float(a.params["grid"])], [a.row["total_kgco2e_per_year"]], "o",
                color=line.get_color())
    # a log scale when the servers differ by more than ten times at the highest grid
    lo = min(float(c[-1]) for c in curves)
    hi = max(float(c[-1]) for c in curves)
    if lo > 0 and hi / lo > 10:
        ax.set_yscale("log")
        ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.yaxis.set_major_formatter(THOUSANDS)
    for r in refs:
        ax.axvline(r.value, color="#555555", linestyle="--", linewidth=1)
        ax.text(r.value, 1.01, f"{r.value:g}", transform=ax.get_xaxis_transform(),
                ha="center", va="bottom", fontsize=8)
    # the servers' own grids (region or BOM value), marked under the axis
    for (value, names) in _grouped_grids(assessments, top).items():
        ax.plot([value], [0.07], "^", color="#222222", markersize=7,
                transform=ax.get_xaxis_transform())
        ax.text(value, 0.11, wrap(names, 24), transform=ax.get_xaxis_transform(),
                ha="center", va="bottom", fontsize=7, color="#222222",
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1})
    # the world's grids: a tick per shipped country along the axis
    ax.plot(countries, np.zeros(len(countries)), "|", color="#999999", markersize=9,
            transform=ax.get_xaxis_transform(), clip_on=True)
    ax.set_xlim(0, top)
    ax.set_xlabel("Grid carbon intensity [kgCO2e/kWh]")
    ax.set_ylabel("Total footprint per year [kgCO2e/year]")
    ax.legend(loc="upper left", fontsize=8)
    above = sum(1 for v in countries if v > 0.5)
    text = ["Dashed lines: the reference study's grid intensities", ""]
    for r in refs:
        text.append(textwrap.fill(f"{r.value:g} kgCO2e/kWh: {r.name}", 44))
    text += ["", "Dots: each server at its own grid; triangles", "near the axis: its region or "
             "the value", "its BOM gives.", "",
             textwrap.fill(f"Grey ticks on the axis: the {len(countries)} countries of "
                           f"data/grid/countries.csv ({above} above 0.5 kgCO2e/kWh, "
                           f"highest {max(countries):.2f}).", 44), "",
             "Total per year at these grids:"]
    for a, label, curve in zip(assessments, labels, curves):
        at = [float(np.interp(r.value, grids, curve)) for r in refs]
        text.append(wrap(label, 44))
        text.append("   " + " / ".join(f"{fmt_number(v)} at {r.value:g}" for v, r in zip(at, refs)))
    fig.text(0.73, 0.84, "\n".join(text), fontsize=8, va="top", ha="left")
    return fig


#: Servers' grids closer than this share of the axis share one mark (labels would overlap).
GRID_MARK_GAP = 0.06


def _grouped_grids(assessments: Sequence[Assessment], top: float) -> dict[float, str]:
    """Grid value -> the grid labels of the servers at it (servers at one value, or at
    values too close to tell apart on the axis, share one mark)."""
    out: dict[float, list[str]] = {}
    for a in sorted(assessments, key=lambda a: float(a.params["grid"])):
        value = float(a.params["grid"])
        near = [v for v in out if abs(v - value) <= GRID_MARK_GAP * top]
        names = out[near[0]] if near else out.setdefault(value, [])
        g = grid_label(a)
        if g not in names:
            names.append(g)
    return {v: ", ".join(n) for v, n in out.items()}


#: Above this ratio of the largest to the smallest positive value, a bar chart uses a log
#: scale (a single GPU module would vanish beside a DGX on a linear one).
LOG_RATIO = 10.0


def _bars(ax: Any, x: np.ndarray, emb: np.ndarray, op: np.ndarray, unit: str) -> None:
    """Embodied and operational bars: stacked on a linear axis, or side by side on a log
    axis when the totals differ by more than LOG_RATIO (stacks mislead on a log axis)."""
    total = emb + op
    positive = total[total > 0]
    log = len(positive) > 1 and positive.max() / positive.min() > LOG_RATIO
    if log:
        w = 0.38
        ax.bar(x - w / 2, np.where(emb > 0, emb, np.nan), w, color=EMBODIED_COLOUR,
               label="embodied")
        ax.bar(x + w / 2, np.where(op > 0, op, np.nan), w, color=OPERATIONAL_COLOUR,
               label="operational")
        ax.set_yscale("log")
        ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        for i in range(len(x)):
            for dx, v in ((-w / 2, emb[i]), (w / 2, op[i])):
                if v > 0:
                    ax.text(x[i] + dx, v * 1.08, fmt_number(v, 0), ha="center", va="bottom",
                            fontsize=7)
        ax.set_ylim(positive.min() * 0.2 if emb[emb > 0].size == 0 else
                    min(emb[emb > 0].min(), positive.min()) * 0.3, total.max() * 4)
        ax.set_ylabel(f"Footprint [{unit}] (log scale; not stacked)")
    else:
        ax.bar(x, emb, color=EMBODIED_COLOUR, label="embodied")
        ax.bar(x, op, bottom=emb, color=OPERATIONAL_COLOUR, label="operational")
        for i in range(len(x)):
            ax.text(x[i], total[i], fmt_number(total[i], 0), ha="center", va="bottom",
                    fontsize=8)
        if float(np.max(total)) > 0:
            ax.set_ylim(0, float(np.max(total)) * 1.12)
        ax.set_ylabel(f"Footprint [{unit}]")
    ax.yaxis.set_major_formatter(THOUSANDS)


def comparison_page(assessments: Sequence[Assessment], labels: Sequence[str]) -> Figure:
    fig = _new_page()
    axes = fig.subplots(1, 2, squeeze=False).ravel()
    fig.subplots_adjust(left=0.08, right=0.97, top=0.86, bottom=0.3, wspace=0.3)
    x = np.arange(len(assessments))
    short = [wrap(l, 18) for l in labels]
    emb = np.array([a.row["embodied_kgco2e_per_year"] for a in assessments])
    op = np.array([a.row["operational_kgco2e_per_year"] for a in assessments])
    life = np.array([float(a.params["lifetime"]) for a in assessments])
    for ax, (e, o, unit, title) in zip(axes, (
            (emb, op, "kgCO2e/year", "Per year"),
            (emb * life, op * life, "kgCO2e", "Over the lifetime"))):
        _bars(ax, x, e, o, unit)
        ax.set_xticks(x, short, fontsize=8)
        ax.set_title(title, loc="left")
        ax.legend(loc="upper left", fontsize=8)
    return fig


def accelerator_count(a: Assessment) -> float:
    """Accelerators (GPU or TPU chips) the BOM declares: the counts of its logic
    components with role ``accelerator`` (0 when none)."""
    n = 0.0
    for spec in a.compiled.components:
        if spec.type == "logic" and spec.role == "accelerator":
            n += float(a.params.get(spec.key("count"), 1.0)) if spec.has("count") else 1.0
    return n


def per_unit_rows(assessments: Sequence[Assessment], labels: Sequence[str]):
    """The per-unit comparisons the BOMs allow: (title, unit, [(label, embodied,
    operational)]) per accelerator, and per functional unit for each unit the BOMs declare."""
    panels = []  # a panel compares: it needs two servers or more
    acc = [(label, a.row["embodied_kgco2e_per_year"] / n,
            a.row["operational_kgco2e_per_year"] / n)
           for a, label in zip(assessments, labels) if (n := accelerator_count(a)) > 0]
    if len(acc) > 1:
        panels.append(("Per accelerator (GPU or TPU chip), per year", "kgCO2e/year", acc))
    by_unit: dict[str, list] = {}
    for a, label in zip(assessments, labels):
        fu = a.per_functional_unit
        if fu is not None:
            by_unit.setdefault(fu["unit"], []).append(
                (label, fu["embodied_gco2e"].magnitude, fu["operational_gco2e"].magnitude))
    for unit, rows in by_unit.items():
        if len(rows) > 1:
            panels.append((f"Per {unit}", f"gCO2e per {unit}", rows))
    return panels


def per_unit_page(assessments: Sequence[Assessment], labels: Sequence[str]) -> Figure:
    """Servers of very different size on a common unit: per accelerator, and per
    functional unit (what the BOMs declare)."""
    fig = _new_page()
    panels = per_unit_rows(assessments, labels)
    axes = fig.subplots(1, max(1, len(panels)), squeeze=False).ravel()
    fig.subplots_adjust(left=0.08, right=0.97, top=0.84, bottom=0.32, wspace=0.3)
    for ax, (title, unit, rows) in zip(axes, panels):
        x = np.arange(len(rows))
        _bars(ax, x, np.array([r[1] for r in rows]), np.array([r[2] for r in rows]), unit)
        ax.set_xticks(x, [wrap(r[0], 18) for r in rows], fontsize=8)
        ax.set_title(title, loc="left")
        ax.legend(loc="upper left", fontsize=8)
    left_out = []
    for a, label in zip(assessments, labels):
        missing = []
        if accelerator_count(a) == 0:
            missing.append("declares no accelerator")
        if a.per_functional_unit is None:
            missing.append("declares no functional unit")
        if missing:
            left_out.append(f"{label} ({' and '.join(missing)})")
    text = ("Per accelerator: the server's footprint divided by the number of components "
            "with role accelerator (their count). Per functional unit: the BOM's "
            "functional_unit rate over 8,760 h a year.")
    if left_out:
        text += " Left out of a panel: " + "; ".join(left_out) + "."
    fig.text(0.02, 0.12, wrap(text, 170), fontsize=8, va="bottom", ha="left")
    return fig


#: One colour per life-cycle stage (lca.impacts.STAGES order).
STAGE_COLOURS = ("#8c564b", "#9467bd", "#1f77b4", "#7f7f7f", "#2ca02c")


def lifecycle_not_covered(assessments: Sequence[Assessment], labels: Sequence[str]
                          ) -> dict[str, dict[str, list[str]]]:
    """Category -> stage name -> the servers whose boundary holds the stage but whose
    method has no factor for it in that category (shown as "not covered", never as zero;
    Clemm et al. 2024 and ISO 14044 boundary conventions)."""
    from .impacts import STAGES

    cats = list(dict.fromkeys(c for a in assessments for c in a.lifecycle.boundary.categories))
    out: dict[str, dict[str, list[str]]] = {}
    for c in cats:
        for stage in STAGES:
            for lab, a in zip(labels, assessments):
                if (c in a.lifecycle.boundary.categories and stage in a.lifecycle.boundary.stages
                        and np.isnan(float(a.lifecycle.stage(c, stage)[0]))):
                    out.setdefault(c, {}).setdefault(STAGES[stage], []).append(lab)
    return out


def lifecycle_notes(assessments: Sequence[Assessment], labels: Sequence[str]) -> list[str]:
    """The life-cycle page's "not covered" detail, per category and stage, for the
    "Sources and notes" page."""
    from .impacts import CATEGORIES

    notes = []
    for c, stages in lifecycle_not_covered(assessments, labels).items():
        parts = [f"{st} ({'all servers' if len(labs) == len(labels) > 1 else ', '.join(labs)})"
                 for st, labs in stages.items()]
        notes.append(f"{CATEGORIES[c][1]}: not covered: " + "; ".join(parts) + ".")
    return notes


def lifecycle_page(assessments: Sequence[Assessment], labels: Sequence[str]) -> Figure:
    """Impacts by stage per category (one panel per category of the boundary): for each
    server a bar stacked by stage over the lifetime; stages a category has no factor for
    are named under the panel as not covered (which servers: the "Sources and notes"
    page), never drawn as zero. Self-contained: reads only ``Assessment.lifecycle``."""
    from .impacts import CATEGORIES, STAGES

    cats = list(dict.fromkeys(c for a in assessments for c in a.lifecycle.boundary.categories))
    not_covered = lifecycle_not_covered(assessments, labels)
    fig = _new_page()
    rows, cols = _grid_shape(len(cats))
    axes = fig.subplots(rows, cols, squeeze=False)
    fig.subplots_adjust(left=0.08, right=0.97, top=0.84, bottom=0.2,
                        hspace=1.0 if rows > 1 else 0.5, wspace=0.3)
    for ax in axes.ravel()[len(cats):]:
        ax.set_visible(False)
    x = np.arange(len(assessments))
    width = max(10, int(60 / max(1, cols) / max(1, len(assessments))))
    short = [wrap(l, width) for l in labels]
    for ax, c in zip(axes.ravel(), cats):
        bottom = np.zeros(len(assessments))
        for colour, stage in zip(STAGE_COLOURS, STAGES):
            values = np.array([float(a.lifecycle.stage(c, stage)[0])
                               if stage in a.lifecycle.boundary.stages else np.nan
                               for a in assessments])
            if np.all(np.isnan(values)):
                continue
            v = np.nan_to_num(values)
            ax.bar(x, v, bottom=bottom, color=colour, label=STAGES[stage])
            bottom = bottom + v
        unit = CATEGORIES[c][0]
        ax.set_title(wrap(f"{CATEGORIES[c][1]} [{unit}]", 60), loc="left", fontsize=10)
        ax.set_xticks(x, short, fontsize=7)
        ax.set_xlim(-0.5, len(x) - 0.5)
        if float(np.max(bottom)) > 0:
            ax.set_ylim(0, float(np.max(bottom)) * 1.35)
            for i in range(len(x)):
                ax.text(x[i], bottom[i], fmt_number(bottom[i], 3 if c == "adpe" else 0),
                        ha="center", va="bottom", fontsize=7)
        else:
            ax.text(0.5, 0.5, "not covered", transform=ax.transAxes, ha="center", va="center")
            ax.set_yticks([])
        ax.yaxis.set_major_formatter(THOUSANDS if c != "adpe" else
                                     matplotlib.ticker.FormatStrFormatter("%.3g"))
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="upper left", fontsize=6, ncol=3)
        if c in not_covered:
            text = ("Not covered: " + ", ".join(not_covered[c])
                    + " (which servers: the \"Sources and notes\" page).")
            ax.set_xlabel(wrap(text, 75 if cols > 1 else 150), fontsize=6.5, loc="left")
    return fig


def _subplot_pages(items: Sequence[tuple[str, Any, Assessment]], draw,
                   left: float = 0.1, wspace: float = 0.45) -> list[Figure]:
    figs = []
    for chunk in _chunks(list(items), SERVERS_PER_PAGE):
        fig = _new_page()
        rows, cols = _grid_shape(len(chunk))
        axes = fig.subplots(rows, cols, squeeze=False)
        fig.subplots_adjust(left=left, right=0.97, top=0.86, bottom=0.2, hspace=0.5,
                            wspace=wspace)
        for ax in axes.ravel()[len(chunk):]:
            ax.set_visible(False)
        for ax, (label, result, a) in zip(axes.ravel(), chunk):
            draw(ax, label, result, a)
        figs.append(fig)
    return figs


def draw_methods(ax: Any, label: str, frame: Any, a: Assessment | None) -> None:
    """Embodied total by method with its low-high range (``lca.compare_methods``)."""
    names = [str(i) for i in frame.index]
    parts = [c for c in frame.columns if c not in METHOD_SUMMARY_COLUMNS]
    if "covered" in frame.columns and parts:  # say when a method leaves parts out
        names = [f"{n}\n({int(k)} of {len(parts)} parts)"
                 for n, k in zip(names, frame["covered"].to_numpy())]
    total = frame["total"].to_numpy(dtype=float)
    lo = frame["low"].to_numpy(dtype=float) if "low" in frame else total
    hi = frame["high"].to_numpy(dtype=float) if "high" in frame else total
    y = np.arange(len(names))
    err = np.vstack([np.clip(total - lo, 0, None), np.clip(hi - total, 0, None)])
    ax.barh(y, total, xerr=err, color=EMBODIED_COLOUR, capsize=4, ecolor="#333333")
    ax.set_yticks(y, names)
    positive = np.r_[total, lo, hi]
    positive = positive[np.isfinite(positive) & (positive > 0)]
    if len(positive) and positive.max() / positive.min() > LOG_RATIO:
        ax.set_xscale("log")   # methods a decade apart: a small one stays visible
        ax.set_xlim(positive.min() / 2, positive.max() * 2)
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xlabel("Embodied carbon [kgCO2e] (log scale; bars: low-high)")
    else:
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(6))
        ax.set_xlabel("Embodied carbon [kgCO2e] (bars: low-high)")
    ax.xaxis.set_major_formatter(THOUSANDS)
    ax.set_title(wrap(label, 50), loc="left", fontsize=10)


def draw_monte_carlo(ax: Any, label: str, result: Any, a: Assessment | None,
                     column: str = "total_kgco2e_per_year") -> None:
    """Distribution of the total per year (``lca.monte_carlo``) with p5, p50, p95."""
    samples = np.asarray(result.samples[column], dtype=float)
    ax.hist(samples, bins=50, color=OPERATIONAL_COLOUR, alpha=0.8)
    summary = result.summary
    for q, style in (("p5", ":"), ("p50", "-"), ("p95", ":")):
        if column in summary.index and q in summary.columns:
            v = float(summary.loc[column, q])
            ax.axvline(v, color="#222222", linestyle=style, linewidth=1)
            ax.text(v, 1.01, f"{q} {fmt_number(v, 0)}", transform=ax.get_xaxis_transform(),
                    ha="center", va="bottom", fontsize=7)
    ax.set_xlabel("Total per year [kgCO2e/year]")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(6))
    ax.xaxis.set_major_formatter(THOUSANDS)
    ax.set_ylabel("Samples [-]")
    ax.set_title(wrap(label, 50) + f"\n(n = {len(samples):,} samples)", loc="left",
                 fontsize=10, pad=14)
    ax.set_ylim(0, ax.get_ylim()[1] * 1.45)   # headroom: the varied inputs sit above the bars
    ax.text(0.99, 0.98, varied_inputs_text(result), transform=ax.transAxes, ha="right",
            va="top", fontsize=6, wrap=True,
            bbox=dict(facecolor="white", alpha=0.9, edgecolor="none", pad=1))


def draw_tornado(ax: Any, label: str, frame: Any, a: Assessment | None) -> None:
    """Sensitivity tornado: total per year at each parameter's low and high value."""
    top = frame.head(TORNADO_PARAMETERS).iloc[::-1]
    base = a.row["total_kgco2e_per_year"] if a is not None else float(
        np.median(np.r_[top["total_at_low"], top["total_at_high"]]))
    y = np.arange(len(top))
    low = top["total_at_low"].to_numpy(dtype=float)
    high = top["total_at_high"].to_numpy(dtype=float)
    ax.barh(y, low - base, left=base, color="#2ca02c", label="parameter at low")
    ax.barh(y, high - base, left=base, color="#d62728", label="parameter at high")
    ax.axvline(base, color="#222222", linewidth=1)
    ax.set_yticks(y, [wrap(f"{parameter_label(str(r.parameter), a)} "
                           f"({fmt_number(float(r.low), 3)}-{fmt_number(float(r.high), 3)})", 38)
                      for r in top.itertuples(index=False)],
                  fontsize=6.5)
    ax.set_xlabel("Total per year [kgCO2e/year]")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(5))
    ax.xaxis.set_major_formatter(THOUSANDS)
    ax.set_title(wrap(label, 40), loc="left", fontsize=10)
    ax.legend(loc="lower right", fontsize=7)


def varied_inputs_text(result: Any, limit: int = 6) -> str:
    """What a Monte Carlo varied and over what range, for its page (issue 12): the usage
    inputs by name and range, the factors by count."""
    if not hasattr(result, "varied"):
        return ""
    table = result.varied()
    usage = table[~table.parameter.str.startswith("factors.")]
    parts = [f"{r.parameter} {fmt_number(r.low, 3)}-{fmt_number(r.high, 3)}"
             for r in usage.head(limit).itertuples(index=False)]
    n_factors = int(table.parameter.str.startswith("factors.").sum())
    if n_factors:
        parts.append(f"{n_factors} embodied factors over their figures' ranges")
    head = f"Varied ({getattr(result, 'vary', 'all')}):"
    return "\n".join(textwrap.wrap(head + " " + "; ".join(parts), 70)) if parts else head + " nothing"


def tornado_label(row: Any, context: Any = None) -> str:
    """A tornado bar's label: the parameter's registry label and the range it was swung
    over (issue 12: the page says what was varied and over what range)."""
    return wrap(f"{registry.label(str(row.parameter), context)} "
                f"({fmt_number(float(row.low), 3)}-{fmt_number(float(row.high), 3)})", 30)


def validation_page(results: Sequence[Any]) -> Figure:
    """lca against published assessments (``lca.validation.validate``): for each
    reference the published figure, the default method's value, error and low-high range,
    whether the range holds the figure, whether the tolerance is met, and every method."""
    fig = _new_page()
    ax = fig.add_axes((0.02, 0.35, 0.96, 0.53))
    ax.axis("off")
    head = ["Reference", "Published", "lca (default)", "Error", "Low-high", "In range",
            "Met", "Other methods"]
    cells = []
    for r in results:
        d = r.to_dict()
        pub = ("<= " if d["upper_bound"] else "") + fmt_number(d["published"], 0)
        others = ", ".join(f"{m} {fmt_number(v, 0)}" for m, v in list(d["methods"].items())[1:]
                           if v is not None)
        cells.append([d["name"], pub, fmt_number(d["lca"], 0) if d["lca"] is not None else "-",
                      f"{100 * d['error']:+.0f} %" if d["error"] is not None else "-",
                      f"{fmt_number(d['low'], 0)}-{fmt_number(d['high'], 0)}"
                      if d["low"] is not None else "-",
                      "yes" if d["in_range"] else "no", "yes" if d["met"] else "NO",
                      "\n".join(textwrap.wrap(others, 44))])
    table = ax.table(cellText=cells, colLabels=head, cellLoc="center", bbox=(0, 0, 1, 1),
                     colWidths=[0.19, 0.08, 0.09, 0.06, 0.1, 0.06, 0.05, 0.37])
    table.auto_set_font_size(False)
    table.set_fontsize(7)
    note = ("Values in kgCO2e, cradle to gate (manufacturing) unless the reference says "
            "otherwise; tolerance 25 % (issue 12). A reference not met is reported, not "
            "fitted: see data/validation/ for each one's outcome. Each reference's source in "
            "full: the \"Sources and notes\" page at the end.")
    fig.text(0.02, 0.33, wrap(note, 170), fontsize=7, va="top", ha="left")
    return fig


def validation_notes(results: Sequence[Any]) -> list[str]:
    """Each validation reference's published source, for the "Sources and notes" page."""
    return [f"{r.reference.name}: {' '.join(str(r.reference.source).split())}" for r in results]


# --- the report -----------------------------------------------------------------------------

def _per_server(obj: Any, assessments: Sequence[Assessment], labels: Sequence[str]):
    """[(label, result, assessment)] for an optional result given for one server or as
    a mapping server label -> result."""
    if obj is None:
        return []
    if isinstance(obj, Mapping):
        by_label = dict(zip(labels, assessments))
        return [(k, v, by_label.get(k)) for k, v in obj.items() if v is not None]
    return [(labels[0], obj, assessments[0])]


@dataclass
class ReportInput:
    """What the page builders read: the assessments, their unique labels, and the optional
    analysis results as [(label, result, assessment)]."""

    items: list[Assessment]
    labels: list[str]
    methods: list[tuple[str, Any, Assessment | None]] = field(default_factory=list)
    monte_carlo: list[tuple[str, Any, Assessment | None]] = field(default_factory=list)
    sensitivity: list[tuple[str, Any, Assessment | None]] = field(default_factory=list)
    validation: list[Any] = field(default_factory=list)   # lca.validation.validate results
    measured: Any = None   # lca.measured.MeasuredRuns, or None
    pages: Sequence[str] = tuple()   # the names of the pages being built


#: A page builder: (report input) -> [(slug, title, figure)]; an empty list when the page
#: does not apply (one server has no comparison).
PageBuilder = Callable[[ReportInput], list[tuple[str, str, Figure]]]


def _summary(r: ReportInput):
    return [("summary", "Life-cycle carbon: summary", summary_page(r.items, r.labels))]


def _embodied(r: ReportInput):
    return [(f"embodied-{slug(label)}", f"Embodied carbon by component: {label}",
             embodied_page(a)) for a, label in zip(r.items, r.labels)]


def _lifetime(r: ReportInput):
    return [("lifetime", "Footprint per year over the lifetime: embodied and operational",
             lifetime_page(r.items, r.labels))]


def _grid(r: ReportInput):
    return [("grid", "Footprint against grid carbon intensity", grid_page(r.items, r.labels))]


def _comparison(r: ReportInput):
    if len(r.items) < 2:
        return []
    return [("comparison", "Comparison of the servers: per year and over the lifetime",
             comparison_page(r.items, r.labels))]


def _per_unit(r: ReportInput):
    if len(r.items) < 2 or not per_unit_rows(r.items, r.labels):
        return []
    return [("per-unit", "Comparison on a common unit: per accelerator and per functional "
             "unit", per_unit_page(r.items, r.labels))]


def _analysis(key: str, draw, title: str, margins: Mapping[str, float]):
    def build(r: ReportInput):
        entries = getattr(r, key.replace("-", "_"))
        figs = _subplot_pages(entries, draw, **margins) if entries else []
        out = []
        for i, fig in enumerate(figs, start=1):
            suffix = f" ({i} of {len(figs)})" if len(figs) > 1 else ""
            out.append((key if len(figs) == 1 else f"{key}-{i}", title + suffix, fig))
        return out
    return build


#: Lines of text on a "Sources and notes" page.
NOTES_LINES_PER_PAGE = 62
NOTES_WIDTH = 175


def notes_text(r: ReportInput) -> list[str]:
    """The full text of the "Sources and notes" pages, as lines."""
    blocks = [("Sources", [full_source_note(r.items, r.labels)])]
    compared = dict.fromkeys(str(m) for _, f, _ in r.methods for m in f.index)
    if compared:
        refs = []
        for m in compared:
            try:
                refs.append(f"{m}: {method_reference(m)}")
            except LcaError:
                refs.append(f"{m}: no factor file")
        blocks.append(("Methods compared", refs))
    blocks.append(("Notes on the servers", server_notes(r.items, r.labels)
                   or ["(none)"]))
    if "lifecycle" in r.pages:
        covered = lifecycle_notes(r.items, r.labels)
        if covered:
            blocks.append(("Life cycle by stage: stages not covered", covered))
    if r.validation and "validation" in r.pages:
        blocks.append(("Validation references", validation_notes(r.validation)))
    lines: list[str] = []
    for head, paragraphs in blocks:
        lines.append(head)
        for text in paragraphs:
            lines += textwrap.wrap(text, NOTES_WIDTH, subsequent_indent="    ") or [""]
        lines.append("")
    return lines


def _notes(r: ReportInput):
    lines = notes_text(r)
    chunks = [lines[i:i + NOTES_LINES_PER_PAGE]
              for i in range(0, len(lines), NOTES_LINES_PER_PAGE)]
    out = []
    for i, chunk in enumerate(chunks, start=1):
        fig = _new_page()
        heads = {"Sources", "Methods compared", "Notes on the servers",
                 "Life cycle by stage: stages not covered", "Validation references"}
        y = 0.90
        for line in chunk:
            fig.text(0.03, y, line, fontsize=7.5, va="top", ha="left",
                     fontweight="bold" if line in heads else "normal")
            y -= 0.0125
        suffix = f" ({i} of {len(chunks)})" if len(chunks) > 1 else ""
        out.append(("notes" if len(chunks) == 1 else f"notes-{i}",
                    "Sources and notes" + suffix, fig))
    return out


def _measured_runs(r: ReportInput):
    if r.measured is None:
        return []
    from .measured.export import RUNS_PER_PAGE, measured_runs_page

    firsts = range(0, max(len(r.measured.frame), 1), RUNS_PER_PAGE)
    out = []
    for i, k in enumerate(firsts, start=1):
        page = measured_runs_page(r.measured, k, footer=False)
        suffix = f" ({i} of {len(firsts)})" if len(firsts) > 1 else ""
        out.append((page.slug if len(firsts) == 1 else f"{page.slug}-{i}",
                    page.title + suffix, with_png_repr(page.figure)))
    return out


#: The report's pages, in order: name -> builder. A new page is one function and one
#: entry here; tests ask for pages by these names (``Report.pages_of``), not by count.
PAGES: dict[str, PageBuilder] = {
    "summary": _summary,
    "embodied": _embodied,
    "lifetime": _lifetime,
    "grid": _grid,
    "comparison": _comparison,
    "per-unit": _per_unit,
    "methods": _analysis("methods", draw_methods, "Embodied carbon by method (spread)",
                         {"left": 0.14, "wspace": 0.5}),
    "monte-carlo": _analysis("monte-carlo", draw_monte_carlo,
                             "Monte Carlo: distribution of the total per year", {}),
    "sensitivity": _analysis("sensitivity", draw_tornado,
                             "Sensitivity: total per year at each parameter's low and high "
                             "value", {"left": 0.19, "wspace": 0.85}),
    "lifecycle": lambda r: [("lifecycle", "Life cycle by stage: " + ", ".join(
        dict.fromkeys(c for a in r.items for c in a.lifecycle.boundary.categories)),
        lifecycle_page(r.items, r.labels))],
    "validation": lambda r: ([("validation", "Validation against published assessments",
                               validation_page(r.validation))] if r.validation else []),
    "measured-runs": _measured_runs,
    "notes": _notes,
}


def build_pages(assessments: Assessment | Sequence[Assessment], *, methods: Any = None,
                monte_carlo: Any = None, sensitivity: Any = None,
                validation: Any = None, measured: Any = None,
                only: Sequence[str] | None = None) -> list[Page]:
    """The report's pages as matplotlib figures (no I/O); see the module docstring.

    ``methods``, ``monte_carlo`` and ``sensitivity`` take the results of
    ``lca.compare_methods``, ``lca.monte_carlo`` and ``lca.sensitivity`` for one server,
    or a mapping server name -> result. ``measured`` takes ``lca.measured.MeasuredRuns``
    (``lca.measured.from_codecarbon``) for the "measured-runs" page. ``only`` names the
    pages to build (keys of :data:`PAGES`; all by default).
    """
    items = as_assessments(assessments, "report")
    labels = unique_labels(a.name for a in items)
    unknown = [k for k in (only or ()) if k not in PAGES]
    if unknown:
        raise LcaError(f"unknown report page {unknown[0]!r}; expected one of "
                       + ", ".join(PAGES))
    r = ReportInput(items, labels, _per_server(methods, items, labels),
                    _per_server(monte_carlo, items, labels),
                    _per_server(sensitivity, items, labels), list(validation or []),
                    measured, tuple(only) if only is not None else tuple(PAGES))
    pages: list[Page] = []
    with matplotlib.rc_context(RC):
        for kind, builder in PAGES.items():
            if only is None or kind in only:
                pages += [Page(s_, t, f, kind) for s_, t, f in builder(r)]
        note = source_note(items, labels)
        extra = methods_note(list(dict.fromkeys(
            str(m) for _, f, _ in r.methods for m in f.index))) if r.methods else None
        for i, p in enumerate(pages, start=1):
            _decorate(p.figure, p.title, note, i, len(pages),
                      extra if p.kind == "methods" else None)
    return pages


def png_image(fig: Figure) -> Image.Image:
    """Render a page to a 256-colour palette image (no dithering: charts keep their flat
    colours, and the file is about a third of a true-colour PNG)."""
    with matplotlib.rc_context(RC):
        fig.canvas.draw()
        rgba = np.asarray(fig.canvas.buffer_rgba())
    rgb = Image.fromarray(rgba).convert("RGB")
    return rgb.quantize(PNG_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)


def save_png(image: Image.Image, path: Path) -> None:
    """Save a PNG with lca's marker (text chunk ``Source: lca``), no software or date."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Source", CREATOR)
    image.save(path, format="PNG", pnginfo=info, optimize=True)


def png_paths(pdf: Path, pages: Sequence[Page]) -> list[Path]:
    """PNG names beside the PDF: ``NAME-01-summary.png``, ..."""
    return [pdf.with_name(f"{pdf.stem}-{i:02d}-{p.slug}.png") for i, p in enumerate(pages, 1)]


def remove_stale_pngs(pdf: Path, keep: Sequence[Path]) -> list[Path]:
    """Remove the page PNGs of an earlier report of the same name (``NAME-NN-*.png``)
    that are not in ``keep`` and that lca wrote, unchanged since (a page PNG someone
    edited, or any other file, stays). Returns what was removed."""
    pattern = re.compile(re.escape(pdf.stem) + r"-\d{2,}-[a-z0-9-]+\.png")
    kept = {p.name for p in keep}
    removed = []
    folder = pdf.parent if str(pdf.parent) else Path(".")
    for candidate in sorted(folder.glob(f"{glob.escape(pdf.stem)}-*.png")):
        if (pattern.fullmatch(candidate.name) and candidate.name not in kept
                and written_by_lca(candidate)):
            candidate.unlink()
            removed.append(candidate)
    return removed


def build_report(assessments: Assessment | Sequence[Assessment], path: str | Path, *,
                 methods: Any = None, monte_carlo: Any = None, sensitivity: Any = None,
                 validation: Any = None, measured: Any = None, png: bool = True,
                 force: bool = False,
                 title: str | None = None) -> Report:
    """Write the report: a multi-page PDF at ``path`` and (``png``) a PNG per page beside
    it. Existing files are replaced only with ``force`` or when lca wrote them
    (:class:`lca.errors.OverwriteError` otherwise, before anything is written).
    """
    from . import __version__

    pdf = Path(path)
    if pdf.suffix.lower() != ".pdf":
        raise LcaError(f"{pdf}: expected a file name ending in .pdf")
    check_target(pdf, force)  # fail before the (slower) drawing
    items = as_assessments(assessments, "report")
    labels = unique_labels(a.name for a in items)
    pages = build_pages(items, methods=methods, monte_carlo=monte_carlo,
                        sensitivity=sensitivity, validation=validation, measured=measured)
    pngs = png_paths(pdf, pages) if png else []
    for target in [pdf, *pngs]:
        check_target(target, force)
    title = title or "Life-cycle carbon report: " + ", ".join(labels)
    metadata = {"Title": title,
                "Subject": "Embodied and operational carbon footprint per year, over the "
                           "lifetime and against grid intensity",
                "Creator": f"{CREATOR} {__version__}", "CreationDate": None,
                "Keywords": "life-cycle assessment, embodied carbon, operational carbon",
                # lca's fingerprint (lca.io): the hash replaces the zeros when written
                PDF_FINGERPRINT_KEY: FINGERPRINT_PLACEHOLDER}

    def write_pdf(tmp: Path) -> None:
        with warnings.catch_warnings():
            # matplotlib warns about an information key it does not know (the fingerprint)
            warnings.filterwarnings("ignore", message="Unknown infodict keyword")
            with matplotlib.rc_context(RC), PdfPages(tmp, metadata=metadata) as doc:
                for p in pages:
                    doc.savefig(p.figure)

    write_atomic(pdf, write_pdf, force=force)
    written = []
    for p, target in zip(pages, pngs):
        image = png_image(p.figure)
        written.append(write_atomic(target, lambda tmp, im=image: save_png(im, tmp),
                                    force=force))
    if png:
        remove_stale_pngs(pdf, written)
    return Report(pdf=pdf, pngs=written, titles=[p.title for p in pages],
                  kinds=[p.kind for p in pages])


__all__ = ["build_pages", "build_report", "Page", "Report", "PAGES", "grid_curve", "yearly_footprint",
           "PAGE_SIZE_IN", "PAGE_PIXELS", "DPI"]
