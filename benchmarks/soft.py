"""Soft ECT forward + backward: topoeuler's fused windowed kernels vs the dense DECT formulation.

The dense formulation (DECT; ``topoeuler.ops.soft_ect.soft_ect_dense`` in plain PyTorch,
float32 here) materialises ``sigmoid(s (t - h))`` for every [cell, direction, threshold] and
lets autograd keep it for the backward. Cases (D = 64, T = 64, scale 50, gradients to ``pos``
and ``directions``, float32):

* a random 3D graph, 100k nodes and 300k edges (uniform in the unit ball, random edges);
* the fsaverage5 pial mesh (nilearn): 10242 vertices, 30720 edges, 20480 faces.

The dense run on the 100k graph does not fit in this machine's memory, so it runs on a smaller
random graph of the same kind (``--dense-fraction``, default 1/10: 10k nodes, 30k edges), and its
time and peak memory are multiplied by the ratio of cell counts (both are linear in the number of
cells): such rows are marked ``~``; topoeuler is also measured on the same small graph, so a
measured ratio is given too. On a GPU (``--device cuda``) the table adds throughput in cells x directions / s.
Writes ``benchmarks/results/soft.md`` (``--out``).
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

import torch

import topoeuler
import topoeuler.datasets
from topoeuler.bench import format_bytes, format_seconds, machine_info, markdown_table, measure

D, T, SCALE = 64, 64, 50.0


def random_graph(nodes: int, edges: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    pos = torch.randn(nodes, 3, generator=g)
    pos = pos / pos.norm(dim=1, keepdim=True) * torch.rand(nodes, 1, generator=g).pow(1 / 3)
    return pos, [torch.randint(0, nodes, (2, edges), generator=g)]


def cells(pos, sets) -> int:
    return pos.shape[0] + sum(s.shape[1] for s in sets)


def step_ours(pos, sets, v, t, device):
    def run():
        p = pos.clone().requires_grad_()
        vv = v.clone().requires_grad_()
        out = topoeuler.soft_ect(p, *sets, directions=vv, thresholds=t, scale=SCALE)
        out.backward(torch.ones_like(out))
        return p.grad, vv.grad
    return run


def step_dense(pos, sets, v, t, device):
    def run():
        p = pos.clone().requires_grad_()
        vv = v.clone().requires_grad_()
        # DECT's formula in float32: [cells, D, T] sigmoid tensors, kept by autograd for the backward.
        h = p @ vv.T
        out = 0
        for idx in [torch.arange(p.shape[0], device=p.device)[None]] + list(sets):
            height = h[idx].amax(dim=0)
            out = out + (-1) ** (idx.shape[0] - 1) * torch.sigmoid(SCALE * (t[None, None, :] - height[..., None])).sum(0)
        out.backward(torch.ones_like(out))
        return p.grad, vv.grad
    return run


def case(name, pos, sets, fraction, device, repeat, small=None):
    v = topoeuler.sphere_directions(D, device=device)
    t = torch.linspace(-1.0, 1.0, T, device=device)
    pos, sets = pos.to(device), [s.to(device) for s in sets]
    rows = []
    full_cells = cells(pos, sets)
    ours = measure(step_ours(pos, sets, v, t, device), repeat=repeat, device=device)
    rows.append(("topoeuler (fused, windowed)", "all", ours.median_s, ours.peak_bytes, full_cells))
    if fraction < 1.0:
        sp, ss = small
        sp, ss = sp.to(device), [s.to(device) for s in ss]
        sub_cells = cells(sp, ss)
        ours_sub = measure(step_ours(sp, ss, v, t, device), repeat=repeat, device=device)
        dense_sub = measure(step_dense(sp, ss, v, t, device), repeat=1, device=device)
        k = full_cells / sub_cells
        rows.append((f"topoeuler on the {fraction:.0%} graph", f"{sub_cells} cells", ours_sub.median_s,
                     ours_sub.peak_bytes, sub_cells))
        rows.append((f"dense DECT on the {fraction:.0%} graph", f"{sub_cells} cells", dense_sub.median_s,
                     dense_sub.peak_bytes, sub_cells))
        rows.append(("dense DECT (extrapolated x%.1f)" % k, "~all", dense_sub.median_s * k,
                     int(dense_sub.peak_bytes * k) if dense_sub.peak_bytes else None, full_cells))
        measured_ratio = (dense_sub.median_s / ours_sub.median_s,
                          (dense_sub.peak_bytes or 0) / max(1, ours_sub.peak_bytes or 1))
        dense_time, dense_mem = dense_sub.median_s * k, (dense_sub.peak_bytes or 0) * k
    else:
        dense = measure(step_dense(pos, sets, v, t, device), repeat=1, device=device)
        rows.append(("dense DECT", "all", dense.median_s, dense.peak_bytes, full_cells))
        measured_ratio = None
        dense_time, dense_mem = dense.median_s, dense.peak_bytes or 0
    table = []
    for method, on, seconds, peak, n_cells in rows:
        row = [method, on, format_seconds(seconds), format_bytes(peak)]
        if device == "cuda":
            row.append(f"{n_cells * D / seconds:.3g}")
        table.append(row)
    summary = (f"speed-up {dense_time / ours.median_s:.1f}x, peak memory {dense_mem / max(1, ours.peak_bytes or 1):.0f}x "
               f"less (whole input)")
    if measured_ratio:
        summary += f"; measured on the same small graph: {measured_ratio[0]:.1f}x faster, {measured_ratio[1]:.0f}x less memory"
    headers = ["method", "measured on", "forward+backward", "peak extra memory"]
    if device == "cuda":
        headers.append("cells x directions / s")
    return f"### {name} ({full_cells} cells, D={D}, T={T}, scale {SCALE:g}, float32, {device})\n\n" + \
        markdown_table(headers, table) + f"\n\n{summary}\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dense-fraction", type=float, default=0.1)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "results" / "soft.md"))
    args = parser.parse_args()
    parts = ["# Soft ECT: fused kernels vs the dense DECT formulation\n",
             "Forward + backward (gradients to `pos` and `directions`), median of "
             f"{args.repeat} runs; peak extra memory as measured by `topoeuler.bench.measure` "
             "(resident-set growth on CPU, allocator peak on CUDA). `~`: extrapolated linearly from a "
             "smaller random graph of the same kind (see benchmarks/soft.py).\n",
             "Machine: " + ", ".join(f"{k}: {v}" for k, v in machine_info().items())
             + f", cpu_isa: {topoeuler.info()['cpu_isa']}, load average at start (1, 5, 15 min): "
             + ", ".join(f"{load:.2f}" for load in os.getloadavg()) + "\n"]
    pos, sets = random_graph(100_000, 300_000)
    small = random_graph(int(100_000 * args.dense_fraction), int(300_000 * args.dense_fraction), seed=1)
    parts.append(case("Random 3D graph, 100k nodes, 300k edges", pos, sets, args.dense_fraction, args.device,
                      args.repeat, small))
    try:
        mesh_pos, face = topoeuler.datasets.load_fsaverage5()
        pairs = torch.cat([face[[0, 1]], face[[1, 2]], face[[0, 2]]], dim=1)
        edges = torch.unique(pairs.sort(dim=0).values, dim=1)
        mesh_pos = mesh_pos - mesh_pos.mean(0)
        mesh_pos = (mesh_pos / mesh_pos.norm(dim=1).max()).contiguous()
        parts.append(case("fsaverage5 pial mesh (left)", mesh_pos, [edges.contiguous(), face.contiguous()], 1.0,
                          args.device, args.repeat))
    except ImportError as error:
        parts.append(f"fsaverage5 skipped: {error}\n")
    text = "\n".join(parts)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
