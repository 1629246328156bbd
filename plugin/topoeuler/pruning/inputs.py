"""Data handed to pruning methods: batches of real examples and the synthetic inputs of SynFlow.

``data`` may be

- a pair ``(inputs, labels)`` of tensors (``inputs [B, ...]``, ``labels [B]``),
- a PyG ``Data``/``Batch`` (anything with ``edge_index``; labels in ``.y``); the model is
  called as ``model(batch)``,
- an iterable of either (a ``DataLoader``); every batch is used.
"""
from __future__ import annotations

from typing import Any, Sequence

import torch


def is_graph(inputs: Any) -> bool:
    """Whether ``inputs`` is a PyG graph batch (the model takes the whole object)."""
    return hasattr(inputs, "edge_index") and hasattr(inputs, "x")


def as_batches(data: Any) -> list[tuple[Any, torch.Tensor | None]]:
    """``data`` (see the module docstring) as a list of ``(inputs, labels)``; ``[]`` for ``None``."""
    if data is None:
        return []
    if is_graph(data):
        return [(data, getattr(data, "y", None))]
    if isinstance(data, (tuple, list)) and len(data) == 2 and isinstance(data[0], torch.Tensor):
        return [(data[0], data[1])]
    if isinstance(data, torch.Tensor):
        return [(data, None)]
    try:
        items = list(data)
    except TypeError:
        raise TypeError(
            "data must be (inputs, labels), a PyG batch or an iterable of those, "
            f"got {type(data).__name__}"
        ) from None
    batches = [batch for item in items for batch in as_batches(item)]
    if not batches:
        raise ValueError("data is an empty iterable")
    return batches


def cast(inputs: Any, dtype: torch.dtype | None, device: torch.device) -> Any:
    """``inputs`` on ``device``, floating features cast to ``dtype`` (graphs: their ``x``)."""
    if is_graph(inputs):
        graph = inputs.clone().to(device)
        if dtype is not None and graph.x is not None and graph.x.is_floating_point():
            graph.x = graph.x.to(dtype)
        return graph
    inputs = inputs.to(device)
    if dtype is not None and inputs.is_floating_point():
        inputs = inputs.to(dtype)
    return inputs


def model_device_dtype(model: torch.nn.Module) -> tuple[torch.device, torch.dtype]:
    """Device and floating dtype of the first parameter of ``model``."""
    param = next(model.parameters())
    return param.device, param.dtype


def ones_input(
    batches: Sequence[tuple[Any, Any]],
    input_shape: Sequence[int] | None,
    model: torch.nn.Module,
) -> Any:
    """SynFlow's all-ones input: ``ones [1, *input_shape]``, or a graph batch with ``x`` all ones.

    The shape of one example comes from ``input_shape``, else from the first batch of data,
    else from the attribute ``model.input_shape``.

    Raises:
        ValueError: when none of the three says the shape.
    """
    device, dtype = model_device_dtype(model)
    if input_shape is None and batches:
        first = batches[0][0]
        if is_graph(first):
            graph = cast(first, dtype, device)
            graph.x = torch.ones_like(graph.x, dtype=dtype)
            return graph
        input_shape = tuple(first.shape[1:])
    if input_shape is None:
        input_shape = getattr(model, "input_shape", None)
    if input_shape is None:
        raise ValueError(
            "cannot tell the input shape: pass `input_shape=` (one example, no batch dimension) "
            "or `data=`, or give the model an `input_shape` attribute"
        )
    return torch.ones((1, *input_shape), dtype=dtype, device=device)


def mean_input(batches: Sequence[tuple[Any, Any]], model: torch.nn.Module) -> Any:
    """SynFlow-Dist's input: the mean example ``[1, ...]`` over all batches.

    For graphs: the first batch with every node's features replaced by the mean node feature
    vector over all nodes of all batches.
    """
    device, dtype = model_device_dtype(model)
    first = batches[0][0]
    if is_graph(first):
        features = torch.cat([inputs.x for inputs, _ in batches]).to(device, dtype)
        graph = cast(first, dtype, device)
        graph.x = features.mean(0, keepdim=True).expand_as(graph.x).contiguous()
        return graph
    examples = torch.cat([inputs for inputs, _ in batches]).to(device, dtype)
    return examples.mean(0, keepdim=True)
