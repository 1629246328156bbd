import math

import pytest
import torch

import topoeuler


def test_circle_is_evenly_spaced_unit():
    v = topoeuler.circle_directions(12, dtype=torch.float64)
    assert v.shape == (12, 2)
    assert torch.allclose(v.norm(dim=1), torch.ones(12, dtype=torch.float64))
    angles = torch.atan2(v[:, 1], v[:, 0]) % (2 * math.pi)
    assert torch.allclose(angles.diff(), torch.full((11,), 2 * math.pi / 12, dtype=torch.float64))


def test_fibonacci_sphere_is_quasi_uniform():
    v = topoeuler.sphere_directions(500, dtype=torch.float64)
    assert torch.allclose(v.norm(dim=1), torch.ones(500, dtype=torch.float64))
    assert v.mean(dim=0).abs().max() < 0.01  # balanced
    nearest = torch.cdist(v, v).fill_diagonal_(10).min(dim=1).values
    assert nearest.min() > 0.5 * nearest.mean()  # no clusters


def test_random_is_reproducible_and_unit():
    a = topoeuler.random_directions(7, 5, seed=3)
    assert a.shape == (7, 5) and torch.equal(a, topoeuler.random_directions(7, 5, seed=3))
    assert not torch.equal(a, topoeuler.random_directions(7, 5, seed=4))
    assert torch.allclose(a.norm(dim=1), torch.ones(7))


@pytest.mark.parametrize("num", [0, -1, 2.0, True])
def test_bad_count(num):
    with pytest.raises(ValueError, match="num must be a positive int"):
        topoeuler.circle_directions(num)


def test_bad_seed_and_dim():
    with pytest.raises(ValueError, match="either seed or generator"):
        topoeuler.random_directions(3, seed=1, generator=torch.Generator())
    with pytest.raises(ValueError, match="dim must be a positive int"):
        topoeuler.random_directions(3, 0)
