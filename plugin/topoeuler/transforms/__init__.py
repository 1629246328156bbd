"""PyG transforms that add ECC/ECT features, usable by name from TopoBench configs.

=========================  ================================================  ====================
transform                  reads                                             writes
=========================  ================================================  ====================
:class:`ECTTransform`      ``pos`` or ``x`` columns, ``edge_index``,          ``ect [1, D, T]``
                           ``face`` or TopoBench's ``incidence_1/2``
:class:`ECCTransform`      an image/volume ``[C?, (D,) H, W]``                ``ecc [1, C, T]``
:class:`ImageECTTransform` an image/volume                                    ``ect [1, D, T]``
:class:`LocalECTTransform` ``pos``/``x``, ``edge_index``, ``face``             ``local_ect [N, D, T]``
:class:`ImageToPointCloud` an image/volume                                    ``pos``, ``x``
:class:`PointCloudToGraph` ``pos``                                            ``edge_index``
:class:`CliqueComplex`     ``edge_index``                                     ``face``
=========================  ================================================  ====================

``TRANSFORMS`` maps class names to classes (TopoBench's lookup key); :func:`register` adds one.
"""
from topoeuler.transforms._base import KERNEL_VERSION, EulerTransform
from topoeuler.transforms._registry import TRANSFORMS, register
from topoeuler.transforms.clique_complex import CliqueComplex
from topoeuler.transforms.ecc import ECCTransform
from topoeuler.transforms.ect import ECTTransform
from topoeuler.transforms.image_ect import ImageECTTransform
from topoeuler.transforms.image_to_points import ImageToPointCloud
from topoeuler.transforms.local_ect import LocalECTTransform
from topoeuler.transforms.points_to_graph import PointCloudToGraph

__all__ = [
    "TRANSFORMS",
    "register",
    "KERNEL_VERSION",
    "EulerTransform",
    "ECTTransform",
    "ECCTransform",
    "ImageECTTransform",
    "LocalECTTransform",
    "ImageToPointCloud",
    "PointCloudToGraph",
    "CliqueComplex",
]
