"""Runs the ECC and ECT benchmarks and writes a Markdown report.

    python benchmarks/run.py --quick --out reports/benchmarks.md   # `make bench-kernels`, a few minutes
    python benchmarks/run.py --out benchmarks/results/cpu.md       # `make bench-full`
    python benchmarks/run.py --quick --only ect                    # one suite

The report names the machine (CPU model, cores, torch threads), the date and the command, then
one table per case; it is also printed. See docs/benchmarks.md for how to read it.
"""
from __future__ import annotations

import argparse
import datetime
import importlib.util
import os
import shlex
import sys
from pathlib import Path

import ecc
import ect_bench
from _common import load_settings
from topoeuler import info
from topoeuler.bench import machine_info, markdown_table

SUITES = {"ecc": ecc.run, "ect": ect_bench.run}
# Import name -> distribution of the peers and data sets the suites need.
NEEDS = {
    "ecc": {"gudhi": "gudhi", "gtda": "giotto-tda", "mlxtend": "mlxtend", "nilearn": "nilearn",
            "skimage": "scikit-image"},
    "ect": {"nilearn": "nilearn"},
}


def missing_packages(suites: list[str]) -> list[str]:
    """Distributions that the chosen suites need and that are not installed."""
    return sorted({dist for suite in suites for module, dist in NEEDS[suite].items()
                   if importlib.util.find_spec(module) is None})


def header(command: str, quick: bool) -> str:
    """Title, date, command and machine of a report."""
    machine = machine_info()
    machine["topoeuler backend (CPU)"] = info()["cpu"]
    machine["cpu_isa (vectorised binning)"] = info()["cpu_isa"]
    machine["load average at start (1, 5, 15 min)"] = ", ".join(f"{load:.2f}" for load in os.getloadavg())
    return "\n".join([
        "# topoeuler benchmarks" + (" (quick)" if quick else ""),
        "",
        f"- date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"- command: `{command}`",
        "",
        markdown_table(["machine", ""], list(machine.items()), align="ll"),
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repeats and a smaller time budget per peer")
    parser.add_argument("--out", type=Path, help="also write the report to this Markdown file")
    parser.add_argument("--only", choices=sorted(SUITES), action="append", help="run only this suite (repeatable)")
    args = parser.parse_args(argv)
    suites = args.only or sorted(SUITES)
    missing = missing_packages(suites)
    if missing:
        parser.error(f"the benchmarks need {', '.join(missing)}: pip install 'topoeuler[bench]'")
    settings = load_settings("quick" if args.quick else "full")
    command = "python " + " ".join(shlex.quote(a) for a in [sys.argv[0], *(sys.argv[1:] if argv is None else argv)])
    sections = [header(command, args.quick)]
    print(sections[0], flush=True)
    for name in suites:
        sections.append(SUITES[name](settings))
        print(sections[-1], flush=True)
    report = "\n\n".join(sections) + "\n"
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report)
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
