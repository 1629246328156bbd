"""ECC benchmark: topoeuler against plain PyTorch, gudhi and giotto-tda on real images and volumes.

Cases (thresholds: ``T`` evenly spaced from the input's min to its max, the same tensor for
every method):

- MNIST: the 5000 real digits of ``topoeuler.datasets.load_mnist``, ``[5000, 28, 28]``, T = 64.
- camera 4096^2: scikit-image's real 512 x 512 ``camera`` photograph, upscaled x8 with bilinear
  interpolation to ``[4096, 4096]``, T = 256.
- MNI152 2 mm: the brain template volume ``[99, 117, 95]``, T = 128 (full mode adds the 1 mm
  template ``[197, 233, 189]``).

Methods, each for the V- and T-construction where it has them:

- topoeuler: ``topoeuler.ecc`` (compiled kernels, all torch threads).
- PyTorch reference: ``topoeuler.ops.reference.ecc_reference``, batched shifted maxima/minima +
  bucketize + histogram, all torch threads.
- gudhi: ``gudhi.CubicalComplex`` (``vertices=`` is the V-, ``top_dimensional_cells=`` the
  T-construction), persistence, then ``chi(t) = sum_k (-1)^k beta_k(t)`` from the intervals,
  one grid after another on one thread.
- giotto-tda: ``CubicalPersistence.fit_transform`` on the batch (T-construction only; gudhi
  underneath, parallel over the grids of a batch with joblib).

Every method's curves are checked to equal topoeuler's on the input it was measured on.
"""
from __future__ import annotations

import numpy as np
import torch
from tqdm import tqdm

import topoeuler
from _common import Row, Settings, central_subset, check_equal, comparison_table, measure_peer
from topoeuler.bench import measure
from topoeuler.ops.reference import ecc_reference


