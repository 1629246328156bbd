"""LocalECTTransform: a node-level ECT of every node's k-hop neighbourhood, in one kernel call."""
from __future__ import annotations

import torch

from topoeuler.ops.ect import ect
from topoeuler.transforms._base import EulerTransform, KERNEL_VERSION, output_dtype, positive_int, threshold_grid
from topoeuler.transforms._complex import undirected_edges
from topoeuler.transforms._coordinates import check_coordinates, vertex_coordinates
from topoeuler.transforms._directions import fixed_directions
from topoeuler.transforms._neighbourhoods import khop_pairs, restrict
from topoeuler.transforms._registry import register


@register
class LocalECTTransform(EulerTransform):
    """Stores in ``data[key]`` the exact ECT of each node's ``k``-hop neighbourhood, ``[N, D, T]``.

    Node ``i``'s complex: the nodes within ``num_hops`` hops of ``i`` (edges read as undirected),
    the edges among them and, with ``face``, the triangles among them (the induced subcomplex),
    with coordinates relative to node ``i`` (``pos_j - pos_i``), so the feature is translation
    invariant. All neighbourhoods are built as one batch and go through one
    :func:`topoeuler.ect` call (``batch=`` the centre node). Directions are fixed (seeded),
    thresholds ``linspace(-radius, radius, num_thresholds)``: a node's row depends on its
    neighbourhood and these parameters only.

    Output: ``data[key]`` ``[N, D, T]`` (``[N, D*T]`` with ``flatten``).
    """

    params = ("num_hops", "num_directions", "num_thresholds", "radius", "coordinates", "directions", "seed",
              "flatten", "key", "dtype")

    def __init__(self, num_hops: int = 1, num_directions: int = 8, num_thresholds: int = 8, radius: float = 1.0,
                 coordinates="pos", directions: str = "auto", seed: int = 0, flatten: bool = False,
                 key: str = "local_ect", dtype: str = "float32", version: int = KERNEL_VERSION,
                 transform_name: str | None = None, transform_type: str | None = None):
        super().__init__(version, transform_name, transform_type)
        self.num_hops = positive_int("num_hops", num_hops)
        self.num_directions = positive_int("num_directions", num_directions)
        self.num_thresholds, self.radius = num_thresholds, float(radius)
        self.thresholds = threshold_grid(-self.radius, self.radius, num_thresholds)
        self.coordinates = check_coordinates(coordinates)
        fixed_directions(1, 2, directions, seed)
        self.directions, self.seed = directions, int(seed)
        self.flatten, self.key, self.dtype = bool(flatten), key, dtype
        self._dtype = output_dtype(dtype)

    def forward(self, data):
        pos = vertex_coordinates(data, self.coordinates, type(self).__name__)
        N = pos.shape[0]
        edge_index = getattr(data, "edge_index", None)
        edges = undirected_edges(edge_index) if edge_index is not None else torch.zeros(2, 0, dtype=torch.long)
        edges = edges.to(pos.device)
        center, member = khop_pairs(edges, N, self.num_hops)
        sets = [restrict(edges, center, member, N)]
        if getattr(data, "face", None) is not None:
            sets.append(restrict(data.face.to(pos.device), center, member, N))
        local = pos[member] - pos[center]
        v = fixed_directions(self.num_directions, pos.shape[1], self.directions, self.seed).to(pos.device)
        out = ect(local, *sets, directions=v, thresholds=self.thresholds.to(pos.device), batch=center)
        out = out.to(self._dtype)
        data[self.key] = out.flatten(1) if self.flatten else out
        return data
