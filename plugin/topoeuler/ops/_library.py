"""The compiled kernels as PyTorch operators, ``torch.ops.topoeuler.*``, registered with
``torch.library`` for CPU and CUDA tensors: one call of each ``topoeuler._C`` kernel, a fake
(meta) implementation giving the output's shape and dtype without computing it, and the soft
ops' autograd. The public functions (:func:`topoeuler.ecc`, ...) check their arguments and call
these; called directly, the operators take the kernels' prepared arguments as documented here.

Thresholds are float64 ``[rows, T]`` (sorted), with ``origin [rows]`` and ``inv_step [rows]``
(:func:`topoeuler.ops.thresholds.threshold_rows`) for the exact ops and ``step [rows]``
(:func:`topoeuler.ops.thresholds.even_steps`) for the soft ones. Directions are float64 ``[D, d]``;
``batch`` int64 ``[N]`` or None; simplices int64 ``[k, M]``. The soft ops return float64.

The soft ops have first derivatives only: a second derivative (double backward) raises.
"""
from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor

from topoeuler._backend import compiled

_OP = "topoeuler::"
_DEVICES = ("cpu", "cuda")


def _op(name: str):
    return torch.library.custom_op(_OP + name, mutates_args=(), device_types=_DEVICES)


# ---- exact ops: int64 histograms / curves ----

@_op("ecc_curves")
def ecc_curves(x: Tensor, ndim: int, t_construction: bool, thresholds: Tensor, origin: Tensor,
               inv_step: Tensor) -> Tensor:
    """ECC ``[B, T]`` int64 of grids ``x [B, depth, H, W]`` (float32/64) at one row of thresholds ``[1, T]``."""
    return compiled().ecc_curves(x, ndim, t_construction, thresholds, origin, inv_step)


@ecc_curves.register_fake
def _(x, ndim, t_construction, thresholds, origin, inv_step):
    return x.new_empty((x.shape[0], thresholds.shape[1]), dtype=torch.int64)


@_op("image_ect_histogram")
def image_ect_histogram(mask: Tensor, ndim: int, directions: Tensor, t_construction: bool, thresholds: Tensor,
                        origin: Tensor, inv_step: Tensor) -> Tensor:
    """Histogram ``[B, D, T]`` int64 of the image ECT of uint8 masks ``[B, depth, H, W]``
    (its cumulative sum over the last axis is the ECT)."""
    return compiled().image_ect_histogram(mask, ndim, directions, t_construction, thresholds, origin, inv_step)


@image_ect_histogram.register_fake
def _(mask, ndim, directions, t_construction, thresholds, origin, inv_step):
    return mask.new_empty((mask.shape[0], directions.shape[0], thresholds.shape[1]), dtype=torch.int64)


@_op("ect_histogram")
def ect_histogram(pos: Tensor, batch: Optional[Tensor], num_graphs: int, simplices: list[Tensor],
                  directions: Tensor, thresholds: Tensor, origin: Tensor, inv_step: Tensor) -> Tensor:
    """Histogram ``[num_graphs, D, T]`` int64 of the ECT of ``pos [N, d]`` (float32/64) and
    ``simplices`` (its cumulative sum over the last axis is the ECT)."""
    return compiled().ect_histogram(pos, batch, num_graphs, simplices, directions, thresholds, origin, inv_step)


@ect_histogram.register_fake
def _(pos, batch, num_graphs, simplices, directions, thresholds, origin, inv_step):
    return pos.new_empty((num_graphs, directions.shape[0], thresholds.shape[1]), dtype=torch.int64)


# ---- soft ECT ----

@_op("soft_ect_forward")
def soft_ect_forward(pos: Tensor, batch: Optional[Tensor], num_graphs: int, simplices: list[Tensor],
                     directions: Tensor, thresholds: Tensor, step: Tensor, scale: float, z_max: float) -> Tensor:
    """Soft ECT ``[num_graphs, D, T]`` float64; differentiable in ``pos``, ``directions``, ``thresholds [D, T]``."""
    return compiled().soft_ect_forward(pos, batch, num_graphs, simplices, directions, thresholds, step, scale, z_max)


@soft_ect_forward.register_fake
def _(pos, batch, num_graphs, simplices, directions, thresholds, step, scale, z_max):
    return pos.new_empty((num_graphs, directions.shape[0], thresholds.shape[1]), dtype=torch.float64)


def _defined(gradients, like: Tensor) -> tuple[Tensor, ...]:
    """The kernels' gradients with the undefined ones (not asked for) as empty float64 tensors."""
    return tuple(like.new_empty(0, dtype=torch.float64) if g is None else g for g in gradients)


