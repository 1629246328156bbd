"""A fully connected classifier with any registered activation (the activation experiments' model)."""
from __future__ import annotations

from typing import Sequence

from torch import nn

from topoeuler.nn.activations import get_activation


class ActivationMLP(nn.Module):
    """``[B, in_features] -> [B, num_classes]``: Linear-activation blocks of widths ``hidden`` and a
    linear output. Every hidden layer uses a fresh ``get_activation(activation, **options)``
    (Snopov and Musin keep ReLU in the last hidden layer; here all hidden layers use the same one,
    the project's choice). ``hidden_layers`` names the activation modules, for
    :func:`topoeuler.topology.layer_betti`."""

    def __init__(self, in_features: int, hidden: Sequence[int] = (16, 16, 16, 16), activation: str = "relu",
                 num_classes: int = 2, **options):
        super().__init__()
        layers: list[nn.Module] = []
        width = in_features
        for size in hidden:
            layers += [nn.Linear(width, size), get_activation(activation, **options)]
            width = size
        layers.append(nn.Linear(width, num_classes))
        self.net = nn.Sequential(*layers)
        self.hidden_layers = [f"net.{2 * i + 1}" for i in range(len(hidden))]

    def forward(self, x):
        return self.net(x)
