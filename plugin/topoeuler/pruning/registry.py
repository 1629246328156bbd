"""The registry of pruning methods: built-ins register themselves by name; third-party packages
add methods through the entry-point group ``topoeuler.pruners``.

A method is a :class:`PruningMethod`: a score function plus how it is run by default (number
of rounds, whether it needs data). Register a new one with the decorator::

    from topoeuler.pruning import register

    @register("weight_squared")
    def weight_squared(model, targets, batches, **options):
        return {t.key: t.tensor(model).detach() ** 2 for t in targets}

or ship it in a package that declares, in its ``pyproject.toml``::

    [project.entry-points."topoeuler.pruners"]
    weight_squared = "mypackage.pruners:weight_squared"

The entry point may point to a :class:`PruningMethod` or to a plain score function (then it is
single-shot and data-free). It is loaded the first time its name is asked for.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from topoeuler import plugins

ENTRY_POINT_GROUP = plugins.GROUPS["pruners"]


@dataclass(frozen=True)
class PruningMethod:
    """A pruning-at-initialization method.

    Attributes:
        name: the registry name.
        score: ``score(model, targets, batches, **options) -> {key: tensor}``. ``model`` is a
            private working copy (masks already multiplied into the weights, evaluation mode,
            the requested dtype) that the function may modify; ``targets`` is the list of
            :class:`~topoeuler.pruning.targets.Target` to score (their ``tensor`` lives in that
            copy); ``batches`` is a list of ``(inputs, targets)`` pairs (empty when no data
            was given). It returns one tensor of each target's shape, keyed by ``Target.key``;
            **higher means more important** (kept first), for every method.
        iterations: default number of scoring rounds in :func:`~topoeuler.pruning.prune`
            (100 for SynFlow-style methods, 1 for single-shot ones).
        needs_data: whether ``data`` is required.
        description: one line for listings.
    """

    name: str
    score: Callable
    iterations: int = 1
    needs_data: bool = False
    description: str = ""


_REGISTRY: dict[str, PruningMethod] = {}


def register(name: str, *, iterations: int = 1, needs_data: bool = False, description: str = ""):
    """Decorator registering a score function as the method ``name``; returns the :class:`PruningMethod`.

    Raises:
        ValueError: when ``name`` is already registered.
    """

    def decorate(score: Callable) -> PruningMethod:
        if name in _REGISTRY:
            raise ValueError(f"a pruning method named {name!r} is already registered")
        doc = (score.__doc__ or "").strip().splitlines()
        method = PruningMethod(name, score, iterations, needs_data, description or (doc[0] if doc else ""))
        _REGISTRY[name] = method
        return method

    return decorate


def _from_entry_point(name: str) -> PruningMethod | None:
    """Loads the entry point ``name`` of the group ``topoeuler.pruners``, if one is installed."""
    entry_point = plugins.available("pruners").get(name)
    if entry_point is None:
        return None
    obj = entry_point.load()
    if isinstance(obj, PruningMethod):
        method = obj if obj.name == name else PruningMethod(name, obj.score, obj.iterations, obj.needs_data, obj.description)
    elif callable(obj):
        method = PruningMethod(name, obj, description=f"from entry point {entry_point.value}")
    else:
        raise TypeError(
            f"entry point {name!r} of group {ENTRY_POINT_GROUP!r} ({entry_point.value}) is "
            f"neither a PruningMethod nor callable: {type(obj).__name__}"
        )
    _REGISTRY[name] = method
    return method


def get_method(method: str | PruningMethod) -> PruningMethod:
    """The :class:`PruningMethod` registered as ``method`` (a registered instance is returned as is).

    Looks in the registry first, then in the installed entry points of ``topoeuler.pruners``.

    Raises:
        ValueError: naming the argument ``method`` and listing the known names.
    """
    if isinstance(method, PruningMethod):
        return method
    if not isinstance(method, str):
        raise TypeError(f"method must be a name or a PruningMethod, got {type(method).__name__}")
    found = _REGISTRY.get(method) or _from_entry_point(method)
    if found is None:
        raise ValueError(f"unknown pruning method {method!r} (argument `method`); known: {available_methods()}")
    return found


def available_methods() -> list[str]:
    """Names of the registered methods and of the installed ``topoeuler.pruners`` entry points, sorted."""
    names = set(_REGISTRY)
    names.update(plugins.available("pruners"))
    return sorted(names)
