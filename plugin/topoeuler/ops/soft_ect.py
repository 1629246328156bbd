"""Soft (differentiable) Euler characteristic transform: the DECT relaxation (``docs/definitions.md`` section 3),
computed by fused, windowed kernels in O(cells + B * D * T) memory."""
from __future__ import annotations

import torch

from topoeuler._backend import backend_for
from topoeuler.ops import _library, reference
from topoeuler.ops._checks import as_real, check_directions, check_validate, positive_number, same_device
from topoeuler.ops._common import check_complex, check_height_range
from topoeuler.ops._soft_common import check_scale, check_z_max, result_dtype, sort_thresholds, with_grad
from topoeuler.ops.thresholds import even_steps, resolve_thresholds


def soft_ect(pos: torch.Tensor, *simplices: torch.Tensor, directions: torch.Tensor,
             thresholds: int | torch.Tensor = 64, batch: torch.Tensor | None = None, radius: float | None = None,
             scale: float | torch.Tensor = 50.0, z_max: float | None = None, num_graphs: int | None = None,
             validate: bool = True) -> torch.Tensor:
    """Soft Euler characteristic transform ``[B, D, T]``, differentiable in ``pos``, ``directions``,
    ``thresholds`` (and ``scale`` when it is a tensor).

    ``ECT_s(v, t) = sum over simplices c of (-1)^dim(c) * sigmoid(scale * (t - h_v(c)))`` with
    ``h_v(vertex i) = <pos_i, v>`` (computed in float64, summed in coordinate order) and
    ``h_v(c)`` the max over c's vertices. As ``scale -> inf`` it tends to :func:`topoeuler.ect`
    at thresholds that no simplex height equals.

    Args:
        pos, *simplices, batch, radius, num_graphs, validate: as in :func:`topoeuler.ect` (PyG
            layout; duplicates counted as given; a simplex belongs to the graph of its first vertex).
        directions: ``[D, d]``, used as given (not normalised; zero rows are an error).
        thresholds: a count ``T`` (evenly spaced on ``[-radius, radius]``, ``radius`` required,
            not differentiable), or a tensor ``[T]`` shared by all directions or
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
    several vertices tie it is split evenly among them (``docs/definitions.md`` section 3). On CPU the result and
    the gradients are deterministic (independent of the thread count).

    Second derivatives (double backward) raise NotImplementedError.

    Precision on CPU: heights, the per-vertex charges and every sum are float64. The sigmoids
    inside a window are computed in float32 for a float32 result when ``z_max <= 40`` (each within
    a few float32 ulps, below the rounding of the result), else in float64.
    """
    validate = check_validate(validate)
    dtype = result_dtype(pos, directions, thresholds)
    original_pos, original_directions = pos, directions
    pos, sets, batch, num_graphs = check_complex(pos, simplices, batch, num_graphs, validate)
    v = check_directions(directions, pos.shape[1], pos, "pos", validate)
    check_height_range(pos, v, validate)
    pos = with_grad(pos, original_pos).to(dtype)  # the CPU kernels' window arithmetic follows pos's dtype
    v = with_grad(v, original_directions)
    scale = check_scale(scale, validate)
    z_max = check_z_max(z_max, dtype)
    D = v.shape[0]
    if not isinstance(thresholds, torch.Tensor):  # a count: as in ect(), not differentiable
        span = None if radius is None else (-positive_number("radius", radius), positive_number("radius", radius))
        t = resolve_thresholds(thresholds, span, pos, "pos", span_name="radius")
    else:
        same_device("pos", pos, thresholds=thresholds)
        t = with_grad(as_real("thresholds", thresholds, allow_inf=False, validate=validate), thresholds)
        if t.dim() not in (1, 2) or t.shape[-1] == 0 or (t.dim() == 2 and t.shape[0] != D):
            raise ValueError(f"thresholds must be [T] or [{D}, T] with T >= 1, got shape {tuple(t.shape)}")
        t = t.to(torch.float64)
    t = t.expand(D, t.shape[-1])
    if isinstance(scale, torch.Tensor):  # sigmoid(s (t - <p, v>)) = sigmoid(s t - <s p, v>)
        same_device("pos", pos, scale=scale)
        pos = pos * scale.to(pos.dtype)
        t = t * scale.to(torch.float64)
        scale = 1.0
    t, inverse = sort_thresholds(t, validate)
    if backend_for(pos.device) == "reference":
        out = reference.soft_ect_dense(pos, *sets, directions=v, thresholds=t, batch=batch, num_graphs=num_graphs,
                                       scale=scale).to(dtype)
    else:
        t = t.contiguous()
        out = _library.soft_ect_forward(pos, batch, num_graphs, sets, v, t, even_steps(t.detach()), scale,
                                        z_max).to(dtype)
    if inverse is not None:
        out = out.gather(2, inverse.unsqueeze(0).expand_as(out))
    return out
