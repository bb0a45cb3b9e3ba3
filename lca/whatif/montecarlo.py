"""Monte Carlo: distributions of factors and parameters, sampled and propagated through
the vectorized model."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from .. import data
from ..bom import Bom
from .. import registry
from ..errors import DataError, ParameterError
from ..model import ALIASES, Compiled, check_parameters, evaluate, parameter_unit, resolve
from ..bom import load_bom
from .common import REGION, SUB_BLOCK, _prepared, canonical, defaults
from .engines import _BUILT, built, check_engine, ranges, run_ordered


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
    #: Bounds the draws are truncated to (normal and lognormal only; None: not truncated).
    low: float | None = None
    high: float | None = None

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
        if self.kind in ("normal", "lognormal"):
            return self._truncated(rng, n)
        return rng.choice(np.asarray(a, dtype=float), n)

    def _draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        a = self.args
        if self.kind == "normal":
            return rng.normal(a[0], a[1], n)
        return a[0] * np.exp(rng.normal(0.0, math.log(a[1]), n))

    def mass_inside(self) -> float:
        """Probability of a draw within [low, high] (1 when not truncated)."""
        if self.kind not in ("normal", "lognormal"):
            return 1.0
        from statistics import NormalDist

        a = self.args
        if self.kind == "normal":
            if a[1] == 0:
                return 1.0
            d, lo, hi = NormalDist(a[0], a[1]), self.low, self.high
        else:
            if a[1] == 1:
                return 1.0
            d = NormalDist(math.log(a[0]), math.log(a[1]))
            lo = None if self.low is None or self.low <= 0 else math.log(self.low)
            hi = None if self.high is None else (math.log(self.high) if self.high > 0 else -math.inf)
        f_lo = 0.0 if lo is None else d.cdf(lo)
        f_hi = 1.0 if hi is None else (0.0 if hi == -math.inf else d.cdf(hi))
        return max(0.0, f_hi - f_lo)

    def _truncated(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draws within [low, high] by rejection (vectorized: each round redraws only the
        rejected ones; the caller has refused distributions with almost no mass inside)."""
        out = self._draw(rng, n)
        if self.low is None and self.high is None:
            return out
        def outside(x):
            bad = np.zeros(x.shape, dtype=bool)
            if self.low is not None:
                bad |= x < self.low
            if self.high is not None:
                bad |= x > self.high
            return bad
        bad = np.flatnonzero(outside(out))
        while bad.size:
            redraw = self._draw(rng, bad.size)
            out[bad] = redraw
            bad = bad[outside(redraw)]
        return out

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
        return bounded(compiled, name, spec)
    if isinstance(spec, (list, tuple)) and spec and isinstance(spec[0], str):
        kind, *args = spec
        if kind == "lognormal" and len(args) == 2:   # the gsd is a ratio, not a quantity
            gsd = _plain_number(f"{name}: lognormal gsd", args[1])
            dist = Distribution(kind, (canonical(compiled, name, args[0]), gsd))
        elif kind == "normal" and len(args) == 2:     # sd in the parameter's unit, no offset
            sd = args[1]
            if isinstance(sd, str) or hasattr(sd, "magnitude"):
                sd = _spread(compiled, name, sd)
            dist = Distribution(kind, (canonical(compiled, name, args[0]),
                                       _plain_number(f"{name}: normal sd", sd)))
        else:
            dist = Distribution(kind, tuple(canonical(compiled, name, a) for a in args))
        return bounded(compiled, name, dist)
    raise ParameterError(f"{name}: expected a distribution such as (\"uniform\", 0.1, 0.5) or "
                         f"lca.whatif.Distribution, got {spec!r}")


#: A truncated distribution must keep at least this share of its draws within the bounds.
MIN_MASS_INSIDE = 1e-3


