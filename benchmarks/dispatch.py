"""Per-call overhead of the public ops on small inputs, this checkout against another (A/B).

Each round runs one subprocess per checkout, alternating, so that both see the same machine
load; a subprocess times every op (median of ``--calls`` calls after a warm-up) and the table
reports, per op, the median over ``--rounds`` rounds of those medians. The inputs are tiny (an
8x8 image, 12 points), so the times are the Python checks, the dispatcher and the kernels'
fixed costs. Every call passes explicit thresholds tensors, which both checkouts accept.

    python benchmarks/dispatch.py --baseline /path/to/other/checkout/plugin --out benchmarks/results/dispatch.md
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parents[1] / "plugin"

# Run in a subprocess with the checkout under test first on sys.path; prints {op: seconds}.
CHILD = r"""
import json, statistics, sys, time
import torch
import topoeuler
torch.set_num_threads(1)
calls = int(sys.argv[1])
g = torch.Generator().manual_seed(0)
x = torch.rand(1, 8, 8, generator=g)
t = torch.linspace(0, 1, 16, dtype=torch.float64)
pos = torch.randn(12, 3, generator=g)
edges = torch.randint(0, 12, (2, 20), generator=g)
v3, v2 = topoeuler.sphere_directions(4), topoeuler.circle_directions(4)
th = torch.linspace(-3, 3, 8, dtype=torch.float64)
xs, ps = x.clone().requires_grad_(), pos.clone().requires_grad_()

def soft_ecc():
    topoeuler.soft_ecc(xs, t, scale=20.0).sum().backward()

def soft_ect():
    topoeuler.soft_ect(ps, edges, directions=v3, thresholds=th, scale=20.0).sum().backward()

ops = {
    "ecc": lambda: topoeuler.ecc(x, t),
    "image_ect": lambda: topoeuler.image_ect(x, v2, t * 2 - 1),
    "ect": lambda: topoeuler.ect(pos, edges, directions=v3, thresholds=th),
    "soft_ecc forward+backward": soft_ecc,
    "soft_ect forward+backward": soft_ect,
}
out = {}
for name, fn in ops.items():
    for _ in range(20):
        fn()
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    out[name] = statistics.median(times)
print(json.dumps({"file": topoeuler.__file__, "isa": topoeuler.info()["cpu_isa"], "times": out}))
"""


def run(path: Path, calls: int) -> dict:
    result = subprocess.run([sys.executable, "-c", CHILD, str(calls)], capture_output=True, text=True, check=True,
                            env={"PYTHONPATH": str(path), "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"})
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="the other checkout's plugin/ folder")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    load = os.getloadavg()
    samples = {"baseline": [], "this": []}
    for _ in range(args.rounds):
        for label, path in (("baseline", args.baseline), ("this", HERE)):
            samples[label].append(run(path, args.calls))
    ops = list(samples["this"][0]["times"])
    rows = ["| op | baseline (us) | this checkout (us) | ratio |", "|---|---|---|---|"]
    for op in ops:
        a = statistics.median(s["times"][op] for s in samples["baseline"]) * 1e6
        b = statistics.median(s["times"][op] for s in samples["this"]) * 1e6
        rows.append(f"| {op} | {a:.1f} | {b:.1f} | {b / a:.2f}x |")
    text = "\n".join([
        f"# Per-call overhead on small inputs ({date.today()})", "",
        f"`python benchmarks/dispatch.py --baseline {args.baseline}`: {args.rounds} alternating rounds x "
        f"{args.calls} calls, one thread, median of medians; CPU ISA {samples['this'][0]['isa']}; "
        f"load average at start {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} on {os.cpu_count()} cores.",
        f"baseline: `{samples['baseline'][0]['file']}`; this: `{samples['this'][0]['file']}`.", "", *rows, ""])
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
