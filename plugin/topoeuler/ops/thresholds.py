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


def even_steps(t: torch.Tensor) -> torch.Tensor:
    """Step of each row of sorted float64 ``t [rows, T]`` when it is about evenly spaced (every
    threshold within 1e-3 of a step of ``t_0 + k * step``, and ``|t| < 2**40`` steps), else 0.

    On such rows the kernels take the nearest index ``j = round((v - t_0) / step)``, whose bin is
    ``j`` or ``j + 1``, and decide it exactly with one comparison (``even_bin`` in
    ``csrc/common/thresholds.h``); other rows are searched by bisection.
    """
    rows, count = t.shape
    if count < 2:
        return torch.zeros(rows, dtype=torch.float64, device=t.device)
    step = (t[:, -1] - t[:, 0]) / (count - 1)
    ideal = t[:, :1] + torch.arange(count, dtype=torch.float64, device=t.device) * step[:, None]
    even = ((t - ideal).abs().amax(dim=1) <= 1e-3 * step) & (step > 0) & (t.abs().amax(dim=1) < 2.0**40 * step)
    return torch.where(even, step, torch.zeros_like(step)).contiguous()


def threshold_rows(t: torch.Tensor, rows: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The exact kernels' form of thresholds ``[T]`` or ``[rows, T]``: (values ``[rows, T]``,
    origin ``[rows]``, inv_step ``[rows]``), with ``inv_step = 1 / even_steps`` (0 for uneven rows)."""
    values = t.expand(rows, t.shape[-1]).contiguous()
    step = even_steps(values)
    inv_step = torch.where(step > 0, 1.0 / torch.where(step > 0, step, torch.ones_like(step)), torch.zeros_like(step))
    return values, values[:, 0].contiguous(), inv_step.contiguous()
