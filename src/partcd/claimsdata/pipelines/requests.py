"""§ 423.153(g) - the claims-data service: requests and their life, CMS's release calendar, extracts built for a
request, and every access to the data audited (4185-P L599, L609, L3105-L3139).

Every function runs one unit of work (:func:`partcd.platform.store.db.session_scope`): a request's change is an
audited update (:mod:`partcd.platform.store.audit`, optimistic lock on ``version``); every access to data - building an
extract, reading one - is first checked (the request in force, the release one the sponsor receives, the purpose
permitted, the recipient bound) and then written to the append-only ``claims_data_access`` log and to ``audit_event``,
whether it was permitted or refused. A refusal is recorded in its own transaction before the ``RuleError`` (with the
citation) reaches the caller, so a refused access is never lost. Nothing here logs an enrollee identifier.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from partcd.claimsdata.pipelines.extract import build_extract
from partcd.claimsdata.rules.parameters import ClaimsDataParams, Reading
from partcd.claimsdata.rules.releases import Finding, Release, check_access, check_calendar, releases_received
from partcd.claimsdata.rules.requests import Event, RequestInput, RequestState, apply_event, eligible, open_request
from partcd.claimsdata.rules.uses import UseDecision, UseRequest, decide_use
from partcd.claimsdata.store import ClaimsDataAccess, ClaimsDataExtract, ClaimsDataRelease, ClaimsDataRequest
from partcd.core.errors import InputError, RuleError
from partcd.platform.params import area_files, load_params
from partcd.platform.store import audit
from partcd.platform.store.db import session_scope


def params_on(day: dt.date) -> ClaimsDataParams:
    """The parameters in force on ``day`` (nothing before the first file: a ``ParameterError``)."""
    return load_params("claimsdata", day).typed(ClaimsDataParams)


def params_for_request(day: dt.date) -> ClaimsDataParams:
    """The parameters that judge a request submitted on ``day``: those in force, or for a day before the first file
    the first file's (whose first acceptance day then refuses it with its citation)."""
    first = min(pf.period_value for pf in area_files("claimsdata").values())
    start = first if isinstance(first, dt.date) else dt.date(first, 1, 1)
    return params_on(max(day, start))


def _model(model: type[BaseModel], data: Any, what: str) -> Any:
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError.from_validation(what, None, exc) from None


@dataclass(frozen=True)
class RequestView:
    """A stored request: its id, version and state, and whether the sponsor is eligible on ``on``."""

    id: int
    version: int
    state: RequestState
    on: dt.date

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "version": self.version, "eligible": eligible(self.state, self.on),
                "as_of": self.on.isoformat(),
                **self.state.model_dump(mode="json")}


def _view(row: ClaimsDataRequest, on: dt.date) -> RequestView:
    return RequestView(id=row.id, version=row.version, state=RequestState.model_validate(row.data), on=on)


def _columns(state: RequestState) -> dict[str, Any]:
    return {"status": state.status, "attested_on": state.attested_on, "approved_on": state.approved_on,
            "ended_on": state.ended_on, "end_reason": state.end_reason, "data": state.model_dump(mode="json")}


def create_request(engine: Engine, body: Mapping[str, Any] | RequestInput, *, actor: str) -> RequestView:
    """Accept a request (``RuleError`` with the paragraph when the sponsor may not ask) and store it, audited."""
    request: RequestInput = _model(RequestInput, body, "request")
    state = open_request(request, params_for_request(request.submitted_on))
    with session_scope(engine) as s:
        row = ClaimsDataRequest(sponsor_id=state.sponsor.sponsor_id, sponsor_name=state.sponsor.name,
                                sponsor_type=state.sponsor.sponsor_type, contract_ids=list(state.sponsor.contract_ids),
                                submitted_on=state.submitted_on, created_by=actor, **_columns(state))
        audit.create(s, row, actor=actor, reason="request for Parts A and B claims data (42 CFR 423.153(g)(1))")
        return _view(row, request.submitted_on)


