"""topoeuler's side of the comparisons: ECC and ECT features as scikit-learn transformers.

Every estimator's parameters are its constructor's arguments; ``fit`` learns what depends on
data (the threshold range) from the training samples only, and ``transform`` maps each sample
on its own, so a sample's features never depend on the other samples of a batch.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

import topoeuler
from topoeuler.features._validation import complexes, image_batch, undirected_edges


def _count(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _directions(count: int, dim: int, seed: int) -> torch.Tensor:
    """``[count, dim]`` float64 unit rows: evenly spaced on the circle (2D), Fibonacci sphere (3D), else seeded random."""
    if dim == 2:
        return topoeuler.circle_directions(count, dtype=torch.float64)
    if dim == 3:
        return topoeuler.sphere_directions(count, dtype=torch.float64)
    return topoeuler.random_directions(count, dim, seed=seed, dtype=torch.float64)


class ECCFeatures(TransformerMixin, BaseEstimator):
    """Euler characteristic curves of images (:func:`topoeuler.ecc`) as features.

    ``fit`` sets ``thresholds_ = linspace(lo, hi, thresholds)`` (float64), ``lo``/``hi`` the
    finite min/max of the training images; ``transform`` returns
    ``ECC(t_k) = sum over cells c with value(c) <= t_k of (-1)^dim(c)`` (``>=`` with
    ``superlevel``) of each image, as float64 ``[N, thresholds]``. Test values outside
    ``[lo, hi]`` are counted at no threshold (above ``hi``) or at all (below ``lo``).

    Args:
        thresholds: number of thresholds ``T`` (the resolution).
        image_shape: grid of each row of a 2D ``X`` (``(H, W)`` or ``(D, H, W)``); ``None``:
            ``X`` is ``[N, H, W]`` / ``[N, D, H, W]``, or each row of a 2D ``X`` is a ``1 x F`` image.
        construction: ``"V"`` (pixels are vertices) or ``"T"`` (pixels are top cells), as in :func:`topoeuler.ecc`.
        superlevel: superlevel sets (``value >= t``) instead of sublevel sets.
    """

    def __init__(self, thresholds: int = 32, image_shape=None, construction: str = "V", superlevel: bool = False):
        self.thresholds = thresholds
        self.image_shape = image_shape
        self.construction = construction
        self.superlevel = superlevel

    def fit(self, X, y=None):
        count = _count("thresholds", self.thresholds)
        x = image_batch(self, X, reset=True)
        lo, hi = float(x.min()), float(x.max())
        self.thresholds_ = torch.linspace(lo, hi if hi > lo else lo + 1.0, count, dtype=torch.float64)
        return self

    def transform(self, X):
        check_is_fitted(self, "thresholds_")
        x = image_batch(self, X, reset=False)
        curves = topoeuler.ecc(x, self.thresholds_, ndim=len(self.grid_shape_), construction=self.construction,
                               superlevel=self.superlevel)
        return curves.to(torch.float64).numpy()

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "thresholds_")
        return np.asarray([f"ecc_t{k}" for k in range(len(self.thresholds_))], dtype=object)


class ImageECTFeatures(TransformerMixin, BaseEstimator):
    """Euler characteristic transforms of the foreground of images (:func:`topoeuler.image_ect`).

    The grid spans ``[-1, 1]`` on every axis, so the heights ``<p, v>`` of unit directions lie in
    ``[-r, r]`` with ``r = sqrt(ndim)`` for every image: ``fit`` only records the grid and sets
    ``directions_`` (``[D, ndim]``: evenly spaced on the circle in 2D, Fibonacci sphere in 3D) and
    ``thresholds_ = linspace(-r, r, thresholds)``. ``transform`` returns float64
    ``[N, D * T]`` (direction-major), ``ECT(v, t)`` = the ECC at ``t`` of the cubical complex of
    the pixels ``> foreground`` with height ``<p, v>``.

    Args:
        directions: number of directions ``D``.
        thresholds: number of thresholds ``T``.
        image_shape, construction: as in :class:`ECCFeatures`.
        foreground: pixels with value ``> foreground`` form the complex.
    """

    def __init__(self, directions: int = 16, thresholds: int = 32, image_shape=None, foreground: float = 0.5,
                 construction: str = "V"):
        self.directions = directions
        self.thresholds = thresholds
        self.image_shape = image_shape
        self.foreground = foreground
        self.construction = construction

    def fit(self, X, y=None):
        count, steps = _count("directions", self.directions), _count("thresholds", self.thresholds)
        if not isinstance(self.foreground, (int, float, np.number)) or not math.isfinite(self.foreground):
            raise ValueError(f"foreground must be a finite number, got {self.foreground!r}")
        image_batch(self, X, reset=True)
        ndim = len(self.grid_shape_)
        self.directions_ = _directions(count, ndim, seed=0)
        radius = math.sqrt(ndim)
        self.thresholds_ = torch.linspace(-radius, radius, steps, dtype=torch.float64)
        return self

    def transform(self, X):
        check_is_fitted(self, "thresholds_")
        x = image_batch(self, X, reset=False)
        ects = topoeuler.image_ect(x, self.directions_, self.thresholds_, ndim=len(self.grid_shape_),
                                   foreground=float(self.foreground), construction=self.construction)
        return ects.reshape(len(x), -1).to(torch.float64).numpy()

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "thresholds_")
        return np.asarray([f"ect_d{d}_t{t}" for d in range(len(self.directions_)) for t in range(len(self.thresholds_))],
                          dtype=object)


class ECTFeatures(TransformerMixin, BaseEstimator):
    """Euler characteristic transforms of embedded complexes (:func:`topoeuler.ect`): point clouds, graphs, meshes.

    ``X``: a list of PyG ``Data`` (``pos``, else ``x``, as vertex coordinates; ``edge_index``
    and ``face`` enter when present), a list of ``[n_i, d]`` point clouds, or an ``[N, n, d]``
    array. ``fit`` sets ``radius_`` = the largest vertex norm of the training samples (after
    centring when ``center``), ``thresholds_ = linspace(-radius_, radius_, thresholds)`` and
    ``directions_ [D, d]`` (circle in 2D, Fibonacci sphere in 3D, seeded random otherwise).
    ``transform`` returns float64 ``[N, D * T]`` (direction-major): ``ECT(v, t) = sum over
    simplices s with h(s) <= t of (-1)^dim(s)``, ``h`` the max over the simplex's vertices of
    ``<pos, v>``. Test vertices beyond ``radius_`` enter at the first threshold or never.

    Args:
        directions: number of directions ``D``.
        thresholds: number of thresholds ``T``.
        center: subtract each sample's own vertex mean first (translation invariance).
        seed: seed of the random directions in dimensions other than 2 and 3.
    """

    def __init__(self, directions: int = 32, thresholds: int = 32, center: bool = False, seed: int = 0):
        self.directions = directions
        self.thresholds = thresholds
        self.center = center
        self.seed = seed

    def _samples(self, X):
        samples = complexes(X)
        if self.center:
            samples = [(pos - pos.mean(0), sets) for pos, sets in samples]
        return samples

    def fit(self, X, y=None):
        count, steps = _count("directions", self.directions), _count("thresholds", self.thresholds)
        samples = self._samples(X)
        self.n_dims_ = samples[0][0].shape[1]
        radius = max(float(pos.norm(dim=1).max()) for pos, _ in samples)
        self.radius_ = radius if radius > 0 else 1.0
        self.directions_ = _directions(count, self.n_dims_, self.seed)
        self.thresholds_ = torch.linspace(-self.radius_, self.radius_, steps, dtype=torch.float64)
        return self

    def transform(self, X):
        check_is_fitted(self, "thresholds_")
        samples = self._samples(X)
        if samples[0][0].shape[1] != self.n_dims_:
            raise ValueError(f"X has {samples[0][0].shape[1]}-dimensional coordinates, "
                             f"the estimator was fitted on {self.n_dims_}")
        kinds = {len(sets) for _, sets in samples}
        if len(kinds) != 1:
            raise ValueError("all samples of X need the same kinds of simplices (edge_index, face)")
        offsets = np.cumsum([0] + [len(pos) for pos, _ in samples])
        pos = torch.cat([p for p, _ in samples])
        batch = torch.repeat_interleave(torch.arange(len(samples)), torch.as_tensor(np.diff(offsets)))
        sets = [torch.cat([s[k] + int(o) for (_, s), o in zip(samples, offsets)], dim=1) for k in range(kinds.pop())]
        if sets and sets[0].shape[0] == 2:  # edge_index is read as undirected: each pair once (PyG stores both directions)
            sets[0] = undirected_edges(sets[0])
        ects = topoeuler.ect(pos, *sets, directions=self.directions_, thresholds=self.thresholds_, batch=batch)
        return ects.reshape(len(samples), -1).to(torch.float64).numpy()

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "thresholds_")
        return np.asarray([f"ect_d{d}_t{t}" for d in range(len(self.directions_)) for t in range(len(self.thresholds_))],
                          dtype=object)
