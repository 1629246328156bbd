"""Wall time and peak extra memory of one call, on CPU or CUDA.

CPU memory is the growth of the process's resident set: before each timed call the kernel's
high-water mark is reset (``echo 5 > /proc/self/clear_refs``, Linux >= 4.0), and the peak
extra memory is ``VmHWM`` after the call minus ``VmRSS`` before it. It counts every byte the
call touches (PyTorch, NumPy, C++ libraries alike). So that memory freed by earlier runs and
kept resident by glibc's allocator is not silently reused (and missed), free heap memory is
returned to the system (``malloc_trim(0)``) before each run. CUDA memory is PyTorch's caching-allocator peak
(``torch.cuda.max_memory_allocated``) minus the memory allocated before the call.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import statistics
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import torch

_CLEAR_REFS = "/proc/self/clear_refs"
_STATUS = "/proc/self/status"
_LIBC = ctypes.CDLL(ctypes.util.find_library("c"))
# glibc's malloc_trim(0) returns free heap pages to the system; other C libraries lack it.
_malloc_trim = getattr(_LIBC, "malloc_trim", lambda pad: None)


@dataclass
class Measurement:
    """Result of :func:`measure`.

    Attributes:
        times: seconds of each timed run, in order.
        peak_bytes: largest extra memory of any timed run, in bytes; ``None`` where the
            platform cannot reset the peak (no ``/proc/self/clear_refs``).
        result: what the last run returned (to check its correctness without recomputing).
    """

    times: list[float]
    peak_bytes: int | None
    result: Any = field(default=None, repr=False)

    @property
    def min_s(self) -> float:
        """Fastest run, in seconds."""
        return min(self.times)

    @property
    def median_s(self) -> float:
        """Median run, in seconds."""
        return statistics.median(self.times)


def _status_bytes(key: str) -> int:
    with open(_STATUS) as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024  # the kernel reports kB
    raise RuntimeError(f"{key} is missing from {_STATUS}")


def _cpu_peak_supported() -> bool:
    try:
        with open(_CLEAR_REFS, "w") as handle:
            handle.write("5")
        _status_bytes("VmHWM")
    except (OSError, RuntimeError):
        return False
    return True


class _CpuMemory:
    """Peak resident-set growth during a block (``start`` ... ``stop``)."""

    def start(self) -> None:
        _malloc_trim(0)
        with open(_CLEAR_REFS, "w") as handle:
            handle.write("5")  # resets VmHWM to the current RSS
        self.before = _status_bytes("VmRSS")

    def stop(self) -> int:
        return max(0, _status_bytes("VmHWM") - self.before)


class _CudaMemory:
    """Peak growth of PyTorch's CUDA allocations during a block."""

    def __init__(self, device: torch.device):
        self.device = device

    def start(self) -> None:
        torch.cuda.synchronize(self.device)
        torch.cuda.reset_peak_memory_stats(self.device)
        self.before = torch.cuda.memory_allocated(self.device)

    def stop(self) -> int:
        torch.cuda.synchronize(self.device)
        return max(0, torch.cuda.max_memory_allocated(self.device) - self.before)


_warned_no_peak = False


def _memory_probe(device: torch.device):
    global _warned_no_peak
    if device.type == "cuda":
        return _CudaMemory(device)
    if _cpu_peak_supported():
        return _CpuMemory()
    if not _warned_no_peak:
        warnings.warn(
            f"topoeuler.bench: cannot reset the peak resident set ({_CLEAR_REFS} is not writable); "
            "peak memory is reported as n/a",
            RuntimeWarning,
            stacklevel=3,
        )
        _warned_no_peak = True
    return None


def measure(
    fn: Callable[[], Any],
    repeat: int = 5,
    warmup: int = 1,
    device: str | torch.device = "cpu",
) -> Measurement:
    """Times ``fn()`` and records its peak extra memory.

    Args:
        fn: the call to measure, without arguments (wrap it in a lambda).
        repeat: number of timed runs (>= 1).
        warmup: untimed runs before them (caches, lazy initialisation, thread pools).
        device: where ``fn`` computes: ``"cpu"`` measures the process's resident set,
            ``"cuda"`` synchronises around each run and measures PyTorch's CUDA allocations.

    Returns:
        :class:`Measurement` with the ``repeat`` times, the peak extra bytes of the first timed
        run and the last run's return value. Only the first timed run is probed for memory: on
        the CPU the probe first returns freed memory to the system (``malloc_trim``), so that
        run also pays for faulting in fresh pages; the other runs see the allocator as repeated
        calls do.
    """
    if repeat < 1 or warmup < 0:
        raise ValueError(f"need repeat >= 1 and warmup >= 0, got repeat={repeat}, warmup={warmup}")
    device = torch.device(device)
    sync = (lambda: torch.cuda.synchronize(device)) if device.type == "cuda" else (lambda: None)
    for _ in range(warmup):
        fn()
    sync()
    probe = _memory_probe(device)
    times, peak, result = [], None, None
    for run in range(repeat):
        result = None  # drop the previous output so that it does not sit in the baseline
        probed = probe is not None and run == 0
        if probed:
            probe.start()
        start = time.perf_counter()
        result = fn()
        sync()
        times.append(time.perf_counter() - start)
        if probed:
            peak = probe.stop()
    return Measurement(times=times, peak_bytes=peak, result=result)
