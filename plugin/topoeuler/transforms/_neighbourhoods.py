"""All k-hop neighbourhoods of a graph as one batch of subcomplexes (no loop over nodes)."""
from __future__ import annotations

import torch

from topoeuler.transforms._complex import join_on_vertex, sorted_member


def khop_pairs(edges: torch.Tensor, num_nodes: int, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``(center, member)`` ``[P]`` each, sorted by ``(center, member)``: ``member`` is within
    ``k`` hops of ``center`` (edges read as undirected; every node is in its own neighbourhood).

    ``k`` rounds of "add the neighbours of every member", each one vectorised join.
    """
    both = torch.cat([edges, edges.flip(0)], dim=1)
    keys = torch.arange(num_nodes, device=edges.device) * (num_nodes + 1)  # (i, i)
    for _ in range(k):
        center, member = keys // num_nodes, keys % num_nodes
        pair, edge = join_on_vertex(member, both[0], num_nodes)
        keys = torch.unique(torch.cat([keys, center[pair] * num_nodes + both[1, edge]]))
    return keys // num_nodes, keys % num_nodes


def restrict(simplices: torch.Tensor, center: torch.Tensor, member: torch.Tensor, num_nodes: int) -> torch.Tensor:
    """The simplices ``[m, M]`` that lie inside each neighbourhood, renumbered into the pairs:
    ``[m, M']`` indices into ``(center, member)`` (the batch's vertices).

    Candidates are joined through the simplex's first vertex, then kept when all their other
    vertices belong to the same neighbourhood.
    """
    m = simplices.shape[0]
    keys = center * num_nodes + member  # sorted
    pair, simplex = join_on_vertex(member, simplices[0], num_nodes)
    rows, keep = [pair], torch.ones_like(pair, dtype=torch.bool)
    for j in range(1, m):
        found, position = sorted_member(keys, center[pair] * num_nodes + simplices[j, simplex])
        keep &= found
        rows.append(position)
    return torch.stack(rows)[:, keep]
