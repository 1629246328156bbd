"""Regression tests of kernel defects found in review (issue 11), each against an independent
reference: the dense soft formula in plain PyTorch, brute-force cell enumeration, or the
compiled kernels' own contract called directly through ``topoeuler._C`` (bad input must raise a
Python exception, never crash the process)."""
import math
import threading

import numpy as np
import pytest
import torch

import topoeuler
from brute_force import ecc as brute_ecc
from topoeuler._backend import compiled
from topoeuler.ops.thresholds import threshold_rows

kernels = compiled()
pytestmark = pytest.mark.skipif(kernels is None, reason="needs the compiled extension")


# ---- soft kernels with a finite z_max above exp's range (e^709) ----

def dense_soft_ecc_2d(x, t, scale):
    """sum over the cells of the V-construction of sign * sigmoid(s (t - value)), in float64."""
    f = x.to(torch.float64)
    cells = [(f, 1), (torch.maximum(f[:, 1:], f[:, :-1]), -1), (torch.maximum(f[:, :, 1:], f[:, :, :-1]), -1)]
    square = torch.maximum(torch.maximum(f[:, 1:, 1:], f[:, 1:, :-1]), torch.maximum(f[:, :-1, 1:], f[:, :-1, :-1]))
    cells.append((square, 1))
    return sum(sign * torch.sigmoid(scale * (t - v.flatten(1)[..., None])).sum(1) for v, sign in cells)


@pytest.mark.parametrize("z_max", [700.0, 710.0, 800.0, 5000.0])
def test_soft_ecc_large_finite_z_max_is_finite_and_dense(z_max, rng):
    # scale * (h - t_0) reaches 30 * 27 = 810 > 709: exp(-s (t_lo - h)) overflows where the window
    # reaches t_0, and exp(-s (t_k - t_lo)) underflows for t_k near h.
    x = torch.randn(2, 5, 6, generator=rng, dtype=torch.float64)
    t = torch.linspace(-30, 30, 61, dtype=torch.float64).requires_grad_()
    xg = x.clone().requires_grad_()
    got = topoeuler.soft_ecc(xg, t, scale=30.0, z_max=z_max)
    assert torch.isfinite(got).all()
    t2, x2 = t.detach().clone().requires_grad_(), x.clone().requires_grad_()
    want = dense_soft_ecc_2d(x2, t2, 30.0)
    torch.testing.assert_close(got, want, rtol=1e-9, atol=1e-9)
    g = torch.randn(want.shape, generator=rng, dtype=torch.float64)
    got.backward(g)
    want.backward(g)
    assert torch.isfinite(xg.grad).all() and torch.isfinite(t.grad).all()
    torch.testing.assert_close(xg.grad, x2.grad, rtol=1e-8, atol=1e-8)
    torch.testing.assert_close(t.grad, t2.grad, rtol=1e-8, atol=1e-8)


def test_soft_ect_large_finite_z_max_is_finite(rng):
    pos = torch.randn(30, 2, generator=rng, dtype=torch.float64)
    edges = torch.randint(0, 30, (2, 40), generator=rng)
    v = torch.nn.functional.normalize(torch.randn(4, 2, generator=rng, dtype=torch.float64), dim=1)
    t = torch.linspace(-30, 30, 61, dtype=torch.float64)
    a = topoeuler.soft_ect(pos, edges, directions=v, thresholds=t, scale=40.0, z_max=800.0)
    b = topoeuler.soft_ect(pos, edges, directions=v, thresholds=t, scale=40.0, z_max=math.inf)
    assert torch.isfinite(a).all()
    torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


# ---- the bindings guard every kernel contract ----

def rows(t):
    return threshold_rows(t.to(torch.float64), 1)


