"""The path-kernel trace against a brute-force sum over all input-output paths."""
import itertools

import pytest
import torch
from torch import nn
from torch.nn.utils import prune as torch_prune

from topoeuler.pruning import path_kernel_trace, scores


pytestmark = pytest.mark.usefixtures("one_thread")


def _brute_force(paths):
    """Tr Pi = sum_p sum_{weight j on p} (d psi_p / d theta_j)^2 for paths given as
    (list of (weight id, value), fixed factor); each weight lies at most once on a path."""
    total = 0.0
    for edges, factor in paths:
        for j, _ in enumerate(edges):
            rest = 1.0
            for k, (_, value) in enumerate(edges):
                if k != j:
                    rest *= value**2
            total += factor * rest
    return total


def _mlp_paths(weights, scale=None):
    """Every input-output path of a dense net; ``scale[l][unit]`` multiplies paths through a hidden unit."""
    sizes = [weights[0].shape[1]] + [w.shape[0] for w in weights]
    for units in itertools.product(*[range(n) for n in sizes]):
        edges = [(("W", l, units[l + 1], units[l]), float(w[units[l + 1], units[l]])) for l, w in enumerate(weights)]
        factor = 1.0
        if scale is not None:
            for l, s in enumerate(scale):
                factor *= float(s[units[l + 1]]) ** 2
        yield edges, factor


def test_mlp_trace_equals_brute_force_and_ignores_biases():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2)).double()
    weights = [m.weight.detach() for m in net if isinstance(m, nn.Linear)]
    expected = _brute_force(_mlp_paths(weights))
    assert path_kernel_trace(net, (3,)) == pytest.approx(expected, rel=1e-12)
    no_bias = nn.Sequential(*[nn.Linear(m.in_features, m.out_features, bias=False) if isinstance(m, nn.Linear) else m for m in net]).double()
    with torch.no_grad():
        for a, b in zip(no_bias, net):
            if isinstance(a, nn.Linear):
                a.weight.copy_(b.weight)
    assert path_kernel_trace(no_bias, (3,)) == pytest.approx(expected, rel=1e-12)


def test_trace_is_sum_of_synflow_l2_over_twice_squared_weights():
    torch.manual_seed(1)
    net = nn.Sequential(nn.Linear(5, 6, bias=False), nn.ReLU(), nn.Linear(6, 2, bias=False)).double()
    s = scores(net, "synflow_l2", input_shape=(5,))
    diag = sum((s[k] / (2 * dict(net.named_parameters())[k].detach() ** 2)).sum() for k in s)
    assert path_kernel_trace(net, (5,)) == pytest.approx(float(diag), rel=1e-10)


def test_conv_trace_equals_brute_force():
    torch.manual_seed(2)
    conv = nn.Conv2d(1, 2, 2, bias=False).double()  # 3x3 input -> 2 x 2x2
    fc = nn.Linear(8, 2, bias=False).double()
    net = nn.Sequential(conv, nn.ReLU(), nn.Flatten(), fc)
    K, W = conv.weight.detach(), fc.weight.detach()
    paths = []
    for c, a, b, u, v, o in itertools.product(range(2), range(2), range(2), range(2), range(2), range(2)):
        hidden = c * 4 + a * 2 + b  # flatten order [C, H, W]
        paths.append(([(("K", c, u, v), float(K[c, 0, u, v])), (("W", o, hidden), float(W[o, hidden]))], 1.0))
    assert path_kernel_trace(net, (1, 3, 3)) == pytest.approx(_brute_force(paths), rel=1e-12)


def test_batchnorm_scale_is_a_fixed_squared_factor():
    torch.manual_seed(3)
    lin1, bn, lin2 = nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2)
    net = nn.Sequential(lin1, bn, nn.ReLU(), lin2).double()
    with torch.no_grad():
        bn.weight.copy_(torch.tensor([1.5, -0.5, 0.7, 2.0]))
        bn.bias.uniform_(-1, 1)
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
    net.train()
    scale = (bn.weight / (bn.running_var + bn.eps).sqrt()).detach()
    expected = _brute_force(_mlp_paths([lin1.weight.detach(), lin2.weight.detach()], scale=[scale]))
    assert path_kernel_trace(net, (3,)) == pytest.approx(expected, rel=1e-10)
    assert net.training  # mode restored (never changed)


def test_pruned_weights_leave_the_sum():
    torch.manual_seed(4)
    net = nn.Sequential(nn.Linear(3, 4, bias=False), nn.ReLU(), nn.Linear(4, 2, bias=False)).double()
    mask = torch.ones(4, 3)
    mask[0, 0] = mask[2, 1] = 0
    torch_prune.custom_from_mask(net[0], "weight", mask)
    w1, w2 = net[0].weight.detach(), net[2].weight.detach()
    expected = 0.0
    for edges, _ in _mlp_paths([w1, w2]):
        (_, _, j, i), _ = edges[0]
        for k, _ in enumerate(edges):
            if k == 0 and mask[j, i] == 0:
                continue  # a pruned weight is no longer a parameter
            rest = 1.0
            for m, (_, value) in enumerate(edges):
                if m != k:
                    rest *= value**2
            expected += rest
    assert path_kernel_trace(net, (3,)) == pytest.approx(expected, rel=1e-12)


def test_other_norms_are_rejected():
    net = nn.Sequential(nn.Linear(3, 4), nn.LayerNorm(4), nn.Linear(4, 2))
    with pytest.raises(ValueError, match="LayerNorm"):
        path_kernel_trace(net, (3,))


def test_needs_a_shape():
    with pytest.raises(ValueError, match="input_shape"):
        path_kernel_trace(nn.Linear(3, 2))
