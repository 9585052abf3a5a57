"""The D-SNP services: load -> validate -> rule -> store, one audited transaction each (§§ 422.2, 422.107,
422.562(a)(5), 422.752(d)).

* State contracts (plan x State x contract period) with what the § 422.2 definitions need, the State's admission
  group, recipients, method and window (§ 422.107(d)); optimistic locking on ``version``.
* § 422.107 term evidence per contract, and the checklist, classification, minimum-integration test and
  § 422.752(d) determination of a plan year (:func:`plan_year_status`).
* CMS's list of integrated D-SNPs: import (a year's rows replaced as a whole) and reconciliation.
* Admissions and their notices to the State (due time stored for the queue), timeliness report.
* § 422.562(a)(5) Medicaid-assistance records, one per case (the case id is the appeals case id or any other).

partcd's own classification comes from the ``dsnp_classification`` service another area declares (this area never
imports it): the service's input model is read from its signature and validated, so a change of its fields fails
loudly. Every change is an ``audit_event``; PHI (MBI, needs, notes) is stored, kept out of audit snapshots and never
logged: log lines name record ids only.
"""

from __future__ import annotations

import datetime as dt
import logging
import typing
from collections import defaultdict
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from partcd import registry
from partcd.core import calendar
from partcd.core.errors import ConfigError, InputError, RuleError
from partcd.dsnp.readers import normalise_mbi, read_admissions, read_cms_list
from partcd.dsnp.rules.admissions import (
    Admission,
    AdmissionNotice,
    ClockStart,
    NotificationWindow,
    Timeliness,
    WindowUnit,
    admission_notice,
    timeliness,
)
from partcd.dsnp.rules.assistance import AssistanceCheck, AssistanceRecord, Method, Response, assistance_check
from partcd.dsnp.rules.contract_terms import Checklist, EvidenceRef, contract_checklist
from partcd.dsnp.rules.integration import (
    IntegrationTest,
    Reading,
    SanctionDetermination,
    enrollment_sanction,
    minimum_integration,
)
from partcd.dsnp.rules.parameters import DsnpParams, IntegrationLevel
from partcd.dsnp.rules.reconcile import CmsListRow, PartcdClassification, Reconciliation, reconcile
from partcd.dsnp.store import AdmissionRow, AssistanceRow, CmsListRowRecord, StateContractRow, TermEvidenceRow
from partcd.platform.params import load_params
from partcd.platform.store import audit
from partcd.platform.store.db import session_scope

log = logging.getLogger(__name__)

SERVICE = "dsnp_classification"
MedicaidService = Literal["primary_care", "acute_care", "behavioral_health", "ltss", "nursing_facility"]
Holder = Literal["same_organization", "parent_organization", "sibling_entity", "none"]
MedicaidPlanType = Literal["MCO", "PIHP", "PAHP", "none"]


def params_for_year(year: int) -> DsnpParams:
    """The D-SNP parameters of plan year ``year`` (read on January 1; nothing before 2021)."""
    return load_params("dsnp", dt.date(year, 1, 1)).typed(DsnpParams)


# --- State contracts ------------------------------------------------------------------------------------------------


class ClassificationInputs(BaseModel):
    """What the § 422.2 definitions need about the plan's Medicaid arrangements in this State (L1961-L1987)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    coordinates_medicare_medicaid_services: bool = True
    capitated_medicaid_contract_holder: Holder = "none"
    capitated_contract_in_operating_state: bool = True
    medicaid_plan_type: MedicaidPlanType = "none"
    medicaid_benefits_covered: tuple[MedicaidService, ...] = ()
    nursing_facility_days_covered: int = Field(default=0, ge=0, le=366)
    aligned_care_management: bool = False
    integrated_procedures_approved_by_cms_and_state: bool = False
    exclusively_aligned_enrollment: bool = False


class ContractIn(BaseModel):
    """A plan x State Medicaid agency contract for one contract period."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    contract_id: str = Field(pattern=r"^[HR][0-9]{4}$")
    plan_benefit_package: str = Field(pattern=r"^[0-9]{3}$")
    state: str = Field(pattern=r"^[A-Z]{2}$")
    parent_organization: str = Field(min_length=1, max_length=200)
    state_contract_reference: str = Field(min_length=1, max_length=200,
                                          description="the State contract's title or number (e.g. MN DHS SNBC 2021)")
    period_start: dt.date
    period_end: dt.date
    attributes: ClassificationInputs = ClassificationInputs()
    eligibility_categories: tuple[str, ...] = Field(default=(), max_length=30)
    admission_group: str | None = Field(default=None, max_length=2000,
                                        description="the group of high-risk full-benefit dual eligibles the State names")
    notice_recipients: tuple[str, ...] = Field(default=(), max_length=20)
    notice_method: str | None = Field(default=None, max_length=200)
    window_value: int | None = Field(default=None, ge=1, le=1440)
    window_unit: WindowUnit | None = None
    window_start: ClockStart | None = None
    zone: str = Field(default="America/New_York", max_length=60)

    @model_validator(mode="after")
    def _consistent(self) -> ContractIn:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        if (self.window_value is None) != (self.window_unit is None):
            raise ValueError("window_value and window_unit go together")
        calendar.zone_of(self.zone, "zone")
        return self

    @property
    def window(self) -> NotificationWindow | None:
        if self.window_value is None or self.window_unit is None:
            return None
        return NotificationWindow(value=self.window_value, unit=self.window_unit, start=self.window_start, zone=self.zone)


