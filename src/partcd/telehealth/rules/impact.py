"""§ 422.254 (RIA IV.C.1.a) - the proposal's estimate of the Trust Fund cost of moving telehealth from supplemental to
basic benefits (4185-P L1541-L1552).

The rule names six factors (L1545-L1550) and prints the yearly results (L1552); Table 6, which held the enrollment,
is missing from the text. The factors fit (spec integrity.md §3.5, *derived*)::

    cost(y) = pmpm x 12 x enrollment(y) x ((1 + trend) / (1 + inflation)) ** (y - 2019)
              x (1 - capital share) x (1 - rebate) x Part B factor

:func:`trust_fund_cost` applies it to an enrollment projection; :func:`implied_enrollment` inverts it on the printed
figures (about 22.2 million MA enrollees in 2020 rising to 28.7 million in 2029), which is how the spec's derivation
can be checked against the Trustees Report.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from partcd.core.citation import cites
from partcd.core.errors import InputError
from partcd.telehealth.rules.parameters import TelehealthParams

FIRST_YEAR = 2020


class YearCost(BaseModel):
    """One year of the estimate: the per-member factor, the enrollment and the net cost in $ million."""

    model_config = ConfigDict(frozen=True)

    year: int
    per_member_per_year_usd: float
    enrollment: float
    net_cost_musd: float


@cites("42 CFR 422.254(b)(3)(i)")
def per_member_per_year(year: int, params: TelehealthParams) -> float:
    """Net Trust Fund cost per MA enrollee in ``year`` (USD): the six factors of L1545-L1550 in real terms."""
    real_trend = (1 + params.ria_medical_trend_pct / 100) / (1 + params.ria_ordinary_inflation_pct / 100)
    return (params.ria_transfer_pmpm_usd * 12 * real_trend ** (year - params.ria_base_bid_year_count)
            * (1 - params.ria_capital_infrastructure_share_pct / 100) * (1 - params.ria_average_rebate_pct / 100)
            * params.ria_part_b_premium_factor_pct / 100)


@cites("42 CFR 422.254(b)(3)(i)")
def trust_fund_cost(enrollment: dict[int, float], params: TelehealthParams) -> list[YearCost]:
    """The net Trust Fund cost of each year for an MA enrollment projection (L1545-L1552)."""
    out = []
    for year in sorted(enrollment):
        if year < params.ria_base_bid_year_count or enrollment[year] < 0:
            raise InputError("enrollment", None, str(year), "a year from the base bid year on, with enrollment >= 0")
        pmpy = per_member_per_year(year, params)
        out.append(YearCost(year=year, per_member_per_year_usd=pmpy, enrollment=enrollment[year],
                            net_cost_musd=pmpy * enrollment[year] / 1e6))
    return out


@cites("42 CFR 422.254(b)(3)(i)")
def implied_enrollment(params: TelehealthParams) -> list[YearCost]:
    """The MA enrollment each printed yearly cost implies (L1552, 2020-2029), the inverse of :func:`trust_fund_cost`."""
    out = []
    for offset, cost in enumerate(params.ria_net_cost_musd_list):
        year = FIRST_YEAR + offset
        pmpy = per_member_per_year(year, params)
        out.append(YearCost(year=year, per_member_per_year_usd=pmpy, enrollment=cost * 1e6 / pmpy, net_cost_musd=cost))
    return out
