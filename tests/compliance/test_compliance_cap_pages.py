"""CAP pages in headless Chromium at desktop (1280 px) and phone (390 px) widths: record a CAP from the CMS letter
(plain-words errors next to the fields), add an action, edit it to done (refused without evidence, then saved), and
export the CAP document as PDF and Word; an auditor reads but cannot edit. Screenshots in test-artifacts/browser/."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from docx import Document

from browser_artifacts import no_sideways_scroll, shot, sign_in
from partcd.compliance import pipelines as svc
from partcd.compliance.api import CapIn
from partcd.compliance.rules.cap import Cap
from partcd.platform.auth import create_key
from partcd.platform.server import create_app
from partcd.platform.settings import Settings

pytestmark = pytest.mark.browser

WIDTHS = (1280, 390)


@pytest.fixture(scope="module")
def capapp(tmp_path_factory: pytest.TempPathFactory, serve: Callable[[Any], str]) -> Iterator[tuple[str, dict[str, str], Any]]:
    tmp = tmp_path_factory.mktemp("cap-pages")
    app = create_app(Settings(db_url=f"sqlite:///{tmp / 'web.db'}", data_dir=tmp))
    keys = {r: create_key(app.state.engine, f"{r}-user", r) for r in ("analyst", "auditor")}
    yield serve(app), keys, app.state.engine


@pytest.mark.parametrize("width", WIDTHS)
def test_cap_create_actions_and_document_export(capapp: tuple[str, dict[str, str], Any], browser: Any,
                                                width: int) -> None:
    base, keys, engine = capapp
    context, page = sign_in(browser, base, keys["analyst"], width)
    page.goto(base + "/callcenter/caps")
    page.click("#new-cap")
    page.wait_for_url(base + "/callcenter/caps/new")
    page.fill("#issued_on", "")
    page.click("#cap-form button[type=submit]")
    assert page.locator("#form-errors").inner_text() == "Please correct the 4 fields marked below."
    assert page.locator("#field-contract_ids .field-error").inner_text() == "Enter the affected contracts."
    assert page.locator("#field-parent_organization .field-error").inner_text() == "Enter the parent organization."
    assert page.locator("#field-legal_entity .field-error").inner_text() == "Enter the legal entity."
    assert page.locator("#field-issued_on .field-error").inner_text() == "Enter the date the letter was issued."
    no_sideways_scroll(page, width)
    shot(page, f"cap-new-errors-{width}")
    page.fill("#contract_ids", "h1234, H5678")
    page.fill("#parent_organization", f"Acme Health {width}")
    page.fill("#legal_entity", "Acme Health Plan, Inc.")
    page.fill("#issued_on", "2022-03-01")
    page.fill("#root_causes", "too few agents at peak hours\nIVR menu loops")
    page.click("#cap-form button[type=submit]")
    page.wait_for_url(f"{base}/callcenter/caps/*?as_of=2022-03-01")
    cap_id = int(page.url.split("/caps/")[1].split("?")[0])
    assert page.locator("h1").inner_text().endswith("H1234, H5678")
    assert page.locator("#as-of").inner_text() == "2022-03-01"
    # the submission date defaults to the letter date + 30 days (§ 422.510(c)(1)): 2022-03-01 + 30 = 2022-03-31
    assert "2022-03-31" in page.locator("table.pairs").inner_text()

    page.fill("#description", "")
    page.click("#action-form button[type=submit]")
    assert page.locator("#field-description .field-error").inner_text() == "Enter the action."
    assert page.locator("#field-owner .field-error").inner_text() == "Enter the owner."
    assert page.locator("#field-due_on .field-error").inner_text() == "Enter the due date."
    page.select_option("#required_element", "timely_access")
    page.fill("#description", "Hire and train 12 bilingual agents for the 8 a.m.-8 p.m. peak")
    page.fill("#owner", "Call center director")
    page.fill("#due_on", "2022-04-15")
    page.click("#action-form button[type=submit]")
    page.wait_for_url(f"{base}/callcenter/caps/{cap_id}?as_of=2022-03-01#actions")
    row = page.locator("#action-table tr[data-action]")
    assert row.count() == 1
    assert row.locator("td[data-label='Status']").inner_text() == "open"
    assert row.locator("td[data-label='Owner']").inner_text() == "Call center director"
    no_sideways_scroll(page, width)
    shot(page, f"cap-detail-{width}")

    row.locator("a:has-text('Edit')").click()
    page.wait_for_url(f"{base}/callcenter/caps/{cap_id}/actions/*")
    page.select_option("#status", "done")
    page.fill("#done_on", "2022-04-12")
    page.fill("#owner", "VP Member Services")
    page.click("#action-edit-form button[type=submit]")
    assert page.locator("#field-evidence .field-error").inner_text() == (
        "A done action needs its evidence: list at least one document or record, one a line.")
    no_sideways_scroll(page, width)
    shot(page, f"cap-action-edit-errors-{width}")
    page.fill("#evidence", "offer letters 2022-03-20\ntraining roster 2022-04-11")
    page.click("#action-edit-form button[type=submit]")
    page.wait_for_url(f"{base}/callcenter/caps/{cap_id}?as_of=2022-03-01#actions")
    row = page.locator("#action-table tr[data-action]")
    assert row.locator("td[data-label='Status']").inner_text() == "done 2022-04-12"
    assert row.locator("td[data-label='Owner']").inner_text() == "VP Member Services"
    assert row.locator("td[data-label='Evidence']").inner_text() == "offer letters 2022-03-20, training roster 2022-04-11"
    stored = svc.get_cap(engine, cap_id, dt.date(2022, 4, 20)).actions[0]
    assert stored.version == 2 and stored.action.done_on == dt.date(2022, 4, 12)

    page.fill("#doc_as_of", "2022-04-20")
    page.select_option("#format", "pdf")
    with page.expect_download() as download:
        page.click("#export")
    assert download.value.suggested_filename == f"cap-{cap_id}-2022-04-20.pdf"
    assert Path(download.value.path()).read_bytes()[:5] == b"%PDF-"
    page.select_option("#format", "docx")
    with page.expect_download() as download:
        page.click("#export")
    assert download.value.suggested_filename == f"cap-{cap_id}-2022-04-20.docx"
    text = "\n".join(p.text for p in Document(download.value.path()).paragraphs)
    tables = "\n".join(c.text for t in Document(download.value.path()).tables for r in t.rows for c in r.cells)
    assert "Acme Health Plan, Inc." in text + tables
    assert "VP Member Services" in tables
    no_sideways_scroll(page, width)
    shot(page, f"cap-export-{width}")
    context.close()


def test_auditor_reads_a_cap_but_cannot_edit(capapp: tuple[str, dict[str, str], Any], browser: Any) -> None:
    base, keys, engine = capapp
    letter = CapIn(contract_ids=["H4321"], parent_organization="Read Only Health", legal_entity="Read Only Plan",
                   issued_on=dt.date(2022, 5, 2))
    cap_id = svc.create_cap(engine, Cap.model_validate({**letter.model_dump(exclude={"closure_compliant_periods"}),
                                                        "contract_ids": ("H4321",)}), actor="setup")
    context, page = sign_in(browser, base, keys["auditor"], 390)
    page.goto(base + "/callcenter/caps")
    assert page.locator("#new-cap").count() == 0
    page.click(f"tr[data-cap='{cap_id}'] a")
    assert page.locator("#action-form").count() == 0
    assert page.locator("#document-form").count() == 1
    response = page.goto(base + "/callcenter/caps/new")
    assert response is not None and response.status == 403
    assert "can read CAPs but not change them" in page.locator("[role=alert]").inner_text()
    no_sideways_scroll(page, 390)
    context.close()