def _row(s: Session, request_id: int) -> ClaimsDataRequest:
    row = s.get(ClaimsDataRequest, request_id)
    if row is None:
        raise InputError("request", None, "id", f"no claims-data request {request_id}")
    return row


def record_event(engine: Engine, request_id: int, body: Mapping[str, Any] | Event, *, actor: str,
                 expected_version: int | None = None) -> RequestView:
    """Apply an event (attest, approve, return_incomplete, resubmit, withdraw, leave_part_d, deny_further_access)."""
    event: Event = _model(Event, body, "event")
    with session_scope(engine) as s:
        row = _row(s, request_id)
        state = apply_event(RequestState.model_validate(row.data), event, params_on(event.event_date))
        audit.update(s, row, _columns(state), actor=actor, expected_version=expected_version,
                     reason=f"{event.kind} ({state.history[-1].citation})")
        return _view(row, event.event_date)


def get_request(engine: Engine, request_id: int, *, on: dt.date) -> RequestView:
    with session_scope(engine) as s:
        return _view(_row(s, request_id), on)


def list_requests(engine: Engine, *, on: dt.date, status: str | None = None, limit: int = 500) -> list[RequestView]:
    with session_scope(engine) as s:
        stmt = select(ClaimsDataRequest).order_by(ClaimsDataRequest.id).limit(limit)
        if status:
            stmt = stmt.where(ClaimsDataRequest.status == status)
        return [_view(r, on) for r in s.scalars(stmt)]


def set_release(engine: Engine, body: Mapping[str, Any] | Release, *, actor: str) -> Release:
    """Record one CMS release (date and period); re-recording a date is an audited update."""
    release: Release = _model(Release, body, "release")
    with session_scope(engine) as s:
        row = s.scalar(select(ClaimsDataRelease).where(ClaimsDataRelease.release_date == release.release_date))
        if row is None:
            audit.create(s, ClaimsDataRelease(release_date=release.release_date, period_start=release.period_start,
                                              period_end=release.period_end, created_by=actor), actor=actor,
                         reason="CMS release date (42 CFR 423.153(g)(1)(ii))")
        else:
            audit.update(s, row, {"period_start": release.period_start, "period_end": release.period_end}, actor=actor)
    return release


def list_releases(engine: Engine) -> list[Release]:
    with session_scope(engine) as s:
        rows = s.scalars(select(ClaimsDataRelease).order_by(ClaimsDataRelease.release_date))
        return [Release(release_date=r.release_date, period_start=r.period_start, period_end=r.period_end) for r in rows]


def calendar_findings(engine: Engine) -> list[Finding]:
    releases = list_releases(engine)
    return check_calendar(releases, params_on(releases[0].release_date)) if releases else []


def received(engine: Engine, request_id: int, *, on: dt.date) -> list[Release]:
    """The releases up to ``on`` the request's sponsor receives (no retroactive extract)."""
    view = get_request(engine, request_id, on=on)
    return releases_received(view.state, list_releases(engine), params_on(on), on)


def _log(s: Session, *, request_id: int | None, extract_id: int | None, actor: str, role: str, action: str,
         use: UseRequest, decision: str, paragraph: str, reason: str, citation: str,
         details: dict[str, Any]) -> ClaimsDataAccess:
    entry = ClaimsDataAccess(request_id=request_id, extract_id=extract_id, actor=actor, role=role, action=action,
                             purpose=use.purpose, recipient=use.recipient, bound_by=use.bound_by, decision=decision,
                             paragraph=paragraph, reason=reason, citation=citation, details=details)
    s.add(entry)
    s.flush()
    audit.record(s, actor=actor, action=f"data_{action}" if decision == "permitted" else f"data_{action}_refused",
                 entity_type="claims_data_request", entity_id=str(request_id),
                 after={"access_id": entry.id, "purpose": use.purpose, "recipient": use.recipient,
                        "decision": decision, "paragraph": paragraph, "extract_id": extract_id, **details},
                 reason=f"{reason} ({citation})")
    return entry


