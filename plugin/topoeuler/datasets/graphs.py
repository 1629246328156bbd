"""TU graph benchmarks (MUTAG, Cuneiform) as PyG ``TUDataset``s, from the copies bundled with grakel."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from topoeuler.datasets._common import cache_root, require

BUNDLED = ("MUTAG", "Cuneiform")
# Datasets whose first node-attribute columns are vertex coordinates: name -> number of columns.
COORDINATE_COLUMNS = {"Cuneiform": 3}


def _bundled_folder(name: str) -> Path | None:
    """grakel's copy of the TU files of ``name``, or ``None`` when grakel is not installed."""
    try:
        grakel = require("grakel", "grakel", "load_tu")
    except ImportError:
        return None
    folder = Path(grakel.__file__).parent / "tests" / "data" / name
    return folder if (folder / f"{name}_A.txt").exists() else None


def _stage_raw_files(name: str, root: Path, download: bool) -> None:
    """Puts the TU text files of ``name`` into ``root/<name>/raw/`` so that TUDataset loads offline."""
    raw = root / name / "raw"
    if (raw / f"{name}_A.txt").exists():
        return
    source = _bundled_folder(name) if name in BUNDLED else None
    if source is None:
        if download:
            return  # TUDataset downloads the files from the TU Dortmund server itself
        raise FileNotFoundError(
            f"The TU files of {name} are not in {raw}. Only {BUNDLED} are available offline, "
            "from the package grakel (`pip install grakel`); pass download=True to let PyG "
            "download them (needs a network)."
        )
    raw.mkdir(parents=True, exist_ok=True)
    for path in source.glob(f"{name}_*.txt"):
        shutil.copyfile(path, raw / path.name)


def _move_coordinates_to_pos(dataset, columns: int) -> None:
    """Moves the first ``columns`` columns of the collated ``x`` into ``pos`` (in place, as TUDataset does)."""
    data = dataset._data
    data.pos = data.x[:, :columns].contiguous()
    data.x = data.x[:, columns:].contiguous()
    dataset.slices["pos"] = dataset.slices["x"]


def load_tu(
    name: str,
    root: str | os.PathLike | None = None,
    use_pos: bool | None = None,
    transform=None,
    download: bool = False,
):
    """A TU graph dataset as ``torch_geometric.datasets.TUDataset``, loaded offline.

    For ``"MUTAG"`` (188 molecules, 2 classes) and ``"Cuneiform"`` (267 signs, 30 classes)
    the TU text files bundled with grakel are copied to ``root/<name>/raw/`` and PyG processes
    them there (grakel's ``fetch_dataset`` is never called). Other names, or a missing grakel,
    need ``download=True`` (PyG's standard download; needs a network).

    Node features follow PyG: ``x`` holds the one-hot node labels (MUTAG: ``[N, 7]`` atom
    types; Cuneiform: ``[N, 7]`` = 4 vertex kinds + 3 wedge kinds), ``edge_attr`` the one-hot
    edge labels, ``y`` the class ``[1]``.

    Args:
        name: TU dataset name, e.g. ``"MUTAG"`` or ``"Cuneiform"``.
        root: folder for raw and processed files; default: ``<cache>/tu`` (see
            :func:`topoeuler.datasets.cache_root`, env ``TOPOEULER_DATA``).
        use_pos: Cuneiform's node attributes are 3D wedge-point coordinates. With ``use_pos``
            (default for datasets that have coordinates) node-attribute columns 0, 1, 2 become
            ``data.pos`` float32 ``[N, 3]`` and ``x`` keeps only the one-hot labels. ``False``
            leaves PyG's default (attributes dropped). ``True`` on a dataset without
            coordinates is an error.
        transform: PyG transform applied on access, as in ``TUDataset``.
        download: allow PyG to download files that are not available offline.

    Returns:
        ``torch_geometric.datasets.TUDataset``.
    """
    geometric = require("torch_geometric.datasets", "torch-geometric", "load_tu")
    columns = COORDINATE_COLUMNS.get(name)
    if use_pos and columns is None:
        raise ValueError(f"{name} has no vertex coordinates; use_pos is only for {sorted(COORDINATE_COLUMNS)}")
    use_pos = columns is not None if use_pos is None else use_pos
    folder = cache_root() / "tu" if root is None else Path(root).expanduser()
    _stage_raw_files(name, folder, download)
    dataset = geometric.TUDataset(str(folder), name, transform=transform, use_node_attr=use_pos)
    if use_pos:
        _move_coordinates_to_pos(dataset, columns)
    return dataset
