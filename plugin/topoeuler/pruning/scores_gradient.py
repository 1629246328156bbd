"""Data-dependent single-shot methods: SNIP (Lee et al. 2019) and GraSP (Wang et al. 2020).

Both use the loss of the working copy (evaluation mode unless ``train_mode=True``) on every
batch of ``data``; the loss of a batch is ``loss(model(inputs), labels)``, by default the mean
cross-entropy, and batch losses are summed.
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

from topoeuler.pruning.registry import register


def _gradients(model, tensors, batches, loss, temperature=1.0, create_graph=False):
    """Gradient of ``sum_b loss(model(x_b) / temperature, y_b)`` w.r.t. ``tensors`` (zeros where unused)."""
    total = sum(loss(model(inputs) / temperature, labels) for inputs, labels in batches)
    grads = torch.autograd.grad(total, tensors, create_graph=create_graph, allow_unused=True)
    return [torch.zeros_like(p) if g is None else g for g, p in zip(grads, tensors)]


@register("snip", needs_data=True)
def snip_scores(model, targets, batches, *, loss: Callable | None = None):
    """SNIP: connection sensitivity ``|dL/dtheta * theta|``."""
    tensors = [t.tensor(model) for t in targets]
    grads = _gradients(model, tensors, batches, loss or F.cross_entropy)
    return {t.key: (g * p).detach().abs() for t, g, p in zip(targets, grads, tensors)}


@register("grasp", needs_data=True)
def grasp_scores(model, targets, batches, *, loss: Callable | None = None, temperature: float = 200.0):
    """GraSP: returns ``theta * (H g)``, i.e. minus the paper's ``S(-theta) = -theta * Hg``.

    ``g`` is the gradient of the loss (logits divided by ``temperature``, 200 as in the
    reference implementation) with respect to the prunable tensors and ``H`` the Hessian
    restricted to them. GraSP removes the weights with the *highest* ``-theta * Hg``; with the
    registry's convention that higher scores are kept, the score returned here is its negative,
    so keeping the highest ``theta * Hg`` is exactly GraSP's rule. (The reference
    implementation's normalisation by the absolute score sum does not change the ranking and
    is not applied.)
    """
    tensors = [t.tensor(model) for t in targets]
    loss = loss or F.cross_entropy
    stopped = [g.detach() for g in _gradients(model, tensors, batches, loss, temperature)]
    grads = _gradients(model, tensors, batches, loss, temperature, create_graph=True)
    inner = sum((g * s).sum() for g, s in zip(grads, stopped))
    hg = torch.autograd.grad(inner, tensors, allow_unused=True)
    return {
        t.key: torch.zeros_like(p) if h is None else (h * p).detach()
        for t, h, p in zip(targets, hg, tensors)
    }
