"""Exact Euler characteristic curves of images and volumes (``docs/definitions.md`` section 1)."""
from __future__ import annotations

import torch

from topoeuler._backend import backend_for
from topoeuler.ops import _library, reference
from topoeuler.ops._checks import as_real, check_construction, check_ndim, check_validate
from topoeuler.ops._common import as_grids
from topoeuler.ops.thresholds import check_range, resolve_thresholds, threshold_rows


def ecc(x: torch.Tensor, thresholds: int | torch.Tensor = 64, *, ndim: int = 2, construction: str = "V",
        superlevel: bool = False, value_range: tuple[float, float] | None = None,
        validate: bool = True) -> torch.Tensor:
    """Exact Euler characteristic curves of a batch of 2D/3D grids.

    Args:
        x: ``[..., H, W]`` (``ndim=2``) or ``[..., D, H, W]`` (``ndim=3``); the last ``ndim`` axes
            are the grid, leading axes (batch, channels) are kept. Any real dtype; values are
            compared in float64 (float32/16 and integers up to 2**53 convert exactly). ``+inf``
            pixels never enter, ``-inf`` enter at every threshold, NaN is an error.
        thresholds: a count ``T`` (evenly spaced on ``value_range``, both ends included) or a
            sorted 1-D tensor ``[T]``.
        ndim: 2 or 3.
        construction: ``"V"`` (pixels are vertices, cells take the max of their vertices,
            4/6-connectivity) or ``"T"`` (pixels are top cells, lower cells take the min of the
            top cells containing them, 8/26-connectivity).
        superlevel: count the cells of value ``>= t`` instead (V: the min of the vertices;
            T: the max of the top cells), i.e. the sublevel ECC of ``-x`` at ``-t``.
        value_range: ``(lo, hi)`` of a count of thresholds (required with one: the same
            thresholds for every sample, whatever its batch).
        validate: check values (NaN, sortedness; reads them back to the host); False skips
            those checks, e.g. on CUDA in a training loop.

    Returns:
        int64 ``x.shape[:-ndim] + (T,)``: ``ECC(t_k) = sum over cells c with value(c) <= t_k of
        (-1)^dim(c)``. Ties need no rule: a cell is counted from the first threshold ``>=`` its value.
    """
    validate = check_validate(validate)
    # uint8/bool grids go to the kernels as bytes (no float64 copy); other dtypes as float32/64.
    byte_grid = isinstance(x, torch.Tensor) and x.dtype in (torch.uint8, torch.bool)
    x = x.to(torch.uint8) if byte_grid else as_real("x", x, allow_inf=True, validate=validate)
    check_ndim(ndim, x)
    t_construction = check_construction(construction)
    if not isinstance(superlevel, bool):
        raise TypeError(f"superlevel must be a bool, got {type(superlevel).__name__}")
    span = None if value_range is None else check_range("value_range", value_range)
    t = resolve_thresholds(thresholds, span, x, "x", validate=validate)
    if superlevel:  # value >= t  <=>  -value <= -t (bytes: 255 - value <= 255 - t), on reversed thresholds
        x, t = (255 - x, 255 - t.flip(0)) if byte_grid else (-x, -t.flip(0))
    lead, count = x.shape[:-ndim], t.shape[0]
    curve = _sublevel_curves(x, t, ndim, construction, t_construction)
    if superlevel:
        curve = curve.flip(-1)
    return curve.reshape(*lead, count)


def _sublevel_curves(x: torch.Tensor, t: torch.Tensor, ndim: int, construction: str, t_construction: bool) -> torch.Tensor:
    """ECC ``[B, T]`` of the grids of ``x`` at float64 thresholds ``t [T]``, on the active backend."""
    if backend_for(x.device) == "reference":
        x = x.to(torch.float64) if x.dtype == torch.uint8 else x
        return reference.ecc_reference(x, t, ndim=ndim, construction=construction).reshape(-1, t.shape[0])
    return _library.ecc_curves(as_grids(x, ndim), ndim, t_construction, *threshold_rows(t, 1))
