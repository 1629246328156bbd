"""The ops as dispatcher operators (torch.ops.topoeuler.*): opcheck, fake/meta tensors,
torch.compile of the layers, and the absence of double backward."""
import pytest
import torch

import topoeuler
from meshes import random_complex
from topoeuler.nn import ECCLayer, ECTLayer
from topoeuler.ops import _library, reference
from topoeuler.ops.thresholds import even_steps, threshold_rows

DTYPES = [torch.float32, torch.float64]


def soft_rows(t, rows):
    t = t.expand(rows, -1).contiguous()
    return t, even_steps(t)


THRESHOLD_ROWS = {  # (thresholds, rows): whether each row is evenly spaced
    "even": (torch.linspace(0, 1, 16, dtype=torch.float64), 2, [True, True]),
    "one threshold": (torch.tensor([0.5], dtype=torch.float64), 1, [False]),
    "uneven": (torch.tensor([0.0, 1.0, 3.0], dtype=torch.float64), 1, [False]),
    "within 1e-3 of a step": (torch.tensor([0.0, 1.0009, 2.0], dtype=torch.float64), 1, [True]),
    "beyond 1e-3 of a step": (torch.tensor([0.0, 1.0011, 2.0], dtype=torch.float64), 1, [False]),
    "huge span": (torch.linspace(-1e300, 1e300, 5, dtype=torch.float64), 1, [True]),
    "subnormal step": (torch.linspace(0, 1e-310, 4, dtype=torch.float64), 1, [False]),
    "infinite": (torch.tensor([0.0, float("inf")], dtype=torch.float64), 1, [False]),
    "NaN": (torch.tensor([float("nan"), 1.0], dtype=torch.float64), 1, [False]),
    "far from 0": (torch.linspace(1e12, 1e12 + 1, 3, dtype=torch.float64), 1, [False]),
    "per row": (torch.stack([torch.linspace(0, 1, 300, dtype=torch.float64), torch.linspace(0, 1, 300, dtype=torch.float64) ** 2]), 2, [True, False]),
}


@pytest.mark.parametrize("case", THRESHOLD_ROWS)
def test_threshold_rows_match_their_definition(case):
    t, rows, even = THRESHOLD_ROWS[case]
    values, origin, step, inv_step = _library.threshold_rows(t, rows)
    exact = dict(rtol=0, atol=0, equal_nan=True)
    torch.testing.assert_close(values, t.expand(rows, -1), **exact)
    torch.testing.assert_close(origin, values[:, 0], **exact)
    assert (step > 0).tolist() == even and (inv_step > 0).tolist() == even
    assert torch.equal(inv_step[step > 0], 1 / step[step > 0])
    expected = reference.threshold_rows_reference(t, rows)
    for got, want in zip((values, origin, step, inv_step), expected):
        torch.testing.assert_close(got, want, **exact)
    for row in range(rows):  # the definition, in Python floats
        r = t.expand(rows, -1)[row].tolist()
        if len(r) > 1 and even[row]:
            assert step[row].item() == (r[-1] - r[0]) / (len(r) - 1)


def test_threshold_rows_check_their_arguments():
    with pytest.raises(RuntimeError, match="float64"):
        _library.threshold_rows(torch.zeros(3), 1)
    with pytest.raises(RuntimeError, match=r"\[T\] or \[rows, T\]"):
        _library.threshold_rows(torch.zeros(2, 3, dtype=torch.float64), 3)
    with pytest.raises(RuntimeError, match=r"\[T\] or \[rows, T\]"):
        _library.threshold_rows(torch.zeros(0, dtype=torch.float64), 1)
    torch.library.opcheck(_library.threshold_rows, (torch.linspace(0, 1, 5, dtype=torch.float64), 3))


@pytest.mark.parametrize("dtype", DTYPES)
def test_opcheck_exact_ops(dtype, rng):
    x = torch.rand(3, 1, 5, 6, generator=rng, dtype=torch.float64).to(dtype)
    t = torch.linspace(0, 1, 7, dtype=torch.float64)
    for t_construction in (False, True):
        torch.library.opcheck(_library.ecc_curves, (x, 2, t_construction, *threshold_rows(t, 1)))
    v = topoeuler.circle_directions(4, dtype=torch.float64)
    mask = (x > 0.4).to(torch.uint8)
    torch.library.opcheck(_library.image_ect_histogram, (mask, 2, v, False, *threshold_rows(t * 2 - 1, 4)))
    pos, e, f, batch = random_complex(rng, [4, 6], integer=False)
    w = topoeuler.sphere_directions(5, dtype=torch.float64)
    rows = threshold_rows(torch.linspace(-3, 3, 9, dtype=torch.float64), 5)
    for b, n in ((batch, 3), (None, 1)):
        torch.library.opcheck(_library.ect_curves, (pos.to(dtype), b, n, [e, f], w, *rows))


