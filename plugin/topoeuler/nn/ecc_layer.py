"""ECCLayer: the soft Euler characteristic curve of images/volumes as a layer."""
from __future__ import annotations

import torch
from torch import nn

from topoeuler.nn._params import PositiveScale, SortedThresholds, normalise, threshold_count
from topoeuler.ops._checks import check_construction, check_validate, reads_values
from topoeuler.ops.soft_ecc import soft_ecc
from topoeuler.ops.thresholds import check_range


class ECCLayer(nn.Module):
    """Soft ECC ``x.shape[:-ndim] + (T,)`` of images/volumes (:func:`topoeuler.soft_ecc`).

    Args:
        thresholds: a count ``T`` (evenly spaced on ``value_range``) or a strictly increasing ``[T]``.
        value_range: ``(lo, hi)`` of integer thresholds (fixed, so that learnt thresholds start from it).
        ndim: 2 (images) or 3 (volumes); construction: ``"V"`` or ``"T"``.
        scale, learn_scale: sigmoid scale ``s > 0``, optionally learnable (log-parametrised).
        learn_thresholds: learnable thresholds, kept strictly increasing by construction.
        height: add the learnable single-direction height of arXiv:2510.20271: pixel values
            become ``x + alpha * <u, p>`` with a learnable unit direction ``u`` (renormalised on
            every forward) and a learnable ``alpha`` (initialised to ``alpha``).
        normalize: ``None`` or ``"max"`` (each curve divided by its max absolute value).
        validate: check the input's values on every forward (reads them back to the host);
            False skips those checks (:func:`topoeuler.soft_ecc`), e.g. in a CUDA training loop.
    """

    def __init__(self, thresholds: int | torch.Tensor = 32, value_range: tuple[float, float] = (0.0, 1.0),
                 ndim: int = 2, construction: str = "V", scale: float = 50.0, learn_scale: bool = False,
                 learn_thresholds: bool = False, height: bool = False, alpha: float = 0.1,
                 normalize: str | None = None, validate: bool = True):
        super().__init__()
        if ndim not in (2, 3):
            raise ValueError(f"ndim must be 2 or 3, got {ndim!r}")
        check_construction(construction)
        if isinstance(thresholds, torch.Tensor):
            t = thresholds.detach()
            if t.dim() != 1:
                raise ValueError(f"thresholds must be [T], got shape {tuple(t.shape)}")
        else:
            lo, hi = check_range("value_range", value_range)
            if not lo < hi:
                raise ValueError(f"value_range must be (lo, hi) with lo < hi, got {value_range!r}")
            t = torch.linspace(lo, hi, threshold_count(thresholds))
        self.ndim, self.construction = ndim, construction
        self.thresholds = SortedThresholds(t, learn_thresholds)
        self.scale = PositiveScale(scale, learn_scale)
        self.height = height
        if height:
            u = torch.zeros(ndim)
            u[-1] = 1.0
            self.direction = nn.Parameter(u)
            self.alpha = nn.Parameter(torch.tensor(float(alpha)))
        normalise(torch.ones(1, 1), normalize, (-1,))
        self.normalize = normalize
        self.validate = check_validate(validate)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t = self.thresholds().to(x.device)
        scale = self.scale()
        if isinstance(scale, torch.Tensor):
            scale = scale.to(x.device)
        kwargs = {}
        if self.height:
            norm = self.direction.norm()
            if reads_values(norm, self.validate) and norm == 0:
                raise ValueError("the learnable height direction has collapsed to zero length")
            kwargs = {"direction": self.direction / norm, "alpha": self.alpha}
        dtype = x.dtype if x.is_floating_point() else torch.float32
        out = soft_ecc(x, t.to(dtype), ndim=self.ndim, construction=self.construction, scale=scale,
                       validate=self.validate, **kwargs)
        return normalise(out, self.normalize, (-1,))

    def extra_repr(self) -> str:
        return (f"thresholds={self.thresholds().shape[-1]}, ndim={self.ndim}, construction={self.construction!r}, "
                f"learn_thresholds={self.thresholds.learnable}, learn_scale={self.scale.learnable}, "
                f"height={self.height}, normalize={self.normalize!r}")
