"""§ 422.166(i), § 423.186(i) - extreme and uncontrollable circumstances, table-driven (4185-P L2245-L2315, L3216-L3256)."""

from __future__ import annotations

import datetime as dt

import pytest

from partcd.core.errors import RuleError
from partcd.platform.params import load_params
from partcd.stars.rules.disaster import (
    PARAGRAPHS,
    CountyEnrollment,
    Declaration,
    YearStar,
    adjust_measure,
    adjustment_applies,
    affected_share,
    disaster_years,
    higher_of,
    improvement_exclusions,
    missing_data,
    new_measure_share,
    new_measures_hold_harmless,
    paragraph,
    sixty_percent_years,
)
from partcd.stars.rules.models import Measure, Part
from partcd.stars.rules.params import rating_params

P = rating_params(load_params("stars", 2025))

# 2026 Technical Notes Table P-6 (L8371-L8436): contract HAAAA, FIPS, IA county?, enrolled 202X/09 and 202X/11.
HAAAA = [
    ("06003", False, 8, 8), ("06009", False, 849, 850), ("06011", False, 168, 166), ("06015", False, 369, 360),
    ("06023", False, 702, 710), ("06045", True, 428, 429), ("06049", False, 157, 158), ("06063", False, 182, 181),
    ("06093", False, 798, 800), ("06105", False, 150, 150), ("48043", False, 16, 15), ("48047", False, 28, 27),
    ("48049", False, 64, 65), ("48057", True, 28, 28), ("48093", False, 33, 32), ("48103", False, 8, 8),
    ("48109", False, 3, 3), ("48123", True, 26, 26), ("48131", False, 30, 28), ("48133", False, 64, 62),
    ("48143", False, 61, 59), ("48163", False, 43, 42), ("48171", False, 17, 17), ("48175", True, 18, 18),
    ("48177", True, 41, 41), ("48237", False, 35, 34), ("48239", True, 30, 30), ("48255", True, 19, 19),
    ("48265", False, 85, 86), ("48283", False, 25, 25), ("48297", False, 24, 24), ("48301", False, 0, 0),
    ("48311", False, 4, 4), ("48321", True, 144, 140), ("48323", False, 160, 156), ("48371", False, 20, 21),
    ("48377", False, 50, 49), ("48389", False, 8, 8), ("48391", True, 21, 21), ("48443", False, 9, 9),
    ("48463", False, 13, 10), ("48469", True, 158, 154), ("48475", False, 15, 15), ("48495", False, 20, 20),
]


def _haaaa() -> tuple[list[str], list[CountyEnrollment], list[Declaration]]:
    area = [f for f, *_ in HAAAA]
    rows = [CountyEnrollment("HAAAA", f, m, n) for f, _, a, b in HAAAA for m, n in (("2024-09", a), ("2024-11", b))]
    ia = {f for f, is_ia, *_ in HAAAA if is_ia}
    decl = [
        Declaration("DR-CA", dt.date(2024, 8, 20), True, "2024-09", frozenset(f for f in ia if f.startswith("06"))),
        Declaration("DR-TX", dt.date(2024, 10, 2), True, "2024-11", frozenset(f for f in ia if f.startswith("48"))),
    ]
    return area, rows, decl


def test_worked_example_haaaa_is_17_753906_percent() -> None:
    area, rows, decl = _haaaa()
    s = affected_share("HAAAA", 2024, area, rows, decl, P)
    # TN L8441-L8445: total 5,120, Individual Assistance 909, (909 / 5,120) * 100 = 17.753906
    assert (s.total_enrollment, s.ia_enrollment) == (5120, 909)
    assert s.share_pct == pytest.approx(17.753906, abs=5e-7)
    assert s.months == ("2024-09", "2024-11")
    assert not adjustment_applies(s.share_pct, P)


def test_without_section_1135_or_in_another_year_nothing_counts() -> None:
    area, rows, decl = _haaaa()
    no_1135 = [Declaration(d.declaration_id, d.incident_start, False, d.enrollment_month, d.ia_counties) for d in decl]
    assert affected_share("HAAAA", 2024, area, rows, no_1135, P).share_pct == 0
    assert affected_share("HAAAA", 2023, area, rows, decl, P).share_pct == 0


