"""Tables, rank correlations and plots of a harness run (``results.csv``, ``results.json``,
``summary.md``, ``*.png``)."""
from __future__ import annotations

import csv
import json
import math
import statistics
import warnings
from pathlib import Path
from typing import Any, Sequence

SCALAR_COLUMNS = (
    "model", "dataset", "method", "compression", "seed", "density", "collapsed", "test_accuracy",
    "train_accuracy", "epochs_to_target", "target_accuracy", "path_kernel_trace", "prune_seconds", "train_seconds",
)


def _ranks(values: Sequence[float]) -> list[float]:
    """Ranks 1..n, ties given their average rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Spearman rank correlation (Pearson correlation of average ranks); ``None`` if undefined."""
    if len(x) < 3:
        return None
    rx, ry = _ranks(x), _ranks(y)
    mx, my = statistics.fmean(rx), statistics.fmean(ry)
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sxx, syy = sum((a - mx) ** 2 for a in rx), sum((b - my) ** 2 for b in ry)
    return None if sxx == 0 or syy == 0 else sxy / math.sqrt(sxx * syy)


def _epochs_or_never(cell: dict) -> float:
    """Epochs to the target accuracy; a cell that never reached it counts as one epoch more than trained."""
    if cell["epochs_to_target"] is not None:
        return cell["epochs_to_target"]
    return (cell["curve"][-1][0] if cell["curve"] else 0) + 1


def correlations(cells: list[dict]) -> dict[str, Any]:
    """Spearman rho of the path-kernel trace against the epochs to the target accuracy:
    over all cells, and over the cells of each compression > 0 (methods and seeds).
    The paper's claim (a larger trace converges faster) means a negative rho."""
    out = {"all": spearman([c["path_kernel_trace"] for c in cells], [_epochs_or_never(c) for c in cells])}
    for comp in sorted({c["compression"] for c in cells if c["compression"] > 0}):
        sel = [c for c in cells if c["compression"] == comp]
        out[f"c={comp:g}"] = spearman([c["path_kernel_trace"] for c in sel], [_epochs_or_never(c) for c in sel])
    return out


def max_compression_without_collapse(collapse: list[dict], methods: Sequence[str]) -> dict[str, float | None]:
    """Per method: the largest swept compression such that no seed collapsed a layer at it or below."""
    out = {}
    for method in methods:
        rows = sorted((r for r in collapse if r["method"] == method), key=lambda r: r["compression"])
        best = None
        for comp in sorted({r["compression"] for r in rows}):
            if any(r["collapsed"] for r in rows if r["compression"] == comp):
                break
            best = comp
        out[method] = best
    return out


def _mean_std(values: list[float]) -> tuple[float, float]:
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def _markdown(cells, methods, no_collapse, rho) -> str:
    comps = sorted({c["compression"] for c in cells})
    seeds = sorted({c["seed"] for c in cells})
    model, dataset = cells[0]["model"], cells[0]["dataset"]
    lines = [
        f"Test accuracy of {model} on {dataset} after pruning at initialization (mean"
        f"{' ± std' if len(seeds) > 1 else ''} over seeds {seeds}); kept fraction 10^-c; "
        "`*` = a layer collapsed in at least one seed.",
        "",
        "| method | " + " | ".join(f"c={c:g}" for c in comps) + " | largest c without collapse |",
        "|---|" + "---:|" * (len(comps) + 1),
    ]
    for method in methods:
        row = []
        for comp in comps:
            sel = [c for c in cells if c["method"] == method and c["compression"] == comp]
            if not sel:
                row.append("")
                continue
            mean, std = _mean_std([c["test_accuracy"] for c in sel])
            text = f"{mean:.3f}" + (f" ± {std:.3f}" if len(sel) > 1 else "")
            row.append(text + ("*" if any(c["collapsed"] for c in sel) else ""))
        best = no_collapse.get(method)
        lines.append(f"| {method} | " + " | ".join(row) + f" | {'none' if best is None else f'{best:g}'} |")
    lines += [
        "",
        "Spearman rank correlation of the path-kernel trace at initialization with the epochs to "
        f"reach {cells[0]['target_accuracy']:.0%} training accuracy (negative = a larger trace trains faster): "
        + ", ".join(f"{k}: {'n/a' if v is None else f'{v:+.2f}'}" for k, v in rho.items()),
    ]
    return "\n".join(lines) + "\n"


