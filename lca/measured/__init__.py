"""Measured runs: CodeCarbon imports and trackers, hourly grid series, SCI scores.

* :func:`from_codecarbon` - the complete footprint of the runs in CodeCarbon's
  emissions.csv (2.x and 3.x): measured energy, operational by CodeCarbon's figure and by
  lca's grid, the hardware's embodied share (duration / lifetime x resource share), total,
  per functional unit.
* :class:`track` - measure code with CodeCarbon's offline tracker (context manager or
  decorator) and get the same result.
* :mod:`.hourly` - hourly grid-intensity series (Electricity Maps, Ember layouts).
* :mod:`.sci` - Software Carbon Intensity, ISO/IEC 21031:2024.
"""

from . import hourly, sci
from .codecarbon import RowIssue, read_emissions_csv
from .hourly import GridSeries, read_grid_series
from .runs import UNITS, MeasuredRuns, compute, from_codecarbon
from .track import from_emissions_data, track

__all__ = ["from_codecarbon", "compute", "MeasuredRuns", "UNITS", "track",
           "from_emissions_data", "read_emissions_csv", "RowIssue", "GridSeries",
           "read_grid_series", "hourly", "sci"]
