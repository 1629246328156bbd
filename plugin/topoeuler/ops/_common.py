"""Helpers shared by several ops: the kernels' grid layout and the checked simplicial complex."""
from __future__ import annotations

import math

import torch

from topoeuler.ops._checks import as_index, as_real, reads_values, same_device


def as_grids(x: torch.Tensor, ndim: int) -> torch.Tensor:
    """``x [..., *grid]`` as the kernels' contiguous ``[B, depth, H, W]`` (depth 1 in 2D)."""
    grid = x.shape[-ndim:]
    return x.reshape(-1, *((1,) * (3 - ndim)), *grid).contiguous()


def check_num_graphs(num_graphs) -> int | None:
    """``num_graphs`` as a non-negative int, or ``None``; ValueError naming it otherwise."""
    if num_graphs is None:
        return None
    if isinstance(num_graphs, bool) or not isinstance(num_graphs, int) or num_graphs < 0:
        raise ValueError(f"num_graphs must be a non-negative int, got {num_graphs!r}")
    return num_graphs


def check_complex(pos, simplices, batch, num_graphs=None, validate: bool = True
                  ) -> tuple[torch.Tensor, list[torch.Tensor], torch.Tensor | None, int]:
    """Validated ``(pos [N, d] float, simplices [[k, M] int64], batch [N] int64 | None, num_graphs)``.

    ``num_graphs`` (as PyG's pooling ops take it) is ``B``: 1 without ``batch``, else
    ``batch.max() + 1`` when ``None``, which reads ``batch`` back to the host; giving it keeps
    trailing graphs without vertices, and must exceed every entry of ``batch``. ``validate=False``
    skips the checks that read values (NaN/inf, index bounds, simplices crossing graphs).
    """
    pos = as_real("pos", pos, allow_inf=False, validate=validate)
    if pos.dim() != 2 or pos.shape[1] == 0:
        raise ValueError(f"pos must be [N, d] with d >= 1, got shape {tuple(pos.shape)}")
    N = pos.shape[0]
    num_graphs = check_num_graphs(num_graphs)
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
        sets.append(as_index(name, s, N, validate))
    if batch is None:
        return pos.contiguous(), sets, None, 1 if num_graphs is None else num_graphs
    same_device("pos", pos, batch=batch)
    batch = as_index("batch", batch, 2**62 if num_graphs is None else num_graphs, validate)
    if batch.shape != (N,):
        raise ValueError(f"batch must be [N] = [{N}], got shape {tuple(batch.shape)}")
    if num_graphs is None:
        if torch.compiler.is_compiling():
            raise ValueError("pass num_graphs with batch under torch.compile (batch.max() would copy to the host)")
        num_graphs = int(batch.max()) + 1 if N else 0
    if reads_values(batch, validate):
        for i, s in enumerate(sets):
            if s.numel() and (batch[s] != batch[s[0]]).any():
                raise ValueError(f"simplices[{i}] has simplices whose vertices lie in different graphs of batch")
    return pos.contiguous(), sets, batch.contiguous(), num_graphs


def check_height_range(pos: torch.Tensor, directions: torch.Tensor, validate: bool) -> None:
    """ValueError when a height ``<pos_i, v>`` could overflow float64 (``max |pos| * max_v |v|_1``
    beyond float64's range): such heights would be computed as +-inf or NaN. Decided from the
    extremes of both (``d * max |pos| * max |v|`` bounds every height) unless that bound overflows."""
    if not (reads_values(pos, validate) and pos.numel()):
        return
    bound = pos.shape[1] * max(abs(float(e)) for e in torch.aminmax(pos)) * max(
        abs(float(e)) for e in torch.aminmax(directions))
    if math.isfinite(bound):
        return
    exact = pos.abs().max().to(torch.float64) * directions.abs().sum(dim=1).max()
    if not torch.isfinite(exact):
        raise ValueError("pos times directions overflows float64: heights <pos, v> beyond 1.8e308; "
                         "rescale pos or directions")
