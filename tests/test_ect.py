"""Exact ECT of point clouds, graphs and meshes: brute force, closed surfaces, bad input."""
import pytest
import torch

import brute_force
import topoeuler
from meshes import edges_of, octahedron, random_complex, torus
from topoeuler.ops import reference


def brute(pos, simplices, directions, thresholds, batch=None):
    cells = [(i,) for i in range(pos.shape[0])]
    for s in simplices:
        cells += [tuple(c) for c in s.T.tolist()]
    return torch.from_numpy(brute_force.ect(pos, cells, directions, thresholds, batch))


AXES = torch.tensor([[1.0, 0, 0], [0, 1, 0], [0, 0, -1], [0.6, 0.8, 0]], dtype=torch.float64)


@pytest.mark.parametrize("kinds", ["points", "graph", "mesh"])
def test_matches_brute_force_on_batches_of_unequal_sizes(kinds, rng):
    pos, edge_index, face, batch = random_complex(rng, [5, 9, 1, 7])
    simplices = {"points": (), "graph": (edge_index,), "mesh": (edge_index, face)}[kinds]
    t = torch.arange(-5.0, 6.0)  # integer heights: many ties at thresholds
    got = topoeuler.ect(pos, *simplices, directions=AXES, thresholds=t, batch=batch)
    assert got.dtype == torch.int64 and got.shape == (4, 4, len(t))
    assert torch.equal(got, brute(pos, simplices, AXES, t, batch))


def test_per_direction_thresholds_and_random_directions(rng):
    pos, edge_index, face, batch = random_complex(rng, [6, 4], integer=False)
    v = topoeuler.random_directions(5, 3, seed=0, dtype=torch.float64)
    t = torch.sort(torch.randn(5, 9, generator=rng, dtype=torch.float64), dim=1).values
    got = topoeuler.ect(pos, edge_index, face, directions=v, thresholds=t, batch=batch)
    assert torch.equal(got, brute(pos, (edge_index, face), v, t, batch))


def test_int_thresholds_span_radius(rng):
    pos, edge_index, _, _ = random_complex(rng, [8])
    with pytest.raises(ValueError, match="needs radius="):
        topoeuler.ect(pos, edge_index, directions=AXES, thresholds=7)
    t2 = torch.linspace(-2.0, 2.0, 5, dtype=torch.float64)
    assert torch.equal(topoeuler.ect(pos, edge_index, directions=AXES, thresholds=5, radius=2.0),
                       brute(pos, (edge_index,), AXES, t2))


@pytest.mark.parametrize("surface,chi", [(octahedron, 2), (torus, 0)])
def test_closed_surface_at_top_threshold_is_its_euler_characteristic(surface, chi):
    pos, face = surface()
    curve = topoeuler.ect(pos.float(), edges_of(face), face, directions=topoeuler.sphere_directions(32), thresholds=16,
                          radius=3.0)
    assert (curve[0, :, -1] == chi).all()


def test_batch_of_sphere_and_torus():
    (p1, f1), (p2, f2) = octahedron(), torus()
    pos = torch.cat([p1, p2])
    face = torch.cat([f1, f2 + len(p1)], dim=1)
    batch = torch.cat([torch.zeros(len(p1)), torch.ones(len(p2))]).long()
    curve = topoeuler.ect(pos, edges_of(face), face, directions=topoeuler.sphere_directions(8), thresholds=4,
                          batch=batch, radius=3.0)
    assert curve[:, :, -1].tolist() == [[2] * 8, [0] * 8]


def reference_ect(pos, simplices, directions, thresholds, batch=None):
    """The PyTorch reference on thresholds ``[T]`` shared by every direction, or ``[D, T]``."""
    rows = thresholds.expand(directions.shape[0], -1).contiguous()
    num_graphs = 1 if batch is None else int(batch.max()) + 1
    return reference.ect_reference(pos, *simplices, directions=directions, thresholds=rows, batch=batch,
                                   num_graphs=num_graphs)