@_op("soft_ect_backward")
def soft_ect_backward(pos: Tensor, batch: Optional[Tensor], num_graphs: int, simplices: list[Tensor],
                      directions: Tensor, thresholds: Tensor, step: Tensor, scale: float, z_max: float,
                      grad_out: Tensor, need_pos: bool, need_dir: bool, need_t: bool) -> tuple[Tensor, Tensor, Tensor]:
    """Float64 gradients ``(pos [N, d], directions [D, d], thresholds [D, T])`` of the soft ECT
    for ``grad_out [num_graphs, D, T]`` float64; those not asked for are empty ``[0]``."""
    grads = compiled().soft_ect_backward(pos, batch, num_graphs, simplices, directions, thresholds, step, scale,
                                         z_max, grad_out, need_pos, need_dir, need_t)
    return _defined(grads, pos)


@soft_ect_backward.register_fake
def _(pos, batch, num_graphs, simplices, directions, thresholds, step, scale, z_max, grad_out, need_pos, need_dir,
      need_t):
    shape = lambda need, *size: size if need else (0,)  # noqa: E731
    return tuple(pos.new_empty(shape(need, *size), dtype=torch.float64) for need, size in (
        (need_pos, pos.shape), (need_dir, directions.shape), (need_t, thresholds.shape)))


def _soft_ect_setup(ctx, inputs, output):
    pos, batch, num_graphs, simplices, directions, thresholds, step, scale, z_max = inputs
    ctx.save_for_backward(pos, directions, thresholds, step, batch, *simplices)
    ctx.config = (num_graphs, scale, z_max)


def _soft_ect_backward(ctx, grad):
    pos, directions, thresholds, step, batch, *simplices = ctx.saved_tensors
    num_graphs, scale, z_max = ctx.config
    need_pos, need_dir, need_t = ctx.needs_input_grad[0], ctx.needs_input_grad[4], ctx.needs_input_grad[5]
    gp, gd, gt = soft_ect_backward(pos, batch, num_graphs, simplices, directions, thresholds, step, scale, z_max,
                                   grad.to(torch.float64).contiguous(), need_pos, need_dir, need_t)
    return (gp.to(pos.dtype) if need_pos else None, None, None, [None] * len(simplices), gd if need_dir else None,
            gt if need_t else None, None, None, None)


# ---- soft ECC ----

@_op("soft_ecc_forward")
def soft_ecc_forward(x: Tensor, ndim: int, t_construction: bool, thresholds: Tensor, step: Tensor, scale: float,
                     z_max: float) -> Tensor:
    """Soft ECC ``[B, T]`` float64 of grids ``x [B, depth, H, W]``; differentiable in ``x`` and ``thresholds [1, T]``."""
    return compiled().soft_ecc_forward(x, ndim, t_construction, thresholds, step, scale, z_max)


@soft_ecc_forward.register_fake
def _(x, ndim, t_construction, thresholds, step, scale, z_max):
    return x.new_empty((x.shape[0], thresholds.shape[1]), dtype=torch.float64)


@_op("soft_ecc_backward")
def soft_ecc_backward(x: Tensor, ndim: int, t_construction: bool, thresholds: Tensor, step: Tensor, scale: float,
                      z_max: float, grad_out: Tensor, need_x: bool, need_t: bool) -> tuple[Tensor, Tensor]:
    """Float64 gradients ``(x [B, depth, H, W], thresholds [T])`` of the soft ECC for
    ``grad_out [B, T]`` float64; those not asked for are empty ``[0]``."""
    grads = compiled().soft_ecc_backward(x, ndim, t_construction, thresholds, step, scale, z_max, grad_out,
                                         need_x, need_t)
    return _defined(grads, x)


@soft_ecc_backward.register_fake
def _(x, ndim, t_construction, thresholds, step, scale, z_max, grad_out, need_x, need_t):
    return (x.new_empty(x.shape if need_x else (0,), dtype=torch.float64),
            x.new_empty((thresholds.shape[1],) if need_t else (0,), dtype=torch.float64))


def _soft_ecc_setup(ctx, inputs, output):
    x, ndim, t_construction, thresholds, step, scale, z_max = inputs
    ctx.save_for_backward(x, thresholds, step)
    ctx.config = (ndim, t_construction, scale, z_max)


def _soft_ecc_backward(ctx, grad):
    x, thresholds, step = ctx.saved_tensors
    ndim, t_construction, scale, z_max = ctx.config
    need_x, need_t = ctx.needs_input_grad[0], ctx.needs_input_grad[3]
    gx, gt = soft_ecc_backward(x, ndim, t_construction, thresholds, step, scale, z_max,
                               grad.to(torch.float64).contiguous(), need_x, need_t)
    return (gx.to(x.dtype) if need_x else None, None, None, gt.view(thresholds.shape) if need_t else None,
            None, None, None)


def _no_double_backward(op: str):
    def backward(ctx, *grads):
        raise NotImplementedError(f"topoeuler: {op} has no second derivative (double backward through the soft "
                                  "ECC/ECT is not implemented); differentiate it once")
    return backward


soft_ect_forward.register_autograd(_soft_ect_backward, setup_context=_soft_ect_setup)
soft_ecc_forward.register_autograd(_soft_ecc_backward, setup_context=_soft_ecc_setup)
soft_ect_backward.register_autograd(_no_double_backward("soft_ect"))
soft_ecc_backward.register_autograd(_no_double_backward("soft_ecc"))
