"""§ 422.311(a) - attribute appraisal: exact bounds on how many enrollees of the frame have a payment error (L1189).

RADV "discrepancies" (L1189) are an attribute of each sampled enrollee (an unsupported HCC, or a non-zero payment
error). From ``k`` enrollees in error in a simple random sample of ``n`` out of ``N``, the number ``M`` of frame
enrollees in error is bounded exactly with the hypergeometric distribution ``X ~ Hypergeometric(N, M, n)``
(distribution-free; the Minimum Sum Method bounds of shared/specs/integrity.md §2.8):

* lower bound: the smallest ``M >= k`` with ``P(X >= k | M) >= a`` (0 when ``k = 0``);
* upper bound: the largest ``M <= N - n + k`` with ``P(X <= k | M) >= a`` (``N`` when ``k = n``);
* ``a = (1 - c)/2`` for a two-sided interval, ``1 - c`` for a one-sided bound.

Both tail probabilities are monotone in ``M``, so each bound is found by bisection over the integers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict
from scipy import stats

from partcd.core.citation import Cite, cites
from partcd.core.errors import ConfigError, RuleError
from partcd.radv.rules.steps import Step, num

CITE = Cite(cfr="42 CFR 422.311(a)")
AttributeSidedness = Literal["two_sided", "one_sided_lower", "one_sided_upper"]


class AttributeAppraisal(BaseModel):
    """Point estimate and exact bounds on the count (and rate) of frame units in error."""

    model_config = ConfigDict(frozen=True)

    population: int
    sample_size: int
    errors_in_sample: int
    confidence: float
    sidedness: AttributeSidedness
    point_count: float
    point_rate: float
    lower_count: int | None
    upper_count: int | None
    lower_rate: float | None
    upper_rate: float | None
    steps: tuple[Step, ...]


def p_at_least(k: int, population: int, in_error: int, sample_size: int) -> float:
    """``P(X >= k)`` for ``X ~ Hypergeometric(population, in_error, sample_size)``."""
    return float(stats.hypergeom.sf(k - 1, population, in_error, sample_size))


def p_at_most(k: int, population: int, in_error: int, sample_size: int) -> float:
    """``P(X <= k)`` for ``X ~ Hypergeometric(population, in_error, sample_size)``."""
    return float(stats.hypergeom.cdf(k, population, in_error, sample_size))


def _first_true(lo: int, hi: int, pred: Callable[[int], bool]) -> int:
    """Smallest integer m in [lo, hi] with pred(m) true, for a predicate false...false true...true; pred(hi) holds."""
    while lo < hi:
        mid = (lo + hi) // 2
        if pred(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


@cites("42 CFR 422.311(a)")
def attribute_bounds(population: int, sample_size: int, errors_in_sample: int, confidence: float,
                     sidedness: AttributeSidedness = "two_sided") -> AttributeAppraisal:
    """Exact hypergeometric bounds on the number of frame enrollees in error (§ 422.311(a); L1189)."""
    big_n, n, k = population, sample_size, errors_in_sample
    if not 0.0 < confidence < 1.0:
        raise ConfigError(f"confidence must be a fraction strictly between 0 and 1, got {confidence!r}")
    if sidedness not in ("two_sided", "one_sided_lower", "one_sided_upper"):
        raise ConfigError(f"sidedness must be two_sided, one_sided_lower or one_sided_upper, got {sidedness!r}")
    if not (1 <= n <= big_n):
        raise RuleError(f"sample size {n} must be between 1 and the population {big_n}", CITE)
    if not 0 <= k <= n:
        raise RuleError(f"errors in sample {k} must be between 0 and the sample size {n}", CITE)
    alpha = 1.0 - confidence
    a = alpha / 2.0 if sidedness == "two_sided" else alpha
    lo_m, hi_m = k, big_n - n + k
    lower: int | None = None
    upper: int | None = None
    if sidedness in ("two_sided", "one_sided_lower"):
        lower = 0 if k == 0 else _first_true(lo_m, hi_m, lambda m: p_at_least(k, big_n, m, n) >= a)
    if sidedness in ("two_sided", "one_sided_upper"):
        # largest m with P(X <= k | m) >= a  ==  (first m with P(X <= k | m) < a) - 1
        if p_at_most(k, big_n, hi_m, n) >= a:
            upper = hi_m
        else:
            upper = _first_true(lo_m, hi_m, lambda m: p_at_most(k, big_n, m, n) < a) - 1
    point = big_n * k / n
    steps = [
        Step(label="sample", formula="k units in error out of n sampled from N",
             computation=f"k = {k:,}, n = {n:,}, N = {big_n:,}"),
        Step(label="point estimate", formula="N * k / n", computation=f"{big_n:,} x {k:,} / {n:,}", value=point),
        Step(label="tail probability", formula="a = (1 - c)/2" if sidedness == "two_sided" else "a = 1 - c",
             computation=f"c = {num(confidence)}", value=a),
    ]
    if lower is not None:
        steps.append(Step(label="lower bound", formula="smallest M >= k with P(X >= k | M) >= a",
                          computation=f"P(X >= {k} | M = {lower}) = {num(p_at_least(k, big_n, lower, n))}"
                          if k else "k = 0", value=float(lower)))
    if upper is not None:
        steps.append(Step(label="upper bound", formula="largest M with P(X <= k | M) >= a",
                          computation=f"P(X <= {k} | M = {upper}) = {num(p_at_most(k, big_n, upper, n))}",
                          value=float(upper)))
    return AttributeAppraisal(
        population=big_n, sample_size=n, errors_in_sample=k, confidence=confidence, sidedness=sidedness,
        point_count=point, point_rate=k / n, lower_count=lower, upper_count=upper,
        lower_rate=None if lower is None else lower / big_n, upper_rate=None if upper is None else upper / big_n,
        steps=tuple(steps))