def _plots(out: Path, cells, collapse, methods, no_collapse) -> list[str]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        warnings.warn("matplotlib is not installed: no plots written (pip install matplotlib)", stacklevel=2)
        return []
    written = []
    model, dataset = cells[0]["model"], cells[0]["dataset"]

    def save(fig, name: str) -> None:
        fig.tight_layout()
        fig.savefig(out / name, dpi=120)
        plt.close(fig)
        written.append(name)

    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for method in methods:
        comps = sorted({c["compression"] for c in cells if c["method"] == method})
        stats = [_mean_std([c["test_accuracy"] for c in cells if c["method"] == method and c["compression"] == x]) for x in comps]
        ax.errorbar(comps, [s[0] for s in stats], yerr=[s[1] for s in stats], marker="o", capsize=2, label=method)
    ax.set(xlabel="compression c (kept fraction 10^-c)", ylabel="test accuracy", title=f"{model} on {dataset}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    save(fig, "accuracy_vs_compression.png")

    seed = min(r["seed"] for r in collapse)
    cols = min(4, len(methods))
    rows = math.ceil(len(methods) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.8 * rows), sharey=True, squeeze=False)
    for ax, method in zip(axes.flat, methods):
        sel = sorted((r for r in collapse if r["method"] == method and r["seed"] == seed), key=lambda r: r["compression"])
        for layer in sel[0]["layer_density"] if sel else []:
            ax.plot([r["compression"] for r in sel], [max(r["layer_density"][layer], 1e-6) for r in sel], label=layer)
        ax.set_yscale("log")
        ax.set_title(method, fontsize=9)
        ax.set_xlabel("c", fontsize=8)
    for ax in list(axes.flat)[len(methods):]:
        ax.axis("off")
    axes[0][0].set_ylabel("layer density (1e-6 = collapsed)")
    axes[0][0].legend(fontsize=6)
    fig.suptitle(f"per-layer density, {model} (seed {seed})", fontsize=10)
    save(fig, "layer_density.png")

    fig, ax = plt.subplots(figsize=(6.5, 3.5))
    values = [no_collapse[m] if no_collapse[m] is not None else 0.0 for m in methods]
    ax.bar(range(len(methods)), values, color="tab:blue")
    ax.set_xticks(range(len(methods)), methods, rotation=30, ha="right", fontsize=8)
    sweep_max = max(r["compression"] for r in collapse)
    ax.set(ylabel="largest c without collapse", title=f"layer collapse, {model} (sweep up to c={sweep_max:g})")
    save(fig, "collapse.png")

    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for method in methods:
        sel = [c for c in cells if c["method"] == method and c["path_kernel_trace"] > 0]
        ax.scatter([math.log10(c["path_kernel_trace"]) for c in sel], [_epochs_or_never(c) for c in sel], label=method, s=18)
    ax.set(xlabel="log10 trace of the path kernel at initialization",
           ylabel=f"epochs to {cells[0]['target_accuracy']:.0%} train accuracy",
           title="path kernel vs convergence (never reached = trained epochs + 1)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    save(fig, "path_kernel_vs_epochs.png")
    return written


def write_reports(out: Path, cells: list[dict], collapse: list[dict], methods: Sequence[str]) -> dict[str, Any]:
    """Writes ``results.csv``, ``results.json``, ``summary.md`` and the plots into ``out``; returns the JSON."""
    layers = sorted({k for c in cells for k in c["layer_density"]})
    with open(out / "results.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(SCALAR_COLUMNS) + [f"density[{k}]" for k in layers])
        for c in cells:
            writer.writerow([c.get(k) for k in SCALAR_COLUMNS] + [c["layer_density"].get(k) for k in layers])
    no_collapse = max_compression_without_collapse(collapse, methods)
    rho = correlations(cells)
    markdown = _markdown(cells, methods, no_collapse, rho)
    (out / "summary.md").write_text(markdown)
    plots = _plots(out, cells, collapse, methods, no_collapse)
    report = {
        "cells": cells,
        "collapse": collapse,
        "summary": {"max_compression_without_collapse": no_collapse, "spearman_trace_vs_epochs": rho, "plots": plots},
        "markdown": markdown,
    }
    (out / "results.json").write_text(json.dumps(report, indent=1))
    return report
