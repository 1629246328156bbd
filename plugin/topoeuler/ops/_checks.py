"""Argument checks shared by the ops: every error names the argument at fault."""
from __future__ import annotations

import math

import torch

# Integers beyond 2**53 have no exact float64 value, so they cannot be compared exactly.
_EXACT_INT_LIMIT = 2**53


def reads_values(t: torch.Tensor, validate: bool) -> bool:
    """Whether the checks may read ``t``'s values back to the host: only when ``validate`` is
    True, outside ``torch.compile`` tracing (which keeps the graph free of host copies) and for
    tensors that hold values (not meta tensors). Shape, dtype and device checks always run."""
    return validate and not torch.compiler.is_compiling() and t.device.type != "meta"


def as_real(name: str, t, *, allow_inf: bool, validate: bool = True) -> torch.Tensor:
    """``t`` as float32/float64 (float16/bfloat16 -> float32, integers/bool -> float64, exactly).

    Raises TypeError for non-tensors and complex dtypes, ValueError for NaN (and for +-inf
    unless ``allow_inf``) and for integers too large to convert exactly. The value checks
    (see :func:`reads_values`) are skipped when ``validate`` is False. ``t`` is detached.
    """
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
    if t.is_complex():
        raise TypeError(f"{name} must be real, got {t.dtype}")
    t = t.detach()
    check = reads_values(t, validate)
    if not t.is_floating_point():
        if check and t.dtype != torch.bool and t.numel() and int(t.abs().max()) > _EXACT_INT_LIMIT:
            raise ValueError(f"{name} has integers beyond 2**53, which float64 cannot represent exactly")
        t = t.to(torch.float64)
    elif t.dtype not in (torch.float32, torch.float64):
        t = t.to(torch.float32)
    if check and t.numel():
        lo, hi = (float(v) for v in torch.aminmax(t))  # one pass; min/max propagate NaN
        if math.isnan(lo) or math.isnan(hi):
            raise ValueError(f"{name} contains NaN")
        if not allow_inf and (math.isinf(lo) or math.isinf(hi)):
            raise ValueError(f"{name} contains +-inf; it must be finite")
    return t


def check_validate(validate) -> bool:
    """``validate`` as a bool; TypeError otherwise."""
    if not isinstance(validate, bool):
        raise TypeError(f"validate must be a bool, got {type(validate).__name__}")
    return validate


def positive_number(name: str, value) -> float:
    """``value`` as a positive finite float; ValueError naming ``name`` otherwise (bools are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def as_index(name: str, t, upper: int, validate: bool = True) -> torch.Tensor:
    """``t`` as int64 indices in ``[0, upper)``; TypeError for non-integer dtypes, IndexError when
    out of range (not checked when ``validate`` is False: the caller vouches for the indices)."""
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
    if t.is_floating_point() or t.is_complex() or t.dtype == torch.bool:
        raise TypeError(f"{name} must hold integer indices, got {t.dtype}")
    t = t.to(torch.int64)
    if reads_values(t, validate) and t.numel():
        lo, hi = int(t.min()), int(t.max())
        if lo < 0 or hi >= upper:
            raise IndexError(f"{name} has indices in [{lo}, {hi}], outside [0, {upper})")
    return t


def same_device(reference_name: str, reference: torch.Tensor, **others) -> None:
    """Raise ValueError naming any tensor in ``others`` that is not on ``reference``'s device (non-tensors pass)."""
    for name, t in others.items():
        if isinstance(t, torch.Tensor) and t.device != reference.device:
            raise ValueError(f"{name} is on {t.device} but {reference_name} is on {reference.device}")


def check_construction(construction: str) -> bool:
    """True for the T-construction, False for V; ValueError otherwise."""
    if construction not in ("V", "T"):
        raise ValueError(f'construction must be "V" or "T", got {construction!r}')
    return construction == "T"


def check_ndim(ndim: int, x: torch.Tensor, name: str = "x") -> None:
    """``ndim`` is the int 2 or 3 and ``x`` has a grid of that many non-empty axes."""
    if isinstance(ndim, bool) or not isinstance(ndim, int) or ndim not in (2, 3):
        raise ValueError(f"ndim must be 2 or 3, got {ndim!r}")
    if x.dim() < ndim:
        raise ValueError(f"{name} must have at least ndim={ndim} dimensions, got shape {tuple(x.shape)}")
    if any(s == 0 for s in x.shape[-ndim:]):
        raise ValueError(f"{name} has an empty grid axis: shape {tuple(x.shape)}")


def check_directions(directions, dim: int, like: torch.Tensor, like_name: str, validate: bool = True) -> torch.Tensor:
    """Directions ``[D, dim]`` as contiguous float64: finite, no zero row, on ``like``'s device."""
    same_device(like_name, like, directions=directions)
    v = as_real("directions", directions, allow_inf=False, validate=validate)
    if v.dim() != 2 or v.shape[1] != dim:
        raise ValueError(f"directions must be [D, {dim}] to match {like_name}, got shape {tuple(v.shape)}")
    if v.shape[0] == 0:
        raise ValueError("directions is empty: give at least one direction")
    zero = (v == 0).all(dim=1)
    if reads_values(v, validate) and zero.any():
        raise ValueError(f"directions has rows of zero length: {zero.nonzero().flatten().tolist()[:10]}")
    return v.to(torch.float64).contiguous()
