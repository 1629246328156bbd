"""Small models of the pruning benchmarks: an MLP, LeNet-5, a small VGG with BatchNorm, a GIN.

Image models take ``[B, C, H, W]`` and return logits ``[B, num_classes]``; each has an
``input_shape`` attribute (one example, no batch dimension) that SynFlow and the path kernel
use when no data is given. The GIN takes a PyG batch and returns ``[num_graphs, num_classes]``.
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn


class MLP(nn.Module):
    """Fully connected ReLU network (LeNet-300-100 by default): ``[B, *input_shape] -> [B, classes]``."""

    def __init__(self, input_shape: Sequence[int] = (1, 28, 28), hidden: Sequence[int] = (300, 100), num_classes: int = 10, bias: bool = True):
        super().__init__()
        self.input_shape = tuple(input_shape)
        sizes = [int(torch.tensor(self.input_shape).prod())] + list(hidden)
        layers: list[nn.Module] = [nn.Flatten()]
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(fan_in, fan_out, bias=bias), nn.ReLU()]
        layers.append(nn.Linear(sizes[-1], num_classes, bias=bias))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class LeNet5(nn.Module):
    """LeNet-5 with ReLU and max-pooling for ``[B, C, 28, 28]`` (conv 6, conv 16, fc 120-84-classes)."""

    def __init__(self, in_channels: int = 1, num_classes: int = 10, image_size: int = 28):
        super().__init__()
        self.input_shape = (in_channels, image_size, image_size)
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        )
        side = ((image_size // 2) - 4) // 2
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * side * side, 120), nn.ReLU(),
            nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


class VGGSmallBN(nn.Module):
    """A small VGG: 3x3 conv-BatchNorm-ReLU blocks (``"M"`` = 2x2 max-pool), global average
    pooling and a linear classifier. ``[B, C, H, W] -> [B, classes]``."""

    def __init__(self, in_channels: int = 1, num_classes: int = 10, image_size: int = 28,
                 config: Sequence[int | str] = (32, 32, "M", 64, 64, "M", 128, "M")):
        super().__init__()
        self.input_shape = (in_channels, image_size, image_size)
        layers: list[nn.Module] = []
        channels = in_channels
        for item in config:
            if item == "M":
                layers.append(nn.MaxPool2d(2))
            else:
                layers += [nn.Conv2d(channels, int(item), 3, padding=1, bias=False), nn.BatchNorm2d(int(item)), nn.ReLU()]
                channels = int(item)
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.pool(self.features(x)).flatten(1))


class GIN(nn.Module):
    """Graph isomorphism network (Xu et al. 2019): GINConv layers with two-layer MLPs
    (Linear-BatchNorm-ReLU-Linear-ReLU), sum pooling and a linear classifier.

    ``forward(batch)`` takes a PyG ``Batch``/``Data`` with ``x [N, in_features]``,
    ``edge_index [2, E]`` and optional ``batch [N]``; returns ``[num_graphs, num_classes]``.
    """

    def __init__(self, in_features: int, num_classes: int = 2, hidden: int = 32, layers: int = 3):
        super().__init__()
        from torch_geometric.nn import GINConv

        self.convs = nn.ModuleList()
        width = in_features
        for _ in range(layers):
            mlp = nn.Sequential(nn.Linear(width, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
            self.convs.append(GINConv(mlp))
            width = hidden
        self.classifier = nn.Linear(hidden, num_classes)

    def forward(self, data) -> torch.Tensor:
        from torch_geometric.nn import global_add_pool

        x, batch = data.x, getattr(data, "batch", None)
        if batch is None:
            batch = torch.zeros(x.shape[0], dtype=torch.long, device=x.device)
        for conv in self.convs:
            x = conv(x, data.edge_index)
        return self.classifier(global_add_pool(x, batch))


MODELS = {"mlp": MLP, "lenet5": LeNet5, "vgg_bn": VGGSmallBN, "gin": GIN}


def build_model(name: str, input_shape: Sequence[int], num_classes: int) -> nn.Module:
    """A model by name (``mlp``, ``lenet5``, ``vgg_bn``; ``gin`` with ``input_shape = (features,)``)."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r} (argument `model`); known: {sorted(MODELS)}")
    if name == "gin":
        return GIN(int(input_shape[-1]), num_classes)
    if name == "mlp":
        return MLP(input_shape, num_classes=num_classes)
    channels, size = int(input_shape[0]), int(input_shape[-1])
    return MODELS[name](channels, num_classes, size)