@pytest.mark.parametrize("dtype", DTYPES)
def test_opcheck_soft_ops(dtype, rng):
    pos, e, f, batch = random_complex(rng, [4, 6], integer=False)
    pos = pos.to(dtype).requires_grad_()
    v = torch.randn(3, 3, generator=rng, dtype=torch.float64).requires_grad_()
    t, step = soft_rows(torch.linspace(-3, 3, 8, dtype=torch.float64), 3)
    t.requires_grad_()
    for b, n in ((batch, 2), (None, 1)):
        torch.library.opcheck(_library.soft_ect_forward, (pos, b, n, [e, f], v, t, step, 4.0, 37.0))
    grad = torch.randn(2, 3, 8, generator=rng, dtype=torch.float64)
    for need in ((True, True, True), (True, False, False), (False, False, True)):
        torch.library.opcheck(_library.soft_ect_backward,
                              (pos.detach(), batch, 2, [e, f], v.detach(), t.detach(), step, 4.0, 37.0, grad, *need))
    x = torch.rand(2, 1, 6, 5, generator=rng, dtype=torch.float64).to(dtype).requires_grad_()
    rows, step = soft_rows(torch.linspace(0, 1, 9, dtype=torch.float64), 1)
    rows.requires_grad_()
    for t_construction in (False, True):
        torch.library.opcheck(_library.soft_ecc_forward, (x, 2, t_construction, rows, step, 20.0, 37.0))
    grad = torch.randn(2, 9, generator=rng, dtype=torch.float64)
    for need in ((True, True), (False, True), (True, False)):
        torch.library.opcheck(_library.soft_ecc_backward,
                              (x.detach(), 2, False, rows.detach(), step, 20.0, 37.0, grad, *need))


def test_registered_in_the_topoeuler_namespace():
    for name in ("threshold_rows", "ecc_curves", "image_ect_histogram", "ect_curves", "soft_ect_forward",
                 "soft_ect_backward", "soft_ecc_forward", "soft_ecc_backward"):
        assert hasattr(torch.ops.topoeuler, name), name


def test_meta_tensors_give_shapes():
    x = torch.empty(4, 2, 9, 8, device="meta")
    t = torch.linspace(0, 1, 5, device="meta")
    out = topoeuler.ecc(x, t)
    assert out.device.type == "meta" and out.shape == (4, 2, 5) and out.dtype == torch.int64
    v = topoeuler.circle_directions(3).to("meta")
    assert topoeuler.image_ect(x, v, 6).shape == (4, 2, 3, 6)
    assert topoeuler.soft_ecc(x, t).shape == (4, 2, 5)
    pos = torch.empty(7, 3, device="meta")
    w = topoeuler.sphere_directions(4).to("meta")
    edges = torch.zeros(2, 3, dtype=torch.int64, device="meta")
    assert topoeuler.ect(pos, edges, directions=w, thresholds=6, radius=1.0).shape == (1, 4, 6)
    soft = topoeuler.soft_ect(pos, edges, directions=w, thresholds=6, radius=1.0, num_graphs=1)
    assert soft.shape == (1, 4, 6) and soft.dtype == torch.float32


def two_graphs(rng):
    pos = torch.randn(11, 3, generator=rng)
    edge_index = torch.tensor([[0, 1, 2, 3, 5, 6, 7, 8], [1, 2, 3, 4, 6, 7, 8, 9]])
    face = torch.tensor([[0, 5, 6], [1, 6, 7], [2, 7, 10]])
    return pos, edge_index, face, torch.tensor([0] * 5 + [1] * 6)


def test_compiled_layers_without_graph_breaks_match_eager(rng):
    torch._dynamo.reset()
    pos, e, f, batch = two_graphs(rng)
    layer = ECTLayer(directions=6, dim=3, thresholds=9, radius=3.0, learn_directions=True, learn_thresholds=True,
                     learn_scale=True, normalize="max")
    compiled = torch.compile(layer, fullgraph=True, backend="aot_eager")
    p1, p2 = pos.clone().requires_grad_(), pos.clone().requires_grad_()
    eager, fast = layer(p1, e, f, batch=batch, num_graphs=3), compiled(p2, e, f, batch=batch, num_graphs=3)
    torch.testing.assert_close(fast, eager)
    assert (fast[2] == 0).all()  # a trailing graph without vertices
    eager.sum().backward()
    fast.sum().backward()
    torch.testing.assert_close(p2.grad, p1.grad)
    ecc_layer = ECCLayer(thresholds=12, learn_thresholds=True, learn_scale=True, height=True)
    compiled = torch.compile(ecc_layer, fullgraph=True, backend="aot_eager")
    x = torch.rand(3, 2, 10, 9, generator=rng)
    torch.testing.assert_close(compiled(x), ecc_layer(x))
    assert torch._dynamo.utils.counters["graph_break"] == {}


def test_compile_needs_num_graphs_with_batch(rng):
    torch._dynamo.reset()
    pos, e, f, batch = two_graphs(rng)
    layer = ECTLayer(directions=4, dim=3, thresholds=5, radius=3.0)
    with pytest.raises(Exception, match="pass num_graphs"):
        torch.compile(layer, fullgraph=True, backend="aot_eager")(pos, e, f, batch=batch)


def test_double_backward_raises(rng):
    pos, e, f, batch = two_graphs(rng)
    pos = pos.double().requires_grad_()
    v = topoeuler.sphere_directions(4, dtype=torch.float64)
    out = topoeuler.soft_ect(pos, e, f, directions=v, thresholds=torch.linspace(-3, 3, 7), batch=batch)
    (g,) = torch.autograd.grad(out.sum(), pos, create_graph=True)
    with pytest.raises(NotImplementedError, match="soft_ect has no second derivative"):
        g.sum().backward()
    x = torch.rand(2, 6, 6, generator=rng, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(topoeuler.soft_ecc(x, torch.linspace(0, 1, 5)).sum(), x, create_graph=True)
    with pytest.raises(NotImplementedError, match="soft_ecc has no second derivative"):
        g.sum().backward()
    layer = ECTLayer(directions=4, dim=3, thresholds=5, radius=3.0, learn_directions=True)
    (g,) = torch.autograd.grad(layer(pos.float(), e, f, batch=batch).sum(), layer.directions.raw, create_graph=True)
    with pytest.raises(NotImplementedError, match="second derivative"):
        torch.autograd.grad(g.sum(), layer.directions.raw)
