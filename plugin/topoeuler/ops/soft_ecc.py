"""Soft (differentiable) Euler characteristic curves of images and volumes (SPEC section 3),
with the learnable single-direction height of arXiv:2510.20271, on fused windowed kernels."""
from __future__ import annotations

import torch

from topoeuler._backend import backend_for, compiled
from topoeuler.ops import reference
from topoeuler.ops._checks import as_real, check_construction, check_ndim, same_device
from topoeuler.ops._soft_common import (check_scale, check_z_max, result_dtype, sort_thresholds,
                                        with_grad)
from topoeuler.ops.ecc import as_grids, finite_range
from topoeuler.ops.thresholds import even_steps, resolve_thresholds


class SoftECCFunction(torch.autograd.Function):
    """Autograd node of the fused soft ECC kernels. Inputs: grids ``[B, depth, H, W]``
    (float32/64, contiguous) and sorted float64 ``thresholds [T]``; non-differentiable: ndim,
    construction, scale, z_max, output dtype. Saves only its inputs."""

    @staticmethod
    def forward(ctx, grids, thresholds, ndim, t_construction, scale, z_max, dtype):
        t = thresholds.detach().reshape(1, -1).contiguous()
        step = even_steps(t)
        out = compiled().soft_ecc_forward(grids.detach(), ndim, t_construction, t, step, scale, z_max)
        ctx.save_for_backward(grids, thresholds)
        ctx.config = (ndim, t_construction, scale, z_max, step)
        return out.to(dtype)

    @staticmethod
    def backward(ctx, grad):
        grids, thresholds = ctx.saved_tensors
        ndim, t_construction, scale, z_max, step = ctx.config
        need_x, need_t = ctx.needs_input_grad[:2]
        gx, gt = compiled().soft_ecc_backward(grids.detach(), ndim, t_construction,
                                              thresholds.detach().reshape(1, -1).contiguous(), step, scale, z_max,
                                              grad.to(torch.float64).contiguous(), need_x, need_t)
        return gx.to(grids.dtype) if need_x else None, gt if need_t else None, None, None, None, None, None


def grid_height(shape: tuple[int, ...], direction: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """``<p, u>`` for the pixels ``p`` of a grid of ``shape`` (coordinates of :func:`topoeuler.image_ect`:
    ``i * 2/(n-1) - 1`` per axis, axis order (depth,) height, width), differentiable in ``u``."""
    height = None
    for axis, n in enumerate(shape):
        view = [1] * len(shape)
        view[axis] = n
        term = reference.grid_coordinates(n, direction.device).to(dtype).view(view) * direction[axis].to(dtype)
        height = term if height is None else height + term
    return height


def soft_ecc(x: torch.Tensor, thresholds: int | torch.Tensor = 64, *, ndim: int = 2, construction: str = "V",
             scale: float | torch.Tensor = 50.0, direction: torch.Tensor | None = None,
             alpha: float | torch.Tensor | None = None, z_max: float | None = None) -> torch.Tensor:
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
        thresholds: a count ``T`` (evenly spaced between the finite min and max of ``f``, not
            differentiable) or a tensor ``[T]`` in any order (entry k is the soft count at ``t[k]``).
        scale: ``s > 0``: a float or a one-element tensor (learnable).
        z_max: saturation bound (default 17 for a float32 result, 37 for float64; ``math.inf``: dense).

    Returns:
        float ``x.shape[:-ndim] + (T,)``, float64 when any floating input is float64.

    Ties: the gradient of a cell whose value is attained by several pixels goes entirely to the
    pixel that the charging identity assigns it to (V: the last of them in raster order; T: the
    first), not split evenly; the soft value itself does not depend on the choice.
    """
    dtype = result_dtype(x, thresholds, direction, alpha)
    x = with_grad(as_real("x", x.detach() if isinstance(x, torch.Tensor) else x, allow_inf=True), x)
    check_ndim(ndim, x)
    t_construction = check_construction(construction)
    scale = check_scale(scale)
    z_max = check_z_max(z_max, dtype)
    f = x.to(dtype) if x.dtype != dtype else x
    if direction is not None or alpha is not None:
        if direction is None:
            raise ValueError("alpha needs a direction u: the height is alpha * <u, p>")
        same_device("x", x, direction=direction, alpha=alpha)
        u = with_grad(as_real("direction", direction.detach() if isinstance(direction, torch.Tensor) else direction,
                              allow_inf=False), direction)
        if u.shape != (ndim,):
            raise ValueError(f"direction must be [{ndim}], got shape {tuple(u.shape)}")
        height = grid_height(tuple(x.shape[-ndim:]), u, dtype)
        if alpha is not None:
            a = alpha if isinstance(alpha, torch.Tensor) else torch.tensor(float(alpha), dtype=dtype, device=x.device)
            a = with_grad(as_real("alpha", a.detach(), allow_inf=False), a)
            if a.numel() != 1:
                raise ValueError(f"alpha must be a number or a one-element tensor, got shape {tuple(a.shape)}")
            height = a.reshape(()).to(dtype) * height
        f = f + height
    if not isinstance(thresholds, torch.Tensor):  # a count: as in ecc(), not differentiable
        t = resolve_thresholds(thresholds, *finite_range(f.detach()), x, "x")
    else:
        same_device("x", x, thresholds=thresholds)
        t = with_grad(as_real("thresholds", thresholds.detach(), allow_inf=False), thresholds)
        if t.dim() != 1 or t.shape[0] == 0:
            raise ValueError(f"thresholds must be [T] with T >= 1, got shape {tuple(t.shape)}")
        t = t.to(torch.float64)
    if isinstance(scale, torch.Tensor):  # sigmoid(s (t - f)) = sigmoid(s t - s f)
        same_device("x", x, scale=scale)
        f = f * scale.to(f.dtype)
        t = t * scale.to(torch.float64)
        scale = 1.0
    t, inverse = sort_thresholds(t)
    lead, T = x.shape[:-ndim], t.shape[0]
    grids = as_grids(f, ndim)
    if backend_for(x.device) == "reference":
        out = soft_ecc_dense(grids.reshape(grids.shape[0], *x.shape[-ndim:]), t, ndim=ndim,
                             construction=construction, scale=scale).to(dtype)
    else:
        out = SoftECCFunction.apply(grids, t.contiguous(), ndim, t_construction, scale, z_max, dtype)
    if inverse is not None:
        out = out[:, inverse]
    return out.reshape(*lead, T)


def soft_ecc_dense(f: torch.Tensor, thresholds: torch.Tensor, *, ndim: int = 2, construction: str = "V",
                   scale: float = 50.0) -> torch.Tensor:
    """The dense formula in plain PyTorch over every cell (materialises ``[B, cells, T]``):
    fallback without compiled kernels and the benchmarks' peer. ``f [B, *grid]``; float64 ``[B, T]``."""
    out = 0
    for values, sign in reference.cubical_cells(f.to(torch.float64), ndim, construction):
        out = out + sign * torch.sigmoid(scale * (thresholds - values[..., None])).sum(dim=1)
    return out