def bounded(compiled: Compiled, name: str, dist: Distribution) -> Distribution:
    """``dist`` checked against the registry's bounds of ``name``.

    A distribution with a bounded support (point, uniform, triangular, choice) whose
    support leaves the bounds is refused (ParameterError). A normal or lognormal one is
    truncated to the bounds (draws outside are redrawn) and says so in ``low``/``high``;
    it is refused when less than MIN_MASS_INSIDE of it lies within the bounds. An integer
    parameter (a count) takes only whole values: ``point`` or ``choice``.
    """
    p = registry.get(name)
    unit = parameter_unit(compiled, name)
    def refuse(why: str) -> ParameterError:
        return ParameterError(f"{name}: the {dist.kind} distribution {why}; accepted: "
                              f"{p.bounds_text()}", parameter=name, value=dist.args,
                              bound=p.bounds_text())
    if dist.kind in ("normal", "lognormal"):
        if p.integer:
            raise refuse("draws fractional values, but the parameter is a whole number "
                         "(use point or choice)")
        registry.check(name, dist.args[0], unit)
        lo = p.min if p.min is not None and (dist.kind == "normal" or p.min > 0) else None
        hi = p.max
        trunc = Distribution(dist.kind, dist.args, lo, hi)
        if trunc.mass_inside() < MIN_MASS_INSIDE:
            raise refuse("lies almost entirely outside the bounds")
        return trunc
    support = dist.args if dist.kind == "choice" else (dist.args[0], dist.args[-1])
    if p.integer and dist.kind in ("uniform", "triangular") and dist.args[0] != dist.args[-1]:
        raise refuse("draws fractional values, but the parameter is a whole number "
                     "(use point or choice)")
    try:
        registry.check(name, np.asarray(support, dtype=float), unit)
    except ParameterError as exc:
        raise refuse(f"reaches outside the bounds ({exc})") from None
    return dist


