"""TopoBench registration: topoeuler's transforms and readouts, usable by name with TopoBench unchanged.

TopoBench looks transforms up in the dict ``topobench.transforms.TRANSFORMS`` (through
``DataTransform(transform_name=..., **yaml)``) and readouts in
``topobench.nn.readouts.READOUT_CLASSES``, both filled by scanning its own folders. ``register()``
inserts topoeuler's entries (and those of third-party packages declared in the
``topoeuler.transforms`` entry-point group) into those dicts. Hydra calls it at start-up through
``hydra_plugins.topoeuler`` when TopoBench is importable, so ``python -m topobench ...
transforms=<a topoeuler config>`` works with topoeuler merely installed.
"""
from __future__ import annotations

READOUTS = ("ECTReadout", "SoftECTReadout")


def available() -> bool:
    """Whether TopoBench can be imported (checked without importing it)."""
    import importlib.util

    return importlib.util.find_spec("topobench") is not None


def register() -> dict[str, list[str]]:
    """Adds topoeuler's transforms and readouts to TopoBench's registries; idempotent.

    Returns the names now registered, ``{"transforms": [...], "readouts": [...]}``. An existing
    TopoBench entry of the same name that is another class is an error (ValueError), never
    silently replaced. ImportError (naming TopoBench) when TopoBench is not installed.
    """
    try:
        import topobench.nn.readouts as tb_readouts
        import topobench.transforms as tb_transforms
    except ImportError as error:
        raise ImportError(f"topoeuler.integrations.topobench.register() could not import TopoBench ({error}). "
                          "TopoBench is installed from a checkout of geometric-intelligence/TopoBench "
                          "(`pip install -e .`), with its dependencies (torch-scatter, torch-sparse, "
                          "torch-cluster)") from error
    from topoeuler import nn, plugins
    from topoeuler.transforms import TRANSFORMS

    transforms = dict(TRANSFORMS)
    transforms.update({name: ep.load() for name, ep in plugins.available("transforms").items()})
    readouts = {name: getattr(nn, name) for name in READOUTS}
    _insert(tb_transforms.TRANSFORMS, transforms, "topobench.transforms.TRANSFORMS")
    _insert(tb_readouts.READOUT_CLASSES, readouts, "topobench.nn.readouts.READOUT_CLASSES")
    for name, cls in readouts.items():  # configs name readouts as topobench.nn.readouts.<name>
        setattr(tb_readouts, name, cls)
    return {"transforms": sorted(transforms), "readouts": sorted(readouts)}


def _insert(registry: dict, entries: dict, where: str) -> None:
    for name, cls in entries.items():
        if registry.get(name, cls) is not cls:
            raise ValueError(f"{where} already has a different {name!r} ({registry[name].__module__})")
    registry.update(entries)
