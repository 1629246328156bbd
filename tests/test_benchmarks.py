"""The benchmark scripts' peers and helpers compute what the reports claim."""
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

import topoeuler
from topoeuler.bench import Measurement

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import _common  # noqa: E402
import ecc as ecc_bench  # noqa: E402
import ect_bench  # noqa: E402


def test_betti_curve_counts_half_open_intervals():
    intervals = np.array([[0.0, np.inf], [1.0, 2.0], [1.5, 1.5]])
    curve = ecc_bench.betti_curve(intervals, np.array([-1.0, 0.0, 1.0, 1.5, 2.0, 5.0]))
    assert curve.tolist() == [0, 1, 2, 2, 1, 1]
    assert ecc_bench.betti_curve(np.empty((0, 2)), np.array([0.0])).tolist() == [0]


@pytest.mark.parametrize("construction", ["V", "T"])
@pytest.mark.parametrize("shape", [(3, 9, 11), (2, 5, 6, 4)])
def test_gudhi_peer_matches_topoeuler(construction, shape):
    pytest.importorskip("gudhi", reason="gudhi is not installed")
    ndim = len(shape) - 1
    x = torch.randint(0, 6, shape).float()  # many ties
    thresholds = torch.linspace(-1, 6, 15, dtype=torch.float64)
    expected = topoeuler.ecc(x, thresholds, ndim=ndim, construction=construction).numpy()
    assert np.array_equal(ecc_bench.gudhi_ecc(x.numpy(), thresholds.numpy(), construction), expected)


def test_giotto_peer_matches_topoeuler_t_construction():
    pytest.importorskip("gtda", reason="giotto-tda is not installed")
    x = torch.rand(3, 12, 10)
    thresholds = torch.linspace(0, 1, 20, dtype=torch.float64)
    diagrams = ecc_bench.giotto_diagrams(x.numpy(), n_jobs=1)
    expected = topoeuler.ecc(x, thresholds, construction="T").numpy()
    assert np.array_equal(ecc_bench.diagrams_ecc(diagrams, thresholds.numpy()), expected)


@pytest.mark.parametrize("chunk", [None, 3])
def test_dense_ect_matches_topoeuler_on_an_octahedron(chunk):
    pos = torch.tensor([[1.0, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]])
    face = torch.tensor([[a, b, c] for a in (0, 1) for b in (2, 3) for c in (4, 5)]).T
    edges = ect_bench.unique_edges(face)
    assert edges.shape == (2, 12)
    directions = topoeuler.sphere_directions(7)
    thresholds = torch.linspace(-1.5, 1.5, 9, dtype=torch.float64)
    dense = ect_bench.dense_ect(pos, [edges, face], directions, thresholds, chunk)
    assert torch.equal(dense, topoeuler.ect(pos, edges, face, directions=directions, thresholds=thresholds))
    assert torch.equal(dense[0, :, -1], torch.full((7,), 2))  # a sphere, once every cell is in


def test_central_subset():
    batch = torch.zeros(10, 4, 4)
    subset, scale, text = _common.central_subset(batch, 2, 0.25)
    assert subset.shape == (3, 4, 4) and scale == pytest.approx(10 / 3) and text == "first 3 of 10"
    grid = torch.arange(64.0).reshape(1, 8, 8)
    crop, scale, text = _common.central_subset(grid, 2, 0.25)
    assert crop.shape == (1, 4, 4) and scale == 4 and torch.equal(crop[0, 0], grid[0, 2, 2:6])
    assert _common.central_subset(grid, 2, 1.0)[1] == 1.0


def test_measure_peer_takes_a_subset_only_when_needed():
    settings = _common.Settings(repeat=1, repeat_slow=2, budget_s=0.05, full=False)
    x = torch.zeros(64, 2, 2)

    def take(fraction):
        return _common.central_subset(x, 2, fraction)

    row, (subset, result) = _common.measure_peer("fast", "V", lambda part: len(part), take, settings)
    assert row.scale == 1 and subset.shape[0] == 64 and result == 64 and len(row.measurement.times) == 2
    slow, (subset, _) = _common.measure_peer("slow", "V", lambda part: time.sleep(0.004 * len(part)), take, settings)
    assert slow.scale > 1 and subset.shape[0] < 64
    assert slow.median_s == pytest.approx(0.004 * 64, rel=0.5)  # extrapolated to the whole batch


def test_comparison_table_ratios():
    def row(method, seconds, peak, **kwargs):
        return _common.Row(method, "V", Measurement([seconds], peak), **kwargs)

    table = _common.comparison_table(
        [row("topoeuler", 0.5, 100), row("peer", 2.0, 1000), row("slow", 1.0, 10, scale=4.0, measured_on="1/4")],
        "topoeuler", work=1e6,
    )
    lines = table.splitlines()
    assert lines[2].startswith("| topoeuler | V | all | 500 ms |") and lines[2].endswith("| - | - |")
    assert lines[3].endswith("| 4x | 10x |")
    assert "~4.00 s" in lines[4] and lines[4].endswith("| 8x | 0.4x |")
    assert "| 2 |" in lines[2]  # 1e6 pixels in 0.5 s: 2 Mpixel/s
