"""lca: life-cycle carbon of AI compute hardware.

Python API::

    import lca
    a = lca.assess("clemm2024-cpu")            # a shipped BOM, a path, or a Bom
    a.total_per_year                             # pint Quantity, kgCO2e/year
    lca.assess("clemm2024-cpu", lifetime=3, grid=0.05).to_dict()

``import lca`` is cheap: the names below are imported from their modules on first use
(PEP 562), so that a script or a CLI command loads pint, pandas, matplotlib, openpyxl or
the embodied methods only when it needs them.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .errors import (BomError, DataError, LcaError, MeasuredDataError, NonFiniteError,
                     OutputError, OverwriteError, ParameterError, UnitError, UnknownBomError,
                     UnknownDeviceError, UnknownMethodError, UnknownRegionError)

__version__ = "0.1.0"

#: Public name -> the module that defines it (imported on first use).
_LAZY: dict[str, str] = {
    "Assessment": "assessment", "assess": "assessment", "parameters": "assessment",
    "Bom": "bom", "load_bom": "bom", "json_schema": "bom",
    "ureg": "units",
    "EmbodiedRange": "methods", "compare_methods": "methods", "embodied_range": "methods",
    "accelerator_embodied": "accelerator", "apply_levers": "accelerator",
    "infer": "accelerator", "kernel": "accelerator", "reported_savings": "accelerator",
    "train": "accelerator",
    "iter_sweep": "whatif", "monte_carlo": "whatif", "sensitivity": "whatif",
    "sweep": "whatif",
    "track": "measured", "from_codecarbon": "measured",
}

__all__ = [
    "Assessment", "assess", "parameters", "Bom", "load_bom", "json_schema", "ureg",
    "LcaError", "BomError", "UnitError", "UnknownBomError", "UnknownRegionError",
    "UnknownMethodError", "UnknownDeviceError", "ParameterError", "DataError",
    "compare_methods", "embodied_range", "EmbodiedRange",
    "kernel", "train", "infer", "accelerator_embodied", "apply_levers", "reported_savings",
    "whatif", "sweep", "iter_sweep", "monte_carlo", "sensitivity", "OverwriteError",
    "OutputError", "NonFiniteError",
    "fleet", "measured", "track", "from_codecarbon", "MeasuredDataError",
]


def __getattr__(name: str) -> Any:
    """Import a public name (or a submodule such as ``lca.whatif``) on first use."""
    module = _LAZY.get(name)
    if module is None:
        try:
            value = import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    else:
        value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

# Spreadsheets and reports: lca.excel.write_workbook, lca.report.build_report and
# Assessment.to_excel. Fleets: lca.fleet(inventory, by=...) (the module lca.fleet is
# callable).