def _plain_number(what: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ParameterError(f"{what}: expected a number, got {value!r}", value=value)
    value = float(value)
    if not math.isfinite(value):
        raise ParameterError(f"{what}: expected a finite number, got {value}", value=value)
    return value


def _spread(compiled: Compiled, name: str, value: Any) -> float:
    """A spread (standard deviation) with a unit, in the parameter's canonical unit (a
    difference: converted without offset and not bound-checked)."""
    from ..units import ureg

    unit = parameter_unit(compiled, name) or "dimensionless"
    try:
        q = ureg.Quantity(value) if isinstance(value, str) else value
        return float(q.to(unit).magnitude)
    except Exception:
        raise ParameterError(f"{name}: expected a spread in {unit}, got {value!r}") from None


def _factor_figures(compiled: Compiled) -> dict[str, data.Figure]:
    return compiled.factor_figures


def factor_distributions(compiled: Compiled) -> dict[str, Distribution]:
    """The distribution of every factor parameter of the compiled method (a figure whose
    range leaves the registry's bounds is a DataError)."""
    out = {}
    for k, f in compiled.factor_figures.items():
        try:
            out[k] = bounded(compiled, k, figure_distribution(f))
        except ParameterError as exc:
            raise DataError(f"data/factors ({compiled.method}): {exc}") from None
    return out


#: What a Monte Carlo varies by default: ``all`` (factors and usage inputs), ``factors``
#: (the method's factors only), ``usage`` (grid, PUE, lifetime, utilization or time shares,
#: powers only), ``none`` (only the distributions the caller gives).
VARY_CHOICES = ("all", "factors", "usage", "none")


def usage_distributions(bom: "Bom | str | Path", **overrides: Any) -> dict[str, tuple[Distribution, str]]:
    """Triangular distributions (low, base, high) of the usage inputs over the ranges of
    :func:`lca.whatif.input_ranges` (grid by region, PUE, lifetime, utilization or time
    shares, powers; ranges from data/grid/ and data/whatif.yaml), with each range's source.
    Only the first profile state's share is drawn; the others share the remainder in
    their base proportions (lca.model.complete_profile_shares), so shares always sum to 1."""
    from .ranking import input_ranges
    table = input_ranges(bom, **overrides)
    out: dict[str, tuple[Distribution, str]] = {}
    for row in table.itertuples(index=False):
        if row.parameter.startswith("factors."):
            continue
        if row.parameter.startswith("profile.") and row.parameter.endswith(".share") \
                and row.parameter != "profile.0.share":
            continue   # drawn independently, shares could sum past 1: the rest follow state 0
        lo, base, hi = float(row.low), float(row.base), float(row.high)
        out[row.parameter] = (Distribution("triangular", (min(lo, base), base, max(hi, base))),
                              str(row.source))
    return out


@dataclass
class MonteCarlo:
    """Monte Carlo result: ``samples`` (one row per draw: the sampled parameters, then the
    result columns), ``summary`` (index: result column; columns mean, p5, p50, p95), the
    ``distributions`` drawn and, in ``sources``, where each one's range comes from."""

    samples: pd.DataFrame
    summary: pd.DataFrame
    distributions: dict[str, Distribution]
    n: int
    seed: Any
    base: dict[str, float] = field(default_factory=dict)
    vary: str = "all"
    sources: dict[str, str] = field(default_factory=dict)
    compiled: Compiled | None = field(default=None, repr=False)

    def varied(self) -> pd.DataFrame:
        """The inputs that were varied: parameter, distribution, low, mode (or median),
        high [canonical unit], source of the range. Points (fixed inputs) left out."""
        rows = []
        for k, d in self.distributions.items():
            if d.kind == "point":
                continue
            a = d.args
            low, high = (a[0], a[-1]) if d.kind in ("triangular", "uniform") else (
                float(np.percentile(self.samples[k], 0)), float(np.percentile(self.samples[k], 100)))
            mid = a[1] if d.kind == "triangular" else d.median
            rows.append((k, d.kind, float(low), float(mid), float(high), self.sources.get(k, "")))
        return pd.DataFrame(rows, columns=["parameter", "distribution", "low", "mode", "high",
                                           "source"])

    def _repr_html_(self) -> str:
        """The summary as an HTML table with units and the boundary (Jupyter shows it)."""
        from ..display import monte_carlo_html

        return monte_carlo_html(self)

    def plot(self, label: str = "Monte Carlo"):
        """The report's histogram of the total per year (p5, p50, p95 marked); a Figure."""
        from ..display import monte_carlo_plot

        return monte_carlo_plot(self, label)

    @property
    def truncated(self) -> dict[str, tuple[float | None, float | None]]:
        """Parameters whose normal or lognormal draws were truncated to the registry's
        bounds: name -> (low, high) [canonical unit]."""
        return {k: (d.low, d.high) for k, d in self.distributions.items()
                if d.low is not None or d.high is not None}

    def to_csv(self, path: "str | Path", *, force: bool = False) -> Path:
        """Write the samples to a CSV file (atomically: a temporary file in the same
        folder, then moved into place)."""
        from ..sinks import write_frames

        return write_frames(iter([self.samples]), Path(path), fmt="csv", force=force)

    def write(self, path: "str | Path", rows_per_group: int = 1_000_000, *,
              force: bool = False) -> Path:
        """Write the samples to ``.csv`` or ``.parquet`` (chosen by the suffix; Parquet in
        row groups of ``rows_per_group``, with the unit of each column in the schema), or
        to a folder (a name without a suffix: one Parquet file per ``rows_per_group``),
        atomically, through :func:`lca.sinks.write_frames`."""
        from ..sinks import frame_units, write_frames

        known = {k: (parameter_unit(self.compiled, k) or "") for k in self.distributions
                 if k in self.samples.columns} if self.compiled is not None else None
        units = frame_units(self.samples.columns, known)
        step = max(1, int(rows_per_group))
        parts = (self.samples.iloc[a:a + step] for a in range(0, len(self.samples), step))
        if not Path(path).suffix:   # a folder: one Parquet file per group of rows
            from ..sinks import _write_parquet
            from .engines import part_name, write_dataset
            from .sweeps import DATASET_MARKER

            def fill(tmp: Path):
                for i, part in enumerate(parts):
                    _write_parquet(iter([part]), tmp / part_name(i), units)
                    yield tmp / part_name(i)

            return write_dataset(Path(path), fill, DATASET_MARKER, force=force)
        return write_frames(parts, path, units=units, force=force)


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


#: Samples per Monte Carlo partition (drawn from one random stream, evaluated as one task).
MC_PARTITION = 1_000_000


def partition_seed(root: np.random.SeedSequence, i: int) -> np.random.SeedSequence:
    """The random stream of partition ``i`` of a Monte Carlo run: ``root`` itself for the
    first, then ``root``'s descendants with spawn key ``root.spawn_key + (i,)``
    (independent streams, numpy "Parallel random number generation",
    https://numpy.org/doc/stable/reference/random/parallel.html). Depends only on the
    seed and ``i``, never on where the partition runs."""
    if i == 0:
        return root
    return np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, i),
                                  pool_size=root.pool_size)


