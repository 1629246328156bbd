"""The two entry points: :func:`scores` (one scoring round) and :func:`prune` (masks, applied)."""
from __future__ import annotations

import inspect
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
from torch import nn
from torch.nn.utils import prune as torch_prune
from tqdm.auto import tqdm

from topoeuler.pruning.inputs import as_batches, cast
from topoeuler.pruning.masks import SCOPES, keep_fraction, schedule, shuffle_masks, top_masks
from topoeuler.pruning.registry import PruningMethod, get_method
from topoeuler.pruning.targets import Target, select_targets, working_copy


@dataclass
class PruneResult:
    """What :func:`prune` did.

    Attributes:
        method, compression, scope, iterations, seed: the call's settings (``compression`` is
            the exponent ``c`` of the kept fraction ``10^-c``).
        sanity: the Frankle et al. 2021 checks applied (subset of ``shuffle``, ``reinit``, ``invert``).
        masks: ``{key: bool tensor}`` as applied (True = kept), keys as in ``named_parameters()``,
            each on its parameter's device; a tied tensor has one key and one mask.
        layer_density: ``{key: kept fraction}`` per prunable tensor.
        density: kept fraction over all prunable entries (a tied tensor counted once).
        collapsed: whether a layer lost all its weights (biases and norms do not count).
        collapsed_layers: the keys of those weights.
    """

    method: str
    compression: float
    scope: str
    iterations: int
    seed: int | None
    sanity: list[str]
    masks: dict[str, torch.Tensor] = field(repr=False)
    layer_density: dict[str, float]
    density: float
    collapsed: bool
    collapsed_layers: list[str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of everything but the masks."""
        out = asdict(self)
        out.pop("masks")
        return out


def _validate(compression: float, scope: str, iterations: int | None) -> None:
    if not isinstance(compression, (int, float)) or isinstance(compression, bool) or not math.isfinite(compression):
        raise ValueError(f"compression must be a finite number >= 0, got {compression!r}")
    if compression < 0:
        raise ValueError(f"compression must be >= 0 (kept fraction 10^-compression), got {compression}")
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}, got {scope!r}")
    if iterations is not None and (not isinstance(iterations, int) or iterations < 1):
        raise ValueError(f"iterations must be a positive integer or None, got {iterations!r}")


def _method_options(method: PruningMethod, options: dict, generator: torch.Generator | None) -> dict:
    """``options`` checked against the score function's keywords, plus ``generator`` if it takes one."""
    params = inspect.signature(method.score).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    accepted = [n for n, p in list(params.items())[3:] if p.kind is not inspect.Parameter.VAR_KEYWORD]
    unknown = [name for name in options if name not in accepted and not takes_any]
    if unknown:
        raise TypeError(
            f"option(s) {unknown} not accepted by pruning method {method.name!r} (its options: {accepted})"
        )
    if "generator" in params and "generator" not in options:
        options = {**options, "generator": generator}
    return options


def _score_round(
    model: nn.Module,
    method: PruningMethod,
    targets: list[Target],
    batches: list,
    masks: dict[str, torch.Tensor] | None,
    dtype: torch.dtype | None,
    train_mode: bool,
    options: dict,
) -> dict[str, torch.Tensor]:
    """One call of the score function on a fresh working copy with ``masks`` multiplied in."""
    work = working_copy(model, dtype=dtype, masks=masks, train=train_mode)
    param = next(work.parameters())
    work_batches = [(cast(x, param.dtype, param.device), y if y is None else y.to(param.device)) for x, y in batches]
    raw = method.score(work, targets, work_batches, **options)
    out = {}
    for target in targets:
        if target.key not in raw:
            raise KeyError(f"pruning method {method.name!r} returned no score for {target.key!r}")
        score = raw[target.key].detach()
        shape = target.tensor(model).shape
        if score.shape != shape:
            raise ValueError(
                f"pruning method {method.name!r} returned shape {tuple(score.shape)} for "
                f"{target.key!r}, expected {tuple(shape)}"
            )
        out[target.key] = score
    return out


def _prepare(model, method, data, bias, norm, classifier):
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    spec = get_method(method)
    batches = as_batches(data)
    if spec.needs_data and not batches:
        raise ValueError(f"pruning method {spec.name!r} needs data: pass `data=(inputs, labels)`, a PyG batch or a DataLoader")
    targets = select_targets(model, bias=bias, norm=norm, classifier=classifier)
    return spec, batches, targets


def _generator(seed: int | None) -> torch.Generator | None:
    return None if seed is None else torch.Generator().manual_seed(int(seed))


def scores(
    model: nn.Module,
    method: str | PruningMethod,
    data: Any = None,
    *,
    bias: bool = False,
    norm: bool = False,
    classifier: bool = True,
    dtype: torch.dtype | None = None,
    train_mode: bool = False,
    seed: int | None = None,
    **options,
) -> dict[str, torch.Tensor]:
    """One scoring round of ``method``; the model (parameters, buffers, gradients, mode) is unchanged.

    Args:
        model: the network at initialization. Masks already applied with
            ``torch.nn.utils.prune`` are respected (scores are of the masked weights).
        method: a registered name (``random``, ``magnitude``, ``snip``, ``grasp``, ``synflow``,
            ``synflow_l2``, ``synflow_dist`` or one added by :func:`register` / entry point).
        data: ``(inputs [B, ...], labels [B])``, a PyG batch, or an iterable of those; needed
            by ``snip``, ``grasp``, ``synflow_dist``; SynFlow uses only its shape.
        bias, norm, classifier: which tensors are prunable (see :func:`select_targets`).
        dtype: compute in this dtype (e.g. ``torch.float64`` against overflow of path sums).
        train_mode: score in training mode (batch statistics) instead of evaluation mode.
        seed: seeds the random method (else the global RNG).
        **options: method options (``input_shape`` for SynFlow/SynFlow-L2, ``loss`` for
            SNIP/GraSP, ``temperature`` for GraSP).

    Returns:
        ``{key: score tensor of the parameter's shape}``, keys as in ``model.named_parameters()``,
        higher = more important for every method (GraSP: ``theta * Hg``, see :mod:`scores_gradient`).
    """
    spec, batches, targets = _prepare(model, method, data, bias, norm, classifier)
    options = _method_options(spec, options, _generator(seed))
    return _score_round(model, spec, targets, batches, None, dtype, train_mode, options)


def _current_masks(model: nn.Module, targets: list[Target]) -> dict[str, torch.Tensor]:
    """Entries still alive: the ``torch.nn.utils.prune`` mask of each target, or all True, on the
    target's device."""
    alive = {}
    for t in targets:
        module = model.get_submodule(t.module_name)
        mask = getattr(module, f"{t.param_name}_mask", None)
        tensor = t.tensor(model)
        alive[t.key] = (torch.ones(tensor.shape, dtype=torch.bool, device=tensor.device) if mask is None
                        else mask.detach().to(tensor.device, torch.bool))
    return alive


def prune(
    model: nn.Module,
    method: str | PruningMethod,
    compression: float,
    data: Any = None,
    iterations: int | None = None,
    scope: str = "global",
    *,
    schedule_kind: str = "exponential",
    bias: bool = False,
    norm: bool = False,
    classifier: bool = True,
    dtype: torch.dtype | None = None,
    train_mode: bool = False,
    shuffle: bool = False,
    reinit: bool = False,
    invert: bool = False,
    seed: int | None = None,
    progress: bool = False,
    **options,
) -> PruneResult:
    """Prunes ``model`` at initialization, in place, keeping the fraction ``10^-compression``.

    Each round scores the currently masked network and keeps the highest-scoring entries
    (already pruned entries stay pruned); round ``k`` of ``n`` keeps ``rho^(k/n)`` (exponential
    schedule; ``schedule_kind="linear"`` for ``1 - (1 - rho) k/n``) with ``rho = 10^-compression``.
    The masks are applied with ``torch.nn.utils.prune.custom_from_mask`` (composing with masks
    already there), so ``torch.nn.utils.prune.remove`` makes them permanent.

    Args:
        model: the network; modified in place (masks; and new weights with ``reinit``).
        method, data, bias, norm, classifier, dtype, train_mode, **options: as in :func:`scores`.
        compression: ``c >= 0``; keeps ``round(10^-c * N)`` of the ``N`` prunable entries
            (per tensor for ``local`` scope).
        iterations: scoring rounds; default the method's (100 for SynFlow-style, else 1).
        scope: ``"global"`` (one threshold over all tensors) or ``"local"`` (per tensor).
        shuffle: sanity check: permute each mask randomly within its tensor.
        reinit: sanity check: re-initialise the model (each module's ``reset_parameters``)
            after scoring, before the masks are applied.
        invert: sanity check: keep the *lowest* scores instead (scores are negated).
        seed: seeds the random scores, the shuffle and the re-initialisation.
        progress: show a progress bar over the rounds.

    Returns:
        A :class:`PruneResult`.
    """
    _validate(compression, scope, iterations)
    spec, batches, targets = _prepare(model, method, data, bias, norm, classifier)
    rounds = iterations or spec.iterations
    options = _method_options(spec, options, _generator(seed))
    alive = _current_masks(model, targets)
    fractions = schedule(keep_fraction(compression), rounds, schedule_kind)
    for fraction in tqdm(fractions, desc=f"prune {spec.name}", disable=not progress, leave=False):
        round_scores = _score_round(model, spec, targets, batches, alive, dtype, train_mode, options)
        for key, score in round_scores.items():
            if not torch.isfinite(score).all():  # inf as well: an overflowed score would outrank every other
                raise FloatingPointError(
                    f"pruning method {spec.name!r} gave non-finite scores for {key!r} (overflow of the path sums?); "
                    "try dtype=torch.float64 or a shallower network")
            if invert:
                round_scores[key] = -score
        alive = top_masks(round_scores, fraction, scope, alive)
    masks = alive
    if shuffle:
        masks = shuffle_masks(masks, _generator(seed))
    if reinit:
        with torch.random.fork_rng(devices=[]):
            if seed is not None:
                torch.manual_seed(seed)
            for module in model.modules():
                if hasattr(module, "reset_parameters"):
                    module.reset_parameters()
    for t in targets:
        mask = masks[t.key].to(t.tensor(model).device)
        for name in (t.module_name,) + t.aliases:  # tied tensors: one mask for every module holding it
            torch_prune.custom_from_mask(model.get_submodule(name), t.param_name, mask)
    layer_density = {key: float(mask.float().mean()) for key, mask in masks.items()}
    total = sum(mask.numel() for mask in masks.values())
    collapsed_layers = [t.key for t in targets if t.kind == "weight" and not bool(masks[t.key].any())]
    return PruneResult(
        method=spec.name,
        compression=float(compression),
        scope=scope,
        iterations=rounds,
        seed=seed,
        sanity=[name for name, on in (("shuffle", shuffle), ("reinit", reinit), ("invert", invert)) if on],
        masks=masks,
        layer_density=layer_density,
        density=sum(int(mask.sum()) for mask in masks.values()) / total,
        collapsed=bool(collapsed_layers),
        collapsed_layers=collapsed_layers,
    )
