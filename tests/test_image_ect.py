"""Exact image ECT: the ECC of heights <p, v> on the foreground (docs/definitions.md section 2)."""
import math

import pytest
import torch

import brute_force
import topoeuler
from topoeuler.ops import reference


def brute(mask, directions, thresholds, construction):
    """Heights written out pixel by pixel from the documented coordinates, then the brute-force ECC."""
    shape = mask.shape
    coords = [[i * (2.0 / (n - 1)) - 1.0 if n > 1 else 0.0 for i in range(n)] for n in shape]
    out = []
    for d, v in enumerate(directions.tolist()):
        h = torch.full(shape, float("inf"), dtype=torch.float64)
        for index in torch.nonzero(mask).tolist():
            h[tuple(index)] = brute_force.height([coords[a][i] for a, i in enumerate(index)], v)
        out.append(brute_force.ecc(h.numpy(), thresholds[d].tolist(), construction))
    return torch.tensor(out)


@pytest.mark.parametrize("construction", ["V", "T"])
@pytest.mark.parametrize("shape", [(6, 7), (1, 5), (4, 3, 5)])
def test_matches_brute_force(shape, construction, rng):
    ndim = len(shape)
    x = torch.rand(2, *shape, generator=rng)
    v = torch.tensor([[1.0, 0, 0], [0, 1, 0], [0, 0.6, 0.8], [-1, 1, 1]])[:, :ndim] if ndim == 3 else \
        torch.cat([topoeuler.circle_directions(6), torch.tensor([[0.0, 1.0]])])
    t = torch.linspace(-1.8, 1.8, 13, dtype=torch.float64).expand(v.shape[0], -1)
    got = topoeuler.image_ect(x, v, t, ndim=ndim, foreground=0.4, construction=construction)
    assert got.shape == (2, v.shape[0], 13)
    for b in range(2):
        assert torch.equal(got[b], brute(x[b] > 0.4, v, t, construction)), b


def test_reference_matches_compiled(rng):
    x = torch.rand(3, 2, 9, 11, generator=rng)
    v = topoeuler.circle_directions(8)
    got = topoeuler.image_ect(x, v, 20, foreground=0.5, construction="T")
    t = torch.linspace(-math.sqrt(2), math.sqrt(2), 20, dtype=torch.float64)
    ref = reference.image_ect_reference(x > 0.5, v.double(), t.expand(8, -1), construction="T")
    assert got.shape == (3, 2, 8, 20) and torch.equal(got, ref)


def test_disk_and_annulus_at_top_threshold():
    i = torch.arange(41, dtype=torch.float64) - 20
    r = (i[:, None] ** 2 + i[None, :] ** 2).sqrt()
    shapes = torch.stack([(r <= 15).double(), ((r <= 15) & (r >= 8)).double()])
    curve = topoeuler.image_ect(shapes, topoeuler.circle_directions(16), 8, foreground=0.5)
    assert curve[:, :, -1].tolist() == [[1] * 16, [0] * 16]  # a disk is contractible, an annulus a circle


def test_bool_mask_as_foreground(rng):
    x = torch.rand(5, 5, generator=rng)
    v = topoeuler.circle_directions(3)
    assert torch.equal(topoeuler.image_ect(x, v, 5, foreground=x > 0.3), topoeuler.image_ect(x, v, 5, foreground=0.3))


class TestBadInput:
    def test_directions(self):
        with pytest.raises(ValueError, match=r"directions must be \[D, 2\]"):
            topoeuler.image_ect(torch.rand(4, 4), torch.eye(3))
        with pytest.raises(ValueError, match="zero length"):
            topoeuler.image_ect(torch.rand(4, 4), torch.zeros(1, 2))

    def test_foreground(self):
        with pytest.raises(ValueError, match="foreground must be a number or a bool tensor"):
            topoeuler.image_ect(torch.rand(4, 4), torch.eye(2), foreground=torch.ones(3, 3, dtype=torch.bool))
        with pytest.raises(ValueError, match="foreground must be a number"):
            topoeuler.image_ect(torch.rand(4, 4), torch.eye(2), foreground=float("nan"))

    def test_nan_and_ndim(self):
        with pytest.raises(ValueError, match="x contains NaN"):
            topoeuler.image_ect(torch.tensor([[float("nan")]]), torch.eye(2))
        with pytest.raises(ValueError, match="ndim must be 2 or 3"):
            topoeuler.image_ect(torch.rand(4, 4), torch.eye(2), ndim=1)
