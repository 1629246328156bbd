"""From scores to masks: keep the highest-scoring fraction, globally or per layer; schedules."""
from __future__ import annotations

import math

import torch

SCOPES = ("global", "local")
SCHEDULES = ("exponential", "linear")


def keep_fraction(compression: float) -> float:
    """The kept fraction ``10 ** -compression`` (``compression`` >= 0)."""
    return 10.0 ** (-compression)


def keep_count(total: int, fraction: float) -> int:
    """Number of entries kept out of ``total``: ``fraction * total`` rounded half up."""
    return min(total, int(math.floor(fraction * total + 0.5)))


def schedule(fraction: float, iterations: int, kind: str = "exponential") -> list[float]:
    """Kept fractions of rounds ``k = 1..n``: ``fraction ** (k/n)`` (exponential, SynFlow's) or
    ``1 - (1 - fraction) k/n`` (linear); the last is always ``fraction``."""
    if kind == "exponential":
        return [fraction ** (k / iterations) for k in range(1, iterations + 1)]
    if kind == "linear":
        return [1.0 - (1.0 - fraction) * k / iterations for k in range(1, iterations + 1)]
    raise ValueError(f"schedule must be one of {SCHEDULES}, got {kind!r}")


def _top(flat: torch.Tensor, k: int) -> torch.Tensor:
    """Bool mask of the ``k`` largest entries of ``flat``; ties keep the earlier index."""
    mask = torch.zeros(flat.numel(), dtype=torch.bool, device=flat.device)
    order = torch.sort(flat, descending=True, stable=True).indices
    mask[order[:k]] = True
    return mask


def top_masks(
    scores: dict[str, torch.Tensor],
    fraction: float,
    scope: str = "global",
    alive: dict[str, torch.Tensor] | None = None,
) -> dict[str, torch.Tensor]:
    """Bool masks keeping the highest-scoring ``fraction`` of the entries.

    Exactly ``keep_count(N, fraction)`` entries are kept (``N`` all entries for ``global``,
    each tensor's entries for ``local``), never more than are still ``alive`` (entries with
    ``alive == False`` are never kept). Ties are broken deterministically: among equal
    scores the entry that comes first (tensors in dict order, entries in row-major order) is
    kept.

    Args:
        scores: ``{key: float tensor}``, higher is kept first; NaN is not allowed.
        fraction: kept fraction in ``[0, 1]``.
        scope: ``"global"`` (one ranking over all tensors) or ``"local"`` (one per tensor).
        alive: optional ``{key: bool tensor}`` of entries still unpruned.

    Returns:
        ``{key: bool tensor}`` of the scores' shapes, each on its score's device (the global
        ranking runs on the first score's device).
    """
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}, got {scope!r}")
    flats, alive_counts = {}, {}
    for key, score in scores.items():
        flat = score.detach().reshape(-1).to(torch.float64)
        alive_counts[key] = flat.numel()
        if alive is not None:
            flat = flat.masked_fill(~alive[key].reshape(-1).to(flat.device), -math.inf)
            alive_counts[key] = int(alive[key].sum())
        flats[key] = flat
    if scope == "local":
        return {
            key: _top(flat, min(keep_count(flat.numel(), fraction), alive_counts[key])).reshape(scores[key].shape)
            for key, flat in flats.items()
        }
    device = next(iter(flats.values())).device
    allflat = torch.cat([flat.to(device) for flat in flats.values()])
    kept = _top(allflat, min(keep_count(allflat.numel(), fraction), sum(alive_counts.values())))
    out, start = {}, 0
    for key, flat in flats.items():
        out[key] = kept[start : start + flat.numel()].reshape(scores[key].shape).to(flat.device)
        start += flat.numel()
    return out


def shuffle_masks(masks: dict[str, torch.Tensor], generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
    """Each mask randomly permuted within its own tensor (same per-layer density; Frankle et al. 2021)."""
    out = {}
    for key, mask in masks.items():
        flat = mask.reshape(-1)
        perm = torch.randperm(flat.numel(), generator=generator).to(flat.device)
        out[key] = flat[perm].reshape(mask.shape)
    return out
