"""What every topoeuler transform shares: keyword-only construction (TopoBench's YAML keys
included), the kernels' definition version, a copy of the input, and a ``__repr__``."""
from __future__ import annotations

import torch
from torch_geometric.transforms import BaseTransform

# Version of the definitions the transforms compute (SPEC sections 1-2: heights, "<=" thresholds,
# simplex max, the threshold grids below). TopoBench caches preprocessed data by a hash of the
# transform's parameters alone, so this number is a parameter: bump it whenever an output changes.
KERNEL_VERSION = 1

_DTYPES = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64}


class EulerTransform(BaseTransform):
    """Base of topoeuler's transforms.

    Subclasses call ``super().__init__(version, transform_name, transform_type)`` and set their
    parameters as attributes named like their arguments; ``__repr__`` lists them.
    ``transform_name`` and ``transform_type`` are the keys TopoBench passes from its YAML files;
    they are checked (the name must be the class's) and otherwise ignored.
    ``transform(data)`` never changes ``data``: PyG's ``BaseTransform.__call__`` hands ``forward``
    a shallow copy, on which the transforms only set fields (no tensor is changed in place).
    """

    params: tuple[str, ...] = ()

    def __init__(self, version: int = KERNEL_VERSION, transform_name: str | None = None,
                 transform_type: str | None = None):
        if version != KERNEL_VERSION:
            raise ValueError(f"version={version!r}: this topoeuler computes definition version {KERNEL_VERSION} "
                             "(a cached dataset made with another version must be preprocessed again)")
        if transform_name is not None and transform_name != type(self).__name__:
            raise ValueError(f"transform_name={transform_name!r} does not name {type(self).__name__}")
        self.version = version
        self.transform_name = type(self).__name__
        self.transform_type = transform_type

    def __repr__(self) -> str:
        args = ", ".join(f"{name}={getattr(self, name)!r}" for name in (*self.params, "version"))
        return f"{type(self).__name__}({args})"


def output_dtype(dtype: str) -> torch.dtype:
    """The torch dtype named by ``dtype`` ("float32", "float64" or "int64")."""
    if dtype not in _DTYPES:
        raise ValueError(f"dtype must be one of {sorted(_DTYPES)}, got {dtype!r}")
    return _DTYPES[dtype]


def positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


def threshold_grid(lo: float, hi: float, num: int) -> torch.Tensor:
    """The fixed float64 thresholds ``linspace(lo, hi, num)`` of a transform (never from the data)."""
    lo, hi = float(lo), float(hi)
    if not lo < hi:
        raise ValueError(f"the threshold range must have lo < hi, got ({lo}, {hi})")
    return torch.linspace(lo, hi, positive_int("num_thresholds", num), dtype=torch.float64)


def field(data, key: str, owner: str) -> torch.Tensor:
    """``data[key]``; a KeyError naming the transform and the key when it is missing."""
    value = getattr(data, key, None)
    if value is None:
        raise KeyError(f"{owner} reads data.{key}, which this sample does not have")
    return value


def grid_field(data, key: str, ndim: int, owner: str) -> torch.Tensor:
    """``data[key]`` as a grid ``[*grid]`` or channels x grid ``[C, *grid]`` of ``ndim`` axes;
    ValueError naming the transform and the key otherwise."""
    image = field(data, key, owner)
    if image.dim() not in (ndim, ndim + 1):
        raise ValueError(f"{owner}(ndim={ndim}): data.{key} must be a grid or channels x grid, "
                         f"got shape {tuple(image.shape)}")
    return image
