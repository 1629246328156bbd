"""ECT benchmark: topoeuler against MunchLab's ``ect`` package and the dense ``[cells, D, T]``
formulation of the DECT paper.

Cases (thresholds: ``T`` evenly spaced on ``[-r, r]``, ``r`` the largest vertex norm of the whole
input, the same tensor for every method):

- random 3D graph: 100000 vertices with standard normal coordinates and 300000 edges between
  uniformly drawn distinct vertices (seed 0; each undirected edge stored once),
  ``topoeuler.sphere_directions(64)``, T = 64.
- fsaverage5 pial surface (left hemisphere, from nilearn): 10242 vertices, the 30720 unique
  edges of its triangles, 20480 triangles, ``topoeuler.sphere_directions(64)``, T = 64.
- MNIST point clouds: the 5000 digits of ``topoeuler.datasets.load_mnist``, each the centred
  pixel coordinates (in [-1, 1]) of its non-zero pixels, one batch (``batch`` as PyG builds it),
  32 directions evenly spaced on the circle, T = 32.

Methods:

- topoeuler: ``topoeuler.ect(pos, *simplices, directions=..., thresholds=..., batch=...)``.
- ect (MunchLab): the numba kernel of the ``ect`` package (``ect.ect._ect_all_dirs_uniform``,
  what ``ECT.calculate`` runs on evenly spaced thresholds; the binary-search kernel
  ``_ect_all_dirs_search`` where the uniform one rounds a threshold tie differently), called
  on the heights computed as topoeuler computes them (float64, summed in coordinate order: the
  same input) and the cells in the package's CSR layout, built before timing; the heights are
  timed with it, as ``ECT.calculate`` computes them. The package has no batches: one call per
  graph. Optional (``pip install ect``): skipped, with a note, when it is not installed.
- PyTorch reference: ``topoeuler.ops.reference.ect_reference`` (heights, searchsorted, histogram).
- dense: what DECT computes with the sigmoid replaced by the exact indicator: heights
  ``[cells, D]``, then ``(h[:, :, None] <= t)`` as float32 ``[cells, D, T]`` summed over the cells
  with the cells' signs. When those tensors need more than 8 GB it runs on chunks of cells; its
  memory is then reported as the size of the full tensors it needs. (Single complexes only.)

Every method's ECT is checked to equal topoeuler's before a ratio is shown. Each case also gives
topoeuler's time per (cell, direction), the figure that compares batches with single complexes.
"""
from __future__ import annotations

import importlib.machinery
import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

import topoeuler
from _common import Row, Settings, check_equal, comparison_table
from topoeuler.bench import format_bytes, measure
from topoeuler.ops.reference import ect_reference

DIRECTIONS = 64
THRESHOLDS = 64
DENSE_LIMIT = 8 * 10**9  # bytes of [cells, D, T] tensors beyond which the dense ECT runs in chunks
CHUNK_BYTES = 2**30  # size of the chunks it then runs on


