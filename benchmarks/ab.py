"""A/B timing of the public ops: this checkout against another (e.g. the previous commit), in one run.

Each round runs one subprocess per checkout, alternating, so that both see the same machine
load; a subprocess times every op (median of ``--calls`` calls after a warm-up) and the table
reports, per op, the median over ``--rounds`` rounds of those medians. Every call passes explicit
threshold tensors, which every version of the ops accepts. Two input sets:

- ``--inputs tiny``: an 8x8 image, 12 points, one thread: the per-call overhead (the Python
  checks, the dispatcher and the kernels' fixed costs);
- ``--inputs kernels``: the kernel benchmarks' inputs at torch's default threads: ECC of 5000
  MNIST digits (T = 64), ECT of a random 3D graph (100k vertices + 300k edges) and of the
  fsaverage5 pial mesh (D = T = 64, and both at D = 32, where 2 or more threads share one block of
  directions), of 5000 MNIST point clouds in one batch (D = T = 32), and
  the soft ECT (forward + backward, float32, scale 50) of the mesh and soft ECC of 1000 digits.
  This process builds them once and hands both checkouts the same tensors in one file.

    python benchmarks/ab.py --baseline OTHER/plugin --out benchmarks/results/dispatch.md
    python benchmarks/ab.py --inputs kernels --calls 7 --baseline OTHER/plugin --out benchmarks/results/ab_kernels.md
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parents[1] / "plugin"

# Run in a subprocess with the checkout under test first on sys.path; prints {op: seconds}.
CHILD = r"""
import json, statistics, sys, time
import torch
import topoeuler
inputs, calls = sys.argv[1], int(sys.argv[2])
if inputs == "tiny":
    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(0)
    x = torch.rand(1, 8, 8, generator=g)
    t = torch.linspace(0, 1, 16, dtype=torch.float64)
    pos = torch.randn(12, 3, generator=g)
    edges = torch.randint(0, 12, (2, 20), generator=g)
    v3, v2 = topoeuler.sphere_directions(4), topoeuler.circle_directions(4)
    th = torch.linspace(-3, 3, 8, dtype=torch.float64)
    soft_x, soft_pos, soft_sets, soft_v = x, pos, [edges], v3
    ops = {
        "ecc": lambda: topoeuler.ecc(x, t),
        "image_ect": lambda: topoeuler.image_ect(x, v2, t * 2 - 1),
        "ect": lambda: topoeuler.ect(pos, edges, directions=v3, thresholds=th),
    }
else:
    d = torch.load(inputs)
    x, t, soft_x = d["mnist"], d["t_mnist"], d["mnist"][:1000]
    th, v3 = d["t_ect"], d["v3"]
    soft_pos, soft_sets, soft_v = d["mesh_pos"], d["mesh_sets"], v3
    ops = {
        "ecc, 5000 MNIST digits, T = 64": lambda: topoeuler.ecc(x, t),
        "ect, random graph 100k + 300k edges": lambda: topoeuler.ect(d["graph_pos"], *d["graph_sets"], directions=v3, thresholds=d["t_graph"]),
        "ect, fsaverage5 mesh": lambda: topoeuler.ect(d["mesh_pos"], *d["mesh_sets"], directions=v3, thresholds=th),
        "ect, 5000 MNIST point clouds (batch)": lambda: topoeuler.ect(d["points_pos"], directions=d["v2"], thresholds=d["t_points"], batch=d["points_batch"]),
        # One block of 32 directions on 2+ threads: the threads share the block (the other split).
        "ect, random graph, D = 32": lambda: topoeuler.ect(d["graph_pos"], *d["graph_sets"], directions=v3[:32], thresholds=d["t_graph"]),
        "ect, fsaverage5 mesh, D = 32": lambda: topoeuler.ect(d["mesh_pos"], *d["mesh_sets"], directions=v3[:32], thresholds=th),
    }

def soft_ecc():
    xs = soft_x.clone().requires_grad_()
    topoeuler.soft_ecc(xs, t, scale=20.0).sum().backward()

def soft_ect():
    p, v = soft_pos.clone().requires_grad_(), soft_v.clone().requires_grad_()
    topoeuler.soft_ect(p, *soft_sets, directions=v, thresholds=th, scale=50.0 if inputs != "tiny" else 20.0).sum().backward()

