"""Thresholds: resolving the ``thresholds`` argument and preparing the kernels' rows.

Every op compares values with thresholds in float64: a cell of value ``v`` is counted at
``t_k`` when ``v <= t_k`` (``docs/definitions.md`` section 1).
"""
from __future__ import annotations

import math

import torch

from topoeuler.ops._checks import as_real, reads_values, same_device


# The most thresholds a count may ask for: beyond it the curves alone outgrow memory (and the
# kernels' 32-bit bin indices); pass a tensor to go further.
MAX_COUNT = 2**24
_TINY = torch.finfo(torch.float64).tiny


def check_range(name: str, value_range) -> tuple[float, float]:
    """``(lo, hi)`` as finite floats with ``lo <= hi``; ValueError naming ``name`` otherwise."""
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2 or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value_range):
        raise ValueError(f"{name} must be a pair of numbers (lo, hi), got {value_range!r}")
    lo, hi = (float(v) for v in value_range)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
        raise ValueError(f"{name} must be finite with lo <= hi, got {value_range!r}")
    return lo, hi


def evenly_spaced(count: int, lo: float, hi: float) -> torch.Tensor:
    """``count`` float64 thresholds from ``lo`` to ``hi``, both included, non-decreasing, on the CPU
    (so that every device gets the same values: CUDA's linspace may use FMA).

    ``torch.linspace`` when ``hi - lo`` is finite; otherwise (a span beyond float64's range) the
    interpolation ``lo * (1 - w_k) + hi * w_k`` with ``w_k = k / (count - 1)``, whose terms stay finite.
    """
    if math.isfinite(hi - lo):
        t = torch.linspace(lo, hi, count, dtype=torch.float64)
    else:
        w = torch.arange(count, dtype=torch.float64) / max(count - 1, 1)
        t = lo * (1 - w) + hi * w
    t[0], t[-1] = lo, hi  # the range ends exactly at lo and hi
    return t


def resolve_thresholds(thresholds, span: tuple[float, float] | None, like: torch.Tensor, like_name: str,
                       rows: int | None = None, span_name: str = "value_range",
                       validate: bool = True) -> torch.Tensor:
    """The thresholds as float64 on ``like``'s device: ``[T]``, or ``[rows, T]`` when given per row.

    ``thresholds`` is a count ``1 <= T <= 2**24`` (evenly spaced on ``span = (lo, hi)``, both
    included; a count without a span is an error naming ``span_name``: a range taken from the
    input would make one sample's thresholds depend on the others of its batch) or a tensor
    sorted in increasing order along its last axis: ``[T]``, or ``[rows, T]`` where ``rows`` is
    given (one row per direction). Sortedness is not checked when ``validate`` is False.
    """
    if isinstance(thresholds, bool) or not isinstance(thresholds, (int, torch.Tensor)):
        raise TypeError(f"thresholds must be an int count or a tensor, got {type(thresholds).__name__}")
    if isinstance(thresholds, int):
        if not 1 <= thresholds <= MAX_COUNT:
            raise ValueError(f"thresholds must be a positive count of at most 2**24, got {thresholds}")
        if span is None:
            raise ValueError(f"an integer thresholds count needs {span_name}= (the range every sample shares), "
                             "or pass a thresholds tensor")
        return evenly_spaced(thresholds, *span).to(like.device)
    same_device(like_name, like, thresholds=thresholds)
    t = as_real("thresholds", thresholds, allow_inf=False, validate=validate)
    allowed = (1,) if rows is None else (1, 2)
    if t.dim() not in allowed or t.shape[-1] == 0 or (t.dim() == 2 and t.shape[0] != rows):
        expected = "[T]" if rows is None else f"[T] or [{rows}, T]"
        raise ValueError(f"thresholds must be {expected} with T >= 1, got shape {tuple(t.shape)}")
    if reads_values(t, validate) and (t[..., 1:] < t[..., :-1]).any():
        raise ValueError("thresholds must be sorted in increasing order")
    return t.to(torch.float64)


def even_steps(t: torch.Tensor) -> torch.Tensor:
    """Step of each row of sorted float64 ``t [rows, T]`` when it is about evenly spaced (every
    threshold within 1e-3 of a step of ``t_0 + k * step``, and ``|t| < 2**40`` steps), else 0.
    A step that is not a normal float64, or whose inverse overflows, counts as uneven.

    On such rows the kernels take the nearest index ``j = round((v - t_0) / step)``, whose bin is
    ``j`` or ``j + 1``, and decide it exactly with one comparison (``even_bin`` in
    ``csrc/common/thresholds.h``); other rows are searched by bisection.
    """
    rows, count = t.shape
    if count < 2:
        return torch.zeros(rows, dtype=torch.float64, device=t.device)
    step = (t[:, -1] - t[:, 0]) / (count - 1)
    ideal = t[:, :1] + torch.arange(count, dtype=torch.float64, device=t.device) * step[:, None]
    # A step below float64's smallest normal number would overflow 1 / step; an infinite step (a
    # span beyond float64's range) makes ideal[:, 0] = t_0 + 0 * inf NaN, so the row is uneven.
    even = ((t - ideal).abs().amax(dim=1) <= 1e-3 * step) & (step >= _TINY) & (t.abs().amax(dim=1) < 2.0**40 * step)
    return torch.where(even, step, torch.zeros_like(step)).contiguous()


def threshold_rows(t: torch.Tensor, rows: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The exact kernels' form of thresholds ``[T]`` or ``[rows, T]``: (values ``[rows, T]``,
    origin ``[rows]``, inv_step ``[rows]``), with ``inv_step = 1 / even_steps`` (0 for uneven rows)."""
    values = t.expand(rows, t.shape[-1]).contiguous()
    step = even_steps(values)
    inv_step = torch.where(step > 0, 1.0 / torch.where(step > 0, step, torch.ones_like(step)), torch.zeros_like(step))
    return values, values[:, 0].contiguous(), inv_step.contiguous()
