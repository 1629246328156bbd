"""Fashion-MNIST (60000 train + 10000 test, 28x28, 10 classes) from its IDX files.

Offline, the files come from the Debian package ``dataset-fashion-mnist``
(``/usr/share/datasets/fashion-mnist/*-ubyte.gz``); with a network, ``download=True`` fetches
them from Zalando's official mirror into the topoeuler cache.
"""
from __future__ import annotations

import gzip
import os
import struct
import urllib.request
from pathlib import Path

import numpy as np
import torch

from topoeuler.datasets._common import cache_root

DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
DIR_ENV = "TOPOEULER_FASHION_MNIST"
URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Reads a gzipped IDX file of unsigned bytes (the MNIST format) into a uint8 array of its shape."""
    with gzip.open(path, "rb") as handle:
        raw = handle.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path} is not an IDX file of unsigned bytes (bad magic number)")
    ndim = raw[3]
    shape = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path} holds {data.size} values but its header announces shape {shape}")
    return data.reshape(shape)


def _candidates(root: str | os.PathLike | None) -> list[Path]:
    if root is not None:
        return [Path(root).expanduser()]
    env = os.environ.get(DIR_ENV)
    if env:
        return [Path(env).expanduser()]
    return [DEBIAN_DIR, cache_root() / "fashion-mnist"]


def _download(folder: Path, names: tuple[str, ...]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        target = folder / name
        if target.exists():
            continue
        partial = target.with_name(name + ".part")
        urllib.request.urlretrieve(URL + name, partial)
        partial.replace(target)


def load_fashion_mnist(
    split: str = "train",
    n: int | None = None,
    root: str | os.PathLike | None = None,
    download: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Fashion-MNIST images and labels.

    Args:
        split: ``"train"`` (60000 images) or ``"test"`` (10000).
        n: keep only the first ``n`` images of the split (the official order); ``None`` keeps all.
        root: folder holding the four ``*-ubyte.gz`` files. Default: ``$TOPOEULER_FASHION_MNIST``
            if set, else ``/usr/share/datasets/fashion-mnist`` (Debian ``dataset-fashion-mnist``),
            else ``<cache>/fashion-mnist`` (see :func:`topoeuler.datasets.cache_root`).
        download: when the files are in none of those folders, fetch them from the official
            mirror into ``root`` (or the cache folder). Needs a network.

    Returns:
        ``(images, labels)``: images float32 ``[N, 28, 28]`` in ``[0, 1]`` (pixel / 255), labels
        int64 ``[N]`` in ``0..9`` (names in :data:`CLASSES`).

    Raises:
        FileNotFoundError: the files are absent and ``download`` is false; the message names the
            Debian package ``dataset-fashion-mnist``.
    """
    if split not in FILES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    names = FILES[split]
    folders = _candidates(root)
    found = [folder for folder in folders if all((folder / name).exists() for name in names)]
    if not found:
        if not download:
            raise FileNotFoundError(
                f"Fashion-MNIST files {list(names)} were not found in {[str(f) for f in folders]}. "
                "Install the Debian package `dataset-fashion-mnist` (apt-get install "
                "dataset-fashion-mnist), point $TOPOEULER_FASHION_MNIST or root= at a folder "
                "holding them, or pass download=True (needs a network)."
            )
        _download(folders[-1], names)
        found = [folders[-1]]
    images = read_idx(found[0] / names[0])
    labels = read_idx(found[0] / names[1])
    if images.shape[1:] != (28, 28) or len(images) != len(labels):
        raise ValueError(f"unexpected Fashion-MNIST shapes {images.shape} and {labels.shape} in {found[0]}")
    if n is not None:
        if not 0 < n <= len(labels):
            raise ValueError(f"n must be between 1 and {len(labels)}, got {n}")
        images, labels = images[:n], labels[:n]
    return (
        torch.from_numpy(images.astype(np.float32) / 255.0),
        torch.from_numpy(labels.astype(np.int64)),
    )
