"""Thresholds: resolving the ``thresholds`` argument and preparing the kernels' rows.

Every op compares values with thresholds in float64: a cell of value ``v`` is counted at
``t_k`` when ``v <= t_k`` (SPEC section 1).
"""
from __future__ import annotations

import torch

from topoeuler.ops._checks import as_real, same_device


def resolve_thresholds(thresholds, lo: float, hi: float, like: torch.Tensor, like_name: str,
                       rows: int | None = None) -> torch.Tensor:
    """The thresholds as float64 on ``like``'s device: ``[T]``, or ``[rows, T]`` when given per row.

    ``thresholds`` is a count ``T >= 1`` (evenly spaced from ``lo`` to ``hi``, both included)
    or a tensor sorted in increasing order along its last axis: ``[T]``, or ``[rows, T]``
    where ``rows`` is given (one row per direction).
    """
    if isinstance(thresholds, bool) or not isinstance(thresholds, (int, torch.Tensor)):
        raise TypeError(f"thresholds must be an int count or a tensor, got {type(thresholds).__name__}")
    if isinstance(thresholds, int):
        if thresholds < 1:
            raise ValueError(f"thresholds must be a positive count, got {thresholds}")
        # On the CPU, so that every device gets the same values (CUDA's linspace may use FMA).
        t = torch.linspace(lo, hi, thresholds, dtype=torch.float64)
        t[0], t[-1] = lo, hi  # the range ends exactly at the data's extremes
        return t.to(like.device)
    same_device(like_name, like, thresholds=thresholds)
    t = as_real("thresholds", thresholds, allow_inf=False)
    allowed = (1,) if rows is None else (1, 2)
    if t.dim() not in allowed or t.shape[-1] == 0 or (t.dim() == 2 and t.shape[0] != rows):
        expected = "[T]" if rows is None else f"[T] or [{rows}, T]"
        raise ValueError(f"thresholds must be {expected} with T >= 1, got shape {tuple(t.shape)}")
    if (t[..., 1:] < t[..., :-1]).any():
        raise ValueError("thresholds must be sorted in increasing order")
    return t.to(torch.float64)


def threshold_rows(t: torch.Tensor, rows: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The kernels' form of thresholds ``[T]`` or ``[rows, T]``: (values ``[rows, T]``, origin ``[rows]``, inv_step ``[rows]``).

    ``inv_step`` is ``1/step`` for rows that are evenly spaced (to a relative 1e-6), which only
    speeds up the kernels' exact search; it is 0 for other rows.
    """
    values = t.expand(rows, t.shape[-1]).contiguous()
    count = values.shape[1]
    origin = values[:, 0].contiguous()
    if count == 1:
        return values, origin, torch.zeros_like(origin)
    step = (values[:, -1] - values[:, 0]) / (count - 1)
    ideal = origin[:, None] + torch.arange(count, dtype=torch.float64, device=t.device) * step[:, None]
    even = ((values - ideal).abs().amax(dim=1) <= 1e-6 * step) & (step > 0)
    inv_step = torch.where(even, 1.0 / torch.where(step > 0, step, 1.0), torch.zeros_like(step))
    return values, origin, inv_step.contiguous()
