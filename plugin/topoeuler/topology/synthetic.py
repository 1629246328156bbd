"""Seeded synthetic binary classification sets of high Betti number (synthetic, stated as such).

:func:`nested_circles`: a grid of pairs of concentric circles, class 0 the outer ones, class 1 the
inner ones, so each class has ``beta_0 = beta_1 = cells``; a 13 x 13 grid gives 169 (Kochar et al.
ask for Betti numbers above 150).
"""
from __future__ import annotations

import itertools

import torch


def nested_circles(grid: tuple[int, int] = (13, 13), points: int = 24, radii: tuple[float, float] = (0.35, 0.15),
                   spacing: float = 1.0, noise: float = 0.005, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``(x [N, 2] float32, y [N] int64)``, shuffled and centred, ``N = 2 * points * grid[0] * grid[1]``.

    Each circle has ``points`` evenly spaced angles with a random phase, plus Gaussian ``noise``;
    neighbouring outer circles are ``spacing - 2 * radii[0]`` apart.
    """
    if len(grid) != 2 or min(grid) < 1:
        raise ValueError(f"grid must be two positive counts, got {grid!r}")
    inner, outer = sorted(radii)
    if not 0 < inner < outer < spacing / 2:
        raise ValueError(f"need 0 < radii < spacing / 2 and two different radii, got radii={radii}, spacing={spacing}")
    generator = torch.Generator().manual_seed(seed)
    centres = torch.tensor(list(itertools.product(*(range(n) for n in grid))), dtype=torch.float64) * spacing
    cells = centres.shape[0]
    clouds = []
    for radius in (outer, inner):
        phase = 2 * torch.pi * torch.rand(cells, 1, generator=generator, dtype=torch.float64)
        angle = phase + torch.arange(points, dtype=torch.float64) * (2 * torch.pi / points)
        ring = centres[:, None] + radius * torch.stack([angle.cos(), angle.sin()], -1)
        clouds.append((ring + noise * torch.randn(ring.shape, generator=generator, dtype=torch.float64)).reshape(-1, 2))
    x = torch.cat(clouds)
    y = torch.cat([torch.zeros(cells * points, dtype=torch.long), torch.ones(cells * points, dtype=torch.long)])
    order = torch.randperm(len(y), generator=generator)
    return (x[order] - x.mean(0)).float(), y[order]
