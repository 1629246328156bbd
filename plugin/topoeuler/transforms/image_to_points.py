"""ImageToPointCloud: the foreground pixels/voxels of an image as a point cloud."""
from __future__ import annotations

import torch

from topoeuler.transforms._base import EulerTransform, KERNEL_VERSION, field
from topoeuler.transforms._registry import register


@register
class ImageToPointCloud(EulerTransform):
    """Sets ``data.pos`` ``[P, ndim]`` to the coordinates of the pixels with value ``> foreground``
    and ``data.x`` ``[P, 1]`` to their values.

    Coordinates follow :func:`topoeuler.image_ect`: pixel ``i`` of an axis of ``n`` pixels sits
    at ``i * 2/(n-1) - 1`` (the grid spans ``[-1, 1]``), axis order (depth,) height, width;
    points are listed in row-major pixel order. ``data[image_key]`` is ``[H, W]`` or ``[1, H, W]``
    (``ndim=2``), ``[D, H, W]`` or ``[1, D, H, W]`` (``ndim=3``).
    """

    params = ("ndim", "foreground", "image_key")

    def __init__(self, ndim: int = 2, foreground: float = 0.0, image_key: str = "image",
                 version: int = KERNEL_VERSION, transform_name: str | None = None, transform_type: str | None = None):
        super().__init__(version, transform_name, transform_type)
        if ndim not in (2, 3):
            raise ValueError(f"ndim must be 2 or 3, got {ndim!r}")
        self.ndim, self.foreground, self.image_key = ndim, float(foreground), image_key

    def forward(self, data):
        image = field(data, self.image_key, type(self).__name__)
        if image.dim() == self.ndim + 1 and image.shape[0] == 1:
            image = image[0]
        if image.dim() != self.ndim or min(image.shape) < 2:
            raise ValueError(f"ImageToPointCloud(ndim={self.ndim}): data.{self.image_key} must be one grid with at "
                             f"least 2 pixels per axis, got shape {tuple(image.shape)}")
        mask = image > self.foreground
        index = mask.nonzero()  # [P, ndim], row-major
        scale = torch.tensor([2.0 / (n - 1) for n in image.shape], dtype=torch.float32, device=image.device)
        data.pos = index.to(torch.float32) * scale - 1
        data.x = image[mask].to(torch.float32).unsqueeze(1)
        return data
