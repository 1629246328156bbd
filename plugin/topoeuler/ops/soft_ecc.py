"""Soft (differentiable) Euler characteristic curves of images and volumes (``docs/definitions.md`` section 3),
with the learnable single-direction height of arXiv:2510.20271, on fused windowed kernels."""
from __future__ import annotations

import torch

from topoeuler._backend import backend_for
from topoeuler.ops import _library, reference
from topoeuler.ops._checks import as_real, check_construction, check_ndim, check_validate, same_device
from topoeuler.ops._common import as_grids
from topoeuler.ops._soft_common import check_scale, check_z_max, result_dtype, scaled, sort_thresholds, with_grad
from topoeuler.ops.thresholds import check_range, even_steps, resolve_thresholds


def soft_ecc(x: torch.Tensor, thresholds: int | torch.Tensor = 64, *, ndim: int = 2, construction: str = "V",
             scale: float | torch.Tensor = 50.0, direction: torch.Tensor | None = None,
             alpha: float | torch.Tensor | None = None, z_max: float | None = None,
             value_range: tuple[float, float] | None = None, validate: bool = True) -> torch.Tensor:
    """Soft Euler characteristic curves ``x.shape[:-ndim] + (T,)``, differentiable in ``x``,
    ``thresholds``, ``direction``, ``alpha`` and a tensor ``scale``.

    ``ECC_s(t) = sum over cells c of (-1)^dim(c) sigmoid(scale * (t - f(c)))`` over the cubical
    complex of :func:`topoeuler.ecc` (V: a cell takes the max of its pixels; T: the min of its top
    cells), computed as ``sum_p c(p) sigmoid(scale * (t - f(p)))`` with the exact kernel's integer
    charging weights ``c(p)``. With ``direction`` ``u [ndim]`` the pixel values are shifted by a
    linear height (arXiv:2510.20271): ``f(p) = x(p) + alpha * <u, p>`` (``alpha`` defaults to 1;
    coordinates as in :func:`topoeuler.image_ect`, spanning [-1, 1]; ``u`` used as given).

    Args:
        x: ``[..., H, W]`` or ``[..., D, H, W]`` (``ndim=3``); float32/float64 (others converted).
            ``+inf`` never enters, ``-inf`` enters at every threshold, NaN is an error.
        thresholds: a count ``T`` (evenly spaced on ``value_range``, required with a count; not
            differentiable) or a tensor ``[T]`` in any order (entry k is the soft count at ``t[k]``).
        scale: ``s > 0``: a float or a one-element tensor (learnable).
        z_max: saturation bound (default 17 for a float32 result, 37 for float64; ``math.inf``: dense).
        value_range: ``(lo, hi)`` of a count of thresholds (the same for every sample).
        validate: check values (NaN, scale; reads them back to the host); False skips those checks.

    Returns:
        float ``x.shape[:-ndim] + (T,)``, float64 when any floating input is float64.

    Ties: the gradient of a cell whose value is attained by several pixels goes entirely to the
    pixel that the charging identity assigns it to (V: the last of them in raster order; T: the
    first), not split evenly; the soft value itself does not depend on the choice. Second
    derivatives (double backward) raise NotImplementedError.
    """
    validate = check_validate(validate)
    dtype = result_dtype(x, thresholds, direction, alpha)
    x = with_grad(as_real("x", x, allow_inf=True, validate=validate), x)
    check_ndim(ndim, x)
    t_construction = check_construction(construction)
    scale = check_scale(scale, validate)
    z_max = check_z_max(z_max, dtype)
    f = x.to(dtype) if x.dtype != dtype else x
    if direction is not None or alpha is not None:
        if direction is None:
            raise ValueError("alpha needs a direction u: the height is alpha * <u, p>")
        same_device("x", x, direction=direction, alpha=alpha)
        u = with_grad(as_real("direction", direction, allow_inf=False, validate=validate), direction)
        if u.shape != (ndim,):
            raise ValueError(f"direction must be [{ndim}], got shape {tuple(u.shape)}")
        height = reference.grid_heights(tuple(x.shape[-ndim:]), u.to(torch.float64)).to(dtype)
        if alpha is not None:
            if isinstance(alpha, bool) or not isinstance(alpha, (int, float, torch.Tensor)):
                raise TypeError(f"alpha must be a number or a one-element tensor, got {type(alpha).__name__}")
            a = alpha if isinstance(alpha, torch.Tensor) else torch.tensor(float(alpha), dtype=dtype, device=x.device)
            a = with_grad(as_real("alpha", a, allow_inf=False, validate=validate), a)
            if a.numel() != 1:
                raise ValueError(f"alpha must be a number or a one-element tensor, got shape {tuple(a.shape)}")
            height = a.reshape(()).to(dtype) * height
        f = f + height
    if not isinstance(thresholds, torch.Tensor):  # a count: as in ecc(), not differentiable
        span = None if value_range is None else check_range("value_range", value_range)
        t = resolve_thresholds(thresholds, span, x, "x")
    else:
        same_device("x", x, thresholds=thresholds)
        t = with_grad(as_real("thresholds", thresholds, allow_inf=False, validate=validate), thresholds)
        if t.dim() != 1 or t.shape[0] == 0:
            raise ValueError(f"thresholds must be [T] with T >= 1, got shape {tuple(t.shape)}")
        t = t.to(torch.float64)
    if isinstance(scale, torch.Tensor):  # sigmoid(s (t - f)) = sigmoid(s t - s f)
        same_device("x", x, scale=scale)
        f = scaled(f, scale)
        t = t * scale.to(torch.float64)
        scale = 1.0
    t, inverse = sort_thresholds(t, validate)
    lead, T = x.shape[:-ndim], t.shape[0]
    grids = as_grids(f, ndim)
    if backend_for(x.device) == "reference":
        out = reference.soft_ecc_dense(grids.reshape(grids.shape[0], *x.shape[-ndim:]), t, ndim=ndim,
                                       construction=construction, scale=scale).to(dtype)
    else:
        rows = t.reshape(1, -1).contiguous()
        out = _library.soft_ecc_forward(grids, ndim, t_construction, rows, even_steps(rows.detach()), scale,
                                        z_max).to(dtype)
    if inverse is not None:
        out = out[:, inverse]
    return out.reshape(*lead, T)
