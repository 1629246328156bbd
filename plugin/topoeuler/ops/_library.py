"""The compiled kernels as PyTorch operators, ``torch.ops.topoeuler.*``, registered with
``torch.library`` for CPU and CUDA tensors: one call of each ``topoeuler._C`` kernel, a fake
(meta) implementation giving the output's shape and dtype without computing it, and the soft
ops' autograd. The public functions (:func:`topoeuler.ecc`, ...) check their arguments and call
these; called directly, the operators take the kernels' prepared arguments, as their schemas say.

Thresholds are float64 ``[rows, T]`` (sorted), with ``origin [rows]`` and ``inv_step [rows]``
for the exact ops and ``step [rows]`` for the soft ones, all from the ``threshold_rows`` op
(:func:`topoeuler.ops.thresholds.threshold_rows`; without the extension, its reference). Directions are float64 ``[D, d]``;
``batch`` int64 ``[N]`` or None; simplices int64 ``[k, M]``. Grids are ``[B, depth, H, W]``.
The exact ops return int64, the soft ones float64. The ops are defined with
``torch.library.Library`` and the kernels bound directly (a ``custom_op`` wrapper costs about
10 us more per call). The soft ops have first derivatives only: double backward raises.
"""
from __future__ import annotations

import torch

from topoeuler._backend import compiled
from topoeuler.ops import reference

_LIB = torch.library.Library("topoeuler", "DEF")

_EXACT_ROWS = "Tensor thresholds, Tensor origin, Tensor inv_step"
_COMPLEX = "Tensor pos, Tensor? batch, int num_graphs, Tensor[] simplices, Tensor directions"
_SOFT_ECT = f"{_COMPLEX}, Tensor thresholds, Tensor step, float scale, float z_max"
_SOFT_ECC = "Tensor x, int ndim, bool t_construction, Tensor thresholds, Tensor step, float scale, float z_max"


def _define(name: str, args: str, returns: str, kernel, fake, cuda_kernel=None):
    """Defines ``topoeuler::name(args) -> returns`` with ``kernel`` on CPU and CUDA (or
    ``cuda_kernel`` on CUDA when given) and ``fake`` for fake/meta tensors; returns its overload
    (what callers call)."""
    _LIB.define(f"{name}({args}) -> {returns}")
    if kernel is not None:  # None: the extension is missing (the ops then run the references)
        _LIB.impl(name, kernel, "CPU")
        _LIB.impl(name, cuda_kernel or kernel, "CUDA")
    torch.library.register_fake(f"topoeuler::{name}", fake, lib=_LIB)
    return getattr(torch.ops.topoeuler, name).default


_C = compiled()


def _kernel(name: str):
    return None if _C is None else getattr(_C, name)


def _defined(like: torch.Tensor, *gradients) -> tuple[torch.Tensor, ...]:
    """The kernels' gradients with the undefined ones (not asked for) as empty float64 tensors."""
    return tuple(like.new_empty(0, dtype=torch.float64) if g is None else g for g in gradients)


# ---- threshold rows: (values [rows, T], origin [rows], step [rows], inv_step [rows]) ----

# CPU: the C++ pass over the values; CUDA (and without the extension): the reference's tensor ops,
# on the device, with no host copy.
threshold_rows = _define(
    "threshold_rows", "Tensor t, int rows", "(Tensor, Tensor, Tensor, Tensor)",
    _kernel("threshold_rows") or reference.threshold_rows_reference,
    lambda t, rows: (t.new_empty((rows, t.shape[-1])),) + tuple(t.new_empty((rows,)) for _ in range(3)),
    cuda_kernel=reference.threshold_rows_reference)

# ---- exact ops ----

