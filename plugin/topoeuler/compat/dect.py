"""DECT's functional API and layer under DECT's names and layout, on topoeuler's kernels.

A DECT model ports by changing one import (``from dect.ect import compute_ect`` ->
``from topoeuler.compat.dect import compute_ect``; ``from dect.nn import ECTLayer, ECTConfig``
-> ``from topoeuler.compat.dect import ECTLayer, ECTConfig``).

Layout: DECT's directions are ``v [d, D]`` (columns are directions; topoeuler's own API takes
``[D, d]``). The shapes decide: ``v.shape[0]`` must be the ambient dimension of ``x``. A square
``v`` (``d == D``) can be read either way, so it is refused unless the call says
``square_layout="[d, D]"``: it is never read the wrong way silently.

Numbers (DECT's definitions, thresholds ``linspace(-radius, radius, resolution)`` in float32):
``scaled_sigmoid``: ``sum over simplices s of (-1)^dim(s) sigmoid(scale (t - max_{i in s} <x_i, v>))``;
``indicator`` (``compute_ect``'s default): the same count with ``heaviside(t - h, 0)``, i.e.
strictly ``h < t`` (topoeuler's own ``ect`` counts ``h <= t``; this shim evaluates it at the
float64 number just below each threshold, which is ``h < t`` exactly for float64 heights).
Outputs: ``compute_ect``, ``compute_ect_edges``, ``compute_ect_mesh`` ``[B, D, resolution]``;
``compute_ect_points`` ``[B, resolution, D]`` (as DECT's); float32.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from topoeuler.ops.ect import ect
from topoeuler.ops.soft_ect import soft_ect

SQUARE = "[d, D]"


def indicator(ecc: torch.Tensor) -> torch.Tensor:
    """DECT's ``indicator``: ``heaviside(ecc, 0)`` (selects the exact ECT, strict ``h < t``)."""
    return torch.heaviside(ecc, torch.zeros((), dtype=ecc.dtype, device=ecc.device))


def scaled_sigmoid(ecc: torch.Tensor) -> torch.Tensor:
    """DECT's ``scaled_sigmoid``: ``sigmoid(ecc)`` (selects the soft ECT)."""
    return torch.sigmoid(ecc)


def dect_directions(v: torch.Tensor, x: torch.Tensor, square_layout: str | None = None) -> torch.Tensor:
    """topoeuler's ``[D, d]`` from DECT's ``v [d, D]``, checked against ``x [N, d]``."""
    if not isinstance(v, torch.Tensor) or v.dim() != 2:
        raise ValueError(f"v must be DECT's [d, D] direction matrix, got {getattr(v, 'shape', type(v).__name__)}")
    d = x.shape[1]
    if v.shape[0] == v.shape[1]:
        if square_layout != SQUARE:
            raise ValueError(f"v is square ({tuple(v.shape)}): its layout cannot be told from its shape. DECT's "
                             f"layout is [d, D] (one direction per column); pass square_layout={SQUARE!r} to "
                             "confirm, or v.T if its rows are the directions")
    elif square_layout is not None:
        raise ValueError("square_layout is only for square v")
    if v.shape[0] != d:
        hint = " (it looks like topoeuler's [D, d] layout: pass v.T)" if v.shape[1] == d else ""
        raise ValueError(f"v must be [d, D] = [{d}, num_thetas] for x with d = {d}, got {tuple(v.shape)}{hint}")
    return v.T


def _thresholds(radius: float, resolution: int, device) -> torch.Tensor:
    """DECT's float32 ``linspace(-radius, radius, resolution)``, in float64 (exactly)."""
    return torch.linspace(-radius, radius, resolution, device=device).to(torch.float64)