def _mc_part(recipe: tuple, token: str, seed: np.random.SeedSequence, m: int) -> np.ndarray:
    """One partition of a Monte Carlo run: ``m`` draws from ``seed`` of every varied
    parameter (sorted by name), then the results; a (varied + results) x m array."""
    bom, overrides, dist, varied, results = recipe

    def build():
        compiled, given, _, _ = _prepared(bom, overrides)
        return compiled, given

    compiled, given = built(token, build)
    rng = np.random.default_rng(seed)
    drawn: dict[str, Any] = {}
    for k in sorted(dist):   # a point costs no random draw and no array
        d = dist[k]
        drawn[k] = d.sample(rng, m) if d.kind != "point" else float(d.args[0])
    block = np.empty((len(varied) + len(results), m))
    for i, k in enumerate(varied):
        block[i] = drawn[k]
    # every draw checked against the registry once, not in every sub-block
    check_parameters(compiled, resolve(compiled, {**given, **drawn}))
    for a in range(0, m, SUB_BLOCK):   # in cache-sized sub-blocks, as lca.sweep
        b = min(m, a + SUB_BLOCK)
        over = {**given, **{k: (v[a:b] if isinstance(v, np.ndarray) else v)
                            for k, v in drawn.items()}}
        cols = evaluate(compiled, resolve(compiled, over), b - a, check=())
        for i, name in enumerate(results):
            block[len(varied) + i, a:b] = cols[name]
    return block


