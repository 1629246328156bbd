"""Pruning at initialization: exact scores, masks applied with ``torch.nn.utils.prune``, the
path kernel, and a benchmark harness.

>>> import torch
>>> from topoeuler.pruning import prune, models
>>> net = models.LeNet5()
>>> result = prune(net, "synflow", compression=1.0, iterations=10)
>>> round(result.density, 3), result.collapsed
(0.1, False)

Methods (registry names): ``random``, ``magnitude``, ``snip``, ``grasp``, ``synflow``,
``synflow_l2``, ``synflow_dist``; add more with :func:`register` or the entry-point group
``topoeuler.pruners``. Every score is "higher = kept first". See ``docs/pruning.md``.

Structured filter pruning of trained CNNs (Betti-number, L1, HRank, random filters; channels
really removed, with Torch-Pruning) is in :mod:`topoeuler.pruning.filters`, model costs in
:mod:`topoeuler.pruning.costs`; see ``docs/topology.md``.
"""
from topoeuler.pruning import costs, filters  # noqa: F401  (structured filter pruning)
from topoeuler.pruning import models, scores_basic, scores_gradient, scores_synflow  # noqa: F401  (registers)
from topoeuler.pruning.api import PruneResult, prune, scores
from topoeuler.pruning.masks import keep_count, keep_fraction, schedule, top_masks
from topoeuler.pruning.path_kernel import path_kernel_trace
from topoeuler.pruning.registry import ENTRY_POINT_GROUP, PruningMethod, available_methods, get_method, register
from topoeuler.pruning.targets import Target, select_targets

__all__ = [
    "scores",
    "prune",
    "PruneResult",
    "path_kernel_trace",
    "register",
    "get_method",
    "available_methods",
    "PruningMethod",
    "ENTRY_POINT_GROUP",
    "select_targets",
    "Target",
    "top_masks",
    "keep_count",
    "keep_fraction",
    "schedule",
    "models",
    "filters",
    "costs",
]
