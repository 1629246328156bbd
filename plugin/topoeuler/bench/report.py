"""Markdown tables, number formatting and a description of the machine for benchmark reports."""
from __future__ import annotations

import os
import platform
from typing import Sequence

import torch


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]], align: str | None = None) -> str:
    """A GitHub-flavoured Markdown table.

    Args:
        headers: column titles.
        rows: one sequence of cells per row, each as long as ``headers``; cells are ``str()``-ed
            and ``|`` is escaped.
        align: one letter per column, ``l`` (left) or ``r`` (right); default: the first column
            left, the others right.

    Returns:
        The table as lines joined by ``\\n`` (no trailing newline).
    """
    width = len(headers)
    align = align or "l" + "r" * (width - 1)
    if len(align) != width or set(align) - {"l", "r"}:
        raise ValueError(f"align needs one of 'l'/'r' per column ({width}), got {align!r}")
    for row in rows:
        if len(row) != width:
            raise ValueError(f"row {list(row)} has {len(row)} cells, the header has {width}")

    def line(cells):
        return "| " + " | ".join(str(cell).replace("|", "\\|") for cell in cells) + " |"

    rule = "|" + "|".join("---:" if a == "r" else ":---" for a in align) + "|"
    return "\n".join([line(headers), rule] + [line(row) for row in rows])


def format_seconds(seconds: float) -> str:
    """``0.000012 -> '12.0 µs'``, ``0.25 -> '250 ms'``, ``3.5 -> '3.50 s'``."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.2f} s" if seconds < 100 else f"{seconds:.0f} s"


def format_bytes(count: int | None) -> str:
    """``None -> 'n/a'``, ``1536 -> '1.5 KiB'``, ``3 * 2**30 -> '3.00 GiB'``."""
    if count is None:
        return "n/a"
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if count >= size:
            return f"{count / size:.3g} {unit}" if count < 100 * size else f"{count / size:.0f} {unit}"
    return f"{count} B"


def format_ratio(ratio: float) -> str:
    """A speed-up or memory ratio, ``12.345 -> '12.3x'``."""
    return f"{ratio:.3g}x" if ratio < 1000 else f"{ratio:.0f}x"


def cpu_model() -> str:
    """The CPU's model name (from ``/proc/cpuinfo`` on Linux, else ``platform.processor()``)."""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info() -> dict[str, str]:
    """What a reader needs to compare timings: CPU, cores, torch threads, versions, GPU."""
    info = {
        "CPU": cpu_model(),
        "cores (os.cpu_count)": str(os.cpu_count()),
        "torch threads": str(torch.get_num_threads()),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "OS": platform.platform(),
    }
    if torch.cuda.is_available():
        info["GPU"] = torch.cuda.get_device_name()
    return info
