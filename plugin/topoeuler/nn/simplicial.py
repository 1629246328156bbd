"""SimplicialECTNet: TopoModelX's SCN2 on a graph's clique complex, with ECT features in the readout."""
from __future__ import annotations

import torch
from torch import nn

from topoeuler.nn._pooling import check_pooling, node_batch, pool
from topoeuler.nn.ect_readout import ECTReadout
from topoeuler.transforms._complex import undirected_edges


def hodge_laplacians(num_nodes: int, edges: torch.Tensor, faces: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Dense Hodge Laplacians ``L0 [N, N]``, ``L1 [E, E]``, ``L2 [F, F]`` of the complex with
    ``edges [2, E]`` (i < j) and triangles ``faces [3, F]`` (i < j < k), from the signed
    incidences ``B1 [N, E]`` (``-1`` at i, ``+1`` at j) and ``B2 [E, F]`` (the boundary
    ``jk - ik + ij``): ``L0 = B1 B1^T``, ``L1 = B1^T B1 + B2 B2^T``, ``L2 = B2^T B2``.
    Dense: meant for small graphs (molecules), ``O(N^2 + E^2 + F^2)`` memory."""
    E, F = edges.shape[1], faces.shape[1]
    b1 = torch.zeros(num_nodes, E, device=edges.device)
    cols = torch.arange(E, device=edges.device)
    b1[edges[0], cols] = -1.0
    b1[edges[1], cols] = 1.0
    b2 = torch.zeros(E, F, device=edges.device)
    if F:
        keys = edges[0] * num_nodes + edges[1]  # sorted: undirected_edges returns them in order
        f = torch.arange(F, device=edges.device)
        for (a, b), sign in (((1, 2), 1.0), ((0, 2), -1.0), ((0, 1), 1.0)):
            row = torch.searchsorted(keys, faces[a] * num_nodes + faces[b])
            b2[row, f] = sign
    return b1 @ b1.T, b1.T @ b1 + b2 @ b2.T, b2.T @ b2


class SimplicialECTNet(nn.Module):
    """Node features -> ``topomodelx.nn.simplicial.scn2.SCN2`` on the clique complex (vertices,
    edges, triangles ``data.face``, e.g. from :class:`topoeuler.transforms.CliqueComplex`) ->
    per-graph pooling of each dimension -> concatenated with the ECT features ``data[ect_key]``
    -> logits ``[B, out_channels]``.

    Edge and triangle inputs are the means of their vertices' embeddings; the Laplacians are
    divided by ``1 + their largest diagonal entry`` (a bound that keeps the convolutions stable).
    Needs TopoModelX (``pip install topoeuler[simplicial]``, see the README).
    """

    def __init__(self, in_channels: int, hidden_channels: int, out_channels: int, ect_shape=None,
                 ect_key: str = "ect", n_layers: int = 2, pooling_type: str = "sum", ect_hidden: int = 64):
        super().__init__()
        try:
            from topomodelx.nn.simplicial.scn2 import SCN2
        except ImportError as error:  # pragma: no cover - depends on the environment
            raise ImportError("SimplicialECTNet needs TopoModelX: `pip install topoeuler[simplicial]` and "
                              "`pip install --no-deps topomodelx==0.0.1` (see the README)") from error
        self.pooling_type = check_pooling(pooling_type)
        self.encode = nn.Linear(in_channels, hidden_channels)
        self.backbone = SCN2(hidden_channels, hidden_channels, hidden_channels, n_layers=n_layers)
        self.readout = ECTReadout(3 * hidden_channels, out_channels, pooling_type=pooling_type, ect_key=ect_key,
                                  ect_shape=ect_shape, ect_hidden=ect_hidden)

    def forward(self, data):
        x_0 = torch.relu(self.encode(data.x.float()))
        edges = undirected_edges(data.edge_index)
        faces = getattr(data, "face", None)
        faces = edges.new_zeros(3, 0) if faces is None else faces
        laplacians = [(L / (1 + L.diagonal().max() if L.numel() else 1)).to_sparse()
                      for L in hodge_laplacians(x_0.shape[0], edges, faces)]
        x_1 = x_0[edges].mean(dim=0)
        x_2 = x_0[faces].mean(dim=0)
        x_0, x_1, x_2 = self.backbone(x_0, x_1, x_2, *laplacians)
        index = node_batch(data, x_0.shape[0])
        num_graphs = int(getattr(data, "num_graphs", int(index.max()) + 1))
        pooled = [pool(x_0, index, num_graphs, self.pooling_type),
                  pool(x_1, index[edges[0]], num_graphs, self.pooling_type),
                  pool(x_2, index[faces[0]], num_graphs, self.pooling_type)]
        # the readout pools x_0 itself; hand it the per-graph rows as "nodes" of one graph each
        per_graph = {"x_0": torch.cat(pooled, dim=1)}
        graphs = {"batch_0": torch.arange(num_graphs, device=x_0.device)}
        if self.readout.ect_key is not None:
            graphs[self.readout.ect_key] = data[self.readout.ect_key]
        return self.readout(per_graph, graphs)["logits"]
