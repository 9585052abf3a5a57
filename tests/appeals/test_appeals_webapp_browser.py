"""The appeals web app in headless Chromium at desktop (1280 px) and phone (390 px) widths: intake with plain-words
errors next to the fields -> a plan-initiated extension refused until its three conditions (§ 422.631(d)(2)(ii)) and
its justification are given -> the extension notice as PDF; assignment in the queue; a resolved grievance leaves the
queue; the universes page downloads CSV. Screenshots are kept in test-artifacts/browser/ (see browser_artifacts.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from browser_artifacts import no_sideways_scroll, shot, sign_in
from partcd.appeals.pipelines.letterhead import set_letterhead
from partcd.platform.auth import create_key
from partcd.platform.server import create_app
from partcd.platform.settings import Settings

pytestmark = pytest.mark.browser

WIDTHS = (1280, 390)


@pytest.fixture(scope="module")
def webapp(tmp_path_factory: pytest.TempPathFactory, serve: Callable[[Any], str]) -> Iterator[tuple[str, dict[str, str]]]:
    tmp = tmp_path_factory.mktemp("appeals-webapp")
    app = create_app(Settings(db_url=f"sqlite:///{tmp / 'web.db'}", data_dir=tmp))
    keys = {r: create_key(app.state.engine, f"{r}-user", r) for r in ("coordinator", "auditor")}
    set_letterhead(app.state.engine, {"contract_id": "H1234", "plan_name": "Sunrise Health Plan",
                                      "address": "100 Main St\nColumbus, OH 43215", "phone": "1-800-555-0100", "tty": "711",
                                      "hours": "8 a.m. to 8 p.m., 7 days a week", "time_zone": "America/New_York"},
                   actor="admin-user")
    yield serve(app), keys


@pytest.mark.parametrize("width", WIDTHS)
def test_intake_then_plan_extension_then_notice_pdf(webapp: tuple[str, dict[str, str]], browser: Any, width: int) -> None:
    base, keys = webapp
    context, page = sign_in(browser, base, keys["coordinator"], width)
    page.goto(base + "/appeals")
    no_sideways_scroll(page, width)
    page.click("#new-case")
    page.select_option("#case_type", "integrated_organization_determination")
    page.click("#type-form button[type=submit]")
    assert "America/New_York" in page.locator("#zone").inner_text()
    # the IOD's intake fields: 9 of every case, programs, expedite and jeopardy, payment, oral payment, non-contract info
    assert page.locator("#intake-form .field").count() == 15
    page.fill("#mbi", "1EG4-TE5-MK7")
    page.fill("#contract_id", "h12")
    page.click("#intake-form button[type=submit]")
    assert page.locator("#form-errors").inner_text() == "Please correct the 4 fields marked below."
    assert page.locator("#field-enrollee_name .field-error").inner_text() == "Enter the enrollee's name."
    assert page.locator("#field-reason .field-error").inner_text() == "Enter the reason for the request."
    assert "not a valid MBI" in page.locator("#field-mbi .field-error").inner_text()
    assert page.locator("#field-contract_id .field-error").inner_text() == \
        "A contract number is one capital letter and four digits, e.g. H1234."
    no_sideways_scroll(page, width)
    shot(page, f"appeals-intake-errors-{width}")
    page.fill("#enrollee_name", "Pat Browser")
    page.fill("#mbi", "1EG4-TE5-MK73")
    page.fill("#contract_id", "H1234")
    page.fill("#reason", "home health visits after discharge")
    page.click("#intake-form button[type=submit]")
    page.wait_for_url(f"{base}/appeals/cases/*")
    case_url = page.url
    assert "STANDARD_PENDING" in page.locator("#state").inner_text()
    assert "America/New_York" in page.locator("#zone").inner_text()
    due = page.locator("#deadlines tr[data-id='T5'] td[data-label='Due']").inner_text()
    assert due.endswith(("EST", "EDT"))  # every time carries the plan zone's abbreviation
    no_sideways_scroll(page, width)
    shot(page, f"appeals-case-{width}")

    page.click("a[data-event='extend']")
    page.select_option("#requested_by", "plan")
    page.check("#enrollee_interest")
    page.click("#event-form button[type=submit]")
    assert page.locator("#form-errors").inner_text() == "Please correct the 3 fields marked below."
    assert page.locator("#field-needs_information .field-error").inner_text() == (
        "Not confirmed: the plan needs additional information. An extension the plan takes on its own needs this.")
    assert page.locator("#field-likely_approval .field-error").inner_text() == (
        "Not confirmed: the additional information would likely lead to approval of the request. An extension the plan "
        "takes on its own needs this.")
    assert page.locator("#field-justification .field-error").inner_text() == (
        "Write why the plan extends: an extension the plan takes on its own needs a written justification.")
    assert "42 CFR 422.631(d)(2)(ii)(B)(1)" in page.locator("#extension-rule").inner_text()
    assert page.locator("#field-enrollee_interest .field-error").count() == 0
    no_sideways_scroll(page, width)
    shot(page, f"appeals-extension-missing-conditions-{width}")
    page.check("#needs_information")
    page.check("#likely_approval")
    page.fill("#justification", "the home health agency's visit notes are needed to approve the visits")
    page.click("#event-form button[type=submit]")
    page.wait_for_url(case_url)
    assert "EXTENDED" in page.locator("#state").inner_text()
    assert page.locator("#timeline li[data-kind='extend']").count() == 1

    pdf_link = page.locator("#notice-links a[href$='/notices/extension?format=pdf&language=en']")
    assert pdf_link.count() == 1
    answer = page.request.get(base + pdf_link.get_attribute("href"))
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    assert answer.body()[:5] == b"%PDF-"
    no_sideways_scroll(page, width)
    shot(page, f"appeals-case-notices-{width}")

    page.fill("#assignee-input", f"Dana {width}")
    page.click("#assign-form button[type=submit]")
    page.wait_for_url(case_url)
    assert page.locator("#assignee").inner_text() == f"Dana {width}"
    page.goto(base + "/appeals")
    case_id = case_url.rsplit("/", 1)[1]
    assert page.locator(f"tr[data-case='{case_id}'] td.assignee").inner_text() == f"Dana {width}"
    no_sideways_scroll(page, width)
    shot(page, f"appeals-queue-{width}")
    context.close()


def test_resolved_grievance_leaves_the_queue(webapp: tuple[str, dict[str, str]], browser: Any) -> None:
    base, keys = webapp
    context, page = sign_in(browser, base, keys["coordinator"], 1280)
    page.goto(base + "/appeals/new?case_type=partc_grievance")
    page.fill("#enrollee_name", "Lee Grievant")
    page.fill("#mbi", "1EG4TE5MK73")
    page.fill("#contract_id", "H1234")
    page.fill("#reason", "rude call center staff")
    page.click("#intake-form button[type=submit]")
    assert page.locator("#field-grievance_subject .field-error").inner_text() == "Choose what the grievance is about."
    page.select_option("#grievance_subject", "other")
    page.click("#intake-form button[type=submit]")
    page.wait_for_url(f"{base}/appeals/cases/*")
    case_id = page.url.rsplit("/", 1)[1]
    assert "STANDARD_OPEN" in page.locator("#state").inner_text()
    page.goto(base + "/appeals")
    assert page.locator(f"tr[data-case='{case_id}']").count() == 1
    page.goto(f"{base}/appeals/cases/{case_id}")
    page.click("a[data-event='resolve']")
    page.click("#event-form button[type=submit]")
    page.wait_for_url(f"{base}/appeals/cases/{case_id}")
    assert "RESOLVED" in page.locator("#state").inner_text()
    page.goto(base + "/appeals")
    assert page.locator(f"tr[data-case='{case_id}']").count() == 0
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_universes_page_downloads(webapp: tuple[str, dict[str, str]], browser: Any, width: int) -> None:
    base, keys = webapp
    context, page = sign_in(browser, base, keys["auditor"], width)
    page.goto(base + "/appeals")
    assert page.locator("#new-case").count() == 0  # an auditor reads and exports, never receives requests
    page.click("#universes")
    page.wait_for_url(base + "/appeals/universes")
    assert page.locator("#universe-tables tr[data-table]").count() == 10
    with page.expect_download() as download:
        page.click("tr[data-table='OD'] a:has-text('CSV')")
    assert download.value.suggested_filename == "universe-OD.csv"
    assert Path(download.value.path()).read_text(encoding="utf-8").startswith("Enrollee First Name,")
    with page.expect_download() as download:
        page.click("tr[data-table='GRV_C'] a:has-text('Excel')")
    assert download.value.suggested_filename == "universe-GRV_C.xlsx"
    no_sideways_scroll(page, width)
    shot(page, f"appeals-universes-{width}")
    context.close()
