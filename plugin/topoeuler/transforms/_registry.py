"""The registry of topoeuler's transforms: ``TRANSFORMS`` (class name -> class) and ``register``."""
from __future__ import annotations

TRANSFORMS: dict[str, type] = {}


def register(cls: type) -> type:
    """Class decorator: adds ``cls`` to ``TRANSFORMS`` under its class name (TopoBench's key).

    A second, different class under a name already taken is an error (ValueError); registering
    the same class again is a no-op.
    """
    name = cls.__name__
    if TRANSFORMS.get(name, cls) is not cls:
        raise ValueError(f"a transform named {name!r} is already registered ({TRANSFORMS[name].__module__})")
    TRANSFORMS[name] = cls
    return cls
