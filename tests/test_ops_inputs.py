"""The ops' arguments: results independent of the rest of the batch, num_graphs, validate=False,
extreme ranges, and the errors of bad input (each names the argument)."""
import math
import warnings

import numpy as np
import pytest
import torch

import brute_force
import topoeuler
from meshes import random_complex
from topoeuler.nn import ECCLayer, ECTLayer

T01 = torch.linspace(0, 1, 9, dtype=torch.float64)


def test_a_sample_is_the_same_alone_and_in_any_batch(rng):
    x = torch.rand(5, 7, 8, generator=rng, dtype=torch.float64)
    x[3] = x[3] * 40 - 20  # a sample far outside the others' range
    v2 = topoeuler.circle_directions(6)
    batched = {
        "ecc": topoeuler.ecc(x, 9, value_range=(0.0, 1.0)),
        "soft_ecc": topoeuler.soft_ecc(x, 9, value_range=(0.0, 1.0)),
        "image_ect": topoeuler.image_ect(x, v2, 9, foreground=0.5),
    }
    for b in range(5):
        for order in (x[b:b + 1], x[[b, (b + 1) % 5]], x.flip(0)[[4 - b]]):
            assert torch.equal(topoeuler.ecc(order, 9, value_range=(0.0, 1.0))[0], batched["ecc"][b])
            torch.testing.assert_close(topoeuler.soft_ecc(order, 9, value_range=(0.0, 1.0))[0], batched["soft_ecc"][b],
                                       rtol=0, atol=1e-12)
            assert torch.equal(topoeuler.image_ect(order, v2, 9, foreground=0.5)[0], batched["image_ect"][b])
    pos, e, f, batch = random_complex(rng, [5, 8, 3], integer=False)
    pos[batch == 1] *= 50  # one graph much larger than the others
    v3 = topoeuler.sphere_directions(7)
    kwargs = dict(directions=v3, thresholds=11, radius=4.0, batch=batch)
    exact, soft = topoeuler.ect(pos, e, f, **kwargs), topoeuler.soft_ect(pos, e, f, **kwargs)
    offset = 0
    for g, n in enumerate([5, 8, 3]):
        keep = (batch[e[0]] == g), (batch[f[0]] == g)
        alone = pos[batch == g], e[:, keep[0]] - offset, f[:, keep[1]] - offset
        offset += n
        assert torch.equal(topoeuler.ect(*alone, directions=v3, thresholds=11, radius=4.0)[0], exact[g])
        torch.testing.assert_close(topoeuler.soft_ect(*alone, directions=v3, thresholds=11, radius=4.0)[0], soft[g],
                                   rtol=0, atol=1e-5)


def test_num_graphs_keeps_trailing_empty_graphs(rng):
    pos, e, f, batch = random_complex(rng, [4, 6])
    v = topoeuler.sphere_directions(5)
    t = torch.arange(-5.0, 6.0)
    plain = topoeuler.ect(pos, e, f, directions=v, thresholds=t, batch=batch)
    padded = topoeuler.ect(pos, e, f, directions=v, thresholds=t, batch=batch, num_graphs=4)
    assert padded.shape == (4, 5, 11) and torch.equal(padded[:2], plain) and (padded[2:] == 0).all()
    soft = topoeuler.soft_ect(pos, e, f, directions=v, thresholds=t, batch=batch, num_graphs=3)
    assert soft.shape == (3, 5, 11) and (soft[2] == 0).all()
    torch.testing.assert_close(soft[:2], topoeuler.soft_ect(pos, e, f, directions=v, thresholds=t, batch=batch))
    with pytest.raises(IndexError, match=r"batch has indices in \[0, 1\], outside \[0, 1\)"):
        topoeuler.ect(pos, directions=v, thresholds=t, batch=batch, num_graphs=1)
    for bad in (-1, 2.0, True):
        with pytest.raises(ValueError, match="num_graphs must be a non-negative int"):
            topoeuler.ect(pos, directions=v, thresholds=t, batch=batch, num_graphs=bad)


