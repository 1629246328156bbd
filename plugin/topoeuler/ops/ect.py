"""Exact Euler characteristic transform of point clouds, graphs and meshes (SPEC section 2)."""
from __future__ import annotations

import torch

from topoeuler._backend import backend_for, compiled
from topoeuler.ops import reference
from topoeuler.ops._checks import as_index, as_real, check_directions, positive_number, same_device
from topoeuler.ops.thresholds import resolve_thresholds, threshold_rows


def check_complex(pos, simplices, batch) -> tuple[torch.Tensor, list[torch.Tensor], torch.Tensor | None, int]:
    """Validated ``(pos [N, d] float, simplices [[k, M] int64], batch [N] int64 | None, num_graphs)``."""
    pos = as_real("pos", pos, allow_inf=False)
    if pos.dim() != 2 or pos.shape[1] == 0:
        raise ValueError(f"pos must be [N, d] with d >= 1, got shape {tuple(pos.shape)}")
    N = pos.shape[0]
    if N == 0:
        raise ValueError("pos is empty: the complex has no vertices")
    sets = []
    for i, s in enumerate(simplices):
        name = f"simplices[{i}]"
        if isinstance(s, torch.Tensor):
            if s.dim() != 2 or s.shape[0] < 2:
                raise ValueError(
                    f"{name} must be [k, M] with k >= 2 vertices per simplex (PyG layout), got {tuple(s.shape)}")
            same_device("pos", pos, **{name: s})
            # Contiguous before the range check (min and max of a strided tensor are ~10x slower), row by
            # row: ~6x faster than .contiguous() on a transposed [k, M] (edges from torch.unique(dim=1)).
            s = s if s.is_contiguous() else torch.stack(tuple(s))
        sets.append(as_index(name, s, N))
    num_graphs = 1
    if batch is not None:
        same_device("pos", pos, batch=batch)
        batch = as_index("batch", batch, 2**62)
        if batch.shape != (N,):
            raise ValueError(f"batch must be [N] = [{N}], got shape {tuple(batch.shape)}")
        num_graphs = int(batch.max()) + 1
        for i, s in enumerate(sets):
            if s.numel() and (batch[s] != batch[s[0]]).any():
                raise ValueError(f"simplices[{i}] has simplices whose vertices lie in different graphs of batch")
        batch = batch.contiguous()
    return pos.contiguous(), sets, batch, num_graphs


def ect(pos: torch.Tensor, *simplices: torch.Tensor, directions: torch.Tensor, thresholds: int | torch.Tensor = 64,
        batch: torch.Tensor | None = None, radius: float | None = None) -> torch.Tensor:
    """Exact Euler characteristic transform of embedded simplicial complexes.

    Args:
        pos: vertex coordinates ``[N, d]`` (finite; any real dtype).
        *simplices: higher simplices in PyG's layout, one tensor per kind: ``edge_index [2, E]``,
            ``face [3, F]``, tetrahedra ``[4, K]``. Duplicates are counted as given.
        directions: ``[D, d]``, rows used as given (``<pos, v>`` is the height); zero rows are an error.
        thresholds: a count ``T`` (evenly spaced on ``[-r, r]``, ``r = radius`` or the largest
            vertex norm of the whole input), a sorted ``[T]`` tensor, or ``[D, T]`` per direction.
        batch: PyG batch vector ``[N]`` (graphs may differ in size); ``B = batch.max() + 1``.
        radius: the ``r`` of integer thresholds.

    Returns:
        int64 ``[B, D, T]``: ``ECT(v, t) = sum over simplices s with h(s) <= t of (-1)^dim(s)``,
        where ``h(vertex i) = sum_j pos[i, j] * v[j]`` (float64, summed in order j) and a
        simplex takes the max of its vertices.
    """
    pos, sets, batch, num_graphs = check_complex(pos, simplices, batch)
    v = check_directions(directions, pos.shape[1], pos, "pos")
    if isinstance(thresholds, int) and not isinstance(thresholds, bool):
        r = positive_number("radius", radius) if radius is not None else float(pos.to(torch.float64).norm(dim=1).max())
    else:
        r = 0.0
    t = resolve_thresholds(thresholds, -r, r, pos, "pos", rows=v.shape[0])
    backend_for(pos.device)
    kernels = compiled()
    values, origin, inv_step = threshold_rows(t, v.shape[0])
    if kernels is None:
        return reference.ect_reference(pos, *sets, directions=v, thresholds=values, batch=batch, num_graphs=num_graphs)
    return kernels.ect_curves(pos, batch, num_graphs, sets, v, values, origin, inv_step)
