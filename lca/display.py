"""Notebook display: HTML tables (``_repr_html_``) with units and the system boundary, and a
``.plot()`` for each kind of result that draws the report's own figures.

Jupyter calls ``_repr_html_`` on the last value of a cell. :class:`lca.Assessment` and
:class:`lca.whatif.MonteCarlo` define it here; the DataFrames of :func:`lca.compare_methods`,
:func:`lca.sweep` and :func:`lca.sensitivity` are :class:`ResultFrame` (a DataFrame that
knows which result it holds: anything derived from it is a plain DataFrame again).

Text from BOMs (names, notes) is HTML-escaped: a component named ``<script>`` shows as
text. Figures are ``matplotlib.figure.Figure`` built without pyplot (Jupyter shows them
inline through their own ``_repr_png_``); matplotlib is imported on first use.

Reference: the report's figure functions, :mod:`lca.report`.
"""

from __future__ import annotations

import html
import math
from typing import Any, Sequence

import pandas as pd

from .formatting import fmt_number

#: The system boundary, stated under every table.
BOUNDARY = ("Boundary of the headline figures: embodied = manufacturing of the listed "
            "components (cradle to gate) by the named method; operational = use-phase "
            "electricity (mean power x 8,760 h a year x PUE x grid intensity). Transport, end "
            "of life and data-centre infrastructure are not in them: they are in the life-"
            "cycle rows (Assessment.impacts) when the BOM's boundary counts them. Components a "
            "method cannot cover are listed, not counted.")


#: Size of the one-chart figures of ``.plot()`` [inches].
NOTEBOOK_FIGURE_IN = (8.0, 5.0)


def esc(text: Any) -> str:
    """HTML-escaped text (quotes too)."""
    return html.escape(str(text), quote=True)


