"""Brute-force ECC / ECT straight from docs/definitions.md sections 1-2, for tests only (slow, tiny inputs).

Cells of a cubical complex are enumerated on the doubled lattice: a cell is a point of the
doubled grid, its dimension the number of odd coordinates. Nothing here is shared with the
library's kernels or references.
"""
from __future__ import annotations

import itertools

import numpy as np


def cubical_cells(f: np.ndarray, construction: str) -> list[tuple[float, int]]:
    """All cells of the V- or T-construction of grid ``f`` as (value, dimension)."""
    shape = f.shape
    cells = []
    if construction == "V":
        # Doubled coordinate c: even -> vertex c/2, odd -> spans vertices (c-1)/2 and (c+1)/2.
        for c in itertools.product(*[range(2 * n - 1) for n in shape]):
            choices = [[ci // 2] if ci % 2 == 0 else [(ci - 1) // 2, (ci + 1) // 2] for ci in c]
            value = max(f[v] for v in itertools.product(*choices))
            cells.append((value, sum(ci % 2 for ci in c)))
        return cells
    # T: doubled coordinate c in [0, 2n]: odd -> inside top cell (c-1)/2, even -> between c/2-1 and c/2.
    for c in itertools.product(*[range(2 * n + 1) for n in shape]):
        choices = [
            [(ci - 1) // 2] if ci % 2 == 1 else [k for k in (ci // 2 - 1, ci // 2) if 0 <= k < n]
            for ci, n in zip(c, shape)
        ]
        value = min(f[v] for v in itertools.product(*choices))
        cells.append((value, sum(ci % 2 for ci in c)))
    return cells


def ecc(f: np.ndarray, thresholds, construction: str = "V", superlevel: bool = False) -> list[int]:
    """ECC of one grid: ``chi({cells with value <= t})`` (``>= t`` with superlevel, where the
    V-construction then takes the min of the vertices and the T-construction the max)."""
    if superlevel:
        cells = [(-v, d) for v, d in cubical_cells(-f, construction)]
        return [sum((-1) ** d for v, d in cells if v >= t) for t in thresholds]
    cells = cubical_cells(f, construction)
    return [sum((-1) ** d for v, d in cells if v <= t) for t in thresholds]


def height(point, direction) -> float:
    """<point, direction> in float64, summed in coordinate order (as docs/definitions.md section 2 states)."""
    h = 0.0
    for p, v in zip(point, direction):
        h += float(p) * float(v)
    return h


def ect(pos, simplices, directions, thresholds, batch=None) -> np.ndarray:
    """ECT [B, D, T]: ``simplices`` is a list of vertex tuples of any size (vertices included by the caller)."""
    pos, directions = np.asarray(pos, dtype=np.float64), np.asarray(directions, dtype=np.float64)
    thresholds = np.asarray(thresholds, dtype=np.float64)
    D = directions.shape[0]
    if thresholds.ndim == 1:
        thresholds = np.tile(thresholds, (D, 1))
    batch = np.zeros(len(pos), dtype=int) if batch is None else np.asarray(batch)
    B = int(batch.max()) + 1
    out = np.zeros((B, D, thresholds.shape[1]), dtype=np.int64)
    for d in range(D):
        heights = [height(p, directions[d]) for p in pos]
        for s in simplices:
            h, sign = max(heights[i] for i in s), (-1) ** (len(s) - 1)
            out[batch[s[0]], d] += sign * (h <= thresholds[d])
    return out

