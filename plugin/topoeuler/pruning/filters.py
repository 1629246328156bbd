"""Structured filter pruning of a trained CNN: score every filter of every ``Conv2d``, remove the
least important ones, and get a genuinely smaller model (channels removed from the conv and from
whatever consumes it: BatchNorm, the next conv, the classifier), built with Torch-Pruning.

>>> import torch
>>> from topoeuler.pruning import filters, models
>>> net, x = models.LeNet5().eval(), torch.rand(8, 1, 28, 28)
>>> scores = filters.filter_scores(net, x, "betti")
>>> small = filters.remove_filters(net, filters.lowest(scores, 0.5), x[:1])
>>> [m.out_channels for m in small.modules() if isinstance(m, torch.nn.Conv2d)]
[3, 8]

Criteria (``filter_scores``; higher = more important, kept first):

- ``betti``: minus the mean, over the images, of ``beta_0 + beta_1`` of the filter's binarized
  activation map (Kochar, Vengalil and Sinha, arXiv:2109.01572: remove the filters of highest
  Betti number). The map is the output of the first activation module after the conv (the conv
  output itself when there is none before the next conv), binarized with
  :func:`topoeuler.topology.binarize` (default: the pixels ``> 0``, i.e. the active ones after a
  ReLU; the paper does not publish its rule, so this default is the project's choice), read in
  the V construction by default.
- ``l1``: the L1 norm of the filter's weights (Li et al., "Pruning filters for efficient
  ConvNets", ICLR 2017).
- ``hrank``: the mean rank of the filter's activation maps (Lin et al., "HRank: filter pruning
  using high-rank feature map", CVPR 2020), ranks by :func:`torch.linalg.matrix_rank`.
- ``random``: uniform scores from a seeded generator.

Add a criterion with :func:`register_criterion`.
"""
from __future__ import annotations

import copy
from typing import Callable, Mapping

import torch
from torch import nn

from topoeuler.topology.clouds import capture_outputs
from topoeuler.topology.maps import map_betti

_ACTIVATIONS = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.GELU, nn.Tanh, nn.ELU, nn.SiLU)


def conv_layers(model: nn.Module) -> dict[str, nn.Conv2d]:
    """The model's ``Conv2d`` modules by qualified name, in module order."""
    return {name: module for name, module in model.named_modules() if isinstance(module, nn.Conv2d)}


def _map_modules(model: nn.Module) -> dict[str, nn.Module]:
    """For each conv, the module whose output is its activation maps (see the module docstring)."""
    chosen, current = {}, None
    for name, module in model.named_modules():
        if isinstance(module, nn.Conv2d):
            current = name
            chosen[name] = module
        elif current is not None and isinstance(module, _ACTIVATIONS):
            chosen[current], current = module, None
    return chosen


def activation_maps(model: nn.Module, inputs: torch.Tensor) -> dict[str, torch.Tensor]:
    """``{conv name: maps [N, C, H, W]}`` on ``inputs [N, ...]``, in evaluation mode (restored)."""
    return capture_outputs(model, inputs, _map_modules(model))


def filter_betti(model: nn.Module, inputs: torch.Tensor, *, rule: str = "level", value: float = 0.0,
                 construction: str = "V") -> dict[str, torch.Tensor]:
    """``{conv name: float64 [C]}``: mean over ``inputs`` of ``beta_0 + beta_1`` of each filter's
    binarized map; each layer's maps ``[N, C, H, W]`` are scored in one batched call."""
    return {name: sum(b.to(torch.float64) for b in map_betti(maps, rule, value, construction)).mean(0)
            for name, maps in activation_maps(model, inputs).items()}


def _l1(model, inputs, seed, **options):
    return {name: conv.weight.detach().abs().sum((1, 2, 3)) for name, conv in conv_layers(model).items()}


def _random(model, inputs, seed, **options):
    generator = torch.Generator().manual_seed(seed)
    return {name: torch.rand(conv.out_channels, generator=generator) for name, conv in conv_layers(model).items()}


def _betti(model, inputs, seed, **options):
    return {name: -betti for name, betti in filter_betti(model, inputs, **options).items()}


def _hrank(model, inputs, seed, **options):
    return {name: torch.linalg.matrix_rank(maps.to(torch.float64)).to(torch.float64).mean(0)
            for name, maps in activation_maps(model, inputs).items()}


