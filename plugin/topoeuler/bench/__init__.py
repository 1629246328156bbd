"""Measurement tools behind ``benchmarks/``: wall time and peak memory of a call
(:func:`measure`), and Markdown reports (:func:`markdown_table`, :func:`machine_info`).

>>> from topoeuler.bench import measure
>>> m = measure(lambda: sum(range(10_000)), repeat=3)
>>> m.min_s <= m.median_s
True
"""
from topoeuler.bench.measurement import Measurement, measure
from topoeuler.bench.report import (
    cpu_model,
    format_bytes,
    format_ratio,
    format_seconds,
    machine_info,
    markdown_table,
)

__all__ = [
    "Measurement",
    "measure",
    "markdown_table",
    "format_seconds",
    "format_bytes",
    "format_ratio",
    "cpu_model",
    "machine_info",
]
