"""Shared helpers of the training examples: seeded loop with progress bars, curves PNG, JSON summary."""
from __future__ import annotations

import json
import time
from pathlib import Path

import torch
from torch import nn

try:
    from tqdm import tqdm
except ImportError:  # progress bars are optional
    def tqdm(iterable, **_):
        return iterable

RESULTS = Path(__file__).resolve().parent / "results"


def run(model: nn.Module, train_batches, test_batches, epochs: int, lr: float, label: str,
        direction_lr: float | None = None) -> dict:
    """Adam + cosine schedule; ``*_batches`` are callables returning an iterable of (inputs: dict, y).
    Returns the per-epoch history."""
    groups = [{"params": [p for n, p in model.named_parameters() if not n.startswith("ect.")], "lr": lr}]
    ect_params = [p for n, p in model.named_parameters() if n.startswith("ect.")]
    if ect_params:
        groups.append({"params": ect_params, "lr": direction_lr or lr})
    optimiser = torch.optim.Adam(groups)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, epochs)
    history = {"label": label, "epoch": [], "train_loss": [], "train_acc": [], "test_loss": [], "test_acc": [],
               "seconds": []}
    start = time.perf_counter()
    for epoch in range(epochs):
        model.train()
        total = correct = loss_sum = 0
        for inputs, y in tqdm(train_batches(epoch), desc=f"{label} epoch {epoch + 1}/{epochs}", leave=False):
            logits = model(**inputs)
            loss = nn.functional.cross_entropy(logits, y)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            loss_sum += loss.item() * len(y)
            correct += int((logits.argmax(1) == y).sum())
            total += len(y)
        schedule.step()
        test_loss, test_acc = evaluate(model, test_batches())
        history["epoch"].append(epoch + 1)
        history["train_loss"].append(loss_sum / total)
        history["train_acc"].append(correct / total)
        history["test_loss"].append(test_loss)
        history["test_acc"].append(test_acc)
        history["seconds"].append(time.perf_counter() - start)
        print(f"[{label}] epoch {epoch + 1:2d}  train loss {loss_sum / total:.4f} acc {correct / total:.4f}  "
              f"test loss {test_loss:.4f} acc {test_acc:.4f}  ({history['seconds'][-1]:.0f} s)", flush=True)
    return history


@torch.no_grad()
def evaluate(model: nn.Module, batches) -> tuple[float, float]:
    model.eval()
    total = correct = loss_sum = 0
    for inputs, y in batches:
        logits = model(**inputs)
        loss_sum += float(nn.functional.cross_entropy(logits, y, reduction="sum"))
        correct += int((logits.argmax(1) == y).sum())
        total += len(y)
    return loss_sum / total, correct / total


def save(histories: list[dict], name: str, title: str, extra: dict | None = None) -> None:
    """Writes results/<name>.png (loss and accuracy curves) and results/<name>.json."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    RESULTS.mkdir(exist_ok=True)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 4))
    for h in histories:
        line, = ax_loss.plot(h["epoch"], h["train_loss"], label=f"{h['label']} train")
        ax_loss.plot(h["epoch"], h["test_loss"], "--", color=line.get_color(), label=f"{h['label']} test")
        ax_acc.plot(h["epoch"], h["train_acc"], color=line.get_color(), label=f"{h['label']} train")
        ax_acc.plot(h["epoch"], h["test_acc"], "--", color=line.get_color(), label=f"{h['label']} test")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="loss")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(RESULTS / f"{name}.png", dpi=120)
    summary = {"title": title, "runs": {h["label"]: {"final_test_acc": h["test_acc"][-1],
                                                     "best_test_acc": max(h["test_acc"]),
                                                     "final_train_acc": h["train_acc"][-1],
                                                     "seconds": h["seconds"][-1]} for h in histories},
               "histories": histories, **(extra or {})}
    (RESULTS / f"{name}.json").write_text(json.dumps(summary, indent=1))
    print(json.dumps(summary["runs"], indent=1))


def merge(name: str) -> None:
    """Combines results/<name>_*.json (variants run in parallel) into results/<name>.png/json."""
    parts = sorted(RESULTS.glob(f"{name}_*.json"))
    if not parts:
        raise FileNotFoundError(f"no {RESULTS}/{name}_*.json to merge")
    loaded = [json.loads(p.read_text()) for p in parts]
    histories = [h for part in loaded for h in part["histories"]]
    save(histories, name, loaded[0]["title"], {"config": loaded[0].get("config"), "merged_from": [p.name for p in parts]})
