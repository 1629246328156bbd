"""The comparison suite: cell keys, atomic cells that survive a kill, reruns that reproduce,
two Hydra joblib workers that give the results of one process, and no leak across splits."""
import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from topoeuler.bench import comparison, suite_models
from topoeuler.bench.cells import CellStore, cell_key

ROOT = Path(__file__).resolve().parents[1]
needs_gtda = pytest.mark.skipif(importlib.util.find_spec("gtda") is None, reason="giotto-tda is not installed")
TIMINGS = ("feature_fit_s", "feature_transform_s", "feature_s", "feature_s_per_sample", "feature_s_dataset",
           "feature_peak_bytes", "train_s", "predict_s")

SUITE = {
    "name": "tiny", "seeds": [0, 1], "folds": 2,
    "classifiers": {"rf": {"n_estimators": 5}, "ridge": {"alpha": 1.0}},
    "datasets": {"digits": {"loader": "digits", "n": 60},
                 "shapes": {"loader": "shapes", "options": {"per_class": 5, "points": 30, "noise": 0.05, "seed": 0}}},
    "methods": {"ecc": {"kind": "ecc", "params": {"thresholds": 8, "superlevel": True}},
                "image_ect": {"kind": "image_ect", "params": {"directions": 4, "thresholds": 6}},
                "ect": {"kind": "ect", "params": {"directions": 6, "thresholds": 6, "center": True}}},
}


def deterministic(result: dict) -> dict:
    return {k: v for k, v in result.items() if k not in TIMINGS}


def contents(store: CellStore) -> dict:
    return {json.dumps(c["key"], sort_keys=True): deterministic(c["result"]) for c in store.all()}


def test_every_setting_is_part_of_the_key_and_the_path(tmp_path):
    store = CellStore(tmp_path)
    base = cell_key({"name": "d", "loader": "digits", "n": 60}, {"name": "m", "kind": "ecc", "params": {"thresholds": 8},
                                                                "max_samples": None}, {"name": "rf", "n_estimators": 5}, 0, 1, 2)
    variants = [json.loads(json.dumps(base)) for _ in range(5)]
    variants[0]["dataset"]["n"] = 61
    variants[1]["method"]["params"]["thresholds"] = 9
    variants[2]["classifier"]["n_estimators"] = 6
    variants[3]["seed"] = 1
    variants[4]["folds"] = 3
    paths = {store.path(k) for k in [base, *variants]}
    assert len(paths) == 6
    store.put(base, {"accuracy": 0.5})
    assert store.get(base) == {"accuracy": 0.5}
    assert all(store.get(k) is None for k in variants)


def test_a_method_and_a_data_set_can_each_restrict_the_classifiers():
    suite = json.loads(json.dumps(SUITE))
    suite["datasets"]["digits"]["classifiers"] = ["ridge"]
    suite["methods"]["ect"]["classifiers"] = ["rf"]
    used = {(g.dataset["name"], g.method["name"]): [c["name"] for c in g.classifiers] for g in comparison.groups(suite)}
    assert used == {("digits", "ecc"): ["ridge"], ("digits", "image_ect"): ["ridge"],
                    ("shapes", "ect"): ["rf"]}
    suite["datasets"]["digits"]["classifiers"] = ["svm"]
    with pytest.raises(ValueError, match=r"data set 'digits': classifiers \['svm'\]"):
        list(comparison.groups(suite))


def test_a_rerun_of_a_cell_gives_the_same_numbers(tmp_path):
    group = next(g for g in comparison.groups(SUITE) if g.method["name"] == "image_ect")
    first, second = CellStore(tmp_path / "a"), CellStore(tmp_path / "b")
    assert comparison.run_group(group, first) == 2 and comparison.run_group(group, second) == 2
    assert comparison.run_group(group, first) == 0  # finished cells are never recomputed
    assert contents(first) == contents(second)
    accuracy = [c["result"]["accuracy"] for c in first.all()]
    assert all(0 <= a <= 1 for a in accuracy)


def test_the_fit_sees_the_training_split_only(tmp_path, monkeypatch):
    """A spy estimator records what fit and transform receive: fit gets exactly the training fold."""
    from topoeuler.features import ECCFeatures

    seen = {"fit": [], "transform": []}

    class Spy(ECCFeatures):
        def fit(self, X, y=None):
            seen["fit"].append(np.asarray(X).copy())
            return super().fit(X, y)

        def transform(self, X):
            seen["transform"].append(np.asarray(X).copy())
            return super().transform(X)

    monkeypatch.setattr(suite_models, "feature_estimator", lambda kind, params, data: Spy(**params))
    group = next(g for g in comparison.groups(SUITE) if g.method["name"] == "ecc" and g.fold == 1)
    comparison.run_group(group, CellStore(tmp_path))
    from topoeuler.bench import suite_data

    data = suite_data.load("digits", SUITE["datasets"]["digits"])
    train, test = comparison.split(data.labels, group.seed, group.fold, group.folds)
    assert len(seen["fit"]) == 1
    np.testing.assert_array_equal(seen["fit"][0], data.samples[train])
    np.testing.assert_array_equal(seen["transform"][1], data.samples[test])
    assert not set(train) & set(test)


