"""Topology of what a network computes: Betti numbers of activation maps (cubical complexes of
binary images, via the exact ECC and a connected-component count) and of representations
(Vietoris-Rips or k-NN clique complexes of each class's point cloud, via gudhi). See
``docs/topology.md``.

>>> import torch
>>> from topoeuler.topology import binary_betti
>>> ring = torch.ones(5, 5, dtype=torch.bool); ring[2, 2] = False
>>> [int(b) for b in binary_betti(ring, "V")]
[1, 1]
"""
from topoeuler.topology.clouds import class_betti, cloud_betti, knn_edges, layer_betti, layer_outputs
from topoeuler.topology.maps import betti_curves, binarize, binary_betti, component_counts, map_betti
from topoeuler.topology.plots import plot_filter_betti, plot_layer_betti

__all__ = [
    "binary_betti",
    "component_counts",
    "binarize",
    "map_betti",
    "betti_curves",
    "cloud_betti",
    "class_betti",
    "knn_edges",
    "layer_outputs",
    "layer_betti",
    "plot_layer_betti",
    "plot_filter_betti",
]