def _num(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "not covered"
    return fmt_number(float(value), digits)


def table_html(rows: Sequence[tuple[str, str, str]], caption: str, foot: str,
               head: tuple[str, str, str] = ("Quantity", "Value", "Unit")) -> str:
    """A three-column HTML table; every cell and the caption are escaped here."""
    body = "".join(
        f"<tr><td style='text-align:left'>{esc(q)}</td><td style='text-align:right'>"
        f"{esc(v)}</td><td style='text-align:left'>{esc(u)}</td></tr>" for q, v, u in rows)
    return (f"<table class='lca'><caption style='text-align:left'><b>{esc(caption)}</b>"
            f"</caption><thead><tr>{''.join(f'<th>{esc(h)}</th>' for h in head)}</tr></thead>"
            f"<tbody>{body}</tbody></table><p style='font-size:smaller'>{esc(foot)}</p>")


# --- Assessment ----------------------------------------------------------------------------

def assessment_rows(a: Any) -> list[tuple[str, str, str]]:
    """(quantity, value, unit) rows of an assessment, in the order of ``lca assess``."""
    d = a.to_dict()
    rows = [("Lifetime", _num(d["lifetime_years"]), "years of 8,760 h"),
            ("Embodied (manufacturing)", _num(d["embodied_kgco2e"]), "kgCO2e")]
    if d.get("embodied_low_kgco2e") is not None:
        rows.append(("  low to high (factor ranges)",
                     f"{_num(d['embodied_low_kgco2e'])} to {_num(d['embodied_high_kgco2e'])}",
                     "kgCO2e"))
    for name, value in d["embodied_by_component_kgco2e"].items():
        rows.append((f"  {name}", _num(value), "kgCO2e" if value is not None else ""))
    rows += [("Mean power", _num(d["mean_power_w"]), "W"),
             ("PUE", f"{d['pue']:g}", "-"),
             ("Energy", _num(d["energy_kwh_per_year"]), "kWh/year"),
             ("Grid intensity", f"{d['grid_kgco2e_per_kwh']:.3f}",
              f"kgCO2e/kWh ({d['grid_source']})"),
             ("Operational", _num(d["operational_kgco2e_per_year"]), "kgCO2e/year"),
             ("Embodied per year", _num(d["embodied_kgco2e_per_year"]), "kgCO2e/year"),
             ("Total per year", _num(d["total_kgco2e_per_year"]), "kgCO2e/year"),
             ("Lifetime total", _num(d["lifetime_kgco2e"]), "kgCO2e"),
             ("Use-phase share", _num(100 * d["use_phase_share"]), "%")]
    fu = d.get("per_functional_unit")
    if fu:
        rows.append((f"Per {fu['unit']}", _num(fu["total_gco2e"], 4), "gCO2e"))
    stages = [k for k in a.row if k.startswith("impacts.gwp.") and k.count(".") == 2]
    for key in stages:   # the life cycle by stage, when the model reports it
        stage = key.split(".")[2].replace("_", " ")
        rows.append((f"Life cycle, {stage}", _num(a.row[key]), "kgCO2e over the lifetime"))
    return rows


def assessment_html(a: Any) -> str:
    notes = [f"Not covered by {a.method}: {n} ({r})" for n, r in a.uncovered.items()]
    notes += list(a.notes)
    notes += [n for n in getattr(a, "lifecycle_notes", []) if n not in notes]
    foot = BOUNDARY + (" Notes: " + " ".join(f"{n}." for n in notes) if notes else "")
    return table_html(assessment_rows(a),
                      f"{a.name}: {a.bom.kind} server, embodied method {a.method}", foot)


def assessment_plot(a: Any, page: str = "embodied") -> Any:
    """One of the report's pages for this assessment: ``embodied`` (by component),
    ``lifetime`` (per year over the lifetime) or ``grid`` (against grid intensity)."""
    import matplotlib

    from . import report

    label = [a.name]
    draw = {"embodied": lambda: report.embodied_page(a),
            "lifetime": lambda: report.lifetime_page([a], label),
            "grid": lambda: report.grid_page([a], label)}
    if page not in draw:
        from .errors import LcaError
        raise LcaError(f"plot: unknown page {page!r}; expected one of {', '.join(draw)}")
    with matplotlib.rc_context(report.RC):
        return draw[page]()


# --- Monte Carlo -------------------------------------------------------------------------

def monte_carlo_html(mc: Any) -> str:
    from .excel import result_unit

    rows = []
    for key, rec in mc.summary.iterrows():
        unit = result_unit(str(key)) or "-"
        rows.append((str(key), " / ".join(_num(rec[c], 1) for c in ("mean", "p5", "p50", "p95")),
                     unit))
    varied = [k for k, d in mc.distributions.items() if d.kind != "point"]
    return table_html(rows, f"Monte Carlo: {mc.n:,} samples, seed {mc.seed}",
                      f"Varied: {', '.join(varied) or 'nothing'}. " + BOUNDARY,
                      ("Result", "mean / p5 / p50 / p95", "Unit"))


def _one_axis_figure(draw, *args) -> Any:
    import matplotlib

    from . import report

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with matplotlib.rc_context(report.RC):
        fig = report.with_png_repr(Figure(figsize=NOTEBOOK_FIGURE_IN, dpi=report.DPI))
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0.2, 0.14, 0.75, 0.74))
        draw(ax, *args)
    return fig


def monte_carlo_plot(mc: Any, label: str = "Monte Carlo") -> Any:
    """The report's Monte Carlo histogram (total per year, p5, p50, p95)."""
    from .report import draw_monte_carlo

    return _one_axis_figure(draw_monte_carlo, label, mc, None)


# --- result frames ---------------------------------------------------------------------------

#: kind -> (caption, unit note)
FRAME_KINDS = {
    "methods": ("Embodied carbon by method",
                "Columns: each component, total, low and high [kgCO2e] (NaN: not covered by "
                "that method); covered [count of components]."),
    "sweep": ("Sweep: one row per scenario",
              "Axis columns in the parameters' canonical units (lca.parameters); result "
              "columns named as lca assess's JSON keys, their unit in the name (kgco2e, "
              "kwh_per_year, gco2e)."),
    "sensitivity": ("Sensitivity: total per year at each input's low and high value",
                    "low, high, base in the parameter's unit (column unit); total_at_low, "
                    "total_at_high and swing [kgCO2e/year]."),
}


