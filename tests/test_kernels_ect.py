"""The exact ECT kernel's work splits (runs of whole graphs, or one block shared by the threads;
grouped or ungrouped batches; byte, uint16 and uint32 keys; int8, int16 and int32 vertex charges;
simplices of 2 to 5 vertices; partial blocks of directions; empty graphs anywhere) against the
plain-PyTorch reference (heights, searchsorted, histogram), called
through ``topoeuler._C`` so that ``num_graphs`` (trailing empty graphs) is the caller's."""
import pytest
import torch

from topoeuler._backend import compiled
from topoeuler.ops.reference import ect_reference
from topoeuler.ops.thresholds import threshold_rows

kernels = compiled()
pytestmark = pytest.mark.skipif(kernels is None, reason="needs the compiled extension")


def batched_complex(sizes, dim, generator, *, edges_per_vertex=2, faces_per_vertex=1):
    """Graphs of the given vertex counts, in order: pos [N, dim], batch [N], edges [2, E], faces [3, F]."""
    pos = torch.randn(sum(sizes), dim, generator=generator, dtype=torch.float64)
    batch = torch.repeat_interleave(torch.arange(len(sizes)), torch.tensor(sizes))
    edges, faces, start = [], [], 0
    for n in sizes:
        if n:
            edges.append(start + torch.randint(0, n, (2, edges_per_vertex * n), generator=generator))
            faces.append(start + torch.randint(0, n, (3, faces_per_vertex * n), generator=generator))
        start += n
    return pos, batch, torch.cat(edges, 1), torch.cat(faces, 1)


def check(pos, batch, sets, directions, t, num_graphs):
    values, origin, inv = threshold_rows(t, directions.shape[0])
    want = ect_reference(pos, *sets, directions=directions, thresholds=values, batch=batch, num_graphs=num_graphs)
    for p in (pos, pos.float()):
        got = kernels.ect_curves(p.contiguous(), batch, num_graphs, list(sets), directions, values, origin, inv)
        if p.dtype == torch.float32:
            want_p = ect_reference(p, *sets, directions=directions, thresholds=values, batch=batch,
                                   num_graphs=num_graphs)
        else:
            want_p = want
        assert torch.equal(got, want_p)


@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("sizes", [
    [40] * 300,                             # many small graphs: runs of whole graphs
    [0, 5, 0, 0, 3000, 1, 0] + [7] * 30,    # empty graphs among them, one large graph
    [20000, 15000],                         # few large graphs: one block shared by the threads
])
@pytest.mark.parametrize("count", [33, 300])  # uint8 and uint16 keys
def test_splits_equal_reference(threads, sizes, count, rng):
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        pos, batch, edges, faces = batched_complex(sizes, 3, rng)
        directions = torch.nn.functional.normalize(torch.randn(37, 3, generator=rng, dtype=torch.float64), dim=1)
        t = torch.linspace(-3, 3, count, dtype=torch.float64)
        if count == 33:  # per-direction, uneven rows too
            t = torch.sort(6 * torch.rand(37, count, generator=rng, dtype=torch.float64) - 3).values
        check(pos, batch, [edges, faces], directions, t, len(sizes) + 2)  # + 2 trailing empty graphs
    finally:
        torch.set_num_threads(previous)


@pytest.mark.parametrize("sizes", [[40] * 20, [3000]])
def test_uint32_keys_equal_reference(sizes, rng):
    pos, batch, edges, faces = batched_complex(sizes, 2, rng)
    directions = torch.nn.functional.normalize(torch.randn(3, 2, generator=rng, dtype=torch.float64), dim=1)
    check(pos, batch, [edges, faces], directions, torch.linspace(-3, 3, 70000, dtype=torch.float64), len(sizes))


@pytest.mark.parametrize("D", [5, 64, 100])
def test_ungrouped_batches_equal_reference(D, rng):
    pos, batch, edges, faces = batched_complex([30] * 50 + [500], 2, rng)
    # Vertices shuffled (batch no longer sorted) and simplices shuffled (not grouped by graph).
    perm = torch.randperm(pos.shape[0], generator=rng)
    inverse = torch.empty_like(perm)
    inverse[perm] = torch.arange(perm.shape[0])
    pos, batch = pos[perm], batch[perm]
    edges, faces = inverse[edges], inverse[faces]
    edges = edges[:, torch.randperm(edges.shape[1], generator=rng)].contiguous()
    faces = faces[:, torch.randperm(faces.shape[1], generator=rng)].contiguous()
    directions = torch.nn.functional.normalize(torch.randn(D, 2, generator=rng, dtype=torch.float64), dim=1)
    check(pos, batch, [edges, faces], directions, torch.linspace(-2.5, 2.5, 24, dtype=torch.float64), 51)


def test_no_batch_and_point_clouds_equal_reference(rng):
    pos, _, edges, _ = batched_complex([5000], 3, rng)
    directions = torch.nn.functional.normalize(torch.randn(96, 3, generator=rng, dtype=torch.float64), dim=1)
    t = torch.linspace(-3, 3, 16, dtype=torch.float64)
    check(pos, None, [edges], directions, t, 1)
    check(pos, None, [], directions, t, 3)  # graphs 1 and 2 are empty


def with_threads(threads, f):
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        f()
    finally:
        torch.set_num_threads(previous)


# 1 thread: runs of whole graphs; 3 threads and 2 blocks of directions: the threads share a block,
# each charging the vertices of its own range.
@pytest.mark.parametrize("threads", [1, 3])
@pytest.mark.parametrize("hub", [100, 200, 40000])  # the most simplices at a vertex: int8, int16, int32 charges
def test_charge_widths_equal_reference(threads, hub, rng):
    n = 41000
    pos, _, edges, faces = batched_complex([n], 3, rng)
    spokes = torch.stack([torch.zeros(hub, dtype=torch.long), torch.randint(1, n, (hub,), generator=rng)])
    spokes = spokes[:, torch.randperm(hub, generator=rng)]
    spokes[:, ::2] = spokes[:, ::2].flip(0)  # the hub is the first vertex of half of them
    edges = torch.cat([edges, spokes], 1)
    directions = torch.nn.functional.normalize(torch.randn(40, 3, generator=rng, dtype=torch.float64), dim=1)
    t = torch.linspace(-3, 3, 20, dtype=torch.float64)
    with_threads(threads, lambda: check(pos, None, [edges.contiguous(), faces], directions, t, 1))


@pytest.mark.parametrize("threads", [1, 3])
def test_simplices_of_four_and_five_vertices_equal_reference(threads, rng):
    """Tetrahedra take the unrolled path, 4-simplices the one for any k; vertices may repeat."""
    sizes = [3000, 9000]
    pos, batch, edges, faces = batched_complex(sizes, 4, rng)
    higher = []
    for k in (4, 5):
        parts, start = [], 0
        for n in sizes:
            parts.append(start + torch.randint(0, n, (k, n), generator=rng))
            start += n
        higher.append(torch.cat(parts, 1))
    directions = torch.nn.functional.normalize(torch.randn(64, 4, generator=rng, dtype=torch.float64), dim=1)
    t = torch.linspace(-3, 3, 25, dtype=torch.float64)
    with_threads(threads, lambda: check(pos, batch, [edges, faces, *higher], directions, t, 2))
