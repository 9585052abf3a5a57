"""Shared data of the D-SNP tests (not fixtures): the fixed "now" and an assistance record."""

from __future__ import annotations

import datetime as dt
from typing import Any

NOW = dt.datetime(2021, 3, 31, 17, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5)))


def assistance_record(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"case_id": "AG-1", "contract_id": "H2003", "plan_benefit_package": "003", "mbi": "1EG4-TE5-MK73",
                            "need_identified_on": dt.date(2021, 3, 1), "need": "personal care hours cut",
                            "offered_on": dt.date(2021, 3, 2), "methods_offered": ["telephone", "mail"],
                            "response": "accepted", "response_on": dt.date(2021, 3, 2)}
    return {**base, **kw}
