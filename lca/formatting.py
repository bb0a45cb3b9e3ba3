"""Plain-text formatting shared by the CLI, the workbook and the report."""

from __future__ import annotations

import math
from collections.abc import Iterable


def fmt_number(value: float | None, digits: int = 1) -> str:
    """``value`` with thousands separators and ``digits`` decimals; '-' for None or NaN;
    three significant figures when it would otherwise print as zero."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if value != 0 and abs(value) < 10 ** -digits * 5:
        return f"{value:.3g}"
    return f"{value:,.{digits}f}"


def unique_labels(names: Iterable[str]) -> list[str]:
    """The names, with repeats told apart: ``a``, ``a (2)``, ``a (3)``."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out
