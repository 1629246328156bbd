"""Pure-PyTorch references of the ops: the definitions of ``docs/definitions.md`` sections 1-3, batched.

They enumerate cells explicitly (shifted maxima/minima + bucketize + scatter; the soft ones a
sigmoid per cell and threshold), so they cost O(cells) memory and time per image and direction
(times T for the soft ones). They serve as the fallback when the compiled kernels are missing,
and as the plain-PyTorch peers in the benchmarks. Inputs are assumed valid (the public ops in
:mod:`topoeuler.ops` check them).
"""
from __future__ import annotations

import itertools

import torch


_TINY = torch.finfo(torch.float64).tiny


def threshold_rows_reference(t: torch.Tensor, rows: int) -> tuple[torch.Tensor, ...]:
    """``(values [rows, T], origin [rows], step [rows], inv_step [rows])`` of float64 thresholds
    ``t [T]`` or ``[rows, T]``: the definition the ``threshold_rows`` kernel implements.

    A row is evenly spaced with ``step = (t_last - t_0) / (T - 1)`` when every threshold is within
    ``1e-3 * step`` of ``t_0 + k * step``, ``step`` is a normal float64 and every ``|t_k| < 2**40 *
    step``; otherwise (and for ``T = 1``) ``step = inv_step = 0``. NaN/inf make a row uneven.
    """
    values = t.expand(rows, t.shape[-1]).clone(memory_format=torch.contiguous_format)
    count = values.shape[1]
    step = torch.zeros(rows, dtype=torch.float64, device=t.device)
    if count > 1:
        spread = (values[:, -1] - values[:, 0]) / (count - 1)
        ideal = values[:, :1] + torch.arange(count, dtype=torch.float64, device=t.device) * spread[:, None]
        even = (((values - ideal).abs().amax(dim=1) <= 1e-3 * spread) & (spread >= _TINY)
                & (values.abs().amax(dim=1) < 2.0**40 * spread))
        step = torch.where(even, spread, step)
    inv_step = torch.where(step > 0, 1.0 / torch.where(step > 0, step, torch.ones_like(step)), torch.zeros_like(step))
    return values, values[:, 0].clone(), step, inv_step


def _shifted(f: torch.Tensor, ndim: int, starts: tuple[int, ...], lengths: tuple[int, ...]) -> torch.Tensor:
    """View of the last ``ndim`` axes of ``f`` starting at ``starts`` with ``lengths``."""
    index = (...,) + tuple(slice(s, s + n) for s, n in zip(starts, lengths))
    return f[index]


def cubical_cells(f: torch.Tensor, ndim: int, construction: str) -> list[tuple[torch.Tensor, int]]:
    """Cell values of the cubical complex of ``f [B, *grid]``, grouped by cell type: ``[(values [B, M], sign)]``.

    V: a cell spanning the axes S has the max of its 2^|S| vertices, sign (-1)^|S|.
    T: a cell that is thin along the axes A (shared by 2^|A| top cells) has the min of those
    top cells (+inf outside the grid), sign (-1)^(ndim - |A|).
    """
    grid = f.shape[-ndim:]
    cells = []
    if construction == "V":
        for span in itertools.product((0, 1), repeat=ndim):
            lengths = tuple(n - s for n, s in zip(grid, span))
            if min(lengths) <= 0:
                continue
            shifts = itertools.product(*[(0, 1) if s else (0,) for s in span])
            value = torch.stack([_shifted(f, ndim, sh, lengths) for sh in shifts]).amax(dim=0)
            cells.append((value.reshape(f.shape[0], -1), (-1) ** sum(span)))
        return cells
    padded = torch.nn.functional.pad(f, (1, 1) * ndim, value=float("inf"))
    for thin in itertools.product((0, 1), repeat=ndim):
        lengths = tuple(n + t for n, t in zip(grid, thin))
        shifts = itertools.product(*[(0, 1) if t else (1,) for t in thin])
        value = torch.stack([_shifted(padded, ndim, sh, lengths) for sh in shifts]).amin(dim=0)
        cells.append((value.reshape(f.shape[0], -1), (-1) ** (ndim - sum(thin))))
    return cells


def _counts(bins: torch.Tensor, flat_rows: torch.Tensor, sign: int, rows: int, count: int) -> torch.Tensor:
    """Histogram [rows, count + 1] of ``sign`` at (flat_rows, bins); bin ``count`` collects +inf."""
    hist = torch.zeros(rows * (count + 1), dtype=torch.int64, device=bins.device)
    hist.index_add_(0, (flat_rows * (count + 1) + bins).flatten(), torch.full_like(bins.flatten(), sign))
    return hist.view(rows, count + 1)


