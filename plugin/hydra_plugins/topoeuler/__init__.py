"""Hydra start-up hook of topoeuler: a search-path plugin (``pkg://topoeuler.configs``) and, when
TopoBench is importable, the registration of topoeuler's transforms and readouts into it.

Hydra imports every module under the ``hydra_plugins`` namespace package when it starts, to
discover plugins. This one costs a ``find_spec`` when TopoBench is absent and never raises.
"""
from __future__ import annotations

import importlib.util
import warnings

from hydra.core.config_search_path import ConfigSearchPath
from hydra.plugins.search_path_plugin import SearchPathPlugin

SEARCH_PATH = "pkg://topoeuler.configs"


class TopoeulerSearchPathPlugin(SearchPathPlugin):
    """Appends topoeuler's configs (TopoBench's layout: ``transforms/``, ``model/``) to Hydra's search path."""

    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        search_path.append(provider="topoeuler", path=SEARCH_PATH)


def _register_into_topobench() -> None:
    if importlib.util.find_spec("topobench") is None:
        return
    try:
        from topoeuler.integrations.topobench import register

        register()
    except Exception as error:  # never break Hydra's start-up; say what went wrong
        warnings.warn(f"topoeuler could not register into TopoBench: {error!r}", RuntimeWarning, stacklevel=2)


_register_into_topobench()
