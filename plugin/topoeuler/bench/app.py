"""``topoeuler bench``: the comparison suite as a Hydra application (configs in ``configs/bench/``).

    topoeuler bench                               # the quick suite -> reports/
    topoeuler bench suite=full                    # the full suite -> benchmarks/results/comparison/
    topoeuler bench -m n_shards=2 shard=0,1 hydra/launcher=joblib   # two local workers
    topoeuler bench suite=full hydra/launcher=submitit_slurm -m n_shards=8 shard='range(8)'  # SLURM

Each run computes only the cells missing from ``store`` and, unsharded, writes the report.
"""
from __future__ import annotations

import sys
from pathlib import Path

CONFIGS = Path(__file__).resolve().parents[3] / "configs" / "bench"

MISSING_PEER = "giotto-tda"


def run(cfg) -> int:
    """Runs one Hydra job: this shard's cells, then (unsharded) the report."""
    import importlib.util

    import torch
    from omegaconf import OmegaConf

    from topoeuler.bench.cells import CellStore
    from topoeuler.bench.comparison import run_suite, suite_cells

    config = OmegaConf.to_container(cfg, resolve=True)
    suite = config["suite"]
    if importlib.util.find_spec("gtda") is None and any(m["kind"] in ("cubical", "rips", "geodesic_rips")
                                                       for m in suite["methods"].values()):
        raise SystemExit(f"the suite {suite['name']!r} compares against giotto-tda, which is not installed: "
                         f"pip install {MISSING_PEER} (or 'topoeuler[bench]'), or drop its methods from the suite")
    torch.set_num_threads(int(config["threads"]))
    store = CellStore(config["store"])
    computed = run_suite(suite, store, shard=int(config["shard"]), n_shards=int(config["n_shards"]),
                         progress=bool(config["progress"]))
    print(f"computed {computed} cells in {store.root}", file=sys.stderr)
    if config["report"] and int(config["n_shards"]) == 1:
        from topoeuler.bench.comparison_report import write_report

        for path in write_report(suite, suite_cells(suite, store), Path(config["out"])):
            print(f"wrote {path}", file=sys.stderr)
    return computed


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``topoeuler bench [HYDRA OVERRIDES...]``."""
    import hydra

    if not CONFIGS.is_dir():
        raise SystemExit(f"topoeuler bench reads its configs from {CONFIGS}, which is missing: run it from a "
                         "checkout of the repository (pip install -e .)")
    argv = list(sys.argv[1:] if argv is None else argv)
    saved, sys.argv = sys.argv, ["topoeuler bench", *argv]
    try:
        hydra.main(config_path=str(CONFIGS), config_name="bench", version_base="1.3")(run)()
    finally:
        sys.argv = saved
    return 0
