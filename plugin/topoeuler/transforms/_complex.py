"""Simplices of a PyG ``Data`` as the ECT kernels take them."""
from __future__ import annotations

import torch


def undirected_edges(edge_index: torch.Tensor) -> torch.Tensor:
    """Each undirected edge once: ``[2, E']`` with row 0 < row 1 (self loops dropped).

    PyG stores an undirected edge as two directed ones; the ECT counts simplices as given, so
    both copies would be counted.
    """
    e = edge_index.sort(dim=0).values
    e = e[:, e[0] != e[1]]
    if e.numel() == 0:
        return edge_index.new_zeros(2, 0)
    n = int(e[1].max()) + 1
    keys = torch.unique(e[0] * n + e[1])  # sorted: by (i, j); ~50x faster than torch.unique(dim=1)
    return torch.stack([keys // n, keys % n])


def lifted_simplices(data, num_nodes: int) -> tuple[torch.Tensor, torch.Tensor] | None:
    """Edges ``[2, E]`` and triangles ``[3, F]`` of a complex lifted by TopoBench, read from its
    incidences (``incidence_1`` ``[N, E]`` nodes x edges, ``incidence_2`` ``[E, F]`` edges x
    triangles, signed or not); ``None`` when the sample has no ``incidence_2``."""
    b2 = getattr(data, "incidence_2", None)
    b1 = getattr(data, "incidence_1", None)
    if b2 is None or b1 is None:
        return None
    if b1.shape[0] != num_nodes:
        raise ValueError(f"incidence_1 has {b1.shape[0]} rows, the sample has {num_nodes} vertices")
    edges = _columns(b1, 2, "incidence_1")  # [2, E]
    face_edges = _columns(b2, 3, "incidence_2")  # [3, F] edge ids
    corners = edges[:, face_edges].reshape(6, face_edges.shape[1]).sort(dim=0).values  # each vertex twice
    return edges, corners[0::2].contiguous()


def _columns(m: torch.Tensor, k: int, name: str) -> torch.Tensor:
    """``[k, M]``: the rows of the non-zeros of each of the ``M`` columns of the (sparse or dense)
    matrix ``m``, which must have ``k`` of them per column, in increasing row order."""
    if m.is_sparse:
        m = m.coalesce()
        row, col = m.indices()[:, m.values() != 0]
    else:
        row, col = (m != 0).nonzero(as_tuple=True)
    if torch.bincount(col, minlength=m.shape[1]).ne(k).any():
        raise ValueError(f"{name} must have {k} non-zeros in every column")
    order = torch.argsort(col * m.shape[0] + row)
    return row[order].view(-1, k).T.contiguous()


def join_on_vertex(query: torch.Tensor, first: torch.Tensor, num_nodes: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Every pair ``(q, s)`` with ``first[s] == query[q]``: ``(q [J], s [J])``, grouped by ``q``.

    A join through a CSR index of ``first`` (``[M]`` vertex ids), without a Python loop.
    """
    order = torch.argsort(first, stable=True)
    count = torch.bincount(first, minlength=num_nodes)
    start = torch.cumsum(count, 0) - count
    per_query = count[query]
    q = torch.repeat_interleave(torch.arange(query.numel(), device=query.device), per_query)
    offset = torch.arange(q.numel(), device=q.device) - torch.repeat_interleave(
        torch.cumsum(per_query, 0) - per_query, per_query)
    return q, order[start[query[q]] + offset]


def sorted_member(keys: torch.Tensor, wanted: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(found [W] bool, position [W])`` of ``wanted`` in the sorted 1-D ``keys``."""
    if keys.numel() == 0:
        return torch.zeros_like(wanted, dtype=torch.bool), torch.zeros_like(wanted)
    position = torch.searchsorted(keys, wanted).clamp_max(keys.numel() - 1)
    return keys[position] == wanted, position
