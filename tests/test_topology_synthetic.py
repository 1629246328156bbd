"""The synthetic high-Betti sets and the activation MLP of the activation experiments."""
import pytest
import torch

from topoeuler.nn.activations import ParametricSplit
from topoeuler.nn.mlp import ActivationMLP
from topoeuler.topology import class_betti, layer_betti
from topoeuler.topology.synthetic import nested_circles


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


def test_activation_mlp_layers():
    model = ActivationMLP(2, (8, 8, 8), "parametric_split")
    assert model(torch.rand(5, 2)).shape == (5, 2)
    modules = dict(model.named_modules())
    assert [type(modules[name]) for name in model.hidden_layers] == [ParametricSplit] * 3
    assert modules["net.1"] is not modules["net.3"]  # one activation (and its parameters) per layer
    x, y = nested_circles((2, 2), points=16)
    betti = layer_betti(model, x, y, ["input"] + model.hidden_layers, 1, method="knn", k=4)
    assert betti["input"] == {0: [4, 4], 1: [4, 4]} and set(betti) == {"input", "net.1", "net.3", "net.5"}