def test_one_month_only_when_one_declaration_touches() -> None:
    area, rows, decl = _haaaa()
    s = affected_share("HAAAA", 2024, area, rows, decl[:1], P)
    # only the September file counts: every county at its September enrollment, Mendocino (428) in IA
    sept_total = sum(a for _, _, a, _ in HAAAA)
    assert (s.ia_enrollment, s.total_enrollment) == (428, sept_total)


@pytest.mark.parametrize(
    ("share", "adjusted"), [(24.9, False), (25.0, True), (59.9, True), (60.0, True), (0.0, False), (None, False)]
)
def test_twenty_five_percent_threshold(share: float | None, adjusted: bool) -> None:
    assert adjustment_applies(share, P) is adjusted


def _measure(key: str, source: str, part: Part = Part.C, improvement: bool = False) -> Measure:
    return Measure("C01" if part is Part.C else "D01", key, key, part, "HD1" if part is Part.C else "DD1",
                   source, True, True, 0, 1, 2010, cahps=source == "CAHPS", improvement=improvement)


HEDIS = _measure("breast_cancer_screening", "HEDIS")
CAHPS = _measure("getting_needed_care", "CAHPS")
HOS = _measure("monitoring_physical_activity", "HEDIS-HOS")
CALL_C = _measure("call_center_interpreter_tty_part_c", "admin")
CALL_D = _measure("call_center_interpreter_tty_part_d", "admin", Part.D)
PDE = _measure("medication_adherence_diabetes", "PDE", Part.D)
IMPROVE = _measure("health_plan_quality_improvement", "ratings", improvement=True)

CUR = YearStar(2025, 3, 71.0)
PRI = YearStar(2024, 4, 74.0)


@pytest.mark.parametrize(
    ("measure", "shares", "stars", "score", "year", "reverted"),
    [
        (HEDIS, {2023: 24.9}, 3, 71.0, 2025, False),  # below 25 percent: current
        (HEDIS, {2023: 25.0}, 4, 74.0, 2024, True),  # 25 percent: higher of -> prior star AND prior score
        (HEDIS, {2022: 80.0}, 3, 71.0, 2025, False),  # HEDIS looks at 2023 circumstances only
        (HOS, {2022: 30.0}, 4, 74.0, 2024, True),  # HOS: three-year offset (2025 ratings <- 2022 circumstances)
        (HOS, {2023: 90.0}, 3, 71.0, 2025, False),
        (CAHPS, {2023: 60.0}, 4, 74.0, 2024, True),
        (PDE, {2023: 59.9}, 4, 74.0, 2024, True),
        (CALL_C, {2023: 100.0}, 3, 71.0, 2025, False),  # call center not adjusted
        (CALL_D, {2023: 100.0}, 3, 71.0, 2025, False),
        (IMPROVE, {2023: 100.0}, 3, 71.0, 2025, False),  # improvement measures never revert
    ],
)
def test_higher_of_by_data_source(measure: Measure, shares: dict[int, float], stars: int, score: float, year: int,
                                  reverted: bool) -> None:
    a = adjust_measure(measure, CUR, PRI, shares, 2025, P)
    assert (a.stars, a.score, a.year, a.reverted) == (stars, score, year, reverted)


def test_paragraphs_cited_per_part() -> None:
    assert adjust_measure(HEDIS, CUR, PRI, {2023: 30}, 2025, P).rule == "42 CFR 422.166(i)(4)"
    assert adjust_measure(CAHPS, CUR, PRI, {2023: 30}, 2025, P).rule == "42 CFR 422.166(i)(2)"
    assert adjust_measure(HOS, CUR, PRI, {2022: 30}, 2025, P).rule == "42 CFR 422.166(i)(3)"
    assert adjust_measure(PDE, CUR, PRI, {2023: 30}, 2025, P).rule == "42 CFR 423.186(i)(4)(i)"
    assert adjust_measure(CALL_D, CUR, PRI, {2023: 30}, 2025, P).rule == "42 CFR 423.186(i)(4)(ii)"
    assert paragraph("missing_data", Part.D) == "42 CFR 423.186(i)(6)"
    assert paragraph("reward_factor", Part.C) == "42 CFR 422.166(i)(10)"
    assert PARAGRAPHS["cut_points"] == ("42 CFR 422.166(i)(9)", "42 CFR 423.186(i)(7)")
    with pytest.raises(RuleError, match="no hos"):
        paragraph("hos", Part.D)