def _refuse(engine: Engine, exc: RuleError, *, request_id: int | None, extract_id: int | None, actor: str,
            role: str, action: str, use: UseRequest, paragraph: str, details: dict[str, Any]) -> RuleError:
    with session_scope(engine) as s:
        _log(s, request_id=request_id, extract_id=extract_id, actor=actor, role=role, action=action, use=use,
             decision="refused", paragraph=paragraph, reason=exc.reason, citation=exc.citation, details=details)
    return exc


def authorize(engine: Engine, request_id: int, use_body: Mapping[str, Any] | UseRequest, *, release_date: dt.date,
              on: dt.date, actor: str, role: str, action: str, extract_id: int | None = None,
              reading: Reading | None = None) -> tuple[RequestView, Release, UseDecision]:
    """Check one access before any data moves: the request in force on ``on`` and receiving ``release_date``, the
    purpose permitted and the recipient bound. A refusal is logged (append-only, audited) and raised as a
    ``RuleError`` with its citation."""
    use: UseRequest = _model(UseRequest, use_body, "use")
    params = params_on(on)
    details = {"release_date": release_date.isoformat()}
    view = get_request(engine, request_id, on=on)
    decision = decide_use(use, params, reading)
    if not decision.permitted:
        raise _refuse(engine, RuleError(decision.reason, decision.cite), request_id=request_id, extract_id=extract_id,
                      actor=actor, role=role, action=action, use=use, paragraph=decision.paragraph, details=details)
    release = next((r for r in list_releases(engine) if r.release_date == release_date), None)
    if release is None:
        raise InputError("release", None, "release_date", f"no CMS release on {release_date.isoformat()}")
    try:
        check_access(view.state, release, list_releases(engine), params, on)
    except RuleError as exc:
        raise _refuse(engine, exc, request_id=request_id, extract_id=extract_id, actor=actor, role=role,
                      action=action, use=use, paragraph="423.153(g)(1)", details=details) from None
    return view, release, decision


def create_extract(engine: Engine, request_id: int, *, enrollment: Path, claims: Path, release_date: dt.date,
                   use: Mapping[str, Any] | UseRequest, on: dt.date, actor: str, role: str, folder: Path,
                   file_format: str = "parquet", tabular_engine: str | None = None) -> dict[str, Any]:
    """Build the extract of ``release_date`` for the request (after :func:`authorize`), store where it is, log the
    access with its counts. Returns the extract record (counts, columns, checksum; no identifiers)."""
    if file_format not in ("parquet", "csv"):
        raise InputError("extract", None, "format", "parquet or csv")
    view, release, decision = authorize(engine, request_id, use, release_date=release_date, on=on, actor=actor,
                                        role=role, action="build")
    out = folder / f"request-{request_id}" / f"release-{release.release_date.isoformat()}.{file_format}"
    summary = build_extract(enrollment, claims, contract_ids=list(view.state.sponsor.contract_ids), release=release,
                            params=params_on(on), out=out, engine=tabular_engine)
    counts = {k: v for k, v in summary.to_dict().items() if k not in ("output", "contract_ids")}
    used: UseRequest = _model(UseRequest, use, "use")
    with session_scope(engine) as s:
        row = ClaimsDataExtract(request_id=request_id, release_date=release.release_date, path=str(out),
                                claims=summary.claims_out, enrollees=summary.enrollees_with_claims,
                                columns=summary.columns, dropped_columns=summary.dropped_columns,
                                sha256=summary.sha256 or "", created_by=actor)
        audit.create(s, row, actor=actor, reason=f"extract built for {decision.paragraph}")
        _log(s, request_id=request_id, extract_id=row.id, actor=actor, role=role, action="build", use=used,
             decision="permitted", paragraph=decision.paragraph, reason=decision.reason, citation=decision.citation,
             details=counts)
        return {"extract_id": row.id, "request_id": request_id, **counts, "purpose": used.purpose,
                "paragraph": decision.paragraph, "citation": decision.citation}


