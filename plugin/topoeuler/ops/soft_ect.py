"""Soft (differentiable) Euler characteristic transform: the DECT relaxation (SPEC section 3),
computed by fused, windowed kernels in O(cells + B * D * T) memory."""
from __future__ import annotations

import torch

from topoeuler._backend import backend_for, compiled
from topoeuler.ops._checks import as_real, check_directions, positive_number, same_device
from topoeuler.ops._soft_common import (check_scale, check_z_max, result_dtype, sort_thresholds,
                                        with_grad)
from topoeuler.ops.ect import check_complex
from topoeuler.ops.thresholds import even_steps, resolve_thresholds


class SoftECTFunction(torch.autograd.Function):
    """Autograd node of the fused soft ECT kernels. Inputs: ``pos [N, d]`` (float32/64),
    ``directions [D, d]`` float64, sorted ``thresholds [D, T]`` float64; non-differentiable:
    simplex sets, batch, number of graphs, scale, z_max, output dtype. Saves only its inputs
    (the backward recomputes heights): O(cells) memory between forward and backward."""

    @staticmethod
    def forward(ctx, pos, directions, thresholds, sets, batch, num_graphs, scale, z_max, dtype):
        kernels = compiled()
        v = directions.detach().contiguous()
        t = thresholds.detach().contiguous()
        step = even_steps(t)
        out = kernels.soft_ect_forward(pos.detach(), batch, num_graphs, list(sets), v, t, step, scale, z_max)
        ctx.save_for_backward(pos, directions, thresholds)
        ctx.config = (sets, batch, num_graphs, scale, z_max, step)
        return out.to(dtype)

    @staticmethod
    def backward(ctx, grad):
        pos, directions, thresholds = ctx.saved_tensors
        sets, batch, num_graphs, scale, z_max, step = ctx.config
        need_pos, need_dir, need_t = ctx.needs_input_grad[:3]
        gp, gd, gt = compiled().soft_ect_backward(
            pos.detach(), batch, num_graphs, list(sets), directions.detach().contiguous(),
            thresholds.detach().contiguous(), step, scale, z_max, grad.to(torch.float64).contiguous(),
            need_pos, need_dir, need_t)
        return (gp.to(pos.dtype) if need_pos else None, gd if need_dir else None, gt if need_t else None,
                None, None, None, None, None, None)