# ECC [B, T] of grids x (uint8, float32/64) at one row of thresholds [1, T].
ecc_curves = _define(
    "ecc_curves", f"Tensor x, int ndim, bool t_construction, {_EXACT_ROWS}", "Tensor", _kernel("ecc_curves"),
    lambda x, ndim, t_construction, thresholds, origin, inv_step:
        x.new_empty((x.shape[0], thresholds.shape[1]), dtype=torch.int64))

# Histogram [B, D, T] of the image ECT of uint8 masks (its cumsum over T is the ECT).
image_ect_histogram = _define(
    "image_ect_histogram", f"Tensor mask, int ndim, Tensor directions, bool t_construction, {_EXACT_ROWS}", "Tensor",
    _kernel("image_ect_histogram"),
    lambda mask, ndim, directions, t_construction, thresholds, origin, inv_step:
        mask.new_empty((mask.shape[0], directions.shape[0], thresholds.shape[1]), dtype=torch.int64))

# ECT curves [num_graphs, D, T] of pos [N, d] (float32/64) and simplices.
ect_curves = _define(
    "ect_curves", f"{_COMPLEX}, {_EXACT_ROWS}", "Tensor", _kernel("ect_curves"),
    lambda pos, batch, num_graphs, simplices, directions, thresholds, origin, inv_step:
        pos.new_empty((num_graphs, directions.shape[0], thresholds.shape[1]), dtype=torch.int64))


# ---- soft ECT: forward [num_graphs, D, T]; backward (pos [N, d], directions [D, d], thresholds [D, T]) ----

def _soft_ect_backward_kernel(pos, batch, num_graphs, simplices, directions, thresholds, step, scale, z_max,
                              grad_out, need_pos, need_dir, need_t):
    return _defined(pos, *_C.soft_ect_backward(pos, batch, num_graphs, simplices, directions, thresholds, step,
                                               scale, z_max, grad_out, need_pos, need_dir, need_t))


def _soft_ect_backward_fake(pos, batch, num_graphs, simplices, directions, thresholds, step, scale, z_max, grad_out,
                            need_pos, need_dir, need_t):
    return tuple(pos.new_empty(size if need else (0,), dtype=torch.float64) for need, size in (
        (need_pos, pos.shape), (need_dir, directions.shape), (need_t, thresholds.shape)))


soft_ect_forward = _define(
    "soft_ect_forward", _SOFT_ECT, "Tensor", _kernel("soft_ect_forward"),
    lambda pos, batch, num_graphs, simplices, directions, thresholds, step, scale, z_max:
        pos.new_empty((num_graphs, directions.shape[0], thresholds.shape[1]), dtype=torch.float64))
soft_ect_backward = _define(
    "soft_ect_backward",
    f"{_SOFT_ECT}, Tensor grad_out, bool need_pos, bool need_dir, bool need_t", "(Tensor, Tensor, Tensor)",
    None if _C is None else _soft_ect_backward_kernel, _soft_ect_backward_fake)


def _differentiated(backward_op, *args):
    """A backward op called from a derivative: below autograd unless the graph is being recorded
    (``create_graph=True``), where its autograd kernel makes a second derivative raise."""
    if torch.is_grad_enabled():
        return backward_op(*args)
    with torch._C._AutoDispatchBelowAutograd():
        return backward_op(*args)


class _SoftECT(torch.autograd.Function):
    """The soft ECT's autograd kernel: the forward op below autograd, the backward op as its
    derivative. Saves only its inputs (the backward recomputes the heights)."""

    @staticmethod
    def forward(ctx, pos, batch, num_graphs, simplices, directions, thresholds, step, scale, z_max):
        with torch._C._AutoDispatchBelowAutograd():
            out = soft_ect_forward(pos, batch, num_graphs, simplices, directions, thresholds, step, scale, z_max)
        ctx.save_for_backward(pos, directions, thresholds, step, batch, *simplices)
        ctx.config = (num_graphs, scale, z_max)
        return out

    @staticmethod
    def backward(ctx, grad):
        pos, directions, thresholds, step, batch, *simplices = ctx.saved_tensors
        num_graphs, scale, z_max = ctx.config
        need_pos, need_dir, need_t = ctx.needs_input_grad[0], ctx.needs_input_grad[4], ctx.needs_input_grad[5]
        gp, gd, gt = _differentiated(soft_ect_backward, pos, batch, num_graphs, simplices, directions, thresholds, step,
                                     scale, z_max, grad.to(torch.float64).contiguous(), need_pos, need_dir, need_t)
        return (gp.to(pos.dtype) if need_pos else None, None, None, None, gd if need_dir else None,
                gt if need_t else None, None, None, None)


