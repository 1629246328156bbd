"""giotto-tda's side of the comparisons: persistence pipelines an expert would choose per kind of data.

Each function returns a scikit-learn ``Pipeline`` made of giotto-tda's own estimators, so both
sides of a comparison are estimators with ``fit`` on the training split and ``transform``:

- :func:`cubical_pipeline` (images): binarise, height filtrations along 8 directions and radial
  filtrations from 9 centres, cubical persistence, diagram scaling, then entropy and amplitudes
  per filtration: the pipeline of giotto-tda's MNIST tutorial, for any 2D image size.
- :func:`rips_pipeline` (point clouds): Vietoris-Rips persistence of the Euclidean coordinates.
- :func:`geodesic_rips_pipeline` (graphs): Vietoris-Rips (the flag complex of the graph's
  geodesic metric) of the shortest-path distances between vertices.

Vectorisations (``vectorizer=``): ``"amplitudes"`` (persistence entropy, number of points and
the bottleneck, Wasserstein, landscape, Betti, silhouette, heat and persistence-image
amplitudes per homology dimension), ``"betti"`` (Betti curves), ``"image"`` (persistence images).
giotto-tda is an optional extra (``pip install giotto-tda``); a missing one raises an
ImportError naming it.
"""
from __future__ import annotations

import numpy as np
from sklearn.pipeline import make_pipeline, make_union
from sklearn.preprocessing import FunctionTransformer

from topoeuler.datasets._common import require

VECTORIZERS = ("amplitudes", "betti", "image")
# Amplitudes of giotto-tda's tutorial (metric, parameters).
AMPLITUDES = (
    ("bottleneck", {}),
    ("wasserstein", {"p": 1}),
    ("wasserstein", {"p": 2}),
    ("landscape", {"p": 1, "n_layers": 1, "n_bins": 100}),
    ("landscape", {"p": 1, "n_layers": 2, "n_bins": 100}),
    ("betti", {"p": 1, "n_bins": 100}),
    ("silhouette", {"p": 1, "power": 1, "n_bins": 100}),
    ("heat", {"p": 1, "sigma": 1.6, "n_bins": 100}),
    ("persistence_image", {"p": 1, "sigma": 1.6, "n_bins": 100}),
)


def _gtda(module: str, purpose: str):
    return require(f"gtda.{module}", "giotto-tda", purpose)


def vectorizer(kind: str = "amplitudes", n_bins: int = 32, n_jobs: int | None = None):
    """Diagrams ``[N, points, 3]`` -> features ``[N, F]`` (see the module docstring for ``kind``)."""
    diagrams = _gtda("diagrams", "persistence features")
    if kind == "amplitudes":
        parts = [diagrams.PersistenceEntropy(nan_fill_value=-1), diagrams.NumberOfPoints()]
        parts += [diagrams.Amplitude(metric=m, metric_params=dict(p), n_jobs=n_jobs) for m, p in AMPLITUDES]
        return make_union(*parts)
    if kind == "betti":
        return make_pipeline(diagrams.BettiCurve(n_bins=n_bins, n_jobs=n_jobs), _flatten())
    if kind == "image":
        return make_pipeline(diagrams.PersistenceImage(n_bins=n_bins, n_jobs=n_jobs), _flatten())
    raise ValueError(f"vectorizer must be one of {VECTORIZERS}, got {kind!r}")


def _flatten_rows(a) -> np.ndarray:
    return np.asarray(a).reshape(len(a), -1)


def _flatten() -> FunctionTransformer:
    return FunctionTransformer(_flatten_rows)


def _as_images(x, shape) -> np.ndarray:
    """Rows ``[N, H * W]`` (or images ``[N, H, W]``) -> float64 ``[N, H, W]``."""
    return np.asarray(x, dtype=np.float64).reshape(len(x), *shape)


def _reshape_images(shape) -> FunctionTransformer:
    return FunctionTransformer(_as_images, kw_args={"shape": tuple(shape)})


