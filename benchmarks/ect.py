"""ECT benchmark: topoeuler against the dense ``[cells, D, T]`` formulation of the DECT paper.

Cases (directions: ``topoeuler.sphere_directions(64)``; thresholds: ``T = 64`` evenly spaced on
``[-r, r]``, ``r`` the largest vertex norm, the same tensor for every method):

- random 3D graph: 100000 vertices with standard normal coordinates and 300000 edges between
  uniformly drawn distinct vertices (seed 0; each undirected edge stored once), D = 64, T = 64.
- fsaverage5 pial surface (left hemisphere, from nilearn): 10242 vertices, the 30720 unique
  edges of its triangles, 20480 triangles, D = 64, T = 64.

Methods:

- topoeuler: ``topoeuler.ect(pos, edge_index, face, directions=..., thresholds=...)``.
- PyTorch reference: ``topoeuler.ops.reference.ect_reference`` (heights, searchsorted, histogram).
- dense: what DECT computes with the sigmoid replaced by the exact indicator: heights
  ``[cells, D]``, then ``(h[:, :, None] <= t)`` as float32 ``[cells, D, T]`` summed over the cells
  with the cells' signs. When those tensors need more than 8 GB it runs on chunks of cells; its
  memory is then reported as the size of the full tensors it needs.

Every method's ECT is checked to equal topoeuler's.
"""
from __future__ import annotations

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


def unique_edges(face: torch.Tensor) -> torch.Tensor:
    """The distinct edges ``[2, E]`` (smaller index first) of triangles ``face [3, F]``."""
    sides = torch.cat([face[[0, 1]], face[[1, 2]], face[[2, 0]]], dim=1).sort(dim=0).values
    return torch.unique(sides, dim=1)


def mesh_case() -> tuple[str, torch.Tensor, list[torch.Tensor]]:
    from topoeuler.datasets import load_fsaverage5

    pos, face = load_fsaverage5("left", "pial")
    edges = unique_edges(face)
    title = (f"fsaverage5 pial mesh (left), {pos.shape[0]} vertices + {edges.shape[1]} edges + "
             f"{face.shape[1]} triangles, D = 64, T = 64")
    return title, pos, [edges, face]


def bench_case(title: str, pos: torch.Tensor, simplices: list[torch.Tensor], settings: Settings) -> str:
    """Measures every method on one complex and returns the case's Markdown section."""
    directions = topoeuler.sphere_directions(DIRECTIONS)
    radius = float(pos.to(torch.float64).norm(dim=1).max())
    thresholds = torch.linspace(-radius, radius, THRESHOLDS, dtype=torch.float64)
    cells = pos.shape[0] + sum(s.shape[1] for s in simplices)
    bar = tqdm(total=3, desc=title.split(",")[0], leave=False)
    ours = measure(lambda: topoeuler.ect(pos, *simplices, directions=directions, thresholds=thresholds),
                   repeat=settings.repeat)
    bar.update()
    rows = [Row("topoeuler", "", ours)]
    reference = measure(
        lambda: ect_reference(pos, *simplices, directions=directions.double(),
                              thresholds=thresholds.expand(DIRECTIONS, -1).contiguous()),
        repeat=settings.repeat,
    )
    check_equal("reference", ours.result, reference.result)
    rows.append(Row("PyTorch reference", "", reference))
    bar.update()
    needed = dense_bytes(cells, DIRECTIONS, THRESHOLDS)
    chunk = None if needed <= DENSE_LIMIT else max(1, CHUNK_BYTES // dense_bytes(1, DIRECTIONS, THRESHOLDS))
    dense = measure(lambda: dense_ect(pos, simplices, directions, thresholds, chunk),
                    repeat=settings.repeat_slow, warmup=0)
    check_equal("dense", ours.result, dense.result)
    rows.append(Row("dense [cells, D, T]", "", dense, measured_on="all" if chunk is None else f"chunks of {chunk} cells",
                    memory=None if chunk is None else needed))
    bar.update()
    bar.close()
    lines = [
        f"### {title}",
        "",
        comparison_table(rows, "topoeuler"),
        "",
        f"Checked: the reference's and the dense ECT equal topoeuler's ({cells} cells).",
    ]
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
    for case in tqdm([random_graph_case(), mesh_case()], desc="ECT cases"):
        sections.append(bench_case(*case, settings))
    return "\n\n".join(sections)
