"""ECTClassifier on the Cuneiform graphs (30 classes of cuneiform signs with 3D node coordinates).

Data: grakel's bundled TU copy through ``topoeuler.datasets.load_tu("Cuneiform")`` (267
graphs; ``pos`` = the 3D wedge-point coordinates). Each graph is centred and scaled into the
unit ball. Fixed split: a seeded stratified split, 2 graphs of each class to test (60 test,
207 train). Model: ``ECTClassifier`` on points + edges with learnable directions, and the same
with fixed directions. The ECT image is standardised per entry (``input_norm``) before the CNN.
Writes ``examples/results/cuneiform_ect.png`` and ``cuneiform_ect.json``.

Run: ``.venv/bin/python examples/train_ect_cuneiform.py`` (a few minutes on 2 CPU cores).
"""
from __future__ import annotations

import argparse

import torch

import topoeuler.datasets
from topoeuler.nn import ECTClassifier

from _training import run, save


def normalised(data):
    data = data.clone()
    pos = data.pos - data.pos.mean(dim=0, keepdim=True)
    data.pos = pos / pos.norm(dim=1).max().clamp_min(1e-9)
    return data


def stratified_split(labels: torch.Tensor, per_class: int, seed: int):
    generator = torch.Generator().manual_seed(seed)
    test = []
    for c in labels.unique():
        members = (labels == c).nonzero().flatten()
        test += members[torch.randperm(len(members), generator=generator)[:per_class]].tolist()
    test_set = set(test)
    return [i for i in range(len(labels)) if i not in test_set], sorted(test)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--directions", type=int, default=32)
    parser.add_argument("--thresholds", type=int, default=32)
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", default="learnable,fixed")
    args = parser.parse_args()
    from torch_geometric.loader import DataLoader

    dataset = [normalised(d) for d in topoeuler.datasets.load_tu("Cuneiform")]
    labels = torch.tensor([int(d.y) for d in dataset])
    train_idx, test_idx = stratified_split(labels, 2, args.seed)
    train = [dataset[i] for i in train_idx]
    test = [dataset[i] for i in test_idx]

    def loader(items, shuffle_seed=None):
        generator = torch.Generator().manual_seed(shuffle_seed) if shuffle_seed is not None else None
        for batch in DataLoader(items, batch_size=args.batch_size, shuffle=generator is not None, generator=generator):
            yield {"data": batch}, batch.y

    histories = []
    for run_name in args.runs.split(","):
        torch.manual_seed(args.seed)
        model = ECTClassifier(30, channels=(16, 32), hidden=128, dropout=0.3, input_norm=True, directions=args.directions, dim=3,
                              thresholds=args.thresholds, radius=1.0, scale=args.scale, simplices=("points", "edges"),
                              learn_directions=run_name == "learnable")
        histories.append(run(model, lambda epoch: loader(train, args.seed + epoch), lambda: loader(test),
                             args.epochs, args.lr, f"{run_name} directions"))
    save(histories, "cuneiform_ect", f"ECTClassifier on Cuneiform (grakel TU copy, {len(train)} train / {len(test)} "
                                     f"test, D={args.directions}, T={args.thresholds})", {"config": vars(args)})


if __name__ == "__main__":
    main()
