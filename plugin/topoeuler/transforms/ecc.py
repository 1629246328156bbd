"""ECCTransform: exact Euler characteristic curves of an image or volume, per sample and channel."""
from __future__ import annotations

from topoeuler.ops.ecc import ecc
from topoeuler.ops._checks import check_construction
from topoeuler.transforms._base import EulerTransform, KERNEL_VERSION, grid_field, output_dtype, threshold_grid
from topoeuler.transforms._registry import register


@register
class ECCTransform(EulerTransform):
    """Stores the ECC (:func:`topoeuler.ecc`) of ``data[image_key]`` in ``data[key]``.

    The grid ``[H, W]`` / ``[C, H, W]`` (``ndim=2``) or ``[D, H, W]`` / ``[C, D, H, W]``
    (``ndim=3``) is read as a cubical complex (``construction`` "V": pixels are vertices, cells
    take the max; "T": pixels are top cells, lower cells take the min);
    ``ECC(t) = sum over cells c with value(c) <= t of (-1)^dim(c)`` (``>= t`` with
    ``superlevel``), one curve per channel, at the fixed thresholds
    ``linspace(value_range[0], value_range[1], num_thresholds)``: never a range from the data.

    Output: ``data[key]`` ``[1, C, T]`` (C = 1 without a channel axis), or ``[1, C*T]`` with ``flatten``.
    """

    params = ("num_thresholds", "value_range", "ndim", "construction", "superlevel", "image_key", "flatten", "key",
              "dtype")

    def __init__(self, num_thresholds: int = 32, value_range=(0.0, 1.0), ndim: int = 2, construction: str = "V",
                 superlevel: bool = False, image_key: str = "image", flatten: bool = False, key: str = "ecc",
                 dtype: str = "float32", version: int = KERNEL_VERSION, transform_name: str | None = None,
                 transform_type: str | None = None):
        super().__init__(version, transform_name, transform_type)
        if ndim not in (2, 3):
            raise ValueError(f"ndim must be 2 or 3, got {ndim!r}")
        check_construction(construction)
        lo, hi = value_range
        self.num_thresholds, self.value_range = num_thresholds, (float(lo), float(hi))
        self.thresholds = threshold_grid(lo, hi, num_thresholds)
        self.ndim, self.construction, self.superlevel = ndim, construction, bool(superlevel)
        self.image_key, self.flatten, self.key, self.dtype = image_key, bool(flatten), key, dtype
        self._dtype = output_dtype(dtype)

    def forward(self, data):
        image = grid_field(data, self.image_key, self.ndim, type(self).__name__)
        grids = image.reshape(-1, *image.shape[-self.ndim:])  # [C, *grid]
        curves = ecc(grids, self.thresholds.to(image.device), ndim=self.ndim, construction=self.construction,
                     superlevel=self.superlevel).to(self._dtype)  # [C, T]
        data[self.key] = curves.reshape(1, -1) if self.flatten else curves.unsqueeze(0)
        return data
