"""Pieces shared by the benchmark scripts: settings, subsets for slow peers, comparison tables."""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
import yaml

from topoeuler.bench import Measurement, format_bytes, format_ratio, format_seconds, markdown_table, measure


@dataclass(frozen=True)
class Settings:
    """How hard to measure.

    Attributes:
        repeat: timed runs of the fast methods (topoeuler, the PyTorch reference).
        repeat_slow: timed runs of the slow peers (gudhi, giotto-tda, the dense ECT).
        budget_s: a slow peer is measured on a subset of the input when one run on the
            whole input would take longer than this (see :func:`measure_peer`).
        full: also run the bigger cases.
    """

    repeat: int
    repeat_slow: int
    budget_s: float
    full: bool


CONFIGS = Path(__file__).resolve().parents[1] / "configs" / "bench" / "kernels"


def load_settings(name: str) -> Settings:
    """The settings of ``configs/bench/kernels/<name>.yaml`` (``quick`` or ``full``)."""
    with open(CONFIGS / f"{name}.yaml") as f:
        return Settings(**yaml.safe_load(f))


@dataclass
class Row:
    """One measured method of a comparison table.

    ``scale`` is (size of the whole input) / (size of the measured subset): times and memory of
    a subset are multiplied by it (linear extrapolation) and shown with ``~``. ``memory``
    replaces the measured peak where the method needs more than was measured (a chunked run).
    """

    method: str
    variant: str
    measurement: Measurement
    scale: float = 1.0
    measured_on: str = "all"
    memory: int | None = None

    @property
    def median_s(self) -> float:
        return self.measurement.median_s * self.scale

    @property
    def min_s(self) -> float:
        return self.measurement.min_s * self.scale

    @property
    def peak_bytes(self) -> int | None:
        if self.memory is not None:
            return self.memory
        peak = self.measurement.peak_bytes
        return None if peak is None else round(peak * self.scale)


def central_subset(x: torch.Tensor, ndim: int, fraction: float) -> tuple[torch.Tensor, float, str]:
    """A part of ``x [B, *grid]`` holding about ``fraction`` of it, for slow peers.

    A batch of several grids keeps its first ``ceil(fraction * B)`` grids; a single grid keeps a
    central crop whose sides are scaled by ``fraction ** (1 / ndim)``.

    Returns:
        ``(subset [b, *crop], scale = x.numel() / subset.numel(), description)``.
    """
    if fraction >= 1:
        return x, 1.0, "all"
    if x.shape[0] > 1:
        count = max(1, math.ceil(fraction * x.shape[0]))
        return x[:count], x.shape[0] / count, f"first {count} of {x.shape[0]}"
    grid = x.shape[-ndim:]
    sides = [max(2, round(n * fraction ** (1 / ndim))) for n in grid]
    index = (slice(None),) + tuple(slice((n - s) // 2, (n - s) // 2 + s) for n, s in zip(grid, sides))
    crop = x[index]
    return crop, x.numel() / crop.numel(), "central " + "x".join(map(str, sides)) + " crop"


def _merge(first: Measurement, later: Measurement) -> Measurement:
    """The runs of two measurements of the same call as one (later's result)."""
    peaks = [p for p in (first.peak_bytes, later.peak_bytes) if p is not None]
    return Measurement(first.times + later.times, max(peaks) if peaks else None, later.result)


def measure_peer(method: str, variant: str, run: Callable[[Any], Any], take: Callable[[float], tuple],
                 settings: Settings, start: float = 1 / 64) -> tuple[Row, Any]:
    """Measures a slow peer on the largest subset that fits the time budget.

    ``run`` is called once on the smallest subset to warm it up (e.g. joblib starting its
    worker processes). Then subsets of fractions ``start, 4 * start, ..., 1`` are measured once
    each while the next one is predicted to take at most ``settings.budget_s``: the prediction
    scales the last time by the growth in size, to the power seen between the last two sizes
    (at least 1), since persistence costs grow faster than linearly. The largest measured
    subset gets ``settings.repeat_slow - 1`` more timed runs.

    Args:
        run: the peer, called on a subset.
        take: ``fraction -> (subset, scale, description)``, e.g. :func:`central_subset`.

    Returns:
        ``(row, (subset, what the last run returned))``.
    """
    fraction, previous = start, None
    run(take(fraction)[0])
    while True:
        subset, scale, description = take(fraction)
        result = measure(lambda: run(subset), repeat=1, warmup=0)
        if fraction >= 1:
            break
        bigger = take(min(1.0, fraction * 4))[1]
        exponent = 1.0
        if previous is not None and previous[0] > 0 and previous[1] > scale:
            exponent = max(1.0, math.log(result.min_s / previous[0]) / math.log(previous[1] / scale))
        if result.min_s * (scale / bigger) ** exponent > settings.budget_s:
            break
        previous, fraction = (result.min_s, scale), min(1.0, fraction * 4)
    if settings.repeat_slow > 1:
        result = _merge(result, measure(lambda: run(subset), repeat=settings.repeat_slow - 1, warmup=0))
    return Row(method, variant, result, scale=scale, measured_on=description), (subset, result.result)


def check_equal(what: str, expected, actual) -> None:
    """Raises AssertionError (also under ``python -O``) unless two integer curves are equal."""
    expected, actual = np.asarray(expected), np.asarray(actual)
    if expected.shape != actual.shape:
        raise AssertionError(f"{what}: shapes differ, {expected.shape} vs {actual.shape}")
    wrong = np.argwhere(expected != actual)
    if len(wrong):
        first = tuple(wrong[0])
        raise AssertionError(
            f"{what}: {len(wrong)} entries differ; first at {first}: {expected[first]} vs {actual[first]}"
        )


def comparison_table(rows: list[Row], baseline: str, work: float | None = None, unit: str = "Mpixel/s") -> str:
    """Markdown table of ``rows`` with speed-up and memory ratios of ``baseline`` against each row.

    The ratios compare each row with the row of method ``baseline`` and the same ``variant``
    (construction; the column is left out when no row has one): ``speed-up = row median /
    baseline median``, ``memory saving = row peak / baseline peak``. ``work`` (pixels of the
    whole input) adds a throughput column.
    """
    base = {row.variant: row for row in rows if row.method == baseline}
    variants = any(row.variant for row in rows)
    headers = ["method"] + (["construction"] if variants else []) + ["measured on", "median", "min"]
    headers += [unit] if work is not None else []
    headers += ["peak memory", f"{baseline} speed-up", f"{baseline} memory saving"]
    table = []
    for row in rows:
        approx = "~" if row.scale != 1 else ""
        cells = [row.method] + ([row.variant] if variants else []) + [
            row.measured_on, approx + format_seconds(row.median_s), approx + format_seconds(row.min_s)]
        if work is not None:
            cells.append(f"{approx}{work / row.median_s / 1e6:.3g}")
        peak = row.peak_bytes
        cells.append((approx if row.memory is None and peak is not None else "") + format_bytes(peak))
        reference = base.get(row.variant)
        if reference is None or row is reference:
            cells += ["-", "-"]
        else:
            cells.append(format_ratio(row.median_s / reference.median_s))
            cells.append(format_ratio(peak / reference.peak_bytes) if peak and reference.peak_bytes else "n/a")
        table.append(cells)
    left = 3 if variants else 2
    return markdown_table(headers, table, align="l" * left + "r" * (len(headers) - left))
