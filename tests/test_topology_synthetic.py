"""The synthetic high-Betti sets and the activation MLP of the activation experiments."""
import pytest
import torch

from topoeuler.nn.activations import ParametricSplit
from topoeuler.nn.mlp import ActivationMLP
from topoeuler.topology import class_betti, layer_betti
from topoeuler.topology.synthetic import linked_tori, nested_circles, nested_spheres


def test_nested_circles_have_the_stated_betti_numbers():
    x, y = nested_circles((3, 4), points=24, seed=1)
    assert x.shape == (2 * 24 * 12, 2) and x.dtype == torch.float32
    assert int((y == 0).sum()) == int((y == 1).sum()) == 24 * 12
    assert class_betti(x, y, 1, method="knn", k=4) == {0: [12, 12], 1: [12, 12]}
    assert class_betti(x, y, 1, method="rips", scale=0.15) == {0: [12, 12], 1: [12, 12]}
    again, _ = nested_circles((3, 4), points=24, seed=1)
    other, _ = nested_circles((3, 4), points=24, seed=2)
    assert torch.equal(x, again) and not torch.equal(x, other)


def test_nested_circles_bad_arguments():
    with pytest.raises(ValueError, match="grid"):
        nested_circles((3,))
    with pytest.raises(ValueError, match="radii"):
        nested_circles(radii=(0.6, 0.1))


def test_nested_spheres_have_the_stated_betti_numbers():
    x, y = nested_spheres((2, 2, 1), points=128, seed=0)
    assert x.shape == (2 * 128 * 4, 3) and x.dtype == torch.float32
    assert int((y == 0).sum()) == int((y == 1).sum()) == 128 * 4
    # class 0 (outer, radius 0.4) lies farther from the nearest grid centre than class 1 (radius 0.15)
    assert class_betti(x, y, 2, method="rips", scale=0.2) == {0: [4, 0, 4], 1: [4, 0, 4]}
    again, _ = nested_spheres((2, 2, 1), points=128, seed=0)
    other, _ = nested_spheres((2, 2, 1), points=128, seed=1)
    assert torch.equal(x, again) and not torch.equal(x, other)


def test_nested_spheres_separate_the_classes():
    x, y = nested_spheres((2, 2, 2), points=32, noise=0.0, seed=0)
    offset = x - x.mean(0)  # the grid centre is at the origin; cells sit at +-0.5 on each axis
    distance = (offset - offset.sign() * 0.5).norm(dim=1)
    assert torch.allclose(distance[y == 0], torch.full_like(distance[y == 0], 0.4), atol=1e-3)
    assert torch.allclose(distance[y == 1], torch.full_like(distance[y == 1], 0.15), atol=1e-3)


def test_nested_spheres_bad_arguments():
    with pytest.raises(ValueError, match="grid"):
        nested_spheres((3, 3))
    with pytest.raises(ValueError, match="grid"):
        nested_spheres((3, 0, 3))
    with pytest.raises(ValueError, match="radii"):
        nested_spheres(radii=(0.6, 0.1))


def test_linked_tori_have_the_stated_betti_numbers():
    x, y = linked_tori((2, 1, 1), seed=0)
    assert x.shape == (2 * 32 * 8 * 2, 3) and x.dtype == torch.float32
    assert int((y == 0).sum()) == int((y == 1).sum()) == 32 * 8 * 2
    # a torus per cell and class: beta = (1, 2, 1); at 0.1 the (32 x 8) angle grid's squares and
    # their diagonals are edges, at 0.08 some squares are still holes
    assert class_betti(x, y, 2, method="rips", scale=0.1) == {0: [2, 4, 2], 1: [2, 4, 2]}
    assert class_betti(x, y, 2, method="knn", k=10) == {0: [2, 4, 2], 1: [2, 4, 2]}
    again, _ = linked_tori((2, 1, 1), seed=0)
    other, _ = linked_tori((2, 1, 1), seed=1)
    assert torch.equal(x, again) and not torch.equal(x, other)


def test_linked_tori_are_linked():
    x, y = linked_tori((1, 1, 1), noise=0.0, seed=0)
    first, second = x[y == 0].double(), x[y == 1].double()
    centre = first.mean(0)  # class 0's torus: around the z axis through its centre, in the xy-plane
    ring = ((first - centre)[:, :2].norm(dim=1) - 0.25).hypot((first - centre)[:, 2])
    assert torch.allclose(ring, torch.full_like(ring, 0.07), atol=1e-5)
    assert torch.cdist(first, second).min() > 0.25 - 2 * 0.07 - 1e-3  # the tubes never touch
    # linked: class 1's core circle crosses the disc that class 0's core circle bounds, inside it
    centre_1 = second.mean(0)
    assert torch.allclose(centre_1 - centre, torch.tensor([0.25, 0.0, 0.0], dtype=torch.float64), atol=1e-5)


def test_linked_tori_bad_arguments():
    with pytest.raises(ValueError, match="grid"):
        linked_tori((2, 2))
    with pytest.raises(ValueError, match="tubes"):
        linked_tori(radii=(0.25, 0.13))
    with pytest.raises(ValueError, match="spacing"):
        linked_tori(spacing=0.8)
    with pytest.raises(ValueError, match="points"):
        linked_tori(points=(32, 2))


def test_activation_mlp_layers():
    model = ActivationMLP(2, (8, 8, 8), "parametric_split")
    assert model(torch.rand(5, 2)).shape == (5, 2)
    modules = dict(model.named_modules())
    assert [type(modules[name]) for name in model.hidden_layers] == [ParametricSplit] * 3
    assert modules["net.1"] is not modules["net.3"]  # one activation (and its parameters) per layer
    x, y = nested_circles((2, 2), points=16)
    betti = layer_betti(model, x, y, ["input"] + model.hidden_layers, 1, method="knn", k=4)
    assert betti["input"] == {0: [4, 4], 1: [4, 4]} and set(betti) == {"input", "net.1", "net.3", "net.5"}
