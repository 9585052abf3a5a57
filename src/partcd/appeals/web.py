"""§§ 422.629-422.634, 423.568-423.572 - appeals dashboard: the work queue (overdue, due in 24 h, due in 72 h; by type
and status, with the assignee; resolved cases leave it), intake forms for every case type, one case with its
deadlines, § 422.629(h) record, notices and timeline, one form per event carrying the fields that event needs (the
plan-initiated extension names each condition of its paragraph that is not confirmed), assignment, and the audit
universes as CSV / Excel downloads. Every change goes through the same audited service as the API
(``partcd.appeals.pipelines.cases``); every form carries the session's CSRF token. Times are shown in the plan's
zone, named on every page. Notices open at ``/appeals/cases/<id>/notices/<kind>`` for the signed-in browser (the API
takes keys only in headers): the case page links the member letter of each notice kind in every language of the
contract's letterhead (``?language=es``) and the internal audit copy (``?audit_copy=true``, the roles the API lets read
notices); a contract without a letterhead gets a plain message (and, for an admin, the link to ``/appeals/letterhead``)
instead of links that would answer 409.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import Engine

from partcd.appeals.api import DECISION_EVENTS, NOTICE_READERS, get_notice
from partcd.appeals.pipelines import cases, universes
from partcd.appeals.pipelines import letterhead as letterheads
from partcd.appeals.pipelines.notices import LANGUAGE_NAMES, NoticeLanguageUnavailable, check_language
from partcd.appeals.rules.parameters import AppealsParams, RuleCiteId
from partcd.appeals.rules.workflow import (
    CASE_TYPES,
    EVENT_KINDS,
    GRIEVANCE_TYPES,
    INTEGRATED_TYPES,
    NOTICE_KINDS,
    Case,
    CaseEvent,
    Intake,
)
from partcd.core.citation import cite_label
from partcd.core.errors import InputError, PartcdError
from partcd.platform.api.deps import DATE_MAX, DATE_MIN, MAX_ID, MAX_VERSION, RecordId, get_engine, get_settings
from partcd.platform.auth import Principal
from partcd.platform.settings import Settings
from partcd.platform.web.security import DOCUMENT_CSP
from partcd.platform.web.shell import CsrfForm, current, render

router = APIRouter(include_in_schema=False)

Db = Annotated[Engine, Depends(get_engine)]
Conf = Annotated[Settings, Depends(get_settings)]
READERS = frozenset({"intake", "reviewer", "coordinator", "auditor"})
WRITERS = frozenset({"intake", "reviewer", "coordinator"})
INTAKE = frozenset({"intake", "coordinator"})
DECIDERS = frozenset({"reviewer", "coordinator"})
EXPORTERS = frozenset({"coordinator", "auditor"})
#: Who may open a notice's audit copy (its citations and parameters): the roles the API's notice route admits.
AUDIT_COPY_READERS = frozenset(NOTICE_READERS)
BUCKET_TITLES = {"overdue": "Overdue", "due_24h": "Due within 24 hours", "due_72h": "Due within 72 hours",
                 "later": "Later"}
#: A form field is bounded like the API's (free text as the workflow's limit).
TEXT_MAX = 10_000


# --- form fields ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One form field: the model field it fills, its plain-words label, its input kind and a hint."""

    name: str
    label: str
    kind: Literal["text", "textarea", "datetime", "date", "select", "checkbox", "number", "programs"] = "text"
    options: tuple[tuple[str, str], ...] = ()
    hint: str = ""
    required: bool = False


def _opts(*values: str) -> tuple[tuple[str, str], ...]:
    return tuple((v, v.replace("_", " ")) for v in values)


CASE_TITLES: dict[str, str] = {
    "integrated_grievance": "Grievance (applicable integrated plan)",
    "integrated_organization_determination": "Integrated organization determination",
    "integrated_reconsideration": "Integrated reconsideration",
    "partd_coverage_determination": "Part D coverage determination",
    "partd_exception": "Part D exception request",
    "partc_organization_determination": "Part C organization determination",
    "partc_reconsideration": "Part C reconsideration",
    "partc_grievance": "Part C grievance",
    "partd_redetermination": "Part D redetermination",
    "partd_grievance": "Part D grievance",
}
_APPEALS = ("integrated_reconsideration", "partc_reconsideration", "partd_redetermination")
_PAYMENT = ("integrated_organization_determination", "partd_coverage_determination", "partc_organization_determination",
            "partc_reconsideration", "partd_redetermination")