_CRITERIA: dict[str, tuple[Callable, bool]] = {"betti": (_betti, True), "l1": (_l1, False), "hrank": (_hrank, True),
                                               "random": (_random, False)}
CRITERIA = tuple(_CRITERIA)


def register_criterion(name: str, score: Callable, needs_inputs: bool) -> None:
    """Adds the criterion ``name``: ``score(model, inputs, seed, **options) -> {conv name: [out_channels]}``
    (higher = kept first); ``needs_inputs`` says whether it needs real images. ValueError if taken."""
    global CRITERIA
    if name in _CRITERIA:
        raise ValueError(f"a filter criterion named {name!r} is already registered")
    _CRITERIA[name] = (score, needs_inputs)
    CRITERIA = tuple(_CRITERIA)


def filter_scores(model: nn.Module, inputs: torch.Tensor | None, criterion: str, *, seed: int = 0,
                  **options) -> dict[str, torch.Tensor]:
    """``{conv name: [out_channels]}`` importance of every filter (higher = kept first).

    ``inputs`` (real images ``[N, C, H, W]``) are needed by ``betti`` and ``hrank``; ``options``
    go to the criterion (for ``betti``: ``rule``, ``value``, ``construction`` of :func:`filter_betti`).
    """
    if criterion not in _CRITERIA:
        raise ValueError(f"unknown criterion {criterion!r} (argument `criterion`); known: {CRITERIA}")
    score, needs_inputs = _CRITERIA[criterion]
    if needs_inputs and not isinstance(inputs, torch.Tensor):
        raise ValueError(f"criterion {criterion!r} needs real `inputs` [N, C, H, W]")
    return score(model, inputs, seed, **options)


def lowest(scores: Mapping[str, torch.Tensor], fraction: float) -> dict[str, list[int]]:
    """Per layer, the indices of the ``round(fraction * C)`` lowest-scoring filters (ties by
    index; at least one filter of each layer is kept)."""
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 <= fraction < 1:
        raise ValueError(f"fraction must be in [0, 1), got {fraction!r}")
    out = {}
    for name, score in scores.items():
        count = min(int(round(fraction * score.numel())), score.numel() - 1)
        out[name] = sorted(torch.sort(score, stable=True).indices[:count].tolist())
    return out


def above(betti: Mapping[str, torch.Tensor], threshold: float) -> dict[str, list[int]]:
    """Per layer, the filters whose Betti number exceeds ``threshold`` (the paper's rule, which
    removed every filter above 300); the lowest one of a layer is kept if all exceed it."""
    out = {}
    for name, values in betti.items():
        index = torch.nonzero(values > threshold).flatten()
        if index.numel() == values.numel():
            index = index[index != int(torch.argmin(values))]
        out[name] = index.tolist()
    return out


def remove_filters(model: nn.Module, removal: Mapping[str, list[int]], example_inputs: torch.Tensor) -> nn.Module:
    """A pruned deep copy of ``model`` without the filters ``removal[conv name]`` (the model itself
    is not changed). Channels are removed from each conv and from everything that depends on it,
    traced by Torch-Pruning's dependency graph on ``example_inputs``. Indices are those of the
    unpruned model; convs whose output channels are coupled (residual additions) are not supported."""
    try:
        import torch_pruning as tp
    except ImportError as error:
        raise ImportError("structured filter pruning needs Torch-Pruning: pip install torch-pruning") from error
    pruned = copy.deepcopy(model)
    convs = conv_layers(pruned)
    unknown = sorted(set(removal) - set(convs))
    if unknown:
        raise ValueError(f"removal names {unknown}, which are not Conv2d layers of the model; known: {list(convs)}")
    for name, index in removal.items():
        if index and (min(index) < 0 or max(index) >= convs[name].out_channels or len(set(index)) >= convs[name].out_channels):
            raise ValueError(f"removal[{name!r}] must name distinct filters in [0, {convs[name].out_channels}) and keep one")
    was_training = pruned.training
    pruned.eval()
    graph = tp.DependencyGraph().build_dependency(pruned, example_inputs=example_inputs)
    for name, index in removal.items():
        if index:
            graph.get_pruning_group(convs[name], tp.prune_conv_out_channels, idxs=list(index)).prune()
    pruned.train(was_training)
    return pruned
