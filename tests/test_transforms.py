"""topoeuler.transforms on real offline data: each output equals the functional op on the same
sample (with references built independently: PyG, networkx, scikit-learn), alone or in a batch."""
import itertools

import networkx as nx
import pytest
import torch

pytest.importorskip("torch_geometric")
from torch_geometric.data import Data  # noqa: E402
from torch_geometric.loader import DataLoader  # noqa: E402
from torch_geometric.utils import k_hop_subgraph, to_undirected  # noqa: E402

import topoeuler  # noqa: E402
from topoeuler.datasets import load_fsaverage5, load_mnist, load_tu  # noqa: E402
from topoeuler.transforms import (TRANSFORMS, CliqueComplex, ECCTransform, ECTTransform,  # noqa: E402
                                  ImageECTTransform, ImageToPointCloud, KERNEL_VERSION, LocalECTTransform,
                                  PointCloudToGraph, register)


@pytest.fixture(scope="module")
def mutag(tmp_path_factory):
    return load_tu("MUTAG", root=tmp_path_factory.mktemp("tu"))


@pytest.fixture(scope="module")
def cuneiform(tmp_path_factory):
    return load_tu("Cuneiform", root=tmp_path_factory.mktemp("tu"))


def undirected(edge_index):
    """Each undirected edge once, built with PyG's own utilities (the independent side)."""
    e = to_undirected(edge_index)
    return e[:, e[0] < e[1]]


def nx_triangles(data):
    g = nx.Graph(data.edge_index.T.tolist())
    return sorted(tuple(sorted(c)) for c in nx.enumerate_all_cliques(g) if len(c) == 3)


def grid(lo, hi, num):
    return torch.linspace(lo, hi, num, dtype=torch.float64)


def test_ect_transform_equals_functional_op_on_mutag_alone_and_in_a_batch(mutag):
    t = ECTTransform(num_directions=8, num_thresholds=12, radius=1.0, coordinates="x", seed=3,
                     transform_name="ECTTransform", transform_type="data manipulation")
    v = topoeuler.random_directions(8, 7, seed=3, dtype=torch.float64)  # 7 feature columns: seeded random
    graphs = [mutag[i] for i in range(20)]
    alone = [t(g).ect for g in graphs]
    for g, out in zip(graphs, alone):
        expect = topoeuler.ect(g.x.double(), undirected(g.edge_index), directions=v, thresholds=grid(-1, 1, 12))
        assert out.shape == (1, 8, 12) and out.dtype == torch.float32
        assert torch.equal(out, expect.float())
    batch = next(iter(DataLoader([t(g) for g in graphs], batch_size=20)))
    assert torch.equal(batch.ect, torch.cat(alone))  # collation stacks [1, D, T] into [B, D, T]
    # the same graphs as one batch through the op: a sample's ECT never depends on the others
    b = next(iter(DataLoader(graphs, batch_size=20)))
    together = topoeuler.ect(b.x.double(), undirected(b.edge_index), directions=v, thresholds=grid(-1, 1, 12),
                             batch=b.batch)
    assert torch.equal(together.float(), batch.ect)


def test_ect_transform_as_pre_transform_of_an_in_memory_dataset(tmp_path, mutag):
    t = ECTTransform(num_directions=4, num_thresholds=8, coordinates="x", flatten=True)
    processed = load_tu("MUTAG", root=tmp_path)
    processed = type(processed)(str(tmp_path), "MUTAG", pre_transform=t, force_reload=True)
    assert processed[5].ect.shape == (1, 32)
    for i in (0, 5, 187):
        assert torch.equal(processed[i].ect, t(mutag[i]).ect)


def test_clique_complex_matches_networkx_and_ect_with_faces_on_cuneiform(cuneiform):
    t = ECTTransform(num_directions=6, num_thresholds=10, radius=1.0, normalize=True)
    for i in (0, 100, 266):
        g = cuneiform[i]
        lifted = CliqueComplex()(g)
        assert sorted(map(tuple, lifted.face.T.tolist())) == nx_triangles(g)
        pos = g.pos.double() - g.pos.double().mean(0)
        pos = pos / pos.norm(dim=1).max()
        expect = topoeuler.ect(pos, undirected(g.edge_index), lifted.face, directions=topoeuler.sphere_directions(
            6, dtype=torch.float64), thresholds=grid(-1, 1, 10))
        assert torch.equal(t(lifted).ect, expect.float())
        assert not hasattr(g, "face") or g.face is None  # the input is not changed


def test_ect_transform_reads_a_topobench_lifting_from_its_incidences(cuneiform):
    g = CliqueComplex()(cuneiform[3])
    edges = undirected(g.edge_index)
    perm = torch.randperm(edges.shape[1], generator=torch.Generator().manual_seed(0))  # any edge order
    edges = edges[:, perm]
    faces = g.face
    b1 = torch.zeros(g.num_nodes, edges.shape[1])
    b1[edges[0], torch.arange(edges.shape[1])] = -1
    b1[edges[1], torch.arange(edges.shape[1])] = 1
    lookup = {tuple(sorted(e)): j for j, e in enumerate(edges.T.tolist())}
    b2 = torch.zeros(edges.shape[1], faces.shape[1])
    for f, (a, b, c) in enumerate(faces.T.tolist()):
        for e in ((a, b), (b, c), (a, c)):
            b2[lookup[e], f] = 1
    lifted = Data(x=g.x, pos=g.pos, edge_index=g.edge_index, incidence_1=b1.to_sparse(), incidence_2=b2.to_sparse())
    t = ECTTransform(num_directions=5, num_thresholds=9, radius=2.0)
    assert torch.equal(t(lifted).ect, t(g).ect)