_ORAL_PAYMENT = ("integrated_organization_determination", "partc_organization_determination",
                 "partd_coverage_determination")


def intake_fields(case_type: str) -> list[Field]:
    """The fields intake staff fill for one case type (the ``Intake`` fields its process reads)."""
    grievance = case_type in GRIEVANCE_TYPES
    out = [
        Field("received", "Date and time received", "datetime", required=True),
        Field("enrollee_name", "Enrollee's name", required=True),
        Field("mbi", "Medicare Beneficiary Identifier (MBI)", hint="11 characters; hyphens are removed", required=True),
        Field("contract_id", "Contract", hint="a letter and four digits, e.g. H1234", required=True),
        Field("plan_benefit_package", "Plan benefit package", hint="three digits, e.g. 001"),
        Field("reason", "Reason for the request", "textarea", required=True),
        Field("channel", "How it arrived", "select", _opts("written", "oral", "state_forwarded")),
        Field("requester", "Who filed it", "select", _opts("enrollee", "representative", "provider", "assignee", "estate")),
        Field("aor_received", "Appointment of representative received on", "date",
              hint="only when a representative filed"),
    ]
    if case_type in INTEGRATED_TYPES:
        out.append(Field("programs", "Programs of the disputed items", "programs", _opts("medicare", "medicaid")))
    if grievance:
        out += [Field("grievance_subject", "What the grievance is about", "select",
                      (("", "choose..."), *_opts("quality_of_care", "extension", "expedite_refusal", "other")),
                      hint="an extension or a refused expedite gets the 24-hour response", required=True),
                Field("grievance_event_date", "Date of the event grieved", "date")]
        if case_type == "partd_grievance":
            out.append(Field("drug_already_received", "The enrollee already has the drug", "checkbox"))
    else:
        out += [Field("expedite_requested", "Expedited handling requested", "checkbox"),
                Field("provider_indicates_jeopardy", "A provider says the standard time could seriously jeopardize "
                      "the enrollee", "checkbox")]
    if case_type in _PAYMENT:
        out.append(Field("payment_request", "Request for payment", "checkbox"))
    if case_type in _ORAL_PAYMENT:
        out.append(Field("oral_payment_policy", "The plan accepts oral payment requests", "checkbox"))
    if case_type in _APPEALS:
        out += [Field("adverse_notice_date", "Date on the notice appealed", "date", required=True,
                      hint="starts the filing window"),
                Field("adverse_notice_received", "Date the enrollee received that notice", "date",
                      hint="only with evidence of receipt; otherwise it is presumed"),
                Field("good_cause_in_writing", "Good cause for late filing is stated in writing", "checkbox")]
    if case_type == "integrated_reconsideration":
        out += [Field("adverse_notice_sent", "Time the adverse notice was sent", "datetime",
                      hint="needed to judge a request for continued benefits"),
                Field("intended_effective_date", "Intended effective date of the reduction, suspension or "
                      "termination", "date")]
    if case_type in ("partc_organization_determination", "partc_reconsideration"):
        out.append(Field("part_b_drug", "A Part B drug", "checkbox"))
    if case_type == "partc_organization_determination":
        out.append(Field("prior_authorization", "Prior authorization request", "checkbox"))
    if case_type == "partd_exception":
        out.append(Field("supporting_statement_at", "Prescriber's supporting statement received", "datetime"))
    if not grievance:
        out.append(Field("noncontract_info_needed", "Information is needed from a non-contract provider", "checkbox"))
    return out


_WHEN = Field("at", "When it happened", "datetime", hint="defaults to now")
_NOTE = Field("note", "Note", "textarea")
EXTENSION_CONDITION_WORDS = {
    "enrollee_interest": "The extension is in the enrollee's interest",
    "needs_information": "The plan needs additional information",
    "likely_approval": "The additional information would likely lead to approval of the request",
}


