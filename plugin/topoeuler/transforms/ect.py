"""ECTTransform: the exact ECT of a point cloud, graph, mesh or lifted complex, per sample."""
from __future__ import annotations

import copy

import torch

from topoeuler.ops.ect import ect
from topoeuler.transforms._base import EulerTransform, KERNEL_VERSION, output_dtype, positive_int, threshold_grid
from topoeuler.transforms._complex import lifted_simplices, undirected_edges
from topoeuler.transforms._coordinates import check_coordinates, normalise_to_unit_ball, vertex_coordinates
from topoeuler.transforms._directions import fixed_directions
from topoeuler.transforms._registry import register


@register
class ECTTransform(EulerTransform):
    """Stores the exact ECT (:func:`topoeuler.ect`) of each sample in ``data[key]``.

    The complex: vertices at the coordinates (``pos``, or columns of ``x``), edges from
    ``edge_index`` (each undirected edge once, self loops dropped), triangles from ``face``;
    a sample lifted by TopoBench's clique lifting (``incidence_1``, ``incidence_2``, no
    ``face``) gives its edges and triangles instead. ``ECT(v, t) = sum over simplices s with
    max_{i in s} <pos_i, v> <= t of (-1)^dim(s)``.

    The output depends on that sample and these parameters only: fixed directions (see
    ``directions``; ``num_directions`` of them, seeded) and fixed thresholds
    ``linspace(-radius, radius, num_thresholds)``, never a range taken from other samples.

    Args:
        num_directions, num_thresholds: ``D`` and ``T``.
        radius: the thresholds' range ``[-radius, radius]``.
        coordinates: ``"pos"``, ``"x"`` or a list of columns of ``x``.
        directions: ``"auto"`` (circle in 2D, Fibonacci sphere in 3D, seeded random otherwise)
            or ``"random"`` (seeded random); ``seed`` seeds them.
        simplices: the highest dimension that enters (0 points, 1 edges, 2 triangles).
        normalize: first centre the sample at its vertex mean and scale it into the unit ball.
        flatten: store ``[1, D*T]`` instead of ``[1, D, T]``.
        key: the output field; dtype: "float32" (default), "float64" or "int64".
        version: the kernels' definition version (part of TopoBench's cache hash).

    Output: ``data[key]`` ``[1, D, T]`` (or ``[1, D*T]``), so that collation gives ``[B, D, T]``.
    """

    params = ("num_directions", "num_thresholds", "radius", "coordinates", "directions", "seed", "simplices",
              "normalize", "flatten", "key", "dtype")

    def __init__(self, num_directions: int = 16, num_thresholds: int = 16, radius: float = 1.0,
                 coordinates="pos", directions: str = "auto", seed: int = 0, simplices: int = 2,
                 normalize: bool = False, flatten: bool = False, key: str = "ect", dtype: str = "float32",
                 version: int = KERNEL_VERSION, transform_name: str | None = None, transform_type: str | None = None):
        super().__init__(version, transform_name, transform_type)
        self.num_directions = positive_int("num_directions", num_directions)
        self.num_thresholds = num_thresholds
        self.radius = float(radius)
        self.thresholds = threshold_grid(-self.radius, self.radius, num_thresholds)
        self.coordinates = check_coordinates(coordinates)
        fixed_directions(1, 2, directions, seed)  # validates the kind
        self.directions, self.seed = directions, int(seed)
        if simplices not in (0, 1, 2):
            raise ValueError(f"simplices must be 0, 1 or 2, got {simplices!r}")
        self.simplices, self.normalize, self.flatten = simplices, bool(normalize), bool(flatten)
        self.key, self.dtype = key, dtype
        self._dtype = output_dtype(dtype)

    def simplex_sets(self, data, num_nodes: int) -> list[torch.Tensor]:
        """The edge and triangle sets of ``data`` up to dimension ``simplices``."""
        if self.simplices == 0:
            return []
        lifted = lifted_simplices(data, num_nodes) if getattr(data, "face", None) is None else None
        if lifted is not None:
            return list(lifted[: self.simplices])
        sets = []
        if getattr(data, "edge_index", None) is not None:
            sets.append(undirected_edges(data.edge_index))
        if self.simplices == 2 and getattr(data, "face", None) is not None:
            sets.append(data.face)
        return sets

    def direction_tensor(self, dim: int) -> torch.Tensor:
        """The ``[D, dim]`` float64 directions used for ``dim``-dimensional coordinates."""
        return fixed_directions(self.num_directions, dim, self.directions, self.seed)

    def forward(self, data):
        pos = vertex_coordinates(data, self.coordinates, type(self).__name__)
        if self.normalize:
            pos = normalise_to_unit_ball(pos)
        sets = self.simplex_sets(data, pos.shape[0])
        v = self.direction_tensor(pos.shape[1]).to(pos.device)
        out = ect(pos, *sets, directions=v, thresholds=self.thresholds.to(pos.device)).to(self._dtype)
        data[self.key] = out.flatten(1) if self.flatten else out
        return data

    def forward_batch(self, data_list) -> list:
        """``[self(d) for d in data_list]`` with one kernel call for the whole list (PyG collation,
        then :func:`topoeuler.ect` with ``batch=``): each sample's ECT is the same as alone.
        Samples lifted by TopoBench (incidences without ``face``) are refused: their incidences do
        not collate block-diagonally in plain PyG."""
        from torch_geometric.data import Batch
        from torch_geometric.utils import scatter

        if any(getattr(d, "face", None) is None and getattr(d, "incidence_2", None) is not None for d in data_list):
            raise ValueError("forward_batch takes graphs or meshes (edge_index, face); apply the transform "
                             "sample by sample to complexes lifted by TopoBench")
        batch = Batch.from_data_list(list(data_list))
        pos = vertex_coordinates(batch, self.coordinates, type(self).__name__)
        index, B = batch.batch, batch.num_graphs
        if self.normalize:
            pos = pos - scatter(pos, index, dim=0, dim_size=B, reduce="mean")[index]
            pos = pos / scatter(pos.norm(dim=1), index, dim=0, dim_size=B, reduce="max").clamp_min(1e-12)[index, None]
        sets = self.simplex_sets(batch, pos.shape[0])
        v = self.direction_tensor(pos.shape[1]).to(pos.device)
        out = ect(pos, *sets, directions=v, thresholds=self.thresholds.to(pos.device), batch=index).to(self._dtype)
        if out.shape[0] < B:  # trailing samples without vertices
            out = torch.cat([out, out.new_zeros(B - out.shape[0], *out.shape[1:])])
        out = out.flatten(1) if self.flatten else out
        results = []
        for i, data in enumerate(data_list):
            data = copy.copy(data)
            data[self.key] = out[i:i + 1]
            results.append(data)
        return results