def test_ect_transform_on_the_fsaverage5_mesh():
    pos, face = load_fsaverage5()
    mesh = Data(pos=pos, face=face, edge_index=torch.cat([face[[0, 1]], face[[1, 2]], face[[0, 2]]], dim=1))
    t = ECTTransform(num_directions=4, num_thresholds=6, normalize=True, radius=1.01, dtype="int64")
    out = t(mesh).ect
    assert out[0, :, -1].tolist() == [2] * 4  # the whole closed surface: V - E + F = 2 (a sphere)
    p = pos.double() - pos.double().mean(0)
    p = p / p.norm(dim=1).max()
    expect = topoeuler.ect(p, undirected(mesh.edge_index), face, directions=topoeuler.sphere_directions(
        4, dtype=torch.float64), thresholds=grid(-1.01, 1.01, 6))
    assert torch.equal(out, expect)


def test_ecc_and_image_ect_transforms_on_mnist():
    images, _ = load_mnist(12)
    ecc_t = ECCTransform(num_thresholds=16, value_range=(0.0, 1.0), construction="T")
    img_t = ImageECTTransform(num_directions=8, num_thresholds=10, foreground=0.3)
    samples = [Data(image=im) for im in images]
    for s in samples:
        assert torch.equal(ecc_t(s).ecc, topoeuler.ecc(s.image, grid(0, 1, 16), construction="T").float()[None, None])
        expect = topoeuler.image_ect(s.image, topoeuler.circle_directions(8, dtype=torch.float64),
                                     grid(-2 ** 0.5, 2 ** 0.5, 10), foreground=0.3)
        assert torch.equal(img_t(s).ect, expect.float()[None])
    two_channels = Data(image=torch.stack([images[0], 1 - images[0]]))
    curves = ECCTransform(num_thresholds=16, flatten=True)(two_channels).ecc
    assert curves.shape == (1, 32)
    assert torch.equal(curves.view(2, 16), topoeuler.ecc(two_channels.image, grid(0, 1, 16)).float())
    batch = next(iter(DataLoader([img_t(s) for s in samples], batch_size=12)))
    stacked = topoeuler.image_ect(images, topoeuler.circle_directions(8, dtype=torch.float64),
                                  grid(-2 ** 0.5, 2 ** 0.5, 10), foreground=0.3)
    assert torch.equal(batch.ect, stacked.float())


def test_image_to_point_cloud_and_point_cloud_to_graph_on_mnist():
    from sklearn.neighbors import kneighbors_graph, radius_neighbors_graph

    image = load_mnist(1)[0][0]
    cloud = ImageToPointCloud(foreground=0.5)(Data(image=image))
    rows, cols = (image > 0.5).nonzero(as_tuple=True)
    assert torch.allclose(cloud.pos, torch.stack([rows, cols], 1).float() * (2 / 27) - 1)
    assert torch.equal(cloud.x[:, 0], image[rows, cols])
    knn = PointCloudToGraph(k=4)(cloud).edge_index
    ref = kneighbors_graph(cloud.pos.double().numpy(), 4, include_self=False).toarray()
    ref = torch.from_numpy((ref + ref.T) > 0)
    dense = torch.zeros_like(ref)
    dense[knn[0], knn[1]] = True
    # ties between equal distances may pick another neighbour: compare only pixels without ties
    dist = torch.cdist(cloud.pos.double(), cloud.pos.double())
    dist.fill_diagonal_(float("inf"))
    kth = dist.sort(dim=1).values[:, 3:5]
    clear = kth[:, 0] < kth[:, 1]
    both = clear[:, None] & clear[None, :]
    assert torch.equal(dense[both], ref[both]) and both.sum() > 100
    radius = PointCloudToGraph(r=0.1)(cloud).edge_index
    ref = radius_neighbors_graph(cloud.pos.double().numpy(), 0.1).toarray() > 0
    dense = torch.zeros(ref.shape, dtype=torch.bool)
    dense[radius[0], radius[1]] = True
    assert torch.equal(dense, torch.from_numpy(ref))
    ect = ECTTransform(num_directions=4, num_thresholds=5, radius=1.5, directions="random", seed=1)(
        PointCloudToGraph(r=0.1)(cloud)).ect
    assert ect.shape == (1, 4, 5)


