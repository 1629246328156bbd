"""prune(): exact kept fractions, deterministic ties, collapse, torch.nn.utils.prune, sanity checks, errors."""
import math

import pytest
import torch
from torch import nn
from torch.nn.utils import prune as torch_prune

from topoeuler.pruning import keep_count, prune, schedule, top_masks


pytestmark = pytest.mark.usefixtures("one_thread")


def _net(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 20), nn.ReLU(), nn.Linear(20, 3))


def _data(n=12):
    return torch.rand(n, 10), torch.arange(n) % 3


@pytest.mark.parametrize("method", ["random", "magnitude", "snip", "grasp", "synflow", "synflow_l2", "synflow_dist"])
@pytest.mark.parametrize("scope", ["global", "local"])
@pytest.mark.parametrize("compression", [0.0, 0.5, 1.3, 2.0])
def test_keeps_exactly_the_requested_fraction(method, scope, compression):
    net = _net()
    result = prune(net, method, compression, data=_data(), iterations=3, scope=scope, seed=0)
    sizes = {"0.weight": 200, "2.weight": 400, "4.weight": 60}
    rho = 10**-compression
    if scope == "global":
        assert sum(int(m.sum()) for m in result.masks.values()) == keep_count(660, rho) == math.floor(660 * rho + 0.5)
    else:
        for key, n in sizes.items():
            assert int(result.masks[key].sum()) == keep_count(n, rho)
    for key, mask in result.masks.items():
        module = net.get_submodule(key.split(".")[0])
        assert torch.equal(module.weight_mask.bool(), mask)
        assert result.layer_density[key] == pytest.approx(float(mask.float().mean()))


def test_ties_are_broken_deterministically():
    scores = {"a": torch.ones(2, 3), "b": torch.ones(4)}
    masks = top_masks(scores, 0.4, "global")  # keep 4 of 10: the first four entries
    assert masks["a"].reshape(-1).tolist() == [True] * 4 + [False] * 2 and not masks["b"].any()
    local = top_masks(scores, 0.5, "local")
    assert local["a"].reshape(-1).tolist() == [True] * 3 + [False] * 3
    assert local["b"].tolist() == [True, True, False, False]
    net = nn.Linear(6, 6, bias=False)
    nn.init.constant_(net.weight, 0.5)
    first = prune(net, "magnitude", 0.5).masks["weight"]
    net2 = nn.Linear(6, 6, bias=False)
    nn.init.constant_(net2.weight, 0.5)
    assert torch.equal(first, prune(net2, "magnitude", 0.5).masks["weight"])
    assert int(first.sum()) == keep_count(36, 10**-0.5)


def test_dead_entries_stay_dead():
    scores = {"a": torch.tensor([5.0, 4.0, 3.0, 2.0])}
    alive = {"a": torch.tensor([False, True, True, True])}
    assert top_masks(scores, 0.5, "global", alive)["a"].tolist() == [False, True, True, False]
    assert top_masks(scores, 1.0, "global", alive)["a"].tolist() == [False, True, True, True]


def test_exponential_schedule():
    assert schedule(0.01, 4) == pytest.approx([0.01**0.25, 0.01**0.5, 0.01**0.75, 0.01])
    assert schedule(0.2, 2, "linear") == pytest.approx([0.6, 0.2])


