"""ECTClassifier: a soft ECT layer, a small CNN over the [D, T] image and a linear head (DECT-style)."""
from __future__ import annotations

from torch import nn

from topoeuler.nn.ect_layer import ECTLayer


class ECTClassifier(nn.Module):
    """``ECTLayer`` -> CNN over the ``[1, D, T]`` ECT image -> MLP head -> class logits ``[B, classes]``.

    Args:
        num_classes: outputs of the head.
        channels: output channels of the conv blocks (each: 3x3 conv, batch norm, ReLU, 2x2 max pool).
        hidden: width of the hidden linear layer (0: none).
        dropout: dropout before the last linear layer.
        input_norm: standardise every ``[d, t]`` entry of the ECT image over the batch
            (``BatchNorm1d(D * T)`` without affine parameters) before the CNN; helps on small
            data sets whose ECTs differ little around a common mean (e.g. Cuneiform).
        **ect: arguments of :class:`ECTLayer` (``directions``, ``dim``, ``thresholds``, ``radius``,
            ``scale``, ``learn_directions``, ``learn_thresholds``, ``simplices``, ...); ``normalize``
            defaults to ``"max"``.

    Forward: whatever :class:`ECTLayer` takes (a PyG batch or tensors).
    """

    def __init__(self, num_classes: int, channels: tuple[int, ...] = (16, 32), hidden: int = 128,
                 dropout: float = 0.0, input_norm: bool = False, **ect):
        super().__init__()
        ect.setdefault("normalize", "max")
        self.ect = ECTLayer(**ect)
        D, T = self.ect.directions().shape[0], self.ect.thresholds().shape[-1]
        self.input_norm = nn.BatchNorm1d(D * T, affine=False) if input_norm else None
        blocks, c_in, h, w = [], 1, D, T
        for c in channels:
            blocks += [nn.Conv2d(c_in, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU()]
            if h >= 2 and w >= 2:
                blocks.append(nn.MaxPool2d(2))
                h, w = h // 2, w // 2
            c_in = c
        self.features = nn.Sequential(*blocks)
        flat = c_in * h * w
        head = [nn.Flatten()]
        if hidden:
            head += [nn.Linear(flat, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, num_classes)]
        else:
            head += [nn.Dropout(dropout), nn.Linear(flat, num_classes)]
        self.head = nn.Sequential(*head)

    def forward(self, *args, **kwargs):
        ect = self.ect(*args, **kwargs)  # [B, D, T]
        if self.input_norm is not None:
            ect = self.input_norm(ect.flatten(1)).view_as(ect)
        return self.head(self.features(ect.unsqueeze(1)))
