"""§ 422.504(o), § 423.505(p) - business continuity: essential functions, yearly test and training, 72-hour restoration.

(o)(2)/(p)(2) as quoted in the CAP letter (L30): "a plan to restore essential functions, including call center
operations, within 72 hours after any of the essential functions fail or otherwise stop functioning as usual";
L38: "call center functionality is restored within 72 hours of failure to function as usual". The limit is read from
``restore_essential_functions_max_h`` in the compliance parameters, never written here.

Regulatory minimum of essential functions (spec §1.2): MA § 422.504(o)(2)(i)-(ii) - benefit authorization and the
call center; Part D § 423.505(p)(2)(i)-(v) - point-of-sale authorization/adjudication, real-time benefit
administration and coordination of benefits, pharmacy technical assistance, exceptions and appeals, the call center.
(o)(1)(iii)-(iv)/(p)(1)(iii)-(iv): test and update the plan, and train employees, "at least once a year".

Pure: no I/O, no clock. Design decisions (spec §4.2), named in :class:`ContinuitySettings`:

* The restoration clock runs from ``failure_start`` (not from detection) to ``restored_at``; "within 72 hours" is
  inclusive (exactly 72 h 00 min passes). An open incident fails once ``now`` is past the deadline and is
  undetermined (``None``) before it.
* "At least once a year" = the next test (training) is due 12 calendar months after the last one; before the first
  one it is due 12 months after the first plan version's approval. The interval is read from the parameters
  (``bcp_test_interval_max_months`` / ``bcp_training_interval_max_months``).
  Evidence due within ``due_soon_days`` is flagged "due soon".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from partcd.compliance.rules.cap import (
    DAYS_MAX,
    FREE_TEXT_MAX_CHARS,
    KEY_MAX_CHARS,
    LIST_MAX_ITEMS,
    FreeText,
    ListItem,
    Name,
    RecordId,
    RegulatoryNumber,
    regulatory_number,
)
from partcd.core.calendar import add_months
from partcd.core.citation import cites
from partcd.core.errors import RuleError
from partcd.core.params import ParamSet, ParamValue
from partcd.core.result import Verdict

Part = Literal["C", "D"]
EvidenceKind = Literal["test", "training", "revision"]
RESTORE_KEY = "restore_essential_functions_max_h"
#: Input bounds (design choices; columns of ``partcd.compliance.store``): version_label VARCHAR(40), function name
#: VARCHAR(300), cite VARCHAR(100); ranks and recovery-time objectives far beyond any plan are typing errors.
VERSION_LABEL_MAX_CHARS = 40
FUNCTION_NAME_MAX_CHARS = 300
FUNCTION_CITE_MAX_CHARS = 100
RANK_MAX = 1000
RTO_MAX_HOURS = 8784.0  # a leap year


class EssentialFunction(BaseModel):
    """One essential function of a plan version (spec §4.2)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(min_length=1, max_length=KEY_MAX_CHARS)
    name: str = Field(min_length=1, max_length=FUNCTION_NAME_MAX_CHARS)
    part: Part
    regulatory_minimum: bool = False
    cite: str | None = Field(default=None, max_length=FUNCTION_CITE_MAX_CHARS)
    priority_rank: int = Field(default=1, ge=1, le=RANK_MAX)
    rto_hours: float | None = Field(default=None, gt=0, le=RTO_MAX_HOURS, allow_inf_nan=False)
    dependencies: tuple[ListItem, ...] = Field(default=(), max_length=LIST_MAX_ITEMS)


