"""Soft ECC (docs/definitions.md section 3) of 2D/3D grids: dense formula, gradcheck, height variant,
limit, bad input."""
import itertools
import math

import pytest
import torch
from torch.autograd import gradcheck

import topoeuler


def cells(f, ndim, construction):
    """Every cell of the cubical complex of f [B, *grid] as (values [B, M], sign), written plainly."""
    grid = f.shape[-ndim:]
    out = []
    if construction == "V":  # a cell spanning axes S: max over its 2^|S| vertices
        for span in itertools.product((0, 1), repeat=ndim):
            parts = []
            for shift in itertools.product(*[(0, 1) if s else (0,) for s in span]):
                index = (slice(None),) + tuple(slice(o, n - s + o) for o, s, n in zip(shift, span, grid))
                parts.append(f[index])
            out.append((torch.stack(parts).amax(0).flatten(1), (-1) ** sum(span)))
        return out
    padded = torch.nn.functional.pad(f, (1, 1) * ndim, value=float("inf"))
    for thin in itertools.product((0, 1), repeat=ndim):  # a cell thin along A: min over 2^|A| top cells
        parts = []
        for shift in itertools.product(*[(0, 1) if a else (1,) for a in thin]):
            index = (slice(None),) + tuple(slice(o, o + n + a) for o, a, n in zip(shift, thin, grid))
            parts.append(padded[index])
        out.append((torch.stack(parts).amin(0).flatten(1), (-1) ** (ndim - sum(thin))))
    return out


def dense_soft_ecc(x, t, ndim, construction, scale):
    """sum over cells of sign * sigmoid(s (t - value)), materialising [B, cells, T]."""
    f = x.reshape(-1, *x.shape[-ndim:])
    out = sum(sign * torch.sigmoid(scale * (t - v[..., None])).sum(1) for v, sign in cells(f, ndim, construction))
    return out.reshape(*x.shape[:-ndim], t.shape[0])


