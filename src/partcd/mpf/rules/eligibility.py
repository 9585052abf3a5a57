"""§ 423.184 - which PDEs the MPF Price Accuracy measure compares, and with which MPF rows (4185-P L705, L725-L727;
2026 Technical Notes L4172-L4189, L7815-L7852).

A PDE is in the measure when its date of service lies in the measurement period (Q1-Q3), it is not a compound and
not a non-covered drug, its days supply falls in a 1/2/3-month window, its pharmacy is on the plan's MPF Pharmacy
Cost file on that date as a retail pharmacy (with a Community/Retail or MCO service type where the year checks it),
and the drug has an MPF price under the pharmacy's price id on that date. The checks run in the order of
:data:`~partcd.mpf.rules.models.EXCLUSIONS`; the first that fails is the PDE's exclusion.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TypeVar

from partcd.core.citation import cites
from partcd.core.errors import InvalidValue
from partcd.mpf.rules.models import BidSupply, MpfPrice, Pde, PharmacyCost
from partcd.mpf.rules.params import MpfParams

R = TypeVar("R", PharmacyCost, MpfPrice)


@cites("42 CFR 423.184")
def measurement_period(measurement_year: int, params: MpfParams) -> tuple[dt.date, dt.date]:
    """The dates of service of the measurement year that count: January 1 to the last day of month
    ``measurement_months_count`` (2026 TN L4188: Quarter 1 through 3; L5329: 01/01/2024 - 09/30/2024)."""
    if not 2000 <= measurement_year <= 2100:
        raise InvalidValue(f"measurement year must be between 2000 and 2100, got {measurement_year}")
    last_month = params.measurement_months_count
    last_day = calendar.monthrange(measurement_year, last_month)[1]
    return dt.date(measurement_year, 1, 1), dt.date(measurement_year, last_month, last_day)


def bid_by_plan(bid_supply: Iterable[BidSupply]) -> dict[tuple[str, str], dict[int, int]]:
    """The bid days supply by (contract, plan) and supply months; one row per key (``InvalidValue`` otherwise)."""
    out: dict[tuple[str, str], dict[int, int]] = {}
    for row in bid_supply:
        months = out.setdefault((row.contract_id, row.plan_id), {})
        if row.supply_months in months:
            raise InvalidValue(f"bid supply of {row.contract_id}-{row.plan_id} given twice for {row.supply_months} "
                               "month(s)")
        months[row.supply_months] = row.bid_days_supply
    return out


@cites("42 CFR 423.184")
def supply_windows(params: MpfParams, bid: Mapping[int, int] | None = None) -> tuple[tuple[int, int, int], ...]:
    """The (supply_months, first day, last day) windows of one plan: the year's windows (4185-P L725; TN L7830),
    each widened to reach the plan's bid days supply for that supply when the year allows it (TN L7843-L7845:
    a 3-month bid of 100 days includes 90-100)."""
    out = []
    for w in params.days_supply_windows_table:
        low, high = w.min_days_supply, w.max_days_supply
        bid_days = (bid or {}).get(w.supply_months)
        if params.bid_days_supply_extends_window_bool and bid_days is not None:
            low, high = min(low, bid_days), max(high, bid_days)
        out.append((w.supply_months, low, high))
    return tuple(out)


@cites("42 CFR 423.184")
def supply_months_for(days_supply: int, windows: Sequence[tuple[int, int, int]]) -> int | None:
    """The MPF supply (1, 2 or 3 months) a PDE's days supply is priced at, or None outside every window; windows
    widened by a bid may overlap, the shorter supply (earlier row) wins."""
    for months, low, high in windows:
        if low <= days_supply <= high:
            return months
    return None


@cites("42 CFR 423.184")
def retail_eligible(pharmacy: PharmacyCost, service_type: str | None, params: MpfParams) -> bool:
    """Retail identification (4185-P L727; TN L7817-L7821): the Pharmacy Cost file lists the pharmacy as retail, and
    where its type is one the year checks (2026: retail and other types; the proposal: every retail pharmacy) the
    PDE's pharmacy service type is Community/Retail or MCO."""
    if pharmacy.pharmacy_type not in params.retail_pharmacy_types_list:
        return False
    if pharmacy.pharmacy_type in params.service_type_checked_pharmacy_types_list:
        return service_type in params.retail_service_types_list
    return True


def _one(rows: list[R], what: str) -> R | None:
    if len(rows) > 1:
        raise InvalidValue(f"{len(rows)} {what} rows are posted for the same day: posting periods overlap")
    return rows[0] if rows else None


@cites("42 CFR 423.184")
def pharmacy_on_mpf(pde: Pde, supply_months: int, pharmacies: Iterable[PharmacyCost]) -> PharmacyCost | None:
    """The plan's Pharmacy Cost row for the PDE's pharmacy and supply posted on the date of service (TN L7832-L7833:
    "plan, drug, days of supply and pharmacy from the PDE"); None when the pharmacy was not on MPF that day."""
    rows = [p for p in pharmacies if p.contract_id == pde.contract_id and p.plan_id == pde.plan_id
            and p.pharmacy_npi == pde.pharmacy_npi and p.supply_months == supply_months
            and p.posted_on(pde.date_of_service)]
    return _one(rows, "Pharmacy Cost")


@cites("42 CFR 423.184")
def price_on_mpf(pde: Pde, pharmacy: PharmacyCost, prices: Iterable[MpfPrice]) -> MpfPrice | None:
    """The MPF price of the PDE's (reference) NDC under the pharmacy's price id, for its supply, posted on the date of
    service (4185-P L705: "Using each PDE's date of service"; TN L7823); None when the drug was not on MPF."""
    rows = [p for p in prices if p.contract_id == pde.contract_id and p.plan_id == pde.plan_id
            and p.price_id == pharmacy.price_id and p.ndc == pde.mpf_ndc and p.supply_months == pharmacy.supply_months
            and p.posted_on(pde.date_of_service)]
    return _one(rows, "MPF price")
