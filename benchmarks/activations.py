"""Activations on binary sets of high Betti number (Kochar et al.'s claim 2: a topology-simplifying
activation trains 1.5-2x faster on sets with Betti numbers above 150).

    python benchmarks/activations.py                 # writes benchmarks/results/activations/
    python benchmarks/activations.py --seeds 0,1,2,3 # more seeds; finished cells are reused
    python benchmarks/activations.py --sets tori2,tori80

Data (synthetic, seeded, ``topoeuler.topology.synthetic``), scaled into [-1, 1], 80 % train / 20 % test:

- ``circles13`` / ``circles3``: ``nested_circles``, 2D, a 13 x 13 / 3 x 3 grid of pairs of
  concentric circles (radii 0.35 and 0.15, 24 points each): beta_0 = beta_1 = 169 / 9 per class;
- ``spheres6`` / ``spheres2``: ``nested_spheres``, 3D, a 6 x 6 x 6 / 2 x 2 x 2 grid of pairs of
  concentric spheres (radii 0.3 and 0.12, 64 points each): beta_0 = beta_2 = 216 / 8 per class;
- ``tori80`` / ``tori2``: ``linked_tori``, 3D, a 5 x 4 x 4 / 2 x 2 x 2 grid of pairs of linked tori
  (radii 0.25 and 0.07, 32 x 8 points each): beta_0 = beta_2 = 80 / 8, beta_1 = 160 / 16 per class.

Model: ``ActivationMLP(dim, (64, 64, 64, 64), activation)``, Adam (lr 3e-3, batch 64) for the
set's epochs (about 1800-2000 steps on the controls, 4000 on circles13, 8000 on spheres6 and
tori80); ``epochs_to_target`` = first epoch whose training accuracy (on 1000 training points)
reaches ``--target``, ``None`` = never within the budget.
Betti numbers per layer: beta_0 .. beta_(dim-1) of each class's points (the whole set) at the input
and after every hidden activation, on the clique complex of the symmetrised k-NN graph (Naitzat
et al. 2020; k = 4 in 2D, 10 in 3D: the smallest tried values that recover the exact Betti numbers
above at the input), after training; the controls also at initialization and, for the first
seed, after 10, 30 and 100 epochs (the plots through training); the large sets for the seeds in
``--betti-seeds`` (default: all). Betti decay = (the Betti numbers summed over dimensions and classes) at the
last hidden layer divided by the same at the input.
"""
from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
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
from topoeuler.topology.synthetic import linked_tori, nested_circles, nested_spheres

OUT = Path(__file__).parent / "results" / "activations"


@dataclass(frozen=True)
class Problem:
    make: object  # synthetic generator: (seed=...) -> (x, y)
    options: dict = field(default_factory=dict)
    epochs: int = 40  # default budget
    max_dim: int = 1  # Betti numbers beta_0 .. beta_max_dim
    k: int = 4  # k-NN clique complex
    control: bool = False  # small set: Betti numbers for every seed and through training


SETS = {
    "circles3": Problem(nested_circles, {"grid": (3, 3)}, 300, 1, 4, True),
    "circles13": Problem(nested_circles, {"grid": (13, 13)}, 40, 1, 4),
    "spheres2": Problem(nested_spheres, {"grid": (2, 2, 2), "radii": (0.3, 0.12)}, 150, 2, 10, True),
    "spheres6": Problem(nested_spheres, {"grid": (6, 6, 6), "radii": (0.3, 0.12)}, 24, 2, 10),
    "tori2": Problem(linked_tori, {"grid": (2, 2, 2)}, 40, 2, 10, True),
    "tori80": Problem(linked_tori, {"grid": (5, 4, 4)}, 16, 2, 10),
}
TRAJECTORY = (10, 30, 100)  # epochs of the controls' Betti snapshots between initialization and the end


def _split(name: str, seed: int) -> tuple[Split, torch.Tensor, torch.Tensor]:
    problem = SETS[name]
    x, y = problem.make(**problem.options, seed=seed)
    x = x / x.abs().max()
    n = int(0.8 * len(y))
    return Split("points", (x[:n], y[:n]), (x[n:], y[n:]), None, (x.shape[1],), 2), x, y


def _model(activation: str, x: torch.Tensor) -> ActivationMLP:
    return ActivationMLP(x.shape[1], (64, 64, 64, 64), activation)


