"""lca: life-cycle carbon of AI compute hardware.

Python API::

    import lca
    a = lca.assess("clemm2024-cpu")            # a shipped BOM, a path, or a Bom
    a.total_per_year                             # pint Quantity, kgCO2e/year
    lca.assess("clemm2024-cpu", lifetime=3, grid=0.05).to_dict()
"""

from .assessment import Assessment, assess, parameters
from .bom import Bom, json_schema, load_bom
from .errors import (BomError, DataError, LcaError, ParameterError, UnitError, UnknownBomError,
                     UnknownDeviceError, UnknownMethodError, UnknownRegionError)
from .units import ureg
from .methods import EmbodiedRange, compare_methods, embodied_range
from .accelerator import (accelerator_embodied, apply_levers, infer, kernel, reported_savings,
                          train)
from . import whatif
from .whatif import iter_sweep, monte_carlo, sensitivity, sweep

__version__ = "0.1.0"

__all__ = [
    "Assessment", "assess", "parameters", "Bom", "load_bom", "json_schema", "ureg",
    "LcaError", "BomError", "UnitError", "UnknownBomError", "UnknownRegionError",
    "UnknownMethodError", "UnknownDeviceError", "ParameterError", "DataError",
    "compare_methods", "embodied_range", "EmbodiedRange",
    "kernel", "train", "infer", "accelerator_embodied", "apply_levers", "reported_savings",
    "whatif", "sweep", "iter_sweep", "monte_carlo", "sensitivity",
]

# Spreadsheets and reports: lca.excel.write_workbook, lca.report.build_report and
# Assessment.to_excel (imported on use, so that `import lca` does not load openpyxl or
# matplotlib).
from .errors import NonFiniteError, OutputError, OverwriteError  # noqa: E402

__all__ += ["OverwriteError", "OutputError", "NonFiniteError"]