def test_reference_matches_compiled(rng):
    pos, edge_index, face, batch = random_complex(rng, [30, 12, 50], integer=False)
    v = topoeuler.sphere_directions(16, dtype=torch.float64)
    t = torch.linspace(-4, 4, 33, dtype=torch.float64)
    got = topoeuler.ect(pos, edge_index, face, directions=v, thresholds=t, batch=batch)
    assert torch.equal(got, reference_ect(pos, (edge_index, face), v, t, batch))


@pytest.mark.parametrize("T", [255, 256, 65535, 65536])
def test_many_thresholds(T, rng):
    """Bins held in 8, 16 and 32 bits (the kernel's keys go up to T, which means above every threshold)."""
    pos, edge_index, face, batch = random_complex(rng, [40, 25], integer=False)
    v = topoeuler.sphere_directions(3, dtype=torch.float64)
    t = torch.linspace(-2, 2, T, dtype=torch.float64)  # heights beyond +-2 fall in bins 0 and T
    got = topoeuler.ect(pos, edge_index, face, directions=v, thresholds=t, batch=batch)
    assert torch.equal(got, reference_ect(pos, (edge_index, face), v, t, batch))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("step", [1.0, 1 / 32, 1 / 8192])  # byte, uint16 and uint32 keys (11, 321, 81921 thresholds)
def test_every_cpu_isa(dtype, step, cpu_isa, rng):
    """A vertex's heights binned 16 or 8 lanes per step (or one by one), with ties at evenly spaced
    thresholds, into keys of every width."""
    pos, edge_index, face, batch = random_complex(rng, [70, 45])
    v = torch.tensor([[1.0, 0, 0], [0, 0.5, 0], [1, 1, 1], [0.6, 0.8, 0]], dtype=torch.float64)
    halves = torch.randint(-2, 3, (33, 3), generator=rng).to(torch.float64) / 2  # every lane of two blocks
    v = torch.cat([v, halves[halves.abs().sum(dim=1) > 0]])
    t = torch.arange(-5.0, 5.0 + step / 2, step, dtype=torch.float64)
    t = t + (torch.arange(v.shape[0], dtype=torch.float64) % 5)[:, None] * 0.25  # a row per direction
    got = topoeuler.ect(pos.to(dtype), edge_index, face, directions=v, thresholds=t, batch=batch)
    assert torch.equal(got, reference_ect(pos, (edge_index, face), v, t, batch))


@pytest.mark.parametrize("num_threads,D", [(1, 37), (2, 64), (2, 37), (3, 40), (4, 1)])
def test_blocks_of_directions_across_threads(num_threads, D, rng):
    """The kernel gives each thread whole blocks of 32 directions or, with fewer blocks than threads,
    splits every block's vertices and simplices across threads: the same ECT for a batch of many graphs."""
    sizes = torch.randint(1, 400, (60,), generator=rng).tolist()
    pos, edge_index, face, batch = random_complex(rng, sizes, integer=False)
    v = topoeuler.random_directions(D, 3, seed=D, dtype=torch.float64)
    t = torch.linspace(-2.5, 2.5, 20, dtype=torch.float64)
    threads = torch.get_num_threads()
    torch.set_num_threads(num_threads)
    try:
        got = topoeuler.ect(pos.float(), edge_index, face, directions=v, thresholds=t, batch=batch)
    finally:
        torch.set_num_threads(threads)
    assert torch.equal(got, reference_ect(pos.float(), (edge_index, face), v, t, batch))


def test_duplicates_counted_as_given_and_empty_sets():
    pos = torch.tensor([[0.0, 0.0], [1.0, 0.0]])
    e = torch.tensor([[0, 0], [1, 1]])
    v = torch.tensor([[1.0, 0.0]])
    t = torch.tensor([0.0, 1.0])
    assert topoeuler.ect(pos, e, directions=v, thresholds=t).tolist() == [[[1, 0]]]  # 2 vertices - 2 copies of an edge
    assert topoeuler.ect(pos, torch.zeros(2, 0, dtype=torch.long), directions=v, thresholds=t).tolist() == [[[1, 2]]]


