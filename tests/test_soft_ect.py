"""Soft ECT (docs/definitions.md section 3): dense formula, gradcheck, limit to the exact ECT, ties, bad input."""
import math

import pytest
import torch
from torch.autograd import gradcheck

import topoeuler
from meshes import edges_of, octahedron, random_complex, torus


def dense_soft_ect(pos, simplices, v, t, batch, num_graphs, scale):
    """DECT's formula, plainly: materialise sigmoid(s (t - h)) for every [simplex, direction, threshold]."""
    D = v.shape[0]
    t = t.expand(D, t.shape[-1])
    h = pos @ v.T  # [N, D]
    out = torch.zeros(num_graphs, D, t.shape[1], dtype=torch.float64)
    cells = [torch.arange(pos.shape[0])[None]] + list(simplices)
    for idx in cells:
        height = h[idx].amax(dim=0)  # [M, D], max over the simplex's vertices (ties: even split)
        big = torch.sigmoid(scale * (t[None, :, :] - height[:, :, None]))  # [M, D, T]
        out = out.index_add(0, batch[idx[0]], (-1) ** (idx.shape[0] - 1) * big)
    return out


def assert_equals_dense(pos, simplices, v, t, batch, scale, rng, rtol, atol):
    """soft_ect and its gradients (pos, directions, thresholds, for a random upstream gradient)
    against dense_soft_ect, in float64."""
    p1, v1, t1 = (a.clone().requires_grad_() for a in (pos, v, t))
    p2, v2, t2 = (a.clone().requires_grad_() for a in (pos, v, t))
    got = topoeuler.soft_ect(p1, *simplices, directions=v1, thresholds=t1, batch=batch, scale=scale)
    want = dense_soft_ect(p2, simplices, v2, t2, batch, int(batch.max()) + 1, scale)
    torch.testing.assert_close(got, want, rtol=rtol, atol=atol)
    g = torch.randn(want.shape, generator=rng, dtype=torch.float64)
    got.backward(g)
    want.backward(g)
    for a, b in ((p1, p2), (v1, v2), (t1, t2)):
        torch.testing.assert_close(a.grad, b.grad, rtol=rtol, atol=atol)


KINDS = {"points": lambda e, f: (), "graph": lambda e, f: (e,), "mesh": lambda e, f: (e, f)}