def soft_ect(pos: torch.Tensor, *simplices: torch.Tensor, directions: torch.Tensor,
             thresholds: int | torch.Tensor = 64, batch: torch.Tensor | None = None, radius: float | None = None,
             scale: float | torch.Tensor = 50.0, z_max: float | None = None) -> torch.Tensor:
    """Soft Euler characteristic transform ``[B, D, T]``, differentiable in ``pos``, ``directions``,
    ``thresholds`` (and ``scale`` when it is a tensor).

    ``ECT_s(v, t) = sum over simplices c of (-1)^dim(c) * sigmoid(scale * (t - h_v(c)))`` with
    ``h_v(vertex i) = <pos_i, v>`` (computed in float64, summed in coordinate order) and
    ``h_v(c)`` the max over c's vertices. As ``scale -> inf`` it tends to :func:`topoeuler.ect`
    at thresholds that no simplex height equals.

    Args:
        pos, *simplices, batch, radius: as in :func:`topoeuler.ect` (PyG layout; duplicates
            counted as given; a simplex belongs to the graph of its first vertex).
        directions: ``[D, d]``, used as given (not normalised; zero rows are an error).
        thresholds: a count ``T`` (evenly spaced on ``[-r, r]``, ``r = radius`` or the largest
            vertex norm, not differentiable), or a tensor ``[T]`` shared by all directions or
            ``[D, T]`` per direction. Any order is accepted (learnable thresholds may cross):
            entry k of the result is the soft count at ``t[..., k]``.
        scale: ``s > 0``; a float, or a one-element tensor (then learnable: computed as the
            scale-1 transform of ``s * pos`` at ``s * t``).
        z_max: saturation bound of the window (default 17 for a float32 result, 37 for float64;
            ``math.inf``: evaluate every threshold; the CPU kernel stops at 700, where the sigmoid
            is within 1e-304 of 0 or 1).

    Returns:
        float ``[B, D, T]``: float64 when ``pos``, ``directions`` or ``thresholds`` is float64,
        else float32.

    Gradients: the gradient of a simplex's height goes to the vertex attaining the max; when
    several vertices tie it is split evenly among them (SPEC section 3). On CPU the result and
    the gradients are deterministic (independent of the thread count).

    Precision on CPU: heights, the per-vertex charges and every sum are float64. The sigmoids
    inside a window are computed in float32 for a float32 result when ``z_max <= 40`` (each within
    a few float32 ulps, below the rounding of the result), else in float64.
    """
    dtype = result_dtype(pos, directions, thresholds)
    original_pos, original_directions = pos, directions
    detach = lambda t: t.detach() if isinstance(t, torch.Tensor) else t  # noqa: E731  (checks need no graph)
    pos, sets, batch, num_graphs = check_complex(detach(pos), simplices, batch)
    pos = with_grad(pos, original_pos).to(dtype)  # the CPU kernels' window arithmetic follows pos's dtype
    v = with_grad(check_directions(detach(directions), pos.shape[1], pos, "pos"), original_directions)
    scale = check_scale(scale)
    z_max = check_z_max(z_max, dtype)
    D = v.shape[0]
    if not isinstance(thresholds, torch.Tensor):  # a count: as in ect(), not differentiable
        r = positive_number("radius", radius) if radius is not None else float(pos.detach().to(torch.float64).norm(dim=1).max())
        t = resolve_thresholds(thresholds, -r, r, pos, "pos")
    else:
        same_device("pos", pos, thresholds=thresholds)
        t = with_grad(as_real("thresholds", thresholds.detach(), allow_inf=False), thresholds)
        if t.dim() not in (1, 2) or t.shape[-1] == 0 or (t.dim() == 2 and t.shape[0] != D):
            raise ValueError(f"thresholds must be [T] or [{D}, T] with T >= 1, got shape {tuple(t.shape)}")
        t = t.to(torch.float64)
    t = t.expand(D, t.shape[-1])
    if isinstance(scale, torch.Tensor):  # sigmoid(s (t - <p, v>)) = sigmoid(s t - <s p, v>)
        same_device("pos", pos, scale=scale)
        pos = pos * scale.to(pos.dtype)
        t = t * scale.to(torch.float64)
        scale = 1.0
    t, inverse = sort_thresholds(t)
    if backend_for(pos.device) == "reference":
        out = soft_ect_dense(pos, *sets, directions=v, thresholds=t, batch=batch, num_graphs=num_graphs,
                             scale=scale).to(dtype)
    else:
        out = SoftECTFunction.apply(pos, v, t.contiguous(), tuple(sets), batch, num_graphs, scale, z_max, dtype)
    if inverse is not None:
        out = out.gather(2, inverse.unsqueeze(0).expand_as(out))
    return out


def soft_ect_dense(pos, *simplices, directions, thresholds, batch=None, num_graphs=1, scale=50.0):
    """The dense DECT formula in plain PyTorch (fallback without the compiled kernels, and the
    benchmarks' peer): materialises ``[cells, D, T]``. ``thresholds [D, T]``; returns float64 ``[B, D, T]``."""
    N = pos.shape[0]
    h = pos.to(torch.float64) @ directions.to(torch.float64).T  # [N, D]
    if batch is None:
        batch = torch.zeros(N, dtype=torch.int64, device=pos.device)
    D, T = thresholds.shape
    out = torch.zeros(num_graphs, D, T, dtype=torch.float64, device=pos.device)
    for idx in (torch.arange(N, device=pos.device)[None],) + tuple(simplices):
        height = h[idx].amax(dim=0)  # [M, D]
        soft = torch.sigmoid(scale * (thresholds[None] - height[:, :, None]))  # [M, D, T]
        out = out.index_add(0, batch[idx[0]], (-1) ** (idx.shape[0] - 1) * soft)
    return out