class ContractView(ContractIn):
    id: int
    version: int
    created_by: str

    @property
    def plan_id(self) -> str:
        return f"{self.contract_id}-{self.plan_benefit_package}"

    def years(self) -> list[int]:
        return list(range(self.period_start.year, self.period_end.year + 1))


def _contract_view(row: StateContractRow) -> ContractView:
    return ContractView.model_validate({c: getattr(row, c) for c in (
        "id", "version", "created_by", "contract_id", "plan_benefit_package", "state", "parent_organization",
        "state_contract_reference", "period_start", "period_end", "attributes", "eligibility_categories",
        "admission_group", "notice_recipients", "notice_method", "window_value", "window_unit", "window_start", "zone")})


def _validated(model: type[BaseModel], data: Any, what: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError.from_validation(what, None, exc) from None


def create_contract(engine: Engine, data: ContractIn | dict[str, Any], *, actor: str) -> ContractView:
    body: ContractIn = data if isinstance(data, ContractIn) else _validated(ContractIn, data, "contract")
    row = StateContractRow(**{**body.model_dump(mode="python"), "attributes": body.attributes.model_dump(mode="json"),
                              "eligibility_categories": list(body.eligibility_categories),
                              "notice_recipients": list(body.notice_recipients), "created_by": actor})
    try:
        with session_scope(engine) as s:
            audit.create(s, row, actor=actor)
            view = _contract_view(row)
    except IntegrityError:
        raise RuleError(f"a State contract for {body.contract_id}-{body.plan_benefit_package} in {body.state} starting "
                        f"{body.period_start} already exists") from None
    log.info("dsnp state contract %s created", view.id)
    return view


def _contract_row(s: Any, contract_row_id: int) -> StateContractRow:
    row = s.get(StateContractRow, contract_row_id)
    if row is None:
        raise ConfigError(f"no State contract {contract_row_id}")
    assert isinstance(row, StateContractRow)
    return row


def get_contract(engine: Engine, contract_row_id: int) -> ContractView:
    with session_scope(engine) as s:
        return _contract_view(_contract_row(s, contract_row_id))


def list_contracts(engine: Engine, *, year: int | None = None, state: str | None = None,
                   contract_id: str | None = None) -> list[ContractView]:
    stmt = select(StateContractRow).order_by(StateContractRow.contract_id, StateContractRow.plan_benefit_package,
                                             StateContractRow.state, StateContractRow.period_start)
    if state:
        stmt = stmt.where(StateContractRow.state == state.upper())
    if contract_id:
        stmt = stmt.where(StateContractRow.contract_id == contract_id.upper())
    if year is not None:
        stmt = stmt.where(StateContractRow.period_start <= dt.date(year, 12, 31),
                          StateContractRow.period_end >= dt.date(year, 1, 1))
    with session_scope(engine) as s:
        return [_contract_view(r) for r in s.scalars(stmt)]


def update_contract(engine: Engine, contract_row_id: int, changes: dict[str, Any], *, actor: str,
                    expected_version: int | None, reason: str | None = None) -> ContractView:
    """Change fields of a contract; the whole record is validated again; a stale ``expected_version`` is refused."""
    with session_scope(engine) as s:
        row = _contract_row(s, contract_row_id)
        current = _contract_view(row).model_dump(mode="python", exclude={"id", "version", "created_by"})
        unknown = sorted(set(changes) - set(current))
        if unknown:
            raise InputError("contract", None, unknown[0], "not a field of a State contract")
        body: ContractIn = _validated(ContractIn, {**current, **changes}, "contract")
        dumped = body.model_dump(mode="python")
        new = {k: (body.attributes.model_dump(mode="json") if k == "attributes" else
                   list(v) if isinstance(v, tuple) else v) for k, v in dumped.items() if k in changes}
        audit.update(s, row, new, actor=actor, expected_version=expected_version, reason=reason)
        view = _contract_view(row)
    log.info("dsnp state contract %s updated", contract_row_id)
    return view


# --- § 422.107 evidence and the plan-year status ------------------------------------------------------------------


class EvidenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    term_id: str = Field(min_length=1, max_length=60)
    document: str = Field(min_length=1, max_length=300)
    location: str = Field(default="", max_length=200)
    excerpt: str | None = Field(default=None, max_length=4000)


class EvidenceView(EvidenceIn):
    id: int
    version: int
    recorded_by: str
    recorded_at: dt.datetime


def add_evidence(engine: Engine, contract_row_id: int, data: EvidenceIn | dict[str, Any], *, actor: str) -> EvidenceView:
    """Evidence that a term stands in the contract; a term id the checklist does not know is refused."""
    body: EvidenceIn = data if isinstance(data, EvidenceIn) else _validated(EvidenceIn, data, "evidence")
    with session_scope(engine) as s:
        contract = _contract_view(_contract_row(s, contract_row_id))
        known = {t.id for y in contract.years() if y >= 2021 for t in params_for_year(y).contract_terms_table.value}
        if body.term_id not in known:
            raise InputError("evidence", None, "term_id", f"unknown § 422.107 term {body.term_id!r}; known: "
                             f"{', '.join(sorted(known))}")
        row = TermEvidenceRow(state_contract_id=contract_row_id, recorded_by=actor, **body.model_dump())
        audit.create(s, row, actor=actor)
        view = _evidence_view(row)
    log.info("dsnp evidence %s recorded for contract %s", view.id, contract_row_id)
    return view


def _evidence_view(row: TermEvidenceRow) -> EvidenceView:
    return EvidenceView(id=row.id, version=row.version, recorded_by=row.recorded_by, recorded_at=row.recorded_at,
                        term_id=row.term_id, document=row.document, location=row.location, excerpt=row.excerpt)


def list_evidence(engine: Engine, contract_row_id: int) -> list[EvidenceView]:
    with session_scope(engine) as s:
        _contract_row(s, contract_row_id)
        rows = s.scalars(select(TermEvidenceRow).where(TermEvidenceRow.state_contract_id == contract_row_id)
                         .order_by(TermEvidenceRow.id))
        return [_evidence_view(r) for r in rows]


def delete_evidence(engine: Engine, evidence_id: int, *, actor: str, expected_version: int | None,
                    reason: str | None = None) -> None:
    with session_scope(engine) as s:
        row = s.get(TermEvidenceRow, evidence_id)
        if row is None:
            raise ConfigError(f"no evidence {evidence_id}")
        if expected_version is not None and row.version != expected_version:
            raise RuleError(f"evidence {evidence_id} was changed by someone else (version {row.version}, you had "
                            f"{expected_version}); reload and retry")
        audit.delete(s, row, actor=actor, reason=reason)


def classify_plan(contract: ContractIn, year: int, *, minimum_contents_documented: bool,
                  admission_term_documented: bool) -> dict[str, Any]:
    """partcd's § 422.2 / § 422.561 classification of the plan in this State for ``year``, from the
    ``dsnp_classification`` service (its own parameters, its own input model, validated here)."""
    fn = registry.service(SERVICE)
    provider = next(a.name for a in registry.areas() if SERVICE in a.provides)
    plan_model = typing.get_type_hints(fn).get("plan")
    if not (isinstance(plan_model, type) and issubclass(plan_model, BaseModel)):
        raise ConfigError(f"service {SERVICE} of area {provider} does not take a pydantic 'plan' argument")
    attrs = contract.attributes
    try:
        plan = plan_model.model_validate({
            "plan_id": f"{contract.contract_id}-{contract.plan_benefit_package}", "plan_year": year, "state": contract.state,
            "special_needs_plan_for_medicaid_entitled": True,
            "coordinates_medicare_medicaid_services": attrs.coordinates_medicare_medicaid_services,
            "state_medicaid_contract_meets_422_107": minimum_contents_documented,
            "contract_has_admission_notification_term": admission_term_documented,
            "capitated_medicaid_contract_holder": attrs.capitated_medicaid_contract_holder,
            "capitated_contract_in_operating_state": attrs.capitated_contract_in_operating_state,
            "medicaid_plan_type": attrs.medicaid_plan_type,
            "medicaid_benefits_covered": frozenset(attrs.medicaid_benefits_covered),
            "nursing_facility_days_covered": attrs.nursing_facility_days_covered,
            "aligned_care_management": attrs.aligned_care_management,
            "integrated_procedures_approved_by_cms_and_state": attrs.integrated_procedures_approved_by_cms_and_state,
            "exclusively_aligned_enrollment": attrs.exclusively_aligned_enrollment,
        })
    except ValidationError as exc:
        raise ConfigError(f"service {SERVICE} of area {provider} refused the plan: {exc.errors()[0]['msg']}") from None
    result = fn(plan, load_params(provider, dt.date(year, 1, 1)))
    dumped: dict[str, Any] = result.model_dump(mode="json")
    return dumped


class PlanYearStatus(BaseModel):
    """Everything the compliance lead shows CMS and the State for one contract and plan year."""

    model_config = ConfigDict(frozen=True)

    contract: ContractView
    plan_year: int
    classification: dict[str, Any]
    checklist: Checklist
    integration: IntegrationTest
    sanction: SanctionDetermination


def plan_year_status(engine: Engine, contract_row_id: int, year: int, *, reading: Reading = "final") -> PlanYearStatus:
    contract = get_contract(engine, contract_row_id)
    if year not in contract.years():
        raise RuleError(f"plan year {year} is outside the contract period {contract.period_start} - {contract.period_end}")
    params = params_for_year(year)
    evidence = [EvidenceRef(term_id=e.term_id, document=e.document, location=e.location, evidence_id=e.id)
                for e in list_evidence(engine, contract_row_id)]
    first = contract_checklist(evidence, params)
    cls = classify_plan(contract, year, minimum_contents_documented=first.minimum_contents_documented,
                        admission_term_documented=first.admission_term_documented)
    level: IntegrationLevel = cls["integration_level"]
    checklist = contract_checklist(evidence, params, integration_level=level,
                                   applicable_integrated_plan=bool(cls["is_applicable_integrated_plan"]))
    test = minimum_integration(year, params, is_fide=bool(cls["is_fide"]), is_hide=bool(cls["is_hide"]),
                               admission_term_documented=checklist.admission_term_documented)
    sanction = enrollment_sanction(year, test.meets and cls["is_dsnp"], params, reading=reading)
    return PlanYearStatus(contract=contract, plan_year=year, classification=cls, checklist=checklist, integration=test,
                          sanction=sanction)


# --- CMS's list of integrated D-SNPs ------------------------------------------------------------------------------


class ImportResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    year: int
    rows: int
    replaced: int
    source_file: str


def import_cms_list(engine: Engine, path: Path, year: int, *, actor: str, source_name: str | None = None) -> ImportResult:
    """Read and store CMS's list for ``year``; the year's earlier rows are replaced (each removal and addition audited).
    A bad row refuses the whole file (nothing half-imported)."""
    if not 2021 <= year <= 2100:
        raise ConfigError(f"--year: CMS lists integrated D-SNPs from 2021; got {year}")
    rows = read_cms_list(path, year, params_for_year(year))
    name = source_name or path.name
    with session_scope(engine) as s:
        old = list(s.scalars(select(CmsListRowRecord).where(CmsListRowRecord.list_year == year)))
        for stale in old:
            audit.delete(s, stale, actor=actor, reason=f"replaced by {name}")
        for r in rows:
            record = CmsListRowRecord(
                list_year=year, contract_id=r.contract_id, plan_benefit_package=r.plan_benefit_package, state=r.state,
                integration_status=r.integration_status, applicable_integrated_plan=r.applicable_integrated_plan,
                source_file=name, source_row=r.source_row or 0, imported_by=actor)
            audit.create(s, record, actor=actor)
    log.info("dsnp CMS list %s: %s rows imported, %s replaced", year, len(rows), len(old))
    return ImportResult(year=year, rows=len(rows), replaced=len(old), source_file=name)


def cms_rows(engine: Engine, year: int) -> list[CmsListRow]:
    with session_scope(engine) as s:
        return [CmsListRow(list_year=r.list_year, contract_id=r.contract_id, plan_benefit_package=r.plan_benefit_package,
                           state=r.state, integration_status=r.integration_status,
                           applicable_integrated_plan=r.applicable_integrated_plan, source_row=r.source_row)
                for r in s.scalars(select(CmsListRowRecord).where(CmsListRowRecord.list_year == year)
                                   .order_by(CmsListRowRecord.source_row))]


def reconcile_year(engine: Engine, year: int) -> Reconciliation:
    """CMS's stored list of ``year`` against partcd's classification of every contract in force in that year."""
    ours = []
    for contract in list_contracts(engine, year=year):
        status = plan_year_status(engine, contract.id, year)
        cls = status.classification
        ours.append(PartcdClassification(
            contract_id=contract.contract_id, plan_benefit_package=contract.plan_benefit_package, state=contract.state,
            plan_year=year, integration_level=cls["integration_level"],
            is_applicable_integrated_plan=bool(cls["is_applicable_integrated_plan"]), reasons=tuple(cls["reasons"])))
    return reconcile(cms_rows(engine, year), ours, year, params_for_year(year))


# --- admissions and notices to the State (§ 422.107(d)) ------------------------------------------------------------


class AdmissionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    admission_ref: str = Field(min_length=1, max_length=60, description="the plan's own reference (not PHI)")
    mbi: str = Field(description="checked by normalise_mbi, which never repeats a refused value (PHI)")
    setting: str = Field(min_length=1, max_length=40)
    admitted_at: dt.datetime
    plan_aware_at: dt.datetime | None = None
    in_state_group: bool = True
    notified_at: dt.datetime | None = None
    notified_to: str | None = Field(default=None, max_length=200)
    notice_method: str | None = Field(default=None, max_length=200)
    notified_by: str | None = Field(default=None, max_length=200)


class AdmissionView(BaseModel):
    """An admission without PHI (the MBI is shown only by :func:`admission_detail` to roles that may see it)."""

    model_config = ConfigDict(frozen=True)

    id: int
    version: int
    state_contract_id: int
    admission_ref: str
    setting: str
    admitted_at: dt.datetime
    plan_aware_at: dt.datetime | None
    in_state_group: bool
    notified_at: dt.datetime | None
    notified_to: str | None
    notice_method: str | None
    notified_by: str | None
    notice: AdmissionNotice


def _window(contract: ContractView) -> NotificationWindow:
    window = contract.window
    if window is None:
        raise RuleError(f"State contract {contract.id} ({contract.plan_id} {contract.state}) has no admission-notification "
                        "window: the State sets the timeframe (§ 422.107(d)); record it on the contract first")
    return window


def _utc(t: dt.datetime | None) -> dt.datetime | None:
    """Instants are stored in UTC (SQLite keeps no offset: a naive value read back is UTC)."""
    if t is None:
        return None
    return t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t.astimezone(dt.UTC)


def _at(t: dt.datetime | None) -> dt.datetime:
    out = _utc(t)
    assert out is not None
    return out


def _admission(row: AdmissionRow) -> Admission:
    return Admission(setting=row.setting, admitted_at=_at(row.admitted_at), plan_aware_at=_utc(row.plan_aware_at),
                     in_state_group=row.in_state_group, notified_at=_utc(row.notified_at))


def _admission_view(row: AdmissionRow, contract: ContractView, now: dt.datetime) -> AdmissionView:
    year = calendar.local_date(_at(row.admitted_at), contract.zone).year
    notice = admission_notice(_admission(row), _window(contract), params_for_year(year), now)
    return AdmissionView(id=row.id, version=row.version, state_contract_id=row.state_contract_id,
                         admission_ref=row.admission_ref, setting=row.setting, admitted_at=_at(row.admitted_at),
                         plan_aware_at=_utc(row.plan_aware_at), in_state_group=row.in_state_group,
                         notified_at=_utc(row.notified_at),
                         notified_to=row.notified_to, notice_method=row.notice_method, notified_by=row.notified_by,
                         notice=notice)


def _aware(t: dt.datetime | None, what: str) -> dt.datetime | None:
    if t is not None and not calendar.is_aware(t):
        raise InputError("admission", None, what, "needs a UTC offset (e.g. 2021-03-12T09:30-05:00)")
    return t


def record_admission(engine: Engine, contract_row_id: int, data: AdmissionIn | dict[str, Any], *, actor: str,
                     now: dt.datetime) -> AdmissionView:
    """Store an admission; its notice due time is computed from the contract's State window and stored."""
    body: AdmissionIn = data if isinstance(data, AdmissionIn) else _validated(AdmissionIn, data, "admission")
    mbi = normalise_mbi(body.mbi, "admission", None)
    for name in ("admitted_at", "plan_aware_at", "notified_at"):
        _aware(getattr(body, name), name)
    with session_scope(engine) as s:
        contract = _contract_view(_contract_row(s, contract_row_id))
        local_day = calendar.local_date(body.admitted_at, contract.zone)
        if not contract.period_start <= local_day <= contract.period_end:
            raise RuleError(f"admission on {local_day} is outside the contract period {contract.period_start} - "
                            f"{contract.period_end}")
        times = {k: _utc(getattr(body, k)) for k in ("admitted_at", "plan_aware_at", "notified_at")}
        row = AdmissionRow(state_contract_id=contract_row_id, mbi=mbi, recorded_by=actor,
                           **{**body.model_dump(exclude={"mbi"}), **times})
        notice = admission_notice(_admission(row), _window(contract), params_for_year(local_day.year), now)
        row.due_at = _utc(notice.due)
        try:
            audit.create(s, row, actor=actor)
        except IntegrityError:
            raise RuleError(f"admission {body.admission_ref} is already recorded for State contract {contract_row_id}") from None
        view = _admission_view(row, contract, now)
    log.info("dsnp admission %s recorded for contract %s", view.id, contract_row_id)
    return view


class NoticeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    notified_at: dt.datetime
    notified_to: str = Field(min_length=1, max_length=200)
    notice_method: str | None = Field(default=None, max_length=200)
    notified_by: str | None = Field(default=None, max_length=200, description="the delegate that sent it, if any")
    expected_version: int | None = None


def record_notice(engine: Engine, admission_id: int, data: NoticeIn | dict[str, Any], *, actor: str,
                  now: dt.datetime) -> AdmissionView:
    body: NoticeIn = data if isinstance(data, NoticeIn) else _validated(NoticeIn, data, "notice")
    _aware(body.notified_at, "notified_at")
    with session_scope(engine) as s:
        row = s.get(AdmissionRow, admission_id)
        if row is None:
            raise ConfigError(f"no admission {admission_id}")
        contract = _contract_view(_contract_row(s, row.state_contract_id))
        year = calendar.local_date(_at(row.admitted_at), contract.zone).year
        trial = _admission(row).model_copy(update={"notified_at": body.notified_at})
        admission_notice(trial, _window(contract), params_for_year(year), now)
        changes = {**body.model_dump(exclude={"expected_version"}), "notified_at": _utc(body.notified_at)}
        audit.update(s, row, changes, actor=actor, expected_version=body.expected_version)
        view = _admission_view(row, contract, now)
    log.info("dsnp admission %s notice recorded", admission_id)
    return view


def admission_detail(engine: Engine, admission_id: int, now: dt.datetime) -> tuple[AdmissionView, str]:
    """The admission and its MBI (PHI: callers check the role)."""
    with session_scope(engine) as s:
        row = s.get(AdmissionRow, admission_id)
        if row is None:
            raise ConfigError(f"no admission {admission_id}")
        contract = _contract_view(_contract_row(s, row.state_contract_id))
        return _admission_view(row, contract, now), row.mbi


def import_admissions(engine: Engine, contract_row_id: int, path: Path, *, actor: str, now: dt.datetime) -> list[AdmissionView]:
    """An admissions feed for one State contract (all rows or none)."""
    rows = read_admissions(path)
    with session_scope(engine) as s:
        contract = _contract_view(_contract_row(s, contract_row_id))
        window = _window(contract)
        out: list[AdmissionRow] = []
        for r in rows:
            local_day = calendar.local_date(r.admitted_at, contract.zone)
            if not contract.period_start <= local_day <= contract.period_end:
                raise InputError(str(path), r.row, "admitted_at", f"{local_day} is outside the contract period "
                                 f"{contract.period_start} - {contract.period_end}")
            times = {k: _utc(getattr(r, k)) for k in ("admitted_at", "plan_aware_at", "notified_at")}
            row = AdmissionRow(state_contract_id=contract_row_id, recorded_by=actor,
                               **{**r.model_dump(exclude={"row"}), **times})
            try:
                notice = admission_notice(_admission(row), window, params_for_year(local_day.year), now)
            except RuleError as exc:
                raise InputError(str(path), r.row, None, exc.reason) from None
            row.due_at = _utc(notice.due)
            out.append(row)
        try:
            for row in out:
                audit.create(s, row, actor=actor)
        except IntegrityError:
            raise InputError(str(path), None, "admission_ref", "an admission reference is already recorded") from None
        views = [_admission_view(r, contract, now) for r in out]
    log.info("dsnp admissions feed: %s rows for contract %s", len(views), contract_row_id)
    return views


def list_admissions(engine: Engine, *, contract_row_id: int | None = None, date_from: dt.date | None = None,
                    date_to: dt.date | None = None, now: dt.datetime, limit: int = 5000) -> list[AdmissionView]:
    stmt = select(AdmissionRow).order_by(AdmissionRow.admitted_at, AdmissionRow.id).limit(limit)
    if contract_row_id is not None:
        stmt = stmt.where(AdmissionRow.state_contract_id == contract_row_id)
    with session_scope(engine) as s:
        rows = list(s.scalars(stmt))
        contracts = {c: _contract_view(_contract_row(s, c)) for c in {r.state_contract_id for r in rows}}
        views = []
        for r in rows:
            day = calendar.local_date(_at(r.admitted_at), contracts[r.state_contract_id].zone)
            if (date_from and day < date_from) or (date_to and day > date_to):
                continue
            views.append(_admission_view(r, contracts[r.state_contract_id], now))
        return views


class TimelinessRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    state_contract_id: int
    plan: str
    state: str
    month: str
    window: str
    summary: Timeliness


def timeliness_report(engine: Engine, *, now: dt.datetime, contract_row_id: int | None = None,
                      date_from: dt.date | None = None, date_to: dt.date | None = None) -> list[TimelinessRow]:
    """On-time notices per State contract and month of admission (§ 422.107(d) timeliness)."""
    views = list_admissions(engine, contract_row_id=contract_row_id, date_from=date_from, date_to=date_to, now=now)
    contracts = {c.id: c for c in list_contracts(engine)}
    groups: dict[tuple[int, str], list[AdmissionNotice]] = defaultdict(list)
    for v in views:
        zone = contracts[v.state_contract_id].zone
        groups[(v.state_contract_id, calendar.local_date(v.admitted_at, zone).strftime("%Y-%m"))].append(v.notice)
    out = []
    for (cid, month), notices in sorted(groups.items()):
        c = contracts[cid]
        out.append(TimelinessRow(state_contract_id=cid, plan=c.plan_id, state=c.state, month=month,
                                 window=_window(c).label(), summary=timeliness(notices)))
    return out


# --- § 422.562(a)(5) Medicaid assistance, one record per case ------------------------------------------------------


class AssistanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    case_id: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.:-]+$")
    contract_id: str = Field(pattern=r"^[HR][0-9]{4}$")
    plan_benefit_package: str = Field(pattern=r"^[0-9]{3}$")
    mbi: str = Field(description="checked by normalise_mbi, which never repeats a refused value (PHI)")
    need_identified_on: dt.date
    need: str = Field(min_length=1, max_length=2000)
    offered_on: dt.date | None = None
    methods_offered: tuple[Method, ...] = Field(default=(), max_length=10)
    response: Response = "pending"
    response_on: dt.date | None = None
    provided_on: dt.date | None = None
    kinds_provided: tuple[str, ...] = Field(default=(), max_length=20)
    represented_enrollee: bool = False
    notes: str | None = Field(default=None, max_length=4000)


