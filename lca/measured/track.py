"""``lca.track``: measure a run with CodeCarbon's offline tracker and report its complete
footprint (measured operational + the hardware's embodied share), as a context manager
or a decorator.

CodeCarbon does the measuring (RAPL, NVML or its power tables; no network with the
offline tracker); lca adds the rest through the same function as an imported
``emissions.csv`` (:func:`lca.measured.runs.compute`), so a tracked run and its CSV give
the same result. Needs the ``measure`` extra: ``pip install "lca[measure]"``.

Examples
--------
>>> with lca.track(hardware="dgx-h100", gpus=1, functional_units={"tokens": 2e6}) as run:
...     generate()                                   # doctest: +SKIP
>>> run.result.frame["total_kgco2e"]                 # doctest: +SKIP

>>> @lca.track(hardware="clemm2024-cpu", country="DEU")
... def job(): ...                                   # doctest: +SKIP
>>> job(); job.result                                # doctest: +SKIP
"""

from __future__ import annotations

import functools
import inspect
import logging
import time
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from .. import data
from ..errors import LcaError, ParameterError
from . import runs as runs_mod


def _tracker_class():
    try:
        from codecarbon import OfflineEmissionsTracker
    except ImportError:
        raise LcaError("measuring a run needs CodeCarbon: pip install \"lca[measure]\" "
                       "(or pip install codecarbon)") from None
    return OfflineEmissionsTracker


def iso3(region: str) -> str:
    """The ISO 3166-1 alpha-3 code CodeCarbon's offline tracker wants, from a country code
    lca knows (DE, DEU)."""
    table = data.grid_table()
    entry = data.grid_intensity(region)
    for key, value in table.items():
        if len(key) == 3 and key.isupper() and value is entry:
            return key
    raise ParameterError(f"country {region!r}: no ISO alpha-3 code known for it; give "
                         "country as a three-letter code (e.g. DEU)", parameter="country")


def accepts(cls: type, name: str) -> bool:
    """Whether a CodeCarbon tracker class (or a base class it passes keywords to) takes
    the keyword ``name`` (the keywords differ between codecarbon 2.x and 3.x)."""
    return any(name in inspect.signature(k.__dict__["__init__"]).parameters
               for k in cls.__mro__ if "__init__" in k.__dict__)


