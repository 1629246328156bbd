"""Exact ECC of grids: against the brute-force definition, invariants, gudhi, and bad input."""
import numpy as np
import pytest
import torch

import brute_force
import topoeuler
from topoeuler import _backend
from topoeuler.ops import reference

SHAPES_2D = [(1, 1), (1, 7), (6, 1), (5, 6), (7, 4)]
SHAPES_3D = [(1, 1, 1), (1, 3, 4), (3, 1, 2), (3, 4, 5), (4, 3, 3)]


def tied_grid(shape, rng, dtype=torch.float64, infinities=True):
    """Values from {0, 1, 2, 3} (many ties), with a few +-inf when asked."""
    x = torch.randint(0, 4, shape, generator=rng).to(dtype)
    if infinities and x.numel() > 2:
        flat = x.view(-1)
        idx = torch.randperm(x.numel(), generator=rng)[:2]
        flat[idx[0]], flat[idx[1]] = float("inf"), float("-inf")
    return x


THRESHOLDS = torch.tensor([-1.0, 0.0, 0.5, 1.0, 2.0, 3.0, 4.0], dtype=torch.float64)


def brute(x, construction, superlevel=False):
    grids = x.reshape(-1, *x.shape[-(x.dim() - 1):]) if x.dim() else x
    return torch.tensor([brute_force.ecc(g.numpy(), THRESHOLDS.tolist(), construction, superlevel) for g in grids])


@pytest.mark.parametrize("construction", ["V", "T"])
@pytest.mark.parametrize("superlevel", [False, True])
@pytest.mark.parametrize("ndim,shapes", [(2, SHAPES_2D), (3, SHAPES_3D)])
def test_matches_brute_force(ndim, shapes, construction, superlevel, rng):
    for shape in shapes:
        x = torch.stack([tied_grid(shape, rng) for _ in range(3)])
        got = topoeuler.ecc(x, THRESHOLDS, ndim=ndim, construction=construction, superlevel=superlevel)
        assert got.dtype == torch.int64 and got.shape == (3, len(THRESHOLDS))
        assert torch.equal(got, brute(x, construction, superlevel)), (shape, construction, superlevel)


@pytest.mark.parametrize("construction", ["V", "T"])
@pytest.mark.parametrize("ndim", [2, 3])
def test_reference_matches_brute_force(ndim, construction, rng):
    shape = (5, 6) if ndim == 2 else (3, 4, 3)
    x = torch.stack([tied_grid(shape, rng) for _ in range(3)])
    got = reference.ecc_reference(x, THRESHOLDS, ndim=ndim, construction=construction)
    assert torch.equal(got, brute(x, construction))


@pytest.mark.parametrize("construction", ["V", "T"])
@pytest.mark.parametrize("shape,ndim", [((700, 700), 2), ((40, 50, 60), 3), ((3, 2, 130, 257), 2)])
def test_large_and_multi_block_grids_match_reference(shape, ndim, construction, rng):
    # Grids above 65536 pixels are split into blocks across threads; leading axes are batch/channels.
    x = torch.randint(0, 50, shape, generator=rng).float()
    t = torch.linspace(-1, 50, 37, dtype=torch.float64)
    got = topoeuler.ecc(x, t, ndim=ndim, construction=construction)
    assert got.shape == shape[:-ndim] + (37,)
    assert torch.equal(got, reference.ecc_reference(x, t, ndim=ndim, construction=construction))


@pytest.mark.parametrize("construction", ["V", "T"])
@pytest.mark.parametrize("shape,ndim", [((31, 17), 2), ((9, 8, 7), 3), ((2, 3, 12, 12), 2)])
def test_full_grid_has_euler_characteristic_one(shape, ndim, construction, rng):
    x = torch.rand(shape, generator=rng, dtype=torch.float64)
    curve = topoeuler.ecc(x, 16, ndim=ndim, construction=construction, value_range=(0.0, 1.0))
    assert (curve[..., -1] == 1).all()  # the last int threshold is the max: everything entered


