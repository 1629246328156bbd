"""Complexes for tests: random batches of graphs with triangles, and small triangulated closed
surfaces as (pos [N, 3] float64, face [3, F] int64)."""
import math

import torch


def edges_of(face: torch.Tensor) -> torch.Tensor:
    """Unique undirected edges [2, E] of triangles [3, F]."""
    pairs = torch.cat([face[[0, 1]], face[[1, 2]], face[[0, 2]]], dim=1)
    return torch.unique(pairs.sort(dim=0).values, dim=1)


def octahedron():
    pos = torch.tensor([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]], dtype=torch.float64)
    face = torch.tensor([[a, b, c] for a in (0, 1) for b in (2, 3) for c in (4, 5)]).T
    return pos, face


def torus(n: int = 8, m: int = 5, big: float = 2.0, small: float = 0.7):
    """An n x m grid on the torus, each square cut into two triangles (a valid triangulation for n, m >= 3)."""
    u = torch.arange(n, dtype=torch.float64) * (2 * math.pi / n)
    v = torch.arange(m, dtype=torch.float64) * (2 * math.pi / m)
    uu, vv = torch.meshgrid(u, v, indexing="ij")
    pos = torch.stack([(big + small * vv.cos()) * uu.cos(), (big + small * vv.cos()) * uu.sin(), small * vv.sin()], -1)
    idx = lambda i, j: (i % n) * m + (j % m)  # noqa: E731
    faces = []
    for i in range(n):
        for j in range(m):
            faces += [[idx(i, j), idx(i + 1, j), idx(i + 1, j + 1)], [idx(i, j), idx(i + 1, j + 1), idx(i, j + 1)]]
    return pos.reshape(-1, 3), torch.tensor(faces).T


def random_complex(rng, sizes, dim=3, integer=True):
    """A batch of random graphs + triangles of the given vertex counts (integer coordinates give ties)."""
    pos, edges, faces, batch, offset = [], [], [], [], 0
    for g, n in enumerate(sizes):
        p = torch.randint(-3, 4, (n, dim), generator=rng).double() if integer else torch.randn(n, dim, generator=rng, dtype=torch.float64)
        pos.append(p)
        batch.append(torch.full((n,), g))
        edges.append(torch.randint(0, n, (2, 2 * n), generator=rng) + offset)
        faces.append(torch.randint(0, n, (3, n), generator=rng) + offset)
        offset += n
    return torch.cat(pos), torch.cat(edges, 1), torch.cat(faces, 1), torch.cat(batch)