def test_local_ect_equals_one_ect_per_k_hop_subgraph_with_a_single_kernel_call(cuneiform, monkeypatch):
    import topoeuler.transforms.local_ect as module

    g = CliqueComplex()(cuneiform[7])
    calls = []
    real = module.ect
    monkeypatch.setattr(module, "ect", lambda *a, **k: calls.append(1) or real(*a, **k))
    t = LocalECTTransform(num_hops=2, num_directions=6, num_thresholds=7, radius=3.0)
    out = t(g).local_ect
    assert len(calls) == 1 and out.shape == (g.num_nodes, 6, 7)
    v = topoeuler.sphere_directions(6, dtype=torch.float64)
    triangles = set(map(tuple, g.face.T.tolist()))
    for i in range(g.num_nodes):  # the reference: PyG's k_hop_subgraph, one node at a time
        subset, sub_edges, _, _ = k_hop_subgraph(i, 2, g.edge_index, relabel_nodes=True, num_nodes=g.num_nodes)
        index = {int(n): j for j, n in enumerate(subset)}
        faces = [[index[a], index[b], index[c]] for a, b, c in triangles if {a, b, c} <= index.keys()]
        faces = torch.tensor(faces, dtype=torch.long).reshape(-1, 3).T
        local = g.pos[subset].double() - g.pos[i].double()
        expect = topoeuler.ect(local, undirected(sub_edges), faces, directions=v, thresholds=grid(-3, 3, 7))
        assert torch.equal(out[i], expect[0].float()), i


def test_construction_from_topobench_keys_repr_version_and_no_mutation(mutag):
    for name, cls in TRANSFORMS.items():
        assert cls.__name__ == name
        kwargs = {"transform_name": name, "transform_type": "data manipulation", "version": KERNEL_VERSION}
        if cls is PointCloudToGraph:
            kwargs["k"] = 3
        t = cls(**kwargs)
        assert repr(t).startswith(f"{name}(") and f"version={KERNEL_VERSION}" in repr(t)
    with pytest.raises(ValueError, match="version"):
        ECTTransform(version=KERNEL_VERSION + 1)
    with pytest.raises(ValueError, match="transform_name"):
        ECTTransform(transform_name="ECCTransform")
    with pytest.raises(TypeError):
        ECTTransform(num_direction=3)
    with pytest.raises(ValueError, match="coordinates"):
        ECTTransform(coordinates="y")
    with pytest.raises(KeyError, match="pos"):
        ECTTransform()(mutag[0])
    g = mutag[0]
    before = dict(g.items())
    out = ECTTransform(coordinates=[0, 1, 2])(g)
    assert "ect" in out and "ect" not in g and dict(g.items()).keys() == before.keys()
    assert repr(ECTTransform(num_directions=3)) == (
        "ECTTransform(num_directions=3, num_thresholds=16, radius=1.0, coordinates='pos', directions='auto', "
        "seed=0, simplices=2, normalize=False, flatten=False, key='ect', dtype='float32', version=1)")


def test_register_rejects_a_second_class_under_a_taken_name():
    with pytest.raises(ValueError, match="already registered"):
        register(type("ECTTransform", (), {}))
    assert register(ECTTransform) is ECTTransform
    assert set(TRANSFORMS) >= {"ECTTransform", "ECCTransform", "ImageECTTransform", "LocalECTTransform",
                               "ImageToPointCloud", "PointCloudToGraph", "CliqueComplex"}


def test_forward_batch_equals_the_per_sample_transform(cuneiform, mutag):
    t = ECTTransform(num_directions=8, num_thresholds=12, radius=1.0, normalize=True)
    graphs = [CliqueComplex()(g) for g in cuneiform]
    together = t.forward_batch(graphs)
    assert len(together) == len(graphs)
    assert torch.equal(torch.cat([d.ect for d in together]), torch.cat([t(g).ect for g in graphs]))
    flat = ECTTransform(coordinates="x", num_directions=4, num_thresholds=6, flatten=True)
    assert torch.equal(torch.cat([d.ect for d in flat.forward_batch(list(mutag))]),
                       torch.cat([flat(g).ect for g in mutag]))


def test_local_ect_of_a_batch_of_graphs_is_each_graphs_own(cuneiform):
    from torch_geometric.data import Batch

    t = LocalECTTransform(num_hops=1, num_directions=4, num_thresholds=5, radius=2.0, flatten=True)
    graphs = [CliqueComplex()(cuneiform[i]) for i in (1, 2, 3)]
    together = t(Batch.from_data_list(graphs)).local_ect
    assert together.shape == (sum(g.num_nodes for g in graphs), 20)
    assert torch.equal(together, torch.cat([t(g).local_ect for g in graphs]))


def test_ecc_transform_on_a_brain_volume():
    from topoeuler.datasets import load_mni152

    volume = load_mni152()[::4, ::4, ::4]
    lo, hi = float(volume.min()), float(volume.max())
    t = ECCTransform(num_thresholds=12, value_range=(lo, hi), ndim=3, image_key="volume")
    out = t(Data(volume=volume)).ecc
    assert out.shape == (1, 1, 12) and out[0, 0, -1] == 1  # the whole grid is contractible
    assert torch.equal(out[0], topoeuler.ecc(volume[None], grid(lo, hi, 12), ndim=3).float())
