"""Functional ECC / ECT ops (exact), their pure-PyTorch references, and direction generators."""
from topoeuler.ops.directions import circle_directions, random_directions, sphere_directions
from topoeuler.ops.ecc import ecc
from topoeuler.ops.ect import ect
from topoeuler.ops.image_ect import image_ect

__all__ = ["ecc", "ect", "image_ect", "circle_directions", "sphere_directions", "random_directions"]