#: The regulatory minimum per part (spec §1.2), in the order of the paragraphs.
REGULATORY_MINIMUM: tuple[EssentialFunction, ...] = (
    EssentialFunction(key="C.benefit_authorization", part="C", regulatory_minimum=True, priority_rank=1,
                      cite="42 CFR 422.504(o)(2)(i)",
                      name="Benefit authorization (if not waived) for services to be furnished immediately"),
    EssentialFunction(key="C.call_center", part="C", regulatory_minimum=True, priority_rank=2,
                      cite="42 CFR 422.504(o)(2)(ii)", name="Operation of call center customer services"),
    EssentialFunction(key="D.point_of_sale", part="D", regulatory_minimum=True, priority_rank=1,
                      cite="42 CFR 423.505(p)(2)(i)",
                      name="Benefit authorization, adjudication and processing of drug claims at the point of sale"),
    EssentialFunction(key="D.real_time_benefits", part="D", regulatory_minimum=True, priority_rank=2,
                      cite="42 CFR 423.505(p)(2)(ii)",
                      name="Administration and tracking of drug benefits in real time, incl. coordination of benefits"),
    EssentialFunction(key="D.pharmacy_technical_assistance", part="D", regulatory_minimum=True, priority_rank=3,
                      cite="42 CFR 423.505(p)(2)(iii)", name="Pharmacy technical assistance"),
    EssentialFunction(key="D.exceptions_appeals", part="D", regulatory_minimum=True, priority_rank=4,
                      cite="42 CFR 423.505(p)(2)(iv)",
                      name="Operation of the enrollee exceptions and appeals process, incl. coverage determinations"),
    EssentialFunction(key="D.call_center", part="D", regulatory_minimum=True, priority_rank=5,
                      cite="42 CFR 423.505(p)(2)(v)", name="Operation of call center customer services"),
)

#: Parameter keys of the yearly upkeep intervals (§ 422.504(o)(1)(iii)-(iv), § 423.505(p)(1)(iii)-(iv)).
ANNUAL_KEYS: dict[EvidenceKind, str] = {"test": "bcp_test_interval_max_months", "training": "bcp_training_interval_max_months"}


class ContinuitySettings(BaseModel):
    """Design decisions of BCP tracking (not regulation numbers), with documented defaults.

    ``due_soon_days``: yearly evidence due within this many days is flagged "due soon" (default 30).
    ``clock_starts_at``: the 72-hour clock starts at the failure (``failure_start``, default, the rule's "after any of
    the essential functions fail") - ``detected_at`` is recorded but never moves the clock.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    due_soon_days: int = Field(default=30, ge=0, le=DAYS_MAX)
    clock_starts_at: Literal["failure_start"] = "failure_start"


class PlanVersion(BaseModel):
    """One approved version of the BCP with its minimum contents ((o)(1)(ii)(A)-(F))."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    organization: Name
    version_label: str = Field(min_length=1, max_length=VERSION_LABEL_MAX_CHARS)
    approved_on: dt.date
    parts: tuple[Part, ...] = Field(min_length=1, max_length=2)
    activation_events: tuple[ListItem, ...] = Field(default=(), max_length=LIST_MAX_ITEMS)
    chain_of_command: tuple[ListItem, ...] = Field(default=(), max_length=LIST_MAX_ITEMS)
    comms_plan: dict[ListItem, FreeText] = Field(default_factory=dict, max_length=LIST_MAX_ITEMS)
    alternate_sites: tuple[ListItem, ...] = Field(default=(), max_length=LIST_MAX_ITEMS)
    restoration_plan: FreeText = ""
    functions: tuple[EssentialFunction, ...] = Field(default=(), max_length=LIST_MAX_ITEMS)


class Evidence(BaseModel):
    """A yearly test, a training, or a revision of the plan, with references to its records."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: EvidenceKind
    performed_on: dt.date
    description: str = Field(min_length=1, max_length=FREE_TEXT_MAX_CHARS)
    records: tuple[ListItem, ...] = Field(default=(), max_length=LIST_MAX_ITEMS)


class Incident(BaseModel):
    """An essential function failed or stopped "functioning as usual" (a degradation counts, spec §1.2)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    incident_id: RecordId | None = None
    function_key: str = Field(min_length=1, max_length=KEY_MAX_CHARS)
    failure_start: dt.datetime
    detected_at: dt.datetime
    restored_at: dt.datetime | None = None
    cause: FreeText = ""
    activated_bcp: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> Incident:
        for name in ("failure_start", "detected_at", "restored_at"):
            value = getattr(self, name)
            if value is not None and value.utcoffset() is None:
                raise ValueError(f"{name} needs a time zone (e.g. 2022-01-04T09:00:00-05:00)")
        if _utc(self.detected_at) < _utc(self.failure_start):
            raise ValueError("detected_at is before failure_start")
        if self.restored_at is not None and _utc(self.restored_at) < _utc(self.failure_start):
            raise ValueError("restored_at is before failure_start")
        return self


class RestorationCheck(BaseModel):
    """The 72-hour check of one incident."""

    model_config = ConfigDict(frozen=True)

    incident_id: int | None
    function_key: str
    failure_start: dt.datetime
    detected_at: dt.datetime
    restored_at: dt.datetime | None
    deadline: dt.datetime
    hours_to_restore: float | None
    hours_open: float
    hours_left: float | None
    detection_delay_h: float
    compliant: bool | None
    verdict: Verdict


