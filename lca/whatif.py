"""What-if analysis: sweeps, Monte Carlo, sensitivity and the questions users ask.

Everything here runs through the one vectorized path of :mod:`lca.model`
(``compile_bom`` -> ``resolve`` -> ``evaluate``), the same path as :func:`lca.assess`;
a sweep row equals ``lca.assess`` with the same overrides exactly. Scenarios are numpy
arrays; there is no loop over scenarios (the loops below run over axes, methods, chunks
and parameters).

Profile shares
    When a scenario sets some but not all ``profile.<i>.share`` of a profile, the other
    states share the remainder in the proportions of their base values (for a two-state
    profile: ``profile.1.share = 1 - profile.0.share``); see
    :func:`lca.model.complete_profile_shares`. ``assess`` applies the same rule. Shares
    outside 0-1 are an error.

References
    Refresh model: the lifetime question of C. Clemm, K. Wimalawarne, L. Stobbe,
    J. Druschke, "Towards Green AI: Current Status and Future Research" (2024), section
    IV.D ("optimal hardware refresh cycle"); Lambert W: R. M. Corless, G. H. Gonnet,
    D. E. G. Hare, D. J. Jeffrey, D. E. Knuth, "On the Lambert W function", Adv. Comput.
    Math. 5 (1996) 329-359, doi:10.1007/BF02124750. Sobol indices: A. Saltelli et al.,
    "Variance based sensitivity analysis of model output", Comput. Phys. Commun. 181
    (2010) 259-270, doi:10.1016/j.cpc.2009.09.018 (via SALib when installed).
"""

from __future__ import annotations

import csv
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd

from . import data
from .assessment import OVERRIDE_UNITS, _to_canonical
from .bom import Bom, load_bom
from .errors import LcaError, ParameterError
from .model import ALIASES, Compiled, compile_bom, evaluate, resolve
from .units import ureg

#: Scenarios evaluated per call of the model inside a chunk (keeps temporaries in cache).
SUB_BLOCK = 1 << 14

#: Axis names that are not numeric parameters.
REGION, METHOD = "region", "method"

#: Canonical units of component fields (lca.bom) and of factor-override bases.
_FIELD_UNITS = {"area": "cm^2", "die_area": "cm^2", "capacity": "GB", "density": "GB/cm^2",
                "carbon": "kgCO2e", "mass": "kg", "count": None, "dies": None,
                "packages": None, "modules": None, "layers": None}
_BASIS_UNITS = {"area": "kgCO2e/cm^2", "capacity": "kgCO2e/GB", "mass": "kgCO2e/kg",
                "unit": "kgCO2e"}
_FU_UNITS = {"sustained_flops": "FLOP/s", "requests_per_second": "1/s",
             "tokens_per_second": "1/s"}


class MissingDependencyError(LcaError):
    """An optional dependency (e.g. SALib for Sobol indices) is not installed."""


def defaults() -> dict[str, Any]:
    """The what-if defaults of ``data/whatif.yaml`` (figures as :class:`lca.data.Figure`)."""
    raw = data.load_yaml("whatif.yaml")
    out: dict[str, Any] = {"default_distribution": raw["monte_carlo"]["default_distribution"]}
    for section in ("monte_carlo", "sensitivity"):
        for key, node in raw[section].items():
            if data.is_figure(node):
                out[key] = data.figure(node, f"whatif.yaml: {section}.{key}")
    return out


# --- values in canonical units ------------------------------------------------------------

def parameter_unit(compiled: Compiled, name: str) -> str | None:
    """Canonical unit of a parameter (None: dimensionless)."""
    key = ALIASES.get(name, name)
    if key in OVERRIDE_UNITS:
        return OVERRIDE_UNITS[key]
    if key.startswith("profile."):
        return "W" if key.endswith(".power") else None
    if key.startswith("components."):
        comp, fld = key[len("components."):].rsplit(".", 1)
        if fld == "factor":
            spec = next((c for c in compiled.components if c.name == comp), None)
            return _BASIS_UNITS.get(spec.factor_basis) if spec else None
        return _FIELD_UNITS.get(fld)
    if key.startswith("factors."):
        from .embodied import get_method
        figs = get_method(compiled.method).factor_parameters(compiled.options)
        return figs[key].unit if key in figs else None
    if key.startswith("functional_unit."):
        return _FU_UNITS.get(key.split(".", 1)[1])
    return None


def canonical(compiled: Compiled, name: str, value: Any) -> float:
    """``value`` (a number in canonical units, a pint Quantity or a string such as
    ``"50 gCO2e/kWh"``) as a float in the parameter's canonical unit."""
    key = ALIASES.get(name, name)
    if key in OVERRIDE_UNITS:   # the same conversion as lca.assess
        value = _to_canonical(key, value)
    elif isinstance(value, str) or hasattr(value, "magnitude"):
        q = value
        if isinstance(value, str):
            try:
                q = ureg.Quantity(value)
            except Exception:
                raise ParameterError(f"{name}: cannot read {value!r} as a quantity") from None
        unit = parameter_unit(compiled, key) or "dimensionless"
        try:
            value = float(q.to(unit).magnitude)
        except Exception:
            raise ParameterError(f"{name}: expected a quantity in {unit}, got {value}") from None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name}: expected a number, got {value!r}") from None


def _canonical_array(compiled: Compiled, name: str, values: Any) -> np.ndarray:
    """An axis or column of values as a float array in canonical units."""
    if hasattr(values, "magnitude") and np.ndim(values.magnitude) > 0:  # a pint array
        unit = parameter_unit(compiled, name) or "dimensionless"
        try:
            return np.asarray(values.to(unit).magnitude, dtype=float).ravel()
        except Exception:
            raise ParameterError(f"{name}: expected quantities in {unit}, got {values.units}") from None
    arr = np.asarray(values if np.ndim(values) else [values])
    if arr.dtype.kind in "fiub":
        return arr.astype(float).ravel()
    flat = arr.ravel()
    uniq, inverse = np.unique(flat.astype(str), return_inverse=True) if all(
        isinstance(v, str) for v in flat) else (flat, np.arange(len(flat)))
    conv = np.array([canonical(compiled, name, v) for v in uniq], dtype=float)
    return conv[inverse]


