"""CAP and business-continuity service (§ 422.510(c), § 422.502(b)(1), § 422.504(o), § 423.505(p); CAP letter L28-L40).

Every change is one transaction (:func:`partcd.platform.store.db.session_scope`) with an audit event naming the actor;
edits of versioned records take the version the caller saw (optimistic locking). The rules are the pure
functions of :mod:`partcd.compliance.rules.cap` and :mod:`partcd.compliance.rules.continuity`; this module only loads,
stores and converts. Monitoring periods are findings records of any area (the call center's through the registry service
``call_log_findings``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from partcd import registry
from partcd.compliance.rules import cap as caprules
from partcd.compliance.rules import continuity as bcprules
from partcd.compliance.rules.cap import (
    Cap,
    CapAction,
    CapSettings,
    CapStatus,
    ClosureDecision,
    ComplianceAction,
    MonitoringPeriod,
    PastPerformanceReview,
    RequiredElement,
    StatusChange,
)
from partcd.compliance.rules.continuity import (
    ContinuitySettings,
    ContinuityStatus,
    EssentialFunction,
    Evidence,
    Incident,
    PlanVersion,
)
from partcd.compliance.store import (
    BcpEvidenceRow,
    BcpFunctionRow,
    BcpIncidentRow,
    BcpPlanVersionRow,
    CapActionRow,
    CapMonitoringPeriodRow,
    CapRow,
    ComplianceActionRow,
)
from partcd.core.errors import ConfigError, RuleError
from partcd.core.params import ParamSet
from partcd.platform.params import load_params
from partcd.platform.store import audit
from partcd.platform.store.db import session_scope

METRIC_KEYS = ("calls", "avg_hold_time_s", "answered_within_30s_pct", "disconnect_rate_pct", "abandon_rate_pct",
               "max_hold_time_s", "params_file")


class ActionView(BaseModel):
    model_config = ConfigDict(frozen=True)

    action_id: int
    version: int
    action: CapAction
    overdue: bool


class CapDetail(BaseModel):
    """A CAP with its actions, monitoring periods, closure decision and compliance-history entries, as of ``today``."""

    model_config = ConfigDict(frozen=True)

    cap: Cap
    version: int
    today: dt.date
    actions: tuple[ActionView, ...]
    monitoring: tuple[MonitoringPeriod, ...]
    closure: ClosureDecision
    elements_without_actions: tuple[RequiredElement, ...]
    compliance_actions: tuple[ComplianceAction, ...]
    #: Warnings on the record (e.g. a submission window shorter than § 422.510(c)(1)'s 30 days).
    warnings: tuple[str, ...] = ()


class RecordResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    cap_id: int
    added: int
    updated: int
    unchanged: int
    ignored_contracts: tuple[str, ...]
    non_compliant_periods: int
    closure: ClosureDecision


def cap_params(day: dt.date) -> ParamSet:
    """The call-center parameters in force on ``day`` (an error before the first file)."""
    return load_params("compliance", day)


# --- CAPs ----------------------------------------------------------------------------------------------------


def create_cap(engine: Engine, cap: Cap, *, actor: str, settings: CapSettings | None = None) -> int:
    """Store a new CAP (validated by :func:`partcd.compliance.rules.cap.new_cap`) and its compliance-history entries."""
    checked = caprules.new_cap(cap, cap_params(cap.issued_on), settings)
    with session_scope(engine) as s:
        row = audit.create(s, CapRow(**_cap_columns(checked), created_by=actor), actor=actor)
        for entry in caprules.cap_compliance_action(checked.model_copy(update={"cap_id": row.id})):
            audit.create(s, ComplianceActionRow(**entry.model_dump()), actor=actor, reason=f"CAP {row.id} issued")
        return row.id


def get_cap(engine: Engine, cap_id: int, today: dt.date) -> CapDetail:
    with session_scope(engine, read_only=True) as s:
        row = _cap_row(s, cap_id)
        cap = _cap(row)
        actions = [ActionView(action_id=a.id, version=a.version, action=_action(a),
                              overdue=a.done_on is None and a.due_on < today)
                   for a in s.scalars(select(CapActionRow).where(CapActionRow.cap_id == cap_id).order_by(CapActionRow.id))]
        periods = _periods(s, cap_id)
        history = [_compliance(r) for r in s.scalars(select(ComplianceActionRow).where(ComplianceActionRow.cap_id == cap_id)
                                                     .order_by(ComplianceActionRow.id))]
        return CapDetail(cap=cap, version=row.version, today=today, actions=tuple(actions), monitoring=tuple(periods),
                         closure=caprules.closure_decision(cap, periods, today),
                         elements_without_actions=tuple(caprules.elements_without_actions(cap, [a.action for a in actions])),
                         compliance_actions=tuple(history),
                         warnings=caprules.submission_window_warnings(cap, cap_params(cap.issued_on)))


def list_caps(engine: Engine, *, status: str | None = None, contract_id: str | None = None,
              parent_organization: str | None = None) -> list[tuple[Cap, int]]:
    """CAPs (newest first) with their versions, filtered by status, contract or parent organization."""
    with session_scope(engine, read_only=True) as s:
        stmt = select(CapRow).order_by(CapRow.id.desc())
        if status:
            stmt = stmt.where(CapRow.status == status)
        if parent_organization:
            stmt = stmt.where(CapRow.parent_organization == parent_organization)
        rows = [r for r in s.scalars(stmt) if contract_id is None or contract_id in r.contract_ids]
        return [(_cap(r), r.version) for r in rows]


def cap_status_lookup(engine: Engine) -> Callable[[str, dt.date], tuple[int | None, str | None] | None]:
    """``(contract_id, day) -> (cap_id, status that day)`` of the most recently issued CAP covering the contract on
    or before ``day`` (registry service ``cap_status_lookup``, used by the call center's daily report)."""
    caps = [cap for cap, _ in list_caps(engine)]

    def lookup(contract_id: str, day: dt.date) -> tuple[int | None, str | None] | None:
        covering = [c for c in caps if contract_id in c.contract_ids and c.issued_on <= day]
        if not covering:
            return None
        cap = max(covering, key=lambda c: (c.issued_on, c.cap_id or 0))
        return cap.cap_id, cap.status_on(day)

    return lookup


def set_status(engine: Engine, cap_id: int, to: CapStatus, on: dt.date, *, actor: str, expected_version: int | None = None,
               note: str | None = None) -> Cap:
    """One lifecycle step (submitted, accepted, revision_requested, implementing, monitoring)."""
    with session_scope(engine) as s:
        row = _cap_row(s, cap_id)
        moved = caprules.transition(_cap(row), to, on, note)
        audit.update(s, row, {"status": moved.status, "history": _history(moved)}, actor=actor,
                     expected_version=expected_version, reason=note or f"status -> {to}")
        return moved


def close_cap(engine: Engine, cap_id: int, on: dt.date, *, actor: str, expected_version: int | None = None) -> Cap:
    """Close the CAP - refused (RuleError) unless every affected contract has its run of compliant periods."""
    with session_scope(engine) as s:
        row = _cap_row(s, cap_id)
        closed = caprules.close(_cap(row), _periods(s, cap_id), on)
        audit.update(s, row, {"status": "closed", "closed_on": on, "history": _history(closed)}, actor=actor,
                     expected_version=expected_version, reason="CMS monitoring shows the affected contracts compliant")
        for entry in s.scalars(select(ComplianceActionRow).where(ComplianceActionRow.cap_id == cap_id,
                                                                 ComplianceActionRow.kind == "cap")):
            audit.update(s, entry, {"closed_on": on}, actor=actor, reason=f"CAP {cap_id} closed")
        return closed


def add_action(engine: Engine, cap_id: int, action: CapAction, *, actor: str) -> int:
    with session_scope(engine) as s:
        cap = _cap(_cap_row(s, cap_id))
        if cap.status == "closed":
            raise RuleError(f"CAP {cap_id} is closed; no new actions")
        keys = {e.key for e in cap.required_elements}
        if action.required_element is not None and action.required_element not in keys:
            raise RuleError(f"CAP {cap_id} has no required element {action.required_element!r} (has: {', '.join(sorted(keys))})")
        row = audit.create(s, CapActionRow(cap_id=cap_id, **action.model_dump(exclude={"action_id"})), actor=actor)
        return row.id


def complete_action(engine: Engine, action_id: int, done_on: dt.date, evidence: Sequence[str], *, actor: str,
                    expected_version: int | None = None) -> CapAction:
    with session_scope(engine) as s:
        row = s.get(CapActionRow, action_id)
        if row is None:
            raise ConfigError(f"no CAP action {action_id}")
        done = _action(row).model_copy(update={"done_on": done_on, "evidence": (*row.evidence, *evidence)})
        done = CapAction.model_validate(done.model_dump())
        audit.update(s, row, {"done_on": done_on, "evidence": list(done.evidence)}, actor=actor,
                     expected_version=expected_version, reason="action completed")
        return done


def update_action(engine: Engine, action_id: int, changes: CapAction, *, actor: str,
                  expected_version: int | None = None) -> CapAction:
    """Edit an action (description, owner, due date, completion and evidence) as one audited update; the element it
    addresses must be one of its CAP's, and a closed CAP's actions no longer change."""
    with session_scope(engine) as s:
        row = s.get(CapActionRow, action_id)
        if row is None:
            raise ConfigError(f"no CAP action {action_id}")
        cap = _cap(_cap_row(s, row.cap_id))
        if cap.status == "closed":
            raise RuleError(f"CAP {row.cap_id} is closed; its actions no longer change")
        keys = {e.key for e in cap.required_elements}
        if changes.required_element is not None and changes.required_element not in keys:
            raise RuleError(f"CAP {row.cap_id} has no required element {changes.required_element!r} "
                            f"(has: {', '.join(sorted(keys))})")
        edited = CapAction.model_validate({**changes.model_dump(), "action_id": action_id})
        audit.update(s, row, {"required_element": edited.required_element, "description": edited.description,
                              "owner": edited.owner, "due_on": edited.due_on, "done_on": edited.done_on,
                              "evidence": list(edited.evidence)},
                     actor=actor, expected_version=expected_version, reason="action edited")
        return edited


def record_monitoring(engine: Engine, cap_id: int, records: Sequence[dict[str, Any]], *, source: str, actor: str,
                      today: dt.date | None = None, metric_keys: Sequence[str] = METRIC_KEYS) -> RecordResult:
    """Store monitoring periods (findings records of any area) of the CAP's contracts; a changed period is an audited
    update. ``metric_keys`` are the record fields kept with each period (default: the call center's metrics)."""
    added = updated = unchanged = bad = 0
    ignored: set[str] = set()
    with session_scope(engine) as s:
        row = _cap_row(s, cap_id)
        cap = _cap(row)
        existing = {(p.contract_id, p.period_start): p for p in
                    s.scalars(select(CapMonitoringPeriodRow).where(CapMonitoringPeriodRow.cap_id == cap_id))}
        for rec in records:
            contract = str(rec["contract_id"])
            if contract not in cap.contract_ids:
                ignored.add(contract)
                continue
            start = dt.date.fromisoformat(str(rec["period_start"]))
            values = {"compliant": rec["compliant"], "failed_standards": list(rec.get("failed_standards") or []),
                      "metrics": {k: rec.get(k) for k in metric_keys if k in rec}, "source": source[:300]}
            bad += rec["compliant"] is False
            old = existing.get((contract, start))
            if old is None:
                audit.create(s, CapMonitoringPeriodRow(cap_id=cap_id, contract_id=contract, period_start=start, **values),
                             actor=actor, reason=f"monitoring for CAP {cap_id}")
                added += 1
            elif any(getattr(old, k) != v for k, v in values.items() if k != "source"):
                audit.update(s, old, values, actor=actor, reason="monitoring period re-recorded")
                updated += 1
            else:
                unchanged += 1
        s.flush()
        periods = _periods(s, cap_id)
        last = max((p.period_start for p in periods), default=cap.issued_on)
        closure = caprules.closure_decision(cap, periods, today or last)
    return RecordResult(cap_id=cap_id, added=added, updated=updated, unchanged=unchanged,
                        ignored_contracts=tuple(sorted(ignored)), non_compliant_periods=bad, closure=closure)


def record_monitoring_from_calls(engine: Engine, cap_id: int, calls: Path, *, actor: str, engine_name: str | None = None,
                                 tz: str = "America/New_York", settings: CapSettings | None = None,
                                 today: dt.date | None = None, profile: str | None = None) -> RecordResult:
    """The call center's findings by monitoring period (service ``call_log_findings``; ``profile`` reads a platform
    export) -> :func:`record_monitoring`."""
    by = (settings or CapSettings()).monitoring_period
    report = registry.service("call_log_findings")(calls, by=by, engine=engine_name, tz=tz, profile=profile)
    return record_monitoring(engine, cap_id, report.records, source=f"{calls.name} ({report.engine}, by {by})",
                             actor=actor, today=today)


def record_monitoring_from_findings(engine: Engine, cap_id: int, findings: Path, *, actor: str,
                                    today: dt.date | None = None) -> RecordResult:
    """A findings file (any area's verdicts by contract and period, :mod:`partcd.compliance.readers`) ->
    :func:`record_monitoring`."""
    from partcd.compliance.readers import read_findings

    records, metric_columns = read_findings(findings)
    return record_monitoring(engine, cap_id, records, source=f"{findings.name} (findings)", actor=actor, today=today,
                             metric_keys=metric_columns)


# --- the CAP document the plan submits --------------------------------------------------------------------


class ElementSection(BaseModel):
    """One required element of the letter with the actions that address it and the evidence they link."""

    model_config = ConfigDict(frozen=True)

    element: RequiredElement
    actions: tuple[ActionView, ...]
    linked_records: tuple[str, ...] = ()


class RollupRow(BaseModel):
    """One contract of the parent organization: named in this CAP or not, its monitoring run, its other CAPs."""

    model_config = ConfigDict(frozen=True)

    contract_id: str
    in_this_cap: bool
    run: int | None
    needed: int | None
    last_period: dt.date | None
    last_failure: dt.date | None
    periods_without_calls: int
    other_caps: tuple[str, ...]


class CapDocument(BaseModel):
    """Everything the corrective action plan document shows, as of one stated day (CAP letter L7-L40)."""

    model_config = ConfigDict(frozen=True)

    detail: CapDetail
    as_of: dt.date
    contact: str | None
    elements: tuple[ElementSection, ...]
    other_actions: tuple[ActionView, ...]
    failed_periods: tuple[MonitoringPeriod, ...]
    rollup: tuple[RollupRow, ...]


def cap_document(engine: Engine, cap_id: int, as_of: dt.date, *, contact: str | None = None) -> CapDocument:
    """The CAP as the plan submits it: cover data, elements with actions, monitoring and the parent roll-up.

    The business-continuity element (``bcp_72h``, § 422.504(o)(1), letter L38) links the BCP records of the legal
    entity and the parent organization (plan versions, yearly tests and trainings, incidents against 72 hours).
    """
    detail = get_cap(engine, cap_id, as_of)
    cap = detail.cap
    bcp_links = _bcp_links(engine, (cap.legal_entity, cap.parent_organization), as_of)
    sections = tuple(ElementSection(element=e, actions=tuple(a for a in detail.actions if a.action.required_element == e.key),
                                    linked_records=bcp_links if e.key == "bcp_72h" else ())
                     for e in cap.required_elements)
    keys = {e.key for e in cap.required_elements}
    others = tuple(a for a in detail.actions if a.action.required_element not in keys)
    runs = {r.contract_id: r for r in detail.closure.contracts}
    history = compliance_history(engine, parent_organization=cap.parent_organization)
    sibling_caps = [c for c, _ in list_caps(engine, parent_organization=cap.parent_organization) if c.cap_id != cap.cap_id]
    of_parent = {h.contract_id for h in history} | {c for other in sibling_caps for c in other.contract_ids}
    contracts = list(cap.contract_ids) + sorted(of_parent - set(cap.contract_ids))
    rollup = []
    for contract in contracts:
        run = runs.get(contract)
        no_calls = sum(1 for p in detail.monitoring if p.contract_id == contract and p.compliant is None)
        rollup.append(RollupRow(contract_id=contract, in_this_cap=contract in cap.contract_ids,
                                run=run.run if run else None, needed=run.needed if run else None,
                                last_period=run.last_period if run else None, last_failure=run.last_failure if run else None,
                                periods_without_calls=no_calls,
                                other_caps=tuple(f"CAP {o.cap_id} ({o.status}, issued {o.issued_on.isoformat()})"
                                                 for o in sibling_caps if contract in o.contract_ids)))
    return CapDocument(detail=detail, as_of=as_of, contact=contact, elements=sections, other_actions=others,
                       failed_periods=tuple(p for p in detail.monitoring if p.compliant is False), rollup=tuple(rollup))


def _bcp_links(engine: Engine, organizations_named: Sequence[str], as_of: dt.date) -> tuple[str, ...]:
    """The BCP records of the named organizations on ``as_of`` (end of day, UTC), one line each."""
    known = set(organizations(engine))
    now = dt.datetime.combine(as_of, dt.time(23, 59, 59), dt.UTC)
    lines: list[str] = []
    for org in dict.fromkeys(organizations_named):
        if org not in known:
            continue
        status = bcp_status(engine, org, now)
        if status.plan is not None:
            lines.append(f"{org}: business continuity plan {status.plan.version_label} approved "
                         f"{status.plan.approved_on.isoformat()}")
        for a in status.annual:
            lines.append(f"{org}: yearly {a.kind} last {a.last_on.isoformat() if a.last_on else 'never'}, "
                         f"next due {a.next_due}{' (overdue)' if a.overdue else ''}")
        for e in status.evidence:
            records = f" (records: {', '.join(e.records)})" if e.records else ""
            lines.append(f"{org}: {e.kind} {e.performed_on.isoformat()}: {e.description}{records}")
        for i in status.incidents:
            lines.append(f"{org}: incident {i.incident_id}: {i.verdict.explain()}")
    return tuple(lines)


# --- compliance history and past performance -----------------------------------------------------------------


def add_compliance_action(engine: Engine, action: ComplianceAction, *, actor: str) -> int:
    with session_scope(engine) as s:
        return audit.create(s, ComplianceActionRow(**action.model_dump()), actor=actor).id


def compliance_history(engine: Engine, *, parent_organization: str | None = None,
                       contract_id: str | None = None) -> list[ComplianceAction]:
    with session_scope(engine, read_only=True) as s:
        stmt = select(ComplianceActionRow).order_by(ComplianceActionRow.issued_on, ComplianceActionRow.id)
        if parent_organization:
            stmt = stmt.where(ComplianceActionRow.parent_organization == parent_organization)
        if contract_id:
            stmt = stmt.where(ComplianceActionRow.contract_id == contract_id)
        return [_compliance(r) for r in s.scalars(stmt)]


def past_performance_review(engine: Engine, application_deadline: dt.date, *, parent_organization: str | None = None,
                            contract_id: str | None = None) -> PastPerformanceReview:
    history = compliance_history(engine, parent_organization=parent_organization, contract_id=contract_id)
    return caprules.past_performance(history, application_deadline, cap_params(application_deadline))


# --- business continuity -------------------------------------------------------------------------------------


def create_plan(engine: Engine, plan: PlanVersion, *, actor: str, extra_functions: Sequence[EssentialFunction] = ()) -> int:
    """A plan version with the regulatory minimum functions seeded (plus the plan's own) - one transaction."""
    functions = plan.functions or bcprules.seed_functions(plan.parts, extra_functions)
    with session_scope(engine) as s:
        row = audit.create(s, BcpPlanVersionRow(**plan.model_dump(exclude={"functions"}), created_by=actor), actor=actor)
        for f in functions:
            audit.create(s, BcpFunctionRow(plan_version_id=row.id, **f.model_dump()), actor=actor)
        return row.id


def add_evidence(engine: Engine, organization: str, evidence: Evidence, *, actor: str) -> int:
    with session_scope(engine) as s:
        plans = _plans(s, organization)
        in_force = [p for p in plans if p[1].approved_on <= evidence.performed_on]
        plan_id = in_force[-1][0] if in_force else None
        return audit.create(s, BcpEvidenceRow(organization=organization, plan_version_id=plan_id, created_by=actor,
                                              **evidence.model_dump()), actor=actor).id


def open_incident(engine: Engine, organization: str, incident: Incident, *, actor: str) -> int:
    with session_scope(engine) as s:
        known = {f.key for f in bcprules.REGULATORY_MINIMUM} | {f.key for _, p in _plans(s, organization) for f in p.functions}
        if incident.function_key not in known:
            raise RuleError(f"unknown essential function {incident.function_key!r}; known: {', '.join(sorted(known))}")
        values = incident.model_dump(exclude={"incident_id"})
        for k in ("failure_start", "detected_at", "restored_at"):
            values[k] = _to_utc(values[k])
        return audit.create(s, BcpIncidentRow(organization=organization, created_by=actor, **values), actor=actor).id


def restore_incident(engine: Engine, incident_id: int, restored_at: dt.datetime, *, actor: str,
                     expected_version: int | None = None) -> Incident:
    with session_scope(engine) as s:
        row = s.get(BcpIncidentRow, incident_id)
        if row is None:
            raise ConfigError(f"no BCP incident {incident_id}")
        if row.restored_at is not None:
            raise RuleError(f"incident {incident_id} was already restored at {_from_db(row.restored_at).isoformat()}")
        restored = Incident.model_validate({**_incident(row).model_dump(), "restored_at": restored_at})
        audit.update(s, row, {"restored_at": _to_utc(restored_at)}, actor=actor, expected_version=expected_version,
                     reason="essential function restored")
        return restored


def bcp_status(engine: Engine, organization: str, now: dt.datetime, *, settings: ContinuitySettings | None = None,
               params: ParamSet | None = None) -> ContinuityStatus:
    """The CMS-on-request view of one organization, with the 72-hour limit of the parameters in force on ``now``."""
    with session_scope(engine, read_only=True) as s:
        plans = [p for _, p in _plans(s, organization)]
        evidence = [Evidence(kind=r.kind, performed_on=r.performed_on, description=r.description,
                             records=tuple(r.records))
                    for r in s.scalars(select(BcpEvidenceRow).where(BcpEvidenceRow.organization == organization))]
        incidents = [_incident(r) for r in s.scalars(select(BcpIncidentRow).where(BcpIncidentRow.organization == organization))]
    return bcprules.continuity_status(organization, plans, evidence, incidents,
                                      params or load_params("compliance", now.date()), now, settings)


def organizations(engine: Engine) -> list[str]:
    with session_scope(engine, read_only=True) as s:
        names = set(s.scalars(select(BcpPlanVersionRow.organization))) | set(s.scalars(select(BcpIncidentRow.organization)))
        return sorted(names)


def bcp_report_data(status: ContinuityStatus) -> dict[str, Any]:
    """JSON for CMS on request ((o)(1)(v)/(p)(1)(v)): plan, functions, yearly evidence, incidents vs 72 h, problems."""
    data: dict[str, Any] = status.model_dump(mode="json")
    data["compliant"] = status.compliant
    data["problems"] = status.problems()
    return data


def write_bcp_report(status: ContinuityStatus, out: Path) -> list[Path]:
    """``bcp_report.json`` and ``bcp_report.html`` in ``out``."""
    import json

    from partcd.platform import report

    out.mkdir(parents=True, exist_ok=True)
    data = bcp_report_data(status)
    json_path = out / "bcp_report.json"
    json_path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    html_path = report.render("compliance/bcp.html.j2", out / "bcp_report.html", status=status, problems=status.problems())
    return [json_path, html_path]


# --- conversions ---------------------------------------------------------------------------------------------


def _cap_row(s: Session, cap_id: int) -> CapRow:
    row = s.get(CapRow, cap_id)
    if row is None:
        raise ConfigError(f"no CAP {cap_id}")
    return row


def _cap_columns(cap: Cap) -> dict[str, Any]:
    data = cap.model_dump(mode="python", exclude={"cap_id"})
    data["contract_ids"] = list(cap.contract_ids)
    data["authorities"] = list(cap.authorities)
    data["root_causes"] = list(cap.root_causes)
    data["required_elements"] = [e.model_dump() for e in cap.required_elements]
    data["history"] = _history(cap)
    return data


def _history(cap: Cap) -> list[dict[str, Any]]:
    return [h.model_dump(mode="json") for h in cap.history]


def _cap(row: CapRow) -> Cap:
    return Cap(cap_id=row.id, contract_ids=tuple(row.contract_ids), parent_organization=row.parent_organization,
               legal_entity=row.legal_entity, issued_on=row.issued_on, deficiency=row.deficiency,
               authorities=tuple(row.authorities), detection_source=row.detection_source,
               cms_contacted_on=row.cms_contacted_on, self_disclosed=row.self_disclosed,
               program=row.program,
               root_causes=tuple(row.root_causes),
               required_elements=tuple(RequiredElement.model_validate(e) for e in row.required_elements),
               submission_due=row.submission_due, implementation_due=row.implementation_due,
               status=row.status,
               history=tuple(StatusChange.model_validate(h) for h in row.history), closed_on=row.closed_on,
               closure_compliant_periods=row.closure_compliant_periods)


def _action(row: CapActionRow) -> CapAction:
    return CapAction(action_id=row.id, required_element=row.required_element, description=row.description, owner=row.owner,
                     due_on=row.due_on, done_on=row.done_on, evidence=tuple(row.evidence))


def _periods(s: Session, cap_id: int) -> list[MonitoringPeriod]:
    rows = s.scalars(select(CapMonitoringPeriodRow).where(CapMonitoringPeriodRow.cap_id == cap_id)
                     .order_by(CapMonitoringPeriodRow.contract_id, CapMonitoringPeriodRow.period_start))
    return [MonitoringPeriod(contract_id=r.contract_id, period_start=r.period_start, compliant=r.compliant,
                             failed_standards=tuple(r.failed_standards)) for r in rows]


def _compliance(row: ComplianceActionRow) -> ComplianceAction:
    return ComplianceAction(kind=row.kind, issued_on=row.issued_on, contract_id=row.contract_id,
                            parent_organization=row.parent_organization, program=row.program,
                            cap_id=row.cap_id, self_disclosed=row.self_disclosed, summary=row.summary,
                            closed_on=row.closed_on)


def _plans(s: Session, organization: str) -> list[tuple[int, PlanVersion]]:
    out = []
    for row in s.scalars(select(BcpPlanVersionRow).where(BcpPlanVersionRow.organization == organization)
                         .order_by(BcpPlanVersionRow.approved_on, BcpPlanVersionRow.id)):
        funcs = s.scalars(select(BcpFunctionRow).where(BcpFunctionRow.plan_version_id == row.id)
                          .order_by(BcpFunctionRow.part, BcpFunctionRow.priority_rank, BcpFunctionRow.id))
        out.append((row.id, PlanVersion(
            organization=row.organization, version_label=row.version_label, approved_on=row.approved_on,
            parts=tuple(row.parts), activation_events=tuple(row.activation_events),
            chain_of_command=tuple(row.chain_of_command), comms_plan=dict(row.comms_plan),
            alternate_sites=tuple(row.alternate_sites), restoration_plan=row.restoration_plan,
            functions=tuple(EssentialFunction(key=f.key, name=f.name, part=f.part,
                                              regulatory_minimum=f.regulatory_minimum, cite=f.cite,
                                              priority_rank=f.priority_rank, rto_hours=f.rto_hours,
                                              dependencies=tuple(f.dependencies)) for f in funcs))))
    return out


def _incident(row: BcpIncidentRow) -> Incident:
    return Incident(incident_id=row.id, function_key=row.function_key, failure_start=_from_db(row.failure_start),
                    detected_at=_from_db(row.detected_at),
                    restored_at=_from_db(row.restored_at) if row.restored_at is not None else None,
                    cause=row.cause, activated_bcp=row.activated_bcp)


def _to_utc(t: dt.datetime | None) -> dt.datetime | None:
    return None if t is None else t.astimezone(dt.UTC)


def _from_db(t: dt.datetime) -> dt.datetime:
    """SQLite returns naive UTC, PostgreSQL an aware value: both become aware UTC."""
    return t.replace(tzinfo=dt.UTC) if t.utcoffset() is None else t.astimezone(dt.UTC)
