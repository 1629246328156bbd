"""The two path networks built from a working copy (in place; only ever called on a copy).

**Absolute network** (SynFlow, SynFlow-Dist; as the reference implementation of Tanaka et al.
2020): every floating-point parameter *and buffer* is replaced by its absolute value and the
copy is in evaluation mode. So biases, BatchNorm's affine parameters and running means enter
as ``|.|``; BatchNorm computes ``(x - |mu|) / sqrt(var + eps) * |gamma| + |beta|``.

**Squared network** (path kernel, SynFlow-L2; Gebhart et al. 2021): the product of squared
weights along every input-output path. Linear/Conv weights become ``W ** 2``; biases become 0
(a bias starts no input-output path); an eval-mode BatchNorm is a per-channel linear map
``x -> a x + b`` with ``a = gamma / sqrt(var + eps)``: its shift ``b`` is dropped and its
scale becomes ``a ** 2`` (so a path through it carries ``a ** 2`` like a squared weight; the
BatchNorm scale is a fixed factor, not a path weight). Other normalisation layers are not
linear per example and raise. Parameter-free operations (ReLU, pooling, flattening, graph
aggregation) are applied as they are: with non-negative weights and inputs ReLU is the
identity; average pooling keeps its ``1/k`` factor and max-pooling routes each output through
its largest input, so the path-sum identity is exact for networks of Linear/Conv layers
with ReLU (and BatchNorm).
"""
from __future__ import annotations

import torch
from torch import nn

from topoeuler.pruning.targets import NORM_TYPES, is_layer


@torch.no_grad()
def make_absolute(work: nn.Module) -> None:
    """Replaces every floating parameter and buffer of ``work`` by its absolute value; eval mode."""
    for tensor in list(work.parameters()) + list(work.buffers()):
        if tensor.is_floating_point():
            tensor.abs_()
    work.eval()


@torch.no_grad()
def make_squared(work: nn.Module) -> None:
    """Turns ``work`` into the squared-weight path network described in the module docstring.

    Raises:
        ValueError: for a normalisation layer other than an eval-mode BatchNorm with running
            statistics.
    """
    work.eval()
    for name, module in work.named_modules():
        if is_layer(module):
            module.weight.pow_(2)
            if getattr(module, "bias", None) is not None:
                module.bias.zero_()
        elif isinstance(module, nn.modules.batchnorm._BatchNorm) and module.track_running_stats:
            std = (module.running_var + module.eps).sqrt()
            module.running_mean.zero_()
            if module.affine:
                module.weight.copy_(module.weight**2 / std)
                module.bias.zero_()
            else:  # scale 1/std must become 1/std**2
                module.running_var.copy_(std**4 - module.eps)
        elif isinstance(module, NORM_TYPES):
            raise ValueError(
                f"{name} ({type(module).__name__}) is not a linear map of each example; the "
                "squared-weight path network is defined for Linear/Conv layers, ReLU and BatchNorm"
            )