def event_fields(kind: str, case: Case) -> list[Field]:
    """The fields one event needs (the ``CaseEvent`` fields its handler reads), after the time and before the note."""
    t = case.case_type
    fields: list[Field] = []
    if kind == "notice_sent":
        fields.append(Field("notice", "Which notice was sent", "select", (("", "choose..."), *_opts(*NOTICE_KINDS)),
                            required=True))
    elif kind == "extend":
        fields += [Field("requested_by", "Who asked for the extension", "select",
                         _opts("enrollee", "representative", "provider", "plan")),
                   Field("calendar_days", "Calendar days", "number", hint="empty: the most the rule allows")]
        fields += [Field(c, EXTENSION_CONDITION_WORDS[c], "checkbox") for c in _EXTENSION_CONDITIONS.get(t, ())]
        fields.append(Field("justification", "Written justification", "textarea",
                            hint="required when the plan extends on its own"))
    elif kind == "decide":
        fields += [Field("decision", "Decision", "select", (("", "choose..."), *_opts("favorable", "partially_favorable",
                                                                                       "adverse")), required=True),
                   Field("notice_sent", "Time the decision notice was sent", "datetime", hint="defaults to the decision time"),
                   Field("oral_notice", "Time the enrollee was told orally", "datetime")]
        if t == "integrated_organization_determination":
            fields += [Field("reduction", "Reduces, suspends or terminates a service", "checkbox"),
                       Field("effective_date", "Date of that action", "date", hint="required for a reduction")]
    elif kind == "resolve":
        fields += [Field("response_mode", "How the response was given", "select", (("", "as received"),
                                                                                   *_opts("written", "oral"))),
                   Field("notice_sent", "Time the response was sent", "datetime", hint="defaults to the event time")]
    elif kind == "request_continuation":
        fields += [Field("previously_authorized", "It concerns ending, suspending or reducing a previously authorized "
                         "service", "checkbox"),
                   Field("ordered_by_authorized_provider", "An authorized provider ordered the services", "checkbox"),
                   Field("authorization_period_unexpired", "The original authorization period has not expired",
                         "checkbox"),
                   Field("consent_on_file", "The enrollee's written consent is on file (provider or representative "
                         "asking)", "checkbox")]
    elif kind == "request_sfh":
        fields.append(Field("with_continuation", "Continued benefits are asked for with the hearing", "checkbox"))
    elif kind == "later_decision":
        fields += [Field("forum", "Who decided", "select", (("", "choose..."), *_opts(
                       "independent_review_entity", "administrative_law_judge", "medicare_appeals_council",
                       "state_fair_hearing", "external_medical_review")), required=True),
                   Field("favorable", "Outcome", "select", (("", "choose..."), ("true", "favorable to the enrollee"),
                                                            ("false", "not favorable")), required=True)]
    return [_WHEN, *fields, _NOTE, Field("backdate_reason", "Reason for a late entry", "textarea",
                                         hint="only for an entry dated more than a day back"),
            Field("approved_by", "Approved by (a second person)", hint="only for a late entry")]


#: The showing a plan-initiated extension needs, by process (§§ 422.631(d)(2)(ii)(B), 422.633(f)(3)(i)(B) for the
#: unified process; §§ 422.564(e)(2), 422.568(b)(1)(i), 422.590(f)(1), 423.564(e)(2) for the standard ones; the rules
#: in ``rules/clocks.py`` and ``rules/standard.py`` check the same).
_EXTENSION_CONDITIONS: dict[str, tuple[str, ...]] = {
    "integrated_organization_determination": ("enrollee_interest", "needs_information", "likely_approval"),
    "integrated_reconsideration": ("enrollee_interest", "needs_information", "likely_approval"),
    "integrated_grievance": ("enrollee_interest", "needs_information"),
    "partc_organization_determination": ("enrollee_interest",),
    "partc_reconsideration": ("enrollee_interest",),
    "partc_grievance": ("enrollee_interest", "needs_information"),
    "partd_grievance": ("enrollee_interest", "needs_information"),
}
_EXTENSION_RULES: dict[str, RuleCiteId] = {
    "integrated_organization_determination": "iod_extension_requesters",
    "integrated_reconsideration": "ir_extension_requesters",
    "partc_organization_determination": "partc_od_extension_requesters",
    "partc_reconsideration": "partc_recon_extension_requesters",
}
_EXTENSION_KEYS = {"integrated_grievance": "grievance_extension_calendar_days",
                   "partc_grievance": "partc_grievance_extension_calendar_days",
                   "partd_grievance": "partd_grievance_extension_calendar_days"}


