"""Activations on binary sets of high Betti number (Kochar et al.'s claim 2: a topology-simplifying
activation trains 1.5-2x faster on sets with Betti numbers above 150).

    python benchmarks/activations.py                 # writes benchmarks/results/activations/
    python benchmarks/activations.py --seeds 0,1,2,3 # more seeds; finished cells are reused

Data (synthetic, seeded): ``topoeuler.topology.synthetic.nested_circles``, a grid of pairs of
concentric circles (radii 0.35 and 0.15, spacing 1, 24 points each), class 0 the outer circles,
class 1 the inner ones, scaled into [-1, 1]: ``circles13`` (13 x 13 cells: beta_0 = beta_1 = 169
per class, the paper's regime) and ``circles3`` (3 x 3 cells: 9, a control that small MLPs learn).
80 % train / 20 % test. Model: ``ActivationMLP(2, (64, 64, 64, 64), activation)``, Adam (lr 3e-3,
batch 64) for 300 epochs on ``circles3`` and 40 on ``circles13`` (about 1800 and 4000 steps);
``epochs_to_target`` = first epoch whose training accuracy (on 1000 training points) reaches
``--target``, ``None`` = never within the budget.
Betti numbers per layer: beta_0 and beta_1 of each class's points (the whole set) at the input
and after every hidden activation, on the clique complex of the symmetrised 4-NN graph (Naitzat
et al. 2020), after training (``circles3`` also at initialization and, for the first seed, after
10, 30 and 100 epochs: the plots through training); ``circles13`` only for the seeds in
``--betti-seeds`` (each costs about 40 s). Betti decay = (beta_0 + beta_1 summed over
classes) at the last hidden layer divided by the same at the input.
"""
from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from pathlib import Path

import torch
from tqdm.auto import tqdm

from topoeuler.bench.report import machine_info, markdown_table
from topoeuler.nn.activations import available_activations
from topoeuler.nn.mlp import ActivationMLP
from topoeuler.pruning.data import Split
from topoeuler.pruning.harness import _write_json
from topoeuler.pruning.training import train
from topoeuler.topology import layer_betti, plot_layer_betti
from topoeuler.topology.synthetic import nested_circles

OUT = Path(__file__).parent / "results" / "activations"
# name: (grid, default epochs: about 1800 and 4000 Adam steps of batch 64)
SETS = {"circles3": ((3, 3), 300), "circles13": ((13, 13), 40)}
KNN = 4
TRAJECTORY = (10, 30, 100)  # epochs of the circles3 Betti snapshots between initialization and the end


def _split(name: str, seed: int) -> tuple[Split, torch.Tensor, torch.Tensor]:
    x, y = nested_circles(SETS[name][0], seed=seed)
    x = x / x.abs().max()
    n = int(0.8 * len(y))
    return Split("points", (x[:n], y[:n]), (x[n:], y[n:]), None, (2,), 2), x, y


def _betti(model: ActivationMLP, x, y) -> dict:
    return layer_betti(model, x, y, ["input"] + model.hidden_layers, 1, method="knn", k=KNN)


def _total(per_class: dict) -> int:
    return sum(sum(b) for b in per_class.values())


def _cell(out: Path, data: str, activation: str, seed: int, args) -> dict:
    epochs = args.epochs or SETS[data][1]
    path = out / "cells" / f"{data}__{activation}__e{epochs}__s{seed}.json"
    if path.exists():
        return json.loads(path.read_text())
    split, x, y = _split(data, seed)
    torch.manual_seed(seed)
    model = ActivationMLP(2, (64, 64, 64, 64), activation)
    with_betti = data == "circles3" or seed in args.betti_seeds
    betti_init = _betti(model, x, y) if data == "circles3" else None
    start = time.perf_counter()
    outcome = train(model, split, epochs=epochs, lr=3e-3, batch_size=64, target_accuracy=args.target,
                    evals_per_epoch=1, seed=seed)
    seconds = time.perf_counter() - start
    betti = _betti(model, x, y) if with_betti else None
    record = {"data": data, "activation": activation, "seed": seed, **outcome, "target_accuracy": args.target,
              "epochs": epochs, "train_seconds": seconds, "betti_init": betti_init, "betti_final": betti,
              "betti_decay": (_total(betti[model.hidden_layers[-1]]) / _total(betti["input"])) if betti else None}
    _write_json(path, record)
    return record


