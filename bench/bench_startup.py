"""CLI start-up: ``partcd --help`` and ``partcd <area> --help`` as fresh processes, as a ratio to ``python -c pass``.

Each command runs ``REPEAT`` times in a new interpreter (the same Python as this process); the row reports the best
wall time of each and the ratio to the bare interpreter, plus how many modules the command imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

from partcd import registry

REPEAT = 5
COUNT = ("import sys, json\nsys.argv = {argv!r}\nfrom partcd.platform.cli import main\ntry:\n    main()\n"
         "except SystemExit:\n    pass\nsys.stderr.write(json.dumps(len(sys.modules)))")


def _best(argv: list[str]) -> float:
    best = float("inf")
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=False)
        best = min(best, time.perf_counter() - t0)
    return best


def _modules(args: list[str]) -> int:
    out = subprocess.run([sys.executable, "-c", COUNT.format(argv=["partcd", *args])], capture_output=True, text=True,
                         check=True)
    return int(json.loads(out.stderr.strip().splitlines()[-1]))


def run() -> Iterator[dict[str, Any]]:
    baseline = _best([sys.executable, "-c", "pass"])
    for args in [["--help"], *([a, "--help"] for a in registry.AREAS)]:
        seconds = _best([sys.executable, "-m", "partcd.platform.cli", *args])
        yield {"command": "partcd " + " ".join(args), "seconds": round(seconds, 4), "python_c_pass_s": round(baseline, 4),
               "ratio": round(seconds / baseline, 1), "modules": _modules(args)}
