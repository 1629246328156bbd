"""Parametrisations shared by the layers: sorted learnable thresholds, unit directions, positive scale."""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from topoeuler.ops._checks import as_real, positive_number, reads_values


def threshold_count(thresholds) -> int:
    """A layer's count of thresholds: a positive int; ValueError naming ``thresholds`` otherwise."""
    if isinstance(thresholds, bool) or not isinstance(thresholds, int) or thresholds < 1:
        raise ValueError(f"thresholds must be a positive count or a tensor, got {thresholds!r}")
    return thresholds


def _inverse_softplus(y: torch.Tensor) -> torch.Tensor:
    return y + torch.log(-torch.expm1(-y))  # log(exp(y) - 1), stable for large y


class SortedThresholds(nn.Module):
    """Thresholds ``[rows, T]`` (or ``[T]``) kept strictly increasing by construction:
    ``t_0 = first``, ``t_k = t_{k-1} + softplus(raw_k)``. When learnable they therefore never
    cross (the order cannot change by a gradient step); when fixed they are a buffer.

    Args:
        init: initial sorted thresholds ``[T]`` or ``[rows, T]`` (strictly increasing).
        learnable: make ``first`` and the increments parameters.
    """

    def __init__(self, init: torch.Tensor, learnable: bool):
        super().__init__()
        init = as_real("thresholds", init, allow_inf=False).to(torch.float32)
        if init.dim() not in (1, 2) or init.shape[-1] == 0:
            raise ValueError(f"thresholds must be [T] or [D, T] with T >= 1, got shape {tuple(init.shape)}")
        if init.shape[-1] > 1 and not (init[..., 1:] > init[..., :-1]).all():
            raise ValueError("initial thresholds must be strictly increasing")
        self.learnable = learnable
        gaps = init[..., 1:] - init[..., :-1]
        self.min_gap = 1e-4 * float(gaps.mean()) if gaps.numel() else 0.0
        first, raw = init[..., :1].clone(), _inverse_softplus(gaps - self.min_gap)
        if learnable:
            self.first, self.raw = nn.Parameter(first), nn.Parameter(raw)
        else:
            self.register_buffer("fixed", init.clone())

    def forward(self) -> torch.Tensor:
        if not self.learnable:
            return self.fixed
        return torch.cat([self.first, self.first + torch.cumsum(F.softplus(self.raw) + self.min_gap, dim=-1)], dim=-1)


class UnitDirections(nn.Module):
    """Directions ``[D, d]`` on the unit sphere: learnable ones are stored freely and normalised
    on every forward (``v / |v|``); a row that reaches zero length is an error."""

    def __init__(self, init: torch.Tensor, learnable: bool):
        super().__init__()
        init = as_real("directions", init, allow_inf=False).to(torch.float32)
        norm = init.norm(dim=1, keepdim=True)
        if (norm == 0).any():
            raise ValueError("directions has rows of zero length")
        self.learnable = learnable
        if learnable:
            self.raw = nn.Parameter(init / norm)
        else:
            self.register_buffer("fixed", init / norm)

    def forward(self, validate: bool = True) -> torch.Tensor:
        """The unit directions; ``validate`` checks that no learnable row has collapsed (a host copy)."""
        if not self.learnable:
            return self.fixed
        norm = self.raw.norm(dim=1, keepdim=True)
        if reads_values(norm, validate) and (norm == 0).any():
            raise ValueError("a learnable direction has collapsed to zero length")
        return self.raw / norm


class PositiveScale(nn.Module):
    """The sigmoid scale ``s > 0``: a float, or ``exp(log_s)`` when learnable."""

    def __init__(self, scale: float, learnable: bool):
        super().__init__()
        scale = positive_number("scale", scale)
        self.learnable = learnable
        if learnable:
            self.log_scale = nn.Parameter(torch.tensor(math.log(scale)))
        else:
            self.value = float(scale)

    def forward(self):
        return self.log_scale.exp() if self.learnable else self.value


def normalise(out: torch.Tensor, mode, dims: tuple[int, ...]) -> torch.Tensor:
    """``None``/False: as is; ``"max"``/True: divided by the max absolute value over ``dims`` of each sample."""
    if mode in (None, False):
        return out
    if mode in (True, "max"):
        return out / out.abs().amax(dim=dims, keepdim=True).clamp_min(1e-12)
    raise ValueError(f'normalize must be None, False, True or "max", got {mode!r}')
