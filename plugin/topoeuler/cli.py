"""The ``topoeuler`` command line: ``topoeuler info``, ``topoeuler prune ...`` and ``topoeuler bench [HYDRA OVERRIDES]``."""
from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="topoeuler", description=__doc__)
    parser.add_argument("command", choices=["info", "prune", "bench"], help="what to run; `COMMAND --help` for its options")
    args, rest = parser.parse_known_args(argv)
    if args.command == "info":
        from topoeuler import info, plugins

        print(json.dumps({**info(), "plugins": plugins.listing()}, indent=2))
        return 0
    if args.command == "bench":
        from topoeuler.bench.app import main as bench_main

        return bench_main(rest)
    from topoeuler.pruning.harness import main as prune_main

    return prune_main(rest)


if __name__ == "__main__":
    sys.exit(main())