class AssistanceView(BaseModel):
    """A record without PHI (no MBI, need or notes) and its check."""

    model_config = ConfigDict(frozen=True)

    id: int
    version: int
    case_id: str
    contract_id: str
    plan_benefit_package: str
    need_identified_on: dt.date
    offered_on: dt.date | None
    methods_offered: tuple[str, ...]
    response: str
    response_on: dt.date | None
    provided_on: dt.date | None
    kinds_provided: tuple[str, ...]
    represented_enrollee: bool
    check: AssistanceCheck


_RECORD_FIELDS = ("need_identified_on", "offered_on", "methods_offered", "response", "response_on", "provided_on",
                  "kinds_provided", "represented_enrollee")


def _check(values: dict[str, Any], today: dt.date) -> AssistanceCheck:
    record = AssistanceRecord.model_validate({f: values[f] for f in _RECORD_FIELDS})
    return assistance_check(record, params_for_year(max(record.need_identified_on.year, 2021)), today)


def _assistance_view(row: AssistanceRow, today: dt.date) -> AssistanceView:
    check = _check({f: getattr(row, f) for f in _RECORD_FIELDS}, today)
    return AssistanceView(id=row.id, version=row.version, case_id=row.case_id, contract_id=row.contract_id,
                          plan_benefit_package=row.plan_benefit_package, check=check,
                          **{f: getattr(row, f) for f in _RECORD_FIELDS})