def _betti(name: str, model: ActivationMLP, x, y) -> dict:
    problem = SETS[name]
    return layer_betti(model, x, y, ["input"] + model.hidden_layers, problem.max_dim, method="knn", k=problem.k)


def _total(per_class: dict) -> int:
    return sum(sum(b) for b in per_class.values())


def _cell(out: Path, data: str, activation: str, seed: int, args) -> dict:
    """One (set, activation, seed): trained, with its Betti numbers per layer where asked. A
    finished cell is read back; one finished without Betti numbers that are now asked for
    (``--betti-seeds``) is trained again (the same seed, data order and Adam give the same model,
    checked against the stored outcome) and gets them."""
    problem = SETS[data]
    epochs = args.epochs or problem.epochs
    path = out / "cells" / f"{data}__{activation}__e{epochs}__s{seed}.json"
    with_betti = problem.control or seed in args.betti_seeds
    stored = json.loads(path.read_text()) if path.exists() else None
    if stored is not None and (stored["betti_final"] is not None or not with_betti):
        return stored
    split, x, y = _split(data, seed)
    torch.manual_seed(seed)
    model = _model(activation, x)
    betti_init = _betti(data, model, x, y) if problem.control else None
    start = time.perf_counter()
    outcome = train(model, split, epochs=epochs, lr=3e-3, batch_size=64, target_accuracy=args.target,
                    evals_per_epoch=1, seed=seed)
    seconds = time.perf_counter() - start
    if stored is not None and any(stored[key] != json.loads(json.dumps(value)) for key, value in outcome.items()):
        raise RuntimeError(f"{path.name}: training again gave another model than the stored cell; delete the cell")
    betti = _betti(data, model, x, y) if with_betti else None
    record = {"data": data, "activation": activation, "seed": seed, **outcome, "target_accuracy": args.target,
              "epochs": epochs, "train_seconds": stored["train_seconds"] if stored else seconds,
              "betti_init": betti_init, "betti_final": betti,
              "betti_decay": (_total(betti[model.hidden_layers[-1]]) / _total(betti["input"])) if betti else None}
    _write_json(path, record)
    return record


def _snapshot(out: Path, data: str, activation: str, seed: int, epochs: int, args) -> tuple[int, dict]:
    """Betti numbers per layer of a control set after ``epochs`` epochs: the same run stopped early
    (same seed, data order and Adam, no schedule, so it is the state of the longer run at that epoch)."""
    path = out / "trajectory" / f"{data}__{activation}__e{epochs}__s{seed}.json"
    if not path.exists():
        split, x, y = _split(data, seed)
        torch.manual_seed(seed)
        model = _model(activation, x)
        train(model, split, epochs=epochs, lr=3e-3, batch_size=64, target_accuracy=args.target, evals_per_epoch=1, seed=seed)
        _write_json(path, {"activation": activation, "seed": seed, "epochs": epochs, "betti": _betti(data, model, x, y)})
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
               "Betti decay (last hidden / input)", "sum of beta_k per layer (input / h1 / ... / h4)"]
    return markdown_table(headers, rows, "llrrrrrl")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--activations", default=",".join(available_activations()))
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--betti-seeds", default=None,
                        help="seeds of the large sets whose Betti numbers per layer are computed (default: every seed; "
                             "each costs 40-90 s per cell)")
    parser.add_argument("--epochs", type=int, default=None, help="for every set (default: each set's budget, see the module docstring)")
    parser.add_argument("--target", type=float, default=0.9)
    parser.add_argument("--out", default=str(OUT))
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    args.betti_seeds = {int(s) for s in (args.seeds if args.betti_seeds is None else args.betti_seeds).split(",") if s}
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
        if c["seed"] == first and c["betti_init"]:
            data, problem = c["data"], SETS[c["data"]]
            history = [(0, c["betti_init"])] + [_snapshot(out, data, c["activation"], first, e, args)
                                                 for e in TRAJECTORY if e < c["epochs"]] + [(c["epochs"], c["betti_final"])]
            plot_layer_betti(history, out / f"betti_per_layer_{data}_{c['activation']}.png", dim=problem.max_dim,
                             title=f"beta_{problem.max_dim} per layer, {c['activation']}, {data}, {problem.k}-NN clique complex")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
