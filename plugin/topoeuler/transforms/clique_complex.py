"""CliqueComplex: the triangles (3-cliques) of a graph as ``data.face``."""
from __future__ import annotations

import torch

from topoeuler.transforms._base import EulerTransform, KERNEL_VERSION, field
from topoeuler.transforms._complex import join_on_vertex, sorted_member, undirected_edges
from topoeuler.transforms._registry import register


@register
class CliqueComplex(EulerTransform):
    """Sets ``data.face`` ``[3, F]``: every triangle ``i < j < k`` of the graph (edges read as
    undirected), sorted lexicographically: the 2-skeleton of the clique (flag) complex.

    Vectorised: each wedge ``(i, j, k)`` with ``i < j < k``, ``ij`` and ``jk`` edges, is kept
    when ``ik`` is an edge (``O(sum of degrees^2)`` work, no dense adjacency).
    """

    params = ()

    def __init__(self, version: int = KERNEL_VERSION, transform_name: str | None = None,
                 transform_type: str | None = None):
        super().__init__(version, transform_name, transform_type)

    def forward(self, data):
        edge_index = field(data, "edge_index", type(self).__name__)
        N = data.num_nodes
        e = undirected_edges(edge_index)  # sorted by (i, j), i < j
        edge, second = join_on_vertex(e[1], e[0], N)  # edge (i, j) and edge (j, k)
        i, j, k = e[0, edge], e[1, edge], e[1, second]
        keep, _ = sorted_member(e[0] * N + e[1], i * N + k)
        data.face = torch.stack([i[keep], j[keep], k[keep]])
        return data
