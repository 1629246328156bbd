"""The ``topoeuler`` command line: ``topoeuler info`` and ``topoeuler prune ...``."""
from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="topoeuler", description=__doc__)
    parser.add_argument("command", choices=["info", "prune"], help="what to run; `COMMAND --help` for its options")
    args, rest = parser.parse_known_args(argv)
    if args.command == "info":
        from topoeuler import info, plugins

        print(json.dumps({**info(), "plugins": plugins.listing()}, indent=2))
        return 0
    from topoeuler.pruning.harness import main as prune_main

    return prune_main(rest)


if __name__ == "__main__":
    sys.exit(main())