def record_assistance(engine: Engine, data: AssistanceIn | dict[str, Any], *, actor: str, today: dt.date) -> AssistanceView:
    """Create the record of a case (one per case id); it is checked before it is stored."""
    body: AssistanceIn = data if isinstance(data, AssistanceIn) else _validated(AssistanceIn, data, "assistance")
    mbi = normalise_mbi(body.mbi, "assistance", None)
    row = AssistanceRow(recorded_by=actor, **{**body.model_dump(exclude={"mbi"}), "mbi": mbi,
                                              "methods_offered": list(body.methods_offered),
                                              "kinds_provided": list(body.kinds_provided)})
    _check(body.model_dump(), today)  # the rule refuses impossible dates before anything is written
    try:
        with session_scope(engine) as s:
            audit.create(s, row, actor=actor)
            view = _assistance_view(row, today)
    except IntegrityError:
        raise RuleError(f"case {body.case_id} already has a Medicaid-assistance record; update it") from None
    log.info("dsnp assistance record %s created", view.id)
    return view


def update_assistance(engine: Engine, case_id: str, changes: dict[str, Any], *, actor: str, expected_version: int | None,
                      today: dt.date) -> AssistanceView:
    allowed = {*_RECORD_FIELDS, "need", "notes"}
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise InputError("assistance", None, unknown[0], f"cannot be changed; fields: {', '.join(sorted(allowed))}")
    with session_scope(engine) as s:
        row = s.scalar(select(AssistanceRow).where(AssistanceRow.case_id == case_id))
        if row is None:
            raise ConfigError(f"no Medicaid-assistance record for case {case_id}")
        current = {f: getattr(row, f) for f in (*_RECORD_FIELDS, "need", "notes", "case_id", "contract_id",
                                                 "plan_benefit_package", "mbi")}
        body: AssistanceIn = _validated(AssistanceIn, {**current, **changes}, "assistance")
        dumped = body.model_dump()
        new = {k: (list(v) if isinstance(v, tuple) else v) for k, v in dumped.items() if k in changes}
        _check({**current, **new}, today)
        audit.update(s, row, new, actor=actor, expected_version=expected_version)
        view = _assistance_view(row, today)
    log.info("dsnp assistance record %s updated", view.id)
    return view


