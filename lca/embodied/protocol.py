"""The embodied-method protocol: what the model hands a method (a ComponentSpec per
component), what a method hands back (a ComponentTerm), and what a method module provides
(:class:`EmbodiedMethod`). Shared rules of every method: ``amount`` and ``common_term``.

This module imports neither ``lca.bom`` nor ``lca.model``: the model and every method
import it, so the dependency runs one way (model -> embodied.<method> -> protocol).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping, Protocol

if TYPE_CHECKING:
    from ..data import Figure


@dataclass(frozen=True)
class ComponentSpec:
    """The structural (non-numeric) description of one component."""

    name: str
    type: str
    role: str | None = None
    technology: str | None = None
    node: str | None = None
    category: str | None = None
    material: str | None = None
    factor_basis: str | None = None   # basis of a user's factor override, if any
    device: str | None = None
    fields: tuple[str, ...] = ()      # which numeric fields the BOM gives
    part_of: str | None = None        # the component this one is physically part of

    def has(self, name: str) -> bool:
        return name in self.fields

    def key(self, name: str) -> str:
        return f"components.{self.name}.{name}"


@dataclass(frozen=True)
class ComponentTerm:
    """How a method costs one component: a function of the parameters, or why not."""

    evaluate: Callable[[Mapping[str, Any]], Any] | None
    basis: str = ""               # e.g. "area x processor_die factor"
    factor_keys: tuple[str, ...] = ()   # parameters the term reads that are method factors
    reason: str | None = None     # why the method cannot cover the component
    note: str | None = None       # e.g. a stand-in technology
    #: Evaluators of the other impact categories (adpe, pe, water) where the method has
    #: factors for them; a category missing here is not covered for this component.
    impacts: Mapping[str, Callable[[Mapping[str, Any]], Any]] = field(default_factory=dict)

    def evaluator(self, category: str) -> Callable[[Mapping[str, Any]], Any] | None:
        """The evaluator of ``category`` (gwp: :attr:`evaluate`), or None."""
        return self.evaluate if category == "gwp" else self.impacts.get(category)


class EmbodiedMethod(Protocol):
    """What a method module (``lca.embodied.<name>``) provides to ``lca.model.compile_bom``.

    ``NAME``: the method's name, as in ``data/factors/<NAME>.yaml``.
    ``options(bom)``: the method's options for this BOM (defaults said out loud in
    ``options["notes"]``). ``factor_parameters(options)``: the factors it uses, as
    parameters ``factors.<NAME>.<key>`` -> sourced figures (so sweeps and Monte Carlo vary
    them; checked against the registry when a BOM is compiled). ``term(spec, options)``:
    how it costs one component, or why it cannot.
    """

    NAME: str

    def options(self, bom: Any) -> dict[str, Any]: ...

    def factor_parameters(self, options: dict[str, Any]) -> dict[str, "Figure"]: ...

    def term(self, spec: ComponentSpec, options: dict[str, Any]) -> ComponentTerm: ...


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


__all__ = ["ComponentSpec", "ComponentTerm", "EmbodiedMethod", "amount", "common_term"]