def test_large_counts_do_not_overflow():
    # A 4096x4096 checkerboard: in the V-construction the zeros are isolated vertices at t = 0.
    i = torch.arange(4096)
    x = ((i[:, None] + i[None, :]) % 2).float()
    curve = topoeuler.ecc(x, torch.tensor([0.0, 1.0]))
    assert curve.tolist() == [4096 * 4096 // 2, 1]
    # In the T-construction the zeros touch at corners: one component, and every 1-pixel off
    # the border is enclosed by the edges it shares with zeros, a hole each.
    ones_off_border = 4096 * 4096 // 2 - (4 * 4096 - 4) // 2
    assert topoeuler.ecc(x, torch.tensor([0.0, 1.0]), construction="T").tolist() == [1 - ones_off_border, 1]


def test_int_thresholds_span_value_range():
    x = torch.tensor([[float("-inf"), 2.0], [5.0, float("inf")]])
    curve = topoeuler.ecc(x, 4, value_range=(2.0, 5.0))  # thresholds 2, 3, 4, 5
    expected = brute_force.ecc(x.double().numpy(), [2.0, 3.0, 4.0, 5.0], "V")
    assert curve.tolist() == expected


def binning_cases():
    """Threshold rows that the kernels bin by guess + correction (even, nearly even; guessed in float or,
    far from 0, in double) or by bisection (uneven, or beyond 2**40 steps from 0)."""
    even = torch.linspace(-3.0, 5.0, 41, dtype=torch.float64)
    step = float(even[1] - even[0])
    nearly = even + torch.linspace(-4e-4, 4e-4, 41, dtype=torch.float64).flip(0) * step  # within 1e-3 step
    offset = 2.0**25 + 2 * torch.arange(41, dtype=torch.float64)  # 2**24 steps from 0: no float guess
    uneven = even + 0.3 * step * torch.sin(torch.arange(41.0, dtype=torch.float64))
    far = 2.0**42 + torch.arange(41, dtype=torch.float64)
    return [even, nearly, offset, uneven, far, torch.linspace(0, 1, 300, dtype=torch.float64),
            torch.tensor([0.5], dtype=torch.float64)]


@pytest.mark.parametrize("case", range(7))
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_one_pixel_grids_are_binned_exactly(case, dtype, cpu_isa, rng):
    """The ECC of a 1 x 1 grid of value v is [v <= t_k]: its first 1 is v's bin, compared with a direct test."""
    t = binning_cases()[case]
    near = torch.cat([t, t.nextafter(t.new_tensor(float("inf"))), t.nextafter(t.new_tensor(-float("inf")))])
    spread = t[0] + (t[-1] - t[0] + 2) * torch.rand(500, generator=rng, dtype=torch.float64) - 1
    special = torch.tensor([float("inf"), -float("inf"), 1e300, -1e300], dtype=torch.float64)
    v = torch.cat([near, spread, special]).to(dtype)
    curve = topoeuler.ecc(v[:, None, None], t)
    expected = (v.double()[:, None] <= t).long()  # independent of the kernels' binning
    assert torch.equal(curve, expected)


@pytest.mark.parametrize("construction", ["V", "T"])
@pytest.mark.parametrize("ndim,shape", [(2, (2, 6, 7)), (3, (2, 3, 4, 5))])
def test_many_thresholds_match_brute_force(ndim, shape, construction, rng):
    """T > 255: the CPU kernel compares values instead of byte bins."""
    x = tied_grid(shape, rng)
    t = torch.cat([torch.linspace(-1.0, 4.0, 297, dtype=torch.float64), torch.arange(4, dtype=torch.float64)]).sort().values
    expected = [brute_force.ecc(g.numpy(), t.tolist(), construction) for g in x]
    assert topoeuler.ecc(x, t, ndim=ndim, construction=construction).tolist() == expected


@pytest.mark.parametrize("construction", ["V", "T"])
def test_every_cpu_isa_matches_brute_force(construction, cpu_isa, rng):
    """Grids wide enough for the vector loops (16 and 8 values per step) and their scalar tails."""
    x = tied_grid((3, 9, 37), rng)
    assert brute(x, construction).tolist() == topoeuler.ecc(x, THRESHOLDS, construction=construction).tolist()


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.int32, torch.int64, torch.uint8])
def test_dtypes_are_converted_exactly(dtype, rng):
    x = torch.randint(0, 6, (4, 9, 8), generator=rng)
    t = torch.arange(-1, 7, dtype=torch.float64)
    expected = topoeuler.ecc(x.double(), t)
    assert torch.equal(topoeuler.ecc(x.to(dtype), t), expected)