def test_empty_inputs_give_empty_results():
    v = topoeuler.sphere_directions(3)
    empty = torch.zeros(0, 3)
    none = torch.zeros(0, dtype=torch.int64)
    assert topoeuler.ect(empty, directions=v, thresholds=4, radius=1.0, batch=none).shape == (0, 3, 4)
    assert topoeuler.soft_ect(empty, directions=v, thresholds=4, radius=1.0, batch=none).shape == (0, 3, 4)
    kept = topoeuler.ect(empty, directions=v, thresholds=4, radius=1.0, batch=none, num_graphs=2)
    assert kept.shape == (2, 3, 4) and (kept == 0).all()
    assert (topoeuler.ect(empty, directions=v, thresholds=4, radius=1.0) == 0).all()  # one graph, no vertex
    assert topoeuler.image_ect(torch.zeros(0, 5, 5), topoeuler.circle_directions(2), 3).shape == (0, 2, 3)
    assert topoeuler.soft_ecc(torch.zeros(0, 5, 5), 3, value_range=(0, 1)).shape == (0, 3)


def test_validate_false_gives_the_same_results(rng):
    x = torch.rand(3, 6, 7, generator=rng)
    assert torch.equal(topoeuler.ecc(x, T01, validate=False), topoeuler.ecc(x, T01))
    pos, e, f, batch = random_complex(rng, [4, 6], integer=False)
    v = topoeuler.sphere_directions(5)
    kwargs = dict(directions=v, thresholds=9, radius=3.0, batch=batch, num_graphs=2)
    assert torch.equal(topoeuler.ect(pos, e, f, validate=False, **kwargs), topoeuler.ect(pos, e, f, **kwargs))
    unsorted = torch.tensor([0.5, -1.0, 2.0, 0.0], dtype=torch.float64)
    torch.testing.assert_close(topoeuler.soft_ect(pos, e, f, directions=v, thresholds=unsorted, validate=False),
                               topoeuler.soft_ect(pos, e, f, directions=v, thresholds=unsorted))
    layer, fast = (ECTLayer(directions=5, dim=3, thresholds=6, radius=3.0, learn_directions=True, validate=flag)
                   for flag in (True, False))
    fast.load_state_dict(layer.state_dict())
    torch.testing.assert_close(fast(pos.float(), e, f, batch=batch), layer(pos.float(), e, f, batch=batch))
    ecc_layer, fast = (ECCLayer(thresholds=6, height=True, validate=flag) for flag in (True, False))
    torch.testing.assert_close(fast(x), ecc_layer(x))
    with pytest.raises(TypeError, match="validate must be a bool"):
        topoeuler.ecc(x, T01, validate=1)
    with pytest.raises(TypeError, match="validate must be a bool"):
        ECTLayer(validate="no")


def test_learnable_scale_with_infinite_pixels_has_a_finite_gradient(rng):
    x = torch.rand(2, 6, 6, generator=rng, dtype=torch.float64)
    grads = []
    for far in (float("inf"), 1e30):
        y = x.clone()
        y[0, 2, 2], y[1, 0, 0] = far, -far
        scale = torch.tensor(20.0, dtype=torch.float64, requires_grad=True)
        topoeuler.soft_ecc(y, T01, scale=scale).sum().backward()
        grads.append(scale.grad)
    assert torch.isfinite(grads[0]) and torch.allclose(grads[0], grads[1], rtol=1e-9, atol=0)


def test_threshold_ranges_beyond_float64(rng):
    x = torch.tensor([[-1.5e308, 0.0], [1.0, 1.7e308]], dtype=torch.float64)
    got = topoeuler.ecc(x, 5, value_range=(-1.7e308, 1.7e308))
    t = np.array([-1.7e308, -0.85e308, 0.0, 0.85e308, 1.7e308])
    assert got.tolist() == brute_force.ecc(x.numpy(), t.tolist(), "V")
    pos = torch.tensor([[1e200, 0.0], [0.0, -1e200], [3.0, 4.0]], dtype=torch.float64)
    edges = torch.tensor([[0, 1], [1, 2]])
    v = topoeuler.circle_directions(8, dtype=torch.float64)
    got = topoeuler.ect(pos, edges, directions=v, thresholds=7, radius=1e308)
    t = np.arange(-3, 4) * (1e308 / 3)  # no height lies near a threshold but 0, which both give exactly
    cells = [(0,), (1,), (2,), (0, 1), (1, 2)]
    assert torch.equal(got, torch.from_numpy(brute_force.ect(pos.numpy(), cells, v.numpy(), t)))
    assert torch.isfinite(topoeuler.soft_ect(pos, edges, directions=v, thresholds=7, radius=1e308)).all()
    with pytest.raises(ValueError, match="overflows float64"):
        topoeuler.ect(torch.tensor([[1.7e308, 1.7e308]], dtype=torch.float64), directions=torch.ones(1, 2),
                      thresholds=T01)


