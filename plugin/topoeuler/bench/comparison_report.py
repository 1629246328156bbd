"""The comparison suite's report: CSV and JSON of every cell, a Markdown summary, PNG figures.

Accuracies are the mean and standard deviation over seeds x folds. Feature time is the wall
time of ``fit`` + ``transform`` of the training split plus ``transform`` of the test split,
per sample; ``feature s (dataset)`` extrapolates it linearly to the whole data set where a slow
peer ran on a stated subset (``n`` < the data set's size). Speed-ups compare per-sample times.
"""
from __future__ import annotations

import datetime
import json
import os
import sys
from pathlib import Path

import numpy as np

from topoeuler.bench.report import format_bytes, format_ratio, format_seconds, machine_info, markdown_table

FIXED_SIDE = "topoeuler"
PEER_SIDE = "giotto-tda"


def cell_rows(cells: list[dict]) -> list[dict]:
    """One flat row per cell."""
    rows = []
    for cell in cells:
        key, result = cell["key"], cell["result"]
        rows.append({"dataset": key["dataset"]["name"], "method": key["method"]["name"], "kind": key["method"]["kind"],
                     "classifier": key["classifier"]["name"], "seed": key["seed"], "fold": key["fold"], **result})
    return rows


def summary(rows: list[dict]):
    """pandas DataFrame: one row per (dataset, method, classifier) with accuracy mean/std and median times."""
    import pandas as pd

    frame = pd.DataFrame(rows)
    for column in ("feature_s_per_sample", "feature_s_dataset", "feature_peak_bytes", "n_features"):
        if column not in frame:
            frame[column] = np.nan
    grouped = frame.groupby(["dataset", "method", "classifier"], sort=False)
    return grouped.agg(side=("side", "first"), kind=("kind", "first"), n=("n_samples", "first"),
                       n_dataset=("n_samples_dataset", "first"), accuracy=("accuracy", "mean"),
                       accuracy_std=("accuracy", "std"), cells=("accuracy", "size"), n_features=("n_features", "first"),
                       feature_s_per_sample=("feature_s_per_sample", "median"),
                       feature_s_dataset=("feature_s_dataset", "median"), train_s=("train_s", "median"),
                       peak=("feature_peak_bytes", "max")).reset_index()


def best_per_side(table):
    """Per dataset: giotto-tda's most accurate (method, classifier), and topoeuler's most accurate fixed
    features on the same samples (same ``n``: the same protocol), else on any ``n``."""
    out = []
    for dataset, part in table.groupby("dataset", sort=False):
        peers = part[part.side == PEER_SIDE].sort_values("accuracy", ascending=False)
        ours = part[part.side == FIXED_SIDE].sort_values("accuracy", ascending=False)
        if peers.empty or ours.empty:
            continue
        peer = peers.iloc[0]
        same = ours[ours.n == peer.n]
        ours = (same if not same.empty else ours).iloc[0]
        out.append({"dataset": dataset, "ours": ours, "peer": peer,
                    "speedup": peer.feature_s_per_sample / ours.feature_s_per_sample})
    return out


def _fmt_time(value) -> str:
    return "n/a" if value is None or not np.isfinite(value) else format_seconds(float(value))