def test_bool_grid_is_a_binary_image():
    x = torch.tensor([[True, False, True], [True, False, True]])
    # Sublevel at 0 is the False column: one component.
    assert topoeuler.ecc(x, torch.tensor([0.0, 1.0])).tolist() == [1, 1]


def test_non_contiguous_input(rng):
    x = torch.randint(0, 5, (3, 12, 10), generator=rng).float()
    t = torch.arange(5, dtype=torch.float64)
    xt = x.transpose(1, 2)
    assert not xt.is_contiguous()
    assert torch.equal(topoeuler.ecc(xt, t), topoeuler.ecc(xt.contiguous(), t))


def test_superlevel_is_sublevel_of_negation(rng):
    x = torch.rand(2, 9, 9, generator=rng, dtype=torch.float64)
    t = torch.linspace(0, 1, 11, dtype=torch.float64)
    assert torch.equal(topoeuler.ecc(x, t, superlevel=True), topoeuler.ecc(-x, -t.flip(0)).flip(-1))


def test_compiled_kernels_are_in_use():
    assert topoeuler.info()["cpu"] == "compiled", topoeuler.info()["load_error"]


def test_fallback_warns_and_agrees(monkeypatch, rng):
    x = tied_grid((6, 7), rng)
    expected = topoeuler.ecc(x, THRESHOLDS, construction="T")
    monkeypatch.setattr(_backend, "_C", None)
    monkeypatch.setattr(_backend, "_warned", False)
    with pytest.warns(RuntimeWarning, match="slow pure-PyTorch reference"):
        got = topoeuler.ecc(x, THRESHOLDS, construction="T")
    assert torch.equal(got, expected)
    assert topoeuler.info()["cpu"].startswith("reference")


class TestGudhi:
    """chi(t) = sum_k (-1)^k beta_k(t) from gudhi's cubical persistence."""

    gudhi = pytest.importorskip("gudhi")

    @staticmethod
    def chi_from_persistence(complex_, thresholds):
        pairs = complex_.persistence(homology_coeff_field=2, min_persistence=-1)
        return [sum((-1) ** dim for dim, (b, d) in pairs if b <= t < d) for t in thresholds]

    @pytest.mark.parametrize("construction", ["V", "T"])
    @pytest.mark.parametrize("shape", [(12, 15), (6, 7, 5)])
    def test_agrees_with_gudhi(self, shape, construction, rng):
        x = torch.randint(0, 8, shape, generator=rng).double()
        t = torch.arange(-1, 9, dtype=torch.float64) + 0.5 * (torch.arange(10) % 2)
        f = x.numpy()
        if construction == "V":
            complex_ = self.gudhi.CubicalComplex(vertices=f)
        else:
            complex_ = self.gudhi.CubicalComplex(top_dimensional_cells=f)
        expected = self.chi_from_persistence(complex_, t.tolist())
        assert topoeuler.ecc(x, t, ndim=len(shape), construction=construction).tolist() == expected