def cubical_pipeline(image_shape=(28, 28), binarize: float = 0.4, vectorize: str = "amplitudes",
                     n_jobs: int | None = None):
    """Images -> features: the giotto-tda tutorial's 8 height + 9 radial filtrations of the binarised image.

    Directions: the 8 unit steps ``(±1, 0), (0, ±1), (±1, ±1)``; centres: the 3 x 3 grid at
    quarters of the image (``(6|13|20)`` on 28 x 28). Input ``[N, H * W]`` or ``[N, H, W]``.
    """
    images = _gtda("images", "cubical_pipeline")
    homology = _gtda("homology", "cubical_pipeline")
    diagrams = _gtda("diagrams", "cubical_pipeline")
    h, w = image_shape
    steps = [(1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1)]
    centres = [(round(h * a), round(w * b)) for a in (0.25, 0.5, 0.75) for b in (0.25, 0.5, 0.75)]
    filtrations = [images.HeightFiltration(direction=np.array(s, dtype=float)) for s in steps]
    filtrations += [images.RadialFiltration(center=np.array(c)) for c in centres]
    branches = [make_pipeline(images.Binarizer(threshold=binarize), f, homology.CubicalPersistence(n_jobs=n_jobs),
                              diagrams.Scaler(), vectorizer(vectorize, n_jobs=n_jobs)) for f in filtrations]
    return make_pipeline(_reshape_images(image_shape), make_union(*branches))


def rips_pipeline(homology_dimensions=(0, 1), vectorize: str = "amplitudes", n_jobs: int | None = None):
    """Point clouds (a list of ``[n_i, d]`` arrays) -> features: Vietoris-Rips persistence of the coordinates."""
    homology = _gtda("homology", "rips_pipeline")
    diagrams = _gtda("diagrams", "rips_pipeline")
    return make_pipeline(FunctionTransformer(_coordinates),
                         homology.VietorisRipsPersistence(homology_dimensions=tuple(homology_dimensions), n_jobs=n_jobs),
                         diagrams.Scaler(), vectorizer(vectorize, n_jobs=n_jobs))


def geodesic_rips_pipeline(homology_dimensions=(0, 1), vectorize: str = "amplitudes", n_jobs: int | None = None):
    """Graphs (a list of PyG ``Data``) -> features: Vietoris-Rips persistence of the shortest-path metric."""
    graphs = _gtda("graphs", "geodesic_rips_pipeline")
    homology = _gtda("homology", "geodesic_rips_pipeline")
    diagrams = _gtda("diagrams", "geodesic_rips_pipeline")
    return make_pipeline(FunctionTransformer(_adjacencies), graphs.GraphGeodesicDistance(n_jobs=n_jobs),
                         FunctionTransformer(_finite_distances),
                         homology.VietorisRipsPersistence(metric="precomputed", homology_dimensions=tuple(homology_dimensions),
                                                          n_jobs=n_jobs),
                         diagrams.Scaler(), vectorizer(vectorize, n_jobs=n_jobs))


def _coordinates(samples):
    """PyG ``Data`` (``pos``, else ``x``) or arrays -> a list of float64 ``[n_i, d]`` arrays."""
    out = []
    for s in samples:
        pos = getattr(s, "pos", None) if hasattr(s, "edge_index") else s
        pos = s.x if pos is None else pos
        out.append(np.asarray(pos, dtype=np.float64))
    return out


def _adjacencies(graphs):
    """PyG ``Data`` -> symmetric sparse adjacency matrices ``[n_i, n_i]`` with unit edge weights
    (giotto-tda reads absent sparse entries as non-edges)."""
    from scipy.sparse import coo_matrix

    out = []
    for g in graphs:
        e = np.asarray(g.edge_index)
        rows, cols = np.r_[e[0], e[1]], np.r_[e[1], e[0]]
        a = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(g.num_nodes, g.num_nodes)).tocsr()
        a.data[:] = 1.0  # duplicates summed by the conversion
        out.append(a)
    return out


def _finite_distances(distances):
    """Geodesic distances with ``inf`` (disconnected vertices) replaced by one more than the largest finite one."""
    out = []
    for d in distances:
        d = np.array(d, dtype=np.float64)
        finite = d[np.isfinite(d)]
        d[~np.isfinite(d)] = (finite.max() if finite.size else 0.0) + 1.0
        out.append(d)
    return out
