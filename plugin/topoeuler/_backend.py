"""Loads the compiled kernels (``topoeuler._C``) and says which backend runs each op.

Backends: the compiled CPU kernels, the compiled CUDA kernels (when the extension was built
with CUDA), and the pure-PyTorch reference in :mod:`topoeuler.ops.reference`. The reference
is used only when the extension cannot be loaded, and then with a loud warning (once).
"""
from __future__ import annotations

import warnings

import torch

try:
    from topoeuler import _C
    _LOAD_ERROR: str | None = None
except ImportError as error:  # the extension was not built, or was built against another torch
    _C = None
    _LOAD_ERROR = str(error)
# Asked once: a pybind call inside an op would break torch.compile's graph.
_HAS_CUDA = _C is not None and _C.has_cuda()

_warned = False


def compiled():
    """The compiled extension module, or ``None`` (after warning once) when it is unavailable."""
    global _warned
    if _C is None and not _warned:
        warnings.warn(
            "topoeuler: the compiled kernels could not be loaded "
            f"({_LOAD_ERROR}); falling back to the slow pure-PyTorch reference. "
            "Rebuild them with `make install` (or `pip install --no-build-isolation -e .`).",
            RuntimeWarning,
            stacklevel=3,
        )
        _warned = True
    return _C


def backend_for(device: torch.device) -> str:
    """Name of the backend that runs an op on ``device``: "cpu", "cuda", "meta" (shapes only, from
    the operators' fake implementations) or "reference" (the slow fallback, announced by a
    warning the first time)."""
    if device.type == "meta":
        return "meta"
    if compiled() is None:
        return "reference"
    if device.type == "cuda":
        if not _HAS_CUDA:
            raise RuntimeError(
                "topoeuler was built without CUDA kernels but received a CUDA tensor; "
                "rebuild it on a machine where torch has CUDA (see CONTRIBUTING.md)"
            )
        return "cuda"
    if device.type != "cpu":
        raise ValueError(f"topoeuler supports CPU and CUDA tensors, got a tensor on {device}")
    return "cpu"


def info() -> dict:
    """Version, active backends and thread count, e.g. ``{"version": "0.1.0", "cpu": "compiled", ...}``."""
    from topoeuler import __version__

    return {
        "version": __version__,
        "torch": torch.__version__,
        "cpu": "compiled" if _C is not None else "reference (slow fallback)",
        "cuda": (
            "compiled" if _HAS_CUDA and torch.cuda.is_available()
            else "built, no GPU visible" if _HAS_CUDA
            else "not built"
        ),
        "threads": torch.get_num_threads(),
        "cpu_isa": _C.cpu_isa() if _C is not None else None,
        "load_error": _LOAD_ERROR,
    }
