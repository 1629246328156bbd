"""Direction generators: rows of the returned ``[D, d]`` tensors are unit vectors."""
from __future__ import annotations

import math

import torch


def _check_count(num: int) -> None:
    if isinstance(num, bool) or not isinstance(num, int) or num < 1:
        raise ValueError(f"num must be a positive int, got {num!r}")


def circle_directions(num: int, *, dtype: torch.dtype = torch.float32, device=None) -> torch.Tensor:
    """``num`` directions evenly spaced on the unit circle, angles ``2*pi*k/num``: ``[num, 2]``."""
    _check_count(num)
    angle = torch.arange(num, dtype=torch.float64) * (2 * math.pi / num)
    return torch.stack([torch.cos(angle), torch.sin(angle)], dim=1).to(dtype=dtype, device=device)


def sphere_directions(num: int, *, dtype: torch.dtype = torch.float32, device=None) -> torch.Tensor:
    """``num`` quasi-uniform directions on the unit sphere (Fibonacci lattice): ``[num, 3]``.

    Point k has height ``z = 1 - (2k + 1)/num`` and longitude ``k * pi * (3 - sqrt(5))``.
    """
    _check_count(num)
    k = torch.arange(num, dtype=torch.float64)
    z = 1 - (2 * k + 1) / num
    r = torch.sqrt(torch.clamp(1 - z * z, min=0.0))
    phi = k * math.pi * (3 - math.sqrt(5))
    return torch.stack([r * torch.cos(phi), r * torch.sin(phi), z], dim=1).to(dtype=dtype, device=device)


def random_directions(num: int, dim: int = 3, *, seed: int | None = None, generator: torch.Generator | None = None,
                      dtype: torch.dtype = torch.float32, device=None) -> torch.Tensor:
    """``num`` directions drawn uniformly on the sphere ``S^{dim-1}`` (normalised Gaussians): ``[num, dim]``.

    Reproducible with ``seed`` (or a ``generator``); draws happen on the CPU in float64.
    """
    _check_count(num)
    if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
        raise ValueError(f"dim must be a positive int, got {dim!r}")
    if seed is not None and generator is not None:
        raise ValueError("give either seed or generator, not both")
    if seed is not None:
        generator = torch.Generator().manual_seed(seed)
    v = torch.randn(num, dim, dtype=torch.float64, generator=generator)
    while True:  # a zero draw has probability 0 but would give no direction
        norm = v.norm(dim=1, keepdim=True)
        if (norm > 0).all():
            break
        v[norm.flatten() == 0] = torch.randn(int((norm == 0).sum()), dim, dtype=torch.float64, generator=generator)
    return (v / norm).to(dtype=dtype, device=device)