@pytest.mark.parametrize("kinds", list(KINDS))
@pytest.mark.parametrize("per_direction", [False, True])
def test_forward_and_gradients_equal_dense_formula(kinds, per_direction, rng):
    pos, e, f, batch = random_complex(rng, [5, 9, 1, 7], integer=False)
    simplices = KINDS[kinds](e, f)
    v = torch.randn(6, 3, generator=rng, dtype=torch.float64)
    t = torch.linspace(-4, 4, 23, dtype=torch.float64)
    if per_direction:
        t = t + 0.3 * torch.rand(6, 1, generator=rng, dtype=torch.float64)
    for scale in (0.7, 8.0, 50.0):
        assert_equals_dense(pos, simplices, v, t, batch, scale, rng, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("kinds", list(KINDS))
def test_gradcheck_points_graphs_meshes_unequal_batches(kinds, rng):
    pos, e, f, batch = random_complex(rng, [4, 6, 1, 3], integer=False)
    simplices = KINDS[kinds](e, f)
    v = torch.randn(3, 3, generator=rng, dtype=torch.float64).requires_grad_()
    pos.requires_grad_()
    shared = torch.linspace(-3, 3, 9, dtype=torch.float64).requires_grad_()
    per_dir = (torch.linspace(-3, 3, 9, dtype=torch.float64) + torch.rand(3, 1, generator=rng,
                                                                          dtype=torch.float64)).requires_grad_()
    for t in (shared, per_dir):
        fn = lambda p, vv, tt: topoeuler.soft_ect(p, *simplices, directions=vv, thresholds=tt, batch=batch, scale=6.0)  # noqa: E731
        assert gradcheck(fn, (pos, v, t))


def test_gradcheck_learnable_scale_and_unsorted_thresholds(rng):
    pos, e, f, _ = random_complex(rng, [7], integer=False)
    pos.requires_grad_()
    v = torch.randn(2, 3, generator=rng, dtype=torch.float64).requires_grad_()
    t = torch.tensor([0.5, -1.0, 2.0, 0.0, -2.5], dtype=torch.float64, requires_grad=True)
    s = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    assert gradcheck(lambda p, vv, tt, ss: topoeuler.soft_ect(p, e, f, directions=vv, thresholds=tt, scale=ss),
                     (pos, v, t, s))
    # Unsorted thresholds: entry k is the value at t[k].
    got = topoeuler.soft_ect(pos, e, f, directions=v, thresholds=t, scale=3.0)
    order = t.argsort()
    sorted_ = topoeuler.soft_ect(pos, e, f, directions=v, thresholds=t[order], scale=3.0)
    torch.testing.assert_close(got[..., order], sorted_)


def complex_across_blocks(rng, integer):
    """A batch of unequal graphs with faces and 13 directions: a block of 8 directions and a partial
    one (the CPU kernel's unit). Integer coordinates and the axis directions make many ties."""
    pos, e, f, batch = random_complex(rng, [9, 14, 1, 11], integer=integer)
    v = torch.cat([torch.eye(3, dtype=torch.float64), torch.randn(10, 3, generator=rng, dtype=torch.float64)])
    return pos / 2, e, f, batch, v


@pytest.mark.parametrize("integer", [False, True])
def test_blocks_and_ties_equal_dense_formula(integer, rng):
    pos, e, f, batch, v = complex_across_blocks(rng, integer)
    even = torch.linspace(-4, 4, 21, dtype=torch.float64).expand(13, 21)
    uneven = (torch.rand(13, 21, generator=rng, dtype=torch.float64) * 8 - 4).sort(dim=1).values
    for t, scale in ((even, 50.0), (uneven, 3.0), (even[0], 0.7)):
        # float64 window arithmetic: only the window's saturation (sigmoid(-37) = 8.5e-17 per cell) and rounding.
        assert_equals_dense(pos, (e, f), v, t, batch, scale, rng, rtol=1e-11, atol=1e-11)


def test_float32_arithmetic_against_float64(rng):
    pos, e, f, batch, v = complex_across_blocks(rng, False)
    cells = pos.shape[0] + e.shape[1] + f.shape[1]
    t = torch.linspace(-4, 4, 40)
    results = []
    for dtype in (torch.float32, torch.float64):
        p, vv = pos.float().to(dtype).requires_grad_(), v.float().to(dtype).requires_grad_()
        out = topoeuler.soft_ect(p, e, f, directions=vv, thresholds=t.to(dtype), batch=batch, scale=20.0)
        out.backward(torch.linspace(-1, 1, out.numel()).reshape(out.shape).to(dtype))
        results.append((out.double(), p.grad.double(), vv.grad.double()))
    (out32, gp32, gv32), (out64, gp64, gv64) = results
    # float32 windows (z_max = 17): each sigmoid is off by a few float32 ulps (< 4e-7) plus the
    # saturation sigmoid(-17) = 4.1e-8, summed over the cells; the output is rounded to float32.
    torch.testing.assert_close(out32, out64, rtol=2**-23, atol=4.5e-7 * cells)
    # Each window term s * w * g_k * sigmoid'_k is off by a few float32 ulps: well below 1e-6 of the largest gradient.
    for a, b in ((gp32, gp64), (gv32, gv64)):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6 * b.abs().max().item())


@pytest.mark.parametrize("case", ["float64 directions", "z_max above 40"])
def test_float32_pos_with_float64_arithmetic(case, rng):
    """float32 positions take float64 window arithmetic when the result is float64 or z_max > 40:
    bit for bit the result of float64 positions of the same values."""
    pos, e, f, batch, v = complex_across_blocks(rng, False)
    pos, v = pos.float(), v.float()  # values that float32 holds exactly
    z_max, v_dtype = (None, torch.float64) if case == "float64 directions" else (60.0, None)
    results = []
    for dtype in (torch.float32, torch.float64):
        p = pos.to(dtype).clone().requires_grad_()
        vv = v.to(v_dtype or dtype).clone().requires_grad_()
        out = topoeuler.soft_ect(p, e, f, directions=vv, thresholds=30, radius=4.0, batch=batch, scale=20.0,
                                 z_max=z_max)
        out.backward(torch.ones_like(out))
        results.append((out, p.grad, vv.grad))
    for a, b in zip(*results):
        assert torch.equal(a, b.to(a.dtype))