def heights(pos: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
    """Vertex heights ``[N, D]`` in float64, ``sum_j pos[:, j] * v[:, j]`` summed in order j (as SPEC says)."""
    pos, directions = pos.to(torch.float64), directions.to(torch.float64)
    h = pos[:, :1] * directions[:, 0]
    for j in range(1, pos.shape[1]):
        h = h + pos[:, j : j + 1] * directions[:, j]
    return h


def dense_bytes(cells: int, directions: int, thresholds: int) -> int:
    """Bytes of the dense formulation's full tensors: a bool and a float32 ``[cells, D, T]``."""
    return cells * directions * thresholds * (1 + 4)


def dense_ect(pos: torch.Tensor, simplices: list[torch.Tensor], directions: torch.Tensor,
              thresholds: torch.Tensor, chunk: int | None = None) -> torch.Tensor:
    """Exact ECT ``[1, D, T]`` by materialising the ``[cells, D, T]`` indicator ``h(cell) <= t``.

    Args:
        pos: ``[N, d]``; simplices: ``[k, M]`` tensors (edges, faces); directions ``[D, d]``;
        thresholds: float64 ``[T]``; chunk: cells per step (``None``: all cells at once).
    """
    h = heights(pos, directions)
    total = torch.zeros(directions.shape[0], thresholds.shape[0], dtype=torch.float64)
    vertices = torch.arange(pos.shape[0])[None]
    for cells in [vertices, *simplices]:
        cell_heights = h[cells].amax(dim=0)  # [M, D]: a simplex enters with its highest vertex
        sign = (-1) ** (cells.shape[0] - 1)
        step = chunk or cell_heights.shape[0]
        for start in range(0, cell_heights.shape[0], step):
            indicator = (cell_heights[start : start + step, :, None] <= thresholds).to(torch.float32)
            total += sign * indicator.sum(dim=0)  # float32 sums of < 2**24 ones are exact
    return total.round().to(torch.int64)[None]


def random_graph_case() -> tuple[str, torch.Tensor, list[torch.Tensor]]:
    generator = torch.Generator().manual_seed(0)
    nodes, edges = 100_000, 300_000
    pos = torch.randn(nodes, 3, generator=generator)
    source = torch.randint(nodes, (edges,), generator=generator)
    target = (source + torch.randint(1, nodes, (edges,), generator=generator)) % nodes
    title = "random 3D graph, 100000 vertices + 300000 edges (seed 0), D = 64, T = 64"
    return title, pos, [torch.stack([source, target])]


def munchlab_kernels():
    """The numba kernels of MunchLab's ``ect`` package, or None when it is not installed. (This
    script's own name shadows the package's, hence the explicit lookup.)"""
    if importlib.util.find_spec("numba") is None:
        return None
    here = Path(__file__).resolve().parent
    path = [p for p in sys.path if Path(p or ".").resolve() != here]
    spec = importlib.machinery.PathFinder.find_spec("ect", path)
    if spec is None or spec.submodule_search_locations is None:
        return None
    saved = sys.modules.pop("ect", None)
    try:
        package = importlib.util.module_from_spec(spec)
        sys.modules["ect"] = package
        spec.loader.exec_module(package)
        from ect.ect import _ect_all_dirs_search, _ect_all_dirs_uniform
    finally:
        for name in [m for m in sys.modules if m == "ect" or m.startswith("ect.")]:
            del sys.modules[name]
        if saved is not None:
            sys.modules["ect"] = saved
    return {"uniform": _ect_all_dirs_uniform, "search": _ect_all_dirs_search}


def munchlab_graphs(pos: torch.Tensor, simplices: list[torch.Tensor], batch: torch.Tensor | None) -> list[tuple]:
    """Per graph: (coordinates float64 ``[n, d]``, CSR pointers, flat vertex indices, signs) of
    its non-vertex cells, in the ``ect`` package's layout (vertices are counted by its kernel)."""
    pos = pos.to(torch.float64)
    graph = torch.zeros(pos.shape[0], dtype=torch.int64) if batch is None else batch
    B = int(graph.max()) + 1
    counts = torch.bincount(graph, minlength=B)
    first = torch.cumsum(counts, 0) - counts
    order = torch.argsort(graph, stable=True)
    local = torch.empty_like(order)
    local[order] = torch.arange(order.shape[0]) - first[graph[order]]
    per_set = []
    for s in simplices:
        g = graph[s[0]]
        o = torch.argsort(g, stable=True)
        per_set.append((s[:, o], torch.bincount(g, minlength=B).tolist(), (-1) ** (s.shape[0] - 1)))
    out, offsets = [], [0] * len(per_set)
    for b in range(B):
        vertices = order[first[b] : first[b] + counts[b]]
        flat, sizes, signs = [], [], []
        for i, (s, n, sign) in enumerate(per_set):
            cells = local[s[:, offsets[i] : offsets[i] + n[b]]]
            offsets[i] += n[b]
            flat.append(cells.T.reshape(-1))
            sizes += [s.shape[0]] * n[b]
            signs += [sign] * n[b]
        pointers = np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)]).astype(np.int64)
        indices = torch.cat(flat).numpy().astype(np.int64) if flat else np.zeros(0, dtype=np.int64)
        out.append((pos[vertices].numpy(), pointers, indices, np.asarray(signs, dtype=np.int64)))
    return out


