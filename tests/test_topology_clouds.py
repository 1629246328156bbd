"""Betti numbers of point clouds (Vietoris-Rips, k-NN clique complexes) against brute force."""
import math

import numpy as np
import pytest
import torch
from sklearn.neighbors import kneighbors_graph
from torch import nn

from topoeuler.topology import class_betti, cloud_betti, knn_edges, layer_betti


def cliques(adjacency: np.ndarray, max_size: int) -> list[list[tuple[int, ...]]]:
    """All cliques of 1..max_size vertices (sorted tuples), by size."""
    n = len(adjacency)
    levels = [[(v,) for v in range(n)]]
    while len(levels) < max_size:
        levels.append([c + (v,) for c in levels[-1] for v in range(c[-1] + 1, n) if all(adjacency[u, v] for u in c)])
    return levels


def brute_force_betti(adjacency: np.ndarray, max_dim: int) -> list[int]:
    """Rational Betti numbers of the clique complex: dim C_k - rank d_k - rank d_{k+1}."""
    levels = cliques(adjacency, max_dim + 2)
    ranks = [0]
    for k in range(1, max_dim + 2):
        index = {s: i for i, s in enumerate(levels[k - 1])}
        boundary = np.zeros((len(levels[k - 1]), len(levels[k])))
        for j, simplex in enumerate(levels[k]):
            for drop in range(len(simplex)):
                boundary[index[simplex[:drop] + simplex[drop + 1 :]], j] = (-1) ** drop
        ranks.append(int(np.linalg.matrix_rank(boundary)) if boundary.size else 0)
    return [len(levels[k]) - ranks[k] - ranks[k + 1] for k in range(max_dim + 1)]


def rips_adjacency(points: torch.Tensor, scale: float) -> np.ndarray:
    distance = torch.cdist(points.double(), points.double()).numpy()
    adjacency = distance <= scale
    np.fill_diagonal(adjacency, False)
    return adjacency


def circle(n: int, radius: float = 1.0, centre=(0.0, 0.0)) -> torch.Tensor:
    angle = torch.arange(n, dtype=torch.float64) * (2 * math.pi / n)
    return torch.stack([radius * angle.cos() + centre[0], radius * angle.sin() + centre[1]], 1)


def flat_torus(n: int) -> torch.Tensor:
    """An n x n grid of angles on the flat torus in R^4: (cos a, sin a, cos b, sin b)."""
    a, b = torch.meshgrid(*(torch.arange(n, dtype=torch.float64) * (2 * math.pi / n),) * 2, indexing="ij")
    return torch.stack([a.cos(), a.sin(), b.cos(), b.sin()], -1).reshape(-1, 4)


CASES = {
    # name: (points, scale, max_dim, known Betti numbers)
    "circle": (circle(20), 0.5, 1, [1, 1]),
    "circle, second neighbours": (circle(20), 0.7, 1, [1, 1]),
    "circle, filled at a large scale": (circle(12), 2.1, 1, [1, 0]),
    "two circles": (torch.cat([circle(16), circle(16, 1.0, (5.0, 0.0))]), 0.5, 1, [2, 2]),
    "points apart": (circle(10), 0.1, 1, [10, 0]),
    # neighbours at 0.765, diagonals at 1.082, two steps at 1.414: each grid square becomes a tetrahedron
    "torus 8x8": (flat_torus(8), 1.2, 2, [1, 2, 1]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rips_equals_brute_force_and_known_topology(name):
    points, scale, max_dim, known = CASES[name]
    expected = brute_force_betti(rips_adjacency(points, scale), max_dim)
    assert expected == known
    assert cloud_betti(points, max_dim, method="rips", scale=scale) == known


def test_random_clouds_equal_brute_force(rng):
    for trial in range(4):
        points = torch.rand(18, 2, generator=rng, dtype=torch.float64)
        scale = 0.2 + 0.05 * trial
        assert cloud_betti(points, 1, scale=scale) == brute_force_betti(rips_adjacency(points, scale), 1)


@pytest.mark.parametrize("k", [2, 3, 5])
def test_knn_clique_complex_equals_brute_force(k, rng):
    points = torch.cat([circle(24), circle(24, 1.0, (3.0, 0.0))]) + 0.02 * torch.randn(48, 2, generator=rng, dtype=torch.float64)
    graph = kneighbors_graph(points.numpy(), k).toarray() > 0
    adjacency = graph | graph.T
    edges = knn_edges(points, k)
    assert {tuple(e) for e in edges.T.tolist()} == {(i, j) for i, j in zip(*np.nonzero(np.triu(adjacency)))}
    assert cloud_betti(points, 1, method="knn", k=k) == brute_force_betti(adjacency, 1)


@pytest.mark.parametrize("rows", [1024, 7])
def test_knn_edges_break_distance_ties_by_index_in_every_chunk(rows, monkeypatch):
    """Integer lattice points (many equal distances, duplicates too) against the definition: each
    point's k nearest by (distance, index), symmetrised."""
    from topoeuler.topology import clouds

    monkeypatch.setattr(clouds, "_KNN_ROWS", rows)
    lattice = torch.tensor([[i, j] for i in range(5) for j in range(4)] * 2, dtype=torch.float64)
    for k in (1, 3, 4, 8, len(lattice) - 1):
        expected = set()
        for i, p in enumerate(lattice.tolist()):
            order = sorted((sum((a - b) ** 2 for a, b in zip(p, q)), j) for j, q in enumerate(lattice.tolist()) if j != i)
            expected |= {(min(i, j), max(i, j)) for _, j in order[:k]}
        assert {tuple(e) for e in knn_edges(lattice, k).T.tolist()} == expected


def test_class_and_layer_betti():
    points = torch.cat([circle(20), circle(20, 1.0, (5.0, 0.0))]).float()
    labels = torch.tensor([0] * 20 + [1] * 20)
    assert class_betti(points, labels, 1, scale=0.5) == {0: [1, 1], 1: [1, 1]}
    double = nn.Sequential(nn.Linear(2, 2, bias=False), nn.ReLU())
    with torch.no_grad():
        double[0].weight.copy_(2 * torch.eye(2))
    result = layer_betti(double, points, labels, ["input", "0", "1"], 1, scale=0.5)
    assert result["input"] == {0: [1, 1], 1: [1, 1]}
    assert result["0"] == {0: [20, 0], 1: [20, 0]}  # neighbours 0.626 apart after scaling by 2
    relu = brute_force_betti(rips_adjacency((2 * points).clamp(min=0)[:20], 0.5), 1)
    assert result["1"][0] == relu


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="scale"):
        cloud_betti(circle(5), 1)
    with pytest.raises(ValueError, match="k must"):
        cloud_betti(circle(5), 1, method="knn", k=5)
    with pytest.raises(ValueError, match="method"):
        cloud_betti(circle(5), 1, method="cech", scale=1.0)
    with pytest.raises(ValueError, match="points"):
        cloud_betti(torch.full((3, 2), float("nan")), 1, scale=1.0)
    with pytest.raises(ValueError, match="layers"):
        layer_betti(nn.Sequential(nn.ReLU()), circle(5), torch.zeros(5), ["nope"], scale=1.0)