def ecc_reference(x: torch.Tensor, thresholds: torch.Tensor, *, ndim: int = 2, construction: str = "V") -> torch.Tensor:
    """Exact ECC of grids ``x [..., *grid]`` at sorted float64 ``thresholds [T]``: int64 ``[..., T]``."""
    lead, grid = x.shape[:-ndim], x.shape[-ndim:]
    f = x.reshape(-1, *grid)
    B, T = f.shape[0], thresholds.shape[0]
    hist = torch.zeros(B, T + 1, dtype=torch.int64, device=x.device)
    rows = torch.arange(B, device=x.device)[:, None]
    for values, sign in cubical_cells(f, ndim, construction):
        bins = torch.bucketize(values.to(torch.float64), thresholds)  # first t >= v: the `<=` rule
        hist += _counts(bins, rows.expand_as(bins), sign, B, T)
    return hist[:, :T].cumsum(dim=1).reshape(*lead, T)


def grid_coordinates(n: int, device=None) -> torch.Tensor:
    """Coordinates ``i * (2/(n-1)) - 1`` of the ``n`` pixels of an axis, spanning [-1, 1] (0 when n == 1): float64 ``[n]``."""
    if n == 1:
        return torch.zeros(1, dtype=torch.float64, device=device)
    return torch.arange(n, dtype=torch.float64, device=device) * (2.0 / (n - 1)) - 1.0


def grid_heights(shape: tuple[int, ...], direction: torch.Tensor) -> torch.Tensor:
    """Heights ``<p, v>`` of the pixels of a grid of ``shape``, summed in axis order: float64 ``shape``."""
    ndim = len(shape)
    height = None
    for axis, n in enumerate(shape):
        view = [1] * ndim
        view[axis] = n
        term = grid_coordinates(n, direction.device).view(view) * direction[axis]
        height = term if height is None else height + term
    return height


def image_ect_reference(mask: torch.Tensor, directions: torch.Tensor, thresholds: torch.Tensor, *, ndim: int = 2,
                        construction: str = "V") -> torch.Tensor:
    """Exact image ECT of boolean ``mask [..., *grid]``: int64 ``[..., D, T]``.

    ``directions [D, ndim]`` float64; ``thresholds [D, T]`` float64. Background pixels are +inf.
    """
    inf = torch.tensor(float("inf"), dtype=torch.float64, device=mask.device)
    curves = []
    for d in range(directions.shape[0]):
        heights = torch.where(mask, grid_heights(mask.shape[-ndim:], directions[d]), inf)
        curves.append(ecc_reference(heights, thresholds[d], ndim=ndim, construction=construction))
    return torch.stack(curves, dim=-2)


def vertex_heights(pos: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
    """Heights ``h[i, d] = sum_j pos[i, j] * v[d, j]`` in float64, summed in order j = 0..dim-1: ``[N, D]``."""
    pos = pos.to(torch.float64)
    h = pos[:, :1] * directions[:, 0]
    for j in range(1, pos.shape[1]):
        h = h + pos[:, j : j + 1] * directions[:, j]
    return h


def ect_reference(pos: torch.Tensor, *simplices: torch.Tensor, directions: torch.Tensor, thresholds: torch.Tensor,
                  batch: torch.Tensor | None = None, num_graphs: int = 1) -> torch.Tensor:
    """Exact ECT: int64 ``[B, D, T]`` of ``pos [N, d]``, simplices ``[k, M]``, ``directions [D, d]``,
    sorted ``thresholds [D, T]`` (float64), ``batch [N]``.
    """
    N, (D, T) = pos.shape[0], thresholds.shape
    h = vertex_heights(pos, directions)
    if batch is None:
        batch = torch.zeros(N, dtype=torch.int64, device=pos.device)
    hist = torch.zeros(num_graphs * D, T + 1, dtype=torch.int64, device=pos.device)
    direction = torch.arange(D, device=pos.device)[:, None]
    for idx in (torch.arange(N, device=pos.device)[None],) + simplices:
        height = h[idx].amax(dim=0)  # [M, D]: the max over the simplex's vertices
        bins = torch.searchsorted(thresholds, height.T.contiguous())  # [D, M]: first t >= h
        rows = batch[idx[0]][None, :] * D + direction
        hist += _counts(bins, rows, (-1) ** (idx.shape[0] - 1), num_graphs * D, T)
    return hist[:, :T].cumsum(dim=1).view(num_graphs, D, T)


def soft_ecc_dense(f: torch.Tensor, thresholds: torch.Tensor, *, ndim: int = 2, construction: str = "V",
                   scale: float = 50.0) -> torch.Tensor:
    """The dense soft ECC formula over every cell (materialises ``[B, cells, T]``): fallback
    without compiled kernels and the benchmarks' peer. ``f [B, *grid]``, thresholds ``[T]``; float64 ``[B, T]``."""
    out = 0
    for values, sign in cubical_cells(f.to(torch.float64), ndim, construction):
        out = out + sign * torch.sigmoid(scale * (thresholds - values[..., None])).sum(dim=1)
    return out


def soft_ect_dense(pos, *simplices, directions, thresholds, batch=None, num_graphs=1, scale=50.0):
    """The dense DECT formula (fallback without the compiled kernels, and the benchmarks' peer):
    materialises ``[cells, D, T]``. ``thresholds [D, T]``; returns float64 ``[B, D, T]``."""
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
