"""Seeded synthetic binary classification sets of high Betti number (synthetic, stated as such).

:func:`nested_circles`: a grid of pairs of concentric circles, class 0 the outer ones, class 1 the
inner ones, so each class has ``beta_0 = beta_1 = cells``; a 13 x 13 grid gives 169 (Kochar et al.
ask for Betti numbers above 150). :func:`nested_spheres`: the same in 3D with spheres, each class
has ``beta_0 = beta_2 = cells`` (``beta_1 = 0``); a 6 x 6 x 6 grid gives 216. :func:`linked_tori`:
a grid of pairs of tori linked like two links of a chain, class 0 the tori in the xy-plane, class
1 those in the xz-plane, so each class has ``beta_0 = beta_2 = cells`` and ``beta_1 = 2 * cells``.
"""
from __future__ import annotations

import itertools
import math

import torch


def _check_grid(grid, dim: int) -> tuple[int, ...]:
    if len(grid) != dim or min(grid) < 1:
        raise ValueError(f"grid must be {dim} positive counts, got {grid!r}")
    return tuple(grid)


def _pairs(grid: tuple[int, ...], shapes, spacing: float, noise: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """One copy of each class's shape per grid cell: ``shapes`` is ``(class 0, class 1)``, each
    ``shape(generator, cells) -> [cells, P, D]`` offsets from the cell's centre."""
    dim = len(grid)
    generator = torch.Generator().manual_seed(seed)
    centres = torch.tensor(list(itertools.product(*(range(n) for n in grid))), dtype=torch.float64) * spacing
    clouds = []
    for shape_of in shapes:
        shape = centres[:, None] + shape_of(generator, centres.shape[0])
        clouds.append((shape + noise * torch.randn(shape.shape, generator=generator, dtype=torch.float64)).reshape(-1, dim))
    x = torch.cat(clouds)
    half = len(x) // 2
    y = torch.cat([torch.zeros(half, dtype=torch.long), torch.ones(half, dtype=torch.long)])
    order = torch.randperm(len(y), generator=generator)
    return (x[order] - x.mean(0)).float(), y[order]


def _nested(grid: tuple[int, ...], unit_shape, radii: tuple[float, float], spacing: float, noise: float,
            seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Pairs of concentric copies of ``unit_shape(generator, cells) -> [cells, P, D]`` (radius 1) on a grid."""
    inner, outer = sorted(radii)
    if not 0 < inner < outer < spacing / 2:
        raise ValueError(f"need 0 < radii < spacing / 2 and two different radii, got radii={radii}, spacing={spacing}")
    return _pairs(grid, [lambda g, cells, r=r: r * unit_shape(g, cells) for r in (outer, inner)], spacing, noise, seed)


def nested_circles(grid: tuple[int, int] = (13, 13), points: int = 24, radii: tuple[float, float] = (0.35, 0.15),
                   spacing: float = 1.0, noise: float = 0.005, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``(x [N, 2] float32, y [N] int64)``, shuffled and centred, ``N = 2 * points * grid[0] * grid[1]``.

    Each circle has ``points`` evenly spaced angles with a random phase, plus Gaussian ``noise``;
    neighbouring outer circles are ``spacing - 2 * radii[0]`` apart.
    """

    def ring(generator, cells):
        phase = 2 * torch.pi * torch.rand(cells, 1, generator=generator, dtype=torch.float64)
        angle = phase + torch.arange(points, dtype=torch.float64) * (2 * torch.pi / points)
        return torch.stack([angle.cos(), angle.sin()], -1)

    return _nested(_check_grid(grid, 2), ring, radii, spacing, noise, seed)


def nested_spheres(grid: tuple[int, int, int] = (6, 6, 6), points: int = 64, radii: tuple[float, float] = (0.4, 0.15),
                   spacing: float = 1.0, noise: float = 0.003, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``(x [N, 3] float32, y [N] int64)``, shuffled and centred, ``N = 2 * points * prod(grid)``.

    A grid of pairs of concentric spheres, class 0 the outer, class 1 the inner ones: each class has
    ``beta_0 = beta_2 = prod(grid)`` and ``beta_1 = 0``. Each sphere has ``points`` points of a
    Fibonacci lattice under a random rotation, plus Gaussian ``noise``.
    """
    i = torch.arange(points, dtype=torch.float64) + 0.5
    z = 1 - 2 * i / points
    angle = i * math.pi * (3 - math.sqrt(5))
    lattice = torch.stack([(1 - z**2).sqrt() * angle.cos(), (1 - z**2).sqrt() * angle.sin(), z], -1)

    def sphere(generator, cells):
        rotation, _ = torch.linalg.qr(torch.randn(cells, 3, 3, generator=generator, dtype=torch.float64))
        return lattice @ rotation.transpose(1, 2)

    return _nested(_check_grid(grid, 3), sphere, radii, spacing, noise, seed)


def linked_tori(grid: tuple[int, int, int] = (4, 4, 4), points: tuple[int, int] = (32, 8), radii: tuple[float, float] = (0.25, 0.07),
                spacing: float = 1.2, noise: float = 0.003, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``(x [N, 3] float32, y [N] int64)``, shuffled and centred, ``N = 2 * points[0] * points[1] * prod(grid)``.

    In each grid cell two tori of major radius ``R = radii[0]`` and tube radius ``r = radii[1]``
    are linked like two links of a chain: class 0 lies in the xy-plane around the cell's centre,
    class 1 in the xz-plane around the centre moved by ``R`` along x, so each core circle passes
    through the other's centre (the cores are ``R`` apart, the tubes ``R - 2r``). Each torus is a
    ``points[0] x points[1]`` grid of (around the core, around the tube) angles with random
    phases, plus Gaussian ``noise``. Each class has ``beta_0 = beta_2 = prod(grid)``,
    ``beta_1 = 2 * prod(grid)``.
    """
    major, tube = radii
    if not 0 < 2 * tube < major:
        raise ValueError(f"need 0 < 2 * radii[1] < radii[0] (the tubes must not touch), got radii={radii}")
    if not 3 * major + 2 * tube < spacing:
        raise ValueError(f"spacing must exceed 3 * radii[0] + 2 * radii[1] (a linked pair's width), got {spacing}")
    if len(points) != 2 or min(points) < 3:
        raise ValueError(f"points must be two counts >= 3 (around the core, around the tube), got {points!r}")

    def torus(generator, cells):
        phase = 2 * torch.pi * torch.rand(cells, 2, 1, 1, generator=generator, dtype=torch.float64)
        around = phase[:, 0] + torch.arange(points[0], dtype=torch.float64)[:, None] * (2 * torch.pi / points[0])
        across = phase[:, 1] + torch.arange(points[1], dtype=torch.float64) * (2 * torch.pi / points[1])
        ring = major + tube * across.cos()  # [cells, 1, points[1]]: distance from the torus's axis
        height = (tube * across.sin()).expand(-1, points[0], -1)
        flat = torch.stack([ring * around.cos(), ring * around.sin(), height], -1)
        return flat.reshape(cells, -1, 3)

    def turned(generator, cells):  # the same torus in the xz-plane, moved by R along x
        xyz = torus(generator, cells)
        return torch.stack([xyz[..., 0] + major, xyz[..., 2], xyz[..., 1]], -1)

    return _pairs(_check_grid(grid, 3), (torus, turned), spacing, noise, seed)
