"""1-D Ward (``partcd.stars.rules.ward``) against scipy's ``linkage(x, "ward")`` + ``fcluster(maxclust)``, same process.

``ratio`` = baseline seconds / our seconds (above 1: we are faster). Scores are unrounded normal draws (no ties, so
the O(n log n) chain answers alone) and, for the tie-heavy CMS case, integer percentages, where
``ward_labels`` hands tie-sensitive inputs of up to ``SCIPY_TIE_MAX_N`` scores to scipy (``exact_ties=True``) and the
chain alone is timed as ``exact_ties=False``; ``sas_rule_s`` times ``ties="sas"`` (exact greedy heap).
scipy is skipped above 10 000 scores: its condensed distance matrix
(n(n-1)/2 doubles, copied once more by its NN-chain) needs about 20 GB at n = 50 000.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial

import numpy as np
import numpy.typing as npt
from scipy.cluster.hierarchy import fcluster, linkage

from partcd.stars.rules.ward import ward_cut, ward_labels

SIZES = (500, 2_000, 5_000, 10_000, 50_000)
SCIPY_MAX_N = 10_000
N_CLUSTERS = 5


def _best_of(fn: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _scipy(x: npt.NDArray[np.float64]) -> object:
    return fcluster(linkage(x.reshape(-1, 1), "ward"), N_CLUSTERS, "maxclust")


def run() -> list[dict[str, object]]:
    rng = np.random.default_rng(20250101)
    rows: list[dict[str, object]] = []
    for n in SIZES:
        x = rng.normal(70.0, 12.0, n)
        repeats = 5 if n <= 2_000 else 2
        cut = ward_cut(x, N_CLUSTERS)
        ours = _best_of(partial(ward_labels, x, N_CLUSTERS), repeats)
        sas = _best_of(partial(ward_labels, x, N_CLUSTERS, ties="sas"), 1 if n > 5_000 else repeats)
        row: dict[str, object] = {
            "case": "continuous",
            "n": n,
            "method": cut.method,
            "ours_s": round(ours, 5),
            "sas_rule_s": round(sas, 5),
        }
        if n <= SCIPY_MAX_N:
            base = _best_of(partial(_scipy, x), 1 if n > 2_000 else 3)
            row |= {"baseline": "scipy linkage+fcluster", "baseline_s": round(base, 5), "ratio": round(base / ours, 1)}
        else:
            row |= {"baseline": "skipped", "note": "scipy needs ~20 GB of distance matrices at this n"}
        rows.append(row)
    for n in (500, 5_000):
        x = np.round(100.0 * rng.beta(6.0, 2.0, n))
        exact = _best_of(partial(ward_labels, x, N_CLUSTERS), 3)
        chain = _best_of(partial(ward_labels, x, N_CLUSTERS, exact_ties=False), 3)
        sas = _best_of(partial(ward_labels, x, N_CLUSTERS, ties="sas"), 3)
        base = _best_of(partial(_scipy, x), 3 if n <= 2_000 else 1)
        rows.append(
            {
                "case": "integer percentages",
                "n": n,
                "method": ward_cut(x, N_CLUSTERS).method,
                "ours_s": round(exact, 5),
                "chain_only_s": round(chain, 5),
                "sas_rule_s": round(sas, 5),
                "baseline": "scipy linkage+fcluster",
                "baseline_s": round(base, 5),
                "ratio": round(base / exact, 2),
                "chain_only_ratio": round(base / chain, 1),
            }
        )
    return rows
