"""ImageECTTransform: the exact ECT of the foreground of an image or volume, per sample."""
from __future__ import annotations

import math

from topoeuler.ops.image_ect import image_ect
from topoeuler.ops._checks import check_construction
from topoeuler.transforms._base import (EulerTransform, KERNEL_VERSION, grid_field, output_dtype, positive_int,
                                        threshold_grid)
from topoeuler.transforms._directions import fixed_directions
from topoeuler.transforms._registry import register


@register
class ImageECTTransform(EulerTransform):
    """Stores the ECT (:func:`topoeuler.image_ect`) of ``data[image_key]`` in ``data[key]``.

    Foreground pixels (``value > foreground``) of ``[H, W]`` / ``[C, H, W]`` (``ndim=2``) or
    ``[D, H, W]`` / ``[C, D, H, W]`` (``ndim=3``) sit on the grid ``[-1, 1]^ndim``; a pixel's
    height in direction ``v`` is ``<p, v>``, background pixels never enter. Directions are fixed
    (``"auto"``: circle in 2D, Fibonacci sphere in 3D; ``"random"``: seeded), thresholds are
    ``linspace(-radius, radius, num_thresholds)`` with ``radius`` default ``sqrt(ndim)``: the
    output is a function of that sample and these parameters only.

    Output: ``data[key]`` ``[1, D, T]`` (``[1, C, D, T]`` with a channel axis), or flat ``[1, -1]``.
    """

    params = ("num_directions", "num_thresholds", "radius", "ndim", "foreground", "construction", "directions",
              "seed", "image_key", "flatten", "key", "dtype")

    def __init__(self, num_directions: int = 16, num_thresholds: int = 16, radius: float | None = None, ndim: int = 2,
                 foreground: float = 0.0, construction: str = "V", directions: str = "auto", seed: int = 0,
                 image_key: str = "image", flatten: bool = False, key: str = "ect", dtype: str = "float32",
                 version: int = KERNEL_VERSION, transform_name: str | None = None, transform_type: str | None = None):
        super().__init__(version, transform_name, transform_type)
        if ndim not in (2, 3):
            raise ValueError(f"ndim must be 2 or 3, got {ndim!r}")
        check_construction(construction)
        self.num_directions = positive_int("num_directions", num_directions)
        self.num_thresholds, self.ndim = num_thresholds, ndim
        self.radius = math.sqrt(ndim) if radius is None else float(radius)
        self.thresholds = threshold_grid(-self.radius, self.radius, num_thresholds)
        self.v = fixed_directions(num_directions, ndim, directions, seed)
        self.foreground, self.construction, self.directions, self.seed = float(foreground), construction, directions, seed
        self.image_key, self.flatten, self.key, self.dtype = image_key, bool(flatten), key, dtype
        self._dtype = output_dtype(dtype)

    def forward(self, data):
        image = grid_field(data, self.image_key, self.ndim, type(self).__name__)
        out = image_ect(image, self.v.to(image.device), self.thresholds.to(image.device), ndim=self.ndim,
                        foreground=self.foreground, construction=self.construction).to(self._dtype)
        data[self.key] = out.reshape(1, -1) if self.flatten else out.unsqueeze(0)
        return data
