"""The pruning benchmark harness: prune at initialization, train, evaluate, report.

Python: :func:`run_harness`; command line: ``topoeuler prune --model lenet5 --dataset mnist
--methods synflow,magnitude --compressions 0:3:0.5 --seeds 0,1 --out results/``.

Every (method, compression, seed) cell is written to ``<out>/cells/<name>.json`` as soon as it
is finished and is not recomputed when the run is started again with the same settings (a
resumable run): a cell records every setting that changes its result (training options,
iterations, scope, dtype, data sizes) and is recomputed when one differs. The same holds for
the prune-only collapse sweep (``<out>/collapse/``). Then the aggregated
``results.csv``, ``results.json``, ``summary.md`` and PNG plots are (re)written from all cells.

A method may carry Frankle et al. 2021 sanity checks after a colon: ``synflow:shuffle``,
``snip:invert``, ``magnitude:reinit+shuffle``.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import time
from pathlib import Path
from typing import Any, Sequence

import torch
from tqdm.auto import tqdm

from topoeuler.pruning.api import prune
from topoeuler.pruning.data import DATASETS, Split, load_split
from topoeuler.pruning.models import MODELS, build_model
from topoeuler.pruning.path_kernel import path_kernel_trace
from topoeuler.pruning.registry import get_method
from topoeuler.pruning.report import write_reports
from topoeuler.pruning.training import train

SANITY_CHECKS = ("shuffle", "reinit", "invert")
DEFAULT_METHODS = ("random", "magnitude", "snip", "grasp", "synflow", "synflow_l2", "synflow_dist")


def parse_method(spec: str) -> tuple[str, dict[str, bool]]:
    """``"name[:check[+check]]"`` -> ``(name, {"shuffle": .., "reinit": .., "invert": ..})``."""
    name, _, checks = spec.partition(":")
    get_method(name)
    flags = {check: False for check in SANITY_CHECKS}
    for check in filter(None, checks.split("+")):
        if check not in flags:
            raise ValueError(f"unknown sanity check {check!r} in method {spec!r}; known: {SANITY_CHECKS}")
        flags[check] = True
    return name, flags


def _write_json(path: Path, record: dict) -> None:
    """Atomic write, so that an interrupted run never leaves a half-written cell."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=1))
    os.replace(tmp, path)


def _cached(path: Path, settings: dict) -> dict | None:
    """The finished cell at ``path`` when it was computed with ``settings``, else None."""
    if not path.exists():
        return None
    record = json.loads(path.read_text())
    return record if record.get("settings") == settings else None


def _examples(data) -> int | None:
    """Number of examples of a pruning batch (an ``(inputs, labels)`` pair or a PyG batch)."""
    if isinstance(data, (tuple, list)):
        return len(data[0])
    return getattr(data, "num_graphs", None)


def _cell_name(model: str, dataset: str, method: str, compression: float, seed: int) -> str:
    return f"{model}__{dataset}__{method.replace(':', '-').replace('+', '-')}__c{compression:g}__s{seed}"


def _pruned_model(model_name, split, method_spec, compression, seed, iterations, scope, dtype):
    name, flags = parse_method(method_spec)
    torch.manual_seed(seed)
    model = build_model(model_name, split.input_shape, split.num_classes)
    start = time.perf_counter()
    result = prune(model, name, compression, data=split.prune_data, iterations=iterations, scope=scope,
                   seed=seed, dtype=dtype, **flags)
    return model, result, time.perf_counter() - start


def _collapse_cell(path: Path, model_name, dataset, split, method, compression, seed, iterations, scope, dtype,
                   settings) -> dict:
    cached = _cached(path, settings)
    if cached is not None:
        return cached
    _, result, seconds = _pruned_model(model_name, split, method, compression, seed, iterations, scope, dtype)
    record = {**result.to_dict(), "model": model_name, "dataset": dataset, "method": method, "prune_seconds": seconds,
              "settings": settings}
    _write_json(path, record)
    return record


