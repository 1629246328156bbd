"""Training and evaluation of a pruned model, with the epochs needed to reach a training accuracy."""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from topoeuler.pruning.data import Split


def _batches(split: Split, part: Any, batch_size: int, generator: torch.Generator | None):
    """Minibatches ``(inputs, labels)`` of ``part`` (shuffled when ``generator`` is given)."""
    if split.kind == "graph":
        from torch_geometric.data import Batch

        order = torch.randperm(len(part), generator=generator) if generator is not None else torch.arange(len(part))
        for start in range(0, len(part), batch_size):
            batch = Batch.from_data_list([part[int(i)] for i in order[start : start + batch_size]])
            yield batch, batch.y
        return
    inputs, labels = part
    order = torch.randperm(len(labels), generator=generator) if generator is not None else torch.arange(len(labels))
    for start in range(0, len(labels), batch_size):
        index = order[start : start + batch_size]
        yield inputs[index], labels[index]


@torch.no_grad()
def accuracy(model: nn.Module, split: Split, part: Any, batch_size: int = 512) -> float:
    """Top-1 accuracy of ``model`` (evaluation mode; the mode is restored) on ``part``."""
    was_training = model.training
    model.eval()
    correct = total = 0
    for inputs, labels in _batches(split, part, batch_size, None):
        correct += int((model(inputs).argmax(-1) == labels).sum())
        total += len(labels)
    model.train(was_training)
    return correct / total


def _subset(split: Split, part: Any, n: int) -> Any:
    return part[:n] if split.kind == "graph" else (part[0][:n], part[1][:n])


def train(
    model: nn.Module,
    split: Split,
    *,
    epochs: int,
    lr: float = 1e-3,
    batch_size: int = 64,
    target_accuracy: float = 0.9,
    evals_per_epoch: int = 4,
    seed: int = 0,
    progress: bool = False,
) -> dict[str, Any]:
    """Trains ``model`` with Adam on ``split.train`` (masks stay applied through the
    ``torch.nn.utils.prune`` hooks) and evaluates on ``split.test``.

    The training accuracy on (up to) 1000 training examples is measured ``evals_per_epoch``
    times per epoch; ``epochs_to_target`` is the first such point (in epochs, a multiple of
    ``1/evals_per_epoch``) where it reaches ``target_accuracy``, or ``None`` if never.

    Returns:
        ``{"test_accuracy", "train_accuracy", "epochs_to_target", "curve"}`` where ``curve``
        lists ``(epoch, train accuracy)``.
    """
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    generator = torch.Generator().manual_seed(seed)
    probe = _subset(split, split.train, 1000)
    n_train = len(split.train) if split.kind == "graph" else len(split.train[1])
    steps = max(1, -(-n_train // batch_size))
    eval_at = {round(steps * k / evals_per_epoch) for k in range(1, evals_per_epoch + 1)}
    curve, reached = [], None
    model.train()
    for epoch in tqdm(range(epochs), desc="train", disable=not progress, leave=False):
        for step, (inputs, labels) in enumerate(_batches(split, split.train, batch_size, generator), start=1):
            optimizer.zero_grad()
            F.cross_entropy(model(inputs), labels).backward()
            optimizer.step()
            if step in eval_at:
                at = round(epoch + step / steps, 4)
                acc = accuracy(model, split, probe)
                curve.append((at, acc))
                if reached is None and acc >= target_accuracy:
                    reached = at
    return {
        "test_accuracy": accuracy(model, split, split.test),
        "train_accuracy": curve[-1][1] if curve else accuracy(model, split, probe),
        "epochs_to_target": reached,
        "curve": curve,
    }
