"""Layers on the soft (differentiable) Euler characteristic: ``ECTLayer``, ``ECCLayer``, ``ECTClassifier``;
readouts and hybrid models that mix ECT features with graph and simplicial networks (need PyG;
``SimplicialECTNet`` needs TopoModelX): ``ECTReadout``, ``SoftECTReadout``, ``ECTGNN``, ``SimplicialECTNet``."""
import importlib

from topoeuler.nn.classifier import ECTClassifier
from topoeuler.nn.ecc_layer import ECCLayer
from topoeuler.nn.ect_layer import ECTLayer

_LAZY = {"ECTReadout": "ect_readout", "SoftECTReadout": "soft_ect_readout", "ECTGNN": "gnn",
         "SimplicialECTNet": "simplicial"}

__all__ = ["ECTLayer", "ECCLayer", "ECTClassifier", *_LAZY]


def __getattr__(name):  # the PyG-based models load on first use: `import topoeuler.nn` needs only torch
    if name in _LAZY:
        return getattr(importlib.import_module(f"topoeuler.nn.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'topoeuler.nn' has no attribute {name!r}")
