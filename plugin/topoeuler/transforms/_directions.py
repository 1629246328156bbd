"""The fixed directions of a transform: a function of (count, dimension, seed) only."""
from __future__ import annotations

import torch

from topoeuler.ops.directions import circle_directions, random_directions, sphere_directions

KINDS = ("auto", "random")


def fixed_directions(num: int, dim: int, kind: str, seed: int) -> torch.Tensor:
    """float64 unit directions ``[num, dim]``.

    ``kind="auto"``: evenly spaced on the circle (``dim=2``), the Fibonacci sphere (``dim=3``),
    seeded uniform random on ``S^{dim-1}`` otherwise (as :class:`topoeuler.nn.ECTLayer`);
    ``"random"``: seeded uniform random in every dimension.
    """
    if kind not in KINDS:
        raise ValueError(f"directions must be one of {KINDS}, got {kind!r}")
    if kind == "auto" and dim == 2:
        return circle_directions(num, dtype=torch.float64)
    if kind == "auto" and dim == 3:
        return sphere_directions(num, dtype=torch.float64)
    return random_directions(num, dim, seed=seed, dtype=torch.float64)
