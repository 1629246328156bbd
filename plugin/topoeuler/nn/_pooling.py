"""Per-graph pooling of node embeddings, and the node-to-graph vector of a PyG or TopoBench batch."""
from __future__ import annotations

import torch
from torch_geometric.utils import scatter

POOLINGS = ("sum", "mean", "max")


def check_pooling(pooling_type: str) -> str:
    if pooling_type not in POOLINGS:
        raise ValueError(f"pooling_type must be one of {POOLINGS}, got {pooling_type!r}")
    return pooling_type


def node_batch(batch, num_nodes: int) -> torch.Tensor:
    """``[N]`` graph index of each node: TopoBench's ``batch_0``, PyG's ``batch``, or zeros (one graph)."""
    for key in ("batch_0", "batch"):
        value = batch.get(key) if isinstance(batch, dict) else getattr(batch, key, None)
        if value is not None:
            return value
    return torch.zeros(num_nodes, dtype=torch.long)


def pool(x: torch.Tensor, index: torch.Tensor, num_graphs: int, pooling_type: str) -> torch.Tensor:
    """``[B, F]``: ``x [N, F]`` reduced per graph (graphs without nodes give zeros)."""
    return scatter(x, index, dim=0, dim_size=num_graphs, reduce=pooling_type)
