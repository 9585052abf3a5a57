"""Dashboard pages of CAP tracking (CAP letter L28-L40; § 422.510(c), § 422.502(b)(1)) and business continuity
(§ 422.504(o), § 423.505(p)): the CAP list, a form that records a new CAP from the CMS letter, one CAP with its
actions, monitoring runs and closure decision as of a stated day, forms that add and edit actions (owner, due date,
status, evidence) and the download of the CAP document the plan submits (PDF, Word or HTML; ``partcd cap document``),
and the BCP status of each organization. Every change goes through the audited service the API uses
(``partcd.compliance.pipelines``) with the signed-in user as actor; every form carries the session's CSRF token.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import Engine

from partcd.compliance import pipelines as svc
from partcd.compliance.api import DOCUMENT_MEDIA, CapActionIn, CapIn
from partcd.compliance.report import write_cap_document
from partcd.compliance.rules.cap import CAP_STATUSES, Cap
from partcd.core.errors import ConfigError, PartcdError
from partcd.platform.api.deps import DATE_MAX, DATE_MIN, MAX_VERSION, RecordId, get_engine
from partcd.platform.auth import Principal
from partcd.platform.web.shell import CsrfForm, current, render

router = APIRouter(include_in_schema=False)

Db = Annotated[Engine, Depends(get_engine)]
EDITORS = frozenset({"analyst", "coordinator"})
DETECTION_SOURCES = ("beneficiary_complaints", "monitoring_study", "audit", "self_disclosure", "daily_reports", "other")
PROGRAMS = ("C&D", "C", "D")
#: Labels of the CAP and action fields, used in the plain-words errors.
LABELS = {"contract_ids": "affected contracts", "parent_organization": "parent organization",
          "legal_entity": "legal entity", "issued_on": "date the letter was issued", "deficiency": "deficiency",
          "detection_source": "how CMS found it", "cms_contacted_on": "date CMS contacted the plan",
          "root_causes": "root causes", "submission_due": "submission due date",
          "implementation_due": "implementation due date", "description": "action", "owner": "owner",
          "due_on": "due date", "done_on": "date done", "evidence": "evidence", "required_element": "required element"}
TEXT_MAX = 5_000
#: The CAP document formats, the one CMS usually takes first.
DOCUMENT_FORMATS = ("pdf", "docx", "html")


def _user(request: Request, engine: Engine) -> tuple[Principal | None, Response | None]:
    who = current(request, engine)
    if who is None:
        return None, RedirectResponse("/login", status_code=303)
    return who, None


def _editor(request: Request, engine: Engine) -> tuple[Principal | None, Response | None]:
    who, stop = _user(request, engine)
    if stop is not None or who is None:
        return who, stop
    if not who.allowed(EDITORS):
        page = render(request, "compliance/forbidden.html", who)
        page.status_code = 403
        return who, page
    return who, None


def _date(value: str | None) -> dt.date | None:
    try:
        day = dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None
    return day if day is None or DATE_MIN <= day <= DATE_MAX else None


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _plain(name: str, error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    label = LABELS.get(name, name.replace("_", " "))
    if kind == "missing" or kind == "too_short" or (kind == "string_too_short" and error.get("ctx", {}).get("min_length") == 1):
        return f"Enter the {label}."
    if kind.startswith("date") or name.endswith("_on") or name.endswith("_due"):
        return f"Enter the {label} as a date: year-month-day."
    if kind in ("string_too_long", "too_long"):
        return f"The {label} is too long."
    if kind == "value_error":
        return str(error.get("msg", "")).removeprefix("Value error, ").capitalize() + "."
    return f"Check the {label}: {error.get('msg', 'not accepted')}."


def _errors(exc: ValidationError) -> dict[str, str]:
    out: dict[str, str] = {}
    for err in exc.errors():
        name = str(err["loc"][0]) if err["loc"] else "form"
        out.setdefault(name, _plain(name, dict(err)))
    return out


def _version(raw: object) -> int | None:
    text = str(raw or "")[:12]
    return int(text) if text.isdigit() and 1 <= int(text) <= MAX_VERSION else None


# --- CAP list and new CAP ------------------------------------------------------------------------------------


@router.get("/callcenter/caps", response_class=HTMLResponse, response_model=None)
def caps(request: Request, engine: Db, status: Annotated[str | None, Query(max_length=30)] = None,
         contract_id: Annotated[str | None, Query(max_length=10)] = None) -> Response:
    who, stop = _user(request, engine)
    if stop is not None or who is None:
        return stop or RedirectResponse("/login", status_code=303)
    rows = [c for c, _ in svc.list_caps(engine, status=status or None, contract_id=contract_id or None)]
    return render(request, "compliance/caps.html", who, caps=rows, status=status or "", contract_id=contract_id or "",
                  statuses=CAP_STATUSES, can_edit=who.allowed(EDITORS))


def _cap_form(request: Request, who: Principal, values: dict[str, str], errors: dict[str, str],
              error: str | None) -> HTMLResponse:
    return render(request, "compliance/cap_new.html", who, values=values, errors=errors, error=error,
                  sources=DETECTION_SOURCES, programs=PROGRAMS)


@router.get("/callcenter/caps/new", response_class=HTMLResponse, response_model=None)
def cap_new(request: Request, engine: Db) -> Response:
    """A form with the CMS letter's fields (the letter's authorities and required elements are the defaults)."""
    who, stop = _editor(request, engine)
    if stop is not None or who is None:
        return stop or RedirectResponse("/login", status_code=303)
    values = {"deficiency": "Failure to Provide Compliant Call Center Services", "detection_source": "beneficiary_complaints",
              "program": "C&D", "issued_on": dt.date.today().isoformat()}
    return _cap_form(request, who, values, {}, None)


_CAP_FIELDS = ("contract_ids", "parent_organization", "legal_entity", "issued_on", "deficiency", "detection_source",
               "cms_contacted_on", "self_disclosed", "program", "root_causes", "submission_due", "implementation_due")


@router.post("/callcenter/caps/new", response_model=None)
async def cap_create(request: Request, engine: Db, _: CsrfForm) -> Response:
    who, stop = _editor(request, engine)
    if stop is not None or who is None:
        return stop or RedirectResponse("/login", status_code=303)
    form = await request.form()
    values = {k: str(form.get(k, ""))[:TEXT_MAX] for k in _CAP_FIELDS}
    data: dict[str, Any] = {k: v.strip() for k, v in values.items() if v.strip() and k not in ("contract_ids",
                                                                                               "root_causes", "self_disclosed")}
    data["contract_ids"] = [c.upper() for c in re.split(r"[\s,;]+", values["contract_ids"]) if c]
    data["root_causes"] = _lines(values["root_causes"])
    data["self_disclosed"] = values["self_disclosed"] == "on"
    errors: dict[str, str] = {}
    error = None
    try:
        body = CapIn.model_validate(data)
    except ValidationError as exc:
        errors = _errors(exc)
    else:
        try:
            cap_id = svc.create_cap(engine, Cap.model_validate({**body.model_dump(exclude={"closure_compliant_periods"}),
                                                                "contract_ids": tuple(body.contract_ids)}),
                                    actor=who.name)
        except ValidationError as exc:
            errors = _errors(exc)
        except PartcdError as exc:
            error = exc.message()
        else:
            return RedirectResponse(f"/callcenter/caps/{cap_id}?as_of={body.issued_on.isoformat()}", status_code=303)
    page = _cap_form(request, who, values, errors, error)
    page.status_code = 422
    return page


# --- one CAP: actions and the document -----------------------------------------------------------------------


@router.get("/callcenter/caps/{cap_id}", response_class=HTMLResponse, response_model=None)
def cap_detail(request: Request, cap_id: RecordId, engine: Db,
               as_of: Annotated[str | None, Query(max_length=10)] = None,
               today: Annotated[str | None, Query(max_length=10)] = None,
               error: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    """The CAP as of a stated day (``as_of``; default today): action status, overdue actions and the closure run."""
    who, stop = _user(request, engine)
    if stop is not None or who is None:
        return stop or RedirectResponse("/login", status_code=303)
    day = _date(as_of) or _date(today) or dt.date.today()
    try:
        detail = svc.get_cap(engine, cap_id, day)
    except ConfigError:
        return render(request, "compliance/missing.html", who, what=f"CAP {cap_id}")
    contracts = sorted(detail.cap.contract_ids)
    return render(request, "compliance/cap.html", who, d=detail, contracts=contracts, as_of=day.isoformat(),
                  can_edit=who.allowed(EDITORS) and detail.cap.status != "closed", values={"as_of": day.isoformat()},
                  errors={}, error=error, formats=DOCUMENT_FORMATS)


def _action_data(form: Any) -> tuple[dict[str, str], dict[str, Any]]:
    keys = ("required_element", "description", "owner", "due_on", "status", "done_on", "evidence")
    values = {k: str(form.get(k, ""))[:TEXT_MAX] for k in keys}
    data: dict[str, Any] = {k: values[k].strip() for k in ("required_element", "description", "owner", "due_on")
                            if values[k].strip()}
    data.setdefault("description", "")
    data.setdefault("owner", "")
    data["evidence"] = tuple(_lines(values["evidence"]))
    if values["status"] == "done":
        data["done_on"] = values["done_on"].strip() or None
    return values, data


def _action_errors(values: dict[str, str], data: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if values["status"] == "done":
        if not values["done_on"].strip():
            errors["done_on"] = "Enter the date the action was done."
        if not data["evidence"]:
            errors["evidence"] = "A done action needs its evidence: list at least one document or record, one a line."
    try:
        CapActionIn.model_validate(data)
    except ValidationError as exc:
        errors = _errors(exc) | errors
    return errors


def _save_action(form: Any, cap_id: int, day: dt.date, save: Callable[[CapActionIn], object]
                 ) -> tuple[dict[str, str], dict[str, str], str | None, Response | None]:
    """Read the action form and save it with ``save``: (the form's values, the field errors, the service's refusal, the
    redirect to the CAP's actions once saved)."""
    values, data = _action_data(form)
    errors = _action_errors(values, data)
    if errors:
        return values, errors, None, None
    try:
        save(CapActionIn.model_validate(data))
    except PartcdError as exc:
        return values, errors, exc.message(), None
    return values, errors, None, RedirectResponse(f"/callcenter/caps/{cap_id}?as_of={day.isoformat()}#actions",
                                                  status_code=303)


def _cap_action(request: Request, who: Principal, engine: Engine, cap_id: int, action_id: int,
                day: dt.date) -> tuple[svc.CapDetail, svc.ActionView] | Response:
    """The CAP as of ``day`` and its action ``action_id``, or the page that says which one is missing."""
    try:
        detail = svc.get_cap(engine, cap_id, day)
    except ConfigError:
        return render(request, "compliance/missing.html", who, what=f"CAP {cap_id}")
    view = next((a for a in detail.actions if a.action_id == action_id), None)
    if view is None:
        return render(request, "compliance/missing.html", who, what=f"action {action_id} of CAP {cap_id}")
    return detail, view


@router.post("/callcenter/caps/{cap_id}/actions", response_model=None)
async def action_add(request: Request, cap_id: RecordId, engine: Db, _: CsrfForm) -> Response:
    who, stop = _editor(request, engine)
    if stop is not None or who is None:
        return stop or RedirectResponse("/login", status_code=303)
    form = await request.form()
    day = _date(str(form.get("as_of", ""))[:10]) or dt.date.today()
    values, errors, error, saved = _save_action(form, cap_id, day,
                                                lambda action: svc.add_action(engine, cap_id, action, actor=who.name))
    if saved is not None:
        return saved
    try:
        detail = svc.get_cap(engine, cap_id, day)
    except ConfigError:
        return render(request, "compliance/missing.html", who, what=f"CAP {cap_id}")
    page = render(request, "compliance/cap.html", who, d=detail, contracts=sorted(detail.cap.contract_ids),
                  as_of=day.isoformat(), can_edit=True, values={**values, "as_of": day.isoformat()}, errors=errors,
                  error=error, formats=DOCUMENT_FORMATS)
    page.status_code = 422
    return page


@router.get("/callcenter/caps/{cap_id}/actions/{action_id}", response_class=HTMLResponse, response_model=None)
def action_edit(request: Request, cap_id: RecordId, action_id: RecordId, engine: Db,
                as_of: Annotated[str | None, Query(max_length=10)] = None) -> Response:
    who, stop = _editor(request, engine)
    if stop is not None or who is None:
        return stop or RedirectResponse("/login", status_code=303)
    day = _date(as_of) or dt.date.today()
    found = _cap_action(request, who, engine, cap_id, action_id, day)
    if isinstance(found, Response):
        return found
    detail, view = found
    a = view.action
    values = {"required_element": a.required_element or "", "description": a.description, "owner": a.owner,
              "due_on": a.due_on.isoformat(), "status": "done" if a.done_on else "open",
              "done_on": a.done_on.isoformat() if a.done_on else "", "evidence": "\n".join(a.evidence)}
    return render(request, "compliance/action.html", who, d=detail, view=view, values=values, errors={}, error=None,
                  version=view.version, as_of=day.isoformat())


@router.post("/callcenter/caps/{cap_id}/actions/{action_id}", response_model=None)
async def action_save(request: Request, cap_id: RecordId, action_id: RecordId, engine: Db, _: CsrfForm) -> Response:
    who, stop = _editor(request, engine)
    if stop is not None or who is None:
        return stop or RedirectResponse("/login", status_code=303)
    form = await request.form()
    day = _date(str(form.get("as_of", ""))[:10]) or dt.date.today()
    version = _version(form.get("expected_version"))
    values, errors, error, saved = _save_action(
        form, cap_id, day, lambda action: svc.update_action(engine, action_id, action, actor=who.name,
                                                            expected_version=version))
    if saved is not None:
        return saved
    found = _cap_action(request, who, engine, cap_id, action_id, day)
    if isinstance(found, Response):
        return found
    detail, view = found
    page = render(request, "compliance/action.html", who, d=detail, view=view, values=values, errors=errors,
                  error=error, version=version or view.version, as_of=day.isoformat())
    page.status_code = 422
    return page


@router.get("/callcenter/caps/{cap_id}/document", response_model=None)
def cap_document(request: Request, cap_id: RecordId, engine: Db,
                 as_of: Annotated[str | None, Query(max_length=10)] = None,
                 format: Annotated[Literal["pdf", "docx", "html"], Query()] = "pdf",
                 contact: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    """The CAP document as of a stated day for the signed-in browser (the API's ``GET .../caps/{id}/document``)."""
    who, stop = _user(request, engine)
    if stop is not None or who is None:
        return stop or RedirectResponse("/login", status_code=303)
    day = _date(as_of)
    if day is None:
        return RedirectResponse(f"/callcenter/caps/{cap_id}?error={quote('Choose the as-of day of the document.')}",
                                status_code=303)
    try:
        doc = svc.cap_document(engine, cap_id, day, contact=contact or None)
    except ConfigError:
        return render(request, "compliance/missing.html", who, what=f"CAP {cap_id}")
    with tempfile.TemporaryDirectory() as tmp:
        data = write_cap_document(doc, Path(tmp) / f"cap.{format}").read_bytes()
    return Response(data, media_type=DOCUMENT_MEDIA[format],
                    headers={"Content-Disposition": f'attachment; filename="cap-{cap_id}-{day.isoformat()}.{format}"'})


@router.get("/callcenter/bcp", response_class=HTMLResponse, response_model=None)
def bcp(request: Request, engine: Db, org: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    who, stop = _user(request, engine)
    if stop is not None or who is None:
        return stop or RedirectResponse("/login", status_code=303)
    orgs = svc.organizations(engine)
    now = dt.datetime.now(dt.UTC)
    statuses = [svc.bcp_status(engine, o, now) for o in ([org] if org else orgs)]
    return render(request, "compliance/bcp.html", who, statuses=statuses, orgs=orgs, org=org or "")