def compute_ect(x: torch.Tensor, *simplices: torch.Tensor, v: torch.Tensor, radius: float, resolution: int,
                scale: float, index: torch.Tensor | None = None, ect_fn=indicator,
                square_layout: str | None = None) -> torch.Tensor:
    """DECT's ``compute_ect``: ``[B, D, resolution]`` of the complex ``x [N, d]`` with
    ``simplices`` (``edge_index [2, E]``, ``face [3, F]``, ... in ascending dimension, counted as
    given: PyG's two copies of an undirected edge count twice, as in DECT), ``index`` the batch."""
    directions = dect_directions(v, x, square_layout)
    t = _thresholds(radius, resolution, x.device)
    if ect_fn is indicator:
        below = torch.nextafter(t, torch.full_like(t, -torch.inf))  # h <= below  <=>  h < t
        return ect(x, *simplices, directions=directions, thresholds=below, batch=index).to(torch.float32)
    if ect_fn is scaled_sigmoid:
        return soft_ect(x, *simplices, directions=directions.to(x.dtype), thresholds=t, batch=index,
                        scale=scale).to(torch.float32)
    raise ValueError("ect_fn must be topoeuler.compat.dect.indicator or scaled_sigmoid (DECT's two functions)")


def compute_ect_points(x, v, radius, resolution, scale, index=None, square_layout=None) -> torch.Tensor:
    """DECT's ``compute_ect_points`` (soft): ``[B, resolution, D]``."""
    return compute_ect(x, v=v, radius=radius, resolution=resolution, scale=scale, index=index,
                       ect_fn=scaled_sigmoid, square_layout=square_layout).transpose(1, 2)


def compute_ect_edges(x, edge_index, v, radius, resolution, scale, index=None, square_layout=None) -> torch.Tensor:
    """DECT's ``compute_ect_edges`` (soft): ``[B, D, resolution]``."""
    return compute_ect(x, edge_index, v=v, radius=radius, resolution=resolution, scale=scale, index=index,
                       ect_fn=scaled_sigmoid, square_layout=square_layout)


def compute_ect_mesh(x, edge_index, face, v, radius, resolution, scale, index=None, square_layout=None):
    """DECT's ``compute_ect_mesh`` (soft): ``[B, D, resolution]``."""
    return compute_ect(x, edge_index, face, v=v, radius=radius, resolution=resolution, scale=scale, index=index,
                       ect_fn=scaled_sigmoid, square_layout=square_layout)


def normalize_ect(ect_: torch.Tensor) -> torch.Tensor:
    """DECT's ``normalize_ect``: each ECT divided by its max over the last two axes."""
    return ect_ / torch.amax(ect_, dim=(-2, -1), keepdim=True).clamp_min(1e-12)


@dataclass(frozen=True)
class ECTConfig:
    """DECT's layer configuration (same fields and defaults)."""

    resolution: int = 32
    scale: float = 8
    radius: float = 1.1
    ect_type: str = "points"
    normalized: bool = False
    fixed: bool = True


class ECTLayer(nn.Module):
    """DECT's ``ECTLayer(config, v)``: ``v [d, D]``; ``forward(batch)`` reads ``batch.x``,
    ``edge_index`` (``ect_type="edges"``), ``face`` (``"faces"``) and ``batch.batch``, and
    returns the soft ECT ``[B, D, resolution]`` (``compute_ect_points``'s ``[B, resolution, D]``
    for ``"points"``, as DECT), squeezed like DECT's. ``fixed=False`` makes the directions
    parameters (renormalised to unit columns on every forward)."""

    def __init__(self, config: ECTConfig, v: torch.Tensor, square_layout: str | None = None):
        super().__init__()
        if config.ect_type not in ("points", "edges", "faces"):
            raise ValueError(f'ect_type must be "points", "edges" or "faces", got {config.ect_type!r}')
        self.config, self.square_layout = config, square_layout
        dect_directions(v, torch.empty(0, v.shape[0]), square_layout)  # checks the layout once
        self.v = nn.Parameter(v.detach().clone(), requires_grad=not config.fixed)

    def forward(self, batch) -> torch.Tensor:
        c = self.config
        v = self.v if c.fixed else self.v / self.v.norm(dim=0, keepdim=True)
        sets = {"points": (), "edges": (batch.edge_index,), "faces": (batch.edge_index, batch.face)}[c.ect_type]
        out = compute_ect(batch.x, *sets, v=v, radius=c.radius, resolution=c.resolution, scale=c.scale,
                          index=batch.batch, ect_fn=scaled_sigmoid, square_layout=self.square_layout)
        if c.ect_type == "points":
            out = out.transpose(1, 2)
        if c.normalized:
            return normalize_ect(out)
        return out.squeeze()
