"""Functional ECC / ECT ops (exact and soft), their pure-PyTorch references, and direction generators."""
from topoeuler.ops.directions import circle_directions, random_directions, sphere_directions
from topoeuler.ops.ecc import ecc
from topoeuler.ops.ect import ect
from topoeuler.ops.image_ect import image_ect
from topoeuler.ops.soft_ecc import soft_ecc
from topoeuler.ops.soft_ect import soft_ect

__all__ = ["ecc", "ect", "image_ect", "soft_ecc", "soft_ect", "circle_directions", "sphere_directions",
           "random_directions"]
