"""What a model costs: parameters, FLOPs (``torch.utils.flop_counter.FlopCounterMode``), serialized
size and CPU inference latency."""
from __future__ import annotations

import io

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from topoeuler.bench.measurement import measure


def parameter_count(model: nn.Module) -> int:
    """Number of parameter elements."""
    return sum(p.numel() for p in model.parameters())


@torch.no_grad()
def flop_count(model: nn.Module, inputs: torch.Tensor) -> int:
    """FLOPs of one forward pass on ``inputs`` as PyTorch's ``FlopCounterMode`` counts them
    (a multiply-add is 2 FLOPs; convolutions and matrix products only)."""
    counter = FlopCounterMode(display=False)
    with counter:
        model(inputs)
    return int(counter.get_total_flops())


def serialized_bytes(model: nn.Module) -> int:
    """Size of ``torch.save(model.state_dict())`` in bytes."""
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.getbuffer().nbytes


@torch.no_grad()
def latency_seconds(model: nn.Module, inputs: torch.Tensor, repeat: int = 20) -> float:
    """Median wall time of one forward pass on ``inputs`` (evaluation mode, restored), in seconds."""
    was_training = model.training
    model.eval()
    try:
        return measure(lambda: model(inputs), repeat=repeat, warmup=2).median_s
    finally:
        model.train(was_training)


def model_costs(model: nn.Module, inputs: torch.Tensor, repeat: int = 20) -> dict[str, float]:
    """``{"params", "flops", "size_bytes", "latency_s"}`` of ``model`` on the batch ``inputs``
    (FLOPs and latency of the whole batch)."""
    return {"params": parameter_count(model), "flops": flop_count(model, inputs),
            "size_bytes": serialized_bytes(model), "latency_s": latency_seconds(model, inputs, repeat)}