def test_ties_split_evenly():
    # Both vertices of the edge (and of the triangle's top) have height 1 under v = (0, 1).
    pos = torch.tensor([[0.0, 1.0], [2.0, 1.0], [1.0, -1.0]], dtype=torch.float64)
    e = torch.tensor([[0, 1], [1, 2]]).T.contiguous()
    face = torch.tensor([[0], [1], [2]])
    v = torch.tensor([[0.0, 1.0], [0.6, 0.8]], dtype=torch.float64)
    t = torch.linspace(-2, 2, 7, dtype=torch.float64)
    p1, p2 = pos.clone().requires_grad_(), pos.clone().requires_grad_()
    g = torch.arange(14.0, dtype=torch.float64).reshape(1, 2, 7)
    topoeuler.soft_ect(p1, e, face, directions=v, thresholds=t, scale=3.0).backward(g)
    dense_soft_ect(p2, (e, face), v, t, torch.zeros(3, dtype=torch.int64), 1, 3.0).backward(g)
    torch.testing.assert_close(p1.grad, p2.grad, rtol=1e-9, atol=1e-12)


def test_tends_to_exact_ect_as_scale_grows(rng):
    pos, e, f, batch = random_complex(rng, [8, 5, 6], integer=False)
    v = topoeuler.random_directions(5, 3, seed=1, dtype=torch.float64)
    t = torch.linspace(-3.05, 3.05, 31, dtype=torch.float64)
    exact = topoeuler.ect(pos, e, f, directions=v, thresholds=t, batch=batch).double()
    gap = ((pos @ v.T).reshape(-1, 1) - t).abs().min()  # distance of the vertex heights to the thresholds
    assert gap > 1e-4
    errors = [(topoeuler.soft_ect(pos, e, f, directions=v, thresholds=t, batch=batch, scale=s) - exact).abs().max()
              for s in (10.0, 1e3, 1e6)]
    assert errors[0] > errors[2] and errors[2] < 1e-9


def test_closed_surfaces_at_high_scale():
    for pos, face, chi in (octahedron() + (2,), torus() + (0,)):
        v = topoeuler.sphere_directions(7, dtype=torch.float64) + 1e-3  # generic: no ties
        out = topoeuler.soft_ect(pos, edges_of(face), face, directions=v, thresholds=4, radius=5.0, scale=1e4)
        torch.testing.assert_close(out[0, :, -1], torch.full((7,), float(chi), dtype=torch.float64))


def test_window_equals_dense_evaluation_and_float32(rng):
    pos, e, f, batch = random_complex(rng, [30, 20], integer=False)
    v = topoeuler.random_directions(8, 3, seed=0, dtype=torch.float64)
    windowed = topoeuler.soft_ect(pos, e, f, directions=v, thresholds=40, radius=4.0, batch=batch, scale=50.0)
    full = topoeuler.soft_ect(pos, e, f, directions=v, thresholds=40, radius=4.0, batch=batch, scale=50.0,
                              z_max=math.inf)
    torch.testing.assert_close(windowed, full, rtol=0, atol=1e-13)
    single = topoeuler.soft_ect(pos.float(), e, f, directions=v.float(), thresholds=40, radius=4.0, batch=batch,
                                scale=50.0)
    assert single.dtype == torch.float32
    torch.testing.assert_close(single.double(), windowed, rtol=0, atol=2e-5)


@pytest.mark.parametrize("D", [40, 6])  # 6: the CPU kernel splits the directions by thread count
def test_deterministic_across_thread_counts(D, rng):
    pos, e, f, batch = random_complex(rng, [300, 200], integer=False)
    v = topoeuler.random_directions(D, 3, seed=0, dtype=torch.float64)
    threads = torch.get_num_threads()
    results = []
    try:
        for n in (1, max(2, threads)):
            torch.set_num_threads(n)
            p, vv = pos.clone().requires_grad_(), v.clone().requires_grad_()
            out = topoeuler.soft_ect(p, e, f, directions=vv, thresholds=32, radius=4.0, batch=batch, scale=20.0)
            out.backward(torch.ones_like(out))
            results.append((out.detach(), p.grad, vv.grad))
    finally:
        torch.set_num_threads(threads)
    for a, b in zip(*results):
        assert torch.equal(a, b)


