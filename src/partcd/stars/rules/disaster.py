"""§ 422.166(i), § 423.186(i) - extreme and uncontrollable circumstances (4185-P L2245-L2315, L3216-L3256).

Part C numbers its paragraphs (i)(1)-(10), Part D (i)(1)-(8) (Part D has no HOS or HEDIS paragraphs); every function
names both through :data:`PARAGRAPHS`:

=========================  ================  ================
topic                      Part C 422.166    Part D 423.186
=========================  ================  ================
affected contract          (i)(1)            (i)(1)
CAHPS                      (i)(2)            (i)(2)
HOS, HEDIS-HOS             (i)(3)            -
HEDIS                      (i)(4)            -
new-measure hold-harmless  (i)(5)            (i)(3)
other measures             (i)(6)            (i)(4)
improvement exclusion      (i)(7)            (i)(5)
missing data               (i)(8)            (i)(6)
cut points (60 percent)    (i)(9)            (i)(7)
reward factor (60 percent) (i)(10)           (i)(8)
=========================  ================  ================

The enrollment share follows CMS's Attachment P (2026 Technical Notes L8146-L8445): the counties of a contract's
service area, each county's enrollment averaged over the enrollment months of the declarations that touch the
contract, the share living in Individual Assistance counties of declarations for which the Secretary used section
1135 authority. Which rating years a circumstance affects depends on the data source (HOS three years later, the
others two; ``disaster_year_offsets_table``). Pure: tables in, shares and adjusted stars out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Literal

from partcd.core.citation import Cite, cites
from partcd.core.errors import RuleError
from partcd.stars.rules.models import Measure, Part
from partcd.stars.rules.params import RatingParams

Topic = Literal["affected", "cahps", "hos", "hedis", "new_measures", "other", "improvement", "missing_data",
                "cut_points", "reward_factor"]

#: Paragraph of each topic in Part C (§ 422.166(i)) and Part D (§ 423.186(i)); None where Part D has none.
PARAGRAPHS: dict[Topic, tuple[str, str | None]] = {
    "affected": ("42 CFR 422.166(i)(1)", "42 CFR 423.186(i)(1)"),
    "cahps": ("42 CFR 422.166(i)(2)", "42 CFR 423.186(i)(2)"),
    "hos": ("42 CFR 422.166(i)(3)", None),
    "hedis": ("42 CFR 422.166(i)(4)", None),
    "new_measures": ("42 CFR 422.166(i)(5)", "42 CFR 423.186(i)(3)"),
    "other": ("42 CFR 422.166(i)(6)", "42 CFR 423.186(i)(4)"),
    "improvement": ("42 CFR 422.166(i)(7)", "42 CFR 423.186(i)(5)"),
    "missing_data": ("42 CFR 422.166(i)(8)", "42 CFR 423.186(i)(6)"),
    "cut_points": ("42 CFR 422.166(i)(9)", "42 CFR 423.186(i)(7)"),
    "reward_factor": ("42 CFR 422.166(i)(10)", "42 CFR 423.186(i)(8)"),
}


def paragraph(topic: Topic, part: Part) -> str:
    """The paragraph of ``topic`` for a Part C or Part D measure (a Part D HOS/HEDIS rule does not exist)."""
    c, d = PARAGRAPHS[topic]
    if part is Part.C:
        return c
    if d is None:
        raise RuleError(f"§ 423.186(i) has no {topic} paragraph (Part D has no HOS or HEDIS measures)", Cite(cfr=c))
    return d


# --- affected contracts ----------------------------------------------------------------------


@dataclass(frozen=True)
class Declaration:
    """A FEMA major disaster declaration with Individual Assistance counties (Stafford Act) and whether the Secretary
    exercised section 1135 authority for the same event (emergency area / period, § 422.166(i)(1)(i)-(ii))."""

    declaration_id: str
    incident_start: dt.date
    section_1135: bool
    enrollment_month: str  # "YYYY-MM": the enrollment file used for this event (TN Table P-4)
    ia_counties: frozenset[str]  # county FIPS codes designated for Individual Assistance


@dataclass(frozen=True)
class CountyEnrollment:
    contract_id: str
    county: str  # FIPS code
    month: str  # "YYYY-MM"
    enrolled: int


@dataclass(frozen=True)
class AffectedShare:
    """A contract's share of enrollees in Individual Assistance areas for one year's circumstances."""

    contract_id: str
    year: int
    share_pct: float
    total_enrollment: float
    ia_enrollment: float
    declarations: tuple[str, ...]
    months: tuple[str, ...]


def _round_count(value: float, rule: str) -> float:
    if rule == "none":
        return value
    mode = ROUND_HALF_EVEN if rule == "half-even" else ROUND_HALF_UP
    return float(Decimal(repr(value)).quantize(Decimal(1), rounding=mode))


@cites("42 CFR 422.166(i)(1)", "42 CFR 423.186(i)(1)")
def affected_share(
    contract_id: str,
    year: int,
    service_area: Collection[str],
    enrollment: Sequence[CountyEnrollment],
    declarations: Sequence[Declaration],
    params: RatingParams,
) -> AffectedShare:
    """Percent of a contract's service-area enrollment living in Individual Assistance counties at the time of the
    ``year``'s circumstances (incident start in ``year``; TN Attachment P steps 1-10, L8161-L8336).

    Only declarations with section 1135 authority count ((i)(1)(i)-(ii)). Each service-area county's enrollment is
    averaged over the enrollment months of the declarations touching the contract (TN Table P-5) and rounded by
    ``disaster_county_enrollment_rounding_text``; counties outside the service area are ignored (L8311). Worked
    example (TN L8445): 909 of 5,120 -> 17.753906 percent.
    """
    area = frozenset(service_area)
    touching = [d for d in declarations
                if d.section_1135 and d.incident_start.year == year and d.ia_counties & area]
    months = tuple(sorted({d.enrollment_month for d in touching}))
    if not touching:
        return AffectedShare(contract_id, year, 0.0, 0.0, 0.0, (), ())
    ia = frozenset().union(*(d.ia_counties for d in touching)) & area
    by_county: dict[str, dict[str, int]] = {}
    for row in enrollment:
        if row.contract_id != contract_id or row.county not in area or row.month not in months:
            continue
        if row.enrolled < 0:
            raise RuleError(f"{contract_id} {row.county} {row.month}: negative enrollment {row.enrolled}",
                            Cite(cfr=PARAGRAPHS["affected"][0]))
        by_county.setdefault(row.county, {})[row.month] = row.enrolled
    rule = params.disaster_county_enrollment_rounding_text
    averages = {c: _round_count(sum(m.values()) / len(months), rule) for c, m in by_county.items()}
    total = sum(averages.values())
    ia_total = sum(v for c, v in averages.items() if c in ia)
    share = 100.0 * ia_total / total if total > 0 else 0.0
    return AffectedShare(contract_id, year, share, total, ia_total, tuple(d.declaration_id for d in touching), months)


@cites("42 CFR 422.166(i)(1)(iii)", "42 CFR 423.186(i)(1)(iii)")
def adjustment_applies(share_pct: float | None, params: RatingParams) -> bool:
    """At least 25 percent of enrollees in Individual Assistance areas (inclusive: 25.0 yes, 24.9 no; L2265, L3236)."""
    return share_pct is not None and share_pct >= params.disaster_adjustment_min_pct


def disaster_years(measure: Measure, rating_year: int, params: RatingParams) -> tuple[int, ...]:
    """Years of circumstances whose share governs a measure of ``rating_year``: HOS three years before, measurement-year
    data two (4185-P L799, L803, L811); none for the improvement measures."""
    offsets = params.disaster_year_offsets_table.get(measure.data_source)
    if offsets is None:
        raise RuleError(f"no disaster year offset for data source {measure.data_source!r}",
                        Cite(cfr=paragraph("other", measure.part)))
    return tuple(rating_year - o for o in offsets)


def governing_share(shares: Mapping[int, float], years: Collection[int]) -> float | None:
    """The largest share among the given years (a contract affected in either year qualifies); None if none known."""
    known = [shares[y] for y in years if y in shares]
    return max(known) if known else None


# --- measure-level adjustments ---------------------------------------------------------------


@dataclass(frozen=True)
class YearStar:
    """A measure's star and score in one rating year; ``stars`` None with the reason when there is none."""

    year: int
    stars: int | None
    score: float | None = None
    missing_reason: str | None = None


