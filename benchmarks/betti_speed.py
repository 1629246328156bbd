"""Speed of scoring every filter of a CNN by the Betti numbers of its activation maps: topoeuler's
batched path (one ECC call and one connected-component labelling per layer) against gudhi's
cubical persistence map by map, on the same maps, with the results checked equal.

    python benchmarks/betti_speed.py        # writes benchmarks/results/betti_speed.{json,md}

The CNN is the filter-pruning benchmark's ``vgg_small`` (``VGGSmallBN`` 16-16-M-32-32-M-64-M),
trained for one epoch on MNIST-5k (seed 0); the batch is 256 training images, so 256 x 160 maps
of 28x28, 14x14 and 7x7 pixels, binarized as ``> 0`` (after the ReLU). Runs of the two sides are
interleaved (``--repeat`` each, one thread); medians are reported. The topoeuler time excludes
the forward pass (timed separately) so that both sides start from the same maps.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

from topoeuler import info
from topoeuler.bench.report import machine_info, markdown_table
from topoeuler.pruning import filters
from topoeuler.pruning.data import load_split
from topoeuler.pruning.models import VGGSmallBN
from topoeuler.pruning.training import train
from topoeuler.topology import map_betti

OUT = Path(__file__).parent / "results"


def topoeuler_betti(maps: dict[str, torch.Tensor], construction: str) -> dict[str, np.ndarray]:
    """``beta_0 + beta_1`` per map, ``[N, C]`` per layer, batched."""
    return {name: sum(map_betti(m, "level", 0.0, construction)).numpy() for name, m in maps.items()}


def gudhi_betti(maps: dict[str, torch.Tensor], construction: str) -> dict[str, np.ndarray]:
    """The same numbers, one gudhi cubical complex per map (0 = foreground, 1 = background, level 0)."""
    import gudhi

    out = {}
    for name, m in maps.items():
        values = np.where(m.numpy() > 0, 0.0, 1.0)
        total = np.zeros(values.shape[:2], dtype=np.int64)
        for i in range(values.shape[0]):
            for c in range(values.shape[1]):
                cc = (gudhi.CubicalComplex(top_dimensional_cells=values[i, c]) if construction == "T"
                      else gudhi.CubicalComplex(vertices=values[i, c]))
                cc.compute_persistence()
                betti = cc.persistent_betti_numbers(0.0, 0.0)
                total[i, c] = betti[0] + betti[1]
        out[name] = total
    return out


def _timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    split = load_split("mnist")
    torch.manual_seed(0)
    model = VGGSmallBN(config=(16, 16, "M", 32, 32, "M", 64, "M"))
    train(model, split, epochs=1, seed=0, evals_per_epoch=1)
    images = split.train[0][:256]
    forward_s, maps = _timed(lambda: filters.activation_maps(model, images))
    count = sum(m.shape[0] * m.shape[1] for m in maps.values())
    rows, record = [], {"maps": count, "images": 256, "forward_seconds": forward_s, "constructions": {},
                        "machine": {**machine_info(), "cpu_isa": info().get("cpu_isa")}, "date": time.strftime("%Y-%m-%d")}
    for construction in ("V", "T"):
        ours, theirs = [], []
        for _ in range(args.repeat):
            seconds, fast = _timed(lambda: topoeuler_betti(maps, construction))
            ours.append(seconds)
            seconds, slow = _timed(lambda: gudhi_betti(maps, construction))
            theirs.append(seconds)
            for name in maps:
                if not np.array_equal(fast[name], slow[name]):
                    raise SystemExit(f"Betti numbers differ from gudhi's on layer {name} ({construction})")
        a, b = statistics.median(ours), statistics.median(theirs)
        record["constructions"][construction] = {"topoeuler_s": ours, "gudhi_s": theirs, "ratio": b / a, "equal": True}
        rows.append([construction, f"{a * 1e3:.0f} ms", f"{b:.2f} s", f"{b / a:.0f}x", f"{count / a / 1e3:.0f}k maps/s"])
    table = markdown_table(["construction", "topoeuler (batched)", "gudhi (map by map)", "ratio", "topoeuler rate"], rows)
    text = (f"Betti numbers (beta_0 + beta_1) of all {count} activation maps of vgg_small on 256 MNIST images, "
            f"identical on both sides; forward pass {forward_s * 1e3:.0f} ms (not included); median of {args.repeat} "
            f"interleaved runs, one thread.\n\n{table}\n\nMachine: {json.dumps(record['machine'])}, {record['date']}\n")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "betti_speed.json").write_text(json.dumps(record, indent=1))
    (out / "betti_speed.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