def _train_cell(path: Path, model_name, dataset, split: Split, method, compression, seed, iterations, scope, dtype,
                train_options, progress, settings) -> dict:
    cached = _cached(path, settings)
    if cached is not None:
        return cached
    _, flags = parse_method(method)
    if compression == 0 and not any(flags.values()):
        # Nothing is pruned at c = 0 and the initialization depends on the seed only: every
        # method shares one trained dense cell.
        dense = path.with_name(f"{_cell_name(model_name, dataset, 'dense', 0.0, seed)}.json")
        record = _cached(dense, settings)
        if record is None:
            record = {**_trained(model_name, dataset, split, "magnitude", 0.0, seed, 1, scope, dtype, train_options,
                                 progress), "settings": settings}
            _write_json(dense, record)
        record = {**record, "method": method}
    else:
        record = {**_trained(model_name, dataset, split, method, compression, seed, iterations, scope, dtype,
                             train_options, progress), "settings": settings}
    _write_json(path, record)
    return record


def _trained(model_name, dataset, split: Split, method, compression, seed, iterations, scope, dtype,
             train_options, progress) -> dict:
    """Prunes a fresh model, logs its path-kernel trace, trains it; the cell's record."""
    model, result, seconds = _pruned_model(model_name, split, method, compression, seed, iterations, scope, dtype)
    trace_data = split.prune_data if split.kind == "graph" else None
    trace = path_kernel_trace(model, split.input_shape if trace_data is None else None, data=trace_data)
    start = time.perf_counter()
    outcome = train(model, split, seed=seed, progress=progress, **train_options)
    return {
        **result.to_dict(), "model": model_name, "dataset": dataset, "method": method,
        "path_kernel_trace": trace,
        "log10_path_kernel_trace": math.log10(trace) if trace > 0 else None,
        **outcome,
        "target_accuracy": train_options["target_accuracy"],
        "prune_seconds": seconds, "train_seconds": time.perf_counter() - start,
    }