ops["soft_ecc forward+backward"] = soft_ecc
ops["soft_ect forward+backward"] = soft_ect
out = {}
for name, fn in ops.items():
    for _ in range(20 if inputs == "tiny" else 2):
        fn()
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    out[name] = statistics.median(times)
print(json.dumps({"file": topoeuler.__file__, "isa": topoeuler.info()["cpu_isa"], "threads": torch.get_num_threads(),
                  "times": out}))
"""


def kernel_inputs(path: Path) -> None:
    """The kernel benchmarks' inputs (``benchmarks/ect_bench.py``'s cases), saved to ``path``."""
    import torch

    import topoeuler
    from ect_bench import mesh_case, mnist_point_clouds_case, random_graph_case
    from topoeuler.datasets import load_mnist

    images, _ = load_mnist(5000)
    _, graph_pos, graph_sets = random_graph_case()
    _, mesh_pos, mesh_sets = mesh_case()
    _, points_pos, _, points_batch, v2 = mnist_point_clouds_case()

    def span(pos, count):
        radius = float(pos.norm(dim=1).max())
        return torch.linspace(-radius, radius, count, dtype=torch.float64)

    torch.save({"mnist": images, "t_mnist": torch.linspace(0, 1, 64, dtype=torch.float64),
                "v3": topoeuler.sphere_directions(64, dtype=torch.float64), "v2": v2,
                "graph_pos": graph_pos, "graph_sets": graph_sets, "t_graph": span(graph_pos, 64),
                "mesh_pos": mesh_pos, "mesh_sets": mesh_sets, "t_ect": span(mesh_pos, 64),
                "points_pos": points_pos, "points_batch": points_batch, "t_points": span(points_pos, 32)}, path)


def run(path: Path, inputs: str, calls: int) -> dict:
    env = {"PYTHONPATH": str(path), "PATH": "/usr/bin:/bin"}
    if inputs == "tiny":
        env["OMP_NUM_THREADS"] = "1"
    result = subprocess.run([sys.executable, "-c", CHILD, inputs, str(calls)], capture_output=True, text=True,
                            check=True, env=env)
    return json.loads(result.stdout.strip().splitlines()[-1])


def _format(seconds: float) -> str:
    return f"{seconds * 1e6:.1f} µs" if seconds < 1e-3 else f"{seconds * 1e3:.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="the other checkout's plugin/ folder")
    parser.add_argument("--inputs", choices=("tiny", "kernels"), default="tiny")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=None, help="calls per op and round (default 300 tiny, 7 kernels)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    calls = args.calls or (300 if args.inputs == "tiny" else 7)
    load = os.getloadavg()
    samples = {"baseline": [], "this": []}
    with tempfile.TemporaryDirectory() as folder:
        inputs = "tiny"
        if args.inputs == "kernels":
            inputs = str(Path(folder) / "inputs.pt")
            kernel_inputs(Path(inputs))
        for _ in range(args.rounds):
            for label, path in (("baseline", args.baseline), ("this", HERE)):
                samples[label].append(run(path, inputs, calls))
    rows = ["| op | baseline | this checkout | ratio |", "|---|---|---|---|"]
    for op in samples["this"][0]["times"]:
        a = statistics.median(s["times"][op] for s in samples["baseline"])
        b = statistics.median(s["times"][op] for s in samples["this"])
        rows.append(f"| {op} | {_format(a)} | {_format(b)} | {b / a:.2f}x |")
    title = "Per-call overhead on small inputs" if args.inputs == "tiny" else "The kernel benchmarks' inputs, A/B"
    first = samples["this"][0]
    text = "\n".join([
        f"# {title} ({date.today()})", "",
        f"`python benchmarks/ab.py --inputs {args.inputs} --baseline {args.baseline}`: {args.rounds} alternating "
        f"rounds x {calls} calls, {first['threads']} torch thread(s), median of medians; CPU ISA {first['isa']}; "
        f"load average at start {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} on {os.cpu_count()} cores.",
        f"baseline: `{samples['baseline'][0]['file']}`; this: `{first['file']}`.", "", *rows, ""])
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
