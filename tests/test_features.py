"""topoeuler.features: the estimators against brute-force definitions and the functional ops,
scikit-learn's estimator checks, no leak from one split into another, and giotto-tda's pipelines."""
import importlib.util
import math

import numpy as np
import pytest
import torch
import sklearn.utils._testing as sklearn_testing
from sklearn.utils.estimator_checks import parametrize_with_checks

import brute_force
import topoeuler
from topoeuler.features import ECCFeatures, ECTFeatures, ImageECTFeatures
from topoeuler.features import persistence

needs_gtda = pytest.mark.skipif(importlib.util.find_spec("gtda") is None, reason="giotto-tda is not installed")


# ECTFeatures takes lists of complexes (PyG Data or point clouds), not [n_samples, n_features]
# arrays, so scikit-learn's array checks do not apply to it; it is tested below instead.
@parametrize_with_checks([ECCFeatures(), ECCFeatures(thresholds=5, superlevel=True), ImageECTFeatures(),
                          ImageECTFeatures(directions=3, thresholds=4, construction="T")])
def test_sklearn_estimator_checks(estimator, check, monkeypatch):
    # OpenBLAS reports some virtual CPUs as "Prescott"; scikit-learn 1.3 then memory-maps the
    # fitted estimator in check_estimators_pickle with a helper that accepts arrays only and
    # fails (a workaround meant for real Prescott CPUs). Take the path every other CPU takes.
    monkeypatch.setattr(sklearn_testing, "threadpool_info", lambda: [])
    check(estimator)


def test_ecc_features_match_brute_force_with_thresholds_from_the_training_images():
    rng = np.random.default_rng(0)
    train, test = rng.integers(0, 6, (5, 4, 5)).astype(float), rng.integers(-2, 9, (3, 4, 5)).astype(float)
    for superlevel in (False, True):
        features = ECCFeatures(thresholds=7, superlevel=superlevel, construction="T").fit(train)
        t = np.linspace(train.min(), train.max(), 7)
        np.testing.assert_allclose(features.thresholds_.numpy(), t)
        expected = [brute_force.ecc(image, t, "T", superlevel) for image in test]
        np.testing.assert_array_equal(features.transform(test), expected)
        assert features.transform(test).dtype == np.float64
        assert list(features.get_feature_names_out())[:2] == ["ecc_t0", "ecc_t1"]


def test_flat_rows_with_image_shape_equal_the_images():
    rng = np.random.default_rng(1)
    images = rng.random((6, 5, 7))
    for make in (lambda **kw: ECCFeatures(thresholds=9, **kw), lambda **kw: ImageECTFeatures(4, 9, **kw)):
        a = make().fit(images).transform(images)
        b = make(image_shape=(5, 7)).fit(images.reshape(6, -1)).transform(images.reshape(6, -1))
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="image_shape"):
        ECCFeatures(image_shape=(4, 4)).fit(images.reshape(6, -1))
    with pytest.raises(ValueError, match="fitted on"):
        ECCFeatures().fit(images).transform(rng.random((2, 7, 5)))


def test_image_ect_features_equal_the_functional_op_on_the_fixed_range():
    rng = np.random.default_rng(2)
    images = rng.random((4, 9, 9))
    features = ImageECTFeatures(directions=6, thresholds=11, foreground=0.3).fit(images[:2])
    v = topoeuler.circle_directions(6, dtype=torch.float64)
    t = torch.linspace(-math.sqrt(2), math.sqrt(2), 11, dtype=torch.float64)
    expected = topoeuler.image_ect(torch.from_numpy(images), v, t, foreground=0.3).reshape(4, -1).numpy()
    np.testing.assert_array_equal(features.transform(images), expected)
    assert features.get_feature_names_out()[-1] == "ect_d5_t10"


