"""A folder of finished benchmark cells: one JSON file per cell, written atomically, never recomputed.

A cell is one (dataset, method, classifier, seed, fold) of a comparison. Its key holds every
setting that changes its result (the dataset's, the method's and the classifier's whole
configs, the seed, the fold and the number of folds); the file name is a readable prefix plus
a hash of the key, so that changing any setting makes a new cell and never reuses an old one.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

# Bumped when a change of the harness changes what a cell with the same key computes.
HARNESS_VERSION = 1


def cell_key(dataset: dict, method: dict, classifier: dict, seed: int, fold: int, folds: int) -> dict:
    """The full key of a cell (plain JSON types); ``dataset``/``method``/``classifier`` include their ``name``."""
    return {"harness": HARNESS_VERSION, "dataset": dataset, "method": method, "classifier": classifier,
            "seed": int(seed), "fold": int(fold), "folds": int(folds)}


def key_hash(key: dict) -> str:
    """sha256 of the key's canonical JSON (sorted keys), hex."""
    return hashlib.sha256(json.dumps(key, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


class CellStore:
    """Finished cells under ``root/<dataset>/<method>/<classifier>/seed<s>-fold<f>-<hash12>.json``.

    Each file holds ``{"key": key, "result": result}``. :meth:`put` writes to a temporary file in
    the same folder and renames it over the target (``os.replace``, atomic on POSIX), so a run
    killed at any moment leaves each cell either complete or absent, and concurrent workers
    never see a half-written file.
    """

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def path(self, key: dict) -> Path:
        name = f"seed{key['seed']}-fold{key['fold']}-{key_hash(key)[:12]}.json"
        return self.root / key["dataset"]["name"] / key["method"]["name"] / key["classifier"]["name"] / name

    def get(self, key: dict) -> dict | None:
        """The stored result of ``key``, or ``None`` when the cell is not finished."""
        path = self.path(key)
        if not path.exists():
            return None
        stored = json.loads(path.read_text())
        if stored["key"] != key:
            raise RuntimeError(f"{path} holds another cell's key (hash collision or an edited file)")
        return stored["result"]

    def put(self, key: dict, result: dict[str, Any]) -> Path:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w") as handle:
                json.dump({"key": key, "result": result}, handle, indent=1, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    def all(self) -> list[dict]:
        """Every finished cell as ``{"key": ..., "result": ...}``, in path order."""
        return [json.loads(p.read_text()) for p in sorted(self.root.rglob("*.json")) if not p.name.startswith(".tmp-")]
