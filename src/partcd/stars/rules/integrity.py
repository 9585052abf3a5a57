"""§ 422.164(f)(1)(v), (g)(1)(iii), (h); § 423.184(f)(1)(iv), (g)(1)(ii), (h) - data-integrity reductions and the review
of sponsors' data (4185-P L739, L755-L763, L2212-L2228, L3183-L3199).

* Scaled reductions of the appeals measures when the IRE data are incomplete (§ 422.164(g)(1)(iii),
  § 423.184(g)(1)(ii); L757). How many stars a given Timeliness Monitoring Project error rate costs is set by the
  April 2018 rule, which the proposal does not restate (REF-ONLY): the reduction is an input here.
* No TMP data submitted: the applicable appeals measures get 1 star ((g)(1)(iii)(O), (g)(1)(ii)(M); L2222, L3193).
* A measure reduced for data integrity in the current or prior year leaves the improvement measure
  ((f)(1)(v), (f)(1)(iv); L2212, L3183) - see :mod:`partcd.stars.rules.improvement`.
* Requests to review appeals or CTM data: no later than June 30 of the year after the data year ((h); L2226-L2228,
  L3197-L3199); a reopening decided before May 1 replaces the reconsidered determination (preamble L761).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from partcd.core.citation import Cite, cites
from partcd.core.errors import RuleError
from partcd.stars.rules.params import RatingParams

CITE_G_C = "42 CFR 422.164(g)(1)(iii)"
CITE_G_D = "42 CFR 423.184(g)(1)(ii)"


@dataclass(frozen=True)
class ReducedStar:
    stars: int
    reduced_by: int
    rule: str
    reason: str


@cites("42 CFR 422.164(g)(1)(iii)", "42 CFR 423.184(g)(1)(ii)")
def scaled_reduction(stars: int, reduction_stars: int, params: RatingParams) -> ReducedStar:
    """Reduce an appeals measure's star by ``reduction_stars`` (from the contract's TMP or audit findings), never below
    1 star (L757: the reduction is applied to the measure-level Star Ratings)."""
    if stars not in (1, 2, 3, 4, 5):
        raise RuleError(f"a measure star is 1-5, got {stars}", Cite(cfr=CITE_G_C))
    if reduction_stars < 0:
        raise RuleError(f"a reduction cannot be negative, got {reduction_stars}", Cite(cfr=CITE_G_C))
    floor = params.integrity_reduced_stars
    new = max(floor, stars - reduction_stars)
    return ReducedStar(new, stars - new, f"{CITE_G_C}, {CITE_G_D}",
                       f"scaled reduction of {reduction_stars} star(s) for incomplete IRE data: {stars} -> {new}")


@cites("42 CFR 422.164(g)(1)(iii)(O)", "42 CFR 423.184(g)(1)(ii)(M)")
def tmp_data_missing(measure_key: str, stars: int | None, submitted: bool, params: RatingParams) -> ReducedStar | None:
    """A contract that fails to submit Timeliness Monitoring Project data gets 1 star on the applicable appeals
    measures (L2222, L3193); other measures, or a contract that submitted, are unchanged (None)."""
    if submitted or measure_key not in params.integrity_appeals_measures_list:
        return None
    before = stars if stars is not None else params.integrity_reduced_stars
    return ReducedStar(params.integrity_reduced_stars, before - params.integrity_reduced_stars,
                       "42 CFR 422.164(g)(1)(iii)(O), 423.184(g)(1)(ii)(M)",
                       f"no Timeliness Monitoring Project data submitted: {measure_key} set to "
                       f"{params.integrity_reduced_stars} star")


def _month_day(text: str, year: int, key: str) -> dt.date:
    try:
        month, day = (int(p) for p in text.split("-"))
        return dt.date(year, month, day)
    except ValueError:
        raise RuleError(f"{key} {text!r} is not a month-day", Cite(cfr="42 CFR 422.164(h)")) from None


@cites("42 CFR 422.164(h)", "42 CFR 423.184(h)")
def review_request_deadline(data_year: int, params: RatingParams) -> dt.date:
    """Last day a request for CMS or the IRE to review appeals data, or for CMS to review CTM data, of contract year
    ``data_year`` is timely: June 30 of the following year (2018 data -> June 30, 2019, for the 2020 ratings; L761)."""
    return _month_day(params.review_request_deadline_text, data_year + params.review_request_offset_years,
                      "review_request_deadline_text")


@cites("42 CFR 422.164(h)", "42 CFR 423.184(h)")
def review_request_timely(data_year: int, received_on: dt.date, params: RatingParams) -> bool:
    """Received no later than the deadline (inclusive: June 30 is timely, July 1 is not)."""
    return received_on <= review_request_deadline(data_year, params)


@cites("42 CFR 422.164(h)", "42 CFR 423.184(h)")
def reopening_determination(data_year: int, decided_on: dt.date, params: RatingParams) -> Literal["revised", "original"]:
    """Which determination the appeals measures use after a reopening (preamble L761): decided before May 1 of the
    year after the data year -> the revised determination; on or after May 1 -> the original reconsidered one."""
    cutoff = _month_day(params.reopening_cutoff_text, data_year + params.review_request_offset_years,
                        "reopening_cutoff_text")
    return "revised" if decided_on < cutoff else "original"