@dataclass(frozen=True)
class AdjustedStar:
    """The final measure star and score after the disaster rules, with the rule applied."""

    stars: int | None
    score: float | None
    year: int
    rule: str
    reverted: bool  # True when the prior year's star and score were taken
    reason: str
    notes: tuple[str, ...] = field(default_factory=tuple)


def _current(current: YearStar, rule: str, reason: str) -> AdjustedStar:
    return AdjustedStar(current.stars, current.score, current.year, rule, False, reason)


def _prior(prior: YearStar, rule: str, reason: str) -> AdjustedStar:
    return AdjustedStar(prior.stars, prior.score, prior.year, rule, True, reason)


@cites("42 CFR 422.166(i)(6)(i)", "42 CFR 423.186(i)(4)(i)")
def higher_of(current: YearStar, prior: YearStar, rule: str, params: RatingParams) -> AdjustedStar:
    """The higher of the previous and current year's star with that year's score; a tie takes the most recent year
    (TN L769; 'prior-year' is the named alternative). Both stars must be known (else :func:`missing_data`)."""
    if current.stars is None or prior.stars is None:
        raise RuleError("higher-of needs a star in both years; use the missing-data rule", Cite(cfr=rule))
    if prior.stars > current.stars:
        return _prior(prior, rule, f"higher of {prior.year} ({prior.stars}) and {current.year} ({current.stars})")
    if prior.stars == current.stars and params.disaster_tie_rule_text == "prior-year":
        return _prior(prior, rule, f"tie {prior.stars} = {current.stars}: prior year chosen")
    tie = " (tie: most recent year)" if prior.stars == current.stars else ""
    return _current(current, rule, f"higher of {prior.year} ({prior.stars}) and {current.year} ({current.stars}){tie}")


