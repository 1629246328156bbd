"""The activation registry: every activation matches its published formula."""
import math

import numpy as np
import pytest
import torch
from scipy.special import erf

from topoeuler.nn.activations import (ParametricSplit, SmoothSplit, Split, activation_info, available_activations,
                                      get_activation, register_activation)

X = torch.linspace(-3, 3, 601, dtype=torch.float64)
XN = X.numpy()


def parametric_split(x, a, b):
    """The paper's three cases, evaluated pointwise in plain Python."""
    out = []
    for v in x:
        if v <= -math.cos(a):
            out.append(b * v + b * math.cos(a) - math.sin(a))
        elif v >= math.cos(a):
            out.append(v + math.sin(a) - math.cos(a))
        else:
            out.append(v * math.tan(a))
    return np.array(out)


FORMULAS = {
    "relu": (lambda: get_activation("relu"), np.maximum(XN, 0)),
    "leaky_relu": (lambda: get_activation("leaky_relu"), np.where(XN > 0, XN, 0.01 * XN)),
    "tanh": (lambda: get_activation("tanh"), np.tanh(XN)),
    "gelu": (lambda: get_activation("gelu"), XN * 0.5 * (1 + erf(XN / math.sqrt(2)))),
    "split": (lambda: get_activation("split", c=0.75), XN + 0.75 * np.sign(XN)),
    "smooth_split": (lambda: get_activation("smooth_split", c=0.5, alpha=4.0), XN + 0.5 * np.tanh(4.0 * XN)),
    "parametric_split": (lambda: get_activation("parametric_split", a=1.125, b=0.375), parametric_split(XN, 1.125, 0.375)),
}


def test_every_registered_activation_has_a_formula_test():
    assert sorted(FORMULAS) == available_activations()
    for name in available_activations():
        info = activation_info(name)
        assert info.formula and info.origin


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_matches_formula(name):
    """Constants are exact in float32 (the modules store them in the default dtype)."""
    build, expected = FORMULAS[name]
    with torch.no_grad():
        out = build().double()(X)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)


def test_parametric_split_special_cases():
    relu_shift = ParametricSplit(a=0.0, b=0.0).double()
    split = ParametricSplit(a=math.pi / 2, b=1.0).double()
    with torch.no_grad():
        np.testing.assert_allclose(relu_shift(X).numpy(), np.maximum(XN - 1, 0), atol=1e-12)
        away = X[X.abs() > 1e-9]
        np.testing.assert_allclose(split(away).numpy(), Split(c=1.0).double()(away).numpy(), atol=1e-12)


def test_parametric_split_is_continuous_and_learns_a_and_b():
    act = ParametricSplit(a=0.9, b=0.4).double()
    for edge in (-math.cos(0.9), math.cos(0.9)):
        with torch.no_grad():
            left, right = act(torch.tensor([edge - 1e-9, edge + 1e-9], dtype=torch.float64))
        assert abs(float(left - right)) < 1e-7
    assert {name for name, _ in act.named_parameters()} == {"a", "b"}
    x = torch.randn(50, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    a, b = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (0.9, 0.4))
    assert torch.autograd.gradcheck(lambda a, b: _parametric(x, a, b), (a, b))


def _parametric(x, a, b):
    act = ParametricSplit(learnable=False).double()
    act.a, act.b = a, b
    return act(x)


def test_learnable_flags():
    assert [n for n, _ in SmoothSplit(learnable=True).named_parameters()] == ["c", "alpha"]
    assert list(SmoothSplit().parameters()) == [] and list(Split().parameters()) == []
    assert list(ParametricSplit(learnable=False).parameters()) == []


def test_registry_errors():
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        get_activation("swish")
    with pytest.raises(ValueError, match="already registered"):
        register_activation("relu", torch.nn.ReLU, "max(0, x)", "")
