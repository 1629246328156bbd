"""Input checks shared by the feature estimators: image batches and complexes (point clouds, graphs, meshes)."""
from __future__ import annotations

import math

import numpy as np
import torch


def image_batch(estimator, X, reset: bool) -> torch.Tensor:
    """``X`` as float64 ``[N, *grid]``.

    ``X`` is ``[N, H, W]`` / ``[N, D, H, W]`` (the grid is the trailing axes), or ``[N, F]`` with
    ``estimator.image_shape`` giving the grid (``F = prod(image_shape)``); ``[N, F]`` without
    ``image_shape`` is a batch of ``1 x F`` images. ``reset`` (in ``fit``) records
    ``n_features_in_`` and ``grid_shape_``; otherwise the grid must match the fitted one.
    """
    if hasattr(X, "tocsr") or hasattr(X, "toarray"):
        raise TypeError(f"{type(estimator).__name__} needs dense images: sparse input is not supported")
    X = np.asarray(X) if not isinstance(X, np.ndarray) else X
    if X.ndim > 2:
        flat = estimator._validate_data(X.reshape(len(X), -1), reset=reset)
        grid = tuple(X.shape[1:])
    else:
        flat = estimator._validate_data(X, reset=reset)
        grid = tuple(estimator.image_shape) if estimator.image_shape is not None else (1, flat.shape[1])
    if len(grid) not in (2, 3):
        raise ValueError(f"X must hold 2D or 3D images, got a grid of shape {grid}")
    if math.prod(grid) != flat.shape[1]:
        raise ValueError(f"image_shape {grid} does not hold the {flat.shape[1]} features of each row of X")
    if reset:
        estimator.grid_shape_ = grid
    elif grid != estimator.grid_shape_:
        raise ValueError(f"X has images of shape {grid}, the estimator was fitted on {estimator.grid_shape_}")
    return torch.from_numpy(np.array(flat, dtype=np.float64)).reshape(len(flat), *grid)


def undirected_edges(edge_index: torch.Tensor) -> torch.Tensor:
    """``[2, E]`` -> ``[2, E']``: each vertex pair once, as ``(min, max)`` in sorted order (PyG stores both
    directions); self-loops dropped."""
    pairs = torch.sort(edge_index, dim=0).values
    pairs = pairs[:, pairs[0] != pairs[1]]
    if not pairs.numel():
        return pairs
    width = int(pairs.max()) + 1
    keys = torch.unique(pairs[0] * width + pairs[1])
    return torch.stack([keys // width, keys % width])


def complexes(X) -> list[tuple[torch.Tensor, list[torch.Tensor]]]:
    """``X`` as a list of ``(pos [n, d] float64, [edge_index [2, E], face [3, F]])`` per sample.

    ``X`` is a list of PyG ``Data`` (``pos``, else ``x``, as coordinates; ``edge_index`` as
    given, see :func:`undirected_edges`, and ``face`` when present), a list of ``[n_i, d]`` arrays (point clouds), or an ``[N, n, d]`` array.
    """
    if isinstance(X, np.ndarray) and X.ndim == 3:
        X = list(X)
    if isinstance(X, (np.ndarray, torch.Tensor)) or not hasattr(X, "__len__") or len(X) == 0:
        raise ValueError("X must be a non-empty list of PyG Data objects or of [n, d] coordinate arrays, "
                         "or an [N, n, d] array")
    samples = []
    for i, sample in enumerate(X):
        sets = []
        if hasattr(sample, "edge_index") or hasattr(sample, "pos"):
            pos = sample.pos if getattr(sample, "pos", None) is not None else getattr(sample, "x", None)
            if pos is None:
                raise ValueError(f"X[{i}] has neither pos nor x to use as vertex coordinates")
            edges = getattr(sample, "edge_index", None)
            if edges is not None:
                sets.append(torch.as_tensor(edges, dtype=torch.int64))
            faces = getattr(sample, "face", None)
            if faces is not None:
                sets.append(torch.as_tensor(faces, dtype=torch.int64))
        else:
            pos = sample
        pos = torch.as_tensor(np.asarray(pos, dtype=np.float64))
        if pos.ndim != 2 or pos.shape[0] == 0:
            raise ValueError(f"X[{i}] must have coordinates of shape [n, d] with n >= 1, got {tuple(pos.shape)}")
        if not torch.isfinite(pos).all():
            raise ValueError(f"X[{i}] has non-finite coordinates")
        samples.append((pos, sets))
    dims = {pos.shape[1] for pos, _ in samples}
    if len(dims) != 1:
        raise ValueError(f"all samples of X need coordinates of one dimension, got {sorted(dims)}")
    return samples
