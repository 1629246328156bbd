"""Exact Euler characteristic transform of point clouds, graphs and meshes (``docs/definitions.md`` section 2)."""
from __future__ import annotations

import torch

from topoeuler._backend import backend_for
from topoeuler.ops import _library, reference
from topoeuler.ops._checks import check_directions, check_validate, positive_number
from topoeuler.ops._common import check_complex, check_height_range
from topoeuler.ops.thresholds import resolve_thresholds, threshold_rows


def ect(pos: torch.Tensor, *simplices: torch.Tensor, directions: torch.Tensor, thresholds: int | torch.Tensor = 64,
        batch: torch.Tensor | None = None, radius: float | None = None, num_graphs: int | None = None,
        validate: bool = True) -> torch.Tensor:
    """Exact Euler characteristic transform of embedded simplicial complexes.

    Args:
        pos: vertex coordinates ``[N, d]`` (finite; any real dtype).
        *simplices: higher simplices in PyG's layout, one tensor per kind: ``edge_index [2, E]``,
            ``face [3, F]``, tetrahedra ``[4, K]``. Duplicates are counted as given.
        directions: ``[D, d]``, rows used as given (``<pos, v>`` is the height); zero rows are an error.
        thresholds: a count ``T`` (evenly spaced on ``[-radius, radius]``; ``radius`` is then
            required), a sorted ``[T]`` tensor, or ``[D, T]`` per direction.
        batch: PyG batch vector ``[N]`` (graphs may differ in size).
        radius: the range of a count of thresholds (the same for every sample).
        num_graphs: ``B`` (default: 1 without ``batch``, else ``batch.max() + 1``, which reads
            ``batch`` back to the host); trailing graphs without vertices get zero transforms.
        validate: check values (NaN/inf, index bounds, sortedness, zero directions, simplices
            crossing graphs; reads them back to the host); False skips those checks, and the
            caller vouches for the indices.

    Returns:
        int64 ``[B, D, T]``: ``ECT(v, t) = sum over simplices s with h(s) <= t of (-1)^dim(s)``,
        where ``h(vertex i) = sum_j pos[i, j] * v[j]`` (float64, summed in order j) and a
        simplex takes the max of its vertices.
    """
    validate = check_validate(validate)
    pos, sets, batch, num_graphs = check_complex(pos, simplices, batch, num_graphs, validate)
    v = check_directions(directions, pos.shape[1], pos, "pos", validate)
    check_height_range(pos, v, validate)
    span = None if radius is None else (-positive_number("radius", radius), positive_number("radius", radius))
    t = resolve_thresholds(thresholds, span, pos, "pos", rows=v.shape[0], span_name="radius", validate=validate)
    values, origin, inv_step = threshold_rows(t, v.shape[0])
    if backend_for(pos.device) == "reference":
        return reference.ect_reference(pos, *sets, directions=v, thresholds=values, batch=batch, num_graphs=num_graphs)
    return _library.ect_curves(pos, batch, num_graphs, sets, v, values, origin, inv_step)
