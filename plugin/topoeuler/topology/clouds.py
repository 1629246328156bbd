"""Betti numbers of point clouds and of a network's representations, with gudhi underneath.

Two complexes on a point cloud ``X [N, F]`` (Euclidean distances):

- ``method="rips"``: the Vietoris-Rips complex at ``scale`` (an edge when ``|x_i - x_j| <= scale``,
  gudhi's ``max_edge_length``; every clique of edges is a simplex);
- ``method="knn"``: the clique complex of the symmetrised ``k``-nearest-neighbour graph (an edge
  when either point is among the other's ``k`` nearest), as Naitzat, Zhitnikov and Lim,
  "Topology of deep neural networks", JMLR 21 (2020), do; scale-free, so it fits hidden layers
  whose scale changes with training.

Homology is gudhi's, with coefficients in Z/11 (equal to rational Betti numbers when there is no
11-torsion, which these complexes do not have in practice).
"""
from __future__ import annotations

from typing import Mapping, Sequence

import torch
from torch import nn

METHODS = ("rips", "knn")
_KNN_ROWS = 1024


def _gudhi():
    try:
        import gudhi
    except ImportError as error:  # pragma: no cover - gudhi is in the topology extra
        raise ImportError("Betti numbers of point clouds need gudhi: pip install gudhi") from error
    return gudhi


def _nearest(distance: torch.Tensor, k: int) -> torch.Tensor:
    """Columns ``[R, k]`` (ascending) of the ``k`` smallest entries of each row of ``distance [R, N]``,
    ties at the k-th distance broken by the lower column index (the first ``k`` of a stable sort).

    ``topk`` of ``k + 1`` answers every row whose ``(k+1)``-th distance exceeds its k-th; only rows
    with a tie across that boundary are resolved by column order.
    """
    if k == distance.shape[1]:
        return torch.arange(k, device=distance.device).expand(distance.shape[0], k).clone()
    values, columns = torch.topk(distance, k + 1, dim=1, largest=False)
    columns = columns[:, :k].sort(1).values
    crossing = (values[:, k] == values[:, k - 1]).nonzero()[:, 0]
    if crossing.numel():
        rows, kth = distance[crossing], values[crossing, k - 1 : k]
        tied = rows == kth
        chosen = (rows < kth) | (tied & (tied.cumsum(1) <= k - (rows < kth).sum(1, keepdim=True)))
        columns[crossing] = chosen.nonzero()[:, 1].reshape(-1, k)
    return columns


def knn_edges(points: torch.Tensor, k: int) -> torch.Tensor:
    """Edges ``[2, E]`` (``i < j``, sorted) of the symmetrised k-NN graph of ``points [N, F]``, on
    ``points``' device (ties of distance broken by the lower index, as a stable sort does)."""
    n = points.shape[0]
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k < n:
        raise ValueError(f"k must be an int in [1, {n - 1}] for {n} points, got {k!r}")
    points = points.to(torch.float64)
    neighbours = torch.empty(n, k, dtype=torch.long, device=points.device)
    for start in range(0, n, _KNN_ROWS):  # [rows, N] distances at a time: memory O(rows x N), not O(N^2)
        rows = slice(start, min(start + _KNN_ROWS, n))
        distance = torch.cdist(points[rows], points)
        self_pairs = torch.arange(start, rows.stop, device=points.device)
        distance[self_pairs - start, self_pairs] = float("inf")  # no self-loops
        neighbours[rows] = _nearest(distance, k)
    rows = torch.arange(n, device=points.device).repeat_interleave(k)
    i, j = torch.minimum(rows, neighbours.reshape(-1)), torch.maximum(rows, neighbours.reshape(-1))
    return torch.unique(torch.stack([i, j]), dim=1)


