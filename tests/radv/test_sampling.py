"""Contract-level sample selection (L1197): eligibility criteria, equal strata by risk score, the seeded draw."""

from __future__ import annotations

import numpy as np
import pytest

from partcd.core.errors import RuleError
from partcd.platform.params import load_params
from partcd.radv.rules.parameters import RadvParams
from partcd.radv.rules.sampling import FrameEnrollee, allocation, eligibility, select_sample, stratum_sizes
from partcd.radv.samples import synthetic_frame

PY = 2018
P = load_params("radv", PY).typed(RadvParams)


def _months(year: int, first: int = 1, last: int = 12) -> frozenset[str]:
    return frozenset(f"{year}-{m:02d}" for m in range(first, last + 1))


DCY = _months(2017)
PERIOD = DCY | _months(2018, 1, 1)


def _enrollee(**changes: object) -> FrameEnrollee:
    base: dict[str, object] = {"enrollee_id": "E1", "risk_score": 1.2, "enrolled_months": PERIOD, "part_b_months": DCY,
                               "payment_hcc_count": 2}
    base.update(changes)
    return FrameEnrollee.model_validate(base)


@pytest.mark.parametrize(
    ("name", "changes", "failed"),
    [
        ("enrolled all of DCY 2017 and January 2018 - eligible", {}, ()),
        ("joined in February 2017 - not continuously enrolled", {"enrolled_months": PERIOD - {"2017-01"}},
         ("continuous_enrollment",)),
        ("left in January 2018 (no January of the PY) - not eligible", {"enrolled_months": DCY},
         ("continuous_enrollment",)),
        ("ESRD in December 2017 - excluded", {"esrd_months": frozenset({"2017-12"})}, ("esrd",)),
        ("ESRD in January 2018 - excluded (the period includes January)", {"esrd_months": frozenset({"2018-01"})},
         ("esrd",)),
        ("ESRD only from February 2018 - eligible", {"esrd_months": _months(2018, 2)}, ()),
        ("hospice in June 2017 - excluded", {"hospice_months": frozenset({"2017-06"})}, ("hospice",)),
        ("Part B missing in March 2017 - excluded", {"part_b_months": DCY - {"2017-03"}}, ("part_b",)),
        ("Part B not needed in January 2018 - eligible", {"part_b_months": DCY}, ()),
        ("no payment HCC - excluded", {"payment_hcc_count": 0}, ("payment_hcc",)),
        ("several failures listed in order", {"payment_hcc_count": 0, "hospice_months": frozenset({"2017-01"})},
         ("hospice", "payment_hcc")),
    ],
)
def test_eligibility(name: str, changes: dict[str, object], failed: tuple[str, ...]) -> None:
    result = eligibility(_enrollee(**changes), PY, P)
    assert result.failed == failed, name
    assert result.eligible is (not failed)


def test_months_must_be_iso_year_month() -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        _enrollee(esrd_months=frozenset({"2017-13"}))


def test_stratum_sizes_put_the_remainder_where_the_parameter_says() -> None:
    # 10 eligible into 3 strata: 3, 3, 4 (highest stratum gets the extra one); lowest_strata: 4, 3, 3
    assert stratum_sizes(10, P) == (3, 3, 4)
    assert stratum_sizes(11, P) == (3, 4, 4)
    assert stratum_sizes(12, P) == (4, 4, 4)
    low = P.model_copy(update={"stratum_remainder_text": "lowest_strata"})
    assert stratum_sizes(10, low) == (4, 3, 3)


def test_allocation_is_67_per_stratum_for_201() -> None:
    assert allocation(201, P) == (67, 67, 67)
    assert allocation(30, P) == (10, 10, 10)
    with pytest.raises(RuleError, match="cannot be split equally"):
        allocation(200, P)  # the RIA's 200 (E11) is not a multiple of 3
    with pytest.raises(RuleError, match="exceeds the 201"):
        allocation(204, P)


def _ranked_frame(count: int) -> list[FrameEnrollee]:
    return [_enrollee(enrollee_id=f"E{i:03d}", risk_score=round(0.5 + i * 0.01, 2)) for i in range(count)]


def test_select_sample_by_hand_on_nine_enrollees() -> None:
    # 9 eligible, scores 0.50 .. 0.58 -> strata of 3: {E000..E002}, {E003..E005}, {E006..E008}; 2 drawn from each
    frame = [*_ranked_frame(9), _enrollee(enrollee_id="X", payment_hcc_count=0)]
    sel = select_sample(frame, PY, P, np.random.default_rng(1), sample_size=6)
    assert (sel.frame_count, sel.eligible_count, sel.sample_size) == (10, 9, 6)
    assert sel.excluded_by_criterion["payment_hcc"] == 1
    assert [s.population for s in sel.strata] == [3, 3, 3]
    for s, members in zip(sel.strata, ({"E000", "E001", "E002"}, {"E003", "E004", "E005"}, {"E006", "E007", "E008"}),
                          strict=True):
        assert set(s.selected) <= members and len(s.selected) == 2
    assert sel.strata[0].max_risk_score <= sel.strata[1].min_risk_score


def test_the_draw_is_reproducible_and_ignores_frame_order() -> None:
    frame = synthetic_frame(5, size=2000)
    a = select_sample(frame, PY, P, np.random.default_rng(42))
    b = select_sample(list(reversed(frame)), PY, P, np.random.default_rng(42))
    c = select_sample(frame, PY, P, np.random.default_rng(43))
    assert a.selected == b.selected
    assert a.selected != c.selected
    assert a.sample_size == 201 and [s.sampled for s in a.strata] == [67, 67, 67]
    eligible = {e.enrollee_id for e in frame if eligibility(e, PY, P).eligible}
    assert {e for _, e in a.selected} <= eligible
    assert a.eligible_count == len(eligible)
    assert a.strata[0].max_risk_score <= a.strata[1].min_risk_score <= a.strata[1].max_risk_score \
        <= a.strata[2].min_risk_score


def test_ties_in_risk_score_are_broken_by_enrollee_id() -> None:
    frame = [_enrollee(enrollee_id=e, risk_score=1.0) for e in ("C", "A", "B", "F", "E", "D")]
    sel = select_sample(frame, PY, P, np.random.default_rng(0), sample_size=6)
    assert [s.selected for s in sel.strata] == [("A", "B"), ("C", "D"), ("E", "F")]  # census: 2 of 2 each


def test_a_small_contract_is_reviewed_in_full() -> None:
    sel = select_sample(_ranked_frame(100), PY, P, np.random.default_rng(3))
    assert [s.population for s in sel.strata] == [33, 33, 34]
    assert all(s.census for s in sel.strata)
    assert sel.sample_size == 100


def test_refusals() -> None:
    with pytest.raises(RuleError, match="more than once"):
        select_sample([_enrollee(), _enrollee()], PY, P, np.random.default_rng(0), sample_size=3)
    with pytest.raises(RuleError, match="no RADV-eligible enrollee"):
        select_sample([_enrollee(payment_hcc_count=0)], PY, P, np.random.default_rng(0), sample_size=3)
    with pytest.raises(RuleError, match="stratum 1 is empty"):
        select_sample(_ranked_frame(2), PY, P, np.random.default_rng(0), sample_size=3)


def test_the_step_list_names_the_exclusions_and_strata() -> None:
    sel = select_sample(synthetic_frame(5, size=600), PY, P, np.random.default_rng(42))
    labels = [s.label for s in sel.steps]
    assert labels[:4] == ["frame", "eligibility", "ranking", "strata"]
    assert "continuous_enrollment" in sel.steps[1].computation
    assert sel.steps[-1].label == "stratum 3"