@pytest.mark.parametrize("dtype", [torch.float16, torch.float32, torch.int32])
def test_dtypes(dtype, rng):
    pos = torch.randint(-3, 4, (10, 2), generator=rng)
    e = torch.randint(0, 10, (2, 15), generator=rng)
    v = topoeuler.circle_directions(6)
    t = torch.linspace(-4, 4, 9)
    expected = topoeuler.ect(pos.double(), e, directions=v, thresholds=t)
    assert torch.equal(topoeuler.ect(pos.to(dtype), e.int(), directions=v, thresholds=t), expected)


class TestBadInput:
    pos = torch.rand(4, 3)
    v = torch.eye(3)

    @pytest.mark.parametrize("pos,match", [
        (torch.tensor([[0.0, float("nan"), 0.0]]), "pos contains NaN"),
        (torch.tensor([[0.0, float("inf"), 0.0]]), "pos contains"),
        (torch.zeros(4), r"pos must be \[N, d\]"),
    ])
    def test_pos(self, pos, match):
        with pytest.raises(ValueError, match=match):
            topoeuler.ect(pos, directions=self.v)

    def test_indices(self):
        with pytest.raises(IndexError, match=r"simplices\[0\] has indices in \[0, 4\], outside \[0, 4\)"):
            topoeuler.ect(self.pos, torch.tensor([[0, 1], [2, 4]]), directions=self.v)
        with pytest.raises(IndexError, match=r"simplices\[1\]"):
            topoeuler.ect(self.pos, torch.tensor([[0], [1]]), torch.tensor([[0], [1], [-1]]), directions=self.v)
        with pytest.raises(TypeError, match="integer indices"):
            topoeuler.ect(self.pos, torch.tensor([[0.0], [1.0]]), directions=self.v)
        with pytest.raises(ValueError, match="k >= 2"):
            topoeuler.ect(self.pos, torch.tensor([[0, 1]]), directions=self.v)

    @pytest.mark.parametrize("v,match", [
        (torch.tensor([[1.0, 0, 0], [0, 0, 0]]), "rows of zero length: \\[1\\]"),
        (torch.zeros(2, 2), r"directions must be \[D, 3\]"),
        (torch.zeros(0, 3), "directions is empty"),
        (torch.tensor([[float("nan"), 0, 0]]), "directions contains NaN"),
    ])
    def test_directions(self, v, match):
        with pytest.raises(ValueError, match=match):
            topoeuler.ect(self.pos, directions=v)

    def test_batch(self):
        with pytest.raises(ValueError, match=r"batch must be \[N\]"):
            topoeuler.ect(self.pos, directions=self.v, batch=torch.zeros(3, dtype=torch.long))
        with pytest.raises(IndexError, match="batch has indices"):
            topoeuler.ect(self.pos, directions=self.v, batch=torch.tensor([0, 0, -1, 1]))
        with pytest.raises(ValueError, match="different graphs"):
            topoeuler.ect(self.pos, torch.tensor([[0], [3]]), directions=self.v, batch=torch.tensor([0, 0, 1, 1]))

    def test_thresholds_and_radius(self):
        with pytest.raises(ValueError, match=r"\[T\] or \[2, T\]"):
            topoeuler.ect(self.pos, directions=self.v[:2], thresholds=torch.zeros(3, 4))
        with pytest.raises(ValueError, match="sorted"):
            topoeuler.ect(self.pos, directions=self.v, thresholds=torch.tensor([[0.0, 1], [1, 0], [0, 1]]))
        with pytest.raises(ValueError, match="radius must be a positive"):
            topoeuler.ect(self.pos, directions=self.v, radius=0.0)

    def test_devices(self):
        with pytest.raises(ValueError, match="directions is on meta"):
            topoeuler.ect(self.pos, directions=torch.eye(3, device="meta"))
        with pytest.raises(ValueError, match=r"simplices\[0\] is on meta"):
            topoeuler.ect(self.pos, torch.zeros(2, 1, dtype=torch.long, device="meta"), directions=self.v)
        with pytest.raises(ValueError, match="batch is on meta"):
            topoeuler.ect(self.pos, directions=self.v, batch=torch.zeros(4, dtype=torch.long, device="meta"))