def open_extract(engine: Engine, extract_id: int, use: Mapping[str, Any] | UseRequest, *, on: dt.date, actor: str,
                 role: str) -> Path:
    """The file of a stored extract, for one permitted access (checked and logged like a build)."""
    with session_scope(engine) as s:
        row = s.get(ClaimsDataExtract, extract_id)
        if row is None:
            raise InputError("extract", None, "id", f"no extract {extract_id}")
        request_id, release_date, path, digest = row.request_id, row.release_date, Path(row.path), row.sha256
    _, _, decision = authorize(engine, request_id, use, release_date=release_date, on=on, actor=actor, role=role,
                               action="read", extract_id=extract_id)
    used: UseRequest = _model(UseRequest, use, "use")
    with session_scope(engine) as s:
        _log(s, request_id=request_id, extract_id=extract_id, actor=actor, role=role, action="read", use=used,
             decision="permitted", paragraph=decision.paragraph, reason=decision.reason, citation=decision.citation,
             details={"release_date": release_date.isoformat(), "sha256": digest})
    if not path.is_file():
        raise InputError("extract", None, "file", f"the file of extract {extract_id} is no longer on disk")
    return path


def access_log(engine: Engine, *, request_id: int | None = None, limit: int = 500) -> list[dict[str, Any]]:
    """The newest accesses (permitted and refused), newest first."""
    with session_scope(engine) as s:
        stmt = select(ClaimsDataAccess).order_by(ClaimsDataAccess.id.desc()).limit(limit)
        if request_id is not None:
            stmt = stmt.where(ClaimsDataAccess.request_id == request_id)
        return [{"id": a.id, "occurred_at": a.occurred_at.isoformat() if a.occurred_at else None,
                 "request_id": a.request_id, "extract_id": a.extract_id, "actor": a.actor, "role": a.role,
                 "action": a.action, "purpose": a.purpose, "recipient": a.recipient, "bound_by": a.bound_by,
                 "decision": a.decision, "paragraph": a.paragraph, "reason": a.reason, "citation": a.citation,
                 "details": a.details} for a in s.scalars(stmt)]


def list_extracts(engine: Engine, *, request_id: int | None = None, limit: int = 500) -> list[dict[str, Any]]:
    """The extracts built (counts, columns and checksum; never their content), newest first."""
    with session_scope(engine) as s:
        stmt = select(ClaimsDataExtract).order_by(ClaimsDataExtract.id.desc()).limit(limit)
        if request_id is not None:
            stmt = stmt.where(ClaimsDataExtract.request_id == request_id)
        rows = list(s.scalars(stmt))
        builds = {a.extract_id: a.details for a in s.scalars(
            select(ClaimsDataAccess).where(ClaimsDataAccess.extract_id.in_([x.id for x in rows]),
                                           ClaimsDataAccess.action == "build", ClaimsDataAccess.decision == "permitted"))}
        return [{**builds.get(x.id, {}), "extract_id": x.id, "request_id": x.request_id,
                 "release_date": x.release_date.isoformat(), "claims_out": x.claims,
                 "enrollees_with_claims": x.enrollees, "columns": x.columns, "dropped_columns": x.dropped_columns,
                 "sha256": x.sha256} for x in rows]


def purposes(on: dt.date) -> dict[str, Any]:
    """The permitted and forbidden purposes in force on ``on``, with paragraphs and citations."""
    p = params_on(on)
    return {"permitted": [{"id": x.id, "paragraph": x.paragraph, "title": x.title, "citation": x.citation}
                          for x in p.permitted_purposes_table.value],
            "forbidden": [{"id": x.id, "paragraph": x.paragraph, "title": x.title, "citation": x.citation}
                          for x in p.forbidden_purposes_table.value],
            "recipients": {"contractor": list(p.contractors_bound_by_list.value),
                           "downstream": list(p.downstream_bound_by(p.reading_text).value)}}