KILLED_RUN = """
import os, signal, sys, json
from topoeuler.bench import comparison
from topoeuler.bench.cells import CellStore
suite = json.loads(sys.argv[1])
store = CellStore(sys.argv[2])
put, calls = CellStore.put, []
def put_then_die(self, key, result):
    calls.append(key)
    if len(calls) == 4:  # killed in the middle of writing the 4th cell
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path.parent / ".tmp-partial.json", "w") as f:
            f.write('{"key": ')
            f.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    return put(self, key, result)
CellStore.put = put_then_die
comparison.run_suite(suite, store, progress=False)
"""


def test_a_killed_run_resumes_without_recomputing_or_corrupting_finished_cells(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "plugin"), os.environ.get("PYTHONPATH", "")])}
    store = CellStore(tmp_path / "cells")
    proc = subprocess.run([sys.executable, "-c", KILLED_RUN, json.dumps(SUITE), str(store.root)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == -9, proc.stderr
    finished = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in store.root.rglob("*.json") if not p.name.startswith(".tmp-")}
    assert len(finished) == 3 and len(store.all()) == 3  # the partial temp file is not a cell
    total = sum(len(g.classifiers) for g in comparison.groups(SUITE))
    assert comparison.run_suite(SUITE, store, progress=False) == total - 3
    for path, (data, mtime) in finished.items():
        assert path.read_bytes() == data and path.stat().st_mtime_ns == mtime
    assert len(comparison.suite_cells(SUITE, store)) == total
    reference = CellStore(tmp_path / "reference")
    comparison.run_suite(SUITE, reference, progress=False)
    assert contents(store) == contents(reference)


def test_two_hydra_joblib_workers_give_the_results_of_one_process(tmp_path):
    """The Hydra app sharded over two joblib worker processes, then the report, against one in-process run."""
    config_dir = tmp_path / "configs" / "suite"
    config_dir.mkdir(parents=True)
    (config_dir / "tiny.yaml").write_text("# @package _global_\n" + json.dumps({"suite": SUITE}))
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "plugin"), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-m", "topoeuler.cli", "bench", "--config-dir", str(tmp_path / "configs")]
    overrides = ["suite=tiny", f"out={out}", "progress=false"]
    sharded = subprocess.run(command + ["-m", *overrides, "n_shards=2", "shard=0,1", "hydra/launcher=joblib",
                                        "hydra.launcher.n_jobs=2"], env=env, capture_output=True, text=True, timeout=600)
    assert sharded.returncode == 0, sharded.stderr[-3000:]
    assert not (out / "comparison.md").exists()  # shards never write the report
    one = CellStore(tmp_path / "one")
    comparison.run_suite(SUITE, one, progress=False)
    two = CellStore(out / "cells")
    assert contents(two) == contents(one) and len(contents(one)) == sum(len(g.classifiers) for g in comparison.groups(SUITE))
    from omegaconf import OmegaConf

    from topoeuler.bench import app

    cfg = OmegaConf.create({"suite": SUITE, "store": str(out / "cells"), "out": str(out), "shard": 0, "n_shards": 1,
                            "report": True, "threads": 1, "progress": False})
    assert app.run(cfg) == 0  # every cell is done: the unsharded run only writes the report
    for name in ("comparison.csv", "comparison.json", "comparison.md", "figures/accuracy_vs_time.png",
                 "figures/digits_ecc_vs_persistence.png", "figures/shapes_ecc_vs_persistence.png"):
        assert (out / name).stat().st_size > 0
    import pandas as pd

    table = pd.read_csv(out / "comparison.csv")
    assert len(table) == len(contents(one)) and set(table.method) == {"ecc", "image_ect", "ect"}
    assert "## digits" in (out / "comparison.md").read_text()


def test_the_app_names_giotto_tda_when_the_suite_needs_it_and_it_is_missing(tmp_path, monkeypatch):
    from omegaconf import OmegaConf

    from topoeuler.bench import app

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "gtda" else real(name, *a))
    suite = json.loads(json.dumps(SUITE))
    suite["methods"]["rips"] = {"kind": "rips", "params": {}}
    cfg = OmegaConf.create({"suite": suite, "store": str(tmp_path), "out": str(tmp_path), "shard": 0, "n_shards": 1,
                            "report": False, "threads": 1, "progress": False})
    with pytest.raises(SystemExit, match="pip install giotto-tda"):
        app.run(cfg)


@needs_gtda
def test_peers_on_a_stated_subset_and_end_to_end_models_make_cells(tmp_path):
    suite = {"name": "peers", "seeds": [0], "folds": 2, "classifiers": {"ridge": {}},
             "datasets": {"MUTAG": {"loader": "MUTAG"}},
             "methods": {"geodesic": {"kind": "geodesic_rips", "params": {"vectorize": "betti"}, "max_samples": 40},
                         "gin": {"kind": "gin", "params": {"epochs": 1, "hidden": 8, "num_layers": 2}, "max_samples": 40},
                         "ect_nn": {"kind": "ect_classifier", "params": {"epochs": 1, "directions": 4, "thresholds": 6,
                                                                         "channels": [4], "hidden": 8}, "max_samples": 40}}}
    store = CellStore(tmp_path)
    assert comparison.run_suite(suite, store, progress=False) == 6
    for cell in store.all():
        result = cell["result"]
        assert result["n_samples"] == 40 and result["n_samples_dataset"] == 188 and 0 <= result["accuracy"] <= 1
        if cell["key"]["method"]["kind"] == "geodesic_rips":
            assert result["feature_s_dataset"] == pytest.approx(result["feature_s_per_sample"] * 188)
        else:
            assert cell["key"]["classifier"]["name"] == "end-to-end"
