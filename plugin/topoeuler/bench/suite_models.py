"""What a method of the comparison suite is: a feature estimator (topoeuler or giotto-tda), or a
model trained end to end (the learnable ``ECTClassifier``, a GIN), and the standard classifiers."""
from __future__ import annotations

import time

import numpy as np
import torch

# Method kind -> (side, kinds of data it applies to).
METHODS = {
    "ecc": ("topoeuler", {"image"}),
    "image_ect": ("topoeuler", {"image"}),
    "ect": ("topoeuler", {"cloud", "graph"}),
    "cubical": ("giotto-tda", {"image"}),
    "rips": ("giotto-tda", {"cloud", "graph"}),
    "geodesic_rips": ("giotto-tda", {"graph"}),
    "ect_classifier": ("topoeuler (learnable)", {"cloud", "graph"}),
    "gin": ("baseline", {"graph"}),
}
END_TO_END = {"ect_classifier", "gin"}


def applies(kind: str, data) -> bool:
    """Whether a method of ``kind`` runs on ``data`` (Rips on coordinates needs graphs with ``pos``)."""
    if kind not in METHODS:
        raise ValueError(f"unknown method kind {kind!r}; known: {sorted(METHODS)}")
    if data.kind not in METHODS[kind][1]:
        return False
    return not (kind == "rips" and data.kind == "graph" and getattr(data.samples[0], "pos", None) is None)


def feature_estimator(kind: str, params: dict, data):
    """A fresh, unfitted feature transformer of ``kind`` for ``data``."""
    from topoeuler import features
    from topoeuler.features import persistence

    params = dict(params)
    if kind == "ecc":
        return features.ECCFeatures(**params)
    if kind == "image_ect":
        return features.ImageECTFeatures(**params)
    if kind == "ect":
        return features.ECTFeatures(**params)
    if kind == "cubical":
        return persistence.cubical_pipeline(image_shape=tuple(data.samples.shape[1:]), **params)
    if kind == "rips":
        return persistence.rips_pipeline(**params)
    if kind == "geodesic_rips":
        return persistence.geodesic_rips_pipeline(**params)
    raise ValueError(f"{kind!r} is not a feature method")


def classifier(name: str, params: dict, seed: int):
    """``rf`` (random forest), ``ridge`` (standardised ridge classifier: linear, closed form),
    ``logreg`` (standardised logistic regression) or ``svm`` (standardised RBF SVM)."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression, RidgeClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    params = dict(params)
    if name == "rf":
        return RandomForestClassifier(random_state=seed, n_jobs=1, **params)
    if name == "ridge":
        return make_pipeline(StandardScaler(), RidgeClassifier(**params))
    if name == "logreg":
        return make_pipeline(StandardScaler(), LogisticRegression(**params))
    if name == "svm":
        return make_pipeline(StandardScaler(), SVC(random_state=seed, **params))
    raise ValueError(f"unknown classifier {name!r}; known: rf, ridge, logreg, svm")


def _batches(data, index: np.ndarray, batch_size: int, rng: np.random.Generator | None):
    """PyG batches of ``data`` (clouds become graphs without edges)."""
    from torch_geometric.data import Batch, Data

    order = index if rng is None else rng.permutation(index)
    for start in range(0, len(order), batch_size):
        part = order[start:start + batch_size]
        items = [Data(pos=data.samples[i], num_nodes=len(data.samples[i])) if data.kind == "cloud" else data.samples[i]
                 for i in part]
        yield Batch.from_data_list(items), torch.as_tensor(data.labels[part])


def _model(kind: str, params: dict, data, train: np.ndarray):
    from torch import nn

    classes = int(data.labels.max()) + 1
    params = dict(params)
    if kind == "ect_classifier":
        from topoeuler.nn import ECTClassifier

        first = data.samples[0]
        coords = [data.samples[i] if data.kind == "cloud" else
                  (data.samples[i].pos if getattr(first, "pos", None) is not None else data.samples[i].x) for i in train]
        radius = float(max(c.float().norm(dim=1).max() for c in coords))  # from the training split only
        simplices = ("points",) if data.kind == "cloud" else ("points", "edges")
        return ECTClassifier(classes, dim=coords[0].shape[1], radius=radius, simplices=simplices, **params)
    from torch_geometric.nn import GIN, global_add_pool

    hidden = params.pop("hidden", 32)

    class GINClassifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.gin = GIN(data.samples[0].x.shape[1], hidden, out_channels=hidden, **params)
            self.head = nn.Linear(hidden, classes)

        def forward(self, batch):
            return self.head(global_add_pool(self.gin(batch.x, batch.edge_index), batch.batch))

    return GINClassifier()


def train_end_to_end(kind: str, params: dict, data, train: np.ndarray, test: np.ndarray, seed: int) -> dict:
    """Trains a ``kind`` model (Adam, cosine schedule) on ``train``; accuracy on ``test`` and timings."""
    from torch import nn

    params = dict(params)
    epochs, lr, batch_size = params.pop("epochs"), params.pop("lr", 2e-3), params.pop("batch_size", 64)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = _model(kind, params, data, train)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, epochs)
    start = time.perf_counter()
    for _ in range(epochs):
        model.train()
        for batch, y in _batches(data, train, batch_size, rng):
            if len(y) < 2:
                continue  # batch norm needs two samples
            loss = nn.functional.cross_entropy(model(batch), y)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        schedule.step()
    train_s = time.perf_counter() - start
    model.eval()
    start = time.perf_counter()
    with torch.no_grad():
        predicted = torch.cat([model(batch).argmax(1) for batch, _ in _batches(data, test, 256, None)]).numpy()
    return {"accuracy": float((predicted == data.labels[test]).mean()), "train_s": train_s,
            "predict_s": time.perf_counter() - start}
