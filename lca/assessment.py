"""``lca.assess``: one scenario, as a one-row evaluation of the vectorized model."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

from . import data
from .bom import Bom, load_bom
from .cache import compiled as cached_compile
from .errors import LcaError, ParameterError
from .functional import KINDS
from .impacts import Boundary, Impacts
from .model import Compiled, compile_bom, evaluate, region_parameters, resolve, to_canonical
from . import units as _units  # pint is imported when a Quantity is first asked for

def prepare(bom: "Bom | str | Path", overrides: Mapping[str, Any]) -> tuple[Compiled, dict[str, Any], dict[str, Any]]:
    """Load and compile ``bom`` and apply ``overrides`` (method, region, lifetime, grid, pue
    and any parameter name; one value each, checked against the registry). Returns the
    compiled model, the parameters and metadata."""
    from . import registry

    bom = load_bom(bom)
    overrides = {k: v for k, v in overrides.items() if v is not None}
    for name, value in overrides.items():   # one scenario: one value each
        if name not in ("method", "region", "stages", "categories", "impact"):
            registry.check_scalar(name, value)   # names and lists of names are checked apart
    method = overrides.pop("method", None)
    region = overrides.pop("region", None)
    stages = overrides.pop("stages", None)
    categories = overrides.pop("categories", overrides.pop("impact", None))
    boundary = None
    if stages is not None or categories is not None:
        spec = bom.boundary
        boundary = Boundary.of(stages if stages is not None else (spec.stages if spec else None),
                               categories if categories is not None else
                               (spec.categories if spec else None))
    compiled = cached_compile(bom, method, boundary)
    meta: dict[str, Any] = {"grid_source": compiled.grid_source, "region": compiled.grid_region}
    if region is not None:
        if "grid" in overrides:
            raise ParameterError("give grid or region, not both")
        region_params, meta["region"], meta["grid_source"] = region_parameters(str(region))
        for key, value in region_params.items():   # the user's own values win
            if key == "grid" or not (key in overrides or f"usage.{key}" in overrides
                                     or key in compiled.fixed):
                overrides[key] = value
    elif "grid" in overrides:
        meta["grid_source"] = "given as an override"
        meta["region"] = None
    converted = {k: to_canonical(compiled, k, v) for k, v in overrides.items()}
    params = resolve(compiled, converted)
    return compiled, params, meta


@dataclass
class Assessment:
    """The footprint of one server under one scenario. Values are pint Quantities."""

    compiled: Compiled
    params: dict[str, Any]
    row: dict[str, float]
    meta: dict[str, Any] = field(default_factory=dict)

    # --- identity ---------------------------------------------------------------------
    @property
    def bom(self) -> Bom:
        return self.compiled.bom

    @property
    def name(self) -> str:
        return self.bom.name

    @property
    def method(self) -> str:
        return self.compiled.method

    # --- results as quantities ------------------------------------------------------------
    def _q(self, key: str, unit: str):
        return _units.ureg.Quantity(self.row[key], unit)

    @property
    def lifetime(self):
        return _units.ureg.Quantity(float(self.params["lifetime"]), "year")

    @property
    def grid(self):
        return _units.ureg.Quantity(float(self.params["grid"]), "kgCO2e/kWh")

    @property
    def pue(self) -> float:
        return float(self.params["pue"])

    @property
    def embodied(self):
        return self._q("embodied_kgco2e", "kgCO2e")

    @functools.cached_property
    def _embodied_range_kg(self) -> dict[str, float]:
        """Low / likely / high embodied carbon [kgCO2e] as plain floats."""
        from .methods import embodied_range

        r = embodied_range(self.compiled, self.params)
        return {"low": r.low, "likely": r.likely, "high": r.high}

    @functools.cached_property
    def embodied_range(self) -> dict[str, Any]:
        """Low / likely / high embodied carbon over the method's factor ranges
        (``lca.methods.embodied_range``; computed on first use)."""
        return {k: _units.ureg.Quantity(v, "kgCO2e") for k, v in self._embodied_range_kg.items()}

    def _embodied_by_component_kg(self) -> dict[str, float]:
        """Component name -> embodied carbon [kgCO2e] as plain floats."""
        prefix = "embodied_by_component_kgco2e."
        return {k[len(prefix):]: v for k, v in self.row.items() if k.startswith(prefix)}

    @property
    def embodied_by_component(self) -> dict[str, Any]:
        """Component name -> embodied carbon; NaN where the method cannot cover it."""
        return {k: _units.ureg.Quantity(v, "kgCO2e")
                for k, v in self._embodied_by_component_kg().items()}

    @property
    def uncovered(self) -> dict[str, str]:
        """Components the method could not cover, with the reason."""
        return {n: t.reason for n, t in self.compiled.terms.items() if t.evaluate is None}

    # --- the whole life cycle ------------------------------------------------------------
    @functools.cached_property
    def lifecycle(self) -> Impacts:
        """Impacts by category, stage and component over the lifetime (lca.impacts); adds
        with ``+`` and scales with ``*``."""
        from .model import lifecycle_impacts

        return lifecycle_impacts(self.compiled, self.row, self.lifecycle_notes)

    @property
    def impacts(self) -> pd.DataFrame:
        """Tidy table of the life cycle: category, stage, component, value, unit (values
        over the lifetime; NaN: not covered)."""
        return self.lifecycle.to_frame()

    @property
    def boundary(self) -> dict[str, Any]:
        """The stages and categories counted, their units, the time basis and what is not
        covered (JSON ``boundary``)."""
        out = self.compiled.boundary.to_dict()
        out["basis"] = "lifetime"
        out["not_covered"] = self.lifecycle.not_covered()
        out["assumptions"] = self.lifecycle_notes
        return out

    @property
    def lifecycle_notes(self) -> list[str]:
        """Assumptions of the stages beyond manufacturing and use (defaults taken)."""
        b = self.compiled.boundary
        notes = []
        for n in self.compiled.lifecycle_notes:
            if n.startswith("on-site WUE") and not ("water" in b.categories and "use" in b.stages):
                continue
            if n.startswith("system mass") and not {"transport", "end_of_life"} & set(b.stages):
                continue
            if n.startswith("transport") and "transport" not in b.stages:
                continue
            notes.append(n)
        return notes

    @property
    def notes(self) -> list[str]:
        out = list(self.compiled.options.get("notes", []))
        pp = self.compiled.parts_power
        if pp is not None:
            out.append(f"power from parts (lca.power): idle {pp.idle_w:.0f} W, full load "
                       f"{pp.max_w:.0f} W at the wall")
            out += [f"power: {n}" for n in pp.notes]
        out += [f"{n}: {t.note}" for n, t in self.compiled.terms.items() if t.note]
        if "pue" not in self._given_usage():
            out.append("PUE not given: 1.0 assumed (no facility overhead)")
        return out

    def _given_usage(self) -> set[str]:
        return set(self.bom.usage.model_fields_set)

    @property
    def energy_per_year(self):
        return self._q("energy_kwh_per_year", "kWh/year")

    @property
    def operational_per_year(self):
        return self._q("operational_kgco2e_per_year", "kgCO2e/year")

    @property
    def embodied_per_year(self):
        return self._q("embodied_kgco2e_per_year", "kgCO2e/year")

    @property
    def total_per_year(self):
        return self._q("total_kgco2e_per_year", "kgCO2e/year")

    @property
    def lifetime_total(self):
        return self._q("lifetime_kgco2e", "kgCO2e")

    @property
    def use_phase_share(self) -> float:
        return self.row["use_phase_share"]

    @property
    def per_functional_unit(self) -> dict[str, Any] | None:
        """Footprint per functional unit (gCO2e), or None when the BOM names none."""
        out = self._per_functional_unit_g()
        if out is not None:
            for part in ("total", "embodied", "operational"):
                out[f"{part}_gco2e"] = _units.ureg.Quantity(out[f"{part}_gco2e"], "gCO2e")
        return out

    def _per_functional_unit_g(self) -> dict[str, Any] | None:
        """:attr:`per_functional_unit` with the footprints as plain floats [gCO2e]."""
        kind = self.compiled.functional_unit
        if kind is None:
            return None
        unit = KINDS[kind].unit
        out: dict[str, Any] = {"unit": unit, "basis": kind}
        rate_key = f"functional_unit.{kind}"
        if rate_key in self.params:
            out["rate"] = float(self.params[rate_key])
        for part in ("total", "embodied", "operational"):
            out[f"{part}_gco2e"] = self.row[f"per_functional_unit.{part}_gco2e"]
        return out

    # --- notebooks -----------------------------------------------------------------------------
    def _repr_html_(self) -> str:
        """An HTML table with units, notes and the system boundary (Jupyter shows it)."""
        from .display import assessment_html

        return assessment_html(self)

    def plot(self, page: str = "embodied"):
        """The report's figure for this assessment: ``"embodied"`` (by component),
        ``"lifetime"`` (per year over the lifetime) or ``"grid"`` (against grid
        intensity). Returns a matplotlib Figure."""
        from .display import assessment_plot

        return assessment_plot(self, page)

    # --- exports -----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``lca assess`` (keys documented in the README)."""
        def num(v: float) -> float | None:
            # NaN stays NaN (lca.io.dumps_json refuses it): a number is due here
            return None if v is None else float(v)

        def component(v: float) -> float | None:
            # the documented null (lca.io.NOT_COVERED_KEYS): not covered
            return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)

        out: dict[str, Any] = {
            "name": self.name,
            "kind": self.bom.kind,
            "method": self.method,
            "lifetime_years": float(self.params["lifetime"]),
            "embodied_kgco2e": num(self.row["embodied_kgco2e"]),
            "embodied_complete": not self.uncovered,
            "embodied_low_kgco2e": num(self._embodied_range_kg["low"]),
            "embodied_high_kgco2e": num(self._embodied_range_kg["high"]),
            "embodied_by_component_kgco2e": {k: component(v) for k, v in
                                             self._embodied_by_component_kg().items()},
            "uncovered_components": self.uncovered,
            "energy_kwh_per_year": num(self.row["energy_kwh_per_year"]),
            "mean_power_w": num(self.row["mean_power_w"]),
            "pue": self.pue,
            "grid_kgco2e_per_kwh": float(self.params["grid"]),
            "grid_source": self.meta.get("grid_source"),
            "operational_kgco2e_per_year": num(self.row["operational_kgco2e_per_year"]),
            "embodied_kgco2e_per_year": num(self.row["embodied_kgco2e_per_year"]),
            "total_kgco2e_per_year": num(self.row["total_kgco2e_per_year"]),
            "lifetime_kgco2e": num(self.row["lifetime_kgco2e"]),
            "use_phase_share": num(self.row["use_phase_share"]),
            "use_water_l_per_year": component(self.row["use_water_l_per_year"]),
            "notes": self.notes,
            "impacts": self.lifecycle.to_dict(),
            "boundary": self.boundary,
        }
        fu = self._per_functional_unit_g()
        if fu is not None:
            out["per_functional_unit"] = {k: (num(v) if k.endswith("_gco2e") else v)
                                          for k, v in fu.items()}
        return out

    def to_json(self, indent: int | None = 2) -> str:
        from .io import dumps_json

        return dumps_json(self.to_dict(), indent=indent)

    def to_excel(self, path: "str | Path", *, force: bool = False, **results: Any) -> Path:
        """Write this assessment as a workbook (Summary, Components, Operational, a Model
        sheet with live formulas, Assumptions); see ``lca.excel.write_workbook`` for the
        optional ``sweep``, ``monte_carlo``, ``methods`` and ``sensitivity`` results. An
        existing file is replaced only with ``force`` or when lca wrote it."""
        from .excel import write_workbook

        return write_workbook(self, path, force=force, **results)

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: one row per result (quantity, component, value, unit)."""
        rows = []
        for key, value in self.row.items():
            if key.startswith("impacts."):
                continue   # see Assessment.impacts
            if key.startswith("embodied_by_component_kgco2e."):
                rows.append(("embodied", key.split(".", 1)[1], value, "kgCO2e"))
                continue
            quantity, unit = _split_key(key)
            rows.append((quantity, None, value, unit))
        import pandas as pd  # on use: `import lca` does not load pandas

        return pd.DataFrame(rows, columns=["quantity", "component", "value", "unit"])


def _split_key(key: str) -> tuple[str, str]:
    """'energy_kwh_per_year' -> ('energy per year', 'kWh/year')."""
    units = {"embodied_kgco2e": ("embodied", "kgCO2e"),
             "mean_power_w": ("mean power", "W"),
             "energy_kwh_per_year": ("energy per year", "kWh/year"),
             "operational_kgco2e_per_year": ("operational per year", "kgCO2e/year"),
             "embodied_kgco2e_per_year": ("embodied per year", "kgCO2e/year"),
             "total_kgco2e_per_year": ("total per year", "kgCO2e/year"),
             "lifetime_kgco2e": ("lifetime total", "kgCO2e"),
             "use_phase_share": ("use-phase share", ""),
             "use_water_l_per_year": ("use-phase water per year", "L_water/year")}
    if key in units:
        return units[key]
    if key.startswith("per_functional_unit."):
        part = key.split(".", 1)[1].replace("_gco2e", "")
        return (f"per functional unit, {part}", "gCO2e")
    return (key, "")


def as_assessments(assessments: "Assessment | Sequence[Assessment]", purpose: str) -> list[Assessment]:
    """One assessment or several, as a non-empty list (``purpose`` words the error,
    e.g. "export")."""
    if isinstance(assessments, Assessment):
        return [assessments]
    out = list(assessments)
    if not out:
        raise LcaError(f"no assessments to {purpose}")
    return out


def assess(bom: "Bom | str | Path", **overrides: Any) -> Assessment:
    """Assess one server.

    Parameters
    ----------
    bom : Bom, path, or the name of a shipped BOM (``"clemm2024-cpu"``)
    **overrides
        ``lifetime`` [years, or "6 years"], ``grid`` [kgCO2e/kWh, or "50 gCO2e/kWh"],
        ``region`` (country code or named value), ``pue`` [-], ``method`` (embodied
        method), or any parameter by name (``components.dram.dies``, ``profile.0.share``,
        ``factors.clemm2024.dram_die``; see ``lca.parameters``).
    """
    compiled, params, meta = prepare(bom, overrides)
    cols = evaluate(compiled, params, n=1)
    row = {k: float(np.asarray(v)[0]) for k, v in cols.items()}
    return Assessment(compiled=compiled, params=params, row=row, meta=meta)


def parameters(bom: "Bom | str | Path | None" = None, method: str | None = None,
               *, details: bool = False) -> "dict[str, float] | pd.DataFrame":
    """The parameters a user can set.

    Without ``bom``: the registry (``lca.registry``) as a table, one row per parameter
    name or pattern: name, unit, bounds, integer, label, source of the range. With a BOM:
    its parameters (names and base values in canonical units) as a dict, or with
    ``details`` a table of name, value, unit, bounds and label.
    """
    from . import registry
    from .model import parameter_unit

    import pandas as pd  # on use: `import lca` does not load pandas

    if bom is None:
        return pd.DataFrame(registry.nomenclature())
    compiled = cached_compile(load_bom(bom), method)
    if not details:
        return dict(compiled.params)
    rows = [{"name": k, "value": float(v), "unit": parameter_unit(compiled, k) or "dimensionless",
             "bounds": registry.get(k).bounds_text(), "label": registry.label(k, compiled.params)}
            for k, v in compiled.params.items()]
    return pd.DataFrame(rows)