# ---- soft ECC: forward [B, T]; backward (x [B, depth, H, W], thresholds [T]) ----

def _soft_ecc_backward_kernel(x, ndim, t_construction, thresholds, step, scale, z_max, grad_out, need_x, need_t):
    return _defined(x, *_C.soft_ecc_backward(x, ndim, t_construction, thresholds, step, scale, z_max, grad_out,
                                             need_x, need_t))


soft_ecc_forward = _define(
    "soft_ecc_forward", _SOFT_ECC, "Tensor", _kernel("soft_ecc_forward"),
    lambda x, ndim, t_construction, thresholds, step, scale, z_max:
        x.new_empty((x.shape[0], thresholds.shape[1]), dtype=torch.float64))
soft_ecc_backward = _define(
    "soft_ecc_backward", f"{_SOFT_ECC}, Tensor grad_out, bool need_x, bool need_t", "(Tensor, Tensor)",
    None if _C is None else _soft_ecc_backward_kernel,
    lambda x, ndim, t_construction, thresholds, step, scale, z_max, grad_out, need_x, need_t: (
        x.new_empty(x.shape if need_x else (0,), dtype=torch.float64),
        x.new_empty((thresholds.shape[1],) if need_t else (0,), dtype=torch.float64)))


class _SoftECC(torch.autograd.Function):
    """The soft ECC's autograd kernel (as :class:`_SoftECT`)."""

    @staticmethod
    def forward(ctx, x, ndim, t_construction, thresholds, step, scale, z_max):
        with torch._C._AutoDispatchBelowAutograd():
            out = soft_ecc_forward(x, ndim, t_construction, thresholds, step, scale, z_max)
        ctx.save_for_backward(x, thresholds, step)
        ctx.config = (ndim, t_construction, scale, z_max)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, thresholds, step = ctx.saved_tensors
        ndim, t_construction, scale, z_max = ctx.config
        need_x, need_t = ctx.needs_input_grad[0], ctx.needs_input_grad[3]
        gx, gt = _differentiated(soft_ecc_backward, x, ndim, t_construction, thresholds, step, scale, z_max,
                                 grad.to(torch.float64).contiguous(), need_x, need_t)
        return (gx.to(x.dtype) if need_x else None, None, None, gt.view(thresholds.shape) if need_t else None,
                None, None, None)


class _NoDoubleBackward(torch.autograd.Function):
    """Autograd kernel of the backward ops: computes them, and raises when differentiated."""

    @staticmethod
    def forward(ctx, op, *args):
        ctx.name = op.name()
        with torch._C._AutoDispatchBelowAutograd():
            return op(*args)

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError(f"topoeuler: {ctx.name.split('::')[1].replace('_backward', '')} has no second "
                                  "derivative (double backward through the soft ECC/ECT is not implemented); "
                                  "differentiate it once")


_LIB.impl("soft_ect_forward", _SoftECT.apply, "Autograd")
_LIB.impl("soft_ecc_forward", _SoftECC.apply, "Autograd")
_LIB.impl("soft_ect_backward", lambda *args: _NoDoubleBackward.apply(soft_ect_backward, *args), "Autograd")
_LIB.impl("soft_ecc_backward", lambda *args: _NoDoubleBackward.apply(soft_ecc_backward, *args), "Autograd")
