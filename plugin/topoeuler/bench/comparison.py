"""The comparison suite: datasets x methods x classifiers x seeds x folds, as independent cells.

A *group* is one (dataset, method, seed, fold): its features are computed once (``fit`` on the
training split, ``transform`` of both splits), then every classifier of the suite is one
cell. Finished cells are read back from the :class:`~topoeuler.bench.cells.CellStore` and
never recomputed; a group runs only when one of its cells is missing. Groups are dealt to
``n_shards`` workers by index (``i % n_shards == shard``), so shards run by any launcher
(Hydra's joblib or submitit launchers) split the suite without overlap.

Folds: ``StratifiedKFold(folds, shuffle=True, random_state=seed)`` over the method's samples,
the same for every method that uses the same samples.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import torch

from topoeuler.bench.cells import CellStore, cell_key
from topoeuler.bench.measurement import measure
from topoeuler.bench import suite_data, suite_models

END_TO_END_CLASSIFIER = {"name": "end-to-end"}


@dataclass
class Group:
    dataset: dict  # {"name", "loader", ...}
    method: dict  # {"name", "kind", "params", "max_samples"}
    classifiers: list[dict]  # [{"name", ...params}]
    seed: int
    fold: int
    folds: int

    def keys(self) -> list[dict]:
        return [cell_key(self.dataset, self.method, c, self.seed, self.fold, self.folds) for c in self.classifiers]


def _named(table: dict) -> list[dict]:
    return [{"name": name, **{k: v for k, v in (value or {}).items()}} for name, value in table.items()]


def _method(entry: dict) -> dict:
    return {"name": entry["name"], "kind": entry["kind"], "params": dict(entry.get("params") or {}),
            "max_samples": entry.get("max_samples")}


def _chosen(classifiers: list[dict], entry: dict, what: str) -> set[str]:
    """The classifier names ``entry`` (a method or a data set) allows: its ``classifiers`` list, or all."""
    names = {c["name"] for c in classifiers}
    chosen = entry.get("classifiers")
    if chosen is None:
        return names
    unknown = sorted(set(chosen) - names)
    if unknown:
        raise ValueError(f"{what} {entry['name']!r}: classifiers {unknown} are not in the suite's classifiers {sorted(names)}")
    return set(chosen)


def groups(suite: dict) -> Iterator[Group]:
    """Every group of ``suite`` (a plain dict: ``datasets``, ``methods``, ``classifiers``, ``seeds``, ``folds``), in a fixed order."""
    classifiers = _named(suite["classifiers"])
    for dataset in _named(suite["datasets"]):
        data = suite_data.load(dataset["name"], dataset)
        for entry in _named(suite["methods"]):
            method = _method(entry)
            only = entry.get("datasets")
            if (only is not None and dataset["name"] not in only) or not suite_models.applies(method["kind"], data):
                continue
            # optional subsets of the suite's classifiers, for a method and for a data set
            chosen = _chosen(classifiers, entry, "method") & _chosen(classifiers, dataset, "data set")
            cells = ([END_TO_END_CLASSIFIER] if method["kind"] in suite_models.END_TO_END else
                     [c for c in classifiers if c["name"] in chosen])
            for seed in suite["seeds"]:
                for fold in range(suite["folds"]):
                    yield Group(dataset, method, cells, int(seed), fold, int(suite["folds"]))


def split(labels: np.ndarray, seed: int, fold: int, folds: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.model_selection import StratifiedKFold

    train, test = list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(len(labels)), labels))[fold]
    return train, test


def run_group(group: Group, store: CellStore) -> int:
    """Computes the missing cells of ``group`` and stores them; returns how many it computed."""
    keys = group.keys()
    missing = [(c, k) for c, k in zip(group.classifiers, keys) if store.get(k) is None]
    if not missing:
        return 0
    full = suite_data.load(group.dataset["name"], group.dataset)
    data = full if group.method["max_samples"] is None else suite_data.subset(full, group.method["max_samples"])
    train, test = split(data.labels, group.seed, group.fold, group.folds)
    kind, params = group.method["kind"], group.method["params"]
    common = {"side": suite_models.METHODS[kind][0], "n_samples": len(data.labels), "n_samples_dataset": len(full.labels),
              "n_train": len(train), "n_test": len(test), "source": data.source}
    torch.manual_seed(group.seed)
    if kind in suite_models.END_TO_END:
        result = suite_models.train_end_to_end(kind, params, data, train, test, group.seed)
        store.put(keys[0], {**common, **result})
        return 1
    estimator = suite_models.feature_estimator(kind, params, data)
    x_train, x_test = data.take(train), data.take(test)
    fitted = measure(lambda: estimator.fit(x_train).transform(x_train), repeat=1, warmup=0)
    mapped = measure(lambda: estimator.transform(x_test), repeat=1, warmup=0)
    f_train, f_test = np.asarray(fitted.result, dtype=np.float64), np.asarray(mapped.result, dtype=np.float64)
    feature_s = fitted.min_s + mapped.min_s
    peaks = [p for p in (fitted.peak_bytes, mapped.peak_bytes) if p is not None]
    common.update({"n_features": int(f_train.shape[1]), "feature_fit_s": fitted.min_s, "feature_transform_s": mapped.min_s,
                   "feature_s": feature_s, "feature_s_per_sample": feature_s / len(data.labels),
                   "feature_s_dataset": feature_s / len(data.labels) * len(full.labels),
                   "feature_peak_bytes": max(peaks) if peaks else None})
    for config, key in missing:
        model = suite_models.classifier(config["name"], {k: v for k, v in config.items() if k != "name"}, group.seed)
        start = time.perf_counter()
        model.fit(f_train, data.labels[train])
        train_s = time.perf_counter() - start
        start = time.perf_counter()
        predicted = model.predict(f_test)
        store.put(key, {**common, "accuracy": float((predicted == data.labels[test]).mean()), "train_s": train_s,
                        "predict_s": time.perf_counter() - start})
    return len(missing)


def run_suite(suite: dict, store: CellStore, shard: int = 0, n_shards: int = 1, progress: bool = True) -> int:
    """Runs this shard's groups of ``suite`` (skipping finished cells); returns the number of cells computed."""
    if not 0 <= shard < n_shards:
        raise ValueError(f"shard must be in [0, n_shards), got shard={shard}, n_shards={n_shards}")
    from tqdm import tqdm

    mine = [g for i, g in enumerate(groups(suite)) if i % n_shards == shard]
    computed = 0
    bar = tqdm(mine, desc=f"bench {suite.get('name', '')} shard {shard + 1}/{n_shards}", disable=not progress)
    for group in bar:
        bar.set_postfix_str(f"{group.dataset['name']} / {group.method['name']}", refresh=False)
        computed += run_group(group, store)
    return computed


def suite_cells(suite: dict, store: CellStore) -> list[dict]:
    """The suite's cells that are finished, as ``{"key", "result"}`` (stale cells of other settings are ignored)."""
    out = []
    for group in groups(suite):
        for key in group.keys():
            result = store.get(key)
            if result is not None:
                out.append({"key": key, "result": result})
    return out