def test_ect_features_match_brute_force_on_graphs_with_both_edge_directions():
    from torch_geometric.data import Data

    rng = np.random.default_rng(3)
    graphs = []
    for n in (4, 6, 5):
        pos = torch.from_numpy(rng.normal(size=(n, 3)))
        pairs = torch.tensor([(i, (i + 1) % n) for i in range(n)]).t()
        graphs.append(Data(pos=pos, edge_index=torch.cat([pairs, pairs.flip(0)], dim=1)))  # PyG: both directions
    features = ECTFeatures(directions=5, thresholds=8).fit(graphs[:2])
    radius = max(float(g.pos.norm(dim=1).max()) for g in graphs[:2])
    assert features.radius_ == pytest.approx(radius)
    t = np.linspace(-radius, radius, 8)
    v = topoeuler.sphere_directions(5, dtype=torch.float64).numpy()
    for g, row in zip(graphs, features.transform(graphs)):
        n = g.num_nodes
        simplices = [(i,) for i in range(n)] + [(i, (i + 1) % n) for i in range(n)]  # each edge once
        np.testing.assert_array_equal(row, brute_force.ect(g.pos.numpy(), simplices, v, t)[0].ravel())


def test_ect_features_of_point_clouds_in_any_container_and_centring():
    rng = np.random.default_rng(4)
    clouds = rng.normal(size=(3, 10, 2)) + 5.0
    a = ECTFeatures(8, 6, center=True).fit(clouds).transform(clouds)
    b = ECTFeatures(8, 6, center=True).fit(list(clouds)).transform([torch.from_numpy(c) for c in clouds])
    np.testing.assert_array_equal(a, b)
    shifted = ECTFeatures(8, 6, center=True).fit(clouds - 5.0).transform(clouds - 5.0)
    np.testing.assert_array_equal(a, shifted)  # centring makes the features translation invariant
    with pytest.raises(ValueError, match="fitted on"):
        ECTFeatures(8, 6).fit(clouds).transform(rng.normal(size=(2, 4, 3)))
    with pytest.raises(ValueError, match="directions"):
        ECTFeatures(directions=0).fit(clouds)
    with pytest.raises(ValueError, match="X must be"):
        ECTFeatures().fit(np.zeros((3, 4)))


@pytest.mark.parametrize("make, data", [
    (lambda: ECCFeatures(thresholds=12), "images"),
    (lambda: ImageECTFeatures(5, 12), "images"),
    (lambda: ECTFeatures(6, 12), "clouds"),
])
def test_fit_sees_only_the_training_split_and_transform_maps_each_sample_alone(make, data):
    """A leak would show as test samples changing what is learnt, or as batch-mates changing a sample's features."""
    rng = np.random.default_rng(5)
    train = rng.random((8, 6, 6)) if data == "images" else rng.normal(size=(8, 7, 3))
    test = rng.random((5, 6, 6)) * 3 if data == "images" else rng.normal(size=(5, 7, 3)) * 3
    fitted = make().fit(train)
    state = {k: v.clone() if isinstance(v, torch.Tensor) else v for k, v in vars(fitted).items() if k.endswith("_")}
    together = fitted.transform(np.concatenate([test, train]))
    alone = np.stack([fitted.transform(test[i:i + 1])[0] for i in range(len(test))])
    np.testing.assert_array_equal(together[:len(test)], alone)
    for k, v in state.items():  # transform learnt nothing
        now = getattr(fitted, k)
        assert torch.equal(now, v) if isinstance(v, torch.Tensor) else now == v
    # fitting on other data changes the learnt range where the estimator has one
    if data == "clouds" or isinstance(fitted, ECCFeatures):
        refit = make().fit(np.concatenate([train, test]))
        assert not torch.equal(refit.thresholds_, fitted.thresholds_)


