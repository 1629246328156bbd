"""Data-free path scores: SynFlow (Tanaka et al. 2020) and the path-kernel variants of
Gebhart, Saxena and Schrater 2021 (SynFlow-L2, SynFlow-Dist).

All three run on a private working copy in evaluation mode (see
:mod:`topoeuler.pruning.networks` for what happens to biases and BatchNorm) and leave the
model untouched, so there are no signs to restore. They always compute in float64, whatever
``dtype`` the copy has: path sums grow geometrically with depth and overflow float32 within a
few dozen layers (an infinite score would outrank every other). Scores that still overflow
raise in :func:`~topoeuler.pruning.prune`.
"""
from __future__ import annotations

from typing import Sequence

import torch

from topoeuler.pruning.inputs import mean_input, ones_input
from topoeuler.pruning.networks import make_absolute, make_squared
from topoeuler.pruning.registry import register


def _in_float64(model, make_network) -> None:
    """The working copy ``model`` in float64, turned into its path network by ``make_network``."""
    model.to(torch.float64)
    make_network(model)


def _saliency(model, targets, inputs):
    """``|theta * dR/dtheta|`` with ``R = sum(model(inputs))`` (zeros for unused tensors)."""
    tensors = [t.tensor(model) for t in targets]
    grads = torch.autograd.grad(model(inputs).sum(), tensors, allow_unused=True)
    return {
        t.key: torch.zeros_like(p) if g is None else (g * p).detach().abs()
        for t, g, p in zip(targets, grads, tensors)
    }


@register("synflow", iterations=100)
def synflow_scores(model, targets, batches, *, input_shape: Sequence[int] | None = None):
    """SynFlow: ``dR/dtheta * theta`` with ``R = 1^T (prod_l |W_l|) 1`` on the absolute network.

    The input is all ones of one example's shape (``input_shape``, else the data's, else
    ``model.input_shape``); only the shape of ``data`` is used.
    """
    _in_float64(model, make_absolute)
    return _saliency(model, targets, ones_input(batches, input_shape, model))


@register("synflow_dist", iterations=100, needs_data=True)
def synflow_dist_scores(model, targets, batches):
    """SynFlow-Dist: SynFlow with the mean example of ``data`` as input instead of ones."""
    _in_float64(model, make_absolute)
    return _saliency(model, targets, mean_input(batches, model))


@register("synflow_l2", iterations=100)
def synflow_l2_scores(model, targets, batches, *, input_shape: Sequence[int] | None = None):
    """SynFlow-L2: ``theta * dR2/dtheta`` with the squared path norm ``R2 = 1^T (prod_l W_l^2) 1``.

    Computed on the squared network in one forward and one backward pass: every path tensor
    ``u`` of that network is ``theta ** 2`` (times a constant for BatchNorm scales), so
    ``theta * dR2/dtheta = 2 u * dR2/du``; it equals ``2 theta**2 * diag(Pi)`` for the path
    kernel ``Pi``. Biases start no path (they are 0 in the squared network) and score 0.
    """
    _in_float64(model, make_squared)
    inputs = ones_input(batches, input_shape, model)
    tensors = [t.tensor(model) for t in targets]
    grads = torch.autograd.grad(model(inputs).sum(), tensors, allow_unused=True)
    return {
        t.key: torch.zeros_like(u) if g is None else (2 * u * g).detach()
        for t, g, u in zip(targets, grads, tensors)
    }