@cites("42 CFR 422.166(i)(8)", "42 CFR 423.186(i)(6)")
def missing_data(current: YearStar, prior: YearStar, part: Part) -> AdjustedStar | None:
    """Missing data in either year: the final rating comes from the current year (L2307, L3248; L819 examples) -
    a current star without a prior one stays, a prior star without a current one is not used. None when both exist."""
    if current.stars is not None and prior.stars is not None:
        return None
    rule = paragraph("missing_data", part)
    which = "current" if current.stars is None else "previous"
    return _current(current, rule, f"missing data in the {which} year: the current year's rating stands")


@cites("42 CFR 422.166(i)(2)(iii)", "42 CFR 423.186(i)(2)(iii)", "42 CFR 422.166(i)(3)(iii)", "42 CFR 422.166(i)(4)(iii)")
def exempt_contract(current: YearStar, prior: YearStar, topic: Topic, part: Part) -> AdjustedStar:
    """A contract with a CMS-approved survey / reporting exception receives the prior year's stars and scores
    (CAHPS (i)(2)(iii), HOS (i)(3)(iii), HEDIS (i)(4)(iii))."""
    if topic not in ("cahps", "hos", "hedis"):
        raise RuleError(f"no exception exists for {topic} measures", Cite(cfr=paragraph("other", part)))
    return _prior(prior, paragraph(topic, part) + "(iii)", "approved exception: the prior year's star and score")


def _survey_topic(measure: Measure) -> Topic:
    if measure.data_source == "CAHPS":
        return "cahps"
    if measure.data_source in ("HOS", "HEDIS-HOS"):
        return "hos"
    if measure.data_source == "HEDIS":
        return "hedis"
    return "other"


@cites("42 CFR 422.166(i)(2)(iv)", "42 CFR 423.186(i)(2)(iv)", "42 CFR 422.166(i)(3)(iv)", "42 CFR 422.166(i)(4)(v)",
       "42 CFR 422.166(i)(6)", "42 CFR 423.186(i)(4)")
