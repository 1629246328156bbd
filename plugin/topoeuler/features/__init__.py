"""Features for the comparisons, both sides as scikit-learn transformers.

topoeuler: :class:`ECCFeatures` (images), :class:`ImageECTFeatures` (images),
:class:`ECTFeatures` (point clouds, graphs, meshes). giotto-tda (optional extra, AGPL):
:func:`cubical_pipeline`, :func:`rips_pipeline`, :func:`geodesic_rips_pipeline` in
:mod:`topoeuler.features.persistence`.
"""
from topoeuler.features.euler import ECCFeatures, ECTFeatures, ImageECTFeatures
from topoeuler.features.persistence import cubical_pipeline, geodesic_rips_pipeline, rips_pipeline

__all__ = ["ECCFeatures", "ImageECTFeatures", "ECTFeatures", "cubical_pipeline", "rips_pipeline",
           "geodesic_rips_pipeline"]
