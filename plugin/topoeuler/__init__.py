"""topoeuler: fast, exact and differentiable Euler characteristic curves and transforms.

>>> import torch, topoeuler
>>> topoeuler.ecc(torch.rand(8, 28, 28), thresholds=16, value_range=(0.0, 1.0)).shape
torch.Size([8, 16])
"""
__version__ = "0.1.0"

from topoeuler._backend import info
from topoeuler.ops.directions import circle_directions, random_directions, sphere_directions
from topoeuler.ops.ecc import ecc
from topoeuler.ops.ect import ect
from topoeuler.ops.image_ect import image_ect
from topoeuler.ops.soft_ecc import soft_ecc
from topoeuler.ops.soft_ect import soft_ect

__all__ = [
    "__version__",
    "info",
    "ecc",
    "ect",
    "image_ect",
    "soft_ecc",
    "soft_ect",
    "circle_directions",
    "sphere_directions",
    "random_directions",
]
