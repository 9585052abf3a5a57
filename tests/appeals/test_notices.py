"""Notices (§§ 422.629(g), 422.630(e)(2), 422.631(d), 422.632, 422.633(e)(4), 422.633(f)(4)): every element the rule
lists (notice_elements, with citations) is present in each rendered template; HTML escapes input; PDF via Chromium."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from appeals_support import NY, REC, P, notice_cases
from partcd.appeals.pipelines import notices
from partcd.appeals.pipelines.cases import notice_kinds_for
from partcd.appeals.pipelines.letterhead import Letterhead
from partcd.appeals.pipelines.notices import write_notice_pdf
from partcd.appeals.rules import workflow as wf
from partcd.appeals.rules.workflow import Intake, open_case

NOW = dt.datetime(2021, 4, 20, 9, 0, tzinfo=NY)
BASE: dict[str, Any] = {"reason": "home health <visits> & therapy", "enrollee_name": "Test Enrollee",
                        "mbi": "1EG4TE5MK73", "contract_id": "H1234"}


LETTERHEAD = Letterhead(id=1, contract_id="H1234", plan_name="Sunrise Health Plan", address="100 Main St\nColumbus, OH 43215",
                        phone="1-800-555-0100", tty="711", hours="8 a.m. to 8 p.m., 7 days a week",
                        time_zone="America/New_York", languages=("en", "es"), updated_by="admin",
                        updated_at=dt.datetime(2021, 1, 1, tzinfo=dt.UTC))


def render_notice(case: wf.Case, kind: wf.NoticeKind, *, case_id: int, now: dt.datetime, audit_copy: bool = True) -> str:
    """The audit copy (the citations shown) printed at ``now`` with the test letterhead."""
    return notices.render_notice(case, kind, case_id=case_id, letterhead=LETTERHEAD, audit_copy=audit_copy, printed_at=now)


class _Sections(HTMLParser):
    """Text of each ``data-element`` section."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, str] = {}
        self._stack: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section":
            self._stack.append(dict(attrs).get("data-element"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "section" and self._stack:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        for el in self._stack:
            if el:
                self.sections[el] = self.sections.get(el, "") + data


def _cases() -> dict[str, wf.Case]:
    """One case per notice kind (each reached through the state machine), and an open integrated grievance."""
    grievance = open_case(Intake(case_type="integrated_grievance", received=REC, grievance_subject="other", **BASE), P,
                          actor="intake", now=REC)
    return {**notice_cases(BASE, justification="We need the home health agency's records.",
                           adverse_note="Skilled need is not documented.", resolved_after=dt.timedelta(days=12),
                           resolution_note="We spoke with the home health agency."),
            "grievance": grievance}


CASES = _cases()


@pytest.mark.parametrize("kind", wf.NOTICE_KINDS)
def test_every_element_the_rule_lists_is_in_the_notice(kind: wf.NoticeKind) -> None:
    case = CASES[kind]
    assert kind in notice_kinds_for(case)
    html = render_notice(case, kind, case_id=7, now=NOW)
    parser = _Sections()
    parser.feed(html)
    for element in wf.notice_elements(P)[kind]:
        text = parser.sections.get(element.id)
        assert text is not None, f"{kind}: element {element.id} ({element.cite}) missing"
        body = re.sub(r"\s+", " ", text.replace(element.cite, "")).strip()
        assert len(body) > 20, f"{kind}: element {element.id} is empty"
        assert element.cite in text, f"{kind}: element {element.id} does not show its citation"
    assert "Test Enrollee" in html and "case 7" in html
    assert "<visits>" not in html  # input is escaped


def test_notices_carry_the_real_due_times() -> None:
    ext = render_notice(CASES["extension"], "extension", case_id=1, now=NOW)
    assert "March 29, 2021 23:59 EDT" in ext and "14 calendar days more" in ext  # T8 + 14 cd (receipt day kept)
    assert "We need the home health agency" in ext
    denial = render_notice(CASES["denial_of_expedite"], "denial_of_expedite", case_id=1, now=NOW)
    assert "14 calendar days" in denial and "(March 1, 2021)" in denial
    adverse = render_notice(CASES["adverse_determination"], "adverse_determination", case_id=1, now=NOW)
    assert "April 5, 2021" in adverse and "Skilled need is not documented." in adverse
    assert "(by May 20, 2021)" in adverse  # T15: 60 cd from the date on the notice (March 21)
    res = render_notice(CASES["reconsideration_resolution"], "reconsideration_resolution", case_id=1, now=NOW)
    assert "Independent Review Entity automatically" in res and "(by August 13, 2021)" in res  # T25: 120 cd
    assert "(by April 26, 2021)" in res  # T26: 10 cd after sending (Sun Apr 25), an enrollee window rolls to Monday


def test_user_text_is_escaped() -> None:
    html = render_notice(CASES["adverse_determination"], "adverse_determination", case_id=1, now=NOW)
    assert "<visits>" not in html and "&lt;visits&gt;" in html


def test_grievance_acknowledgement() -> None:
    html = render_notice(CASES["grievance"], "acknowledgement", case_id=3, now=NOW)
    assert "integrated grievance" in html and "March 31, 2021 23:59 EDT" in html  # T2: 30 cd


def test_pdf_with_headless_chromium(tmp_path: Path) -> None:
    if not (shutil.which("chromium") or Path("/usr/bin/chromium").exists()):
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("Debian chromium is not installed")
        pytest.skip("Debian chromium is not installed")
    html = render_notice(CASES["adverse_determination"], "adverse_determination", case_id=1, now=NOW)
    out = write_notice_pdf(html, tmp_path / "notice.pdf")
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 5000


def test_standard_notices_carry_their_due_times_and_rights() -> None:
    """§ 422.568(b)(1)(ii): the extension notice gives the reasons, the right to an expedited grievance and the new date;
    § 422.570(d)(2): the denial of expedite; § 422.568(e): the denial's reasons and appeal rights."""
    ext = render_notice(CASES["standard_extension"], "standard_extension", case_id=5, now=NOW)
    # C5 (denied expedite): Mar 1 + 14 = Mar 15; + 14 days extension = Mar 29 23:59 EDT
    assert "March 29, 2021 23:59 EDT" in ext and "(14 calendar days more)" in ext and "expedited grievance" in ext
    assert "You asked for more time." in ext
    fast = render_notice(CASES["standard_denial_of_expedite"], "standard_denial_of_expedite", case_id=5, now=NOW)
    assert "physician" in fast and "24 hours" in fast
    denial = render_notice(CASES["standard_denial"], "standard_denial", case_id=5, now=NOW)
    assert "Not medically necessary." in denial and "reconsideration" in denial
    assert notice_kinds_for(CASES["standard_denial"]) == ["standard_extension", "standard_denial_of_expedite",
                                                         "standard_denial"]