class AnnualCheck(BaseModel):
    """Yearly testing or training: the last one, the next due date and the flags."""

    model_config = ConfigDict(frozen=True)

    kind: EvidenceKind
    last_on: dt.date | None
    next_due: dt.date
    overdue: bool
    due_soon: bool
    interval: RegulatoryNumber


class FunctionProblem(BaseModel):
    model_config = ConfigDict(frozen=True)

    function_key: str
    problem: str


class ContinuityStatus(BaseModel):
    """Everything CMS may ask for "upon request" ((o)(1)(v)), as of ``as_of``."""

    model_config = ConfigDict(frozen=True)

    organization: str
    as_of: dt.datetime
    plan: PlanVersion | None
    missing_minimum: tuple[EssentialFunction, ...]
    function_problems: tuple[FunctionProblem, ...]
    annual: tuple[AnnualCheck, ...]
    incidents: tuple[RestorationCheck, ...]
    evidence: tuple[Evidence, ...]
    restore_limit_h: float
    restore_cite: str

    @property
    def compliant(self) -> bool:
        """No missing minimum function, no RTO over the limit, nothing overdue, no incident failing the 72 h."""
        return (self.plan is not None and not self.missing_minimum and not self.function_problems
                and not any(a.overdue for a in self.annual) and not any(i.compliant is False for i in self.incidents))

    def problems(self) -> list[str]:
        out = [] if self.plan is not None else ["no business continuity plan on file"]
        out += [f"missing essential function {f.key} ({f.cite})" for f in self.missing_minimum]
        out += [f"{p.function_key}: {p.problem}" for p in self.function_problems]
        out += [f"{a.kind} overdue since {a.next_due.isoformat()}" for a in self.annual if a.overdue]
        out += [f"incident {i.incident_id} ({i.function_key}): {i.verdict.explain()}" for i in self.incidents
                if i.compliant is False]
        return out


def _utc(t: dt.datetime) -> dt.datetime:
    return t.astimezone(dt.UTC)


def regulatory_minimum(parts: Iterable[Part]) -> tuple[EssentialFunction, ...]:
    """The minimum essential functions for the contract's parts (C: 2, D: 5; C&D: 7)."""
    chosen = set(parts)
    return tuple(f for f in REGULATORY_MINIMUM if f.part in chosen)


def seed_functions(parts: Iterable[Part], extra: Sequence[EssentialFunction] = ()) -> tuple[EssentialFunction, ...]:
    """The regulatory minimum plus the plan's own functions ("beyond the regulatory minimum", (o)(1)(ii))."""
    base = regulatory_minimum(parts)
    keys = {f.key for f in base}
    dup = [f.key for f in extra if f.key in keys]
    if dup:
        raise RuleError(f"essential function {dup[0]} is already in the regulatory minimum")
    return base + tuple(extra)


def _restore_limit(params: ParamSet) -> tuple[float, ParamValue]:
    pv = params[RESTORE_KEY]
    return float(pv.value), pv


@cites("42 CFR 422.504(o)(2)", "42 CFR 423.505(p)(2)")
def missing_minimum(plan: PlanVersion) -> tuple[EssentialFunction, ...]:
    """BC-EF-1: regulatory-minimum functions the plan version does not list."""
    have = {f.key for f in plan.functions}
    return tuple(f for f in regulatory_minimum(plan.parts) if f.key not in have)


@cites("42 CFR 422.504(o)(2)", "42 CFR 423.505(p)(2)")
def function_problems(plan: PlanVersion, params: ParamSet) -> tuple[FunctionProblem, ...]:
    """A recovery time objective above the 72-hour limit cannot meet the rule."""
    limit, _ = _restore_limit(params)
    return tuple(FunctionProblem(function_key=f.key, problem=f"RTO {f.rto_hours:g} h exceeds the {limit:g} h limit")
                 for f in plan.functions if f.rto_hours is not None and f.rto_hours > limit)