def test_missing_giotto_tda_names_the_package(monkeypatch):
    import topoeuler.features.persistence as module

    def missing(name, install, purpose):
        raise ImportError(f"{purpose} needs the package {install}: pip install {install}")

    monkeypatch.setattr(module, "require", missing)
    for make in (module.cubical_pipeline, module.rips_pipeline, module.geodesic_rips_pipeline):
        with pytest.raises(ImportError, match="pip install giotto-tda"):
            make()


@needs_gtda
def test_rips_pipeline_matches_giotto_tda_built_by_hand():
    from gtda.diagrams import BettiCurve
    from gtda.homology import VietorisRipsPersistence

    rng = np.random.default_rng(6)
    clouds = [rng.normal(size=(12, 2)) for _ in range(4)]
    ours = persistence.rips_pipeline(vectorize="betti").fit(clouds[:2]).transform(clouds)
    assert ours.shape[0] == 4 and np.isfinite(ours).all()
    diagrams = VietorisRipsPersistence(homology_dimensions=(0, 1)).fit_transform(clouds)
    from gtda.diagrams import Scaler

    scaled = Scaler().fit(diagrams[:2]).transform(diagrams)
    expected = BettiCurve(n_bins=32).fit(scaled[:2]).transform(scaled).reshape(4, -1)
    np.testing.assert_allclose(ours, expected)


@needs_gtda
def test_cubical_and_geodesic_pipelines_give_finite_features():
    from torch_geometric.data import Data

    rng = np.random.default_rng(7)
    images = rng.random((3, 10, 10))
    features = persistence.cubical_pipeline(image_shape=(10, 10), vectorize="betti", n_jobs=1).fit(images[:2])
    out = features.transform(images.reshape(3, -1))
    assert out.shape[0] == 3 and np.isfinite(out).all()
    path = Data(edge_index=torch.tensor([[0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 3, 2]]), num_nodes=4)
    cycle = Data(edge_index=torch.tensor([[0, 1, 2, 3, 1, 2, 3, 0], [1, 2, 3, 0, 0, 1, 2, 3]]), num_nodes=4)
    geodesic = persistence.geodesic_rips_pipeline(vectorize="betti").fit([path, cycle])
    assert np.isfinite(geodesic.transform([path, cycle])).all()
    from gtda.graphs import GraphGeodesicDistance

    distances = GraphGeodesicDistance().fit_transform(persistence._adjacencies([path]))[0]
    np.testing.assert_array_equal(distances, np.abs(np.arange(4)[:, None] - np.arange(4)[None]))  # path metric


@needs_gtda
def test_pipelines_pickle():
    import pickle

    rng = np.random.default_rng(8)
    images = rng.random((3, 8, 8))
    fitted = persistence.cubical_pipeline(image_shape=(8, 8), vectorize="betti").fit(images)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(fitted)).transform(images), fitted.transform(images))


def test_ect_features_of_meshes_end_at_the_euler_characteristic():
    """Closed surfaces as PyG Data with edge_index and face: the last threshold counts the whole
    complex, chi = 2 (octahedron) and 0 (torus), and every value matches brute force."""
    from torch_geometric.data import Data

    from meshes import edges_of, octahedron, torus

    meshes = []
    for pos, face in (octahedron(), torus()):
        edges = edges_of(face)
        meshes.append(Data(pos=pos, edge_index=torch.cat([edges, edges.flip(0)], dim=1), face=face))
    features = ECTFeatures(directions=4, thresholds=6).fit(meshes)
    out = features.transform(meshes).reshape(2, 4, 6)
    np.testing.assert_array_equal(out[:, :, -1], [[2] * 4, [0] * 4])
    v, t = features.directions_.numpy(), features.thresholds_.numpy()
    for mesh, row in zip(meshes, out):
        simplices = ([(i,) for i in range(mesh.num_nodes)] + [tuple(e) for e in edges_of(mesh.face).t().tolist()]
                     + [tuple(f) for f in mesh.face.t().tolist()])
        np.testing.assert_array_equal(row, brute_force.ect(mesh.pos.numpy(), simplices, v, t)[0])
