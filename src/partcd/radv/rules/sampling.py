"""§ 422.311(a) - contract-level RADV sample selection: eligibility, risk-score strata, the seeded draw (4185-P L1197).

The 2012 methodology as the proposal summarizes it (L1197): "up to 201 enrollees from each audited MA contract would be
selected" among enrollees with (a) "continuous enrollment in the contract for the entire data collection year and
January of the payment year", (b) no "end-stage renal disease (ESRD) status and hospice status for that entire
period", (c) "enrollment in Medicare Part B coverage for the entire data collection year", (d) "at least one
diagnosis during the data collection year leading to at least one CMS-HCC assignment in the payment year". Eligible
enrollees are "ranked by risk score and then divided into three equal strata", and "an equal number of enrollees" is
drawn at random from each (67 x 3).

Choices where the text is silent are parameters (``radv/params``): DCY = PY - 1, ties in the ranking broken by
``enrollee_id``, remainders of the equal split go to the highest strata, and a stratum smaller than its allocation is
reviewed in full. The draw: for stratum 1, 2, ..., L in turn, ``rng.choice(N_h, size=n_h, replace=False)`` over the
stratum's enrollees in ranking order, with the caller's ``numpy.random.Generator`` (``np.random.default_rng(seed)``):
the same frame, parameters and seed always give the same sample.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from partcd.core.citation import Cite, cites
from partcd.core.errors import RuleError
from partcd.radv.rules.parameters import RadvParams
from partcd.radv.rules.steps import Step, num

CITE = Cite(cfr="42 CFR 422.311(a)")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

#: Eligibility criteria of L1197, in the order they are tested.
Criterion = Literal["continuous_enrollment", "esrd", "hospice", "part_b", "payment_hcc"]
CRITERIA: tuple[Criterion, ...] = ("continuous_enrollment", "esrd", "hospice", "part_b", "payment_hcc")


class FrameEnrollee(BaseModel):
    """One enrollee of the audited contract's frame; months are ``YYYY-MM`` strings."""

    model_config = ConfigDict(frozen=True)

    enrollee_id: str = Field(min_length=1)
    risk_score: float
    enrolled_months: frozenset[str] = frozenset()
    esrd_months: frozenset[str] = frozenset()
    hospice_months: frozenset[str] = frozenset()
    part_b_months: frozenset[str] = frozenset()
    payment_hcc_count: int = Field(ge=0)

    @field_validator("enrolled_months", "esrd_months", "hospice_months", "part_b_months")
    @classmethod
    def _months(cls, months: frozenset[str]) -> frozenset[str]:
        bad = sorted(m for m in months if not _MONTH.match(m))
        if bad:
            raise ValueError(f"months must be YYYY-MM, got {bad[0]!r}")
        return months


class Eligibility(BaseModel):
    """Whether one enrollee is RADV-eligible for the payment year, and the criteria it fails."""

    model_config = ConfigDict(frozen=True)

    enrollee_id: str
    eligible: bool
    failed: tuple[Criterion, ...]


class Stratum(BaseModel):
    """One risk-score stratum: its eligible enrollees (ranking order), allocation and drawn enrollees.

    ``selected`` lists the drawn enrollees in ranking order; ``selection_order[i]`` is the 1-based position at which
    ``selected[i]`` came out of the draw (``rng.choice`` returns its picks in random order; a census keeps the ranking).
    """

    model_config = ConfigDict(frozen=True)

    stratum: int
    population: int
    allocated: int
    sampled: int
    census: bool
    min_risk_score: float
    max_risk_score: float
    selected: tuple[str, ...]
    selection_order: tuple[int, ...] = ()


class SampleSelection(BaseModel):
    """The contract-level sample: frame counts, exclusions by criterion, strata and the selected enrollees."""

    model_config = ConfigDict(frozen=True)

    payment_year: int
    data_collection_year: int
    frame_count: int
    eligible_count: int
    excluded_by_criterion: dict[str, int]
    sample_size: int
    strata: tuple[Stratum, ...]
    steps: tuple[Step, ...]

    @property
    def selected(self) -> list[tuple[int, str]]:
        """``(stratum, enrollee_id)`` of every selected enrollee, stratum by stratum."""
        return [(s.stratum, e) for s in self.strata for e in s.selected]


