"""PointCloudToGraph: a k-nearest-neighbour or radius graph on ``data.pos``."""
from __future__ import annotations

import torch

from topoeuler.topology.clouds import knn_edges
from topoeuler.transforms._base import EulerTransform, KERNEL_VERSION, field, positive_int
from topoeuler.transforms._registry import register


@register
class PointCloudToGraph(EulerTransform):
    """Sets ``data.edge_index`` ``[2, E]`` (both directions of each undirected edge, PyG's layout).

    ``k``: ``i`` and ``j`` are joined when ``j`` is among the ``k`` nearest other points of ``i``
    or ``i`` among those of ``j`` (ties broken by the lower index); ``r``: when
    ``|pos_i - pos_j| <= r``. Exactly one of them. ``k`` computes distances a block of rows at
    a time (:func:`topoeuler.topology.knn_edges`), ``r`` all pairwise distances (``O(N^2)``
    memory); neither needs PyG's optional compiled extensions (PyG's ``KNNGraph`` and
    ``RadiusGraph`` need torch-cluster). Edges are sorted by ``(i, j)``.
    """

    params = ("k", "r")

    def __init__(self, k: int | None = None, r: float | None = None, version: int = KERNEL_VERSION,
                 transform_name: str | None = None, transform_type: str | None = None):
        super().__init__(version, transform_name, transform_type)
        if (k is None) == (r is None):
            raise ValueError(f"give exactly one of k and r, got k={k!r}, r={r!r}")
        self.k = None if k is None else positive_int("k", k)
        if r is not None and not float(r) > 0:
            raise ValueError(f"r must be positive, got {r!r}")
        self.r = None if r is None else float(r)

    def forward(self, data):
        pos = field(data, "pos", type(self).__name__).to(torch.float64)
        N = pos.shape[0]
        if self.k is not None:
            if N < 2:
                data.edge_index = torch.zeros(2, 0, dtype=torch.long, device=pos.device)
                return data
            edges = knn_edges(pos, min(self.k, N - 1))  # i < j, sorted
            both = torch.cat([edges, edges.flip(0)], dim=1)
            data.edge_index = both[:, torch.argsort(both[0] * N + both[1])].contiguous()
            return data
        dist = torch.cdist(pos, pos)
        dist.fill_diagonal_(float("inf"))
        data.edge_index = (dist <= self.r).nonzero().T.contiguous()
        return data