class TestBadInput:
    def test_nan(self):
        with pytest.raises(ValueError, match="x contains NaN"):
            topoeuler.ecc(torch.tensor([[0.0, float("nan")]]), torch.zeros(1))

    @pytest.mark.parametrize("ndim", [1, 4, "2", 2.0, True])
    def test_ndim(self, ndim):
        with pytest.raises(ValueError, match="ndim must be 2 or 3"):
            topoeuler.ecc(torch.zeros(3, 3, 3, 3), ndim=ndim)

    def test_too_few_dims(self):
        with pytest.raises(ValueError, match="at least ndim=3"):
            topoeuler.ecc(torch.zeros(4, 4), ndim=3)

    def test_empty_grid_axis(self):
        with pytest.raises(ValueError, match="empty grid axis"):
            topoeuler.ecc(torch.zeros(2, 0, 4))

    def test_empty_batch(self):
        assert topoeuler.ecc(torch.zeros(0, 4, 4), 3, value_range=(0, 1)).shape == (0, 3)
        assert topoeuler.ecc(torch.zeros(0, 4, 4), torch.arange(3.0)).shape == (0, 3)

    def test_count_needs_value_range(self):
        with pytest.raises(ValueError, match="needs value_range="):
            topoeuler.ecc(torch.rand(3, 3))
        with pytest.raises(ValueError, match="needs value_range="):
            topoeuler.ecc(torch.full((3, 3), float("inf")), 8)

    @pytest.mark.parametrize("value_range", [(1.0, 0.0), (0.0, float("inf")), (float("nan"), 1.0), (0.0,), "ab",
                                             (0, True)])
    def test_value_range(self, value_range):
        with pytest.raises(ValueError, match="value_range must be"):
            topoeuler.ecc(torch.rand(3, 3), 4, value_range=value_range)

    def test_huge_count(self):
        with pytest.raises(ValueError, match="at most 2\\*\\*24"):
            topoeuler.ecc(torch.rand(3, 3), 2**31, value_range=(0, 1))

    def test_construction(self):
        with pytest.raises(ValueError, match='construction must be "V" or "T"'):
            topoeuler.ecc(torch.zeros(3, 3), construction="v")

    @pytest.mark.parametrize("thresholds,match", [
        (torch.tensor([1.0, 0.0]), "sorted in increasing order"),
        (torch.tensor([0.0, float("nan")]), "thresholds contains NaN"),
        (torch.tensor([0.0, float("inf")]), "must be finite"),
        (torch.zeros(2, 3), r"thresholds must be \[T\]"),
        (torch.zeros(0), r"thresholds must be \[T\]"),
        (0, "positive count"),
        (2**31, "at most 2"),
        (True, "int count or a tensor"),
        (2.5, "int count or a tensor"),
    ])
    def test_thresholds(self, thresholds, match):
        with pytest.raises((ValueError, TypeError), match=match):
            topoeuler.ecc(torch.rand(4, 4), thresholds, value_range=(0, 1))

    def test_thresholds_on_another_device(self):
        with pytest.raises(ValueError, match="thresholds is on meta"):
            topoeuler.ecc(torch.rand(4, 4), torch.zeros(3, device="meta"))

    def test_huge_integers(self):
        with pytest.raises(ValueError, match="beyond 2\\*\\*53"):
            topoeuler.ecc(torch.tensor([[2**60, 0]]), torch.zeros(1))

    def test_complex_and_non_tensor(self):
        with pytest.raises(TypeError, match="x must be real"):
            topoeuler.ecc(torch.zeros(3, 3, dtype=torch.complex64))
        with pytest.raises(TypeError, match="x must be a torch.Tensor"):
            topoeuler.ecc(np.zeros((3, 3)))

    def test_superlevel_type(self):
        with pytest.raises(TypeError, match="superlevel must be a bool"):
            topoeuler.ecc(torch.zeros(3, 3), torch.zeros(1), superlevel="yes")