def _collapse_net():
    """Two wide layers of large weights and a narrow last layer of tiny weights."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(10, 100, bias=False), nn.ReLU(), nn.Linear(100, 100, bias=False), nn.ReLU(), nn.Linear(100, 2, bias=False))
    with torch.no_grad():
        for layer, (low, high) in zip([net[0], net[2], net[4]], [(0.5, 1.0), (0.5, 1.0), (0.001, 0.01)]):
            layer.weight.uniform_(low, high).mul_(torch.randint(0, 2, layer.weight.shape) * 2 - 1)
    return net


@pytest.mark.parametrize("compression", [1.0, 2.0, 3.0])
def test_iterative_synflow_avoids_the_collapse_of_magnitude(compression):
    magnitude = prune(_collapse_net(), "magnitude", compression)
    assert magnitude.collapsed and magnitude.collapsed_layers == ["4.weight"]
    synflow = prune(_collapse_net(), "synflow", compression, input_shape=(10,))
    assert synflow.iterations == 100
    assert not synflow.collapsed and all(d > 0 for d in synflow.layer_density.values())


def test_composes_with_torch_prune_remove():
    net = _net()
    x = torch.rand(5, 10)
    result = prune(net, "synflow", 1.0, input_shape=(10,), iterations=10)
    assert {n for n, _ in net.named_parameters()} >= {"0.weight_orig", "2.weight_orig", "4.weight_orig"}
    masked_out = net(x)
    for key in result.masks:
        torch_prune.remove(net.get_submodule(key.split(".")[0]), "weight")
    assert {n for n, _ in net.named_parameters()} == {f"{i}.{p}" for i in (0, 2, 4) for p in ("weight", "bias")}
    torch.testing.assert_close(net(x), masked_out)
    for key, mask in result.masks.items():
        weight = dict(net.named_parameters())[key]
        assert torch.all(weight[~mask] == 0) and torch.all(weight[mask] != 0)


def test_pruning_twice_only_removes_more():
    net = _net()
    first = prune(net, "magnitude", 0.5)
    second = prune(net, "synflow", 1.0, input_shape=(10,), iterations=5)
    for key in first.masks:
        assert not (second.masks[key] & ~first.masks[key]).any()
        assert torch.equal(net.get_submodule(key.split(".")[0]).weight_mask.bool(), second.masks[key])
    assert sum(int(m.sum()) for m in second.masks.values()) == keep_count(660, 0.1)


def test_sanity_checks():
    plain = prune(_net(), "magnitude", 1.0)
    shuffled = prune(_net(), "magnitude", 1.0, shuffle=True, seed=0)
    assert shuffled.sanity == ["shuffle"]
    for key in plain.masks:
        assert int(shuffled.masks[key].sum()) == int(plain.masks[key].sum())
    assert any(not torch.equal(shuffled.masks[k], plain.masks[k]) for k in plain.masks)
    net = _net()
    weights = {k: p.detach().abs().clone() for k, p in net.named_parameters()}
    inverted = prune(net, "magnitude", 1.0, invert=True, scope="local")
    for key, mask in inverted.masks.items():  # keeps the smallest weights
        assert weights[key][mask].max() <= weights[key][~mask].min()
    net = _net()
    before = net[0].weight.detach().clone()
    reinit = prune(net, "magnitude", 1.0, reinit=True, seed=1)
    assert all(torch.equal(reinit.masks[k], plain.masks[k]) for k in plain.masks)
    assert not torch.equal(net[0].weight_orig.detach(), before)


def test_float64_and_model_dtype_kept():
    net = _net()
    prune(net, "synflow", 1.0, input_shape=(10,), iterations=2, dtype=torch.float64)
    assert net[0].weight_orig.dtype == torch.float32


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(method="nope", compression=1.0), "unknown pruning method 'nope'"),
        (dict(method="magnitude", compression=-1.0), "compression must be >= 0"),
        (dict(method="magnitude", compression=1.0, scope="layer"), "scope must be one of"),
        (dict(method="magnitude", compression=1.0, iterations=0), "iterations must be"),
        (dict(method="snip", compression=1.0), "needs data"),
        (dict(method="grasp", compression=1.0), "needs data"),
        (dict(method="synflow_dist", compression=1.0), "needs data"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        prune(_net(), **kwargs)


def test_unknown_option_is_rejected():
    with pytest.raises(TypeError, match="temperature"):
        prune(_net(), "magnitude", 1.0, temperature=3.0)
