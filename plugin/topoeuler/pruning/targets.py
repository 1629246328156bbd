"""Which parameters are prunable, and the private working copies that scores are computed on."""
from __future__ import annotations

import copy
import sys
from dataclasses import dataclass, replace

import torch
from torch import nn
from torch.nn.utils import prune as torch_prune

CONV_TYPES = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
NORM_TYPES = (nn.modules.batchnorm._BatchNorm, nn.LayerNorm, nn.GroupNorm, nn.modules.instancenorm._InstanceNorm)


def _linear_types() -> tuple[type, ...]:
    """``nn.Linear`` and, when PyG is imported, ``torch_geometric.nn.Linear`` (not a subclass of it).

    PyG is not imported here (it is slow to import): a model built from its layers has
    imported it already.
    """
    pyg_nn = sys.modules.get("torch_geometric.nn")
    return (nn.Linear,) if pyg_nn is None else (nn.Linear, pyg_nn.Linear)


def is_layer(module: nn.Module) -> bool:
    """Whether ``module`` is a Linear or Conv layer (the layers whose weights carry paths)."""
    return isinstance(module, CONV_TYPES + _linear_types())


@dataclass(frozen=True)
class Target:
    """One prunable tensor: ``module.<param_name>`` of the submodule ``module_name``.

    ``key`` is ``"<module_name>.<param_name>"``, the name ``model.named_parameters()`` gives it
    (for a module already pruned with ``torch.nn.utils.prune`` the key stays ``...weight``,
    not ``...weight_orig``, and the tensor is the masked weight).
    """

    key: str
    module_name: str
    param_name: str
    kind: str  # "weight", "bias" or "norm"
    aliases: tuple[str, ...] = ()  # other modules holding the same (tied) tensor as ``param_name``

    def tensor(self, model: nn.Module) -> torch.Tensor:
        """The tensor of this target in ``model`` (the original or a working copy)."""
        return getattr(model.get_submodule(self.module_name), self.param_name)


def select_targets(
    model: nn.Module, *, bias: bool = False, norm: bool = False, classifier: bool = True
) -> list[Target]:
    """The prunable tensors of ``model``, in ``named_modules`` order.

    Args:
        model: any module.
        bias: also prune the biases of the Linear/Conv layers (and of norms when ``norm``).
        norm: also prune the (affine) weights of normalisation layers.
        classifier: prune the last Linear/Conv layer too (its weight, and its bias when ``bias``).

    Returns:
        A non-empty list of :class:`Target`. Default: the weights of every Conv and Linear layer.
        A tensor shared by several modules (tied weights) is one target, named after its first
        module, with the others as its ``aliases``: it gets one mask, applied to every alias.

    Raises:
        ValueError: when nothing is prunable.
    """
    modules = list(model.named_modules())
    layer_names = [name for name, module in modules if is_layer(module)]
    last_layer = layer_names[-1] if layer_names else None
    targets, first = [], {}
    for name, module in modules:
        if is_layer(module):
            if name == last_layer and not classifier:
                continue
            params = [("weight", "weight")] + ([("bias", "bias")] if bias else [])
        elif norm and isinstance(module, NORM_TYPES):
            params = [("weight", "norm")] + ([("bias", "norm")] if bias else [])
        else:
            continue
        for param_name, kind in params:
            if getattr(module, param_name, None) is not None:
                # A pruned tensor is recomputed per module: its identity is the original's.
                tensor = getattr(module, f"{param_name}_orig", getattr(module, param_name))
                if id(tensor) in first:
                    i = first[id(tensor)]
                    targets[i] = replace(targets[i], aliases=targets[i].aliases + (name,))
                    continue
                first[id(tensor)] = len(targets)
                key = f"{name}.{param_name}" if name else param_name
                targets.append(Target(key, name, param_name, kind))
    if not targets:
        raise ValueError("the model has no prunable parameters (no Linear or Conv layer selected)")
    return targets


def _pruned_tensors(model: nn.Module) -> list[tuple[nn.Module, str]]:
    """``(module, name)`` of every tensor reparametrised by ``torch.nn.utils.prune``."""
    return [
        (module, hook._tensor_name)
        for module in model.modules()
        for hook in list(module._forward_pre_hooks.values())
        if isinstance(hook, torch_prune.BasePruningMethod)
    ]


def working_copy(
    model: nn.Module,
    *,
    dtype: torch.dtype | None = None,
    masks: dict[str, torch.Tensor] | None = None,
    train: bool = False,
) -> nn.Module:
    """A deep copy of ``model`` to compute scores on; the model itself is never touched.

    The copy has the ``torch.nn.utils.prune`` masks of ``model`` baked in, is cast to ``dtype``
    (floating tensors only), has ``masks`` (``{key: bool tensor}``) multiplied into the named
    tensors, no gradients, and is in evaluation mode (training mode when ``train``).
    """
    # A pruned module holds ``weight = weight_orig * weight_mask`` as a non-leaf tensor, which
    # deepcopy refuses; copy a detached version instead (it is recomputed by prune.remove).
    memo = {id(getattr(module, name)): getattr(module, name).detach().clone() for module, name in _pruned_tensors(model)}
    work = copy.deepcopy(model, memo)
    for module, name in _pruned_tensors(work):
        torch_prune.remove(module, name)
    if dtype is not None:
        work.to(dtype)
    for param in work.parameters():
        param.grad = None
        param.requires_grad_(True)
    if masks:
        with torch.no_grad():
            for key, mask in masks.items():
                module_name, _, param_name = key.rpartition(".")
                getattr(work.get_submodule(module_name), param_name).mul_(mask.to(dtype or mask.dtype))
    work.train(train)
    return work