def test_evenly_spaced_thresholds_with_a_subnormal_step():
    tiny = 5e-324
    t = torch.arange(6, dtype=torch.float64) * tiny
    x = torch.tensor([[0.0, tiny], [3 * tiny, 2 * tiny], [-tiny, 5 * tiny]], dtype=torch.float64)
    want = brute_force.ecc(x.numpy(), t.tolist(), "V")
    assert topoeuler.ecc(x, t).tolist() == want
    assert topoeuler.ecc(x, 6, value_range=(0.0, 5 * tiny)).tolist() == want
    pos = x.reshape(-1, 1)
    got = topoeuler.ect(pos, directions=torch.ones(1, 1, dtype=torch.float64), thresholds=t)
    assert got[0, 0].tolist() == [int((pos <= s).sum()) for s in t.tolist()]


def test_exact_ops_do_not_warn_about_requires_grad(rng):
    x = torch.rand(2, 5, 5, generator=rng, requires_grad=True)
    pos = torch.randn(6, 2, generator=rng, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        topoeuler.ecc(x, T01)
        topoeuler.image_ect(x, topoeuler.circle_directions(3), 4)
        topoeuler.ect(pos, directions=topoeuler.circle_directions(3), thresholds=4, radius=2.0)


@pytest.mark.parametrize("call,match", [
    (lambda: topoeuler.ecc(torch.rand(3, 3), 4, ndim=2.0, value_range=(0, 1)), "ndim must be 2 or 3"),
    (lambda: topoeuler.image_ect(torch.rand(3, 3), torch.eye(2), 4, ndim=2.0), "ndim must be 2 or 3"),
    (lambda: topoeuler.soft_ecc(torch.rand(3, 3), 4, ndim=2.0, value_range=(0, 1)), "ndim must be 2 or 3"),
    (lambda: topoeuler.ect(torch.rand(3, 2), directions=torch.eye(2), thresholds=2**31, radius=1.0),
     "at most 2"),
    (lambda: topoeuler.soft_ect(torch.rand(3, 2), directions=torch.eye(2), thresholds=4), "needs radius="),
    (lambda: topoeuler.soft_ecc(torch.rand(3, 3), 4), "needs value_range="),
])
def test_bad_arguments_are_named(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


@pytest.mark.parametrize("kwargs,match", [
    (dict(thresholds=0), "thresholds must be a positive count"),
    (dict(directions=0), "directions must be a positive count"),
    (dict(thresholds=True), "thresholds must be a positive count"),
    (dict(directions=torch.tensor([[1.0, 0, 0], [float("nan"), 0, 0]])), "directions contains NaN"),
    (dict(directions=torch.tensor([[1.0, 0, 0], [0, 0, 0]])), "zero length"),
    (dict(thresholds=torch.tensor([0.0, float("nan")])), "thresholds contains NaN"),
    (dict(radius=float("inf")), "radius must be a positive"),
])
def test_ect_layer_rejects_bad_construction(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ECTLayer(**{"directions": 4, "dim": 3, **kwargs})


def test_ecc_layer_rejects_bad_construction():
    with pytest.raises(ValueError, match="thresholds must be a positive count"):
        ECCLayer(thresholds=0)
    with pytest.raises(ValueError, match="value_range must be"):
        ECCLayer(thresholds=4, value_range=(0.0, math.inf))


def test_layers_give_a_sample_the_same_output_alone_and_in_a_batch(rng):
    pos, e, f, batch = random_complex(rng, [5, 8], integer=False)
    layer = ECTLayer(directions=6, dim=3, thresholds=7, radius=3.0, normalize="max")
    both = layer(pos.float(), e, f, batch=batch)
    keep = batch[e[0]] == 1, batch[f[0]] == 1
    alone = layer(pos[5:].float(), e[:, keep[0]] - 5, f[:, keep[1]] - 5)
    torch.testing.assert_close(alone[0], both[1], rtol=0, atol=1e-6)
    ecc_layer = ECCLayer(thresholds=9, normalize="max")
    x = torch.rand(4, 7, 7, generator=rng)
    x[2] *= 10
    torch.testing.assert_close(ecc_layer(x[1:2])[0], ecc_layer(x)[1], rtol=0, atol=1e-6)
