"""Entry-point discovery: topoeuler's own components and third-party ones, found the same way.

A package adds a component by declaring an entry point in one of these groups, e.g. in its
``pyproject.toml``::

    [project.entry-points."topoeuler.pruners"]
    my_method = "my_package.pruning:my_scores"

===========  =======================  ==========================================
kind         entry-point group        what the object is
===========  =======================  ==========================================
pruners      ``topoeuler.pruners``    a scoring function (see topoeuler.pruning)
layers       ``topoeuler.layers``     a ``torch.nn.Module`` class
transforms   ``topoeuler.transforms`` a PyG ``BaseTransform`` class
===========  =======================  ==========================================
"""
from __future__ import annotations

import importlib.metadata

GROUPS = {"pruners": "topoeuler.pruners", "layers": "topoeuler.layers", "transforms": "topoeuler.transforms"}


def available(kind: str) -> dict[str, importlib.metadata.EntryPoint]:
    """The entry points declared for ``kind`` by every installed package, by name."""
    if kind not in GROUPS:
        raise ValueError(f"kind must be one of {sorted(GROUPS)}, got {kind!r}")
    return {ep.name: ep for ep in importlib.metadata.entry_points(group=GROUPS[kind])}


def load(kind: str, name: str):
    """The object registered as ``name`` for ``kind``; KeyError listing the known names otherwise."""
    found = available(kind)
    if name not in found:
        raise KeyError(f"no {kind[:-1]} named {name!r}; installed: {sorted(found)}")
    return found[name].load()


def listing() -> dict[str, dict[str, str]]:
    """Every discovered component, ``{kind: {name: "package: module:attr"}}`` (not loaded)."""
    return {kind: {name: f"{ep.dist.name if ep.dist else '?'}: {ep.value}" for name, ep in sorted(available(kind).items())}
            for kind in GROUPS}
