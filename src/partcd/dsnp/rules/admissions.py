"""§ 422.107(d) - notices of hospital and SNF admissions to the State Medicaid agency or its designee, in the
timeframe the State sets (4185-P L2106; preamble L262-L264, L279).

The State names the group of high-risk full-benefit dual eligibles, the recipients, the timeframe and the method;
each contract stores them (:class:`NotificationWindow`). An admission needs a notice when its setting is a hospital or
a skilled nursing facility and the enrollee belongs to the State's group. Due times use :mod:`partcd.core.calendar`:
a window in hours is elapsed time from the start; one in calendar or business days ends at
``admission_day_end_time_of_day`` local time on its last day (the start day is day 0). A notice sent by a delegate
counts as the plan's (the plan keeps responsibility).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from partcd.core import calendar
from partcd.core.citation import Cite, cites
from partcd.core.errors import RuleError
from partcd.dsnp.rules.parameters import DsnpParams

WindowUnit = Literal["hours", "calendar_days", "business_days"]
ClockStart = Literal["admission", "plan_aware"]
NoticeState = Literal["not_required", "on_time", "late", "open", "overdue"]
#: Upper bounds of a State window (input sanity, not rules): 60 days or 1,440 hours.
MAX_WINDOW = {"hours": 1440, "calendar_days": 60, "business_days": 60}


class NotificationWindow(BaseModel):
    """A State's timeframe for admission notices (per contract): amount, unit, start event, the plan's time zone."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: int = Field(ge=1, le=1440)
    unit: WindowUnit
    start: ClockStart | None = None
    zone: str = "America/New_York"

    def label(self) -> str:
        unit = {"hours": "h", "calendar_days": " calendar days", "business_days": " business days"}[self.unit]
        return f"{self.value}{unit} from {'the admission' if (self.start or 'admission') == 'admission' else 'plan awareness'}"


class Admission(BaseModel):
    """One admission as the plan learns of it (no names: the store keeps the MBI, the rule never needs it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    setting: str = Field(min_length=1, max_length=40)
    admitted_at: dt.datetime
    plan_aware_at: dt.datetime | None = None
    in_state_group: bool = True
    notified_at: dt.datetime | None = None


class AdmissionNotice(BaseModel):
    """Whether a notice is owed, when it is due, and whether it was sent on time (as of ``now``)."""

    model_config = ConfigDict(frozen=True)

    required: bool
    reason: str
    start: dt.datetime | None
    due: dt.datetime | None
    state: NoticeState
    hours_late: float | None
    window: str
    citation: str


def _cite(params: DsnpParams) -> Cite:
    return params.admission_settings_list.cite[0]


@cites("42 CFR 422.107(d)")
def admission_notice(admission: Admission, window: NotificationWindow, params: DsnpParams, now: dt.datetime) -> AdmissionNotice:
    """The notice an admission needs under the contract's State window, and its state at ``now``."""
    if window.value > MAX_WINDOW[window.unit]:
        raise RuleError(f"a State window of {window.value} {window.unit} is beyond the {MAX_WINDOW[window.unit]} accepted",
                        _cite(params))
    zone = calendar.zone_of(window.zone)
    admitted = calendar.aware(admission.admitted_at, "admitted_at")
    citation = params.admission_settings_list.citation
    if admission.setting not in params.admission_settings_list.value:
        return AdmissionNotice(required=False, state="not_required", start=None, due=None, hours_late=None,
                               window=window.label(), citation=citation,
                               reason=f"{admission.setting} is not a hospital or skilled nursing facility admission")
    if not admission.in_state_group:
        return AdmissionNotice(required=False, state="not_required", start=None, due=None, hours_late=None,
                               window=window.label(), citation=citation,
                               reason="the enrollee is not in the group of high-risk full-benefit dual eligibles the State named")
    start_kind = window.start or params.admission_clock_start_default_text.value
    if start_kind == "plan_aware":
        if admission.plan_aware_at is None:
            raise RuleError("the State counts from when the plan learns of the admission: plan_aware_at is required",
                            _cite(params))
        start = calendar.aware(admission.plan_aware_at, "plan_aware_at")
        if calendar.utc(start) < calendar.utc(admitted):
            raise RuleError("the plan cannot learn of an admission before it happens (plan_aware_at < admitted_at)",
                            _cite(params))
    else:
        start = admitted
    start = start.astimezone(zone)
    day_end = params.admission_day_end_time_of_day.value
    if window.unit == "hours":
        due = calendar.add_hours(start, window.value, zone)
    elif window.unit == "calendar_days":
        due = calendar.calendar_days_deadline(start, window.value, zone, at=day_end)
    else:
        last = calendar.add_business_days(calendar.local_date(start, zone), window.value)
        due = calendar.end_of_day(last, zone, day_end)
    state: NoticeState
    late: float | None = None
    if admission.notified_at is not None:
        sent = calendar.aware(admission.notified_at, "notified_at")
        if calendar.utc(sent) < calendar.utc(admitted):
            raise RuleError("a notice cannot precede the admission (notified_at < admitted_at)", _cite(params))
        on_time = calendar.utc(sent) <= calendar.utc(due)
        state = "on_time" if on_time else "late"
        late = None if on_time else round((calendar.utc(sent) - calendar.utc(due)).total_seconds() / 3600, 2)
    else:
        overdue = calendar.utc(calendar.aware(now, "now")) > calendar.utc(due)
        state = "overdue" if overdue else "open"
    return AdmissionNotice(required=True, state=state, start=start, due=due, hours_late=late, window=window.label(),
                           citation=citation, reason="hospital or SNF admission of an enrollee in the State's group")


class Timeliness(BaseModel):
    """Counts of one group of admissions (a contract, a month): required, on time, late, open, overdue."""

    model_config = ConfigDict(frozen=True)

    admissions: int
    required: int
    on_time: int
    late: int
    open: int
    overdue: int
    on_time_pct: float | None
    compliant: bool


@cites("42 CFR 422.107(d)")
def timeliness(notices: Sequence[AdmissionNotice]) -> Timeliness:
    """On-time share of the notices that were due (sent or overdue); open notices not yet due are not counted.

    ``compliant`` means no late and no overdue notice: the term sets no tolerance, every notice is owed.
    """
    counts = Counter(n.state for n in notices)
    decided = counts["on_time"] + counts["late"] + counts["overdue"]
    pct = round(100.0 * counts["on_time"] / decided, 2) if decided else None
    return Timeliness(admissions=len(notices), required=sum(1 for n in notices if n.required), on_time=counts["on_time"],
                      late=counts["late"], open=counts["open"], overdue=counts["overdue"], on_time_pct=pct,
                      compliant=counts["late"] == 0 and counts["overdue"] == 0)