@pytest.mark.parametrize("ndim", [2, 3])
@pytest.mark.parametrize("construction", ["V", "T"])
def test_forward_and_gradients_equal_dense_formula(ndim, construction, rng):
    shape = (2, 3, 6, 7) if ndim == 2 else (2, 4, 5, 6)
    x = torch.randn(shape, generator=rng, dtype=torch.float64)
    t = torch.linspace(-2.5, 2.5, 17, dtype=torch.float64)
    for scale in (0.5, 6.0, 50.0):
        x1, t1, x2, t2 = x.clone().requires_grad_(), t.clone().requires_grad_(), x.clone().requires_grad_(), t.clone().requires_grad_()
        got = topoeuler.soft_ecc(x1, t1, ndim=ndim, construction=construction, scale=scale)
        want = dense_soft_ecc(x2, t2, ndim, construction, scale)
        assert got.shape == shape[:-ndim] + (17,)
        torch.testing.assert_close(got, want, rtol=1e-6, atol=1e-9)
        g = torch.randn(want.shape, generator=rng, dtype=torch.float64)
        got.backward(g)
        want.backward(g)
        torch.testing.assert_close(x1.grad, x2.grad, rtol=1e-6, atol=1e-9)
        torch.testing.assert_close(t1.grad, t2.grad, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("ndim", [2, 3])
@pytest.mark.parametrize("construction", ["V", "T"])
def test_gradcheck_pixels_and_thresholds(ndim, construction, rng):
    shape = (2, 5, 4) if ndim == 2 else (1, 3, 3, 4)
    x = torch.randn(shape, generator=rng, dtype=torch.float64, requires_grad=True)
    t = torch.tensor([-1.5, -0.2, 0.1, 0.9, 2.0], dtype=torch.float64, requires_grad=True)
    assert gradcheck(lambda a, b: topoeuler.soft_ecc(a, b, ndim=ndim, construction=construction, scale=4.0), (x, t))


@pytest.mark.parametrize("ndim", [2, 3])
def test_height_variant_gradcheck_and_dense(ndim, rng):
    shape = (2, 5, 6) if ndim == 2 else (1, 3, 4, 5)
    x = torch.randn(shape, generator=rng, dtype=torch.float64, requires_grad=True)
    u = torch.randn(ndim, generator=rng, dtype=torch.float64, requires_grad=True)
    alpha = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    t = torch.linspace(-3, 3, 8, dtype=torch.float64, requires_grad=True)
    fn = lambda a, uu, al, tt: topoeuler.soft_ecc(a, tt, ndim=ndim, scale=3.0, direction=uu, alpha=al)  # noqa: E731
    assert gradcheck(fn, (x, u, alpha, t))
    # Dense: pixel at index i of an axis of n pixels sits at i * 2/(n-1) - 1.
    axes = [torch.arange(n, dtype=torch.float64) * (2.0 / (n - 1)) - 1.0 for n in shape[-ndim:]]
    coords = torch.stack(torch.meshgrid(*axes, indexing="ij"), dim=-1)  # [*grid, ndim]
    want = dense_soft_ecc(x + alpha * (coords * u).sum(-1), t, ndim, "V", 3.0)
    torch.testing.assert_close(fn(x, u, alpha, t), want, rtol=1e-6, atol=1e-9)


def test_tends_to_exact_ecc_and_infinities(rng):
    x = torch.randn(3, 9, 8, generator=rng, dtype=torch.float64)
    x[0, 2, 3], x[1, 0, 0], x[2, 4, 4] = float("inf"), float("-inf"), float("inf")
    t = torch.linspace(-2.02, 2.02, 21, dtype=torch.float64)
    exact = topoeuler.ecc(x, t).double()
    errors = [(topoeuler.soft_ecc(x, t, scale=s) - exact).abs().max() for s in (5.0, 1e3, 1e7)]
    assert errors[0] > errors[2] and errors[2] < 1e-9
    y = torch.randn(4, 6, 6, generator=rng)
    ones = topoeuler.soft_ecc(y, thresholds=16, scale=1e4, value_range=(float(y.min()), float(y.max())))  # top = max
    torch.testing.assert_close(ones[:, -1], torch.full((4,), 1.0), atol=0.51, rtol=0)  # the max pixel sits at 1/2


def test_window_float32_and_determinism(rng):
    x = torch.rand(3, 40, 50, generator=rng, dtype=torch.float64)
    a = topoeuler.soft_ecc(x, 48, value_range=(0.0, 1.0), scale=80.0)
    b = topoeuler.soft_ecc(x, 48, value_range=(0.0, 1.0), scale=80.0, z_max=math.inf)
    torch.testing.assert_close(a, b, rtol=0, atol=1e-12)
    c = topoeuler.soft_ecc(x.float(), 48, value_range=(0.0, 1.0), scale=80.0)
    assert c.dtype == torch.float32
    torch.testing.assert_close(c.double(), a, rtol=0, atol=5e-4)
    big = torch.rand(1, 300, 300, generator=rng, dtype=torch.float64, requires_grad=True)  # several row blocks
    threads = torch.get_num_threads()
    results = []
    try:
        for n in (1, max(2, threads)):
            torch.set_num_threads(n)
            big.grad = None
            t = torch.linspace(0, 1, 32, dtype=torch.float64, requires_grad=True)
            out = topoeuler.soft_ecc(big, t, scale=30.0)
            out.sum().backward()
            results.append((out.detach(), big.grad.clone(), t.grad))
    finally:
        torch.set_num_threads(threads)
    for p, q in zip(*results):
        assert torch.equal(p, q)


def test_bad_input():
    x = torch.rand(2, 5, 5)
    with pytest.raises(ValueError, match="scale"):
        topoeuler.soft_ecc(x, scale=0.0)
    with pytest.raises(ValueError, match="scale"):
        topoeuler.soft_ecc(x, scale=torch.tensor(-2.0))
    with pytest.raises(ValueError, match="NaN"):
        topoeuler.soft_ecc(torch.full((4, 4), float("nan")))
    with pytest.raises(ValueError, match="construction"):
        topoeuler.soft_ecc(x, construction="X")
    with pytest.raises(ValueError, match="ndim"):
        topoeuler.soft_ecc(x, ndim=4)
    with pytest.raises(ValueError, match="direction"):
        topoeuler.soft_ecc(x, direction=torch.ones(3))
    with pytest.raises(ValueError, match="direction"):
        topoeuler.soft_ecc(x, alpha=1.0)
    with pytest.raises(ValueError, match="thresholds"):
        topoeuler.soft_ecc(x, torch.zeros(2, 3))
    with pytest.raises(ValueError, match="needs value_range="):
        topoeuler.soft_ecc(torch.full((3, 3), float("inf")))
    with pytest.raises(TypeError, match="alpha must be a number"):
        topoeuler.soft_ecc(x, torch.zeros(3), direction=torch.ones(2), alpha="0.1")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("ndim", [2, 3])
def test_cuda_matches_cpu(ndim, rng):
    shape = (5, 30, 31) if ndim == 2 else (2, 9, 10, 11)
    x = torch.randn(shape, generator=rng, dtype=torch.float64)
    t = torch.linspace(-2, 2, 40, dtype=torch.float64)
    for construction in ("V", "T"):
        for dtype, tol in ((torch.float64, 1e-10), (torch.float32, 1e-4)):
            res = []
            for device in ("cpu", "cuda"):
                xx = x.to(device, dtype).requires_grad_()
                tt = t.to(device).requires_grad_()
                out = topoeuler.soft_ecc(xx, tt, ndim=ndim, construction=construction, scale=20.0)
                out.backward(torch.ones_like(out))
                res.append([out.detach().cpu().double(), xx.grad.cpu().double(), tt.grad.cpu()])
            for a, b in zip(*res):
                torch.testing.assert_close(b, a, rtol=tol, atol=tol * 10)