def test_bad_input(rng):
    pos, e, _, _ = random_complex(rng, [5], integer=False)
    v = torch.eye(3, dtype=torch.float64)
    with pytest.raises(ValueError, match="scale"):
        topoeuler.soft_ect(pos, e, directions=v, scale=0.0)
    with pytest.raises(ValueError, match="scale"):
        topoeuler.soft_ect(pos, e, directions=v, scale=-1.0)
    with pytest.raises(ValueError, match="scale"):
        topoeuler.soft_ect(pos, e, directions=v, scale=torch.tensor(float("nan")))
    with pytest.raises(ValueError, match="zero length"):
        topoeuler.soft_ect(pos, e, directions=torch.tensor([[1.0, 0, 0], [0, 0, 0]]))
    with pytest.raises(ValueError, match="NaN"):
        topoeuler.soft_ect(torch.full((3, 3), float("nan")), directions=v)
    with pytest.raises(IndexError):
        topoeuler.soft_ect(pos, torch.tensor([[0], [7]]), directions=v)
    with pytest.raises(ValueError, match="thresholds"):
        topoeuler.soft_ect(pos, directions=v, thresholds=torch.zeros(2, 4))
    with pytest.raises(ValueError, match="thresholds"):
        topoeuler.soft_ect(pos, directions=v, thresholds=torch.tensor([0.0, float("inf")]))
    with pytest.raises(ValueError, match="z_max"):
        topoeuler.soft_ect(pos, directions=v, z_max=0.0)
    with pytest.raises(ValueError, match="directions"):
        topoeuler.soft_ect(pos, directions=torch.ones(2, 2))
    with pytest.raises(ValueError, match="batch"):
        topoeuler.soft_ect(pos, directions=v, batch=torch.zeros(3, dtype=torch.int64))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_matches_cpu(rng):
    pos, e, f, batch = random_complex(rng, [50, 30, 1, 20], integer=False)
    v = topoeuler.random_directions(16, 3, seed=0, dtype=torch.float64)
    t = (torch.linspace(-3, 3, 24, dtype=torch.float64) + 0.2 * torch.rand(16, 1, generator=rng, dtype=torch.float64))
    for dtype, tol in ((torch.float64, 1e-10), (torch.float32, 1e-4)):
        outs, grads = [], []
        for device in ("cpu", "cuda"):
            p, vv, tt = (a.to(device, dtype if a is pos else torch.float64).clone().requires_grad_() for a in (pos, v, t))
            out = topoeuler.soft_ect(p, e.to(device), f.to(device), directions=vv, thresholds=tt,
                                     batch=batch.to(device), scale=20.0)
            out.backward(torch.ones_like(out))
            outs.append(out.detach().cpu().double())
            grads.append([a.grad.cpu().double() for a in (p, vv, tt)])
        torch.testing.assert_close(outs[1], outs[0], rtol=tol, atol=tol)
        for a, b in zip(*grads):
            torch.testing.assert_close(b, a, rtol=tol, atol=tol * 10)


def test_fallback_without_kernels_warns_and_agrees(monkeypatch):
    from topoeuler import _backend

    gen = torch.Generator().manual_seed(5)
    pos = torch.randn(12, 3, generator=gen, dtype=torch.float64)
    edge_index = torch.randint(0, 12, (2, 20), generator=gen)
    v = topoeuler.sphere_directions(6, dtype=torch.float64)
    expected = topoeuler.soft_ect(pos, edge_index, directions=v, thresholds=9, radius=4.0, scale=5.0, z_max=math.inf)
    monkeypatch.setattr(_backend, "_C", None)
    monkeypatch.setattr(_backend, "_warned", False)
    with pytest.warns(RuntimeWarning, match="slow pure-PyTorch reference"):
        got = topoeuler.soft_ect(pos, edge_index, directions=v, thresholds=9, radius=4.0, scale=5.0)
    torch.testing.assert_close(got, expected, rtol=1e-10, atol=1e-10)