class ResultFrame(pd.DataFrame):
    """A DataFrame of one kind of lca result (``methods``, ``sweep``, ``sensitivity``)
    that shows its units and boundary in a notebook and plots the report's figure.
    Operations on it return plain DataFrames."""

    _metadata = ["lca_kind"]

    @property
    def _constructor(self):
        return pd.DataFrame

    def _repr_html_(self) -> str | None:  # type: ignore[override]
        caption, units = FRAME_KINDS.get(getattr(self, "lca_kind", ""), ("lca result", ""))
        table = pd.DataFrame(self)._repr_html_() or ""
        return (f"<p><b>{esc(caption)}</b></p>{table}"
                f"<p style='font-size:smaller'>{esc(units)} {esc(BOUNDARY)}</p>")

    def plot(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        """The report's figure for this result (methods: spread; sensitivity: tornado;
        sweep: the total per year against the first axis). With arguments, pandas'
        own ``DataFrame.plot``."""
        if args or kwargs:
            return pd.DataFrame(self).plot(*args, **kwargs)
        kind = getattr(self, "lca_kind", "")
        from . import report

        if kind == "methods":
            return _one_axis_figure(report.draw_methods, "Embodied carbon by method",
                                    pd.DataFrame(self), None)
        if kind == "sensitivity":
            return _one_axis_figure(report.draw_tornado, "Sensitivity", pd.DataFrame(self),
                                    None)
        return _one_axis_figure(draw_sweep, pd.DataFrame(self))


def draw_sweep(ax: Any, frame: pd.DataFrame, y: str = "total_kgco2e_per_year") -> None:
    """Total per year against the sweep's first axis (one line per value of the second)."""
    from .report import THOUSANDS, parameter_label

    axes = [c for c in frame.columns if not _is_result(c)]
    if not axes or y not in frame:
        ax.text(0.5, 0.5, "nothing to plot: no axis column", ha="center",
                transform=ax.transAxes)
        return
    x = axes[0]
    groups = frame.groupby(axes[1], sort=False) if len(axes) > 1 else [(None, frame)]
    for value, part in groups:
        label = None if value is None else f"{parameter_label(axes[1])} = {value}"
        ax.plot(part[x].to_numpy(), part[y].to_numpy(), marker="o", label=label)
    ax.set_xlabel(parameter_label(x))
    ax.set_ylabel("Total per year [kgCO2e/year]")
    ax.yaxis.set_major_formatter(THOUSANDS)
    if len(axes) > 1:
        ax.legend(fontsize=8)


def _is_result(column: str) -> bool:
    c = str(column)
    return (c.endswith(("_kgco2e", "_kgco2e_per_year", "_gco2e", "_kwh_per_year", "_w",
                        "_share")) or c.startswith(("embodied_by_component", "per_functional")))


def as_result(frame: pd.DataFrame, kind: str) -> ResultFrame:
    """``frame`` as a :class:`ResultFrame` of ``kind`` (same data, index and attrs)."""
    out = ResultFrame(frame)
    out.attrs.update(frame.attrs)
    out.lca_kind = kind
    return out


def validation_html(results: Sequence[Any]) -> str:
    """HTML table of ``lca.validation`` results: the published figure, lca's default value,
    its low-high range, the error and whether the tolerance is met (text escaped)."""
    rows = []
    for r in results:
        d = r.to_dict()
        rng = ("-" if d["low"] is None or d["high"] is None
               else f"{fmt_number(d['low'])} to {fmt_number(d['high'])}")
        err = "-" if d["error"] is None else f"{100 * d['error']:+.1f} %"
        rows.append("<tr>" + "".join(f"<td>{esc(v)}</td>" for v in (
            d["title"], f"{'<= ' if d['upper_bound'] else ''}{fmt_number(d['published'])} {d['unit']}",
            "-" if d["lca"] is None else f"{fmt_number(d['lca'])} {d['unit']}", rng, err,
            f"{100 * d['tolerance']:g} %", "yes" if d["met"] else "no",
            "yes" if d["in_range"] else "no", d["boundary"])) + "</tr>")
    head = "".join(f"<th>{esc(h)}</th>" for h in (
        "reference", "published", "lca (default method)", "lca low-high", "error",
        "tolerance", "met", "published in range", "boundary"))
    return (f"<p><b>Validation against published assessments</b></p><table><thead><tr>{head}"
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table><p style='font-size:smaller'>"
            "Sources, conditions and trust of each reference: data/validation/ and "
            "`lca validate --format json`.</p>")


__all__ = ["ResultFrame", "as_result", "assessment_html", "monte_carlo_html", "validation_html",
           "BOUNDARY"]
