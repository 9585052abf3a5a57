"""Appeals queue and case timeline in real headless Chromium (Debian's /usr/bin/chromium driven by Playwright)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from partcd.appeals.pipelines import cases
from partcd.platform.auth import create_key
from partcd.platform.server import create_app
from partcd.platform.settings import Settings

BASE: dict[str, Any] = {"reason": "power wheelchair repair", "enrollee_name": "Browser Tester", "mbi": "1EG4TE5MK73",
                        "contract_id": "H1234"}

pytestmark = pytest.mark.browser



@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, serve: Callable[[Any], str],
                ) -> Iterator[tuple[str, dict[str, str], dict[str, int]]]:
    tmp = tmp_path_factory.mktemp("appeals-web")
    app = create_app(Settings(db_url=f"sqlite:///{tmp / 'web.db'}", data_dir=tmp))
    engine = app.state.engine
    keys = {r: create_key(engine, f"{r[:4]}-user", r) for r in ("coordinator", "auditor", "viewer")}
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    ids = {
        "overdue": cases.create_case(engine, {**BASE, "case_type": "integrated_organization_determination",
                                              "received": now - dt.timedelta(days=20)}, actor="ina", now=now).id,
        "soon": cases.create_case(engine, {**BASE, "case_type": "partd_coverage_determination",
                                           "received": now - dt.timedelta(hours=2), "expedite_requested": True,
                                           "provider_indicates_jeopardy": True}, actor="ina", now=now).id,
        "later": cases.create_case(engine, {**BASE, "case_type": "integrated_organization_determination",
                                            "received": now - dt.timedelta(hours=1)}, actor="ina", now=now).id,
    }
    base = serve(app)
    yield base, keys, ids




def test_queue_buckets_then_case_timeline_and_an_event(live: tuple[str, dict[str, str], dict[str, int]],
                                                       login: Callable[[str, str], Any]) -> None:
    base, keys, ids = live
    page = login(base, keys["coordinator"])
    assert "Appeals" in page.locator("nav a").all_inner_texts()
    page.click("nav >> text=Appeals")
    page.wait_for_url(base + "/appeals")
    assert page.locator(f"#bucket-overdue tr[data-case='{ids['overdue']}']").count() == 1
    assert "DEEMED_ADVERSE" in page.locator(f"#bucket-overdue tr[data-case='{ids['overdue']}']").inner_text()
    assert page.locator(f"#bucket-due_24h tr[data-case='{ids['soon']}']").count() == 1
    assert "P3" in page.locator(f"#bucket-due_24h tr[data-case='{ids['soon']}']").inner_text()
    assert page.locator(f"#bucket-later tr[data-case='{ids['later']}']").count() == 1
    page.select_option("#case_type", "partd_coverage_determination")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("tr[data-case]").count() == 1
    page.click(f"a[href='/appeals/cases/{ids['soon']}']")
    page.wait_for_url(f"{base}/appeals/cases/{ids['soon']}")
    assert "EXPEDITED_PENDING" in page.locator("#state").inner_text()
    p3 = page.locator("#deadlines tr[data-id='P3']").inner_text()
    assert "open" in p3 and "423.572(a)" in p3
    assert page.locator("#timeline li").count() == 1
    assert "Browser Tester" in page.locator("#record").inner_text()
    page.click("a[data-event='decide']")
    page.select_option("#decision", "favorable")
    page.fill("#note", "criteria met")
    page.click("#event-form button[type=submit]")
    page.wait_for_url(f"{base}/appeals/cases/{ids['soon']}")
    assert "APPROVED" in page.locator("#state").inner_text()
    items = page.locator("#timeline li").all_inner_texts()
    assert len(items) == 2 and "decide" in items[1] and "coor-user" in items[1] and "criteria met" in items[1]
    assert "met" in page.locator("#deadlines tr[data-id='P3']").inner_text()
    page.close()


def test_stale_form_shows_the_conflict_and_auditor_is_read_only(live: tuple[str, dict[str, str], dict[str, int]],
                                                                 login: Callable[[str, str], Any]) -> None:
    base, keys, ids = live
    page = login(base, keys["coordinator"])
    page.goto(f"{base}/appeals/cases/{ids['later']}")
    other = login(base, keys["coordinator"])
    other.goto(f"{base}/appeals/cases/{ids['later']}")
    page.click("a[data-event='review']")
    other.click("a[data-event='review']")
    other.click("#event-form button[type=submit]")
    other.wait_for_url(f"{base}/appeals/cases/{ids['later']}")
    page.click("#event-form button[type=submit]")
    assert "changed by someone else" in page.locator("#form-error").inner_text()
    page.close()
    other.close()
    auditor = login(base, keys["auditor"])
    auditor.goto(f"{base}/appeals/cases/{ids['overdue']}")
    assert "DEEMED_ADVERSE" in auditor.locator("#state").inner_text()
    assert "T13" in auditor.locator("#deadlines").inner_text()
    assert auditor.locator("#event-links").count() == 0
    auditor.close()
    viewer = login(base, keys["viewer"])
    resp = viewer.goto(f"{base}/appeals")
    assert resp is not None and resp.status == 403
    assert "cannot see appeal cases" in viewer.locator("[role=alert]").inner_text()
    viewer.close()
