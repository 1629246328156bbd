"""Pieces shared by the soft (sigmoid-relaxed) ops: scale, saturation window, threshold order.

The soft indicator of ``value <= t`` is ``sigmoid(scale * (t - value))``. For
``|scale * (t - value)| > z_max`` it is 0 or 1 to the working precision, so the kernels
evaluate it only on the thresholds of that window and count the rest with a step histogram
and a cumulative sum. ``z_max`` defaults to 17 for float32 results (``sigmoid(-17) = 4.1e-8``,
below float32's half-ulp of 1) and 37 for float64 (``sigmoid(-37) = 8.5e-17``); pass
``z_max=math.inf`` to evaluate every threshold (the dense formula, same cost as DECT's loop).
"""
from __future__ import annotations

import math

import torch

from topoeuler.ops._checks import positive_number, reads_values

Z_MAX = {torch.float32: 17.0, torch.float64: 37.0}


def scaled(values: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """``values * scale`` for a learnable ``scale``, keeping +-inf entries as they are, so that
    they add nothing to ``scale``'s gradient (rather than ``0 * inf = NaN``)."""
    finite = torch.isfinite(values)
    return torch.where(finite, torch.where(finite, values, 0) * scale.to(values.dtype), values)


def with_grad(checked: torch.Tensor, original) -> torch.Tensor:
    """``checked`` (validated from ``original.detach()``), re-attached to ``original``'s graph when it needs a gradient."""
    if isinstance(original, torch.Tensor) and original.requires_grad:
        return original.to(checked.dtype).reshape(checked.shape).contiguous()
    return checked


def check_scale(scale, validate: bool = True) -> float | torch.Tensor:
    """``scale`` as a positive finite float, or a positive finite 0-dim/1-element floating tensor (may be learnable)."""
    if isinstance(scale, torch.Tensor):
        if not scale.is_floating_point() or scale.numel() != 1:
            raise ValueError(f"scale must be a positive number or a one-element float tensor, got {scale.dtype} "
                             f"{tuple(scale.shape)}")
        if reads_values(scale, validate):
            value = float(scale.detach())
            if not math.isfinite(value) or value <= 0:
                raise ValueError(f"scale must be positive and finite, got {value}")
        return scale.reshape(())
    return positive_number("scale", scale)


def check_z_max(z_max, dtype: torch.dtype) -> float:
    """The saturation bound: the dtype's default (17 / 37) when ``None``; ``math.inf`` disables the window."""
    if z_max is None:
        return Z_MAX.get(dtype, 37.0)
    if isinstance(z_max, bool) or not isinstance(z_max, (int, float)) or math.isnan(z_max) or z_max <= 0:
        raise ValueError(f"z_max must be a positive number (or math.inf), got {z_max!r}")
    return float(z_max)


def sort_thresholds(t: torch.Tensor, validate: bool = True) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Sorted thresholds along the last axis and the inverse permutation (``None`` when already sorted).

    The soft ops accept thresholds in any order (learnable thresholds may cross): the result at
    position k is the soft count at ``t[..., k]``; gradients follow the thresholds through the sort.
    Whether they are sorted is asked only where values may be read (:func:`reads_values`);
    elsewhere they are always sorted, without a host copy.
    """
    if t.shape[-1] < 2 or (reads_values(t, validate) and not (t[..., 1:] < t[..., :-1]).any()):
        return t, None
    values, order = t.sort(dim=-1)
    return values, order.argsort(dim=-1)


def result_dtype(*tensors) -> torch.dtype:
    """float64 when any floating input tensor is float64, else float32."""
    for t in tensors:
        if isinstance(t, torch.Tensor) and t.dtype == torch.float64:
            return torch.float64
    return torch.float32
