"""Structured filter pruning: criteria against their definitions, genuinely smaller models."""
import gudhi
import numpy as np
import pytest
import torch
from torch import nn

from topoeuler.pruning import filters, models
from topoeuler.pruning.costs import flop_count, model_costs, parameter_count


@pytest.fixture
def vgg(rng):
    torch.manual_seed(0)
    model = models.VGGSmallBN(config=(8, 8, "M", 16, "M")).eval()
    for module in model.modules():  # non-trivial BatchNorm statistics
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-0.2, 0.2, generator=rng)
            module.running_var.uniform_(0.5, 1.5, generator=rng)
    return model


def images(rng, n=6):
    return torch.rand(n, 1, 28, 28, generator=rng)


def test_nothing_removed_gives_exactly_the_unpruned_outputs(vgg, rng):
    x = images(rng)
    scores = filters.filter_scores(vgg, x, "betti")
    same = filters.remove_filters(vgg, filters.lowest(scores, 0.0), x[:1])
    assert same is not vgg
    assert torch.equal(same(x), vgg(x))
    assert parameter_count(same) == parameter_count(vgg)


@pytest.mark.parametrize("criterion", ["betti", "l1", "hrank", "random"])
def test_pruned_model_has_the_stated_channels_and_runs(vgg, rng, criterion):
    x = images(rng)
    removal = filters.lowest(filters.filter_scores(vgg, x, criterion), 0.25)
    assert {name: len(index) for name, index in removal.items()} == {"features.0": 2, "features.3": 2, "features.7": 4}
    small = filters.remove_filters(vgg, removal, x[:1])
    convs = filters.conv_layers(small)
    assert [c.out_channels for c in convs.values()] == [6, 6, 12]
    assert [c.in_channels for c in convs.values()] == [1, 6, 6]
    assert [m.num_features for m in small.modules() if isinstance(m, nn.BatchNorm2d)] == [6, 6, 12]
    assert small.classifier.in_features == 12
    assert small(x).shape == (6, 10)
    # the kept filters are the original ones, with the kept input channels
    keep = {name: [i for i in range(conv.out_channels) if i not in removal[name]]
            for name, conv in filters.conv_layers(vgg).items()}
    original = filters.conv_layers(vgg)
    assert torch.equal(convs["features.3"].weight, original["features.3"].weight[keep["features.3"]][:, keep["features.0"]])
    assert torch.equal(small.classifier.weight, vgg.classifier.weight[:, keep["features.7"]])
    assert parameter_count(small) < parameter_count(vgg)


def test_removing_dead_filters_keeps_the_outputs(rng):
    torch.manual_seed(0)
    net = models.LeNet5().eval()
    with torch.no_grad():
        net.features[0].weight[[1, 4]] = 0
        net.features[0].bias[[1, 4]] = -1.0  # dead after the ReLU
    x = images(rng)
    betti = filters.filter_betti(net, x)
    assert betti["features.0"][1] == betti["features.0"][4] == 0
    small = filters.remove_filters(net, {"features.0": [1, 4]}, x[:1])
    assert small.features[0].out_channels == 4 and small.features[3].in_channels == 4
    torch.testing.assert_close(small(x), net(x), rtol=1e-5, atol=1e-6)
    assert net.features[0].out_channels == 6  # the original is untouched


def test_betti_scores_equal_gudhi_map_by_map(rng):
    torch.manual_seed(1)
    net = models.LeNet5().eval()
    x = images(rng, 3)
    maps = filters.activation_maps(net, x)
    assert maps["features.0"].shape == (3, 6, 28, 28) and (maps["features.0"] >= 0).all()  # after the ReLU
    for construction in ("V", "T"):
        betti = filters.filter_betti(net, x, construction=construction)
        for name, layer_maps in maps.items():
            expected = []
            for c in range(layer_maps.shape[1]):
                total = 0
                for i in range(layer_maps.shape[0]):
                    values = np.where(layer_maps[i, c].numpy() > 0, 0.0, 1.0)
                    cc = (gudhi.CubicalComplex(top_dimensional_cells=values) if construction == "T"
                          else gudhi.CubicalComplex(vertices=values))
                    cc.compute_persistence()
                    total += sum(cc.persistent_betti_numbers(0.0, 0.0)[:2])
                expected.append(total / layer_maps.shape[0])
            np.testing.assert_allclose(betti[name].numpy(), expected)
    scores = filters.filter_scores(net, x, "betti")
    assert torch.equal(scores["features.0"], -filters.filter_betti(net, x)["features.0"])


