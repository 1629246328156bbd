"""Data-free single-shot baselines: random and magnitude scores."""
from __future__ import annotations

import torch

from topoeuler.pruning.registry import register


@register("random")
def random_scores(model, targets, batches, *, generator: torch.Generator | None = None):
    """Random: i.i.d. uniform scores in [0, 1), so every weight is equally likely to be kept."""
    return {
        t.key: torch.rand(t.tensor(model).shape, generator=generator, dtype=torch.float64).to(t.tensor(model))
        for t in targets
    }


@register("magnitude")
def magnitude_scores(model, targets, batches):
    """Magnitude: ``|theta|``."""
    return {t.key: t.tensor(model).detach().abs() for t in targets}
