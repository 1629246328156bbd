"""Vertex coordinates of a sample: ``pos``, or chosen columns of ``x`` (as DECT does on TU data)."""
from __future__ import annotations

from collections.abc import Sequence

import torch


def check_coordinates(coordinates):
    """``"pos"``, ``"x"`` (all columns) or a list of column indices of ``x``; returned normalised."""
    if coordinates in ("pos", "x"):
        return coordinates
    if isinstance(coordinates, Sequence) and not isinstance(coordinates, str) and coordinates and all(
            isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in coordinates):
        return [int(c) for c in coordinates]
    raise ValueError(f'coordinates must be "pos", "x" or a non-empty list of column indices of x, got {coordinates!r}')


def vertex_coordinates(data, coordinates, owner: str) -> torch.Tensor:
    """float64 ``[N, d]`` coordinates of ``data``'s vertices."""
    key = "pos" if coordinates == "pos" else "x"
    value = getattr(data, key, None)
    if value is None:
        raise KeyError(f"{owner}(coordinates={coordinates!r}) reads data.{key}, which this sample does not have")
    if value.dim() != 2:
        raise ValueError(f"{owner}: data.{key} must be [N, d], got shape {tuple(value.shape)}")
    if isinstance(coordinates, list):
        if max(coordinates) >= value.shape[1]:
            raise ValueError(f"{owner}: coordinates {coordinates} out of range for data.x with {value.shape[1]} columns")
        value = value[:, coordinates]
    return value.to(torch.float64)


def normalise_to_unit_ball(pos: torch.Tensor) -> torch.Tensor:
    """``pos`` centred at its vertex mean and scaled so that its farthest vertex has norm 1
    (a function of that one sample; a single vertex goes to the origin)."""
    pos = pos - pos.mean(dim=0, keepdim=True)
    return pos / pos.norm(dim=1).max().clamp_min(1e-12)