def munchlab_ect(kernel, graphs: list[tuple], directions: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """ECT ``[B, D, T]`` by the ``ect`` package's kernel, one call per graph, on heights summed in
    coordinate order (topoeuler's float64 heights)."""
    out = np.empty((len(graphs), directions.shape[0], thresholds.shape[0]), dtype=np.int64)
    for b, (x, pointers, indices, signs) in enumerate(graphs):
        h = x[:, :1] * directions[:, 0]
        for j in range(1, x.shape[1]):
            h = h + x[:, j : j + 1] * directions[:, j]
        out[b] = kernel(np.ascontiguousarray(h.T), pointers, indices, signs, thresholds, x.shape[0])
    return out


def unique_edges(face: torch.Tensor) -> torch.Tensor:
    """The distinct edges ``[2, E]`` (smaller index first) of triangles ``face [3, F]``, contiguous
    like PyG's ``edge_index`` (``torch.unique`` along dim 1 returns a strided view)."""
    sides = torch.cat([face[[0, 1]], face[[1, 2]], face[[2, 0]]], dim=1).sort(dim=0).values
    return torch.unique(sides, dim=1).contiguous()


def mesh_case() -> tuple[str, torch.Tensor, list[torch.Tensor]]:
    from topoeuler.datasets import load_fsaverage5

    pos, face = load_fsaverage5("left", "pial")
    edges = unique_edges(face)
    title = (f"fsaverage5 pial mesh (left), {pos.shape[0]} vertices + {edges.shape[1]} edges + "
             f"{face.shape[1]} triangles, D = 64, T = 64")
    return title, pos, [edges, face]


def mnist_point_clouds_case() -> tuple[str, torch.Tensor, list[torch.Tensor], torch.Tensor, torch.Tensor]:
    from topoeuler.datasets import load_mnist

    images, _ = load_mnist()
    graph, row, col = (images > 0).nonzero(as_tuple=True)
    pos = torch.stack([col.float() / 13.5 - 1, 1 - row.float() / 13.5], dim=1)
    angles = torch.arange(32, dtype=torch.float64) * (2 * math.pi / 32)
    directions = torch.stack([angles.cos(), angles.sin()], dim=1)
    title = (f"MNIST point clouds, {images.shape[0]} digits in one batch, {pos.shape[0]} points "
             f"(non-zero pixels), D = 32, T = 32")
    return title, pos, [], graph.contiguous(), directions


def bench_case(title: str, pos: torch.Tensor, simplices: list[torch.Tensor], settings: Settings,
               batch: torch.Tensor | None = None, directions: torch.Tensor | None = None) -> str:
    """Measures every method on one complex (or a batch) and returns the case's Markdown section."""
    directions = topoeuler.sphere_directions(DIRECTIONS) if directions is None else directions
    D = directions.shape[0]
    radius = float(pos.to(torch.float64).norm(dim=1).max())
    thresholds = torch.linspace(-radius, radius, D if batch is not None else THRESHOLDS, dtype=torch.float64)
    T = thresholds.shape[0]
    cells = pos.shape[0] + sum(s.shape[1] for s in simplices)
    num_graphs = 1 if batch is None else int(batch.max()) + 1
    kernels = munchlab_kernels()
    bar = tqdm(total=4, desc=title.split(",")[0], leave=False)
    ours = measure(lambda: topoeuler.ect(pos, *simplices, directions=directions, thresholds=thresholds, batch=batch),
                   repeat=settings.repeat)
    bar.update()
    rows = [Row("topoeuler", "", ours)]
    checked = []
    if kernels is not None:
        graphs = munchlab_graphs(pos, simplices, batch)
        v, t = directions.double().numpy(), thresholds.numpy()
        expected = ours.result.numpy()
        variant = "uniform"
        if not np.array_equal(munchlab_ect(kernels["uniform"], graphs, v, t), expected):
            variant = "search"  # the uniform kernel's ceil((h - t_0) / step) rounds a tie the other way
        peer = measure(lambda: munchlab_ect(kernels[variant], graphs, v, t), repeat=settings.repeat)
        check_equal("ect (MunchLab)", expected, peer.result)
        rows.append(Row(f"ect (MunchLab), numba {variant} kernel" + (", per graph" if num_graphs > 1 else ""), "",
                        peer))
        checked.append("MunchLab's")
    bar.update()
    reference = measure(
        lambda: ect_reference(pos, *simplices, directions=directions.double(),
                              thresholds=thresholds.expand(D, -1).contiguous(), batch=batch, num_graphs=num_graphs),
        repeat=settings.repeat,
    )
    check_equal("reference", ours.result, reference.result)
    rows.append(Row("PyTorch reference", "", reference))
    checked.append("the reference's")
    bar.update()
    chunk = needed = None
    if batch is None:
        needed = dense_bytes(cells, D, T)
        chunk = None if needed <= DENSE_LIMIT else max(1, CHUNK_BYTES // dense_bytes(1, D, T))
        dense = measure(lambda: dense_ect(pos, simplices, directions, thresholds, chunk),
                        repeat=settings.repeat_slow, warmup=0)
        check_equal("dense", ours.result, dense.result)
        rows.append(Row("dense [cells, D, T]", "", dense,
                        measured_on="all" if chunk is None else f"chunks of {chunk} cells",
                        memory=None if chunk is None else needed))
        checked.append("the dense")
    bar.update()
    bar.close()
    per_cell = ours.median_s / (cells * D) * 1e9
    lines = [
        f"### {title}",
        "",
        comparison_table(rows, "topoeuler"),
        "",
        f"Checked: {', '.join(checked)} ECT equal topoeuler's ({cells} cells"
        + (f" in {num_graphs} graphs" if num_graphs > 1 else "") + f"). topoeuler: {per_cell:.2f} ns per "
        f"(cell, direction) (median / (cells x D)).",
    ]
    if kernels is None:
        lines.append("MunchLab's `ect` package is not installed (`pip install ect`): its row is missing.")
    if chunk is not None:
        lines.append(
            f"The dense formulation needs {needed / 1e9:.2f} GB ({format_bytes(needed)}) for its full "
            f"`[cells, D, T]` tensors (bool + float32), more than {DENSE_LIMIT / 1e9:.0f} GB: it ran on chunks of {chunk} cells "
            f"(measured peak {format_bytes(dense.peak_bytes)}); its memory column is the full size it needs."
        )
    return "\n".join(lines)


def run(settings: Settings) -> str:
    """All ECT cases as one Markdown section."""
    sections = ["## Euler characteristic transforms (ECT)"]
    for title, pos, simplices, *batch_and_directions in tqdm(
            [random_graph_case(), mesh_case(), mnist_point_clouds_case()], desc="ECT cases"):
        sections.append(bench_case(title, pos, simplices, settings, *batch_and_directions))
    return "\n\n".join(sections)
