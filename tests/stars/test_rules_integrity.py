"""§ 422.164(g)(1)(iii), (h); § 423.184(g)(1)(ii), (h) - scaled reductions, TMP data, review deadlines (4185-P L757-L763)."""

from __future__ import annotations

import datetime as dt

import pytest

from partcd.core.errors import RuleError
from partcd.platform.params import load_params
from partcd.stars.rules.integrity import (
    reopening_determination,
    review_request_deadline,
    review_request_timely,
    scaled_reduction,
    tmp_data_missing,
)
from partcd.stars.rules.params import rating_params

P = rating_params(load_params("stars", 2025))


@pytest.mark.parametrize(("stars", "reduction", "after"), [(5, 2, 3), (3, 2, 1), (2, 4, 1), (4, 0, 4)])
def test_scaled_reduction_never_below_one_star(stars: int, reduction: int, after: int) -> None:
    r = scaled_reduction(stars, reduction, P)
    assert r.stars == after and r.reduced_by == stars - after


def test_scaled_reduction_refuses_nonsense() -> None:
    with pytest.raises(RuleError):
        scaled_reduction(6, 1, P)
    with pytest.raises(RuleError):
        scaled_reduction(3, -1, P)


def test_missing_tmp_data_gives_one_star_on_appeals_measures_only() -> None:
    r = tmp_data_missing("timely_appeals_decisions", 5, submitted=False, params=P)
    assert r is not None and r.stars == 1 and r.reduced_by == 4
    assert tmp_data_missing("reviewing_appeals_decisions", 4, submitted=True, params=P) is None
    assert tmp_data_missing("breast_cancer_screening", 5, submitted=False, params=P) is None


def test_review_request_deadline_june_30_of_the_following_year() -> None:
    # 4185-P L761: contract year 2018 appeals data -> June 30, 2019 (for the 2020 Star Ratings)
    assert review_request_deadline(2018, P) == dt.date(2019, 6, 30)
    assert review_request_timely(2018, dt.date(2019, 6, 30), P)
    assert not review_request_timely(2018, dt.date(2019, 7, 1), P)


def test_reopening_before_may_first_uses_the_revised_determination() -> None:
    assert reopening_determination(2018, dt.date(2019, 4, 30), P) == "revised"
    assert reopening_determination(2018, dt.date(2019, 5, 1), P) == "original"
    assert reopening_determination(2018, dt.date(2018, 12, 1), P) == "revised"
