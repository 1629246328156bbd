"""Scores of every built-in method against hand-derived formulas on tiny networks."""
import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from topoeuler.pruning import available_methods, scores


pytestmark = pytest.mark.usefixtures("one_thread")


def _mlp(sizes=(4, 5, 3, 2), bias=False, seed=0):
    torch.manual_seed(seed)
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b, bias=bias), nn.ReLU()]
    return nn.Sequential(*layers[:-1]).double()


def _weights(net):
    return [m.weight.detach() for m in net if isinstance(m, nn.Linear)]


def _data(n=6, features=4, classes=2, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, features, generator=g, dtype=torch.float64), torch.randint(0, classes, (n,), generator=g)


def test_synflow_equals_path_sum_formula():
    net = _mlp()
    W1, W2, W3 = (w.abs() for w in _weights(net))
    s = scores(net, "synflow", input_shape=(4,))
    for j in range(5):
        for i in range(4):
            # upstream: the input is 1; downstream: sum over k, o of |W2[k, j]| |W3[o, k]|
            down = sum(W2[k, j] * W3[o, k] for k in range(3) for o in range(2))
            assert s["0.weight"][j, i] == pytest.approx(float(W1[j, i] * down), rel=1e-12)
    for k in range(3):
        for j in range(5):
            expected = W2[k, j] * W1[j, :].sum() * W3[:, k].sum()
            assert s["2.weight"][k, j] == pytest.approx(float(expected), rel=1e-12)
    # SynFlow conserves the score per layer: every layer sums to R
    R = (W3 @ W2 @ W1).sum()
    for key in s:
        assert float(s[key].sum()) == pytest.approx(float(R), rel=1e-12)


def test_synflow_dist_uses_the_mean_input():
    net = _mlp()
    x, y = _data()
    mean = x.mean(0)
    W1, W2, W3 = (w.abs() for w in _weights(net))
    s = scores(net, "synflow_dist", data=(x, y))
    down = (W3 @ W2).sum(0)  # [5]
    expected = W1 * mean[None, :] * down[:, None]
    torch.testing.assert_close(s["0.weight"], expected, rtol=1e-12, atol=0)


def test_synflow_l2_equals_squared_path_formula():
    net = _mlp()
    W1, W2, W3 = (w**2 for w in _weights(net))
    s = scores(net, "synflow_l2", input_shape=(4,))
    # theta * dR2/dtheta = 2 theta^2 * (upstream squared path sum) * (downstream squared path sum)
    expected2 = 2 * W2 * W1.sum(1)[None, :] * W3.sum(0)[:, None]
    torch.testing.assert_close(s["2.weight"], expected2, rtol=1e-12, atol=0)
    expected1 = 2 * W1 * (W3 @ W2).sum(0)[:, None]
    torch.testing.assert_close(s["0.weight"], expected1, rtol=1e-12, atol=0)


def test_magnitude_and_snip():
    net = _mlp()
    x, y = _data()
    W1, W2, W3 = (w.clone().requires_grad_(True) for w in _weights(net))
    loss = F.cross_entropy(F.relu(F.relu(x @ W1.T) @ W2.T) @ W3.T, y)
    grads = torch.autograd.grad(loss, [W1, W2, W3])
    s = scores(net, "snip", data=(x, y))
    for key, g, w in zip(["0.weight", "2.weight", "4.weight"], grads, [W1, W2, W3]):
        torch.testing.assert_close(s[key], (g * w).abs().detach(), rtol=1e-10, atol=1e-14)
    m = scores(net, "magnitude")
    torch.testing.assert_close(m["2.weight"], W2.detach().abs())


def test_grasp_is_theta_times_hessian_gradient_product():
    net = _mlp(sizes=(3, 4, 2))
    x, y = _data(features=3)
    W1, W2 = _weights(net)
    n1 = W1.numel()

    def loss(flat):
        a, b = flat[:n1].reshape(W1.shape), flat[n1:].reshape(W2.shape)
        return F.cross_entropy(F.relu(x @ a.T) @ b.T / 200.0, y)

    flat = torch.cat([W1.reshape(-1), W2.reshape(-1)])
    flat_req = flat.clone().requires_grad_(True)
    g = torch.autograd.grad(loss(flat_req), flat_req)[0]
    H = torch.autograd.functional.hessian(loss, flat)
    expected = flat * (H @ g)
    s = scores(net, "grasp", data=(x, y))
    got = torch.cat([s["0.weight"].reshape(-1), s["2.weight"].reshape(-1)])
    # the paper's S(-theta) = -theta * Hg, whose highest are removed; we return its negative
    torch.testing.assert_close(got, expected, rtol=1e-8, atol=1e-18)


