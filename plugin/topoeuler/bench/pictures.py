"""Pictures of sample inputs: the input, its ECC / ECT (topoeuler) beside its persistence diagram (giotto-tda).

Images: the superlevel ECC of the pixel values and the image ECT of the foreground (> 0.4),
beside the cubical persistence diagram of the same superlevel filtration (of ``-image``).
Point clouds and graphs: the ECT (directions x thresholds), beside the Vietoris-Rips diagram
of the coordinates (point clouds) or of the shortest-path metric (graphs).
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from topoeuler.bench import suite_data
from topoeuler.features import ECCFeatures, ECTFeatures, ImageECTFeatures

SAMPLES = 2


def _diagram(data, index):
    """``[points, 3]`` (birth, death, dimension) of sample ``index``, or ``None`` without giotto-tda."""
    if importlib.util.find_spec("gtda") is None:
        return None
    from gtda.homology import CubicalPersistence, VietorisRipsPersistence

    from topoeuler.features.persistence import _adjacencies, _coordinates, _finite_distances

    if data.kind == "image":
        return CubicalPersistence(homology_dimensions=(0, 1)).fit_transform(-data.samples[index:index + 1])[0]
    if data.kind == "cloud":
        return VietorisRipsPersistence(homology_dimensions=(0, 1)).fit_transform(_coordinates([data.samples[index]]))[0]
    from gtda.graphs import GraphGeodesicDistance

    distances = _finite_distances(GraphGeodesicDistance().fit_transform(_adjacencies([data.samples[index]])))
    return VietorisRipsPersistence(metric="precomputed", homology_dimensions=(0, 1)).fit_transform(distances)[0]


def _spectral_layout(graph) -> np.ndarray:
    """``[n, 2]`` drawing coordinates of a graph without coordinates: its Laplacian's eigenvectors 2 and 3."""
    n = graph.num_nodes
    adjacency = np.zeros((n, n))
    e = np.asarray(graph.edge_index)
    adjacency[e[0], e[1]] = adjacency[e[1], e[0]] = 1.0
    _, vectors = np.linalg.eigh(np.diag(adjacency.sum(1)) - adjacency)
    return vectors[:, 1:3]


def _draw_input(ax, data, index):
    sample = data.samples[index]
    if data.kind == "image":
        ax.imshow(sample, cmap="gray_r")
    else:
        pos = np.asarray(sample if data.kind == "cloud" else (sample.pos if getattr(sample, "pos", None) is not None
                                                             else _spectral_layout(sample)))
        if data.kind == "graph":
            for a, b in np.asarray(sample.edge_index).T:
                ax.plot(pos[[a, b], 0], pos[[a, b], 1], color="0.6", lw=0.6)
        ax.scatter(pos[:, 0], pos[:, 1], s=4)
        ax.set_aspect("equal")
    ax.set_title(f"{data.name} #{index} (class {data.labels[index]})", fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])


def sample_pictures(suite: dict, folder: Path) -> list[Path]:
    """One PNG per data set of the suite: ``folder/<dataset>_ecc_vs_persistence.png``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    for name, config in suite["datasets"].items():
        data = suite_data.load(name, config)
        picks = [int(np.flatnonzero(data.labels == label)[0]) for label in np.unique(data.labels)[:SAMPLES]]
        panels = 4 if data.kind == "image" else 3
        fig, axes = plt.subplots(len(picks), panels, figsize=(3.2 * panels, 2.8 * len(picks)), squeeze=False)
        for row, index in zip(axes, picks):
            _draw_input(row[0], data, index)
            one = data.take(np.array([index]))
            if data.kind == "image":
                ecc = ECCFeatures(thresholds=64, superlevel=True).fit(data.samples)
                row[1].plot(ecc.thresholds_.numpy(), ecc.transform(one)[0])
                row[1].set_title("ECC (superlevel, topoeuler)", fontsize=8)
                row[1].set_xlabel("pixel value t")
                ect = ImageECTFeatures(directions=32, thresholds=32, foreground=0.4).fit(data.samples)
                image, extent = ect.transform(one)[0].reshape(32, 32), None
                ect_ax = row[2]
            else:
                ect = ECTFeatures(directions=32, thresholds=32, center=True).fit(data.samples)
                image = ect.transform(one)[0].reshape(32, 32)
                ect_ax = row[1]
            ect_ax.imshow(image, aspect="auto", cmap="viridis")
            ect_ax.set(title="ECT (topoeuler)", xlabel="threshold index", ylabel="direction index")
            ect_ax.title.set_fontsize(8)
            diagram, ax = _diagram(data, index), row[-1]
            if diagram is None:
                ax.text(0.5, 0.5, "pip install giotto-tda\nfor the diagram", ha="center", va="center")
            else:
                for dim, color in ((0, "tab:blue"), (1, "tab:orange")):
                    points = diagram[diagram[:, 2] == dim]
                    ax.scatter(points[:, 0], points[:, 1], s=8, color=color, label=f"H{dim}")
                finite = diagram[:, :2][np.isfinite(diagram[:, :2])]
                lo, hi = (finite.min(), finite.max()) if finite.size else (0, 1)
                ax.plot([lo, hi], [lo, hi], color="0.5", lw=0.8)
                ax.legend(fontsize=7)
            ax.set_title("persistence diagram (giotto-tda)", fontsize=8)
            ax.set(xlabel="birth", ylabel="death")
        fig.tight_layout()
        path = folder / f"{name}_ecc_vs_persistence.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        paths.append(path)
    return paths