@cites("42 CFR 422.504(o)(2)", "42 CFR 423.505(p)(2)")
def restoration_check(incident: Incident, params: ParamSet, now: dt.datetime) -> RestorationCheck:
    """BC-RTO-1: ``restored_at - failure_start <= restore_essential_functions_max_h`` (open: judged against ``now``).

    An open incident's ``hours_left`` on the clock is the limit minus the hours open at ``now`` (negative once past
    the deadline: failed 2022-01-10T08:00Z, now 2022-01-11T20:00Z -> 36 h open, 36 h left of 72)."""
    if now.utcoffset() is None:
        raise RuleError("now needs a time zone")
    limit, pv = _restore_limit(params)
    # Same-zone aware arithmetic in Python is wall-clock (wrong across a DST change): compute in UTC.
    start, now_utc = _utc(incident.failure_start), _utc(now)
    deadline_utc = start + dt.timedelta(hours=limit)
    deadline = deadline_utc.astimezone(incident.failure_start.tzinfo)
    end = _utc(incident.restored_at) if incident.restored_at is not None else now_utc
    hours_open = (end - start).total_seconds() / 3600.0
    if incident.restored_at is not None:
        hours: float | None = hours_open
        ok: bool | None = hours_open <= limit
    else:
        hours = None
        ok = False if now_utc > deadline_utc else None
    measured = round(hours_open, 2) if (hours is not None or ok is False) else None
    verdict = Verdict(standard=f"{incident.function_key} restored within {limit:g} h of the failure (h)",
                      measured=measured, limit=limit, comparison="<=", compliant=ok, param=pv)
    return RestorationCheck(incident_id=incident.incident_id, function_key=incident.function_key,
                            failure_start=incident.failure_start, detected_at=incident.detected_at,
                            restored_at=incident.restored_at, deadline=deadline,
                            hours_to_restore=None if hours is None else round(hours, 2), hours_open=round(hours_open, 2),
                            hours_left=None if incident.restored_at is not None else round(limit - hours_open, 4),
                            detection_delay_h=round((_utc(incident.detected_at) - start).total_seconds() / 3600.0, 2),
                            compliant=ok, verdict=verdict)


@cites("42 CFR 422.504(o)(1)(iii)", "42 CFR 422.504(o)(1)(iv)", "42 CFR 423.505(p)(1)(iii)", "42 CFR 423.505(p)(1)(iv)")
def annual_checks(first_approved_on: dt.date, evidence: Sequence[Evidence], today: dt.date, params: ParamSet,
                  settings: ContinuitySettings | None = None) -> tuple[AnnualCheck, ...]:
    """Yearly test and training: next due = last + interval (first: approval + interval); overdue after that day."""
    settings = settings or ContinuitySettings()
    out = []
    kinds: tuple[EvidenceKind, ...] = ("test", "training")
    for kind in kinds:
        interval = regulatory_number(params, ANNUAL_KEYS[kind])
        dates = [e.performed_on for e in evidence if e.kind == kind and e.performed_on <= today]
        last = max(dates) if dates else None
        next_due = add_months(last or first_approved_on, int(interval.value))
        out.append(AnnualCheck(kind=kind, last_on=last, next_due=next_due, overdue=today > next_due,
                               due_soon=today <= next_due <= today + dt.timedelta(days=settings.due_soon_days),
                               interval=interval))
    return tuple(out)


def continuity_status(organization: str, plans: Sequence[PlanVersion], evidence: Sequence[Evidence],
                      incidents: Sequence[Incident], params: ParamSet, now: dt.datetime,
                      settings: ContinuitySettings | None = None) -> ContinuityStatus:
    """The CMS-on-request view: current plan version, minimum functions, yearly evidence, incidents vs 72 h."""
    if now.utcoffset() is None:
        raise RuleError("now needs a time zone")
    limit, pv = _restore_limit(params)
    today = now.date()
    in_force = sorted((p for p in plans if p.approved_on <= today), key=lambda p: (p.approved_on, p.version_label))
    plan = in_force[-1] if in_force else None
    annual = annual_checks(in_force[0].approved_on, evidence, today, params, settings) if in_force else ()
    return ContinuityStatus(
        organization=organization, as_of=now, plan=plan,
        missing_minimum=missing_minimum(plan) if plan else (),
        function_problems=function_problems(plan, params) if plan else (),
        annual=annual,
        incidents=tuple(restoration_check(i, params, now) for i in sorted(incidents, key=lambda i: _utc(i.failure_start))),
        evidence=tuple(sorted(evidence, key=lambda e: (e.performed_on, e.kind))),
        restore_limit_h=limit, restore_cite="; ".join(c.label() for c in pv.cite),
    )
