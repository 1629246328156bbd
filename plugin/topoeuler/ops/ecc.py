"""Exact Euler characteristic curves of images and volumes (SPEC section 1)."""
from __future__ import annotations

import math

import torch

from topoeuler._backend import backend_for, compiled
from topoeuler.ops import reference
from topoeuler.ops._checks import as_real, check_construction, check_ndim
from topoeuler.ops.thresholds import resolve_thresholds, threshold_rows


def finite_range(x: torch.Tensor, name: str = "x") -> tuple[float, float]:
    """(min, max) of the finite values of ``x``; ValueError when there are none."""
    if x.numel():
        lo, hi = (float(v) for v in torch.aminmax(x))
        if math.isfinite(lo) and math.isfinite(hi):  # the common case: one pass, no copy
            return lo, hi
    finite = x[torch.isfinite(x)]
    if finite.numel() == 0:
        raise ValueError(f"{name} has no finite values to span the thresholds; pass a thresholds tensor")
    return float(finite.min()), float(finite.max())


def as_grids(x: torch.Tensor, ndim: int) -> torch.Tensor:
    """``x [..., *grid]`` as the kernels' contiguous ``[B, depth, H, W]`` (depth 1 in 2D)."""
    grid = x.shape[-ndim:]
    return x.reshape(-1, *((1,) * (3 - ndim)), *grid).contiguous()


def ecc(x: torch.Tensor, thresholds: int | torch.Tensor = 64, *, ndim: int = 2, construction: str = "V",
        superlevel: bool = False) -> torch.Tensor:
    """Exact Euler characteristic curves of a batch of 2D/3D grids.

    Args:
        x: ``[..., H, W]`` (``ndim=2``) or ``[..., D, H, W]`` (``ndim=3``); the last ``ndim`` axes
            are the grid, leading axes (batch, channels) are kept. Any real dtype; values are
            compared in float64 (float32/16 and integers up to 2**53 convert exactly). ``+inf``
            pixels never enter, ``-inf`` enter at every threshold, NaN is an error.
        thresholds: a count ``T`` (evenly spaced from the finite min to the finite max of the
            whole input, both included) or a sorted 1-D tensor ``[T]``.
        ndim: 2 or 3.
        construction: ``"V"`` (pixels are vertices, cells take the max of their vertices,
            4/6-connectivity) or ``"T"`` (pixels are top cells, lower cells take the min of the
            top cells containing them, 8/26-connectivity).
        superlevel: count the cells of value ``>= t`` instead (V: the min of the vertices;
            T: the max of the top cells), i.e. the sublevel ECC of ``-x`` at ``-t``.

    Returns:
        int64 ``x.shape[:-ndim] + (T,)``: ``ECC(t_k) = sum over cells c with value(c) <= t_k of
        (-1)^dim(c)``. Ties need no rule: a cell is counted from the first threshold ``>=`` its value.
    """
    # uint8/bool grids go to the kernels as bytes (no float64 copy); other dtypes as float32/64.
    byte_grid = isinstance(x, torch.Tensor) and x.dtype in (torch.uint8, torch.bool)
    x = x.to(torch.uint8) if byte_grid else as_real("x", x, allow_inf=True)
    check_ndim(ndim, x)
    t_construction = check_construction(construction)
    if not isinstance(superlevel, bool):
        raise TypeError(f"superlevel must be a bool, got {type(superlevel).__name__}")
    lo_hi = finite_range(x) if isinstance(thresholds, int) and not isinstance(thresholds, bool) else (0.0, 0.0)
    t = resolve_thresholds(thresholds, *lo_hi, like=x, like_name="x")
    if superlevel:  # value >= t  <=>  -value <= -t (bytes: 255 - value <= 255 - t), on reversed thresholds
        x, t = (255 - x, 255 - t.flip(0)) if byte_grid else (-x, -t.flip(0))
    lead, count = x.shape[:-ndim], t.shape[0]
    curve = _sublevel_curves(x, t, ndim, construction, t_construction)
    if superlevel:
        curve = curve.flip(-1)
    return curve.reshape(*lead, count)


def _sublevel_curves(x: torch.Tensor, t: torch.Tensor, ndim: int, construction: str, t_construction: bool) -> torch.Tensor:
    """ECC ``[B, T]`` of the grids of ``x`` at float64 thresholds ``t [T]``, on the active backend."""
    backend_for(x.device)
    kernels = compiled()
    if kernels is None:
        x = x.to(torch.float64) if x.dtype == torch.uint8 else x
        return reference.ecc_reference(x, t, ndim=ndim, construction=construction).reshape(-1, t.shape[0])
    return kernels.ecc_curves(as_grids(x, ndim), ndim, t_construction, *threshold_rows(t, 1))