def test_grid_bindings_reject_an_empty_grid_axis():
    t = torch.linspace(0, 1, 5, dtype=torch.float64)
    step = torch.zeros(1, dtype=torch.float64)
    for shape in [(2, 1, 0, 4), (2, 1, 4, 0), (2, 0, 3, 3)]:
        ndim = 2 if shape[1] == 1 else 3
        x = torch.zeros(shape, dtype=torch.float32)
        with pytest.raises(RuntimeError, match="non-empty axes"):
            kernels.ecc_curves(x, ndim, False, *rows(t))
        with pytest.raises(RuntimeError, match="non-empty axes"):
            kernels.ecc_curves(x.to(torch.uint8), ndim, False, *rows(t))
        with pytest.raises(RuntimeError, match="non-empty axes"):
            kernels.soft_ecc_forward(x, ndim, False, t.reshape(1, -1), step, 10.0, 37.0)
        with pytest.raises(RuntimeError, match="non-empty axes"):
            kernels.soft_ecc_backward(x, ndim, False, t.reshape(1, -1), step, 10.0, 37.0,
                                      torch.ones(shape[0], 5, dtype=torch.float64), True, True)
        with pytest.raises(RuntimeError, match="non-empty axes"):
            kernels.image_ect_histogram(x.to(torch.uint8), ndim, torch.eye(ndim, dtype=torch.float64), False,
                                        *threshold_rows(t, ndim))
    # An empty batch of non-empty grids is an empty result.
    x = torch.zeros(0, 1, 3, 3, dtype=torch.float32)
    assert kernels.ecc_curves(x, 2, False, *rows(t)).shape == (0, 5)
    assert kernels.soft_ecc_forward(x, 2, False, t.reshape(1, -1), step, 10.0, 37.0).shape == (0, 5)


def test_bindings_reject_bad_thresholds():
    x = torch.zeros(1, 1, 3, 3, dtype=torch.float64)
    t = torch.linspace(0, 1, 5, dtype=torch.float64).reshape(1, -1)
    o, inv = t[:, 0].contiguous(), torch.tensor([4.0], dtype=torch.float64)
    with pytest.raises(RuntimeError, match="sorted"):
        kernels.ecc_curves(x, 2, False, t.flip(1).contiguous(), t[:, -1].contiguous(), torch.zeros(1, dtype=torch.float64))
    with pytest.raises(RuntimeError, match="finite"):
        bad = t.clone()
        bad[0, 2] = math.nan
        kernels.ecc_curves(x, 2, False, bad, o, torch.zeros(1, dtype=torch.float64))
    with pytest.raises(RuntimeError, match="evenly spaced"):
        kernels.ecc_curves(x, 2, False, t, o, torch.tensor([40.0], dtype=torch.float64))
    with pytest.raises(RuntimeError, match="origins"):
        kernels.ecc_curves(x, 2, False, t, o + 1, inv)
    with pytest.raises(RuntimeError, match="T > 0"):
        kernels.ecc_curves(x, 2, False, torch.zeros(1, 0, dtype=torch.float64), o, inv)
    with pytest.raises(RuntimeError, match="scale"):
        kernels.soft_ecc_forward(x, 2, False, t, torch.zeros(1, dtype=torch.float64), math.inf, 37.0)
    with pytest.raises(RuntimeError, match="z_max"):
        kernels.soft_ecc_forward(x, 2, False, t, torch.zeros(1, dtype=torch.float64), 1.0, math.nan)
    with pytest.raises(RuntimeError, match="ndim"):
        kernels.ecc_curves(x, 4, False, t, o, inv)


def test_ect_bindings_reject_out_of_range_indices():
    pos = torch.randn(5, 2, dtype=torch.float64)
    v = torch.eye(2, dtype=torch.float64)
    t = torch.linspace(-2, 2, 4, dtype=torch.float64)
    values, origin, inv = threshold_rows(t, 2)
    good = torch.tensor([[0, 1], [1, 2]])
    for fn in (kernels.ect_curves,):
        with pytest.raises(RuntimeError, match="simplex vertex indices"):
            fn(pos, None, 1, [torch.tensor([[0, 1], [1, 5]])], v, values, origin, inv)
        with pytest.raises(RuntimeError, match="simplex vertex indices"):
            fn(pos, None, 1, [torch.tensor([[0, -1], [1, 2]])], v, values, origin, inv)
        with pytest.raises(RuntimeError, match="batch entries"):
            fn(pos, torch.tensor([0, 0, 1, 1, 2]), 2, [good], v, values, origin, inv)
        with pytest.raises(RuntimeError, match="num_graphs"):
            fn(pos, None, -1, [good], v, values, origin, inv)
        with pytest.raises(RuntimeError, match="directions"):
            fn(pos, None, 1, [good], torch.eye(3, dtype=torch.float64), values, origin, inv)
    step = torch.zeros(2, dtype=torch.float64)
    with pytest.raises(RuntimeError, match="simplex vertex indices"):
        kernels.soft_ect_forward(pos, None, 1, [torch.tensor([[0, 9], [1, 2]])], v, values, step, 10.0, 37.0)
    with pytest.raises(RuntimeError, match="batch entries"):
        kernels.soft_ect_backward(pos, torch.tensor([0, 0, 1, 1, 7]), 2, [good], v, values, step, 10.0, 37.0,
                                  torch.zeros(2, 2, 4, dtype=torch.float64), True, True, True)
    # Valid calls still work, and an empty complex counts nothing.
    assert kernels.ect_curves(pos, None, 1, [good], v, values, origin, inv).shape == (1, 2, 4)
    empty = kernels.ect_curves(torch.zeros(0, 2, dtype=torch.float64), None, 1, [], v, values, origin, inv)
    assert torch.equal(empty, torch.zeros(1, 2, 4, dtype=torch.int64))


