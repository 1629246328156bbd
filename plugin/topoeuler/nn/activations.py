"""A registry of activation functions, each with its formula and origin.

>>> from topoeuler.nn.activations import get_activation, available_activations
>>> available_activations()
['gelu', 'leaky_relu', 'parametric_split', 'relu', 'smooth_split', 'split', 'tanh']
>>> act = get_activation("smooth_split", c=0.5)

The topology-aware ones are those of Snopov and Musin, "Topology-Aware Activation Functions in
Neural Networks", ESANN 2025 (arXiv:2507.12874), section 3: non-surjective functions that
*split* a data manifold instead of gluing it as ReLU does. Their formulas are the paper's; the
default constants (``c``, ``alpha``, the initial ``a`` and ``b``) are the project's own choice,
stated in each class (the paper does not fix them; its code initialises them at random).
Register another with :func:`register_activation`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn


@dataclass(frozen=True)
class Activation:
    """A registered activation: ``factory(**options) -> nn.Module``, its formula and origin."""

    name: str
    factory: Callable[..., nn.Module]
    formula: str
    origin: str


_REGISTRY: dict[str, Activation] = {}


def register_activation(name: str, factory: Callable[..., nn.Module], formula: str, origin: str) -> Activation:
    """Registers ``factory`` as the activation ``name``; ValueError when the name is taken."""
    if name in _REGISTRY:
        raise ValueError(f"an activation named {name!r} is already registered")
    _REGISTRY[name] = Activation(name, factory, formula, origin)
    return _REGISTRY[name]


def available_activations() -> list[str]:
    """The registered names, sorted."""
    return sorted(_REGISTRY)


def activation_info(name: str) -> Activation:
    """The :class:`Activation` registered as ``name``; ValueError naming ``name`` and the known ones."""
    if name not in _REGISTRY:
        raise ValueError(f"unknown activation {name!r} (argument `name`); known: {available_activations()}")
    return _REGISTRY[name]


def get_activation(name: str, **options) -> nn.Module:
    """A fresh module of the activation ``name``, built with ``options``."""
    return activation_info(name).factory(**options)


def _constants(module: nn.Module, learnable: bool, **values: float) -> None:
    """Scalar constants of ``module``: parameters when ``learnable``, buffers otherwise."""
    for name, value in values.items():
        tensor = torch.tensor(float(value))
        if learnable:
            module.register_parameter(name, nn.Parameter(tensor))
        else:
            module.register_buffer(name, tensor)


class Split(nn.Module):
    """``Split(x) = x + c * sign(x)`` (Snopov and Musin 2025, section 3): cuts every coordinate at 0.

    Not differentiable at 0 (the gradient is 1 elsewhere). ``c = 1`` by default (project's choice);
    ``learnable=True`` makes ``c`` a parameter, as in the authors' code.
    """

    def __init__(self, c: float = 1.0, learnable: bool = False):
        super().__init__()
        _constants(self, learnable, c=c)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.c * torch.sign(x)


class SmoothSplit(nn.Module):
    """``SmoothSplit(x) = x + c * tanh(alpha * x)`` (Snopov and Musin 2025, section 3): a smooth
    Split, close to it for large ``alpha``. Defaults ``c = 1``, ``alpha = 10`` (project's choice;
    the authors' code starts ``alpha`` at 10)."""

    def __init__(self, c: float = 1.0, alpha: float = 10.0, learnable: bool = False):
        super().__init__()
        _constants(self, learnable, c=c, alpha=alpha)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.c * torch.tanh(self.alpha * x)


class ParametricSplit(nn.Module):
    """ParametricSplit (Snopov and Musin 2025, section 3), with learnable ``a`` and ``b``::

        f(x) = b x + b cos a - sin a    if x <= -cos a
               x tan a                  if -cos a <= x <= cos a
               x + sin a - cos a        if x >= cos a

    Continuous; ``a = 0, b = 0`` gives ``ReLU(x - 1)``, ``a = pi/2, b = 1`` gives ``Split`` with
    ``c = 1``. Initial ``a = 1``, ``b = 0.5`` (project's choice: between ReLU-like gluing and
    splitting; the authors' code draws ``a ~ U(0, pi/2)``, ``b ~ U(0, 1)``).
    """

    def __init__(self, a: float = 1.0, b: float = 0.5, learnable: bool = True):
        super().__init__()
        _constants(self, learnable, a=a, b=b)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cos, sin = torch.cos(self.a), torch.sin(self.a)
        lower = self.b * x + self.b * cos - sin
        upper = x + sin - cos
        return torch.where(x <= -cos, lower, torch.where(x >= cos, upper, x * torch.tan(self.a)))


_SNOPOV = "Snopov and Musin, Topology-Aware Activation Functions in Neural Networks, ESANN 2025 (arXiv:2507.12874)"
register_activation("relu", nn.ReLU, "max(0, x)", "Nair and Hinton 2010; torch.nn.ReLU")
register_activation("leaky_relu", nn.LeakyReLU, "max(0, x) + s min(0, x), s = 0.01", "Maas et al. 2013; torch.nn.LeakyReLU")
register_activation("tanh", nn.Tanh, "tanh(x)", "torch.nn.Tanh")
register_activation("gelu", nn.GELU, "x Phi(x), Phi the standard normal CDF", "Hendrycks and Gimpel 2016; torch.nn.GELU")
register_activation("split", Split, "x + c sign(x)", _SNOPOV)
register_activation("smooth_split", SmoothSplit, "x + c tanh(alpha x)", _SNOPOV)
register_activation("parametric_split", ParametricSplit,
                    "b x + b cos a - sin a (x <= -cos a); x tan a (|x| <= cos a); x + sin a - cos a (x >= cos a)", _SNOPOV)

__all__ = ["Activation", "register_activation", "available_activations", "activation_info", "get_activation",
           "Split", "SmoothSplit", "ParametricSplit"]