def markdown(suite: dict, table, best, command: str) -> str:
    machine = machine_info()
    machine["load average (1, 5, 15 min)"] = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [f"# topoeuler vs giotto-tda: the {suite['name']} comparison suite", "",
             f"- date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}",
             f"- command: `{command}`",
             f"- protocol: stratified {suite['folds']}-fold cross-validation, seeds {list(suite['seeds'])}; the same folds "
             "for every method on the same samples; accuracy = mean ± std over seeds x folds; feature time = fit + "
             "transform of the training split + transform of the test split, per sample, single-threaded",
             "", markdown_table(["machine", ""], list(machine.items()), align="ll"), "",
             "## Best feature set per side", "",
             "`n`: samples the method ran on (a slow peer runs on a stated stratified subset; its time is "
             "extrapolated linearly to the data set in `feature s (dataset)`).", ""]
    rows = []
    for b in best:
        o, p = b["ours"], b["peer"]
        rows.append([b["dataset"], f"{o.method} + {o.classifier}", f"{o.accuracy:.3f} ± {o.accuracy_std:.3f}", int(o.n),
                     f"{p.method} + {p.classifier}", f"{p.accuracy:.3f} ± {p.accuracy_std:.3f}", int(p.n),
                     format_ratio(b["speedup"]), "yes" if o.accuracy >= p.accuracy else "no"])
    lines.append("Each row compares on the same samples where topoeuler ran on giotto-tda's subset.\n")
    lines.append(markdown_table(["dataset", "topoeuler best", "accuracy", "n", "giotto-tda best", "accuracy", "n",
                                 "feature speed-up", "topoeuler >= giotto-tda"], rows, align="llrrlrrrr"))
    for dataset, part in table.groupby("dataset", sort=False):
        lines += ["", f"## {dataset}", ""]
        rows = [[r.method, r.side, r.classifier, int(r.n), f"{r.accuracy:.3f} ± {0 if np.isnan(r.accuracy_std) else r.accuracy_std:.3f}",
                 "" if np.isnan(r.n_features) else int(r.n_features), _fmt_time(r.feature_s_per_sample),
                 _fmt_time(r.feature_s_dataset), _fmt_time(r.train_s),
                 format_bytes(None if np.isnan(r.peak) else int(r.peak))] for r in part.itertuples()]
        lines.append(markdown_table(["method", "side", "classifier", "n", "accuracy", "features", "feature s / sample",
                                     "feature s (dataset)", "train s", "feature peak memory"], rows,
                                    align="lllrrrrrrr"))
    return "\n".join(lines) + "\n"


def accuracy_figure(table, path: Path) -> None:
    """Accuracy (best classifier) against feature time per sample, one panel per data set, one point per method."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    datasets = list(dict.fromkeys(table.dataset))
    cols = min(3, len(datasets))
    rows = -(-len(datasets) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 3.8 * rows), squeeze=False)
    colors = {FIXED_SIDE: "tab:blue", PEER_SIDE: "tab:red"}
    for ax, dataset in zip(axes.flat, datasets):
        part = table[table.dataset == dataset]
        best = part.loc[part.groupby("method", sort=False).accuracy.idxmax()]
        for r in best.itertuples():
            if not np.isfinite(r.feature_s_per_sample):
                continue  # trained end to end: no feature time
            ax.scatter(r.feature_s_per_sample, r.accuracy, color=colors.get(r.side, "tab:gray"), s=30)
            ax.annotate(f"{r.method} ({r.classifier})", (r.feature_s_per_sample, r.accuracy), fontsize=7,
                        xytext=(3, 3), textcoords="offset points")
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set(title=dataset, xlabel="feature time per sample (s, log)", ylabel="accuracy")
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(datasets):]:
        ax.axis("off")
    fig.suptitle("accuracy vs feature time (blue: topoeuler, red: giotto-tda; best classifier per method)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(suite: dict, cells: list[dict], out: Path, command: str | None = None) -> list[Path]:
    """Writes ``out/comparison.{csv,json,md}`` and ``out/figures/*.png``; returns the paths."""
    import pandas as pd

    from topoeuler.bench.pictures import sample_pictures

    if not cells:
        raise ValueError("no finished cells to report")
    command = command or "topoeuler bench " + " ".join(sys.argv[1:])
    out.mkdir(parents=True, exist_ok=True)
    (out / "figures").mkdir(exist_ok=True)
    rows = cell_rows(cells)
    table = summary(rows)
    best = best_per_side(table)
    paths = [out / "comparison.csv", out / "comparison.json", out / "comparison.md", out / "figures" / "accuracy_vs_time.png"]
    pd.DataFrame(rows).to_csv(paths[0], index=False)
    paths[1].write_text(json.dumps({"suite": suite, "machine": machine_info(),
                                    "summary": json.loads(table.to_json(orient="records")), "cells": cells}, indent=1))
    paths[2].write_text(markdown(suite, table, best, command))
    accuracy_figure(table, paths[3])
    paths += sample_pictures(suite, out / "figures")
    return paths