def assistance_phi(engine: Engine, case_id: str) -> dict[str, Any]:
    """The PHI of a record (MBI, need, notes): callers check the role."""
    with session_scope(engine) as s:
        row = s.scalar(select(AssistanceRow).where(AssistanceRow.case_id == case_id))
        if row is None:
            raise ConfigError(f"no Medicaid-assistance record for case {case_id}")
        return {"mbi": row.mbi, "need": row.need, "notes": row.notes}


def get_assistance(engine: Engine, case_id: str, today: dt.date) -> AssistanceView:
    with session_scope(engine) as s:
        row = s.scalar(select(AssistanceRow).where(AssistanceRow.case_id == case_id))
        if row is None:
            raise ConfigError(f"no Medicaid-assistance record for case {case_id}")
        return _assistance_view(row, today)


def list_assistance(engine: Engine, *, today: dt.date, contract_id: str | None = None,
                    status: str | None = None, limit: int = 5000) -> list[AssistanceView]:
    """The records for a CMS request (§ 422.562(a)(5)(iv)): no PHI, each with its check."""
    stmt = select(AssistanceRow).order_by(AssistanceRow.need_identified_on, AssistanceRow.id).limit(limit)
    if contract_id:
        stmt = stmt.where(AssistanceRow.contract_id == contract_id.upper())
    with session_scope(engine) as s:
        views = [_assistance_view(r, today) for r in s.scalars(stmt)]
    return [v for v in views if status is None or v.check.status == status]

