"""Member letters and audit copies: English and Spanish templates carry the same elements (the period's
notice_elements_table), the member letter shows the letterhead and no citation, line number or tool footer, the audit
copy adds them; sentences end cleanly; a notice printed later keeps the dates of its event; the grievance-resolution
notice (§§ 422.564(e)(3), 423.564(e)(3), 422.630(e)); languages the contract does not list or without templates are
refused; the API serves both copies in both languages (HTML and PDF)."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import os
import re
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from appeals_support import NY, REC, P, event, notice_cases
from partcd.appeals.pipelines import notices
from partcd.appeals.pipelines.letterhead import Letterhead
from partcd.appeals.rules import workflow as wf
from partcd.appeals.rules.workflow import Intake, open_case
from partcd.platform.auth import create_key
from partcd.platform.params import load_params
from partcd.platform.server import create_app
from partcd.platform.settings import Settings

PRINTED = dt.datetime(2021, 4, 20, 13, 0, tzinfo=dt.UTC)
BASE: dict[str, Any] = {"reason": "home health visits.  ", "enrollee_name": "Lena Ortiz", "mbi": "1EG4TE5MK73",
                        "contract_id": "H1234"}
HEAD = Letterhead(id=3, contract_id="H1234", plan_name="Sunrise Health Plan", address="100 Main St\nColumbus, OH 43215",
                  phone="1-800-555-0100", tty="711", hours="8 a.m. to 8 p.m., 7 days a week",
                  hours_translations={"es": "de 8 a.m. a 8 p.m., los 7 días de la semana"}, time_zone="America/Chicago",
                  languages=("en", "es"), updated_by="admin", updated_at=dt.datetime(2021, 1, 1, tzinfo=dt.UTC), version=4)


def _cases() -> dict[str, wf.Case]:
    """One case per notice kind; free text ends in a full stop and spaces (the letter must not double it)."""
    return notice_cases(BASE, justification="We need the agency's records. ", adverse_note="Skilled need is not documented..",
                        resolved_after=dt.timedelta(days=12, hours=6), resolution_note="We retrained the aide.")


CASES = _cases()


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs).get("data-element")
        if tag == "section" and found:
            self.ids.append(found)


def _elements(html: str) -> list[str]:
    parser = _Elements()
    parser.feed(html)
    return parser.ids


def _text(html: str) -> str:
    body = re.sub(r"</?(strong|em|a)\b[^>]*>", "", re.sub(r"<style.*?</style>", " ", html, flags=re.S))  # inline tags
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip())


def _render(kind: str, lang: str = "en", *, audit_copy: bool = False, case: wf.Case | None = None,
            printed_at: dt.datetime = PRINTED) -> str:
    return notices.render_notice(case or CASES[kind], kind, case_id=41, letterhead=HEAD, language=lang,  # type: ignore[arg-type]
                                 audit_copy=audit_copy, printed_at=printed_at)


def test_every_kind_has_a_case_and_both_languages_have_templates() -> None:
    assert set(CASES) == set(wf.NOTICE_KINDS)
    assert notices.template_languages() == ("en", "es")


@pytest.mark.parametrize("kind", wf.NOTICE_KINDS)
def test_spanish_and_english_carry_the_same_elements(kind: wf.NoticeKind) -> None:
    """The element ids of both languages are those of notice_elements_table, in its order, once each."""
    table = [e.id for e in wf.notice_elements(P)[kind]]
    assert _elements(_render(kind, "en")) == table
    assert _elements(_render(kind, "es")) == table


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("kind", wf.NOTICE_KINDS)
def test_member_letter_has_the_letterhead_and_nothing_internal(kind: wf.NoticeKind, lang: str) -> None:
    text = _text(_render(kind, lang))
    hours = "8 a.m. to 8 p.m., 7 days a week" if lang == "en" else "de 8 a.m. a 8 p.m., los 7 días de la semana"
    for value in ("Sunrise Health Plan", "100 Main St", "Columbus, OH 43215", "1-800-555-0100", "TTY 711", hours,
                  "Lena Ortiz"):
        assert value in text, (kind, lang, value)
    assert text.count(hours) == 2  # the letterhead and the contact line, in the letter's language only
    assert ("(Central time)" if lang == "en" else "(hora del Centro)") in text  # the hours' time zone is named
    for internal in ("CFR", "§", "cms-4185", "ecfr", "partcd", "audit", "auditor", "Generated", "cite", "params",
                     "_days"):
        assert internal.lower() not in text.lower(), (kind, lang, internal)
    assert not re.search(r"\bL\d{3,4}\b|\bline \d", text)  # no line references
    for element in wf.notice_elements(P)[kind]:
        assert element.cite not in text


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("kind", wf.NOTICE_KINDS)
def test_audit_copy_adds_the_citations_and_parameters(kind: wf.NoticeKind, lang: str) -> None:
    html = _render(kind, lang, audit_copy=True)
    text = _text(html)
    assert "INTERNAL AUDIT COPY" in text and "printed 2021-04-20T13:00:00+00:00" in text
    assert "letterhead of contract H1234 version 4" in text and f"language {lang}" in text
    for element in wf.notice_elements(P)[kind]:
        assert html.count(f'<span class="cite">{element.cite}</span>') == 1 or element.cite in text
        assert element.text in text
    member = _render(kind, lang)
    assert _elements(member) == _elements(html)  # the same notice, plus the block


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("kind", wf.NOTICE_KINDS)
def test_sentences_end_cleanly(kind: wf.NoticeKind, lang: str) -> None:
    for copy in (False, True):
        text = _text(_render(kind, lang, audit_copy=copy))
        assert not re.search(r"\.\s*\.", text), (kind, lang, re.search(r".{40}\.\s*\..{10}", text))
        assert not re.search(r"\b(within|by|no later than|dentro de los|a más tardar el)\s+(days|días|\.|,|\))", text)
        dangling = r"\(\s*\)|\s[,.;:]|None|\{\{|\}\}"
        assert not re.search(dangling, text), (kind, re.findall(rf".{{30}}(?:{dangling}).{{10}}", text))
        assert "<strong></strong>" not in _render(kind, lang, audit_copy=copy)


def test_reprint_keeps_the_dates_of_the_event() -> None:
    """Printed on the day or two years later: the member letter is the same, dated by the decision (March 21, 2021),
    with the deadlines computed from it (T15: 60 cd from the notice date = May 20; T14: 10 cd after sending, later of
    the action date April 5 = April 5)."""
    first = _render("adverse_determination", printed_at=dt.datetime(2021, 3, 21, 15, tzinfo=dt.UTC))
    later = _render("adverse_determination", printed_at=dt.datetime(2023, 6, 30, 15, tzinfo=dt.UTC))
    assert first == later
    text = _text(first)
    assert "Date of this notice: March 21, 2021" in text and "(by May 20, 2021)" in text
    assert "June 30, 2023" not in text
    es = _text(_render("adverse_determination", "es", printed_at=dt.datetime(2023, 6, 30, 15, tzinfo=dt.UTC)))
    assert "Fecha de este aviso: 21 de marzo de 2021" in es and "(a más tardar el 20 de mayo de 2021)" in es
    ack = _text(_render("acknowledgement", printed_at=dt.datetime(2024, 1, 2, tzinfo=dt.UTC)))
    # the acknowledgement is dated by the receipt (March 23); the decision deadline T16 is 30 cd later, 23:59 local
    assert "Date of this notice: March 23, 2021" in ack and "April 22, 2021 23:59 EDT" in ack
    ext = _text(_render("extension", printed_at=dt.datetime(2024, 1, 2, tzinfo=dt.UTC)))
    assert "Date of this notice: March 6, 2021" in ext and "March 29, 2021 23:59 EDT" in ext  # the day of the extension
    audit_later = _text(_render("adverse_determination", audit_copy=True,
                                printed_at=dt.datetime(2023, 6, 30, 15, tzinfo=dt.UTC)))
    assert "dated March 21, 2021 from the event decision" in audit_later and "printed 2023-06-30T15:00:00+00:00" in audit_later


def test_a_notice_recorded_as_sent_is_dated_by_its_sending() -> None:
    sent = event(CASES["acknowledgement"], "notice_sent", dt.datetime(2021, 3, 24, 16, tzinfo=NY), notice="acknowledgement")
    assert "Date of this notice: March 24, 2021" in _text(_render("acknowledgement", case=sent))


def test_grievance_resolution_notice() -> None:
    """Part C grievance about quality of care, received March 1, resolved March 13 (C24: 30 cd from receipt)."""
    case = CASES["grievance_resolution"]
    assert "grievance_resolution" in __import__("partcd.appeals.pipelines.cases", fromlist=["x"]).notice_kinds_for(case)
    text = _text(_render("grievance_resolution"))
    assert "You told us about: home health visits. We retrained the aide." in text
    assert "We received your grievance on March 1, 2021." in text
    assert "We resolved your grievance on March 13, 2021." in text and "Date of this notice: March 13, 2021" in text
    assert "Because your grievance is about the quality of your care" in text and "Quality Improvement Organization" in text
    es = _text(_render("grievance_resolution", "es"))
    assert "Recibimos su queja el 1 de marzo de 2021." in es and "Organización para el Mejoramiento de la Calidad" in es
    audit_copy = _text(_render("grievance_resolution", audit_copy=True))
    assert "42 CFR 422.564(e)(3)(iii)" in audit_copy and "42 CFR 423.564(e)(3)(iii)" in audit_copy
    assert "42 CFR 422.630(e)(1)(iii) [cms-4185-p L2773]" in audit_copy  # the integrated paragraph, line-cited
    assert "partc_grievance_resolution_calendar_days = 30" in audit_copy  # C24's parameter
    integrated = open_case(Intake(case_type="integrated_grievance", received=REC, grievance_subject="other", **BASE), P,
                           actor="intake", now=REC)
    integrated = event(integrated, "resolve", REC + dt.timedelta(days=2), note="We fixed the billing error")
    text = _text(_render("grievance_resolution", case=integrated))
    assert "We fixed the billing error." in text and "If a grievance is about the quality of your care" in text
    older = load_params("appeals", dt.date(2020, 6, 1))
    assert [e.id for e in wf.notice_elements(older)["grievance_resolution"]] == [
        "resolution", "date_received", "date_resolved", "qio_complaint_right"]
    assert "cms-4185-p" not in " ".join(e.cite for e in wf.notice_elements(older)["grievance_resolution"])


def test_languages_are_refused_clearly() -> None:
    with pytest.raises(notices.NoticeLanguageUnavailable, match=r"does not list notice language 'zh' \(its languages: en, es\)"):
        _render("standard_denial", "zh")
    chinese = HEAD.model_copy(update={"languages": ("en", "es", "zh")})
    with pytest.raises(notices.NoticeLanguageUnavailable, match=r"no notice templates in 'zh'.*en \(English\), es"):
        notices.render_notice(CASES["standard_denial"], "standard_denial", case_id=1, letterhead=chinese, language="zh")
    no_spanish_hours = HEAD.model_copy(update={"hours_translations": {}})
    with pytest.raises(notices.NoticeLanguageUnavailable, match=r"no hours written in 'es'.*--hours-in 'es=\.\.\.'"):
        notices.render_notice(CASES["standard_denial"], "standard_denial", case_id=1, letterhead=no_spanish_hours,
                              language="es")
    english_only = HEAD.model_copy(update={"languages": ("en",), "hours_translations": {}})
    with pytest.raises(notices.NoticeLanguageUnavailable, match="--language es"):
        notices.render_notice(CASES["standard_denial"], "standard_denial", case_id=1, letterhead=english_only,
                              language="es")


@pytest.fixture()
def api(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    app = create_app(Settings(db_url=f"sqlite:///{tmp_path / 'api.db'}", data_dir=tmp_path))
    keys = {r: create_key(app.state.engine, f"{r}-key", r) for r in ("intake", "reviewer", "auditor", "admin")}
    with TestClient(app) as c:
        yield c, keys


def test_api_member_letter_and_audit_copy(api: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = api
    received = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).replace(microsecond=0)
    case = c.post("/api/v1/appeals/cases", json={**BASE, "case_type": "partd_grievance", "grievance_subject": "other",
                                                 "received": received.isoformat()},
                  headers={"X-API-Key": keys["intake"]}).json()
    done = c.post(f"/api/v1/appeals/cases/{case['id']}/events", json={
        "kind": "resolve", "at": (received + dt.timedelta(days=1)).isoformat(), "note": "We refunded the copay",
        "expected_version": case["version"]}, headers={"X-API-Key": keys["reviewer"]})
    assert done.status_code == 200, done.text
    url = f"/api/v1/appeals/cases/{case['id']}/notices/grievance_resolution"
    auditor = {"X-API-Key": keys["auditor"]}
    assert c.get(url, headers=auditor).status_code == 409  # no letterhead yet
    head = {k: v for k, v in HEAD.model_dump(mode="json").items()
            if k not in ("id", "contract_id", "updated_by", "updated_at", "version")}
    assert c.put("/api/v1/appeals/letterhead/H1234", json=head, headers={"X-API-Key": keys["admin"]}).status_code == 200
    member = c.get(url, headers=auditor)
    assert member.status_code == 200 and "Sunrise Health Plan" in member.text and "CFR" not in member.text
    assert "We refunded the copay." in member.text and 'filename="case-1-grievance_resolution-en.html"' in \
        member.headers["content-disposition"]
    es_audit = c.get(url + "?language=es&audit_copy=true", headers=auditor)
    assert es_audit.status_code == 200 and "Nuestra respuesta a su queja" in es_audit.text
    assert "42 CFR 423.564(e)(3)(i)" in es_audit.text and "INTERNAL AUDIT COPY" in es_audit.text
    assert c.get(url + "?language=fr", headers=auditor).status_code == 422
    if not (shutil.which("chromium") or Path("/usr/bin/chromium").exists()):
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("Debian chromium is not installed")
        return
    for query in ("?format=pdf", "?format=pdf&language=es", "?format=pdf&language=es&audit_copy=true"):
        pdf = c.get(url + query, headers=auditor)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-") and len(pdf.content) > 5000, query
    assert "-es-audit.pdf" in pdf.headers["content-disposition"]