def _snapshot(out: Path, activation: str, seed: int, epochs: int, args) -> tuple[int, dict]:
    """Betti numbers per layer of ``circles3`` after ``epochs`` epochs: the same run stopped early
    (same seed, data order and Adam, no schedule, so it is the state of the longer run at that epoch)."""
    path = out / "trajectory" / f"circles3__{activation}__e{epochs}__s{seed}.json"
    if not path.exists():
        split, x, y = _split("circles3", seed)
        torch.manual_seed(seed)
        model = ActivationMLP(2, (64, 64, 64, 64), activation)
        train(model, split, epochs=epochs, lr=3e-3, batch_size=64, target_accuracy=args.target, evals_per_epoch=1, seed=seed)
        _write_json(path, {"activation": activation, "seed": seed, "epochs": epochs, "betti": _betti(model, x, y)})
    return epochs, json.loads(path.read_text())["betti"]


def _fmt(values, digits=2) -> str:
    values = [v for v in values if v is not None]
    if not values:
        return "n/a"
    return f"{statistics.fmean(values):.{digits}f}" + (f" ± {statistics.stdev(values):.{digits}f}" if len(values) > 1 else "")


def _summary(cells: list[dict]) -> str:
    rows = []
    for data in SETS:
        for activation in available_activations():
            sel = [c for c in cells if c["data"] == data and c["activation"] == activation]
            if not sel:
                continue
            reached = [c["epochs_to_target"] for c in sel if c["epochs_to_target"] is not None]
            layers = [c["betti_final"] for c in sel if c["betti_final"]]
            per_layer = " / ".join(f"{statistics.fmean(_total(b[name]) for b in layers):.0f}" for name in layers[0]) if layers else "n/a"
            rows.append([data, activation, f"{len(reached)}/{len(sel)}", _fmt(reached, 1),
                         _fmt([c["train_accuracy"] for c in sel], 3), _fmt([c["test_accuracy"] for c in sel], 3),
                         _fmt([c["betti_decay"] for c in sel]), per_layer])
    headers = ["set", "activation", "reached target", "epochs to target", "final train acc.", "test acc.",
               "Betti decay (last hidden / input)", "beta_0 + beta_1 per layer (input / h1 / ... / h4)"]
    return markdown_table(headers, rows, "llrrrrrl")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--activations", default=",".join(available_activations()))
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--betti-seeds", default="0", help="seeds of circles13 whose Betti numbers per layer are computed")
    parser.add_argument("--epochs", type=int, default=None, help="for every set (default: 300 for circles3, 40 for circles13)")
    parser.add_argument("--target", type=float, default=0.9)
    parser.add_argument("--out", default=str(OUT))
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    args.betti_seeds = {int(s) for s in args.betti_seeds.split(",") if s}
    torch.set_num_threads(1)
    out = Path(args.out)
    (out / "cells").mkdir(parents=True, exist_ok=True)
    (out / "trajectory").mkdir(exist_ok=True)
    grid = [(d, a, int(s)) for d in args.sets.split(",") for s in args.seeds.split(",") for a in args.activations.split(",")]
    for data, activation, _ in grid:
        if data not in SETS or activation not in available_activations():
            raise SystemExit(f"unknown set {data!r} or activation {activation!r}")
    cells = [_cell(out, d, a, s, args) for d, a, s in tqdm(grid, desc="activations", disable=args.no_progress)]
    columns = ["data", "activation", "seed", "epochs_to_target", "train_accuracy", "test_accuracy", "betti_decay",
               "train_seconds", "target_accuracy", "epochs"]
    with open(out / "results.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for c in cells:
            writer.writerow([c.get(k) for k in columns])
    text = f"{_summary(cells)}\n\nMachine: {json.dumps(machine_info())}\n"
    (out / "summary.md").write_text(text)
    (out / "results.json").write_text(json.dumps({"cells": cells, "machine": machine_info()}, indent=1))
    first = min(c["seed"] for c in cells)
    for c in cells:
        if c["data"] == "circles3" and c["seed"] == first and c["betti_init"]:
            history = [(0, c["betti_init"])] + [_snapshot(out, c["activation"], first, e, args)
                                                 for e in TRAJECTORY if e < c["epochs"]] + [(c["epochs"], c["betti_final"])]
            plot_layer_betti(history, out / f"betti_per_layer_circles3_{c['activation']}.png", dim=1,
                             title=f"beta_1 per layer, {c['activation']}, circles3, 4-NN clique complex")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
