"""Point-cloud sets: MNIST digits as 2D point clouds, and seeded synthetic shape families (synthetic, labelled)."""
from __future__ import annotations

import math

import numpy as np
import torch

from topoeuler.datasets.images import load_mnist

SHAPES = ("sphere", "torus", "double_torus", "circle", "disk", "cube")


def image_point_clouds(images: torch.Tensor, level: float = 0.5) -> list[torch.Tensor]:
    """The foreground pixels (``> level``) of each image ``[N, H, W]`` as float32 ``[n_i, 2]`` points in ``[-1, 1]^2``.

    Pixel (row, col) of an ``H x W`` image sits at ``(2 col / (W - 1) - 1, 1 - 2 row / (H - 1))``.
    An image without foreground gives its single brightest pixel.
    """
    n, h, w = images.shape
    clouds = []
    for image in images:
        row, col = (image > level).nonzero(as_tuple=True)
        if row.numel() == 0:
            flat = int(image.argmax())
            row, col = torch.tensor([flat // w]), torch.tensor([flat % w])
        clouds.append(torch.stack([2 * col.float() / (w - 1) - 1, 1 - 2 * row.float() / (h - 1)], dim=1))
    return clouds


def load_mnist_point_clouds(n: int | None = None, level: float = 0.5) -> tuple[list[torch.Tensor], torch.Tensor]:
    """The MNIST digits of :func:`topoeuler.datasets.load_mnist` as 2D point clouds (:func:`image_point_clouds`).

    Returns:
        ``(clouds, labels)``: a list of float32 ``[n_i, 2]`` and int64 ``[N]``.
    """
    images, labels = load_mnist(n)
    return image_point_clouds(images, level), labels


def _sample(shape: str, points: int, rng: np.random.Generator) -> np.ndarray:
    """``points`` points on ``shape`` (before noise, rotation and scaling), ``[points, 3]``."""
    u, v = rng.uniform(0, 2 * math.pi, points), rng.uniform(0, 2 * math.pi, points)
    if shape == "sphere":
        p = rng.normal(size=(points, 3))
        return p / np.linalg.norm(p, axis=1, keepdims=True)
    if shape == "torus":
        major, minor = 1.0, rng.uniform(0.25, 0.45)
        return np.stack([(major + minor * np.cos(v)) * np.cos(u), (major + minor * np.cos(v)) * np.sin(u),
                         minor * np.sin(v)], axis=1) / (major + minor)
    if shape == "double_torus":  # two tori side by side, touching at the origin
        half = _sample("torus", points, rng) * 0.5
        half[:, 0] += np.where(rng.random(points) < 0.5, -0.5, 0.5)
        return half
    if shape == "circle":
        return np.stack([np.cos(u), np.sin(u), np.zeros(points)], axis=1)
    if shape == "disk":
        r = np.sqrt(rng.random(points))
        return np.stack([r * np.cos(u), r * np.sin(u), np.zeros(points)], axis=1)
    if shape == "cube":  # the surface of a cube
        p = rng.uniform(-1, 1, (points, 3))
        axis = rng.integers(0, 3, points)
        p[np.arange(points), axis] = np.sign(rng.uniform(-1, 1, points))
        return p / math.sqrt(3)
    raise ValueError(f"shape must be one of {SHAPES}, got {shape!r}")


def _rotation(rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    return q * np.sign(np.diag(r))


def load_synthetic_shapes(per_class: int = 50, points: int = 200, noise: float = 0.05, shapes=SHAPES,
                          seed: int = 0) -> tuple[list[torch.Tensor], torch.Tensor]:
    """Synthetic, labelled point clouds of shape families in 3D (no real shape data set is available offline).

    Each sample: ``points`` points drawn uniformly (in parameter space) on a random member of its
    family (tori draw their tube radius), scaled by a factor in ``[0.8, 1.2]``, rotated by a
    uniform random rotation, plus Gaussian noise of standard deviation ``noise``. Seeded: the
    same arguments give the same set. Samples are interleaved by class.

    Returns:
        ``(clouds, labels)``: a list of ``len(shapes) * per_class`` float32 ``[points, 3]``, and
        int64 labels (the index in ``shapes``).
    """
    if per_class < 1 or points < 1 or noise < 0:
        raise ValueError(f"need per_class >= 1, points >= 1 and noise >= 0, got {per_class}, {points}, {noise}")
    rng = np.random.default_rng(seed)
    clouds, labels = [], []
    for _ in range(per_class):
        for label, shape in enumerate(shapes):
            p = _sample(shape, points, rng) * rng.uniform(0.8, 1.2)
            p = p @ _rotation(rng).T + rng.normal(scale=noise, size=p.shape)
            clouds.append(torch.from_numpy(p.astype(np.float32)))
            labels.append(label)
    return clouds, torch.tensor(labels)
