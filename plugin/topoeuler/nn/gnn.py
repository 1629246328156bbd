"""ECTGNN: a PyG GIN or GCN whose readout adds ECT features (precomputed or learnt)."""
from __future__ import annotations

from torch import nn

from topoeuler.nn.ect_readout import ECTReadout
from topoeuler.nn.soft_ect_readout import SoftECTReadout

READOUTS = ("none", "ect", "soft_ect")


class ECTGNN(nn.Module):
    """``torch_geometric.nn.models.GIN``/``GCN`` -> a readout -> graph logits ``[B, out_channels]``.

    Args:
        in_channels, hidden_channels, num_layers, dropout: of the GNN.
        conv: ``"gin"`` or ``"gcn"``.
        readout: ``"none"`` (pooled embeddings only), ``"ect"`` (:class:`ECTReadout` on
            ``data[ect_key]``, e.g. from :class:`topoeuler.transforms.ECTTransform`, of shape
            ``ect_shape``) or ``"soft_ect"`` (:class:`SoftECTReadout`, learnt end to end).
        **readout_kwargs: further arguments of the readout.

    Forward: a PyG ``Batch`` with ``x``, ``edge_index``, ``batch`` (and ``data[ect_key]``).
    """

    def __init__(self, in_channels: int, hidden_channels: int, out_channels: int, num_layers: int = 3,
                 conv: str = "gin", readout: str = "ect", dropout: float = 0.0, pooling_type: str = "sum",
                 **readout_kwargs):
        super().__init__()
        from torch_geometric.nn.models import GCN, GIN

        models = {"gin": GIN, "gcn": GCN}
        if conv not in models:
            raise ValueError(f"conv must be one of {sorted(models)}, got {conv!r}")
        if readout not in READOUTS:
            raise ValueError(f"readout must be one of {READOUTS}, got {readout!r}")
        self.gnn = models[conv](in_channels, hidden_channels, num_layers, dropout=dropout)
        common = dict(hidden_dim=hidden_channels, out_channels=out_channels, pooling_type=pooling_type)
        if readout == "soft_ect":
            self.readout = SoftECTReadout(**common, **readout_kwargs)
        else:
            if readout == "none":
                readout_kwargs["ect_shape"] = None
            self.readout = ECTReadout(**common, **readout_kwargs)

    def forward(self, data):
        x_0 = self.gnn(data.x.float(), data.edge_index)
        return self.readout({"x_0": x_0}, data)["logits"]
