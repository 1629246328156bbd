"""Thresholds: resolving the ``thresholds`` argument and preparing the kernels' rows.

Every op compares values with thresholds in float64: a cell of value ``v`` is counted at
``t_k`` when ``v <= t_k`` (``docs/definitions.md`` section 1).
"""
from __future__ import annotations

import math

import torch

from topoeuler.ops import _library
from topoeuler.ops._checks import as_real, reads_values, same_device


# The most thresholds a count may ask for: beyond it the curves alone outgrow memory (and the
# kernels' 32-bit bin indices); pass a tensor to go further.
MAX_COUNT = 2**24


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
    """Step ``[rows]`` of each row of sorted float64 ``t [rows, T]`` when it is about evenly spaced
    (every threshold within 1e-3 of a step of ``t_0 + k * step``, the step a normal float64 and
    ``|t| < 2**40`` steps), else 0: the soft kernels' window search uses it.

    Computed by the ``threshold_rows`` op on ``t``'s device (its formula:
    :func:`topoeuler.ops.reference.threshold_rows_reference`).
    """
    return _library.threshold_rows(t.detach().contiguous(), t.shape[0])[2]


def threshold_rows(t: torch.Tensor, rows: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The exact kernels' form of float64 thresholds ``t [T]`` or ``[rows, T]``: (values
    ``[rows, T]``, origin ``[rows]``, inv_step ``[rows]``), ``inv_step = 1 /`` :func:`even_steps`
    (0 for uneven rows), from one ``threshold_rows`` op.

    On even rows the kernels take the nearest index ``j = round((v - t_0) * inv_step)``, whose bin
    is ``j`` or ``j + 1``, and decide it exactly with one comparison (``even_bin`` in
    ``csrc/common/thresholds.h``); other rows are searched by bisection.
    """
    values, origin, _, inv_step = _library.threshold_rows(t.detach().contiguous(), rows)
    return values, origin, inv_step
