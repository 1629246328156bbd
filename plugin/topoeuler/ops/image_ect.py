"""Exact Euler characteristic transform of images and volumes (``docs/definitions.md`` section 2)."""
from __future__ import annotations

import math

import torch

from topoeuler._backend import backend_for
from topoeuler.ops import _library, reference
from topoeuler.ops._checks import (as_real, check_construction, check_directions, check_ndim, check_validate,
                                   positive_number, same_device)
from topoeuler.ops._common import as_grids
from topoeuler.ops.thresholds import resolve_thresholds, threshold_rows


def foreground_mask(x: torch.Tensor, foreground) -> torch.Tensor:
    """Boolean mask of ``x``'s shape: ``x > foreground`` for a number, or the given boolean tensor."""
    if isinstance(foreground, torch.Tensor):
        same_device("x", x, foreground=foreground)
        if foreground.dtype != torch.bool or foreground.shape != x.shape:
            raise ValueError(f"foreground must be a number or a bool tensor of x's shape {tuple(x.shape)}, "
                             f"got {foreground.dtype} {tuple(foreground.shape)}")
        return foreground
    if isinstance(foreground, bool) or not isinstance(foreground, (int, float)) or math.isnan(foreground):
        raise ValueError(f"foreground must be a number or a bool tensor, got {foreground!r}")
    return x > foreground


def image_ect(x: torch.Tensor, directions: torch.Tensor, thresholds: int | torch.Tensor = 64, *, ndim: int = 2,
              foreground: float | torch.Tensor = 0.0, construction: str = "V", radius: float | None = None,
              validate: bool = True) -> torch.Tensor:
    """Exact ECT of the cubical complexes of the foreground pixels/voxels of a batch of grids.

    Pixel ``i`` of an axis of ``n`` pixels sits at coordinate ``i * (2/(n-1)) - 1`` (so the grid
    spans ``[-1, 1]`` on every axis; axis order (depth,) height, width). For a direction ``v``,
    a foreground pixel has height ``<p, v>`` (float64, summed in axis order) and a background
    pixel ``+inf``; the result is the ECC (:func:`topoeuler.ecc`) of those heights.

    Args:
        x: ``[..., H, W]`` or ``[..., D, H, W]`` (``ndim=3``).
        directions: ``[D, ndim]`` (rows as given; zero rows are an error).
        thresholds: a count ``T`` (evenly spaced on ``[-r, r]``, ``r = radius`` or ``sqrt(ndim)``,
            the grid's circumradius), a sorted ``[T]`` tensor, or ``[D, T]``.
        foreground: pixels with ``x > foreground`` (a number), or a bool mask of ``x``'s shape.
        construction: ``"V"`` or ``"T"``, as in :func:`topoeuler.ecc`.
        radius: the range of a count of thresholds (default ``sqrt(ndim)``, the same for every grid).
        validate: check values (NaN, sortedness, zero directions; reads them back to the host);
            False skips those checks.

    Returns:
        int64 ``x.shape[:-ndim] + (D, T)``.
    """
    validate = check_validate(validate)
    x = as_real("x", x, allow_inf=True, validate=validate)
    check_ndim(ndim, x)
    t_construction = check_construction(construction)
    mask = foreground_mask(x, foreground)
    v = check_directions(directions, ndim, x, "x", validate)
    r = positive_number("radius", radius) if radius is not None else math.sqrt(ndim)
    t = resolve_thresholds(thresholds, (-r, r), x, "x", rows=v.shape[0], span_name="radius", validate=validate)
    lead, count = x.shape[:-ndim], t.shape[-1]
    values, origin, inv_step = threshold_rows(t, v.shape[0])
    if backend_for(x.device) == "reference":
        curves = reference.image_ect_reference(mask, v, values, ndim=ndim, construction=construction)
    else:
        grids = as_grids(mask.to(torch.uint8), ndim)
        curves = _library.image_ect_histogram(grids, ndim, v, t_construction, values, origin, inv_step).cumsum(dim=2)
    return curves.reshape(*lead, v.shape[0], count)