# --- scenario designs ---------------------------------------------------------------------

def _labels(values: Any) -> list[str]:
    if isinstance(values, str) or not np.ndim(values):
        return [str(values)]
    return [str(v) for v in values]


@dataclass
class _Design:
    """Scenarios as columns: numeric parameters (canonical floats) and labelled ones
    (region, method) as integer codes into their categories."""

    n: int
    names: list[str]                       # column order, as the user named them
    numeric: dict[str, np.ndarray]         # values per axis (cartesian) or per row (table)
    codes: dict[str, np.ndarray]           # region/method codes
    categories: dict[str, list[str]]       # region/method category labels
    grids: np.ndarray | None = None        # grid value per region category
    shape: tuple[int, ...] | None = None   # cartesian: axis lengths; table: None

    def block(self, start: int, stop: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Numeric columns and label codes of rows [start, stop)."""
        if self.shape is None:
            return ({k: v[start:stop] for k, v in self.numeric.items()},
                    {k: v[start:stop] for k, v in self.codes.items()})
        m = stop - start
        idx = None
        num: dict[str, np.ndarray] = {}
        cod: dict[str, np.ndarray] = {}
        stride = self.n
        for name, size in zip(self.names, self.shape):
            stride //= size
            if size == 1:
                pos = np.zeros(m, dtype=np.intp)
            else:
                if idx is None:
                    idx = np.arange(start, stop, dtype=np.intp)
                pos = (idx // stride) % size if stride > 1 else idx % size
            if name in self.codes:
                cod[name] = pos
            else:
                num[name] = self.numeric[name][pos]
        return num, cod


def _cartesian(compiled: Compiled, axes: Mapping[str, Any]) -> _Design:
    names, shape = list(axes), []
    numeric: dict[str, np.ndarray] = {}
    codes: dict[str, np.ndarray] = {}
    cats: dict[str, list[str]] = {}
    grids = None
    if REGION in axes and ("grid" in axes or "usage.grid" in axes):
        raise ParameterError("give grid or region, not both")
    for name, values in axes.items():
        if name in (REGION, METHOD):
            labels = _labels(values)
            cats[name] = labels
            codes[name] = np.arange(len(labels))
            if name == REGION:
                regions = [data.grid_intensity(v) for v in labels]
                cats[name] = [g.key for g in regions]
                grids = np.array([g.value for g in regions], dtype=float)
            shape.append(len(labels))
        else:
            arr = _canonical_array(compiled, name, values)
            numeric[name] = arr
            shape.append(len(arr))
        if shape[-1] == 0:
            raise ParameterError(f"{name}: the axis has no values")
    n = int(np.prod(shape, dtype=np.int64)) if shape else 1
    return _Design(n=n, names=names, numeric=numeric, codes=codes, categories=cats,
                   grids=grids, shape=tuple(shape))


def _table(compiled: Compiled, scenarios: pd.DataFrame) -> _Design:
    names = [str(c) for c in scenarios.columns]
    if REGION in names and ("grid" in names or "usage.grid" in names):
        raise ParameterError("give grid or region, not both")
    numeric: dict[str, np.ndarray] = {}
    codes: dict[str, np.ndarray] = {}
    cats: dict[str, list[str]] = {}
    grids = None
    for name in names:
        col = scenarios[name]
        if name in (REGION, METHOD):
            labels, inverse = np.unique(col.astype(str).to_numpy(), return_inverse=True)
            cats[name] = [str(v) for v in labels]
            codes[name] = inverse.astype(np.intp)
            if name == REGION:
                regions = [data.grid_intensity(v) for v in cats[name]]
                cats[name] = [g.key for g in regions]
                grids = np.array([g.value for g in regions], dtype=float)
        else:
            numeric[name] = _canonical_array(compiled, name, col.to_numpy())
    return _Design(n=len(scenarios), names=names, numeric=numeric, codes=codes,
                   categories=cats, grids=grids)


# --- the sweep engine -----------------------------------------------------------------------

class _Sweep:
    """A BOM compiled once per method, and a scenario design to evaluate in blocks."""

    def __init__(self, bom: Any, design_from, columns: Sequence[str] | None = None):
        self.bom = load_bom(bom)
        base = compile_bom(self.bom)
        self.design: _Design = design_from(base)
        methods = self.design.categories.get(METHOD)
        self.models: list[Compiled] = ([compile_bom(self.bom, m) for m in methods]
                                       if methods else [base])
        # numeric names each model knows: factors of another method are skipped there
        self.known = []
        for model in self.models:
            names = []
            for name in self.design.numeric:
                key = ALIASES.get(name, name)
                if key not in model.params and key.startswith("factors.") and \
                        not key.startswith(f"factors.{model.method}."):
                    if not any(key in m.params for m in self.models):
                        raise ParameterError(f"unknown parameter {name!r}: no method of the "
                                             "sweep has this factor")
                    continue
                names.append(name)
            self.known.append(names)
        probe = evaluate(self.models[0], resolve(self.models[0], {}), 1)
        self.results = list(probe)
        self.float_names: list[str] = []
        self.out_names: list[str] = []
        for name in self.design.names:
            self.out_names.append(name)
            if name == REGION:
                self.out_names.append("grid")
                self.float_names.append("grid")
            elif name != METHOD:
                self.float_names.append(name)
        self.out_names += self.results
        self.float_names += self.results
        self.where = {name: i for i, name in enumerate(self.float_names)}
        if columns is not None:
            wanted = list(columns)
            unknown = [c for c in wanted if c not in self.out_names]
            if unknown:
                raise ParameterError(f"unknown column(s) {', '.join(map(repr, unknown))}; "
                                     f"known: {', '.join(self.out_names)}")
            keep = set(wanted) | set(self.design.names)
            self.out_names = [c for c in self.out_names if c in keep]
            self.float_names = [c for c in self.float_names if c in keep]
            self.where = {name: i for i, name in enumerate(self.float_names)}

    @property
    def n(self) -> int:
        return self.design.n

    def _overrides(self, j: int, num: Mapping[str, np.ndarray], cod: Mapping[str, np.ndarray],
                   rows: np.ndarray | None) -> dict[str, Any]:
        over: dict[str, Any] = {}
        for name in self.known[j]:
            v = num[name]
            over[name] = v if rows is None else v[rows]
        if REGION in cod:
            c = cod[REGION] if rows is None else cod[REGION][rows]
            over["grid"] = self.design.grids[c]
        return over

    def _fill(self, block: np.ndarray, start: int, stop: int) -> dict[str, np.ndarray]:
        """Evaluate rows [start, stop) into ``block`` (columns x rows); returns the label
        codes of those rows."""
        m = stop - start
        num, cod = self.design.block(start, stop)
        where = self.where
        for name, v in num.items():
            if name in where:
                block[where[name]] = v
        if REGION in cod and "grid" in where:
            block[where["grid"]] = self.design.grids[cod[REGION]]
        if METHOD in cod:
            groups = [(j, np.flatnonzero(cod[METHOD] == j)) for j in range(len(self.models))]
            groups = [(j, rows) for j, rows in groups if len(rows)]
        else:
            groups = [(0, None)]
        for j, rows in groups:
            model = self.models[j]
            k = m if rows is None else len(rows)
            cols = evaluate(model, resolve(model, self._overrides(j, num, cod, rows)), k)
            for name, values in cols.items():
                if name not in where:
                    continue
                if rows is None:
                    block[where[name]] = values
                else:
                    block[where[name], rows] = values
        return cod

    def frame(self, start: int, stop: int) -> pd.DataFrame:
        """The result rows [start, stop) as a DataFrame.

        The rows are evaluated in sub-blocks of ``SUB_BLOCK`` scenarios written into one
        preallocated (columns x rows) array, so the model's temporaries stay small and
        cache-resident; the array becomes the DataFrame without a copy."""
        m = stop - start
        block = np.empty((len(self.float_names), m))
        codes = {name: np.empty(m, dtype=np.intp) for name in self.design.codes}
        for a in range(start, stop, SUB_BLOCK):
            b = min(stop, a + SUB_BLOCK)
            cod = self._fill(block[:, a - start:b - start], a, b)
            for name, c in cod.items():
                codes[name][a - start:b - start] = c
        frame = pd.DataFrame(block.T, columns=self.float_names, copy=False)
        for name, c in codes.items():
            labels, inverse = np.unique(np.asarray(self.design.categories[name], dtype=object),
                                        return_inverse=True)
            cat = pd.Categorical.from_codes(inverse[c], categories=list(labels))
            frame.insert(self.out_names.index(name), name, cat)
        if start:
            frame.index = pd.RangeIndex(start, stop)
        return frame

    def chunks(self, chunk_size: int | None, progress: bool = False) -> Iterator[pd.DataFrame]:
        size = self.n if not chunk_size else max(1, int(chunk_size))
        bar = _progress(self.n, progress and self.n > size)   # only when it takes chunks
        try:
            for start in range(0, self.n, size):
                stop = min(self.n, start + size)
                yield self.frame(start, stop)
                if bar is not None:
                    bar[0].update(bar[1], advance=stop - start)
        finally:
            if bar is not None:
                bar[0].stop()


def _progress(total: int, enabled: bool):
    if not enabled:
        return None
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeRemainingColumn)
    console = Console(stderr=True)
    if not console.is_terminal:   # no bar in pipes, files and tests
        return None
    p = Progress(TextColumn("scenarios"), BarColumn(), MofNCompleteColumn(),
                 TimeRemainingColumn(), transient=True, console=console)
    p.start()
    return p, p.add_task("sweep", total=total)


def _design_from(axes: Mapping[str, Any], scenarios: pd.DataFrame | None):
    if scenarios is not None:
        if axes:
            raise ParameterError("give axes or scenarios=, not both")
        if not isinstance(scenarios, pd.DataFrame):
            scenarios = pd.DataFrame(scenarios)
        return lambda compiled: _table(compiled, scenarios)
    return lambda compiled: _cartesian(compiled, axes)


def iter_sweep(bom: "Bom | str | Path", scenarios: pd.DataFrame | None = None, *,
               chunk_size: int = 1_000_000, columns: Sequence[str] | None = None,
               progress: bool = False, **axes: Any) -> Iterator[pd.DataFrame]:
    """The rows of :func:`sweep` as DataFrames of at most ``chunk_size`` rows, computed
    one chunk at a time (memory bounded by the chunk, not by the number of scenarios)."""
    engine = _Sweep(bom, _design_from(axes, scenarios), columns)
    yield from engine.chunks(chunk_size, progress)


def sweep(bom: "Bom | str | Path", scenarios: pd.DataFrame | None = None, *,
          chunk_size: int | None = None, out: "str | Path | None" = None,
          columns: Sequence[str] | None = None, progress: bool = False,
          **axes: Any) -> pd.DataFrame | Path:
    """Assess every scenario of a cartesian product of axes (or of a table), vectorized.

    Parameters
    ----------
    bom : Bom, path or shipped name (as for :func:`lca.assess`)
    scenarios : DataFrame, optional
        An explicit table: one row per scenario, one column per parameter (instead of axes).
    **axes
        Parameter name -> values (a list, array, range or one value). Names: ``grid``
        [kgCO2e/kWh], ``region`` (country codes or named values; a ``grid`` column is
        added), ``lifetime`` [years], ``pue`` [-], ``profile.<i>.share`` [-],
        ``profile.<i>.power`` [W], ``utilization`` [-], ``method`` (embodied method,
        structural: compiled once per method) and any parameter of
        :func:`lca.parameters` (``components.dram.dies``, ``factors.clemm2024.dram_die``;
        pass them as ``**{"components.dram.dies": [...]}``). Values are numbers in
        canonical units, pint Quantities or strings with units (``"50 gCO2e/kWh"``). The
        first axis varies slowest (as ``itertools.product``).
    chunk_size : int, optional
        Evaluate this many scenarios at a time (bounds the working memory).
    out : path, optional
        Stream the rows to this CSV file chunk by chunk (written to a temporary file in
        the same folder and moved into place) and return the path instead of a DataFrame.
    columns : list of str, optional
        Keep only these result columns (the axis columns are always kept).
    progress : bool
        Show a rich progress bar (off by default).

    Returns
    -------
    DataFrame with a column per axis, named as the axis, then the result columns named as
    the JSON keys of ``lca assess`` (``total_kgco2e_per_year``,
    ``embodied_by_component_kgco2e.<name>``, ...). Row i equals ``lca.assess(bom,
    **scenario_i)`` exactly.
    """
    engine = _Sweep(bom, _design_from(axes, scenarios), columns)
    if out is not None:
        return _write_csv(engine.chunks(chunk_size or 1_000_000, progress), Path(out))
    parts = list(engine.chunks(chunk_size, progress))
    return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=False)


def _write_csv(frames: Iterator[pd.DataFrame], path: Path) -> Path:
    """Write frames to one CSV atomically (temporary file in the same folder, then
    os.replace)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            header = True
            for frame in frames:
                frame.to_csv(fh, index=False, header=header, lineterminator="\n")
                header = False
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _prepared(bom: Any, overrides: Mapping[str, Any]):
    """``lca.assessment.prepare`` plus the canonical overrides the user gave (so that
    later overrides complete profile shares from the user's, not from filled-in ones)."""
    from .assessment import prepare
    compiled, params, meta = prepare(bom, overrides)
    given: dict[str, Any] = {}
    for k, v in overrides.items():
        if v is None or k == METHOD:
            continue
        key = "grid" if k == REGION else ALIASES.get(k, k)
        given[key] = params[key]
    return compiled, given, meta, params


# --- distributions and Monte Carlo ----------------------------------------------------------

@dataclass(frozen=True)
class Distribution:
    """A distribution of one parameter, in canonical units.

    kind: ``triangular`` (low, mode, high), ``uniform`` (low, high), ``normal`` (mean, sd),
    ``lognormal`` (median, gsd: geometric standard deviation > 1), ``point`` (value),
    ``choice`` (values...: equally likely).
    """

    kind: str
    args: tuple[float, ...]

    _ARITY = {"triangular": 3, "uniform": 2, "normal": 2, "lognormal": 2, "point": 1}

    def __post_init__(self) -> None:
        need = self._ARITY.get(self.kind)
        if need is None and self.kind != "choice":
            raise ParameterError(f"unknown distribution {self.kind!r}: expected one of "
                                 f"{', '.join([*self._ARITY, 'choice'])}")
        if need is not None and len(self.args) != need:
            raise ParameterError(f"{self.kind}: expected {need} numbers, got {len(self.args)}")
        a = self.args
        if self.kind == "triangular" and not (a[0] <= a[1] <= a[2]):
            raise ParameterError(f"triangular: expected low <= mode <= high, got {a}")
        if self.kind == "uniform" and not a[0] <= a[1]:
            raise ParameterError(f"uniform: expected low <= high, got {a}")
        if self.kind == "normal" and not a[1] >= 0:
            raise ParameterError(f"normal: expected a standard deviation >= 0, got {a[1]}")
        if self.kind == "lognormal" and not (a[0] > 0 and a[1] >= 1):
            raise ParameterError(f"lognormal: expected median > 0 and gsd >= 1, got {a}")
        if self.kind == "choice" and not a:
            raise ParameterError("choice: expected at least one value")

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws [canonical unit of the parameter]."""
        a = self.args
        if self.kind == "point" or (self.kind in ("triangular", "uniform") and a[0] == a[-1]):
            return np.full(n, float(a[0] if self.kind != "triangular" else a[1]))
        if self.kind == "triangular":
            return rng.triangular(a[0], a[1], a[2], n)
        if self.kind == "uniform":
            return rng.uniform(a[0], a[1], n)
        if self.kind == "normal":
            return rng.normal(a[0], a[1], n)
        if self.kind == "lognormal":
            return a[0] * np.exp(rng.normal(0.0, math.log(a[1]), n))
        return rng.choice(np.asarray(a, dtype=float), n)

    @property
    def median(self) -> float:
        """The median of the distribution (exact for every kind but choice)."""
        a = self.args
        if self.kind == "triangular":
            lo, c, hi = a
            if hi == lo:
                return c
            if c - lo >= (hi - lo) / 2:
                return lo + math.sqrt((hi - lo) * (c - lo) / 2)
            return hi - math.sqrt((hi - lo) * (hi - c) / 2)
        if self.kind == "uniform":
            return (a[0] + a[1]) / 2
        if self.kind in ("normal", "lognormal", "point"):
            return a[0]
        return float(np.median(a))


def figure_distribution(fig: data.Figure) -> Distribution:
    """The distribution of a sourced figure: its own ``distribution`` over min / value /
    max (triangular by default, see ``data/whatif.yaml``); a point when it has no range."""
    lo, hi, v = fig.low, fig.high, fig.value
    kind = fig.distribution or defaults()["default_distribution"]
    if lo == hi:
        return Distribution("point", (v,))
    if kind == "triangular":
        return Distribution("triangular", (lo, v, hi))
    if kind == "uniform":
        return Distribution("uniform", (lo, hi))
    z = defaults()["interval_z"].value
    if kind == "normal":
        return Distribution("normal", (v, (hi - lo) / (2 * z)))
    if kind == "lognormal":
        return Distribution("lognormal", (v, math.sqrt(hi / lo) ** (1 / z)))
    raise ParameterError(f"figure distribution {kind!r} is not supported")


def _distribution(compiled: Compiled, name: str, spec: Any) -> Distribution:
    """A user's distribution spec: a Distribution, or a tuple ``("uniform", low, high)``
    whose numbers may carry units (``("uniform", "100 gCO2e/kWh", "500 gCO2e/kWh")``)."""
    if isinstance(spec, Distribution):
        return spec
    if isinstance(spec, (list, tuple)) and spec and isinstance(spec[0], str):
        kind, *args = spec
        if kind == "lognormal" and len(args) == 2:   # the gsd is a ratio, not a quantity
            return Distribution(kind, (canonical(compiled, name, args[0]), float(args[1])))
        if kind == "normal" and len(args) == 2:     # sd in the parameter's unit, no offset
            return Distribution(kind, (canonical(compiled, name, args[0]),
                                       canonical(compiled, name, args[1])))
        return Distribution(kind, tuple(canonical(compiled, name, a) for a in args))
    raise ParameterError(f"{name}: expected a distribution such as (\"uniform\", 0.1, 0.5) or "
                         f"lca.whatif.Distribution, got {spec!r}")


def factor_distributions(compiled: Compiled) -> dict[str, Distribution]:
    """The distribution of every factor parameter of the compiled method."""
    from .embodied import get_method
    figs = get_method(compiled.method).factor_parameters(compiled.options)
    return {k: figure_distribution(f) for k, f in figs.items()}


@dataclass
class MonteCarlo:
    """Monte Carlo result: ``samples`` (one row per draw: the sampled parameters, then the
    result columns) and ``summary`` (index: result column; columns mean, p5, p50, p95)."""

    samples: pd.DataFrame
    summary: pd.DataFrame
    distributions: dict[str, Distribution]
    n: int
    seed: Any
    base: dict[str, float] = field(default_factory=dict)

    def to_csv(self, path: "str | Path") -> Path:
        """Write the samples to a CSV file (atomically: a temporary file in the same
        folder, then moved into place)."""
        return _write_csv(iter([self.samples]), Path(path))


def summarise(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """mean, p5, p50, p95 of each column (NaN for a column that is all NaN, e.g. a
    component the method cannot cover)."""
    rows = {}
    for c in columns:
        v = frame[c].to_numpy(dtype=float)
        if np.all(np.isnan(v)):
            rows[c] = (np.nan, np.nan, np.nan, np.nan)
            continue
        p5, p50, p95 = np.percentile(v, [5, 50, 95])
        rows[c] = (float(v.mean()), float(p5), float(p50), float(p95))
    return pd.DataFrame.from_dict(rows, orient="index", columns=["mean", "p5", "p50", "p95"])


def monte_carlo(bom: "Bom | str | Path", n: int = 10_000, seed: Any = None, *,
                dists: Mapping[str, Any] | None = None, factors: bool = True,
                **overrides: Any) -> MonteCarlo:
    """Propagate the ranges of the inputs to the results by random sampling.

    Every factor parameter of the method is drawn from its figure's distribution
    (triangular on min / value / max unless the figure names another; a point where the
    figure has no range); ``dists`` adds or replaces distributions of any parameter
    (``{"grid": ("uniform", 0.1, 0.5), "lifetime": ("triangular", 3, 5, 7)}``; numbers
    may carry units). ``overrides`` set the base case as in :func:`lca.assess`.
    Reproducible: the same ``seed`` gives the same samples (numpy ``default_rng``; the
    parameters are drawn in sorted name order).
    """
    n = int(n)
    if n < 1:
        raise ParameterError(f"n: expected at least one sample, got {n}")
    compiled, given, _, params = _prepared(bom, overrides)
    dist: dict[str, Distribution] = factor_distributions(compiled) if factors else {}
    for name, spec in (dists or {}).items():
        key = ALIASES.get(name, name)
        if key not in compiled.params:
            resolve(compiled, {key: 0.0})  # raises the unknown-parameter error
        dist[key] = _distribution(compiled, key, spec)
    rng = np.random.default_rng(seed)
    drawn: dict[str, Any] = {}
    for k in sorted(dist):   # a point costs no random draw and no array
        d = dist[k]
        drawn[k] = d.sample(rng, n) if d.kind != "point" else float(d.args[0])
    varied = [k for k, v in drawn.items() if isinstance(v, np.ndarray)]
    results = list(evaluate(compiled, resolve(compiled, dict(given)), 1))
    block = np.empty((len(varied) + len(results), n))
    for i, k in enumerate(varied):
        block[i] = drawn[k]
    for a in range(0, n, SUB_BLOCK):   # in cache-sized sub-blocks, as lca.sweep
        b = min(n, a + SUB_BLOCK)
        over = {**given, **{k: (v[a:b] if isinstance(v, np.ndarray) else v)
                            for k, v in drawn.items()}}
        cols = evaluate(compiled, resolve(compiled, over), b - a)
        for i, name in enumerate(results):
            block[len(varied) + i, a:b] = cols[name]
    samples = pd.DataFrame(block.T, columns=[*varied, *results], copy=False)
    return MonteCarlo(samples=samples, summary=summarise(samples, results),
                      distributions=dist, n=n, seed=seed,
                      base={k: float(np.asarray(v)) for k, v in params.items()})


# --- sensitivity -----------------------------------------------------------------------------

def input_ranges(bom: "Bom | str | Path", **overrides: Any) -> pd.DataFrame:
    """Every input with a range and where the range comes from: the method's factors
    (their figures' min/max), grid (a named value's own range, else the band of
    ``data/whatif.yaml``), lifetime, PUE, powers and time shares (bands of
    ``data/whatif.yaml``). Columns: parameter, base, low, high, unit, source."""
    from .assessment import prepare
    from .embodied import get_method
    compiled, params, meta = prepare(bom, overrides)
    d = defaults()
    rows: list[tuple] = []

    def add(name, low, high, unit, source):
        base = float(np.asarray(params[name]))
        if low != high:
            rows.append((name, base, float(low), float(high), unit, source))

    region = meta.get("region")
    g = data.grid_table().get(region) if region else None
    grid = float(params["grid"])
    if g is not None and g.min is not None and g.max is not None:
        add("grid", g.min, g.max, "kgCO2e/kWh", f"range of {g.key} (data/grid/named.yaml)")
    else:
        b = d["grid_band"]
        add("grid", grid * b.min, grid * b.max, "kgCO2e/kWh", f"{b.min:g}x-{b.max:g}x "
            "(data/whatif.yaml grid_band)")
    life, lf = float(params["lifetime"]), d["lifetime"]
    add("lifetime", min(life, lf.min), max(life, lf.max), "year", "data/whatif.yaml lifetime")
    pue, pf = float(params["pue"]), d["pue"]
    add("pue", min(pue, pf.min), max(pue, pf.max), "", "data/whatif.yaml pue")
    pb, sb = d["power_band"], d["share_band"]
    if compiled.power_mode == "profile":
        for i in range(compiled.n_states):
            k = f"profile.{i}.power"
            v = float(params[k])
            add(k, v * pb.min, v * pb.max, "W", "data/whatif.yaml power_band")
        for i in range(compiled.n_states - 1):
            k = f"profile.{i}.share"
            v = float(params[k])
            add(k, max(0.0, v + sb.min), min(1.0, v + sb.max), "",
                "data/whatif.yaml share_band (the last state takes the remainder)")
    else:
        for k in ("idle_power", "max_power"):
            v = float(params[k])
            add(k, v * pb.min, v * pb.max, "W", "data/whatif.yaml power_band")
        v = float(params["utilization"])
        add("utilization", max(0.0, v + sb.min), min(1.0, v + sb.max), "",
            "data/whatif.yaml share_band")
    figs = get_method(compiled.method).factor_parameters(compiled.options)
    for k, f in figs.items():
        add(k, f.low, f.high, f.unit, f.source)
    return pd.DataFrame(rows, columns=["parameter", "base", "low", "high", "unit", "source"])


def sensitivity(bom: "Bom | str | Path", *, ranges: Mapping[str, tuple[Any, Any]] | None = None,
                output: str = "total_kgco2e_per_year", **overrides: Any) -> pd.DataFrame:
    """One-at-a-time sensitivity (tornado data): each input with a range set to its low
    and then its high value, all others at base, evaluated in one vectorized call.

    ``ranges`` adds or replaces the range of any parameter (``{"components.dram.dies":
    (512, 2048)}``; values may carry units). Returns a DataFrame with columns
    ``parameter``, ``low``, ``high`` (input values, canonical units), ``total_at_low``,
    ``total_at_high`` (``output``, by default ``total_kgco2e_per_year`` [kgCO2e/a]),
    ``swing`` (their absolute difference), ``base``, ``unit`` and ``source``, sorted by
    swing, largest first. Inputs whose swing is zero stay in the table, last.
    """
    table = input_ranges(bom, **overrides)
    compiled, given, _, params = _prepared(bom, overrides)
    for name, (lo, hi) in (ranges or {}).items():
        key = ALIASES.get(name, name)
        if key not in compiled.params:
            resolve(compiled, {key: 0.0})
        lo, hi = canonical(compiled, key, lo), canonical(compiled, key, hi)
        table = table[table.parameter != key]
        row = pd.DataFrame([(key, float(np.asarray(params[key])), lo, hi,
                             parameter_unit(compiled, key) or "", "given")],
                           columns=table.columns)
        table = row if table.empty else pd.concat([table, row], ignore_index=True)
    k = len(table)
    if k == 0:
        raise ParameterError("no input has a range")
    over: dict[str, Any] = dict(given)
    for i, (name, lo, hi) in enumerate(zip(table.parameter, table.low, table.high)):
        arr = np.full(2 * k, float(np.asarray(params[name])))
        arr[2 * i], arr[2 * i + 1] = lo, hi
        over[name] = arr
    cols = evaluate(compiled, resolve(compiled, over), 2 * k)
    if output not in cols:
        raise ParameterError(f"unknown output {output!r}; known: {', '.join(cols)}")
    y = np.asarray(cols[output])
    out = pd.DataFrame({"parameter": table.parameter.to_numpy(), "low": table.low.to_numpy(),
                        "high": table.high.to_numpy(), "total_at_low": y[0::2],
                        "total_at_high": y[1::2]})
    out["swing"] = np.abs(out.total_at_high - out.total_at_low)
    out["base"] = table.base.to_numpy()
    out["unit"] = table.unit.to_numpy()
    out["source"] = table.source.to_numpy()
    return out.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


def sobol(bom: "Bom | str | Path", n: int = 1024, seed: int | None = None, *,
          output: str = "total_kgco2e_per_year", **overrides: Any) -> pd.DataFrame:
    """Variance-based (Sobol) indices of ``output`` over the inputs of
    :func:`input_ranges`, each uniform over its range; Saltelli sampling with
    ``n * (2k + 2)`` evaluations, one vectorized call. Needs SALib
    (``pip install "lca[sensitivity]"``). Returns columns parameter, S1, S1_conf, ST,
    ST_conf, sorted by ST."""
    try:
        from SALib.analyze import sobol as sobol_analyze
        from SALib.sample import sobol as sobol_sample
    except ImportError:
        raise MissingDependencyError("Sobol indices need SALib: pip install \"lca[sensitivity]\"") from None
    table = input_ranges(bom, **overrides)
    compiled, given, _, params = _prepared(bom, overrides)
    problem = {"num_vars": len(table), "names": list(table.parameter),
               "bounds": [[lo, hi] for lo, hi in zip(table.low, table.high)]}
    x = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
    over = {**given, **{name: x[:, i] for i, name in enumerate(table.parameter)}}
    y = np.asarray(evaluate(compiled, resolve(compiled, over), len(x))[output])
    res = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed)
    out = pd.DataFrame({"parameter": table.parameter, "S1": res["S1"], "S1_conf": res["S1_conf"],
                        "ST": res["ST"], "ST_conf": res["ST_conf"]})
    return out.sort_values("ST", ascending=False).reset_index(drop=True)


# --- questions ---------------------------------------------------------------------------------

def _base_columns(bom, overrides, extra: Mapping[str, Any] | None = None, n: int = 1):
    compiled, given, _, params = _prepared(bom, overrides)
    cols = evaluate(compiled, resolve(compiled, {**given, **(extra or {})}), n)
    return compiled, params, cols


def break_even_grid(bom: "Bom | str | Path", **overrides: Any):
    """The grid intensity [kgCO2e/kWh] at which operational carbon per year equals
    embodied carbon per year: ``embodied_per_year / energy_per_year`` (operational is
    linear in the grid intensity and zero at zero). Returns a pint Quantity."""
    _, _, cols = _base_columns(bom, overrides)
    value = float(cols["embodied_kgco2e_per_year"][0] / cols["energy_kwh_per_year"][0])
    return ureg.Quantity(value, "kgCO2e/kWh")


def lambert_w0(x):
    """Principal branch W0 of the Lambert W function (w e^w = x) for x >= -1/e,
    vectorized: Halley iteration from the branch-point series (x < 1) or log(1 + x)
    (Corless et al. 1996, sections 4-5)."""
    x = np.asarray(x, dtype=float)
    if np.any(x < -1 / math.e - 1e-15):
        raise ParameterError("lambert_w0: expected x >= -1/e")
    p = np.sqrt(np.maximum(2 * (math.e * x + 1), 0.0))
    w = np.where(x < 1.0, -1 + p - p * p / 3 + 11 / 72 * p ** 3, np.log1p(np.maximum(x, 0.0)))
    for _ in range(50):
        ew = np.exp(w)
        f = w * ew - x
        wp1 = w + 1
        live = np.abs(wp1) > 1e-12          # at the branch point w = -1 exactly: done
        safe = np.where(live, wp1, 1.0)
        step = np.where(live, f / (ew * safe - (safe + 1) * f / (2 * safe)), 0.0)
        w = w - step
        if np.all(np.abs(step) <= 4e-16 * (1 + np.abs(w))):
            break
    return w


def refresh_footprint(lifetime, embodied_kg, operational_kg_per_year, efficiency_gain):
    """Mean footprint per year [kgCO2e/a] of replacing a server every ``lifetime`` [years]
    when each year's new server needs ``1 - efficiency_gain`` [-] of the previous year's
    energy for the same work.

    Model (continuous, in today's terms): a server bought at time s emits
    ``operational_kg_per_year * (1-g)^s`` [kgCO2e/a] for the same work for its whole life,
    and ``embodied_kg`` [kgCO2e] once (embodied carbon of new servers taken as
    constant). Measured against the newest server available at each moment, a server of
    age a emits ``(1-g)^-a`` times the best; averaged over a life of L years:

        F(L) = E / L + O * (e^(k L) - 1) / (k L),   k = -ln(1 - g)

    (F = E/L + O when g = 0). E: embodied [kgCO2e]; O: operational per year of a new
    server [kgCO2e/a].
    """
    L = np.asarray(lifetime, dtype=float)
    g = np.asarray(efficiency_gain, dtype=float)
    k = -np.log1p(-g)
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(k * L > 1e-12, np.expm1(k * L) / (k * L), 1.0 + k * L / 2)
    return embodied_kg / L + operational_kg_per_year * factor


def refresh_optimal_lifetime(embodied_kg, operational_kg_per_year, efficiency_gain):
    """The lifetime [years] that minimises :func:`refresh_footprint`: setting dF/dL = 0
    gives e^(kL) (kL - 1) = E k / O - 1, so L* = (1 + W0((E k / O - 1) / e)) / k with W0
    the principal Lambert W branch; infinite when g = 0 or O = 0."""
    E = np.asarray(embodied_kg, dtype=float)
    O = np.asarray(operational_kg_per_year, dtype=float)
    k = -np.log1p(-np.asarray(efficiency_gain, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        arg = np.where(O > 0, (E * k / np.where(O > 0, O, 1.0) - 1) / math.e, 0.0)
        life = (1 + lambert_w0(arg)) / k
    return np.where((k > 0) & (O > 0), life, np.inf)


@dataclass(frozen=True)
class Refresh:
    """Answer to the refresh question (see :func:`refresh_footprint` for the model)."""

    lifetime: Any                 # optimal lifetime [year] (Quantity)
    total_per_year: Any           # F at the optimum [kgCO2e/year] (Quantity)
    embodied: Any                 # E [kgCO2e]
    operational_per_year: Any     # O of a new server [kgCO2e/year]
    efficiency_gain: float        # g [-/year]


def optimal_lifetime(bom: "Bom | str | Path", efficiency_gain: float, **overrides: Any) -> Refresh:
    """The refresh question: the lifetime that minimises the footprint per year when each
    year's replacement server needs ``efficiency_gain`` (e.g. 0.15 for 15 %) less energy
    for the same work. E and O come from the BOM (``lca.assess`` with ``overrides``);
    the model is :func:`refresh_footprint`, solved in closed form
    (:func:`refresh_optimal_lifetime`)."""
    g = float(efficiency_gain)
    if not 0 <= g < 1:
        raise ParameterError(f"efficiency_gain: expected a fraction in [0, 1), got {g}")
    _, _, cols = _base_columns(bom, overrides)
    E = float(cols["embodied_kgco2e"][0])
    O = float(cols["operational_kgco2e_per_year"][0])
    life = float(refresh_optimal_lifetime(E, O, g))
    total = float(refresh_footprint(life, E, O, g)) if math.isfinite(life) else O
    return Refresh(lifetime=ureg.Quantity(life, "year"),
                   total_per_year=ureg.Quantity(total, "kgCO2e/year"),
                   embodied=ureg.Quantity(E, "kgCO2e"),
                   operational_per_year=ureg.Quantity(O, "kgCO2e/year"), efficiency_gain=g)


def break_even_lifetime(bom: "Bom | str | Path", efficiency_gain: float, **overrides: Any):
    """The break-even lifetime [year] of the refresh question: the age at which the
    ageing server's operational rate, ``O (1-g)^-L`` against the newest server, has risen
    to the mean footprint per year of a refresh cycle, ``F(L)``. It is the lifetime of
    :func:`optimal_lifetime` (where the marginal cost of keeping a server one more year
    equals the average cost: dF/dL = 0 is the same equation). Returns a Quantity."""
    return optimal_lifetime(bom, efficiency_gain, **overrides).lifetime


def interventions(bom: "Bom | str | Path", changes: Mapping[str, Mapping[str, Any]] |
                  Sequence[tuple[str, Mapping[str, Any]]], *, together: bool = True,
                  **overrides: Any) -> pd.DataFrame:
    """Savings of interventions applied alone and together.

    ``changes`` maps a label to overrides, as for :func:`lca.assess`:
    ``{"renewable supply": {"region": "renewable-clemm2024"}, "PUE 1.1": {"pue": 1.1},
    "6-year life": {"lifetime": 6}, "busier": {"profile.0.share": 0.9}}`` (for a BOM with
    a power curve, a utilization change is ``{"utilization": 0.8}``). ``overrides`` set
    the baseline, as for :func:`lca.assess`. Returns one row for the baseline, one per
    intervention alone and (``together``, when there are several) one for all of them
    together; two interventions that set the same parameter cannot be combined (an
    error). Columns: ``intervention``, the result columns of :func:`sweep`
    (``total_kgco2e_per_year``, ...), ``saving_kgco2e_per_year`` (baseline total minus
    this row's [kgCO2e/a]) and ``saving_share`` (of the baseline total). Each row equals
    ``lca.assess(bom, **overrides, **intervention)``; all rows are one vectorized call.
    """
    items = list(changes.items()) if isinstance(changes, Mapping) else list(changes)
    if not items:
        raise ParameterError("interventions: expected at least one intervention")
    compiled, given, _, params = _prepared(bom, overrides)
    rows: list[dict[str, float]] = [{}]
    labels = ["baseline"]
    merged: dict[str, float] = {}
    owner: dict[str, str] = {}
    for label, change in items:
        row: dict[str, float] = {}
        for k, v in dict(change).items():
            if k == METHOD:
                raise ParameterError(f"{label}: a change of method is not an intervention "
                                     "(compare methods with lca.sweep(..., method=[...]))")
            if k == REGION:
                if "grid" in change:
                    raise ParameterError(f"{label}: give grid or region, not both")
                key, value = "grid", data.grid_intensity(str(v)).value
            else:
                key = ALIASES.get(k, k)
                if key not in compiled.params:
                    resolve(compiled, {key: 0.0})   # raises the unknown-parameter error
                value = canonical(compiled, key, v)
            if key in owner:
                raise ParameterError(f"interventions {owner[key]!r} and {label!r} both set "
                                     f"{key}; they cannot be applied together")
            owner[key] = str(label)
            row[key] = value
        merged.update(row)
        rows.append(row)
        labels.append(str(label))
    if together and len(items) > 1:
        rows.append(merged)
        labels.append("together")
    over: dict[str, Any] = dict(given)
    for key in owner:
        base = float(np.asarray(params[key]))
        over[key] = np.array([r.get(key, base) for r in rows], dtype=float)
    cols = evaluate(compiled, resolve(compiled, over), len(rows))
    result = pd.DataFrame({"intervention": labels,
                           **{k: over[k] for k in owner},
                           **{k: np.asarray(v) for k, v in cols.items()}})
    total = result["total_kgco2e_per_year"].to_numpy()
    result["saving_kgco2e_per_year"] = total[0] - total
    result["saving_share"] = (total[0] - total) / total[0]
    return result


__all__ = ["sweep", "iter_sweep", "monte_carlo", "MonteCarlo", "Distribution",
           "figure_distribution", "factor_distributions", "summarise", "sensitivity",
           "input_ranges", "sobol", "break_even_grid", "optimal_lifetime", "break_even_lifetime",
           "Refresh",
           "refresh_footprint", "refresh_optimal_lifetime", "lambert_w0", "interventions",
           "parameter_unit", "canonical", "defaults", "MissingDependencyError"]