def adjust_measure(
    measure: Measure,
    current: YearStar,
    prior: YearStar,
    shares: Mapping[int, float],
    rating_year: int,
    params: RatingParams,
    *,
    exempt: bool = False,
    communications_outage: bool = False,
    prior_unadjusted: YearStar | None = None,
) -> AdjustedStar:
    """The disaster rule for one measure of one contract.

    ``shares`` maps the year of circumstances to the contract's percent of enrollees in Individual Assistance areas;
    the year that governs the measure follows its data source (:func:`disaster_years`). In order:

    1. improvement measures are never adjusted (TN L776);
    2. below 25 percent (or no share for the year): the current year stands;
    3. an approved CAHPS / HOS / HEDIS exception: the prior year's star and score ((i)(2)(iii), (i)(3)(iii), (i)(4)(iii));
    4. the call-center measures are not adjusted unless communications failed during the study ((i)(6)(ii)-(iii),
       (i)(4)(ii)-(iii));
    5. missing data in either year: the current year ((i)(8), (i)(6));
    6. otherwise the higher of the two years with its score ((i)(2)(iv), (i)(3)(iv), (i)(4)(v), (i)(6)(i), (i)(4)(i)).

    A contract affected two years running compares with what the prior year would have been without its own
    adjustment: pass that as ``prior_unadjusted`` (TN L689-L697, L762-L767).
    """
    part = measure.part
    topic = _survey_topic(measure)
    if topic in ("hos", "hedis") and part is Part.D:
        raise RuleError(f"{measure.measure_key}: a Part D measure cannot be an HOS/HEDIS measure",
                        Cite(cfr=paragraph("other", part)))
    if measure.improvement:
        return _current(current, paragraph("improvement", part), "improvement measures are not adjusted")
    years = disaster_years(measure, rating_year, params)
    share = governing_share(shares, years)
    label = "/".join(str(y) for y in years)
    if not adjustment_applies(share, params):
        shown = "no share" if share is None else f"{share:g} percent"
        return _current(current, paragraph("affected", part),
                        f"not affected for {label} circumstances ({shown} < {params.disaster_adjustment_min_pct:g})")
    base = prior_unadjusted if prior_unadjusted is not None else prior
    if exempt:
        return exempt_contract(current, base, topic, part)
    if measure.measure_key in params.disaster_unadjusted_measures_list and not communications_outage:
        return _current(current, paragraph("other", part) + "(ii)", "call-center measure: not adjusted")
    missing = missing_data(current, base, part)
    if missing is not None:
        return missing
    rule = paragraph(topic, part) if topic != "other" else paragraph("other", part) + "(i)"
    adjusted = higher_of(current, base, rule, params)
    if prior_unadjusted is not None:
        note = f"affected two years running: compared with the unadjusted {base.year} star {base.stars}"
        return AdjustedStar(adjusted.stars, adjusted.score, adjusted.year, adjusted.rule, adjusted.reverted,
                            adjusted.reason, (note,))
    return adjusted


@cites("42 CFR 422.166(i)(7)", "42 CFR 423.186(i)(5)")
def improvement_exclusions(reverted_current: Collection[str], reverted_prior: Collection[str]) -> frozenset[str]:
    """Measures that reverted to the previous year's data in the current or the previous rating year leave both the
    count and the improvement calculation, for this year and the next (L2305, L3246; L815 example)."""
    return frozenset(reverted_current) | frozenset(reverted_prior)


@cites("42 CFR 422.166(i)(5)", "42 CFR 423.186(i)(3)")
def new_measures_hold_harmless(with_new: float | None, without_new: float | None) -> tuple[float | None, bool]:
    """For an affected contract (25 percent or more): if the rating with the new measures is lower than without them,
    the rating without them is final (L2293, L3238). Returns (final rating, whether 'without' was used)."""
    if with_new is None or without_new is None:
        return (with_new if with_new is not None else without_new), with_new is None and without_new is not None
    if with_new < without_new:
        return without_new, True
    return with_new, False


@cites("42 CFR 422.166(i)(5)", "42 CFR 423.186(i)(3)")
def new_measure_share(
    new_measures: Sequence[Measure], rated: Collection[str], shares: Mapping[int, float], rating_year: int,
    params: RatingParams,
) -> float | None:
    """The share that decides the new-measure hold-harmless: the largest share over the disaster years of the new
    measures the contract has data for (TN L737-L745: HOS measures by their year, HEDIS by theirs)."""
    years = {y for m in new_measures if m.measure_key in rated for y in disaster_years(m, rating_year, params)}
    return governing_share(shares, years)


@cites("42 CFR 422.166(i)(9)", "42 CFR 423.186(i)(7)", "42 CFR 422.166(i)(10)", "42 CFR 423.186(i)(8)")
def sixty_percent_years(rating_year: int, params: RatingParams) -> tuple[int, ...]:
    """Years of circumstances whose share decides the 60 percent exclusions of a rating year: every year any data
    source of the rating year looks at (the largest share counts)."""
    return tuple(sorted({rating_year - o for offsets in params.disaster_year_offsets_table.values() for o in offsets}))
