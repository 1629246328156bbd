"""topoeuler.compat.dect gives DECT's numbers on DECT's layout. The reference is DECT's formula
written here in plain PyTorch (heights ``x @ v`` with ``v [d, D]``, thresholds
``linspace(-r, r, R)``, ``sigmoid``/``heaviside`` per simplex, signs ``(-1)^dim``), never topoeuler."""
import pytest
import torch

pytest.importorskip("torch_geometric")
from torch_geometric.data import Batch, Data  # noqa: E402

from topoeuler.compat import dect  # noqa: E402
from topoeuler.datasets import load_fsaverage5, load_tu  # noqa: E402


def dect_formula(x, *simplices, v, radius, resolution, scale, index=None, soft=True):
    """DECT's compute_ect, restated: returns [B, D, R] in float64."""
    x, v = x.double(), v.double()
    index = torch.zeros(len(x), dtype=torch.long) if index is None else index
    B = int(index.max()) + 1
    lin = torch.linspace(-radius, radius, resolution).double().view(-1, 1, 1)  # float32 grid, as DECT
    f = (lambda z: torch.sigmoid(scale * z)) if soft else (lambda z: torch.heaviside(z, torch.tensor(0.0).double()))
    nh = x @ v  # [N, D]
    out = torch.zeros(resolution, B, v.shape[1], dtype=torch.float64)
    out.index_add_(1, index, f(lin - nh))
    for i, s in enumerate(simplices):
        sh = nh[s].max(dim=0).values
        out.index_add_(1, index[s[0]], (-1) ** (i + 1) * f(lin - sh))
    return out.movedim(0, 1).movedim(-1, -2)


def unit_columns(d, D, seed):
    v = torch.randn(d, D, generator=torch.Generator().manual_seed(seed))
    return v / v.norm(dim=0, keepdim=True)


@pytest.fixture(scope="module")
def cuneiform_batch(tmp_path_factory):
    ds = load_tu("Cuneiform", root=tmp_path_factory.mktemp("tu"))
    graphs = [Data(x=g.pos / g.pos.norm(dim=1).max(), edge_index=g.edge_index) for g in ds[:6]]
    return Batch.from_data_list(graphs)


def test_soft_functions_match_dects_formula_on_cuneiform(cuneiform_batch):
    b = cuneiform_batch
    v = unit_columns(3, 12, 0)  # DECT's layout [d, D]
    kw = dict(v=v, radius=1.1, resolution=20, scale=8.0, index=b.batch)
    edges = dect.compute_ect_edges(b.x, b.edge_index, **kw)
    assert edges.shape == (6, 12, 20)
    torch.testing.assert_close(edges.double(), dect_formula(b.x, b.edge_index, **kw), atol=2e-4, rtol=1e-5)
    points = dect.compute_ect_points(b.x, **kw)
    assert points.shape == (6, 20, 12)  # DECT's compute_ect_points layout
    torch.testing.assert_close(points.double(), dect_formula(b.x, **kw).transpose(1, 2), atol=2e-4, rtol=1e-5)
    soft = dect.compute_ect(b.x, b.edge_index, ect_fn=dect.scaled_sigmoid, **kw)
    torch.testing.assert_close(soft, edges)


def test_indicator_is_dects_strict_count_on_a_mesh():
    pos, face = load_fsaverage5()
    pos = (pos - pos.mean(0)) / (pos - pos.mean(0)).norm(dim=1).max()
    edges = torch.cat([face[[0, 1]], face[[1, 2]], face[[0, 2]]], dim=1)
    edges = torch.unique(edges.sort(dim=0).values, dim=1)
    v = unit_columns(3, 8, 1)
    kw = dict(v=v, radius=1.0, resolution=25, scale=1.0)
    out = dect.compute_ect(pos.double(), edges, face, **kw)  # indicator: DECT's default ect_fn
    expect = dect_formula(pos.double(), edges, face, soft=False, **kw)
    assert torch.equal(out.double(), expect)
    assert out[0, :, -1].tolist() == [2.0] * 8  # the closed surface at the last threshold
    # a threshold exactly at a vertex height: DECT (heaviside(0) = 0) does not count it yet
    x = torch.tensor([[0.0, 0.0], [0.5, 0.0]], dtype=torch.float64)
    ties = dect.compute_ect(x, v=torch.tensor([[1.0], [0.0]]), radius=1.0, resolution=5, scale=1.0)
    assert ties[0, 0].tolist() == dect_formula(x, v=torch.tensor([[1.0], [0.0]]), radius=1.0, resolution=5,
                                               scale=1.0, soft=False)[0, 0].tolist() == [0, 0, 0, 1, 2]


def test_layer_matches_dect_and_learns_directions(cuneiform_batch):
    b = cuneiform_batch
    v = unit_columns(3, 10, 2)
    for ect_type, sets in (("points", ()), ("edges", (b.edge_index,))):
        layer = dect.ECTLayer(dect.ECTConfig(resolution=16, scale=8, radius=1.1, ect_type=ect_type), v=v)
        expect = dect_formula(b.x, *sets, v=v, radius=1.1, resolution=16, scale=8, index=b.batch)
        expect = expect.transpose(1, 2) if ect_type == "points" else expect
        torch.testing.assert_close(layer(b).double(), expect, atol=2e-4, rtol=1e-5)
    learnable = dect.ECTLayer(dect.ECTConfig(resolution=16, ect_type="edges", fixed=False), v=v)
    learnable(b).sum().backward()
    assert learnable.v.grad is not None and learnable.v.grad.abs().sum() > 0


def test_the_layout_is_never_read_the_wrong_way():
    x = torch.rand(10, 3, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"topoeuler's \[D, d\] layout: pass v.T"):
        dect.compute_ect(x, v=unit_columns(3, 7, 0).T, radius=1.0, resolution=8, scale=1.0)
    square = unit_columns(3, 3, 0)
    with pytest.raises(ValueError, match="square"):
        dect.compute_ect(x, v=square, radius=1.0, resolution=8, scale=1.0)
    out = dect.compute_ect(x, v=square, radius=1.0, resolution=8, scale=1.0, square_layout="[d, D]")
    assert torch.equal(out.double(), dect_formula(x, v=square, radius=1.0, resolution=8, scale=1.0, soft=False))
    with pytest.raises(ValueError, match="square"):
        dect.ECTLayer(dect.ECTConfig(), v=square)
    with pytest.raises(ValueError, match="ect_fn"):
        dect.compute_ect(x, v=unit_columns(3, 4, 0), radius=1.0, resolution=8, scale=1.0, ect_fn=torch.tanh)
