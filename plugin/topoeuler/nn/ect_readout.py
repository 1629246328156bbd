"""ECTReadout: pooled node embeddings and precomputed ECT features -> logits (TopoBench-compatible)."""
from __future__ import annotations

import math

import torch
from torch import nn

from topoeuler.nn._pooling import check_pooling, node_batch, pool


class ECTReadout(nn.Module):
    """Concatenates the pooled node embeddings with a graph's (or node's) ECT/ECC features and
    maps them to logits.

    TopoBench's readout contract: ``readout(model_out, batch) -> model_out`` with
    ``model_out["x_0"]`` ``[N, hidden_dim]`` and ``batch["batch_0"]`` (PyG's ``batch`` works
    too); it sets ``model_out["logits"]`` ``[B, out_channels]`` (``[N, out_channels]`` for
    ``task_level="node"``). The features stay in their own field ``batch[ect_key]``
    (``[B, *ect_shape]`` per graph, ``[N, *ect_shape]`` per node, as topoeuler's transforms store
    them), so TopoBench's inference of input widths is unaffected.

    Args:
        hidden_dim, out_channels, task_level, pooling_type: as TopoBench's readouts.
        ect_shape: the feature shape per sample (e.g. ``[D, T]``); ``None`` or ``ect_key=None``:
            no features (the plain pooled-linear readout, a baseline).
        ect_hidden: width of the features' MLP branch (``BatchNorm1d`` -> ``Linear`` -> ReLU).
        propagate_down: the highest cell dimension ``k`` whose states are folded into the nodes'
            before pooling (0: none): for ``i = k, ..., 1``,
            ``x_{i-1} <- x_{i-1} + |incidence_i| @ x_i`` with TopoBench's ``batch.incidence_i``
            ``[N_{i-1}, N_i]`` (signs dropped), so a simplicial backbone's higher-rank outputs
            reach the logits (parameter-free, unlike TopoBench's ``PropagateSignalDown``).
        **kwargs: other keys of TopoBench's readout configs (``readout_name``,
            ``num_cell_dimensions``, ...), ignored.
    """

    def __init__(self, hidden_dim: int, out_channels: int, task_level: str = "graph", pooling_type: str = "sum",
                 ect_key: str | None = "ect", ect_shape=None, ect_hidden: int = 64, propagate_down: int = 0, **kwargs):
        super().__init__()
        if isinstance(propagate_down, bool) or not isinstance(propagate_down, int) or propagate_down < 0:
            raise ValueError(f"propagate_down must be an int >= 0, got {propagate_down!r}")
        self.propagate_down = propagate_down
        if task_level not in ("graph", "node"):
            raise ValueError(f'task_level must be "graph" or "node", got {task_level!r}')
        self.task_level, self.pooling_type = task_level, check_pooling(pooling_type)
        self.ect_key = ect_key if ect_shape is not None else None
        width = hidden_dim
        if self.ect_key is not None:
            shape = [ect_shape] if isinstance(ect_shape, int) else list(ect_shape)
            self.ect_dim = math.prod(int(s) for s in shape)
            self.ect_branch = nn.Sequential(nn.BatchNorm1d(self.ect_dim), nn.Linear(self.ect_dim, ect_hidden), nn.ReLU())
            width += ect_hidden
        self.linear = nn.Linear(width, out_channels)

    def features(self, model_out: dict, batch) -> torch.Tensor:
        """``[B, hidden_dim (+ ect_hidden)]`` (or per node): what the last linear layer reads."""
        x = self._propagated(model_out, batch)
        if self.task_level == "graph":
            index = node_batch(batch, x.shape[0]).to(x.device)
            num_graphs = int(index.max()) + 1 if index.numel() else 0
            if self.ect_key is not None:
                num_graphs = max(num_graphs, batch[self.ect_key].shape[0])
            x = pool(x, index, num_graphs, self.pooling_type)
        if self.ect_key is None:
            return x
        ect = batch[self.ect_key].to(x.device, x.dtype).flatten(1)
        if ect.shape != (x.shape[0], self.ect_dim):
            raise ValueError(f"batch.{self.ect_key} must be [{x.shape[0]}, {self.ect_dim}] once flattened, "
                             f"got {tuple(ect.shape)}")
        return torch.cat([x, self.ect_branch(ect)], dim=1)

    def _propagated(self, model_out: dict, batch) -> torch.Tensor:
        """``x_0`` with the states of cells of dimension ``1..propagate_down`` folded in."""
        if self.propagate_down == 0:
            return model_out["x_0"]
        for i in range(1, self.propagate_down + 1):
            if f"x_{i}" not in model_out or f"incidence_{i}" not in batch:
                raise ValueError(f"propagate_down={self.propagate_down} needs model_out['x_{i}'] and "
                                 f"batch.incidence_{i} (a simplicial backbone on a lifted complex)")
        x = model_out[f"x_{self.propagate_down}"]
        for i in range(self.propagate_down, 0, -1):
            incidence = batch[f"incidence_{i}"].to(x.device, x.dtype).abs()
            down = torch.sparse.mm(incidence, x) if incidence.is_sparse else incidence @ x
            x = model_out[f"x_{i - 1}"] + down
        return x

    def forward(self, model_out: dict, batch) -> dict:
        model_out["logits"] = self.linear(self.features(model_out, batch))
        return model_out
