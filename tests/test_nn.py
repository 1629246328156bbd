"""Layers of topoeuler.nn: inputs (PyG and tensors), parametrisations, training step, bad input."""
import pytest
import torch

import topoeuler
from topoeuler.nn import ECCLayer, ECTClassifier, ECTLayer


def two_graphs(rng):
    pos = torch.randn(11, 3, generator=rng)
    edge_index = torch.tensor([[0, 1, 2, 3, 5, 6, 7, 8], [1, 2, 3, 4, 6, 7, 8, 9]])
    face = torch.tensor([[0, 5, 6], [1, 6, 7], [2, 7, 10]])
    batch = torch.tensor([0] * 5 + [1] * 6)
    return pos, edge_index, face, batch


def test_ect_layer_on_tensors_matches_functional(rng):
    pos, e, f, batch = two_graphs(rng)
    layer = ECTLayer(directions=8, dim=3, thresholds=10, radius=3.0, scale=20.0)
    out = layer(pos, e, f, batch=batch)
    v = topoeuler.sphere_directions(8)
    want = topoeuler.soft_ect(pos, e, f, directions=v, thresholds=torch.linspace(-3, 3, 10), batch=batch, scale=20.0)
    torch.testing.assert_close(out, want)
    only_points = ECTLayer(directions=8, dim=3, thresholds=10, radius=3.0, scale=20.0, simplices=("points",))
    torch.testing.assert_close(only_points(pos, e, f, batch=batch),
                               topoeuler.soft_ect(pos, directions=v, thresholds=torch.linspace(-3, 3, 10), batch=batch,
                                                  scale=20.0))


def test_ect_layer_on_pyg_batch(rng):
    data = pytest.importorskip("torch_geometric.data")
    pos, e, f, batch = two_graphs(rng)
    graphs = [data.Data(pos=pos[:5], edge_index=e[:, :4], face=f[:, :1]),
              data.Data(pos=pos[5:], edge_index=e[:, 4:] - 5, face=f[:, 1:] - 5),
              data.Data(x=torch.randn(4, 3, generator=rng), edge_index=torch.tensor([[0, 1], [1, 2]]))]
    pyg = data.Batch.from_data_list(graphs[:2])
    layer = ECTLayer(directions=6, dim=3, thresholds=7, radius=3.0, normalize="max")
    out = layer(pyg)
    assert out.shape == (2, 6, 7)
    torch.testing.assert_close(out, layer(pos, e, f, batch=batch))
    assert torch.allclose(out.abs().amax(dim=(1, 2)), torch.ones(2))
    # x is used when there is no pos
    single = layer(graphs[2])
    assert single.shape == (1, 6, 7)


def test_learnable_parameters_stay_valid_after_large_steps(rng):
    pos, e, f, batch = two_graphs(rng)
    layer = ECTLayer(directions=5, dim=3, thresholds=9, radius=3.0, learn_directions=True, learn_thresholds=True,
                     learn_scale=True, per_direction_thresholds=True)
    optimiser = torch.optim.SGD(layer.parameters(), lr=5.0)
    for _ in range(5):
        out = layer(pos, e, f, batch=batch)
        loss = (out * torch.randn(out.shape, generator=rng)).sum()
        optimiser.zero_grad()
        loss.backward()
        for p in layer.parameters():
            assert p.grad is not None and torch.isfinite(p.grad).all()
        optimiser.step()
    v, t = layer.directions(), layer.thresholds()
    torch.testing.assert_close(v.norm(dim=1), torch.ones(5))
    assert t.shape == (5, 9) and (t[:, 1:] > t[:, :-1]).all()  # never cross: sorted by parametrisation
    assert float(layer.scale().detach()) > 0


def test_ecc_layer_height_and_thresholds(rng):
    x = torch.rand(4, 2, 12, 12, generator=rng)
    layer = ECCLayer(thresholds=16, scale=30.0, learn_thresholds=True, height=True, normalize="max")
    out = layer(x)
    assert out.shape == (4, 2, 16)
    out.square().sum().backward()
    for name in ("direction", "alpha"):
        assert getattr(layer, name).grad is not None and getattr(layer, name).grad.abs().sum() > 0
    assert layer.thresholds.raw.grad.abs().sum() > 0
    plain = ECCLayer(thresholds=16, scale=30.0)
    torch.testing.assert_close(plain(x), topoeuler.soft_ecc(x, torch.linspace(0, 1, 16), scale=30.0))
    volume = ECCLayer(thresholds=8, ndim=3, construction="T")
    assert volume(torch.rand(2, 5, 6, 7, generator=rng)).shape == (2, 8)


def test_classifier_learns_a_toy_problem(rng):
    torch.manual_seed(0)
    # Class 0: one tight blob; class 1: two blobs (the ECT counts components).
    def sample(label):
        centres = torch.tensor([[0.0, 0.0]]) if label == 0 else torch.tensor([[-0.6, 0.0], [0.6, 0.0]])
        pts = centres[torch.randint(0, len(centres), (30,), generator=rng)] + 0.1 * torch.randn(30, 2, generator=rng)
        return pts
    labels = torch.arange(32) % 2
    pos = torch.cat([sample(int(y)) for y in labels])
    batch = torch.arange(32).repeat_interleave(30)
    model = ECTClassifier(2, channels=(4,), hidden=16, directions=8, dim=2, thresholds=8, radius=1.2, scale=20.0,
                          simplices=("points",), learn_directions=True)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(30):
        loss = torch.nn.functional.cross_entropy(model(pos, batch=batch), labels)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(float(loss.detach()))
    assert losses[-1] < 0.5 * losses[0]


def test_bad_input():
    with pytest.raises(ValueError, match="zero length"):
        ECTLayer(directions=torch.tensor([[1.0, 0.0], [0.0, 0.0]]))
    with pytest.raises(ValueError, match="scale"):
        ECTLayer(scale=0.0)
    with pytest.raises(ValueError, match="scale"):
        ECCLayer(scale=-3.0)
    with pytest.raises(ValueError, match="simplices"):
        ECTLayer(simplices=("cubes",))
    with pytest.raises(ValueError, match="strictly increasing"):
        ECTLayer(thresholds=torch.tensor([0.0, 0.0, 1.0]), learn_thresholds=True)
    with pytest.raises(ValueError, match="normalize"):
        ECTLayer(normalize="sum")
    layer = ECTLayer(directions=3, dim=2, learn_directions=True)
    with torch.no_grad():
        layer.directions.raw[1] = 0.0
    with pytest.raises(ValueError, match="collapsed"):
        layer(torch.randn(4, 2))
