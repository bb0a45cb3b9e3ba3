"""Impacts by category x life-cycle stage x component: the one result type that adds.

Categories (each in one unit, with a pint dimension of its own, see lca.units):

========  ==========  ==================================================================
``gwp``   kgCO2e      global warming potential (climate change)
``water`` L_water     water consumption (evaporated or otherwise not returned)
``adpe``  kgSbeq      abiotic depletion potential, minerals and metals (antimony eq.)
``pe``    MJ_primary  primary energy
========  ==========  ==================================================================

Stages: ``manufacturing`` (the embodied methods), ``transport`` (factory to data centre),
``use`` (operational), ``end_of_life`` (waste treatment, cut-off approach) and
``infrastructure`` (the share of data-centre construction). Values are totals over the
assessed period (a server's lifetime, a kernel call, a training run, a request).

An :class:`Impacts` holds one array per (category, stage, component), one element per
scenario, NaN where a factor is missing (*not covered*: reported as null, never counted
as zero). ``a + b`` adds two results (a module plus its share of a host; operational plus
embodied), ``k * a`` scales one (per chip x chips, per token x tokens); the boundary of a
sum is the union of the boundaries. The vectorized model (``lca.model.evaluate``) writes
the same cells as columns named ``impacts.<category>.<stage>.<component>``, with stage
sums ``impacts.<category>.<stage>`` and totals ``impacts.<category>.total``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Mapping

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

#: Category -> (canonical unit, label).
CATEGORIES: dict[str, tuple[str, str]] = {
    "gwp": ("kgCO2e", "global warming potential"),
    "water": ("L_water", "water consumption"),
    "adpe": ("kgSbeq", "abiotic depletion, minerals and metals"),
    "pe": ("MJ_primary", "primary energy"),
}

#: Stages in life-cycle order -> label.
STAGES: dict[str, str] = {
    "manufacturing": "manufacturing",
    "transport": "transport",
    "use": "use",
    "end_of_life": "end of life",
    "infrastructure": "data-centre infrastructure",
}

#: The default view of every surface that shows one category.
DEFAULT_CATEGORY = "gwp"
PREFIX = "impacts."


def unit(category: str) -> str:
    """Canonical unit of ``category``."""
    return CATEGORIES[category][0]


@dataclass(frozen=True)
class Boundary:
    """Which stages and categories a result counts (in canonical order)."""

    stages: tuple[str, ...] = tuple(STAGES)
    categories: tuple[str, ...] = tuple(CATEGORIES)

    @classmethod
    def of(cls, stages: Iterable[str] | None = None,
           categories: Iterable[str] | None = None) -> "Boundary":
        """A boundary from names (None: all); unknown names raise ParameterError."""
        from .errors import ParameterError

        def pick(names, known, what):
            if names is None:
                return tuple(known)
            names = [names] if isinstance(names, str) else list(names)
            if "all" in names:
                return tuple(known)
            bad = [n for n in names if n not in known]
            if bad:
                raise ParameterError(f"unknown {what} {', '.join(map(repr, bad))}: expected "
                                     f"{', '.join(known)} or all")
            if not names:
                raise ParameterError(f"expected at least one {what}")
            return tuple(k for k in known if k in names)

        return cls(pick(stages, STAGES, "stage"), pick(categories, CATEGORIES, "impact category"))

    def __or__(self, other: "Boundary") -> "Boundary":
        return Boundary(tuple(s for s in STAGES if s in self.stages or s in other.stages),
                        tuple(c for c in CATEGORIES if c in self.categories or c in other.categories))

    def to_dict(self) -> dict[str, Any]:
        return {"stages": list(self.stages), "categories": list(self.categories),
                "units": {c: unit(c) for c in self.categories}}


def _arr(x: Any) -> np.ndarray:
    return np.atleast_1d(np.asarray(x, dtype=float))


def _nansum(arrays: list[np.ndarray], n: "int | tuple[int, ...]") -> np.ndarray:
    """Element-wise sum ignoring NaN; NaN where every term is NaN (nothing covered).
    Fast path: a plain sum when no term has a NaN (one pass to check)."""
    # a scalar NaN (a factor not known for any scenario) adds nothing: drop it for free
    arrays = [a for a in arrays if not (np.ndim(a) == 0 and np.isnan(a))]
    if not arrays:
        if type(n) is tuple:   # broadcast shapes (lca.model.evaluate): one number
            return np.array(np.nan)
        return np.broadcast_to(np.nan, (n,))   # a read-only view: nothing allocated
    if len(arrays) == 1:
        return np.asarray(arrays[0], dtype=float)
    total = np.add(arrays[0], arrays[1])
    for a in arrays[2:]:
        if isinstance(total, np.ndarray) and total.ndim and \
                total.shape == np.broadcast_shapes(total.shape, np.shape(a)):
            np.add(total, a, out=total)          # in place: no temporary per term
        else:
            total = total + a
    if not np.isnan(total).any():
        return total
    stack = np.broadcast_arrays(*arrays)
    total = np.zeros(np.shape(stack[0]))
    covered = np.zeros(np.shape(stack[0]), dtype=bool)
    for a in stack:
        ok = ~np.isnan(a)
        total = total + np.where(ok, a, 0.0)
        covered |= ok
    return np.where(covered, total, np.nan)


@dataclass
class Impacts:
    """Impacts by (category, stage, component) over ``n`` scenarios, canonical units.

    ``cells`` maps (category, stage, component) to an array of length ``n`` (NaN: not
    covered). Build one with :meth:`from_columns` (model output) or :meth:`single`.
    """

    cells: dict[tuple[str, str, str], np.ndarray]
    boundary: Boundary = field(default_factory=Boundary)
    notes: list[str] = field(default_factory=list)

    # --- construction -------------------------------------------------------------------
    @classmethod
    def from_columns(cls, columns: Mapping[str, Any], boundary: Boundary,
                     notes: Iterable[str] = ()) -> "Impacts":
        """From model columns ``impacts.<category>.<stage>.<component>``."""
        cells: dict[tuple[str, str, str], np.ndarray] = {}
        for key, values in columns.items():
            if not key.startswith(PREFIX):
                continue
            parts = key[len(PREFIX):].split(".", 2)
            if len(parts) == 3:
                cells[(parts[0], parts[1], parts[2])] = _arr(values)
        return cls(cells, boundary, list(notes))

    @classmethod
    def single(cls, category: str, stage: str, component: str, value: Any,
               boundary: Boundary | None = None) -> "Impacts":
        """One cell (e.g. a kernel's operational GWP)."""
        b = boundary or Boundary((stage,), (category,))
        return cls({(category, stage, component): _arr(value)}, b)

    # --- arithmetic ---------------------------------------------------------------------
    def __len__(self) -> int:
        return max((len(v) for v in self.cells.values()), default=1)

    def __add__(self, other: "Impacts") -> "Impacts":
        if not isinstance(other, Impacts):
            return NotImplemented
        cells = dict(self.cells)
        for key, value in other.cells.items():
            cells[key] = _nansum([cells[key], value], 1) if key in cells else value
        return Impacts(cells, self.boundary | other.boundary, self.notes + [
            n for n in other.notes if n not in self.notes])

    def __radd__(self, other: Any) -> "Impacts":
        if other == 0:   # sum([...]) starts from 0
            return self
        return NotImplemented

    def __mul__(self, k: Any) -> "Impacts":
        if isinstance(k, Impacts):
            return NotImplemented
        k = np.asarray(k, dtype=float)
        return Impacts({key: v * k for key, v in self.cells.items()}, self.boundary,
                       list(self.notes))

    __rmul__ = __mul__

    def __truediv__(self, k: Any) -> "Impacts":
        return self * (1.0 / np.asarray(k, dtype=float))

    def relabel(self, component: str | None = None, stage: str | None = None,
                prefix: str | None = None) -> "Impacts":
        """The same values under another component (or stage) name, or with ``prefix``
        before each component name ("host: cpu")."""
        cells: dict[tuple[str, str, str], np.ndarray] = {}
        for (c, s, comp), v in self.cells.items():
            new = component if component is not None else (f"{prefix}{comp}" if prefix else comp)
            key = (c, stage or s, new)
            cells[key] = _nansum([cells[key], v], 1) if key in cells else v
        b = self.boundary if stage is None else self.boundary | Boundary((stage,), self.boundary.categories)
        return Impacts(cells, b, list(self.notes))

    def restrict(self, boundary: Boundary) -> "Impacts":
        """Only the cells inside ``boundary``."""
        return Impacts({k: v for k, v in self.cells.items()
                        if k[0] in boundary.categories and k[1] in boundary.stages},
                       boundary, list(self.notes))

    # --- views --------------------------------------------------------------------------
    def components(self, category: str, stage: str) -> dict[str, np.ndarray]:
        return {k[2]: v for k, v in self.cells.items() if k[0] == category and k[1] == stage}

    def stage(self, category: str, stage: str) -> np.ndarray:
        """Sum over components (NaN when none is covered)."""
        return _nansum(list(self.components(category, stage).values()), len(self))

    def total(self, category: str = DEFAULT_CATEGORY) -> np.ndarray:
        """Sum over the boundary's stages (NaN when none is covered)."""
        return _nansum([self.stage(category, s) for s in self.boundary.stages
                        if self.components(category, s)], len(self))

    def not_covered(self) -> dict[str, dict[str, list[str]]]:
        """Category -> stage -> components with no factor (all NaN)."""
        out: dict[str, dict[str, list[str]]] = {}
        for (c, s, comp), v in self.cells.items():
            if np.all(np.isnan(v)):
                out.setdefault(c, {}).setdefault(s, []).append(comp)
        return out

    def to_dict(self, row: int = 0) -> dict[str, dict[str, float | None]]:
        """``{category: {stage: value, "total": value}}`` for one scenario (None: not
        covered; stages outside the boundary are left out)."""
        def num(v: float) -> float | None:
            return None if math.isnan(v) else float(v)

        out: dict[str, dict[str, float | None]] = {}
        for c in self.boundary.categories:
            entry = {s: num(float(self.stage(c, s)[row])) for s in self.boundary.stages}
            entry["total"] = num(float(self.total(c)[row]))
            out[c] = entry
        return out

    def to_frame(self, row: int = 0) -> pd.DataFrame:
        """Tidy table of one scenario: category, stage, component, value, unit."""
        rows = []
        for c in self.boundary.categories:
            for s in self.boundary.stages:
                for comp, v in self.components(c, s).items():
                    rows.append((c, s, comp, float(v[row] if len(v) > row else v[0]), unit(c)))
        import pandas as pd  # on use: `lca assess` does not load pandas

        return pd.DataFrame(rows, columns=["category", "stage", "component", "value", "unit"])

    def quantity(self, category: str = DEFAULT_CATEGORY, stage: str | None = None):
        """A total (or one stage) as a pint Quantity (array for several scenarios)."""
        from .units import ureg

        v = self.total(category) if stage is None else self.stage(category, stage)
        return ureg.Quantity(v if len(v) > 1 else float(v[0]), unit(category))


def column(category: str, stage: str | None = None, component: str | None = None) -> str:
    """Model column name of a cell, a stage sum (component None) or a total (stage None)."""
    if stage is None:
        return f"{PREFIX}{category}.total"
    return f"{PREFIX}{category}.{stage}" + ("" if component is None else f".{component}")


__all__ = ["CATEGORIES", "STAGES", "DEFAULT_CATEGORY", "Boundary", "Impacts", "column", "unit"]
