"""Layers on the soft (differentiable) Euler characteristic: ``ECTLayer``, ``ECCLayer``, ``ECTClassifier``."""
from topoeuler.nn.classifier import ECTClassifier
from topoeuler.nn.ecc_layer import ECCLayer
from topoeuler.nn.ect_layer import ECTLayer

__all__ = ["ECTLayer", "ECCLayer", "ECTClassifier"]