def test_l1_hrank_random_follow_their_definitions(rng):
    torch.manual_seed(2)
    net = models.LeNet5().eval()
    x = images(rng, 4)
    l1 = filters.filter_scores(net, x, "l1")
    np.testing.assert_allclose(l1["features.3"].numpy(), np.abs(net.features[3].weight.detach().numpy()).sum((1, 2, 3)), rtol=1e-6)
    hrank = filters.filter_scores(net, x, "hrank")
    maps = filters.activation_maps(net, x)["features.3"].double().numpy()
    expected = [np.mean([np.linalg.matrix_rank(maps[i, c]) for i in range(4)]) for c in range(16)]
    np.testing.assert_allclose(hrank["features.3"].numpy(), expected)
    first, again, other = (filters.filter_scores(net, None, "random", seed=s) for s in (3, 3, 4))
    assert torch.equal(first["features.0"], again["features.0"]) and not torch.equal(first["features.0"], other["features.0"])


def test_selection_rules():
    scores = {"a": torch.tensor([3.0, 1.0, 2.0, 1.0]), "b": torch.tensor([5.0, 4.0])}
    assert filters.lowest(scores, 0.5) == {"a": [1, 3], "b": [1]}
    assert filters.lowest(scores, 0.9) == {"a": [1, 2, 3], "b": [1]}  # one filter kept
    betti = {"a": torch.tensor([310.0, 20.0, 400.0]), "b": torch.tensor([500.0, 301.0])}
    assert filters.above(betti, 300) == {"a": [0, 2], "b": [0]}


def test_costs_count_conv_flops_by_definition(rng):
    conv = nn.Conv2d(3, 5, 3, padding=1)
    assert flop_count(conv, torch.rand(2, 3, 10, 10)) == 2 * 2 * 5 * 3 * 9 * 100
    assert parameter_count(conv) == 5 * 3 * 9 + 5
    costs = model_costs(models.LeNet5(), images(rng, 2), repeat=2)
    assert costs["size_bytes"] > 4 * costs["params"] and costs["latency_s"] > 0


def test_bad_inputs_are_named(vgg, rng):
    x = images(rng, 2)
    with pytest.raises(ValueError, match="criterion"):
        filters.filter_scores(vgg, x, "taylor")
    with pytest.raises(ValueError, match="inputs"):
        filters.filter_scores(vgg, None, "betti")
    with pytest.raises(ValueError, match="fraction"):
        filters.lowest({"a": torch.ones(3)}, 1.0)
    with pytest.raises(ValueError, match="not Conv2d"):
        filters.remove_filters(vgg, {"classifier": [0]}, x)
    with pytest.raises(ValueError, match="removal"):
        filters.remove_filters(vgg, {"features.0": [8]}, x)
    with pytest.raises(ValueError, match="keep one"):
        filters.remove_filters(vgg, {"features.0": list(range(8))}, x)


def test_register_criterion(rng):
    def last_filters_first(model, inputs, seed, **options):
        return {name: -torch.arange(conv.out_channels, dtype=torch.float64) for name, conv in filters.conv_layers(model).items()}

    filters.register_criterion("test_last_first", last_filters_first, needs_inputs=False)
    assert "test_last_first" in filters.CRITERIA
    net = models.LeNet5()
    assert filters.lowest(filters.filter_scores(net, None, "test_last_first"), 0.5)["features.0"] == [3, 4, 5]
    with pytest.raises(ValueError, match="already registered"):
        filters.register_criterion("l1", last_filters_first, needs_inputs=False)
