"""ECTLayer: the soft Euler characteristic transform as a layer (DECT-style), on the fused kernels."""
from __future__ import annotations

import torch
from torch import nn

from topoeuler.nn._params import PositiveScale, SortedThresholds, UnitDirections, normalise, threshold_count
from topoeuler.ops.directions import circle_directions, random_directions, sphere_directions
from topoeuler.ops._checks import check_validate, positive_number
from topoeuler.ops.soft_ect import soft_ect

_KINDS = ("points", "edges", "faces")


class ECTLayer(nn.Module):
    """Soft ECT ``[B, D, T]`` of point clouds, graphs or meshes (:func:`topoeuler.soft_ect`).

    Args:
        directions: a count ``D`` (2D: evenly spaced on the circle; 3D: Fibonacci sphere; other
            ``dim``: seeded random) or a tensor ``[D, dim]`` (normalised to unit length).
        dim: ambient dimension of the vertex coordinates (needed with a count).
        thresholds: a count ``T`` (evenly spaced on ``[-radius, radius]``) or a strictly
            increasing tensor ``[T]`` (or ``[D, T]`` with ``per_direction_thresholds``).
        radius: the range of integer thresholds; inputs are expected inside the ball of that radius.
        scale: sigmoid scale ``s > 0``; ``learn_scale`` makes it a parameter (``exp`` of a log-scale).
        learn_directions: directions become parameters, renormalised to the unit sphere on every forward.
        learn_thresholds: thresholds become parameters, kept strictly increasing by construction
            (first value + cumulative softplus increments), so learnt thresholds never cross.
        per_direction_thresholds: one row of thresholds per direction (``[D, T]``) instead of a shared ``[T]``.
        simplices: which simplices enter: any of ``"points"``, ``"edges"``, ``"faces"`` (points
            are always used: an edge or face needs its vertices).
        normalize: ``None`` or ``"max"`` (divide each sample's ``[D, T]`` by its max absolute value).
        seed: seed of random directions (``dim`` other than 2 and 3).
        validate: check the input's values on every forward (NaN, index bounds, simplices
            joining graphs; reads them back to the host); False skips those checks
            (:func:`topoeuler.soft_ect`), e.g. in a CUDA training loop.

    Forward: ``layer(data)`` with a PyG ``Data``/``Batch`` (``pos``, or ``x`` when there is no
    ``pos``; ``edge_index``; ``face``; ``batch``; ``num_graphs``), or
    ``layer(pos, edge_index, face, batch=batch, num_graphs=B)`` with plain tensors (``num_graphs``
    keeps trailing graphs without vertices and avoids reading ``batch.max()``; required with
    ``batch`` under ``torch.compile``). Returns ``[B, D, T]`` (B = number of graphs).
    """

    def __init__(self, directions: int | torch.Tensor = 32, dim: int = 3, thresholds: int | torch.Tensor = 32,
                 radius: float = 1.0, scale: float = 50.0, learn_scale: bool = False, learn_directions: bool = False,
                 learn_thresholds: bool = False, per_direction_thresholds: bool = False,
                 simplices=("points", "edges", "faces"), normalize: str | None = None, seed: int = 0,
                 validate: bool = True):
        super().__init__()
        if isinstance(directions, int) and not isinstance(directions, bool):
            if directions < 1:
                raise ValueError(f"directions must be a positive count or a tensor, got {directions}")
            if dim == 2:
                init = circle_directions(directions)
            elif dim == 3:
                init = sphere_directions(directions)
            else:
                init = random_directions(directions, dim, seed=seed)
        elif isinstance(directions, torch.Tensor):
            init = directions.detach()
            if init.dim() != 2:
                raise ValueError(f"directions must be [D, dim], got shape {tuple(init.shape)}")
            dim = init.shape[1]
        else:
            raise TypeError(f"directions must be an int or a tensor, got {type(directions).__name__}")
        self.dim = dim
        self.directions = UnitDirections(init, learn_directions)
        D = init.shape[0]
        radius = positive_number("radius", radius)
        if isinstance(thresholds, torch.Tensor):
            t = thresholds.detach()
        else:
            t = torch.linspace(-radius, radius, threshold_count(thresholds))
        if per_direction_thresholds and t.dim() == 1:
            t = t.expand(D, -1)
        self.thresholds = SortedThresholds(t, learn_thresholds)
        self.scale = PositiveScale(scale, learn_scale)
        kinds = (simplices,) if isinstance(simplices, str) else tuple(simplices)
        unknown = [k for k in kinds if k not in _KINDS]
        if unknown:
            raise ValueError(f"simplices must be among {_KINDS}, got {unknown}")
        self.kinds = kinds
        normalise(torch.ones(1, 1, 1), normalize, (1, 2))  # validates the mode
        self.normalize = normalize
        self.radius = radius
        self.validate = check_validate(validate)

    def forward(self, data, *simplices: torch.Tensor, batch: torch.Tensor | None = None,
                num_graphs: int | None = None) -> torch.Tensor:
        if isinstance(data, torch.Tensor):
            pos = data
            sets = list(simplices)
            if "edges" not in self.kinds:
                sets = [s for s in sets if s.shape[0] != 2]
            if "faces" not in self.kinds:
                sets = [s for s in sets if s.shape[0] != 3]
        else:
            pos = getattr(data, "pos", None)
            if pos is None:
                pos = getattr(data, "x", None)
            if pos is None:
                raise ValueError("the input has neither pos nor x to use as vertex coordinates")
            sets = []
            if "edges" in self.kinds and getattr(data, "edge_index", None) is not None:
                sets.append(data.edge_index)
            if "faces" in self.kinds and getattr(data, "face", None) is not None:
                sets.append(data.face)
            batch = getattr(data, "batch", None)
            num_graphs = getattr(data, "num_graphs", None) if batch is not None else None
        pos = pos.float() if not pos.is_floating_point() else pos
        v = self.directions(self.validate).to(device=pos.device)
        t = self.thresholds().to(device=pos.device)
        scale = self.scale()
        if isinstance(scale, torch.Tensor):
            scale = scale.to(pos.device)
        out = soft_ect(pos, *sets, directions=v.to(pos.dtype), thresholds=t.to(pos.dtype), batch=batch, scale=scale,
                       num_graphs=num_graphs, validate=self.validate)
        return normalise(out, self.normalize, (1, 2))

    def extra_repr(self) -> str:
        return (f"dim={self.dim}, directions={self.directions().shape[0]}, thresholds={self.thresholds().shape[-1]}, "
                f"learn_directions={self.directions.learnable}, learn_thresholds={self.thresholds.learnable}, "
                f"learn_scale={self.scale.learnable}, simplices={self.kinds}, normalize={self.normalize!r}")
