"""SoftECTReadout: the soft ECT of the graph embedded by the GNN's node features, learnt end to end."""
from __future__ import annotations

import torch
from torch import nn

from topoeuler.nn._pooling import check_pooling, node_batch, pool
from topoeuler.nn.ect_layer import ECTLayer
from topoeuler.transforms._complex import undirected_edges


class SoftECTReadout(nn.Module):
    """Embeds each node at ``radius * tanh(W x_0)`` in ``R^dim`` (``W``: a linear map), takes the
    soft ECT (:class:`topoeuler.nn.ECTLayer`) of the graph so embedded (vertices and each
    undirected edge of ``batch.edge_index`` once), and maps the pooled node embeddings
    concatenated with the ``[B, D*T]`` ECT to logits. Gradients reach the GNN through the
    embedding: the topology of the learnt embedding is a feature.

    TopoBench's readout contract, as :class:`topoeuler.nn.ECTReadout` (graph-level tasks).

    Args:
        hidden_dim, out_channels, pooling_type: as TopoBench's readouts.
        dim, num_directions, num_thresholds, scale, learn_directions: of the ECT layer
            (thresholds on ``[-radius, radius]``, the embedding's range, so they cover it).
        ect_hidden: width of the ECT's MLP branch.
    """

    def __init__(self, hidden_dim: int, out_channels: int, task_level: str = "graph", pooling_type: str = "sum",
                 dim: int = 3, num_directions: int = 16, num_thresholds: int = 16, radius: float = 1.0,
                 scale: float = 10.0, learn_directions: bool = True, ect_hidden: int = 64, **kwargs):
        super().__init__()
        if task_level != "graph":
            raise ValueError(f'SoftECTReadout is for graph-level tasks, got task_level={task_level!r}')
        self.task_level, self.pooling_type = task_level, check_pooling(pooling_type)
        self.embed = nn.Linear(hidden_dim, dim)
        self.radius = float(radius)
        self.ect = ECTLayer(directions=num_directions, dim=dim, thresholds=num_thresholds, radius=radius,
                            scale=scale, learn_directions=learn_directions, simplices=("points", "edges"))
        width = num_directions * num_thresholds
        self.ect_branch = nn.Sequential(nn.BatchNorm1d(width), nn.Linear(width, ect_hidden), nn.ReLU())
        self.linear = nn.Linear(hidden_dim + ect_hidden, out_channels)

    def forward(self, model_out: dict, batch) -> dict:
        x = model_out["x_0"]
        index = node_batch(batch, x.shape[0]).to(x.device)
        num_graphs = int(index.max()) + 1
        coords = self.radius * torch.tanh(self.embed(x))
        edge_index = batch["edge_index"] if isinstance(batch, dict) else batch.edge_index
        ect = self.ect(coords, undirected_edges(edge_index), batch=index)  # [B, D, T]
        if ect.shape[0] < num_graphs:
            ect = torch.cat([ect, ect.new_zeros(num_graphs - ect.shape[0], *ect.shape[1:])])
        pooled = pool(x, index, num_graphs, self.pooling_type)
        model_out["logits"] = self.linear(torch.cat([pooled, self.ect_branch(ect.flatten(1).to(x.dtype))], dim=1))
        return model_out