# ---- float32 binning near the float32 limits, on every instruction set ----

@pytest.mark.parametrize("cpu_isa", ["scalar", "avx2", "avx512"], indirect=True)
def test_ecc_float32_near_float32_limits(cpu_isa):
    big = 3.4e38
    x = torch.tensor([[-big, -1e38, 0.0, 1e38], [2e38, big, -3e38, 5e37], [1.0, -1.0, 3.3e38, -3.3e38]] * 6,
                     dtype=torch.float32)
    for t in (torch.linspace(-big, big, 32, dtype=torch.float64), torch.linspace(-1e38, big, 17, dtype=torch.float64)):
        got = topoeuler.ecc(x, t)
        want = brute_ecc(x.double().numpy(), t.tolist())
        assert got.tolist() == want, cpu_isa


# ---- byte grids go to the kernels as bytes and count as their values ----

@pytest.mark.parametrize("construction", ["V", "T"])
@pytest.mark.parametrize("superlevel", [False, True])
@pytest.mark.parametrize("count", [7, 300])
def test_ecc_byte_grids_equal_brute_force(construction, superlevel, count, rng):
    x = torch.randint(0, 256, (3, 5, 6), generator=rng, dtype=torch.uint8)
    x[0, 0, :] = 255
    x[1, :, 0] = 0
    t = torch.linspace(-1, 256, count, dtype=torch.float64)
    got = topoeuler.ecc(x, t, construction=construction, superlevel=superlevel)
    for b in range(3):
        want = brute_ecc(x[b].double().numpy(), t.tolist(), construction, superlevel)
        assert got[b].tolist() == want
    mask = torch.rand(2, 4, 4, generator=rng) > 0.5
    got = topoeuler.ecc(mask, torch.tensor([0.0, 0.5, 1.0], dtype=torch.float64), construction=construction,
                        superlevel=superlevel)
    for b in range(2):
        assert got[b].tolist() == brute_ecc(mask[b].double().numpy(), [0.0, 0.5, 1.0], construction, superlevel)


def test_ecc_byte_grids_3d_equal_float64(rng):
    x = torch.randint(0, 6, (2, 4, 5, 6), generator=rng, dtype=torch.uint8)
    for count in (5, 400):
        t = torch.linspace(0, 5, count, dtype=torch.float64)
        for construction in ("V", "T"):
            assert torch.equal(topoeuler.ecc(x, t, ndim=3, construction=construction),
                               topoeuler.ecc(x.double(), t, ndim=3, construction=construction))


# ---- the exact ECT while another thread changes torch.set_num_threads ----

def test_ect_correct_while_thread_count_changes(rng):
    from topoeuler.ops.reference import ect_reference

    pos = torch.randn(600, 3, generator=rng, dtype=torch.float64)
    batch = torch.arange(600) // 150
    edges = torch.randint(0, 150, (2, 1200), generator=rng) + 150 * torch.randint(0, 4, (1, 1200), generator=rng)
    v = torch.nn.functional.normalize(torch.randn(8, 3, generator=rng, dtype=torch.float64), dim=1)
    t = torch.linspace(-3, 3, 16, dtype=torch.float64)
    want = ect_reference(pos, edges, directions=v, thresholds=t.expand(8, 16).contiguous(), batch=batch, num_graphs=4)
    stop = threading.Event()
    previous = torch.get_num_threads()

    def churn():
        k = 0
        while not stop.is_set():
            torch.set_num_threads(1 + k % 8)
            k += 1

    worker = threading.Thread(target=churn)
    worker.start()
    try:
        for _ in range(200):  # a stress test: the fixed kernel has no per-thread buffer indexed by thread number
            assert torch.equal(topoeuler.ect(pos, edges, directions=v, thresholds=t, batch=batch), want)
    finally:
        stop.set()
        worker.join()
        torch.set_num_threads(previous)