def cloud_betti(points: torch.Tensor, max_dim: int = 1, *, method: str = "rips", scale: float | None = None,
                k: int | None = None) -> list[int]:
    """``[beta_0, ..., beta_max_dim]`` of the complex of ``points [N, F]`` (see the module docstring).

    ``method="rips"`` needs ``scale`` (> 0); ``method="knn"`` needs ``k``. Simplices up to
    dimension ``max_dim + 1`` are built, so ``beta_max_dim`` is exact.
    """
    gudhi = _gudhi()
    if not isinstance(points, torch.Tensor) or points.dim() != 2 or points.shape[0] == 0:
        raise ValueError("points must be a tensor [N, F] with N >= 1")
    if not torch.isfinite(points).all():
        raise ValueError("points must be finite")
    if isinstance(max_dim, bool) or not isinstance(max_dim, int) or max_dim < 0:
        raise ValueError(f"max_dim must be an int >= 0, got {max_dim!r}")
    if method == "rips":
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not scale > 0:
            raise ValueError(f"scale must be a positive number for method='rips', got {scale!r}")
        rips = gudhi.RipsComplex(points=points.detach().to(torch.float64).cpu().numpy(), max_edge_length=float(scale))
        tree = rips.create_simplex_tree(max_dimension=max_dim + 1)
    elif method == "knn":
        if k is None:
            raise ValueError("k must be given for method='knn'")
        tree = gudhi.SimplexTree()
        for vertex in range(points.shape[0]):
            tree.insert([vertex])
        for i, j in knn_edges(points.detach().cpu(), k).T.tolist():
            tree.insert([i, j])
        tree.expansion(max_dim + 1)
    else:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    tree.compute_persistence(homology_coeff_field=11, persistence_dim_max=True)
    betti = list(tree.betti_numbers())
    return [int(betti[d]) if d < len(betti) else 0 for d in range(max_dim + 1)]


def class_betti(features: torch.Tensor, labels: torch.Tensor, max_dim: int = 1, **complex_options) -> dict[int, list[int]]:
    """``{class: [beta_0, ..., beta_max_dim]}`` of each class's point cloud ``features[labels == c]``
    (``features [N, ...]`` flattened to ``[N, F]``); ``complex_options`` go to :func:`cloud_betti`."""
    if labels.shape[0] != features.shape[0]:
        raise ValueError(f"labels has {labels.shape[0]} entries for {features.shape[0]} features")
    flat = features.reshape(features.shape[0], -1)
    return {int(c): cloud_betti(flat[labels == c], max_dim, **complex_options) for c in torch.unique(labels).tolist()}


@torch.no_grad()
def capture_outputs(model: nn.Module, inputs: torch.Tensor, modules: Mapping[str, nn.Module]) -> dict[str, torch.Tensor]:
    """``{name: output}`` of each module of ``modules`` (submodules of ``model``) in one forward
    pass on ``inputs``, in evaluation mode (the mode is restored)."""
    captured: dict[str, torch.Tensor] = {}
    hooks = [module.register_forward_hook(lambda _m, _i, out, name=name: captured.__setitem__(name, out.detach()))
             for name, module in modules.items()]
    was_training = model.training
    model.eval()
    try:
        model(inputs)
    finally:
        model.train(was_training)
        for hook in hooks:
            hook.remove()
    return captured


def layer_outputs(model: nn.Module, inputs: torch.Tensor, layers: Sequence[str]) -> dict[str, torch.Tensor]:
    """Outputs of the named submodules ``layers`` on ``inputs`` (eval mode, restored afterwards),
    keyed by name; ``"input"`` is the input itself."""
    modules = dict(model.named_modules())
    missing = [name for name in layers if name != "input" and name not in modules]
    if missing:
        raise ValueError(f"layers {missing} are not submodules of the model; known: {[n for n in modules if n]}")
    captured = capture_outputs(model, inputs, {name: modules[name] for name in layers if name != "input"})
    captured["input"] = inputs
    return {name: captured[name] for name in layers}


def layer_betti(model: nn.Module, inputs: torch.Tensor, labels: torch.Tensor, layers: Sequence[str],
                max_dim: int = 1, **complex_options) -> dict[str, dict[int, list[int]]]:
    """``{layer: {class: [beta_0, ..., beta_max_dim]}}``: the Betti numbers of each class's
    representation at each named layer (``"input"`` for the data itself)."""
    outputs = layer_outputs(model, inputs, layers)
    return {name: class_betti(out, labels, max_dim, **complex_options) for name, out in outputs.items()}
