"""Embodied (manufacturing) carbon methods, one module per published method.

Each method module provides three functions used by ``lca.model.compile_bom``:

``options(bom) -> dict``
    The method's options for this BOM (with its defaults said out loud).
``factor_parameters(options) -> dict[str, Figure]``
    The factors it uses, as parameters ``factors.<method>.<name>`` (so sweeps and Monte
    Carlo can vary them), each a sourced figure from ``data/factors/<method>.yaml``.
``term(spec, options) -> ComponentTerm``
    How it costs one component: a vectorized function of the parameters, or the reason
    it cannot (reported as *uncovered*, never counted as zero silently).

Shared rules live here: a component's own ``factor:`` overrides any method's factor, and
an ``item`` with a ``carbon:`` figure is counted as given by every method.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from ..errors import UnknownMethodError
from ..model import ComponentSpec, ComponentTerm

#: Method name -> module (imported lazily). composite is the default method: every part
#: from its best published source (lca.embodied.composite).
METHODS: dict[str, str] = {
    "composite": "lca.embodied.composite",
    "clemm2024": "lca.embodied.clemm2024",
    "act2022": "lca.embodied.act2022",
    "boavizta": "lca.embodied.boavizta",
    "llmcarbon2024": "lca.embodied.llmcarbon2024",
}
DEFAULT_METHOD = "composite"


def get_method(name: str) -> ModuleType:
    try:
        return import_module(METHODS[name])
    except (KeyError, TypeError):
        raise UnknownMethodError(
            f"unknown method {name!r}: expected one of {', '.join(METHODS)}") from None


def _p(params, key):
    return params[key]


def amount(spec: ComponentSpec, basis: str):
    """A function of the parameters giving the component's total amount on ``basis``
    (area [cm^2], capacity [GB], mass [kg] or unit count) including ``count``, or None
    when the BOM does not give it."""
    n = spec.key("count")
    if basis == "unit":
        return lambda P: P[n]
    if basis == "area":
        if spec.has("area"):
            a = spec.key("area")
            return lambda P: P[n] * P[a]
        if spec.has("dies") and spec.has("die_area"):
            d, da = spec.key("dies"), spec.key("die_area")
            return lambda P: P[n] * P[d] * P[da]
        if spec.has("capacity") and spec.has("density"):
            c, de = spec.key("capacity"), spec.key("density")
            return lambda P: P[n] * P[c] / P[de]
        return None
    if basis in ("capacity", "mass"):
        if spec.has(basis):
            k = spec.key(basis)
            return lambda P: P[n] * P[k]
        return None
    raise ValueError(basis)


def common_term(spec: ComponentSpec) -> ComponentTerm | None:
    """The rules every method shares: a component's own factor, an item's given carbon."""
    if spec.factor_basis is not None:
        size = amount(spec, spec.factor_basis)
        f = spec.key("factor")
        if size is None:
            return ComponentTerm(None, reason=f"factor is per {spec.factor_basis} but the "
                                 f"component gives no {spec.factor_basis}")
        return ComponentTerm(lambda P: size(P) * P[f], basis=f"{spec.factor_basis} x own factor")
    if spec.type == "item" and spec.has("carbon"):
        n, c = spec.key("count"), spec.key("carbon")
        return ComponentTerm(lambda P: P[n] * P[c], basis="carbon given in the BOM")
    return None


__all__ = ["METHODS", "DEFAULT_METHOD", "get_method", "amount", "common_term"]
