"""Pruning: path scores of deep networks in float64 with a guard that fires, tied weights,
and every mask and sum on its parameter's device."""
import pytest
import torch
from torch import nn

from topoeuler.pruning import prune, scores
from topoeuler.pruning.api import _current_masks
from topoeuler.pruning.path_kernel import path_kernel_trace
from topoeuler.pruning.targets import select_targets

pytestmark = pytest.mark.usefixtures("one_thread")


def deep_mlp(depth, width=16, gain=1.0, seed=0):
    torch.manual_seed(seed)
    layers = []
    for _ in range(depth):
        layer = nn.Linear(width, width, bias=False)
        with torch.no_grad():
            layer.weight.mul_(gain)
        layers += [layer, nn.ReLU()]
    return nn.Sequential(*layers[:-1])  # float32


def test_synflow_of_a_deep_float32_network_is_finite_and_exact():
    net = deep_mlp(80, gain=4.0)  # |W| row sums ~ 8: path sums ~ 8^80 = 1e72, beyond float32
    weights = [m.weight.detach().double().abs() for m in net if isinstance(m, nn.Linear)]
    s = scores(net, "synflow", input_shape=(16,))
    # Independent: score(W_l) = |W_l| * (1^T |W_L| ... |W_{l+1}|)^T (|W_{l-1}| ... |W_1| 1)^T, in float64.
    for l in (0, 40, 79):
        up = torch.ones(16, dtype=torch.float64)
        for w in weights[:l]:
            up = w @ up
        down = torch.ones(16, dtype=torch.float64)
        for w in reversed(weights[l + 1:]):
            down = w.T @ down
        want = weights[l] * down[:, None] * up[None, :]
        assert float(want.max()) > 3.4e38
        torch.testing.assert_close(s[f"{2 * l}.weight"], want, rtol=1e-9, atol=0)
    result = prune(net, "synflow", 1.0, input_shape=(16,), iterations=3)
    assert result.density == pytest.approx(0.1, abs=1e-3) and not result.collapsed
    assert max(result.layer_density.values()) < 0.9  # no layer kept whole (as inf scores did)


def test_overflowing_scores_raise():
    net = deep_mlp(12, gain=1e30)  # 1e30^12 overflows float64 too
    with pytest.raises(FloatingPointError, match="non-finite scores"):
        prune(net, "synflow", 1.0, input_shape=(16,), iterations=1)


class Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.encode = nn.Linear(6, 6, bias=False)
        self.middle = nn.Linear(6, 6, bias=False)
        self.decode = nn.Linear(6, 6, bias=False)
        self.decode.weight = self.encode.weight  # tied

    def forward(self, x):
        return self.decode(torch.relu(self.middle(torch.relu(self.encode(x)))))


def test_tied_weights_get_one_mask_and_stay_tied():
    net = Tied()
    result = prune(net, "magnitude", 0.5)
    assert set(result.masks) == {"encode.weight", "middle.weight"}
    assert result.density == pytest.approx(sum(int(m.sum()) for m in result.masks.values()) / 72)
    assert torch.equal(net.encode.weight, net.decode.weight)
    assert net.encode.weight_orig is net.decode.weight_orig
    assert torch.equal(net.encode.weight_mask, net.decode.weight_mask)


def test_alive_masks_are_built_on_the_parameters_device():
    net = deep_mlp(3).to("meta")  # no values: only where each mask is created is checked
    masks = _current_masks(net, select_targets(net))
    assert {m.device.type for m in masks.values()} == {"meta"}


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("method", ["synflow", "magnitude", "random"])
def test_prune_and_trace_on_cuda(method):
    net, reference = deep_mlp(4).cuda(), deep_mlp(4)
    if method == "synflow":  # float64 sums in another order: equal up to rounding
        got, want = scores(net, method, input_shape=(16,)), scores(reference, method, input_shape=(16,))
        for key in want:
            assert got[key].device.type == "cuda"
            torch.testing.assert_close(got[key].cpu(), want[key], rtol=1e-9, atol=0)
    result = prune(net, method, 1.0, input_shape=(16,), iterations=2, seed=0, shuffle=method == "random")
    assert {m.device.type for m in result.masks.values()} == {"cuda"}
    assert net[0].weight_mask.device.type == "cuda" and result.density == pytest.approx(0.1, abs=1e-2)
    if method != "synflow":  # exact scores: the same masks as on the CPU
        prune(reference, method, 1.0, input_shape=(16,), iterations=2, seed=0, shuffle=method == "random")
        for key, mask in result.masks.items():
            assert torch.equal(mask.cpu(), getattr(reference, key.split(".")[0]).weight_mask.bool())
    trace = path_kernel_trace(net, input_shape=(16,))
    assert trace == pytest.approx(path_kernel_trace(net.cpu(), input_shape=(16,)), rel=1e-9)