def monte_carlo(bom: "Bom | str | Path", n: int = 10_000, seed: Any = None, *,
                dists: Mapping[str, Any] | None = None, factors: bool = True,
                vary: str = "all", engine: str = "pandas", scheduler: str | None = None,
                chunk_size: int = MC_PARTITION, **overrides: Any) -> MonteCarlo:
    """Propagate the ranges of the inputs to the results by random sampling.

    By default (``vary="all"``) every uncertain input is drawn: each factor parameter of
    the method from its figure's distribution (triangular on min / value / max unless the
    figure names another; a point where the figure has no range), and the usage inputs
    (grid intensity, PUE, lifetime, utilization or time shares, powers) triangular over
    the sourced ranges of :func:`usage_distributions`. ``vary="factors"`` or ``"usage"``
    restricts the draws to one group, ``"none"`` (or ``factors=False``, kept for older
    callers) to ``dists`` alone. ``dists`` adds or replaces distributions of any parameter
    (``{"grid": ("uniform", 0.1, 0.5), "lifetime": ("triangular", 3, 5, 7)}``; numbers
    may carry units). An input the caller overrides is held at its value. ``overrides``
    set the base case as in :func:`lca.assess`. Reproducible: the same ``seed`` gives the
    same samples (numpy ``default_rng``; the parameters are drawn in sorted name order).

    The draws are made in partitions of ``chunk_size`` samples (default 1,000,000), each
    from its own stream (:func:`partition_seed`): the first partition from ``seed``
    itself, so a run of up to ``chunk_size`` samples draws exactly what
    ``default_rng(seed)`` draws. ``engine="dask"`` computes the partitions as Dask tasks on
    ``scheduler`` (a ``distributed`` scheduler address) or on Dask's default scheduler;
    the samples are identical to ``engine="pandas"`` for the same seed and chunk_size.

    Every distribution is checked against the registry's bounds of its parameter
    (:func:`bounded`): one whose support reaches outside them (point, uniform, triangular,
    choice) is refused; a normal or lognormal one is truncated to them and listed in
    :attr:`MonteCarlo.truncated`. ``n`` (at most 1e9) and ``seed`` (a non-negative
    integer) are checked too, and a run whose samples would not fit in memory is refused
    before anything is drawn (``lca.registry.check_memory``).
    """
    check_engine(engine, scheduler)
    registry.check_one("monte_carlo.n", n)
    registry.check_one("sweep.points", chunk_size)
    chunk_size = int(chunk_size)
    n = int(n)
    if vary not in VARY_CHOICES:
        raise ParameterError(f"vary: expected one of {', '.join(VARY_CHOICES)}, got {vary!r}",
                             parameter="vary", value=vary)
    if not factors:
        vary = "none"
    if seed is not None and not isinstance(seed, np.random.SeedSequence):
        registry.check_one("monte_carlo.seed", seed)
        seed = int(seed)
    compiled, given, _, params = _prepared(bom, overrides)
    dist: dict[str, Distribution] = {}
    sources: dict[str, str] = {}
    if vary in ("all", "factors"):
        dist.update(factor_distributions(compiled))
        figs = _factor_figures(compiled)
        sources.update({k: figs[k].source for k in dist})
    if vary in ("all", "usage"):
        # an override holds the input at its value; a region override chooses the
        # country whose grid range is drawn (its value is only the range's mode)
        held = set(given) - ({"grid"} if overrides.get(REGION) is not None else set())
        for key, (d, src) in usage_distributions(bom, **overrides).items():
            if key in held:
                continue
            dist[key], sources[key] = d, src
    if dists is not None and not isinstance(dists, Mapping):
        raise ParameterError(f"dists: expected a mapping of parameter names to distributions, "
                             f"got {type(dists).__name__}")
    for name, spec in (dists or {}).items():
        key = ALIASES.get(name, name)
        if key not in compiled.params:
            resolve(compiled, {key: 0.0})  # raises the unknown-parameter error
        dist[key] = _distribution(compiled, key, spec)
        sources[key] = "given"
    n_varied = sum(1 for d in dist.values() if d.kind != "point")
    n_results = len(evaluate(compiled, resolve(compiled, dict(given)), 1))
    registry.check_memory(n * (n_varied + n_results) * 2, f"{n:,} Monte Carlo samples",
                          "take fewer samples (-n) or run several seeds and combine them")
    varied = [k for k in sorted(dist) if dist[k].kind != "point"]
    results = list(evaluate(compiled, resolve(compiled, dict(given)), 1))
    # seed None: fresh entropy, drawn once here so that every partition shares it
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    recipe = (bom if isinstance(bom, Bom) else load_bom(bom), dict(overrides), dist,
              varied, results)
    token = uuid.uuid4().hex
    _BUILT[token] = compiled, given   # this process has compiled it already
    calls = [(recipe, token, partition_seed(root, i), b - a)
             for i, (a, b) in enumerate(ranges(n, chunk_size))]
    parts = list(run_ordered(_mc_part, calls, engine, scheduler))
    _BUILT.pop(token, None)
    block = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)
    samples = pd.DataFrame(block.T, columns=[*varied, *results], copy=False)
    return MonteCarlo(samples=samples, summary=summarise(samples, results),
                      distributions=dist, n=n, seed=seed,
                      base={k: float(np.asarray(v)) for k, v in params.items()},
                      vary=vary, sources=sources, compiled=compiled)