def _months_of(year: int, count: int = 12) -> frozenset[str]:
    return frozenset(f"{year:04d}-{m:02d}" for m in range(1, count + 1))


@cites("42 CFR 422.311(a)")
def eligibility(enrollee: FrameEnrollee, payment_year: int, params: RadvParams) -> Eligibility:
    """RADV eligibility of one enrollee for ``payment_year`` (the four criteria of L1197).

    Period = the 12 months of the DCY (PY - ``data_collection_year_lag_years``) plus the first
    ``payment_year_months_required_count`` months of the PY (January).
    """
    dcy_months, period = _periods(payment_year, params)
    failed = _failed(enrollee, dcy_months, period, params)
    return Eligibility(enrollee_id=enrollee.enrollee_id, eligible=not failed, failed=failed)


def _periods(payment_year: int, params: RadvParams) -> tuple[frozenset[str], frozenset[str]]:
    """(DCY months, DCY months + the required first months of the PY)."""
    dcy_months = _months_of(payment_year - params.data_collection_year_lag_years)
    return dcy_months, dcy_months | _months_of(payment_year, params.payment_year_months_required_count)


def _failed(enrollee: FrameEnrollee, dcy_months: frozenset[str], period: frozenset[str],
            params: RadvParams) -> tuple[Criterion, ...]:
    failed: list[Criterion] = []
    if not period <= enrollee.enrolled_months:
        failed.append("continuous_enrollment")
    if params.exclude_esrd_bool and period & enrollee.esrd_months:
        failed.append("esrd")
    if params.exclude_hospice_bool and period & enrollee.hospice_months:
        failed.append("hospice")
    if params.part_b_entire_dcy_bool and not dcy_months <= enrollee.part_b_months:
        failed.append("part_b")
    if enrollee.payment_hcc_count < params.min_payment_hcc_count:
        failed.append("payment_hcc")
    return tuple(failed)


@cites("42 CFR 422.311(a)")
def stratum_sizes(eligible_count: int, params: RadvParams) -> tuple[int, ...]:
    """Sizes of the ``strata_count`` "equal strata" (L1197): differ by at most one; remainders per the parameter."""
    big_l = params.strata_count
    base, extra = divmod(eligible_count, big_l)
    sizes = [base] * big_l
    order = range(big_l - 1, -1, -1) if params.stratum_remainder_text == "highest_strata" else range(big_l)
    for i in list(order)[:extra]:
        sizes[i] += 1
    return tuple(sizes)


@cites("42 CFR 422.311(a)")
def allocation(sample_size: int, params: RadvParams) -> tuple[int, ...]:
    """Per-stratum allocation: ``sample_size / strata_count`` each (67 for 201, L1197); refuses an unequal split."""
    big_l = params.strata_count
    if sample_size < big_l:
        raise RuleError(f"sample size {sample_size} is smaller than the {big_l} strata", CITE)
    if sample_size > params.sample_size_max_count:
        raise RuleError(f"sample size {sample_size} exceeds the {params.sample_size_max_count} enrollees of the "
                        "contract-level design (L1197)", CITE)
    if params.equal_allocation_bool and sample_size % big_l:
        raise RuleError(f"sample size {sample_size} cannot be split equally over {big_l} strata (L1197)", CITE)
    per = sample_size // big_l
    return tuple([per] * big_l)