def run_harness(
    model: str = "lenet5",
    dataset: str = "mnist",
    methods: Sequence[str] = DEFAULT_METHODS,
    compressions: Sequence[float] = (0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0),
    seeds: Sequence[int] = (0,),
    out_dir: str | os.PathLike = "pruning-results",
    *,
    epochs: int = 10,
    lr: float = 1e-3,
    batch_size: int = 64,
    target_accuracy: float = 0.9,
    collapse_compressions: Sequence[float] | None = None,
    iterations: int | None = None,
    scope: str = "global",
    dtype: torch.dtype | None = None,
    n_train: int | None = None,
    n_test: int | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Prunes at initialization, trains and evaluates every (method, compression, seed) cell.

    Args:
        model: ``mlp``, ``lenet5``, ``vgg_bn`` (images) or ``gin`` (graphs).
        dataset: ``mnist``, ``fashion_mnist`` (images) or ``mutag`` (graphs).
        methods: registry names, optionally with sanity checks (``"synflow:shuffle"``).
        compressions: exponents ``c`` (kept fraction ``10^-c``) to train at.
        seeds: one initialization (and data order) per seed, shared by all methods.
        out_dir: where cells, tables and plots go.
        epochs, lr, batch_size: Adam training of every cell.
        target_accuracy: training accuracy whose first reaching is logged (epochs to target).
        collapse_compressions: compressions of the prune-only sweep that finds the largest
            compression before a layer collapses; default ``0, 0.25, ..., 5``.
        iterations, scope, dtype: passed to :func:`~topoeuler.pruning.prune`.
        n_train, n_test: dataset sizes (see :func:`~topoeuler.pruning.data.load_split`).
        progress: progress bars.

    Returns:
        ``{"cells": [...], "collapse": [...], "summary": {...}}`` as written to ``results.json``.
    """
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r} (argument `model`); known: {sorted(MODELS)}")
    if (model == "gin") != (dataset == "mutag"):
        raise ValueError(f"model {model!r} does not fit dataset {dataset!r}: `gin` goes with `mutag`, the others with images")
    for method in methods:
        parse_method(method)
    if any(c < 0 for c in compressions):
        raise ValueError(f"compressions must be >= 0, got {list(compressions)}")
    collapse_compressions = [i / 4 for i in range(21)] if collapse_compressions is None else list(collapse_compressions)
    out = Path(out_dir)
    (out / "cells").mkdir(parents=True, exist_ok=True)
    (out / "collapse").mkdir(parents=True, exist_ok=True)
    split = load_split(dataset, n_train, n_test)
    train_options = dict(epochs=epochs, lr=lr, batch_size=batch_size, target_accuracy=target_accuracy)
    common = (model, dataset, split)
    # Every setting that changes a cell's result keys it (with the cell's name: model, dataset,
    # method, compression, seed): a cell computed with other settings is recomputed.
    prune_settings = {"iterations": iterations, "scope": scope, "dtype": str(dtype), "n_train": n_train,
                      "n_test": n_test, "prune_examples": _examples(split.prune_data)}
    train_settings = {**prune_settings, **train_options}
    sweep = [(m, c, s) for s in seeds for m in methods for c in collapse_compressions]
    collapse = [
        _collapse_cell(out / "collapse" / f"{_cell_name(model, dataset, m, c, s)}.json", *common, m, c, s, iterations,
                       scope, dtype, prune_settings)
        for m, c, s in tqdm(sweep, desc="collapse sweep", disable=not progress)
    ]
    grid = [(m, c, s) for s in seeds for m in methods for c in compressions]
    cells = [
        _train_cell(out / "cells" / f"{_cell_name(model, dataset, m, c, s)}.json", *common, m, c, s, iterations, scope,
                    dtype, train_options, progress, train_settings)
        for m, c, s in tqdm(grid, desc=f"{model} on {dataset}", disable=not progress)
    ]
    return write_reports(out, cells, collapse, methods)


def _floats(text: str) -> list[float]:
    """``"0,1,2.5"`` or ``"start:stop:step"`` (stop included) -> floats."""
    if ":" in text:
        start, stop, step = (float(x) for x in text.split(":"))
        count = int(math.floor((stop - start) / step + 1e-9)) + 1
        return [round(start + i * step, 10) for i in range(count)]
    return [float(x) for x in text.split(",") if x]


def main(argv: Sequence[str] | None = None) -> int:
    """``topoeuler prune ...``: runs :func:`run_harness` from the command line; returns the exit code."""
    parser = argparse.ArgumentParser(prog="topoeuler prune", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--model", default="lenet5", choices=sorted(MODELS))
    parser.add_argument("--dataset", default="mnist", choices=DATASETS)
    parser.add_argument("--methods", default=",".join(DEFAULT_METHODS), help="comma-separated; `name:shuffle+invert` adds sanity checks")
    parser.add_argument("--compressions", default="0:3:0.5", help="comma list or start:stop:step (stop included)")
    parser.add_argument("--collapse-compressions", default="0:5:0.25", help="prune-only sweep for layer collapse")
    parser.add_argument("--seeds", default="0", help="comma-separated integers")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--target-accuracy", type=float, default=0.9)
    parser.add_argument("--iterations", type=int, default=None, help="scoring rounds (default: the method's)")
    parser.add_argument("--scope", default="global", choices=["global", "local"])
    parser.add_argument("--float64", action="store_true", help="score in float64")
    parser.add_argument("--n-train", type=int, default=None)
    parser.add_argument("--n-test", type=int, default=None)
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (1 is fastest for these small models on a busy machine)")
    parser.add_argument("--out", default="pruning-results", help="output folder (cells are kept: rerun to resume)")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        report = run_harness(
            args.model, args.dataset, [m for m in args.methods.split(",") if m], _floats(args.compressions),
            [int(s) for s in args.seeds.split(",") if s], args.out, epochs=args.epochs, lr=args.lr,
            batch_size=args.batch_size, target_accuracy=args.target_accuracy,
            collapse_compressions=_floats(args.collapse_compressions), iterations=args.iterations,
            scope=args.scope, dtype=torch.float64 if args.float64 else None, n_train=args.n_train,
            n_test=args.n_test, progress=not args.no_progress,
        )
    except (ValueError, FileNotFoundError, ImportError) as error:
        print(f"topoeuler prune: error: {error}")
        return 2
    print(report["markdown"])
    return 0
