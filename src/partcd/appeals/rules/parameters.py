"""§§ 422.629-422.634, 423.568(b), 423.570(d)(1), 423.572(a) - typed view of the appeals parameters (4185-P L2677-L3289).

Every key of ``appeals/params/*.yaml``; nothing else. Numbers are the timeframe table of
shared/specs/appeals.md §5 (T1-T32, P1-P5), plus the IRE forwarding of a missed Part D deadline (current CFR
§§ 423.568(h), 423.572(d)); the ``*_text`` / ``*_bool`` keys are the named choices
where the proposed rule is silent (see appeals/README.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class AppealsParams(BaseModel):
    """Typed view of the appeals parameter files (``extra="forbid"``, frozen)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # integrated grievances, § 422.630
    grievance_filing_any_time_bool: bool
    grievance_resolution_calendar_days: int = Field(ge=0)
    grievance_extension_calendar_days: int = Field(ge=0)
    grievance_extension_notice_calendar_days: int = Field(ge=0)
    expedited_grievance_response_h: float = Field(gt=0)
    expedited_grievance_clock_start_text: Literal["grievance_receipt"]
    acknowledgement_calendar_days: int = Field(ge=0)
    # integrated organization determinations, § 422.631
    reduction_notice_before_action_calendar_days: int = Field(ge=0)
    iod_standard_calendar_days: int = Field(ge=0)
    iod_extension_max_calendar_days: int = Field(ge=0)
    iod_expedited_h: float = Field(gt=0)
    iod_expedite_denied_calendar_days: int = Field(ge=0)
    iod_expedite_denial_letter_calendar_days: int = Field(ge=0)
    iod_noncontract_info_request_h: float = Field(gt=0)
    # continuation of benefits, § 422.632
    continuation_after_notice_sent_calendar_days: int = Field(ge=0)
    sfh_continuation_calendar_days: int = Field(ge=0)
    # integrated reconsiderations, § 422.633
    ir_filing_calendar_days: int = Field(ge=0)
    ir_standard_calendar_days: int = Field(ge=0)
    ir_expedited_h: float = Field(gt=0)
    ir_extension_calendar_days: int = Field(ge=0)
    ir_expedite_denied_calendar_days: int = Field(ge=0)
    ir_expedite_denial_notice_calendar_days: int = Field(ge=0)
    ir_noncontract_info_request_h: float = Field(gt=0)
    ir_extension_notice_calendar_days: int = Field(ge=0)
    # effect of decisions, § 422.634
    ire_forward_standard_calendar_days: int = Field(ge=0)
    ire_forward_expedited_h: float = Field(gt=0)
    ire_forward_expedited_extended_text: Literal["earlier_of", "extension_expiry"]
    sfh_request_calendar_days: int = Field(ge=0)
    reversal_effectuation_h: float = Field(gt=0)
    # D-SNP definitions and sanction, §§ 422.2, 422.752(d)
    fide_nursing_facility_min_days: int = Field(ge=0)
    enrollment_sanction_plan_years_list: tuple[int, ...]
    # Part D, §§ 423.568(b), 423.570(d)(1), 423.572(a)
    partd_standard_h: float = Field(gt=0)
    partd_exception_supporting_statement_h: float = Field(gt=0)
    partd_exception_outer_calendar_days: int = Field(ge=0)
    partd_expedited_h: float = Field(gt=0)
    partd_expedited_exception_supporting_statement_h: float = Field(gt=0)
    partd_expedite_denied_h: float = Field(gt=0)
    partd_missed_deadline_ire_forward_h: float = Field(gt=0)
    denied_expedite_hour_clock_start_text: Literal["request_receipt_time", "start_of_receipt_day"]
    # choices where the rule is silent (spec D-16)
    day_count_convention_text: Literal["receipt_day_is_day_0", "receipt_day_is_day_1"]
    day_deadline_end_text: Literal["end_of_local_day", "same_local_time"]
    end_of_day_time_of_day: dt.time
    weekend_holiday_rollover_bool: bool
    plan_time_zone_text: str = Field(min_length=1)
