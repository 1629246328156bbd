"""The pieces of the hybrid models checked against independent references: the Hodge Laplacians
against PyG's graph Laplacian and gudhi's Betti numbers (dim ker L_k = beta_k)."""
import pytest
import torch

pytest.importorskip("torch_geometric")
gudhi = pytest.importorskip("gudhi")
from torch_geometric.utils import get_laplacian, to_dense_adj  # noqa: E402

from topoeuler.datasets import load_tu  # noqa: E402
from topoeuler.nn.simplicial import hodge_laplacians  # noqa: E402
from topoeuler.transforms import CliqueComplex  # noqa: E402
from topoeuler.transforms._complex import undirected_edges  # noqa: E402


@pytest.mark.parametrize("index", [0, 40, 200])
def test_hodge_laplacians_match_pyg_and_gudhi_on_cuneiform(tmp_path, index):
    g = CliqueComplex()(load_tu("Cuneiform", root=tmp_path)[index])
    edges = undirected_edges(g.edge_index)
    L0, L1, L2 = hodge_laplacians(g.num_nodes, edges, g.face)
    lap_index, lap_weight = get_laplacian(g.edge_index, num_nodes=g.num_nodes)
    assert torch.equal(L0, to_dense_adj(lap_index, edge_attr=lap_weight, max_num_nodes=g.num_nodes)[0])
    tree = gudhi.SimplexTree()
    for v in range(g.num_nodes):
        tree.insert([v])
    for e in edges.T.tolist():
        tree.insert(e)
    for f in g.face.T.tolist():
        tree.insert(f)
    tree.compute_persistence(persistence_dim_max=True)
    betti = tree.betti_numbers() + [0, 0, 0]
    for k, L in enumerate((L0, L1, L2)):
        nullity = L.shape[0] - int(torch.linalg.matrix_rank(L.double())) if L.numel() else 0
        assert nullity == betti[k], (k, nullity, betti)


def test_ect_readout_propagates_edge_and_triangle_states_down():
    """propagate_down=2 folds x_2 into x_1 and x_1 into x_0 through the unsigned incidences,
    checked against the formula on one triangle (nodes 0-2, edges 01, 02, 12, one face)."""
    from topoeuler.nn import ECTReadout

    b1 = torch.tensor([[-1., -1., 0.], [1., 0., -1.], [0., 1., 1.]])  # nodes x edges
    b2 = torch.tensor([[1.], [-1.], [1.]])  # edges x triangles
    x0, x1, x2 = (torch.randn(n, 4, dtype=torch.float64, requires_grad=True) for n in (3, 3, 1))
    batch = {"incidence_1": b1.to_sparse(), "incidence_2": b2, "batch_0": torch.zeros(3, dtype=torch.long)}
    readout = ECTReadout(hidden_dim=4, out_channels=2, pooling_type="sum", propagate_down=2).double()
    expected = x0 + b1.abs().double() @ (x1 + b2.abs().double() @ x2)
    pooled = readout.features({"x_0": x0, "x_1": x1, "x_2": x2}, batch)
    torch.testing.assert_close(pooled, expected.sum(0, keepdim=True))
    readout({"x_0": x0, "x_1": x1, "x_2": x2}, batch)["logits"].sum().backward()
    assert all(x.grad is not None and x.grad.abs().sum() > 0 for x in (x0, x1, x2))
    with pytest.raises(ValueError, match="propagate_down"):
        ECTReadout(hidden_dim=4, out_channels=2, propagate_down=-1)
    with pytest.raises(ValueError, match=r"needs model_out\['x_2'\] and batch.incidence_2"):
        readout({"x_0": x0, "x_1": x1}, batch)