def extension_cite(case: Case) -> str:
    """The paragraph that lists what a plan-initiated extension of this process must show."""
    params = cases.params_for(case.received, case.zone)
    rule = _EXTENSION_RULES.get(case.case_type)
    if rule is not None:
        return cite_label(params.typed(AppealsParams).rule_cite(rule))
    return cite_label(params.cite(_EXTENSION_KEYS[case.case_type]))


def extension_problems(case: Case, form: dict[str, str]) -> dict[str, str]:
    """Each condition of a plan-initiated extension that the form does not confirm, in plain words by field (the
    paragraph that lists them, :func:`extension_cite`, stands above the form)."""
    if form.get("requested_by") != "plan":
        return {}
    out = {c: f"Not confirmed: {EXTENSION_CONDITION_WORDS[c].lower()}. An extension the plan takes on its own needs this."
           for c in _EXTENSION_CONDITIONS.get(case.case_type, ()) if form.get(c) != "on"}
    if not form.get("justification", "").strip():
        out["justification"] = "Write why the plan extends: an extension the plan takes on its own needs a written justification."
    return out


# --- plain-words validation ------------------------------------------------------------------------------------


def _plain(field: Field, error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    label = field.label[0].lower() + field.label[1:]
    if kind == "missing" or (kind == "string_too_short" and error.get("ctx", {}).get("min_length") == 1):
        return f"Enter the {label}."
    if field.name == "contract_id":
        return "A contract number is one capital letter and four digits, e.g. H1234."
    if field.name == "plan_benefit_package":
        return "A plan benefit package is three digits, e.g. 001."
    if kind.startswith("datetime") or field.kind == "datetime":
        return "Enter a date and a time."
    if kind.startswith("date") or field.kind == "date":
        return "Enter a date (year-month-day)."
    if kind == "string_too_long":
        return f"Too long: at most {error.get('ctx', {}).get('max_length')} characters."
    if kind in ("int_parsing", "greater_than_equal", "less_than_equal"):
        return "Enter a whole number of days (1 to 366)."
    return f"Check the {label}: {error.get('msg', 'not accepted')}."


def _field_errors(exc: ValidationError, fields: list[Field]) -> dict[str, str]:
    by_name = {f.name: f for f in fields}
    out: dict[str, str] = {}
    for err in exc.errors():
        name = str(err["loc"][0]) if err["loc"] else ""
        f = by_name.get(name, Field(name, name.replace("_", " ")))
        out.setdefault(name, _plain(f, dict(err)))
    return out


def _values(form: Any, fields: list[Field]) -> dict[str, str]:
    """The submitted values as text (checkboxes: "on"; programs: comma-joined), bounded."""
    out: dict[str, str] = {}
    for f in fields:
        if f.kind == "programs":
            out[f.name] = ",".join(str(v)[:20] for v in form.getlist(f.name)[:2])
        else:
            out[f.name] = str(form.get(f.name, ""))[:TEXT_MAX]
    return out


def _data(values: dict[str, str], fields: list[Field]) -> dict[str, Any]:
    """Model input: empty fields left out, checkboxes as booleans, programs as a list."""
    data: dict[str, Any] = {}
    for f in fields:
        raw = values.get(f.name, "").strip()
        if f.kind == "checkbox":
            if raw == "on":
                data[f.name] = True
        elif f.kind == "programs":
            data[f.name] = [p for p in raw.split(",") if p]
        elif f.name == "favorable" and raw:
            data[f.name] = raw == "true"
        elif raw:
            data[f.name] = raw
    return data


# --- helpers -------------------------------------------------------------------------------------------------


def _who(request: Request, engine: Engine, roles: frozenset[str] = READERS) -> tuple[Principal | None, Response | None]:
    who = current(request, engine)
    if who is None:
        return None, RedirectResponse("/login", status_code=303)
    if not who.allowed(roles):
        page = render(request, "appeals/forbidden.html", who, roles=sorted(roles | {"admin"}))
        page.status_code = 403
        return who, page
    return who, None


def _fmt(zone: ZoneInfo) -> Any:
    def fmt(t: dt.datetime | str | None) -> str:
        if t is None:
            return ""
        if isinstance(t, str):
            t = dt.datetime.fromisoformat(t)
        return t.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
    return fmt


def _local_now(zone: ZoneInfo) -> str:
    return dt.datetime.now(zone).strftime("%Y-%m-%dT%H:%M")


def _day(value: str | None) -> dt.date | None:
    try:
        day = dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None
    return day if day is None or DATE_MIN <= day <= DATE_MAX else None


# --- queue ---------------------------------------------------------------------------------------------------


@router.get("/appeals", response_class=HTMLResponse, response_model=None)
def queue_page(request: Request, engine: Db, settings: Conf,
               case_type: Annotated[str | None, Query(max_length=60)] = None,
               status: Annotated[str | None, Query(max_length=40)] = None,
               bucket: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    who, stop = _who(request, engine)
    if stop is not None:
        return stop
    assert who is not None
    now = dt.datetime.now(dt.UTC)
    chosen = bucket if bucket in cases.BUCKETS else None
    items = cases.queue(engine, now=now, case_type=case_type if case_type in CASE_TYPES else None,
                        status=status or None, bucket=chosen)  # type: ignore[arg-type]
    groups = {b: [i for i in items if i.bucket == b] for b in cases.BUCKETS}
    return render(request, "appeals/queue.html", who, groups=groups, titles=BUCKET_TITLES,
                  counts=cases.queue_counts(engine, now=now), case_types=CASE_TYPES, case_type=case_type or "",
                  status=status or "", bucket=chosen or "", fmt=_fmt(ZoneInfo(settings.plan_timezone)), now=now,
                  zone=settings.plan_timezone, can_intake=who.allowed(INTAKE), can_export=who.allowed(EXPORTERS))


# --- intake --------------------------------------------------------------------------------------------------


@router.get("/appeals/new", response_class=HTMLResponse, response_model=None)
def intake_page(request: Request, engine: Db, settings: Conf,
                case_type: Annotated[str | None, Query(max_length=60)] = None,
                parent_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None) -> Response:
    """Step 1: choose the case type; step 2: the fields that type needs."""
    who, stop = _who(request, engine, INTAKE)
    if stop is not None:
        return stop
    chosen = case_type if case_type in CASE_TYPES else None
    zone = settings.plan_timezone
    fields = intake_fields(chosen) if chosen else []
    values = {"received": _local_now(ZoneInfo(zone)), "plan_benefit_package": "001", "programs": "medicare,medicaid"}
    return render(request, "appeals/intake.html", who, case_types=CASE_TYPES, titles=CASE_TITLES, case_type=chosen,
                  fields=fields, values=values, errors={}, error=None, zone=zone, parent_id=parent_id)


@router.post("/appeals/new", response_model=None)
async def intake_submit(request: Request, engine: Db, settings: Conf, _: CsrfForm) -> Response:
    who, stop = _who(request, engine, INTAKE)
    if stop is not None:
        return stop
    assert who is not None
    form = await request.form()
    case_type = str(form.get("case_type", ""))[:60]
    if case_type not in CASE_TYPES:
        return RedirectResponse("/appeals/new", status_code=303)
    parent_raw = str(form.get("parent_id", "")).strip()[:12]
    parent_id = int(parent_raw) if parent_raw.isdigit() and 1 <= int(parent_raw) <= MAX_ID else None
    zone = settings.plan_timezone
    fields = intake_fields(case_type)
    values = _values(form, fields)
    data = {"case_type": case_type, "zone": zone, **_data(values, fields)}
    errors: dict[str, str] = {}
    for f in fields:
        if f.required and not values.get(f.name, "").strip() and not (parent_id and f.name in _INHERITED):
            lower = f.label[0].lower() + f.label[1:]
            errors[f.name] = f"Choose {lower}." if f.kind == "select" else f"Enter the {lower}."
    if values.get("mbi", "").strip() and "mbi" not in errors:
        try:
            data["mbi"] = cases.normalise_mbi(values["mbi"])
        except InputError:
            errors["mbi"] = "This is not a valid MBI: 11 characters in the CMS format (e.g. 1EG4TE5MK73)."
    if parent_id is None:
        try:
            Intake.model_validate(data)
        except ValidationError as exc:
            errors = _field_errors(exc, fields) | errors
    error = None
    if not errors:
        try:
            view = cases.create_case(engine, data, actor=who.name, parent_id=parent_id)
        except PartcdError as exc:
            error = exc.message()
        else:
            return RedirectResponse(f"/appeals/cases/{view.id}", status_code=303)
    page = render(request, "appeals/intake.html", who, case_types=CASE_TYPES, titles=CASE_TITLES, case_type=case_type,
                  fields=fields, values=values, errors=errors, error=error, zone=zone, parent_id=parent_id)
    page.status_code = 422
    return page


#: Fields an integrated reconsideration filed on a stored IOD takes from it.
_INHERITED = frozenset({"enrollee_name", "mbi", "contract_id", "adverse_notice_date"})


# --- one case ------------------------------------------------------------------------------------------------


@router.get("/appeals/cases/{case_id}", response_class=HTMLResponse, response_model=None)
def case_page(request: Request, case_id: RecordId, engine: Db, settings: Conf,
              error: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    who, stop = _who(request, engine)
    if stop is not None:
        return stop
    assert who is not None
    now = dt.datetime.now(dt.UTC)
    try:
        view = cases.get_case(engine, case_id, now=now)
    except InputError:
        return render(request, "appeals/missing.html", who, case_id=case_id)
    zone_name = view.case.zone or settings.plan_timezone
    zone = ZoneInfo(zone_name)
    head = letterheads.get_letterhead(engine, view.case.contract_id)
    return render(request, "appeals/case.html", who, v=view, c=view.case, record=view.to_dict()["record"],
                  timeline=cases.timeline(engine, case_id), notices=cases.case_notices(engine, case_id),
                  notice_kinds=[k for k in NOTICE_KINDS if k in cases.notice_kinds_for(view.case)],
                  letterhead=head, languages=notice_languages(head) if head is not None else [],
                  can_audit_copy=who.allowed(AUDIT_COPY_READERS), is_admin=who.role == "admin",
                  fmt=_fmt(zone), zone=zone_name, can_write=who.allowed(WRITERS), titles=CASE_TITLES,
                  events=[e for e in view.allowed if who.allowed(DECIDERS) or e not in DECISION_EVENTS], error=error)


@router.post("/appeals/cases/{case_id}/assign", response_model=None)
def assign(request: Request, case_id: RecordId, engine: Db, _: CsrfForm,
           expected_version: Annotated[int, Form(ge=1, le=MAX_VERSION)],
           assignee: Annotated[str, Form(max_length=cases.ASSIGNEE_MAX_CHARS)] = "") -> Response:
    who, stop = _who(request, engine, WRITERS)
    if stop is not None:
        return stop
    assert who is not None
    try:
        cases.assign(engine, case_id, assignee, actor=who.name, expected_version=expected_version)
    except PartcdError as exc:
        return RedirectResponse(f"/appeals/cases/{case_id}?error={quote(exc.message()[:400])}", status_code=303)
    return RedirectResponse(f"/appeals/cases/{case_id}", status_code=303)


@dataclass(frozen=True)
class NoticeLanguage:
    """One language of a contract's letterhead on the case page: its code, its name, and why no letter can be printed
    in it (empty when one can: the language has templates and the letterhead its hours)."""

    code: str
    name: str
    refused: str = ""


def notice_languages(head: letterheads.Letterhead) -> list[NoticeLanguage]:
    """The letterhead's languages in its order, each with the refusal the notice route would answer (if any)."""
    out: list[NoticeLanguage] = []
    for code in head.languages:
        try:
            check_language(head, code)
        except NoticeLanguageUnavailable as exc:
            out.append(NoticeLanguage(code, LANGUAGE_NAMES.get(code, code), exc.message()))
        else:
            out.append(NoticeLanguage(code, LANGUAGE_NAMES.get(code, code)))
    return out


def _event_context(engine: Engine, case_id: int, kind: str, who: Principal,
                   settings: Settings) -> tuple[cases.CaseView, str, list[Field]] | str:
    """The case, its zone and the event's fields; or why the event cannot be recorded here."""
    try:
        view = cases.get_case(engine, case_id, now=dt.datetime.now(dt.UTC))
    except InputError:
        return f"There is no case {case_id}."
    if kind not in EVENT_KINDS or kind not in view.allowed:
        return f"{kind.replace('_', ' ')} cannot be recorded on this case in state {view.case.status}."
    if kind in DECISION_EVENTS and not who.allowed(DECIDERS):
        return f"Role {who.role} may not record {kind.replace('_', ' ')}: a reviewer or coordinator does."
    return view, view.case.zone or settings.plan_timezone, event_fields(kind, view.case)


def _event_start(request: Request, engine: Engine, case_id: int, kind: str, settings: Settings
                 ) -> tuple[Principal, cases.CaseView, str, list[Field]] | Response:
    """The signed-in writer, the case, its zone and the event's fields; or the response that ends the request
    (sign in, a role that may not write, a redirect to the case saying why the event cannot be recorded)."""
    who, stop = _who(request, engine, WRITERS)
    if stop is not None:
        return stop
    assert who is not None
    ctx = _event_context(engine, case_id, kind, who, settings)
    if isinstance(ctx, str):
        return RedirectResponse(f"/appeals/cases/{case_id}?error={quote(ctx)}", status_code=303)
    return (who, *ctx)


@router.get("/appeals/cases/{case_id}/events/{kind}", response_class=HTMLResponse, response_model=None)
def event_page(request: Request, case_id: RecordId, kind: Annotated[str, PathParam(max_length=40)], engine: Db,
               settings: Conf) -> Response:
    """The form of one event with the fields it needs."""
    started = _event_start(request, engine, case_id, kind, settings)
    if isinstance(started, Response):
        return started
    who, view, zone, fields = started
    return render(request, "appeals/event.html", who, v=view, c=view.case, kind=kind, fields=fields,
                  values={"at": _local_now(ZoneInfo(zone))}, errors={}, error=None, zone=zone, titles=CASE_TITLES,
                  conditions=_EXTENSION_CONDITIONS.get(view.case.case_type, ()) if kind == "extend" else (),
                  cite=extension_cite(view.case) if kind == "extend" else "")


@router.post("/appeals/cases/{case_id}/events/{kind}", response_model=None)
async def event_submit(request: Request, case_id: RecordId, kind: Annotated[str, PathParam(max_length=40)], engine: Db,
                       settings: Conf, _: CsrfForm) -> Response:
    started = _event_start(request, engine, case_id, kind, settings)
    if isinstance(started, Response):
        return started
    who, view, zone, fields = started
    form = await request.form()
    values = _values(form, fields)
    version_raw = str(form.get("expected_version", ""))[:12]
    expected = int(version_raw) if version_raw.isdigit() and 1 <= int(version_raw) <= MAX_VERSION else None
    data = {"kind": kind, **_data(values, fields)}
    errors = _required_event_fields(kind, view.case, values, fields)
    if kind == "extend":
        errors |= extension_problems(view.case, values)
    if not errors:
        try:
            CaseEvent.model_validate({"at": dt.datetime.now(dt.UTC), **data})
        except ValidationError as exc:
            errors = _field_errors(exc, fields)
    error = None
    if not errors:
        try:
            cases.transition(engine, case_id, data, actor=who.name, expected_version=expected)
        except PartcdError as exc:
            error = exc.message()
        else:
            return RedirectResponse(f"/appeals/cases/{case_id}", status_code=303)
    page = render(request, "appeals/event.html", who, v=view, c=view.case, kind=kind, fields=fields, values=values,
                  errors=errors, error=error, zone=zone, titles=CASE_TITLES, expected=expected,
                  conditions=_EXTENSION_CONDITIONS.get(view.case.case_type, ()) if kind == "extend" else (),
                  cite=extension_cite(view.case) if kind == "extend" else "")
    page.status_code = 422
    return page


def _required_event_fields(kind: str, case: Case, values: dict[str, str], fields: list[Field]) -> dict[str, str]:
    out = {f.name: f"Choose the {f.label[0].lower() + f.label[1:]}." for f in fields
           if f.required and not values.get(f.name, "").strip()}
    if kind == "decide" and values.get("reduction") == "on" and not values.get("effective_date", "").strip():
        out["effective_date"] = "Enter the date the service is reduced, suspended or terminated."
    return out


@router.get("/appeals/cases/{case_id}/notices/{kind}", response_model=None)
def notice_page(request: Request, case_id: RecordId, kind: Annotated[str, PathParam(max_length=40)], engine: Db,
                format: Annotated[Literal["html", "pdf"], Query()] = "html",
                language: Annotated[str, Query(max_length=20)] = "en", audit_copy: bool = False) -> Response:
    """A notice of the case as HTML or PDF, the member letter in ``language`` or the audit copy (the API's
    ``GET .../notices/{kind}`` for the signed-in reader)."""
    who, stop = _who(request, engine, AUDIT_COPY_READERS if audit_copy else READERS)
    if stop is not None:
        return stop
    assert who is not None
    answer = get_notice(case_id, kind, who, engine, format, language=language, audit_copy=audit_copy)
    if format == "html":
        answer.headers["Content-Security-Policy"] = DOCUMENT_CSP
    return answer


# --- universes -----------------------------------------------------------------------------------------------


@router.get("/appeals/universes", response_class=HTMLResponse, response_model=None)
def universes_page(request: Request, engine: Db, settings: Conf,
                   date_from: Annotated[str | None, Query(alias="from", max_length=10)] = None,
                   date_to: Annotated[str | None, Query(alias="to", max_length=10)] = None) -> Response:
    """The audit universes: rows and timeliness per table, late findings, CSV / Excel downloads."""
    who, stop = _who(request, engine, EXPORTERS)
    if stop is not None:
        return stop
    start, end = _day(date_from), _day(date_to)
    built = universes.build(cases.all_cases(engine, now=dt.datetime.now(dt.UTC)), date_from=start, date_to=end)
    span = "&".join(p for p in (f"from={start}" if start else "", f"to={end}" if end else "") if p)
    return render(request, "appeals/universes.html", who, summary=built.summary(), titles=universes.TABLE_TITLES,
                  findings=built.findings[:200], more=max(0, len(built.findings) - 200), start=start or "",
                  end=end or "", span=span, fmt=_fmt(ZoneInfo(settings.plan_timezone)), zone=settings.plan_timezone)


@router.get("/appeals/universes/{table}", response_model=None)
def universe_download(request: Request, table: Annotated[str, PathParam(max_length=20)], engine: Db,
                      format: Annotated[Literal["csv", "xlsx"], Query()] = "csv",
                      date_from: Annotated[str | None, Query(alias="from", max_length=10)] = None,
                      date_to: Annotated[str | None, Query(alias="to", max_length=10)] = None) -> Response:
    """One universe table as CSV or Excel (the API's ``GET /api/v1/appeals/universe`` for the signed-in browser)."""
    _, stop = _who(request, engine, EXPORTERS)
    if stop is not None:
        return stop
    if table not in universes.TABLES:
        return RedirectResponse("/appeals/universes", status_code=303)
    built = universes.build(cases.all_cases(engine, now=dt.datetime.now(dt.UTC)), date_from=_day(date_from),
                            date_to=_day(date_to))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"{table}.{format}"
        universes.write(built, out, tables=[table])
        media = "text/csv" if format == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return Response(out.read_bytes(), media_type=media,
                        headers={"Content-Disposition": f'attachment; filename="universe-{table}.{format}"'})