class track:
    """Measure the enclosed code (``with``) or every call of a function (decorator).

    Parameters
    ----------
    hardware : BOM file, shipped BOM name, Bom or Assessment the code runs on
    functional_units : mapping, optional
        Counts of the run: requests, tokens, images, training_tokens (also settable
        during the run with :meth:`count`).
    country : str, optional
        Where the machine is (DE or DEU), for CodeCarbon's own figure; default the BOM's
        region.
    output_dir : folder, optional
        Also write CodeCarbon's emissions.csv there (appended, as CodeCarbon does).
    gpus, share, lifetime, grid, region, grid_series, market_grid
        As in :func:`lca.measured.from_codecarbon`.
    tracker_options : mapping, optional
        Further keyword arguments for CodeCarbon's OfflineEmissionsTracker
        (e.g. ``measure_power_secs``, ``gpu_ids``, ``pue``).

    After the block (or each call), ``result`` holds the :class:`MeasuredRuns` (one run).
    """

    def __init__(self, hardware: Any, *, functional_units: Mapping[str, Any] | None = None,
                 country: str | None = None, output_dir: "str | Path | None" = None,
                 project_name: str = "lca", gpus: Any = None, share: Any = None,
                 lifetime: Any = None, grid: Any = None, region: str | None = None,
                 grid_series: Any = None, market_grid: Any = None,
                 tracker_options: Mapping[str, Any] | None = None):
        self.hardware = hardware
        self.counts = dict(functional_units or {})
        self.country = country
        self.output_dir = None if output_dir is None else Path(output_dir)
        self.project_name = project_name
        self.options = dict(gpus=gpus, share=share, lifetime=lifetime, grid=grid,
                            region=region, grid_series=grid_series, market_grid=market_grid)
        self.tracker_options = dict(tracker_options or {})
        self.result: runs_mod.MeasuredRuns | None = None
        self.emissions_data: Any = None
        self._tracker: Any = None
        self._started: float | None = None
        # check names and values now; a count may start at 0 and grow with count()
        runs_mod.functional_unit_counts({k: v for k, v in self.counts.items() if v != 0}, 1)

    # --- counts during the run ---------------------------------------------------------
    def count(self, **counts: Any) -> None:
        """Add to the functional-unit counts (``run.count(tokens=512)``)."""
        for key, value in counts.items():
            self.counts[key] = self.counts.get(key, 0) + value

    # --- context manager -----------------------------------------------------------------
    def _country_code(self) -> str:
        if self.country:
            return self.country.upper() if len(self.country) == 3 else iso3(self.country)
        from ..bom import load_bom

        hw = self.hardware
        bom = getattr(hw, "bom", None) or load_bom(hw)
        if bom.usage.region:
            return iso3(bom.usage.region)
        raise ParameterError("country: the hardware's BOM gives no region; give the country "
                             "(country=\"DEU\", or --country DEU) for CodeCarbon's offline tracker",
                             parameter="country")

    def _make_tracker(self) -> Any:
        cls = _tracker_class()
        kwargs: dict[str, Any] = dict(country_iso_code=self._country_code(),
                                      project_name=self.project_name, log_level="error")
        save = self.output_dir is not None
        if save:
            self.output_dir.mkdir(parents=True, exist_ok=True)
            kwargs["output_dir"] = str(self.output_dir)
        if accepts(cls, "output_methods"):
            kwargs["output_methods"] = "csv" if save else ""        # codecarbon 3.x
        else:
            kwargs["save_to_file"] = save                            # codecarbon 2.x
        if accepts(cls, "allow_multiple_runs"):
            kwargs["allow_multiple_runs"] = True
        kwargs.update(self.tracker_options)
        if kwargs["log_level"] == "error":   # CodeCarbon logs its start before applying it
            logging.getLogger("codecarbon").setLevel(logging.ERROR)
        return cls(**kwargs)

    def __enter__(self) -> "track":
        self._tracker = self._make_tracker()
        self._started = time.time()
        self._tracker.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        tracker, self._tracker = self._tracker, None
        tracker.stop()
        ended = time.time()
        d = tracker.final_emissions_data
        self.emissions_data = d
        self.result = from_emissions_data(d, hardware=self.hardware, start=self._started,
                                          end=ended, functional_units=self.counts,
                                          **self.options)

    # --- decorator -------------------------------------------------------------------------
    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            run = track(self.hardware, functional_units=self.counts, country=self.country,
                        output_dir=self.output_dir, project_name=self.project_name,
                        tracker_options=self.tracker_options, **self.options)
            with run:
                value = fn(*args, **kwargs)
            wrapper.result = run.result   # type: ignore[attr-defined]
            return value

        wrapper.result = None   # type: ignore[attr-defined]
        return wrapper


def from_emissions_data(d: Any, *, hardware: Any, start: float | None = None,
                        end: float | None = None, functional_units: Mapping[str, Any] | None = None,
                        **options: Any) -> runs_mod.MeasuredRuns:
    """The footprint of one run from CodeCarbon's EmissionsData (what a tracker's
    ``final_emissions_data`` holds, the same fields as a row of emissions.csv)."""
    num = {k: np.array([float(getattr(d, k, np.nan) if getattr(d, k, None) is not None
                              else np.nan)])
           for k in ("duration", "energy_consumed", "emissions", "cpu_energy", "gpu_energy",
                     "ram_energy", "pue", "water_consumed", "gpu_count")}
    text = {k: [str(getattr(d, k, "") or "")] for k in
            ("run_id", "project_name", "country_iso_code", "gpu_model", "cpu_model")}
    if not num["energy_consumed"][0] > 0:
        raise LcaError("CodeCarbon measured no energy for this run (too short to measure?)")
    ends = np.array([end if end is not None else np.nan])
    starts = np.array([start if start is not None else np.nan])
    return runs_mod.compute(num, text, np.array([1]), hardware=hardware, path="<tracked run>",
                            layout=f"codecarbon {getattr(d, 'codecarbon_version', '')} (tracked)",
                            starts=starts, ends=ends, functional_units=functional_units,
                            **options)


__all__ = ["track", "from_emissions_data", "iso3", "accepts"]