def betti_curve(intervals: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Number of intervals ``[birth, death)`` alive at each threshold: int64 ``[T]``.

    ``intervals`` ``[P, 2]`` (death may be ``inf``); alive at ``t`` means ``birth <= t < death``.
    """
    intervals = np.asarray(intervals, dtype=np.float64).reshape(-1, 2)
    born = np.searchsorted(np.sort(intervals[:, 0]), thresholds, side="right")
    dead = np.searchsorted(np.sort(intervals[:, 1]), thresholds, side="right")
    return (born - dead).astype(np.int64)


def gudhi_ecc(grids: np.ndarray, thresholds: np.ndarray, construction: str) -> np.ndarray:
    """ECC ``[B, T]`` of ``grids [B, *grid]`` via gudhi's cubical persistence, one grid at a time."""
    import gudhi

    key = "vertices" if construction == "V" else "top_dimensional_cells"
    curves = np.zeros((len(grids), len(thresholds)), dtype=np.int64)
    for i, grid in enumerate(grids):
        complex_ = gudhi.CubicalComplex(**{key: grid})
        complex_.compute_persistence()
        for k in range(grid.ndim):
            curves[i] += (-1) ** k * betti_curve(complex_.persistence_intervals_in_dimension(k), thresholds)
    return curves


def giotto_diagrams(grids: np.ndarray, n_jobs: int) -> np.ndarray:
    """giotto-tda persistence diagrams ``[B, P, 3]`` (birth, death, dimension) of ``grids [B, *grid]``."""
    from gtda.homology import CubicalPersistence

    persistence = CubicalPersistence(
        homology_dimensions=tuple(range(grids.ndim - 1)), reduced_homology=False,
        infinity_values=np.inf, n_jobs=n_jobs,
    )
    return persistence.fit_transform(grids)


def diagrams_ecc(diagrams: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """ECC ``[B, T]`` from giotto-tda diagrams ``[B, P, 3]`` (its zero-length padding counts for nothing)."""
    curves = np.zeros((len(diagrams), len(thresholds)), dtype=np.int64)
    for i, diagram in enumerate(diagrams):
        for k in np.unique(diagram[:, 2]).astype(int):
            curves[i] += (-1) ** k * betti_curve(diagram[diagram[:, 2] == k, :2], thresholds)
    return curves


def mnist_case() -> tuple[str, torch.Tensor, int, int]:
    from topoeuler.datasets import load_mnist

    images, _ = load_mnist()
    return "MNIST, 5000 real digits [5000, 28, 28], T = 64", images, 2, 64


def camera_case() -> tuple[str, torch.Tensor, int, int]:
    from skimage.data import camera

    photo = torch.from_numpy(camera()).float().div(255)[None, None]
    image = torch.nn.functional.interpolate(photo, size=(4096, 4096), mode="bilinear", align_corners=False)
    return ("4096 x 4096 image (scikit-image's real `camera` photo, 512 x 512, upscaled x8 "
            "bilinearly), T = 256", image[0], 2, 256)


def mni152_case(resolution: int) -> tuple[str, torch.Tensor, int, int]:
    from topoeuler.datasets import load_mni152

    volume = load_mni152(resolution)
    shape = " x ".join(map(str, volume.shape))
    return f"MNI152 brain template, {resolution} mm, [{shape}], T = 128", volume[None], 3, 128


def bench_case(title: str, x: torch.Tensor, ndim: int, count: int, settings: Settings) -> str:
    """Measures every method on ``x [B, *grid]`` and returns the case's Markdown section."""
    lo, hi = (float(v) for v in torch.aminmax(x))
    thresholds = torch.linspace(lo, hi, count, dtype=torch.float64)
    t_numpy = thresholds.numpy()
    threads = torch.get_num_threads()
    jobs = threads if x.shape[0] > 1 else 1  # joblib parallelises over the grids of a batch only
    rows, checks = [], []
    bar = tqdm(total=7, desc=title.split(",")[0], leave=False)
    for construction in ("V", "T"):
        ours = measure(lambda: topoeuler.ecc(x, thresholds, ndim=ndim, construction=construction),
                       repeat=settings.repeat)
        rows.append(Row("topoeuler", construction, ours))
        bar.update()
        reference = measure(lambda: ecc_reference(x, thresholds, ndim=ndim, construction=construction),
                            repeat=settings.repeat)
        check_equal(f"reference {construction}", ours.result, reference.result)
        rows.append(Row("PyTorch reference", construction, reference))
        bar.update()
        row, (subset, curves) = measure_peer(
            "gudhi (1 thread)", construction,
            lambda grids: gudhi_ecc(grids.numpy(), t_numpy, construction),
            lambda fraction: central_subset(x, ndim, fraction), settings,
        )
        expected = topoeuler.ecc(subset, thresholds, ndim=ndim, construction=construction)
        check_equal(f"gudhi {construction}", expected.numpy(), curves)
        rows.append(row)
        bar.update()
        checks.append(f"gudhi {construction} on {row.measured_on}")
    row, (subset, diagrams) = measure_peer(
        f"giotto-tda (n_jobs={jobs})", "T", lambda grids: giotto_diagrams(grids.numpy(), jobs),
        lambda fraction: central_subset(x, ndim, fraction), settings,
    )
    expected = topoeuler.ecc(subset, thresholds, ndim=ndim, construction="T")
    check_equal("giotto-tda T", expected.numpy(), diagrams_ecc(diagrams, t_numpy))
    if jobs > 1:
        row.measurement.peak_bytes = None  # its joblib worker processes are not in this process's memory
    rows.append(row)
    bar.update()
    bar.close()
    checks.append(f"giotto-tda T on {row.measured_on}")
    rows.sort(key=lambda r: ("VT".index(r.variant), r.method != "topoeuler"))
    lines = [
        f"### {title}",
        "",
        comparison_table(rows, "topoeuler", work=x.numel(), unit="Mpixel/s" if ndim == 2 else "Mvoxel/s"),
        "",
        "Checked: topoeuler's curves equal the PyTorch reference's on the whole input, and the "
        "Euler characteristic of the persistence diagrams of " + ", ".join(checks) + ".",
    ]
    if any(row.scale != 1 for row in rows):
        lines.append("`~`: measured on the subset named, scaled linearly to the whole input "
                     "(persistence costs grow faster than linearly, so this favours the peer).")
    if jobs > 1:
        lines.append("giotto-tda's peak memory is n/a: it computes in joblib worker processes.")
    return "\n".join(lines)


def run(settings: Settings) -> str:
    """All ECC cases as one Markdown section."""
    cases = [mnist_case(), camera_case(), mni152_case(2)]
    if settings.full:
        cases.append(mni152_case(1))
    sections = ["## Euler characteristic curves (ECC)"]
    for case in tqdm(cases, desc="ECC cases"):
        sections.append(bench_case(*case, settings))
    return "\n\n".join(sections)
