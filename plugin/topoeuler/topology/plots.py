"""Plots (matplotlib, Agg) of Betti numbers per layer through training, and per filter."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_layer_betti(history: Sequence[tuple[float, Mapping[str, Mapping[int, Sequence[int]]]]], path, dim: int = 1,
                     title: str = "") -> Path:
    """One line per training step: ``beta_dim`` summed over classes against the layer index.

    ``history``: ``[(epoch, {layer: {class: [beta_0, beta_1, ...]}}), ...]`` as
    :func:`~topoeuler.topology.clouds.layer_betti` returns for each epoch. Writes ``path`` (PNG).
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for epoch, per_layer in history:
        layers = list(per_layer)
        ax.plot(range(len(layers)), [sum(b[dim] for b in per_layer[name].values()) for name in layers],
                marker="o", label=f"epoch {epoch:g}")
        ax.set_xticks(range(len(layers)), layers, rotation=30, fontsize=7)
    ax.set_ylabel(f"beta_{dim} (sum over classes)")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return Path(path)


def plot_filter_betti(scores: Mapping[str, Sequence[float]], path, title: str = "") -> Path:
    """Bar chart of each filter's score (e.g. mean beta_0 + beta_1 of its maps), one panel per
    layer; ``scores``: ``{layer: [score per filter]}``. Writes ``path`` (PNG)."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(scores), figsize=(3 * len(scores), 2.8), squeeze=False)
    for ax, (name, values) in zip(axes[0], scores.items()):
        ax.bar(range(len(values)), list(values), width=0.9)
        ax.set_title(name, fontsize=8)
        ax.set_xlabel("filter", fontsize=7)
    axes[0][0].set_ylabel("Betti score")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return Path(path)
