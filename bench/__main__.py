"""``python -m bench [NAME ...]``: run the benchmarks and print each ratio against its in-process baseline."""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = [m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_")]
    chosen = [n for n in names if not argv or any(a in n for a in argv)]
    for name in sorted(chosen):
        mod = importlib.import_module(f"bench.{name}")
        for row in mod.run():
            print(json.dumps({"bench": name, **row}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
