"""Embodied (manufacturing) carbon methods, one module per published method.

Each method module provides what :class:`lca.embodied.protocol.EmbodiedMethod` lists
(the protocol lives in ``protocol.py``, which imports neither bom nor model, so the
dependency runs one way: model -> embodied -> protocol):

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

from ..errors import UnknownMethodError
from .protocol import ComponentSpec, ComponentTerm, EmbodiedMethod, amount, common_term

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


def get_method(name: str) -> EmbodiedMethod:
    """The module of method ``name`` (it provides what :class:`EmbodiedMethod` lists)."""
    try:
        module = import_module(METHODS[name])
    except (KeyError, TypeError):
        raise UnknownMethodError(
            f"unknown method {name!r}: expected one of {', '.join(METHODS)}") from None
    return module  # type: ignore[return-value]


__all__ = ["METHODS", "DEFAULT_METHOD", "get_method", "amount", "common_term", "ComponentSpec",
           "ComponentTerm", "EmbodiedMethod"]
