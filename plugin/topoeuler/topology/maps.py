"""Betti numbers of 2D activation maps: binary images, their cubical complexes, beta_0 and beta_1.

A binary image is read as a cubical complex in one of the two constructions of SPEC section 1:

- ``"V"``: foreground pixels are vertices; an edge or square is in the complex when all its
  vertices are foreground (4-connectivity of the foreground);
- ``"T"``: foreground pixels are closed unit squares, with all their faces (8-connectivity).

``chi`` comes from :func:`topoeuler.ecc` (the 0/1 image at the explicit threshold 0), ``beta_0``
from one :func:`scipy.ndimage.label` call over the whole stack (a structuring element that never
joins two maps), and ``beta_1 = beta_0 - chi`` (a planar complex has no ``beta_2``).
"""
from __future__ import annotations

import math

import numpy as np
import torch

from topoeuler.ops._checks import check_construction
from topoeuler.ops.ecc import ecc

RULES = ("level", "quantile")


def _structure(construction: str) -> np.ndarray:
    """3x3x3 structuring element over ``[map, row, column]``: neighbours inside one map only."""
    structure = np.zeros((3, 3, 3), dtype=bool)
    if construction == "T":
        structure[1] = True
    else:
        structure[1, 1, :] = structure[1, :, 1] = True
    return structure


def component_counts(mask: torch.Tensor, construction: str = "V") -> torch.Tensor:
    """beta_0 of every binary image of ``mask [..., H, W]`` (bool): int64 ``[...]``.

    One :func:`scipy.ndimage.label` call over the ``[M, H, W]`` stack; components are counted
    per map from the map each label lies in (no assumption on the labelling order).
    """
    try:
        from scipy import ndimage
    except ImportError as error:  # pragma: no cover - scipy is in the topology extra
        raise ImportError("Betti numbers of binary images need scipy: pip install scipy") from error

    check_construction(construction)
    if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool or mask.dim() < 2:
        raise ValueError("mask must be a bool tensor [..., H, W]")
    lead, (height, width) = mask.shape[:-2], mask.shape[-2:]
    stack = mask.reshape(-1, height, width).cpu().numpy()
    labels, count = ndimage.label(stack, structure=_structure(construction))
    flat = labels.reshape(-1)
    where = np.flatnonzero(flat)
    owner = np.zeros(count + 1, dtype=np.int64)
    owner[flat[where]] = where // (height * width)
    counts = np.bincount(owner[1:], minlength=stack.shape[0])
    return torch.from_numpy(counts).reshape(lead)


def binary_betti(mask: torch.Tensor, construction: str = "V") -> tuple[torch.Tensor, torch.Tensor]:
    """``(beta_0, beta_1)`` (int64 ``[...]`` each) of the binary images ``mask [..., H, W]`` (bool).

    Batched: one ECC call and one labelling call for the whole stack.
    """
    beta_0 = component_counts(mask, construction)
    values = torch.where(mask, 0.0, 1.0).to(torch.float64)
    chi = ecc(values, torch.zeros(1, dtype=torch.float64, device=mask.device), construction=construction)[..., 0]
    return beta_0, beta_0 - chi.cpu()


def binarize(maps: torch.Tensor, rule: str = "level", value: float = 0.0) -> torch.Tensor:
    """Foreground masks of real maps ``[..., H, W]``: the pixels strictly above a level ``tau``.

    ``rule="level"``: ``tau = value`` for every map (``value=0`` after a ReLU: the active pixels).
    ``rule="quantile"``: ``tau`` is the ``value``-quantile (``torch.quantile``, linear
    interpolation) of each map's own pixels, so a map never depends on the other maps of a batch.
    """
    if not isinstance(maps, torch.Tensor) or not maps.is_floating_point() or maps.dim() < 2:
        raise ValueError("maps must be a real floating tensor [..., H, W]")
    if torch.isnan(maps).any():
        raise ValueError("maps contains NaN")
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}, got {rule!r}")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"value must be a finite number, got {value!r}")
    if rule == "level":
        return maps > value
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"value must be in [0, 1] for rule='quantile', got {value}")
    flat = maps.reshape(-1, maps.shape[-2] * maps.shape[-1])
    tau = torch.quantile(flat.to(torch.float64), value, dim=1, keepdim=True)
    return (flat > tau).reshape(maps.shape)


def map_betti(maps: torch.Tensor, rule: str = "level", value: float = 0.0,
              construction: str = "V") -> tuple[torch.Tensor, torch.Tensor]:
    """``(beta_0, beta_1)`` of every map of ``maps [..., H, W]`` (e.g. ``[N, C, H, W]`` activations
    of C filters on N images) after :func:`binarize` with ``rule`` and ``value``; int64 ``[...]``."""
    return binary_betti(binarize(maps, rule, value), construction)


def betti_curves(maps: torch.Tensor, thresholds: torch.Tensor,
                 construction: str = "V") -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Betti curves of the superlevel sets ``{x > t}`` of every map ``[..., H, W]``.

    Args:
        maps: real ``[..., H, W]``.
        thresholds: sorted float ``[T]`` (explicit, e.g. ``torch.linspace(lo, hi, T, dtype=torch.float64)``).
        construction: ``"V"`` or ``"T"``.

    Returns:
        ``(chi, beta_0, beta_1)``, int64 ``[..., T]``. ``chi`` is one superlevel ECC call
        (``x > t`` is ``x >= nextafter(t)`` in float64, exact for float32/float64 maps);
        ``beta_0`` one labelling call over the ``[..., T, H, W]`` masks; ``beta_1 = beta_0 - chi``.
    """
    if not isinstance(thresholds, torch.Tensor) or thresholds.dim() != 1 or thresholds.numel() == 0:
        raise ValueError("thresholds must be a 1-D tensor [T] with T >= 1")
    check_construction(construction)
    t = thresholds.to(device=maps.device, dtype=torch.float64)
    above = torch.nextafter(t, torch.tensor(math.inf, dtype=torch.float64, device=maps.device))
    chi = ecc(maps, above, construction=construction, superlevel=True).cpu()
    masks = maps.unsqueeze(-3).to(torch.float64) > t.view(-1, 1, 1)
    beta_0 = component_counts(masks, construction)
    return chi, beta_0, beta_0 - chi
