"""§§ 422.222, 423.120(c)(6) - typed view of the preclusion parameter files (4185-P L2324-L2364, L3046-L3094).

Every key of ``preclusion/params/*.yaml`` (and of the named variants in ``params/variants/``); nothing else. The
``*_text`` / ``*_bool`` keys below the timing numbers are the named choices where the rule is silent
(shared/specs/integrity.md §5.2, OQ-P1 ... OQ-P15; see preclusion/README.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Program = Literal["MA", "PART_D"]


class PreclusionParams(BaseModel):
    """Typed view of one preclusion parameter file (``extra="forbid"``, frozen)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: the variant name (``method:`` of the file); None for the law in force
    method: str | None = None
    # plan duties for parties added in an updated list, §422.222(a)(1)(ii), §423.120(c)(6)(iv)
    notice_due_after_posting_calendar_days: int = Field(ge=0)
    no_denial_window_calendar_days: int = Field(ge=0)
    first_denial_after_notice_calendar_days: int = Field(ge=0)
    notice_required_before_denial_programs_list: tuple[Program, ...]
    # the initial list (April 2018 preamble)
    initial_list_posting_date_text: dt.date
    initial_list_no_impact_calendar_days: int = Field(ge=0)
    # effective date of inclusion, §422.222(a)(3), §423.120(c)(6)(v)(C)
    reconsideration_request_calendar_days: int = Field(ge=0)
    reconsideration_decision_calendar_days: int = Field(ge=0)
    # how long a party stays on the list, §422.222(a)(5), §423.120(c)(6)(vii)
    felony_preclusion_period_years: int | None = Field(ge=1)
    felony_conviction_lookback_years: int | None = Field(ge=1)
    oig_effective_on_exclusion_date_bool: bool
    oig_reinstatement_later_of_bool: bool
    # choices where the rule is silent
    notice_lookback_months: int = Field(ge=1)
    list_status_date_text: Literal["service_date", "adjudication_date"]
    no_denial_window_date_text: Literal["adjudication_date", "service_date"]
    input_end_dates_text: Literal["first_day_off", "last_day_on"]
    no_notice_first_denial_text: Literal["latest_timely_notice", "effective_date"]
    notice_before_posting_counts_bool: bool
    pde_in_no_denial_window_text: Literal["forbidden", "allowed"]
    oig_exclusion_overrides_window_bool: bool

    @model_validator(mode="after")
    def _offset_fits_window(self) -> PreclusionParams:
        window, offset = self.no_denial_window_calendar_days, self.first_denial_after_notice_calendar_days
        if offset not in (window, window + 1):
            raise ValueError(f"first_denial_after_notice_calendar_days must be the window ({window}) or the window + 1, "
                             f"got {offset}")
        return self
