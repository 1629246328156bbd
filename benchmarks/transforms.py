"""Transforms as a preprocessing step, and what ECT features add to a GNN.

1. Speed: the ECT features of a whole dataset (MUTAG, Cuneiform; clique complexes) computed by
   ``ECTTransform.forward_batch`` (one kernel call) against the same transform applied graph by
   graph in a Python loop, as TopoBench's preprocessor does. Medians of 5 runs, checked equal.
2. Accuracy: GIN, GIN + ECT features (``ECTReadout``) and GIN + learnable soft ECT
   (``SoftECTReadout``) on MUTAG and Cuneiform: 10-fold cross-validation (stratified where every
   class has at least 10 graphs: MUTAG; shuffled KFold otherwise: Cuneiform), several
   seeds, test accuracy after the last epoch (no model selection on the test fold).

    python benchmarks/transforms.py --seeds 3 --epochs 40 --out benchmarks/results/transforms.md
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.model_selection import KFold, StratifiedKFold
from torch_geometric.loader import DataLoader
from tqdm import tqdm

import topoeuler
from topoeuler.bench import format_ratio, format_seconds, machine_info, markdown_table, measure
from topoeuler.datasets import load_tu
from topoeuler.nn import ECTGNN
from topoeuler.transforms import CliqueComplex, ECTTransform

# MUTAG: the one-hot atom types as coordinates (DECT's choice on TU data); Cuneiform: 3D wedge points.
ECT = {"MUTAG": dict(coordinates="x", radius=1.0), "Cuneiform": dict(coordinates="pos", normalize=True, radius=1.0)}
D, T = 16, 16
MODELS = {"GIN": dict(readout="none"), "GIN + ECT": dict(readout="ect", ect_shape=[D, T]),
          "GIN + learnable ECT": dict(readout="soft_ect", num_directions=D, num_thresholds=T)}


def dataset(name: str, root: Path):
    graphs = [CliqueComplex()(g) for g in load_tu(name, root=root)]
    return graphs, ECTTransform(num_directions=D, num_thresholds=T, **ECT[name])


def speed(name: str, graphs, transform, repeat: int) -> dict:
    loop = measure(lambda: [transform(g) for g in graphs], repeat=repeat)
    batched = measure(lambda: transform.forward_batch(graphs), repeat=repeat)
    assert torch.equal(torch.cat([g.ect for g in loop.result]), torch.cat([g.ect for g in batched.result]))
    return {"dataset": name, "graphs": len(graphs), "loop_s": loop.median_s, "batched_s": batched.median_s}


def splitter(folds: int, labels: np.ndarray):
    """StratifiedKFold, or KFold where a class has fewer members than folds (Cuneiform: ~9 per class)."""
    return StratifiedKFold if np.bincount(labels).min() >= folds else KFold


def run_fold(graphs, train_idx, test_idx, num_classes, model_kwargs, seed, epochs, hidden):
    torch.manual_seed(seed)
    model = ECTGNN(graphs[0].x.shape[1], hidden, num_classes, num_layers=3, **model_kwargs)
    optimiser = torch.optim.Adam(model.parameters(), lr=0.01)
    train = DataLoader([graphs[i] for i in train_idx], batch_size=32, shuffle=True,
                       generator=torch.Generator().manual_seed(seed))
    for _ in range(epochs):
        model.train()
        for batch in train:
            optimiser.zero_grad()
            torch.nn.functional.cross_entropy(model(batch), batch.y).backward()
            optimiser.step()
    model.eval()
    batch = next(iter(DataLoader([graphs[i] for i in test_idx], batch_size=len(test_idx))))
    with torch.no_grad():
        return float((model(batch).argmax(1) == batch.y).float().mean())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--datasets", nargs="+", default=["MUTAG", "Cuneiform"])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/transforms.md"))
    args = parser.parse_args(argv)
    # One torch thread throughout: on this shared 2-core machine a second thread mostly waits for a
    # descheduled core (the batched kernel call measured 60 ms with 2 threads, 1.2 ms with 1, under load 7).
    torch.set_num_threads(1)
    root = Path(tempfile.mkdtemp(prefix="topoeuler_tu_"))
    speeds, accuracy, all_labels = [], {}, {}
    for name in args.datasets:
        graphs, transform = dataset(name, root)
        speeds.append(speed(name, graphs, transform, args.repeat))
        graphs = transform.forward_batch(graphs)
        labels = np.array([int(g.y) for g in graphs])
        all_labels[name] = labels.tolist()
        num_classes = int(labels.max()) + 1
        runs = [(m, s, f) for m in MODELS for s in range(args.seeds) for f in range(args.folds)]
        scores = {m: [] for m in MODELS}
        for model, seed, fold in tqdm(runs, desc=f"{name}: {len(MODELS)} models x {args.seeds} seeds x {args.folds} folds"):
            folds = splitter(args.folds, labels)(args.folds, shuffle=True, random_state=seed).split(labels, labels)
            train_idx, test_idx = list(folds)[fold]
            scores[model].append(run_fold(graphs, train_idx, test_idx, num_classes, MODELS[model], seed,
                                          args.epochs, args.hidden))
        accuracy[name] = scores
    write(args, speeds, accuracy, all_labels)
    return 0


def mean_std(values):
    return f"{100 * statistics.mean(values):.1f} ± {100 * statistics.stdev(values):.1f}"


def write(args, speeds, accuracy, labels) -> None:
    args.out.parent.mkdir(parents=True, exist_ok=True)
    machine = machine_info() | {"cpu_isa": topoeuler.info().get("cpu_isa", "?"), "date": time.strftime("%Y-%m-%d")}
    lines = ["# Transforms: preprocessing speed and GNN accuracy with ECT features", "",
             f"`python benchmarks/transforms.py --seeds {args.seeds} --epochs {args.epochs} --hidden {args.hidden} "
             f"--datasets {' '.join(args.datasets)} --out {args.out}`",
             "", markdown_table(["", ""], list(machine.items())), "",
             f"## Preprocessing: ECT ({D} directions x {T} thresholds) of every clique complex", "",
             markdown_table(["dataset", "graphs", "graph by graph (loop)", "forward_batch (one call)", "speed-up"],
                            [[s["dataset"], s["graphs"], format_seconds(s["loop_s"]), format_seconds(s["batched_s"]),
                              format_ratio(s["loop_s"] / s["batched_s"])] for s in speeds]), "",
             f"## Test accuracy (%), {args.folds}-fold CV x {args.seeds} seeds, mean ± std over the "
             f"{args.folds * args.seeds} folds", "",
             f"GIN: 3 layers, hidden {args.hidden}, sum pooling; Adam lr 0.01, batch 32, {args.epochs} epochs, "
             "accuracy after the last epoch. Folds: "
             + ", ".join(f"{n}: {splitter(args.folds, np.array(labels[n])).__name__}" for n in labels) + ".", "",
             markdown_table(["dataset", *MODELS], [[name, *(mean_std(accuracy[name][m]) for m in MODELS)]
                                                   for name in accuracy]), ""]
    args.out.write_text("\n".join(lines))
    args.out.with_suffix(".json").write_text(json.dumps({"speed": speeds, "accuracy": accuracy,
                                                         "machine": machine, "args": vars(args) | {"out": str(args.out)}},
                                                        indent=1))
    print("\n".join(lines))


if __name__ == "__main__":
    raise SystemExit(main())