def test_call_center_adjusted_when_communications_failed() -> None:
    a = adjust_measure(CALL_C, CUR, PRI, {2023: 40}, 2025, P, communications_outage=True)
    assert (a.stars, a.reverted) == (4, True)


@pytest.mark.parametrize(
    ("tie_rule", "year", "score"), [("most-recent-year", 2025, 71.0), ("prior-year", 2024, 74.0)]
)
def test_tie_takes_the_most_recent_year_with_its_score(tie_rule: str, year: int, score: float) -> None:
    p = P.model_copy(update={"disaster_tie_rule_text": tie_rule})
    a = higher_of(YearStar(2025, 4, 71.0), YearStar(2024, 4, 74.0), "r", p)
    assert (a.stars, a.year, a.score) == (4, year, score)


def test_missing_data_comes_from_the_current_year() -> None:
    # 4185-P L819: no current rating -> no rating even if the prior year had one; no prior -> the current rating
    no_current = adjust_measure(HEDIS, YearStar(2025, None, None, "Plan too small to be measured"), PRI, {2023: 50}, 2025, P)
    assert (no_current.stars, no_current.reverted, no_current.rule) == (None, False, "42 CFR 422.166(i)(8)")
    no_prior = adjust_measure(HEDIS, CUR, YearStar(2024, None), {2023: 50}, 2025, P)
    assert (no_prior.stars, no_prior.year) == (3, 2025)
    assert missing_data(CUR, PRI, Part.C) is None
    assert missing_data(CUR, YearStar(2024, None), Part.D) is not None


def test_approved_exception_takes_the_prior_year() -> None:
    a = adjust_measure(CAHPS, YearStar(2025, None), PRI, {2023: 40}, 2025, P, exempt=True)
    assert (a.stars, a.score, a.rule) == (4, 74.0, "42 CFR 422.166(i)(2)(iii)")
    with pytest.raises(RuleError, match="no exception"):
        adjust_measure(PDE, CUR, PRI, {2023: 40}, 2025, P, exempt=True)


def test_contract_affected_two_years_running_compares_with_the_unadjusted_prior() -> None:
    # 2024 published 5 stars only because 2023 was reverted to (2024 adjusted); unadjusted 2024 star was 2.
    adjusted_prior = YearStar(2024, 5, 90.0)
    unadjusted_prior = YearStar(2024, 2, 60.0)
    a = adjust_measure(HEDIS, CUR, adjusted_prior, {2023: 70}, 2025, P, prior_unadjusted=unadjusted_prior)
    assert (a.stars, a.year, a.reverted) == (3, 2025, False)
    assert "two years running" in a.notes[0]
    b = adjust_measure(HEDIS, YearStar(2025, 1, 50.0), adjusted_prior, {2023: 70}, 2025, P,
                       prior_unadjusted=unadjusted_prior)
    assert (b.stars, b.score, b.year) == (2, 60.0, 2024)


def test_improvement_exclusion_current_and_next_year() -> None:
    # L815: reverted in 2022 -> excluded for 2022 and 2023
    assert improvement_exclusions({"a"}, {"b"}) == {"a", "b"}


def test_new_measure_hold_harmless() -> None:
    assert new_measures_hold_harmless(3.5, 4.0) == (4.0, True)
    assert new_measures_hold_harmless(4.0, 3.5) == (4.0, False)
    assert new_measures_hold_harmless(None, 3.5) == (3.5, True)


def test_new_measure_share_follows_the_new_measures_data_sources() -> None:
    # TN L737-L745: HOS new measures by their (three-year) year, HEDIS by theirs
    new = [_measure("kidney", "HEDIS"), _measure("physical_health", "HOS")]
    shares = {2024: 10.0, 2023: 40.0}
    assert new_measure_share(new, {"kidney"}, shares, 2026, P) == 10.0
    assert new_measure_share(new, {"physical_health"}, shares, 2026, P) == 40.0
    assert new_measure_share(new, {"kidney", "physical_health"}, shares, 2026, P) == 40.0
    assert new_measure_share(new, set(), shares, 2026, P) is None


def test_years_looked_at() -> None:
    assert disaster_years(HOS, 2025, P) == (2022,)
    assert disaster_years(HEDIS, 2025, P) == (2023,)
    assert sixty_percent_years(2025, P) == (2022, 2023)
