"""The trace of the path kernel (Gebhart, Saxena and Schrater 2021).

For a network whose output is a sum over input-output paths ``p`` of path values
``psi_p = prod_{theta in p} theta`` (times the input), the path kernel is
``Pi = J_theta(psi) J_theta(psi)^T``, the data-independent factor of the neural tangent
kernel. Its trace is

    Tr Pi = sum_p sum_{theta_j in p} (d psi_p / d theta_j)^2
          = sum_j  d R2 / d(theta_j^2),      R2 = 1^T (prod_l W_l^{.2}) 1 = sum_p psi_p^2,

(each weight lies at most once on a path), i.e. one forward pass of the squared-weight
network on an all-ones input and one backward pass to its squared weights.
"""
from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import nn

from topoeuler.pruning.inputs import as_batches, cast, ones_input
from topoeuler.pruning.networks import make_squared
from topoeuler.pruning.targets import is_layer, working_copy


def path_kernel_trace(
    model: nn.Module,
    input_shape: Sequence[int] | None = None,
    *,
    data: Any = None,
    dtype: torch.dtype = torch.float64,
) -> float:
    """``Tr Pi = sum_j dR2/d(theta_j^2)`` over the weights of every Linear and Conv layer.

    Computed on a copy (the model is unchanged) turned into the squared-weight network of
    :mod:`topoeuler.pruning.networks`: weights squared, **biases set to 0** (they start no
    input-output path and are not path parameters), an eval-mode **BatchNorm** contributes
    its squared per-channel scale ``(gamma / sqrt(var + eps))^2`` as a fixed factor (its shift
    is dropped; its scale is not summed over), other normalisation layers raise. Weights
    pruned with ``torch.nn.utils.prune`` are zero and are left out of the sum (they are no
    longer parameters); the paths through them vanish.

    Args:
        model: the network.
        input_shape: shape of one example without the batch dimension, e.g. ``(1, 28, 28)``;
            optional when ``data`` or ``model.input_shape`` says it.
        data: a batch (as in :func:`~topoeuler.pruning.scores`) whose shape is used; for graph
            models a PyG batch whose graphs carry the paths (node features set to ones).
        dtype: computation dtype (float64 by default: path sums grow geometrically with depth).

    Returns:
        The trace as a Python float.
    """
    work = working_copy(model, dtype=dtype)
    make_squared(work)
    param = next(work.parameters())
    batches = [(cast(x, dtype, param.device), y) for x, y in as_batches(data)]
    inputs = ones_input(batches, input_shape, work)
    layers = [(name, module) for name, module in work.named_modules() if is_layer(module)]
    weights = [module.weight for _, module in layers]
    grads = torch.autograd.grad(work(inputs).sum(), weights, allow_unused=True)
    trace = torch.zeros((), dtype=dtype, device=param.device)  # accumulated on the model's device
    for (name, _), grad in zip(layers, grads):
        if grad is None:
            continue
        mask = getattr(model.get_submodule(name), "weight_mask", None)
        trace += grad.sum() if mask is None else (grad * mask.to(grad)).sum()
    return float(trace)
