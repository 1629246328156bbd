"""The harness end to end on tiny real runs: files written, resumable, GIN on MUTAG, the CLI."""
import json

import pytest
import torch

from topoeuler.pruning import harness
from topoeuler.pruning.models import GIN, LeNet5, MLP, VGGSmallBN
from topoeuler.pruning.report import max_compression_without_collapse, spearman


pytestmark = pytest.mark.usefixtures("one_thread")

TINY = dict(epochs=1, n_train=300, n_test=100, iterations=3, collapse_compressions=[0, 2], progress=False)


@pytest.mark.slow
def test_mnist_run_writes_everything_and_resumes(tmp_path, monkeypatch):
    report = harness.run_harness("mlp", "mnist", ["magnitude", "synflow", "random:shuffle"], [0, 1], [0], tmp_path, **TINY)
    for name in ["results.csv", "results.json", "summary.md", "accuracy_vs_compression.png", "layer_density.png",
                 "collapse.png", "path_kernel_vs_epochs.png"]:
        assert (tmp_path / name).stat().st_size > 0
    cells = report["cells"]
    assert len(cells) == 6 and {c["method"] for c in cells} == {"magnitude", "synflow", "random:shuffle"}
    for cell in cells:
        assert 0 <= cell["test_accuracy"] <= 1 and cell["path_kernel_trace"] >= 0
        assert cell["density"] == pytest.approx(10 ** -cell["compression"], abs=1e-3)
    assert next(c for c in cells if c["method"] == "random:shuffle" and c["compression"] == 1)["sanity"] == ["shuffle"]
    assert set(report["summary"]["max_compression_without_collapse"]) == {"magnitude", "synflow", "random:shuffle"}
    assert "| synflow |" in (tmp_path / "summary.md").read_text()
    assert json.loads((tmp_path / "results.json").read_text())["summary"]["plots"]

    def no_training(*args, **kwargs):
        raise AssertionError("a finished cell was recomputed")

    monkeypatch.setattr(harness, "train", no_training)
    monkeypatch.setattr(harness, "prune", no_training)
    again = harness.run_harness("mlp", "mnist", ["magnitude", "synflow", "random:shuffle"], [0, 1], [0], tmp_path, **TINY)
    assert [c["test_accuracy"] for c in again["cells"]] == [c["test_accuracy"] for c in cells]
    for changed in (dict(epochs=2), dict(lr=1e-2), dict(n_train=200), dict(iterations=2)):  # each keys the cells
        with pytest.raises(AssertionError, match="recomputed"):
            harness.run_harness("mlp", "mnist", ["magnitude"], [1], [0], tmp_path, **{**TINY, **changed})


@pytest.mark.slow
def test_gin_on_mutag(tmp_path):
    pytest.importorskip("torch_geometric")
    pytest.importorskip("grakel")
    report = harness.run_harness("gin", "mutag", ["synflow", "snip"], [0, 1], [0], tmp_path,
                                 **{**TINY, "n_train": 60, "n_test": 30})
    assert len(report["cells"]) == 4
    assert all(c["path_kernel_trace"] > 0 for c in report["cells"] if c["compression"] == 0)


@pytest.mark.slow
def test_cli(tmp_path, capsys):
    from topoeuler.cli import main

    args = ["prune", "--model", "mlp", "--dataset", "mnist", "--methods", "magnitude", "--compressions", "0:1:1",
            "--collapse-compressions", "0", "--epochs", "1", "--n-train", "200", "--n-test", "50",
            "--out", str(tmp_path), "--no-progress"]
    assert main(args) == 0
    assert "| magnitude |" in capsys.readouterr().out
    assert main(["prune", "--model", "gin", "--dataset", "mnist", "--out", str(tmp_path)]) == 2
    assert "does not fit" in capsys.readouterr().out
    assert harness.main(["--methods", "synflow:flip", "--out", str(tmp_path)]) == 2


def test_method_specs_and_ranges():
    assert harness.parse_method("snip:invert+reinit") == ("snip", {"shuffle": False, "reinit": True, "invert": True})
    with pytest.raises(ValueError, match="unknown pruning method"):
        harness.parse_method("nope")
    assert harness._floats("0:3:0.5") == [0, 0.5, 1, 1.5, 2, 2.5, 3]
    assert harness._floats("0,1.5") == [0, 1.5]


def test_report_helpers():
    assert spearman([1, 2, 3, 4], [8, 6, 4, 2]) == pytest.approx(-1)
    assert spearman([1, 2, 2, 3], [1, 2, 2, 3]) == pytest.approx(1)
    rows = [dict(method="m", compression=c, collapsed=c >= 2, seed=0) for c in (0, 1, 2, 3)]
    assert max_compression_without_collapse(rows, ["m"]) == {"m": 1}


@pytest.mark.parametrize("model", [MLP(), LeNet5(), VGGSmallBN()])
def test_image_models_shapes(model):
    assert model(torch.rand(2, *model.input_shape)).shape == (2, 10)


def test_gin_shape():
    pytest.importorskip("torch_geometric")
    from torch_geometric.data import Batch, Data

    graphs = [Data(x=torch.rand(4, 7), edge_index=torch.tensor([[0, 1, 2], [1, 2, 3]])) for _ in range(3)]
    assert GIN(7)(Batch.from_data_list(graphs)).shape == (3, 2)
