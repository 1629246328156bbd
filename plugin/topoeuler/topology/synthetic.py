"""Seeded synthetic binary classification sets of high Betti number (synthetic, stated as such).

:func:`nested_circles`: a grid of pairs of concentric circles, class 0 the outer ones, class 1 the
inner ones, so each class has ``beta_0 = beta_1 = cells``; a 13 x 13 grid gives 169 (Kochar et al.
ask for Betti numbers above 150). :func:`nested_spheres`: the same in 3D with spheres, each class
has ``beta_0 = beta_2 = cells`` (``beta_1 = 0``); a 6 x 6 x 6 grid gives 216.
"""
from __future__ import annotations

import itertools
import math

import torch


def _nested(grid: tuple[int, ...], unit_shape, radii: tuple[float, float], spacing: float, noise: float,
            seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Pairs of concentric copies of ``unit_shape(generator, cells) -> [cells, P, D]`` (radius 1) on a grid."""
    dim = len(grid)
    if min(grid) < 1:
        raise ValueError(f"grid must be {dim} positive counts, got {grid!r}")
    inner, outer = sorted(radii)
    if not 0 < inner < outer < spacing / 2:
        raise ValueError(f"need 0 < radii < spacing / 2 and two different radii, got radii={radii}, spacing={spacing}")
    generator = torch.Generator().manual_seed(seed)
    centres = torch.tensor(list(itertools.product(*(range(n) for n in grid))), dtype=torch.float64) * spacing
    cells = centres.shape[0]
    clouds = []
    for radius in (outer, inner):
        shape = centres[:, None] + radius * unit_shape(generator, cells)
        clouds.append((shape + noise * torch.randn(shape.shape, generator=generator, dtype=torch.float64)).reshape(-1, dim))
    x = torch.cat(clouds)
    half = len(x) // 2
    y = torch.cat([torch.zeros(half, dtype=torch.long), torch.ones(half, dtype=torch.long)])
    order = torch.randperm(len(y), generator=generator)
    return (x[order] - x.mean(0)).float(), y[order]


def nested_circles(grid: tuple[int, int] = (13, 13), points: int = 24, radii: tuple[float, float] = (0.35, 0.15),
                   spacing: float = 1.0, noise: float = 0.005, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``(x [N, 2] float32, y [N] int64)``, shuffled and centred, ``N = 2 * points * grid[0] * grid[1]``.

    Each circle has ``points`` evenly spaced angles with a random phase, plus Gaussian ``noise``;
    neighbouring outer circles are ``spacing - 2 * radii[0]`` apart.
    """
    if len(grid) != 2:
        raise ValueError(f"grid must be two positive counts, got {grid!r}")

    def ring(generator, cells):
        phase = 2 * torch.pi * torch.rand(cells, 1, generator=generator, dtype=torch.float64)
        angle = phase + torch.arange(points, dtype=torch.float64) * (2 * torch.pi / points)
        return torch.stack([angle.cos(), angle.sin()], -1)

    return _nested(tuple(grid), ring, radii, spacing, noise, seed)


def nested_spheres(grid: tuple[int, int, int] = (6, 6, 6), points: int = 64, radii: tuple[float, float] = (0.4, 0.15),
                   spacing: float = 1.0, noise: float = 0.003, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``(x [N, 3] float32, y [N] int64)``, shuffled and centred, ``N = 2 * points * prod(grid)``.

    A grid of pairs of concentric spheres, class 0 the outer, class 1 the inner ones: each class has
    ``beta_0 = beta_2 = prod(grid)`` and ``beta_1 = 0``. Each sphere has ``points`` points of a
    Fibonacci lattice under a random rotation, plus Gaussian ``noise``.
    """
    if len(grid) != 3:
        raise ValueError(f"grid must be three positive counts, got {grid!r}")
    i = torch.arange(points, dtype=torch.float64) + 0.5
    z = 1 - 2 * i / points
    angle = i * math.pi * (3 - math.sqrt(5))
    lattice = torch.stack([(1 - z**2).sqrt() * angle.cos(), (1 - z**2).sqrt() * angle.sin(), z], -1)

    def sphere(generator, cells):
        rotation, _ = torch.linalg.qr(torch.randn(cells, 3, 3, generator=generator, dtype=torch.float64))
        return lattice @ rotation.transpose(1, 2)

    return _nested(tuple(grid), sphere, radii, spacing, noise, seed)
