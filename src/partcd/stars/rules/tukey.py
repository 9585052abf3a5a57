"""§ 422.162(a), § 423.182(a) - outer fences Q1 - 3*IQR, Q3 + 3*IQR and outer-fence outlier deletion (4185-P L2195, L3166, L638).

The proposal uses the outer fences only for the restricted range of the guardrail (L2195, L638): a score that
"exceeds" the upper fence or "is less than" the lower fence is an outlier, so a score exactly on a fence is kept.
Deleting outer-fence outliers *before clustering* (Tukey deletion) is CMS practice from the 2024 Star Ratings
(shared/specs/stars.md §2.5, §9).

Quartile methods (named choices; shared/specs/stars.md §1):

* ``fn19-halves-exclusive`` - footnote 19 (L3475): Q1 / Q3 are the medians of the lower / upper half of the sorted
  data; for odd n the overall median belongs to neither half (Moore-McCabe);
* ``fn19-halves-inclusive`` - the same, with the overall median in both halves for odd n (Tukey's hinges);
* ``sas-qntldef5`` - SAS PROC MEANS default (QNTLDEF=5, empirical distribution with averaging), which CMS practice
  uses: with n*p = j + g, the value x(j+1) if g > 0, else (x(j) + x(j+1)) / 2.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt

from partcd.core.citation import Cite, cites
from partcd.core.errors import RuleError

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

QuartileMethod = Literal["fn19-halves-exclusive", "fn19-halves-inclusive", "sas-qntldef5"]
QUARTILE_METHODS: tuple[str, ...] = get_args(QuartileMethod)

_CITE = Cite(cfr="42 CFR 422.162(a), 423.182(a) (footnote 19)")


def _median(sorted_x: FloatArray) -> float:
    n = sorted_x.size
    mid = n // 2
    return float(sorted_x[mid]) if n % 2 else float((sorted_x[mid - 1] + sorted_x[mid]) / 2)


def _sas5(sorted_x: FloatArray, p: float) -> float:
    n = sorted_x.size
    np_ = n * p
    j = math.floor(np_)
    if np_ - j > 0:
        return float(sorted_x[j])
    if j == 0:
        return float(sorted_x[0])
    return float((sorted_x[j - 1] + sorted_x[j]) / 2)


@cites("42 CFR 422.162(a)", "42 CFR 423.182(a)")
def quartiles(scores: Sequence[float] | FloatArray, method: QuartileMethod) -> tuple[float, float]:
    """First and third quartile of the scores by the named method."""
    x = np.sort(np.asarray(scores, dtype=np.float64))
    if x.size == 0:
        raise RuleError("quartiles of an empty set of scores", _CITE)
    if method not in QUARTILE_METHODS:
        raise RuleError(f"unknown quartile method {method!r}; known: {', '.join(QUARTILE_METHODS)}", _CITE)
    n = x.size
    if n == 1:
        return float(x[0]), float(x[0])
    if method == "sas-qntldef5":
        return _sas5(x, 0.25), _sas5(x, 0.75)
    if method == "fn19-halves-exclusive":
        lower, upper = x[: n // 2], x[(n + 1) // 2:]
    else:
        lower, upper = x[: (n + 1) // 2], x[n // 2:]
    return _median(lower), _median(upper)


@cites("42 CFR 422.162(a)", "42 CFR 423.182(a)")
def outer_fences(scores: Sequence[float] | FloatArray, multiplier: float, method: QuartileMethod) -> tuple[float, float]:
    """Lower and upper outer fence: Q1 - m*IQR and Q3 + m*IQR (m = 3 in the rule)."""
    q1, q3 = quartiles(scores, method)
    iqr = q3 - q1
    return q1 - multiplier * iqr, q3 + multiplier * iqr


@cites("42 CFR 422.162(a)", "42 CFR 423.182(a)")
def within_fences(scores: Sequence[float] | FloatArray, multiplier: float, method: QuartileMethod) -> BoolArray:
    """Mask of the scores kept: on or inside the fences (a score exactly on a fence is not an outlier, L638)."""
    x = np.asarray(scores, dtype=np.float64)
    lo, hi = outer_fences(x, multiplier, method)
    return np.asarray((x >= lo) & (x <= hi), dtype=np.bool_)


@cites("42 CFR 422.162(a)", "42 CFR 423.182(a)")
def delete_outer_fence_outliers(
    scores: Sequence[float] | FloatArray, multiplier: float, method: QuartileMethod
) -> FloatArray:
    """The scores without outer-fence outliers, in their original order."""
    x = np.asarray(scores, dtype=np.float64)
    return x[within_fences(x, multiplier, method)]


@cites("42 CFR 422.162(a)", "42 CFR 423.182(a)")
def delete_outliers_by_sign(
    scores: Sequence[float] | FloatArray, multiplier: float, method: QuartileMethod, floor: float = 0.0
) -> FloatArray:
    """Improvement measures (CMS practice): fences computed separately for scores below and at/above ``floor``."""
    x = np.asarray(scores, dtype=np.float64)
    parts = [x[x < floor], x[x >= floor]]
    kept = [delete_outer_fence_outliers(p, multiplier, method) for p in parts if p.size]
    return np.concatenate(kept) if kept else x[:0]