def test_random_is_seeded():
    net = _mlp()
    a = scores(net, "random", seed=3)
    b = scores(net, "random", seed=3)
    c = scores(net, "random", seed=4)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["0.weight"], c["0.weight"])


class _BNNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 3, 3, padding=1)
        self.bn = nn.BatchNorm2d(3)
        self.fc = nn.Linear(3 * 4 * 4, 2)
        self.input_shape = (1, 4, 4)

    def forward(self, x):
        return self.fc(F.relu(self.bn(self.conv(x))).flatten(1))


def _bn_net():
    torch.manual_seed(0)
    net = _BNNet()
    with torch.no_grad():  # non-trivial BatchNorm state, including negative entries
        net.bn.weight.copy_(torch.tensor([1.5, -0.5, 0.7]))
        net.bn.bias.copy_(torch.tensor([-0.2, 0.1, 0.3]))
        net.bn.running_mean.copy_(torch.tensor([0.3, -0.4, 0.1]))
        net.bn.running_var.copy_(torch.tensor([2.0, 0.5, 1.0]))
    return net


def test_synflow_linearises_biases_and_batchnorm_like_the_reference():
    net = _bn_net()
    # the reference procedure: eval mode, absolute value of every parameter and buffer,
    # all-ones input, score = |theta * dR/dtheta| (signs restored afterwards)
    ref = copy.deepcopy(net).eval()
    with torch.no_grad():
        for t in ref.state_dict().values():
            if t.is_floating_point():
                t.abs_()
    ref(torch.ones(1, 1, 4, 4)).sum().backward()
    s = scores(net, "synflow")  # always computed in float64 (path sums overflow float32 in deep networks)
    assert s["fc.weight"].dtype == torch.float64
    torch.testing.assert_close(s["conv.weight"].float(), (ref.conv.weight.grad * ref.conv.weight).abs())
    torch.testing.assert_close(s["fc.weight"].float(), (ref.fc.weight.grad * ref.fc.weight).abs())
    s64 = scores(net, "synflow", dtype=torch.float64)
    assert all(torch.equal(s64[key], s[key]) for key in s)


def test_bias_and_norm_options_select_more_tensors():
    net = _bn_net()
    assert set(scores(net, "magnitude")) == {"conv.weight", "fc.weight"}
    assert set(scores(net, "magnitude", bias=True, norm=True)) == {
        "conv.weight", "conv.bias", "bn.weight", "bn.bias", "fc.weight", "fc.bias"
    }
    assert set(scores(net, "magnitude", classifier=False)) == {"conv.weight"}


@pytest.mark.parametrize("method", ["random", "magnitude", "snip", "grasp", "synflow", "synflow_l2", "synflow_dist"])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_scoring_leaves_model_unchanged(method, mode):
    net = _bn_net().train(mode == "train")
    x, y = torch.rand(4, 1, 4, 4), torch.tensor([0, 1, 0, 1])
    state = {k: v.clone() for k, v in net.state_dict().items()}
    flags = {k: p.requires_grad for k, p in net.named_parameters()}
    out = scores(net, method, data=(x, y), bias=True, norm=True, train_mode=(mode == "train"))
    assert {k: tuple(v.shape) for k, v in out.items()} == {
        k: tuple(p.shape) for k, p in net.named_parameters()
    }
    assert net.training == (mode == "train")
    assert all(net.state_dict()[k].dtype == v.dtype and torch.equal(net.state_dict()[k], v) for k, v in state.items())
    assert all(p.grad is None for p in net.parameters())
    assert {k: p.requires_grad for k, p in net.named_parameters()} == flags


def test_all_builtins_are_registered():
    assert {"random", "magnitude", "snip", "grasp", "synflow", "synflow_l2", "synflow_dist"} <= set(available_methods())
