"""Appeals web forms without a browser (TestClient signed in through the login form): an intake form for each of the
ten case types creates its case in the first state of its machine; the extension form moves the decision due date by
the 14 days of § 422.631(d)(2)(ii); assignment shows in the queue (page and API); a resolved case leaves the queue."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from browser_fixtures import same_origin, sign_in_client
from partcd.appeals.pipelines import cases
from partcd.appeals.rules.workflow import CASE_TYPES, CaseEvent, Intake, apply, deadlines, leaves_queue, open_case
from partcd.appeals.web import intake_fields
from partcd.platform.auth import create_key
from partcd.platform.server import create_app
from partcd.platform.settings import Settings

NY = ZoneInfo("America/New_York")
PERSON = {"enrollee_name": "Robin Former", "mbi": "1EG4TE5MK73", "contract_id": "H1234", "reason": "knee brace",
          "plan_benefit_package": "001", "channel": "written", "requester": "enrollee"}
#: What each type needs beyond the person, and the first state of its machine for a standard written request.
EXTRA: dict[str, tuple[dict[str, Any], str]] = {
    "integrated_grievance": ({"grievance_subject": "other", "programs": ["medicare", "medicaid"]}, "STANDARD_OPEN"),
    "integrated_organization_determination": ({"programs": ["medicare", "medicaid"]}, "STANDARD_PENDING"),
    "integrated_reconsideration": ({"programs": ["medicare", "medicaid"], "adverse_notice_date": "NOTICE"},
                                   "STANDARD_PENDING"),
    "partd_coverage_determination": ({}, "STANDARD_PENDING"),
    "partd_exception": ({}, "STANDARD_PENDING"),
    "partc_organization_determination": ({}, "STANDARD_PENDING"),
    "partc_reconsideration": ({"adverse_notice_date": "NOTICE"}, "STANDARD_PENDING"),
    "partc_grievance": ({"grievance_subject": "quality_of_care"}, "STANDARD_OPEN"),
    "partd_redetermination": ({"adverse_notice_date": "NOTICE"}, "STANDARD_PENDING"),
    "partd_grievance": ({"grievance_subject": "other"}, "STANDARD_OPEN"),
}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> tuple[TestClient, str, str]:
    tmp = tmp_path_factory.mktemp("appeals-pages")
    app = create_app(Settings(db_url=f"sqlite:///{tmp / 'web.db'}", data_dir=tmp))
    key = create_key(app.state.engine, "coord", "coordinator")
    c = TestClient(app)
    return c, sign_in_client(c, key), key


def _received(hours_ago: float) -> dt.datetime:
    return (dt.datetime.now(NY) - dt.timedelta(hours=hours_ago)).replace(second=0, microsecond=0)


def _post_intake(c: TestClient, csrf: str, case_type: str, data: dict[str, Any]) -> Any:
    return c.post("/appeals/new", data={"csrf_token": csrf, "case_type": case_type, **data}, headers=same_origin(c),
                  follow_redirects=False)


@pytest.mark.parametrize("case_type", CASE_TYPES)
def test_every_case_type_has_an_intake_form_that_creates_it(client: tuple[TestClient, str, str], case_type: str) -> None:
    c, csrf, _ = client
    page = c.get(f"/appeals/new?case_type={case_type}")
    assert page.status_code == 200
    names = set(re.findall(r'id="field-(\w+)"', page.text))
    assert names == {f.name for f in intake_fields(case_type)}
    extra, first_state = EXTRA[case_type]
    received = _received(3)
    notice = (received.date() - dt.timedelta(days=5)).isoformat()
    data = {**PERSON, "received": received.strftime("%Y-%m-%dT%H:%M"),
            **{k: (notice if v == "NOTICE" else v) for k, v in extra.items()}}
    done = _post_intake(c, csrf, case_type, data)
    assert done.status_code == 303, re.findall(r'class="(?:field-error|error)"[^>]*>([^<]*)', done.text)
    case_id = int(done.headers["location"].rsplit("/", 1)[1])
    view = cases.get_case(c.app.state.engine, case_id)  # type: ignore[attr-defined]
    assert (view.case.case_type, view.case.status, view.case.received) == (case_type, first_state, received)
    assert view.case.zone == "America/New_York"


def test_required_facts_of_a_type_are_named_next_to_their_fields(client: tuple[TestClient, str, str]) -> None:
    c, csrf, _ = client
    page = _post_intake(c, csrf, "partc_reconsideration", {**PERSON, "received": _received(1).strftime("%Y-%m-%dT%H:%M"),
                                                           "contract_id": "1234", "plan_benefit_package": "1"})
    assert page.status_code == 422
    errors = dict(re.findall(r'<p class="field-error" id="(\w+)-error">([^<]*)</p>', page.text))
    assert errors == {"adverse_notice_date": "Enter the date on the notice appealed.",
                      "contract_id": "A contract number is one capital letter and four digits, e.g. H1234.",
                      "plan_benefit_package": "A plan benefit package is three digits, e.g. 001."}


def test_extension_form_moves_the_decision_by_14_days(client: tuple[TestClient, str, str]) -> None:
    c, csrf, _ = client
    received = _received(30)
    done = _post_intake(c, csrf, "integrated_organization_determination",
                        {**PERSON, "received": received.strftime("%Y-%m-%dT%H:%M"), "programs": "medicare"})
    url = done.headers["location"]
    before = c.get(url).text
    due = re.search(r"<tr[^>]*data-id=\"T5\">.*?data-label=\"Due\">([^<]*)<", before, re.S)
    # T5: 14 calendar days after the day of receipt, end of that day in the plan's zone
    assert due is not None and due.group(1).startswith(f"{received.date() + dt.timedelta(days=14)} 23:59 E")
    form = {"csrf_token": csrf, "expected_version": "1", "requested_by": "enrollee", "calendar_days": "14",
            "at": _received(0.5).strftime("%Y-%m-%dT%H:%M")}
    ok = c.post(f"{url}/events/extend", data=form, headers=same_origin(c), follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == url
    after = c.get(url).text
    # T12 replaces T5: the extended timeframe, 14 more calendar days on the plan's wall clock
    due = re.search(r"<tr[^>]*data-id=\"T12\">.*?data-label=\"Due\">([^<]*)<", after, re.S)
    assert 'data-id="T5"' not in after and due is not None
    assert due.group(1).startswith(f"{received.date() + dt.timedelta(days=28)} 23:59 E")
    again = c.post(f"{url}/events/extend", data={**form, "expected_version": "2"}, headers=same_origin(c),
                   follow_redirects=False)
    assert again.status_code == 303  # one extension only: back to the case, which says why
    assert "extend cannot be recorded on this case in state EXTENDED" in c.get(again.headers["location"]).text


def test_assignee_in_queue_page_and_api_and_resolved_cases_leave(client: tuple[TestClient, str, str]) -> None:
    c, csrf, key = client
    done = _post_intake(c, csrf, "partd_grievance", {**PERSON, "received": _received(2).strftime("%Y-%m-%dT%H:%M"),
                                                     "grievance_subject": "other"})
    url = done.headers["location"]
    case_id = int(url.rsplit("/", 1)[1])
    ok = c.post(f"{url}/assign", data={"csrf_token": csrf, "expected_version": "1", "assignee": "  Sam Triage "},
                headers=same_origin(c), follow_redirects=False)
    assert ok.status_code == 303
    queue = c.get("/appeals").text
    row = re.search(rf'data-case="{case_id}">(.*?)</tr>', queue, re.S)
    assert row is not None and '<td data-label="Assignee" class="assignee">Sam Triage</td>' in row.group(1)
    api = c.get("/api/v1/appeals/queue", headers={"X-API-Key": key}).json()
    assert [i["assignee"] for i in api["items"] if i["id"] == case_id] == ["Sam Triage"]
    moved = c.post(f"/api/v1/appeals/cases/{case_id}/assign", json={"assignee": None, "expected_version": 2},
                   headers={"X-API-Key": key})
    assert moved.status_code == 200 and moved.json()["assignee"] is None
    stale = c.post(f"/api/v1/appeals/cases/{case_id}/assign", json={"assignee": "Al", "expected_version": 2},
                   headers={"X-API-Key": key})
    assert stale.status_code == 409
    resolve = c.post(f"{url}/events/resolve", data={"csrf_token": csrf, "expected_version": "3",
                                                    "at": _received(0.2).strftime("%Y-%m-%dT%H:%M")},
                     headers=same_origin(c), follow_redirects=False)
    assert resolve.status_code == 303 and resolve.headers["location"] == url
    assert f'data-case="{case_id}"' not in c.get("/appeals").text
    assert case_id not in [i["id"] for i in c.get("/api/v1/appeals/queue", headers={"X-API-Key": key}).json()["items"]]


def test_a_reversed_reconsideration_stays_in_the_queue_only_for_its_effectuation() -> None:
    """REVERSED ends a Part C reconsideration (§ 422.590): the decision (C13) is done, the service is still owed
    (E1, § 422.618(a)(1)) - the queue keeps the case for E1 only."""
    now = dt.datetime(2026, 12, 6, 15, 0, tzinfo=dt.UTC)
    intake = Intake(case_type="partc_reconsideration", received=now - dt.timedelta(hours=30), reason="knee brace",
                    enrollee_name="Robin Former", mbi="1EG4TE5MK73", contract_id="H1234", zone="America/New_York",
                    adverse_notice_date=dt.date(2026, 12, 1))
    params = cases.case_params(intake.received, intake.zone)
    case = apply(open_case(intake, params, actor="ina", now=now),
                 CaseEvent(kind="decide", at=now - dt.timedelta(minutes=30), decision="favorable"), params, now=now)
    assert case.status == "REVERSED"
    assert [(d.id, d.state, leaves_queue(case, d.id)) for d in deadlines(case, params, now)] == [
        ("C13", "met", True), ("E1", "open", False)]
    grievance = open_case(Intake(case_type="partc_grievance", received=now - dt.timedelta(hours=3), reason="rude staff",
                                 enrollee_name="Robin Former", mbi="1EG4TE5MK73", contract_id="H1234",
                                 grievance_subject="other"), params, actor="ina", now=now)
    resolved = apply(grievance, CaseEvent(kind="resolve", at=now - dt.timedelta(hours=1)), params, now=now)
    assert not leaves_queue(grievance, "C24") and leaves_queue(resolved, "C24")