@cites("42 CFR 422.311(a)")
def select_sample(frame: Sequence[FrameEnrollee], payment_year: int, params: RadvParams, rng: np.random.Generator,
                  sample_size: int | None = None) -> SampleSelection:
    """Contract-level RADV sample (L1197): eligible enrollees, ranked by risk score, three equal strata, equal draws.

    ``sample_size`` defaults to ``sample_size_max_count`` (201). Within each stratum the draw is
    ``rng.choice(N_h, size=n_h, replace=False)`` over the ranking order; strata are drawn 1, 2, 3 in turn. A stratum
    with fewer enrollees than its allocation is reviewed in full (``small_stratum_text: census``).
    """
    ids = [e.enrollee_id for e in frame]
    if len(set(ids)) != len(ids):
        dupe = next(i for i in ids if ids.count(i) > 1)
        raise RuleError(f"enrollee {dupe!r} appears more than once in the frame", CITE)
    size = params.sample_size_max_count if sample_size is None else sample_size
    alloc = allocation(size, params)
    dcy_months, period = _periods(payment_year, params)
    checks = [_failed(e, dcy_months, period, params) for e in frame]
    excluded = {c: sum(1 for x in checks if c in x) for c in CRITERIA}
    eligible = [e for e, x in zip(frame, checks, strict=True) if not x]
    if not eligible:
        raise RuleError(f"no RADV-eligible enrollee in a frame of {len(frame):,} for payment year {payment_year}", CITE)
    ranked = sorted(eligible, key=lambda e: (e.risk_score, e.enrollee_id))
    sizes = stratum_sizes(len(ranked), params)
    dcy = payment_year - params.data_collection_year_lag_years
    steps = [
        Step(label="frame", formula="enrollees of the audited contract", computation=f"{len(frame):,} enrollees",
             value=float(len(frame))),
        Step(label="eligibility", formula=f"enrolled DCY {dcy} + first {params.payment_year_months_required_count} "
                                          f"month(s) of PY {payment_year}; no ESRD/hospice; Part B all DCY; "
                                          f">= {params.min_payment_hcc_count} payment HCC",
             computation="excluded: " + ", ".join(f"{c} {excluded[c]:,}" for c in CRITERIA)
                         + " (an enrollee may fail several)",
             value=float(len(eligible))),
        Step(label="ranking", formula="ascending risk score, ties by enrollee_id",
             computation=f"{len(ranked):,} eligible enrollees"),
        Step(label="strata", formula=f"{params.strata_count} equal strata, remainder to {params.stratum_remainder_text}",
             computation="N_h = " + ", ".join(f"{s:,}" for s in sizes)),
    ]
    strata: list[Stratum] = []
    start = 0
    for h, (big_n_h, n_h) in enumerate(zip(sizes, alloc, strict=True), start=1):
        members = ranked[start:start + big_n_h]
        start += big_n_h
        if not members:
            raise RuleError(f"stratum {h} is empty: {len(ranked)} eligible enrollees for {params.strata_count} strata",
                            CITE)
        census = big_n_h <= n_h
        drawn = range(big_n_h) if census else rng.choice(big_n_h, size=n_h, replace=False)
        position = {int(i): k for k, i in enumerate(drawn, start=1)}
        chosen = sorted(position)
        picked = tuple(members[i].enrollee_id for i in chosen)
        strata.append(Stratum(stratum=h, population=big_n_h, allocated=n_h, sampled=len(picked), census=census,
                              min_risk_score=members[0].risk_score, max_risk_score=members[-1].risk_score,
                              selected=picked, selection_order=tuple(position[i] for i in chosen)))
        steps.append(Step(label=f"stratum {h}",
                          formula="census (N_h <= n_h)" if census else "rng.choice(N_h, n_h, replace=False)",
                          computation=f"risk score {num(members[0].risk_score)} to {num(members[-1].risk_score)}; "
                                      f"N_h = {big_n_h:,}, n_h = {len(picked):,}",
                          value=float(len(picked))))
    return SampleSelection(payment_year=payment_year, data_collection_year=dcy, frame_count=len(frame),
                           eligible_count=len(eligible), excluded_by_criterion=dict(excluded),
                           sample_size=sum(s.sampled for s in strata), strata=tuple(strata), steps=tuple(steps))
