"""Brain data bundled with nilearn: the MNI152 template volume and the fsaverage5 cortical meshes."""
from __future__ import annotations

import numpy as np
import torch

from topoeuler.datasets._common import require

SURFACES = ("pial", "white", "infl", "sphere", "flat")


def load_mni152(resolution: int = 2) -> torch.Tensor:
    """The MNI152 T1 brain template (``nilearn.datasets.load_mni152_template``, bundled with nilearn).

    Args:
        resolution: voxel size in mm; 2 gives ``[99, 117, 95]``, 1 gives ``[197, 233, 189]``
            (nilearn resamples its bundled 1 mm template).

    Returns:
        float32 ``[D, H, W]`` in the template's voxel order (x, y, z), intensities in ``[0, 1]``.
    """
    datasets = require("nilearn.datasets", "nilearn", "load_mni152")
    if resolution <= 0:
        raise ValueError(f"resolution must be a positive number of mm, got {resolution}")
    image = datasets.load_mni152_template(resolution=resolution)
    return torch.from_numpy(np.asarray(image.get_fdata(), dtype=np.float32))


def load_fsaverage5(hemi: str = "left", surface: str = "pial") -> tuple[torch.Tensor, torch.Tensor]:
    """A fsaverage5 cortical surface mesh (bundled with nilearn 0.10; no download).

    Args:
        hemi: ``"left"`` or ``"right"``.
        surface: one of ``"pial"``, ``"white"``, ``"infl"``, ``"sphere"`` (closed surfaces of
            sphere topology, 20480 faces) or ``"flat"`` (the cut, flattened surface, 18654 faces).

    Returns:
        ``(pos, face)``: vertex coordinates float32 ``[10242, 3]`` in mm, and triangles int64
        ``[3, F]`` (PyG's ``face`` layout) indexing rows of ``pos``.
    """
    if hemi not in ("left", "right"):
        raise ValueError(f"hemi must be 'left' or 'right', got {hemi!r}")
    if surface not in SURFACES:
        raise ValueError(f"surface must be one of {SURFACES}, got {surface!r}")
    datasets = require("nilearn.datasets", "nilearn", "load_fsaverage5")
    surfaces = require("nilearn.surface", "nilearn", "load_fsaverage5")
    files = datasets.fetch_surf_fsaverage("fsaverage5")
    coordinates, faces = surfaces.load_surf_mesh(files[f"{surface}_{hemi}"])
    pos = torch.from_numpy(np.asarray(coordinates, dtype=np.float32))
    face = torch.from_numpy(np.asarray(faces, dtype=np.int64).T.copy())
    return pos, face
