"""The case page's notice links (TestClient signed in through the login form): per notice kind the case has, the member
letter in every language of the contract's letterhead (HTML and PDF) and the audit copy with its citations for the
roles the API lets read it; a language the letterhead lists without templates is named, not linked; a contract without
a letterhead gets a plain message (with the link to its letterhead form for an admin) instead of links answering 409.
Following each link returns the letter in its language."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from browser_fixtures import sign_in_client
from partcd.appeals.api import NOTICE_READERS
from partcd.appeals.pipelines import cases
from partcd.appeals.pipelines import letterhead as lh
from partcd.appeals.web import AUDIT_COPY_READERS
from partcd.platform.auth import create_key
from partcd.platform.server import create_app
from partcd.platform.settings import Settings

HEAD: dict[str, Any] = {"contract_id": "H1234", "plan_name": "Sunrise Health Plan",
                        "address": "100 Main St\nColumbus, OH 43215", "phone": "1-800-555-0100", "tty": "711",
                        "hours": "8 a.m. to 8 p.m., 7 days a week", "time_zone": "America/New_York",
                        "languages": ["en", "es", "vi"],
                        "hours_translations": {"es": "de 8 a.m. a 8 p.m., los 7 días de la semana",
                                               "vi": "8 giờ sáng đến 8 giờ tối"}}
PERSON: dict[str, Any] = {"enrollee_name": "Lena Ortiz", "mbi": "1EG4TE5MK73", "reason": "rude transport driver",
                          "case_type": "integrated_grievance", "grievance_subject": "other",
                          "programs": ["medicare", "medicaid"], "zone": "America/New_York"}
ROLES = ("intake", "reviewer", "coordinator", "auditor", "admin", "viewer")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, str], int, int]]:
    """H1234 has a letterhead in en, es and vi (vi has no templates); H5678 has none. One integrated grievance on
    each: receipt (acknowledgement notice) and an extension the enrollee asked for (extension notice)."""
    tmp = tmp_path_factory.mktemp("notice-links")
    app = create_app(Settings(db_url=f"sqlite:///{tmp / 'web.db'}", data_dir=tmp))
    engine = app.state.engine
    keys = {r: create_key(engine, f"{r}-user", r) for r in ROLES}
    lh.set_letterhead(engine, HEAD, actor="admin-user")
    received = (dt.datetime.now(dt.UTC) - dt.timedelta(days=3)).replace(microsecond=0)
    ids = []
    for contract in ("H1234", "H5678"):
        view = cases.create_case(engine, {**PERSON, "contract_id": contract, "received": received}, actor="intake-user")
        cases.transition(engine, view.id, {"kind": "extend", "at": received + dt.timedelta(days=1),
                                           "requested_by": "enrollee"}, actor="reviewer-user", expected_version=view.version)
        ids.append(view.id)
    yield app, keys, ids[0], ids[1]


def _client(app: Any, key: str) -> TestClient:
    c = TestClient(app)
    sign_in_client(c, key)
    return c


def _links(html: str, kind: str) -> list[str]:
    item = re.search(rf'<li data-notice-kind="{kind}">(.*?)</li>', html, re.S)
    assert item is not None, f"no notice item for {kind}"
    return [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', item.group(1))]


def test_audit_copy_roles_are_the_api_notice_roles() -> None:
    assert AUDIT_COPY_READERS == frozenset(NOTICE_READERS) == frozenset({"intake", "reviewer", "coordinator", "auditor"})


def test_links_per_kind_and_language(site: tuple[Any, dict[str, str], int, int]) -> None:
    app, keys, with_head, _ = site
    c = _client(app, keys["intake"])
    page = c.get(f"/appeals/cases/{with_head}")
    assert page.status_code == 200 and 'id="no-letterhead"' not in page.text
    assert re.findall(r'<li data-notice-kind="(\w+)">', page.text) == ["acknowledgement", "extension"]
    for kind in ("acknowledgement", "extension"):
        base = f"/appeals/cases/{with_head}/notices/{kind}"
        assert _links(page.text, kind) == [f"{base}?language=en", f"{base}?format=pdf&language=en",
                                           f"{base}?language=es", f"{base}?format=pdf&language=es",
                                           f"{base}?audit_copy=true", f"{base}?format=pdf&audit_copy=true"]
    # vi is listed by the letterhead but has no templates: named with the reason, never linked
    assert re.search(r'<span class="meta" data-language="vi">vi: not available \(no notice templates in &#39;vi&#39;', page.text)

    english = c.get(f"/appeals/cases/{with_head}/notices/acknowledgement?language=en")
    assert english.status_code == 200 and '<html lang="en">' in english.text
    assert "Sunrise Health Plan" in english.text and "CFR" not in english.text and "INTERNAL AUDIT COPY" not in english.text
    spanish = c.get(f"/appeals/cases/{with_head}/notices/extension?language=es")
    assert spanish.status_code == 200 and '<html lang="es">' in spanish.text
    assert "de 8 a.m. a 8 p.m., los 7 días de la semana" in spanish.text and "CFR" not in spanish.text
    assert 'filename="case-1-extension-es.html"' in spanish.headers["content-disposition"]
    audit = c.get(f"/appeals/cases/{with_head}/notices/extension?audit_copy=true")
    assert audit.status_code == 200 and "INTERNAL AUDIT COPY" in audit.text and "42 CFR 422.630" in audit.text
    assert 'filename="case-1-extension-en-audit.html"' in audit.headers["content-disposition"]
    refused = c.get(f"/appeals/cases/{with_head}/notices/extension?language=vi")
    assert refused.status_code == 422 and "no notice templates in 'vi'" in refused.json()["message"]


def test_pdf_links_answer_pdf_in_their_language(site: tuple[Any, dict[str, str], int, int]) -> None:
    if not (shutil.which("chromium") or Path("/usr/bin/chromium").exists()):
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("Debian chromium is not installed")
        pytest.skip("Debian chromium is not installed (the PDF is printed by it)")
    app, keys, with_head, _ = site
    c = _client(app, keys["auditor"])
    page = c.get(f"/appeals/cases/{with_head}")
    links = _links(page.text, "acknowledgement")
    for href, name in ((links[3], "case-1-acknowledgement-es.pdf"), (links[5], "case-1-acknowledgement-en-audit.pdf")):
        pdf = c.get(href)
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf", href
        assert pdf.content.startswith(b"%PDF-") and f'filename="{name}"' in pdf.headers["content-disposition"]


def test_every_notice_role_sees_the_audit_copy_and_others_are_refused(site: tuple[Any, dict[str, str], int, int]) -> None:
    app, keys, with_head, _ = site
    for role in ("intake", "reviewer", "coordinator", "auditor", "admin"):
        page = _client(app, keys[role]).get(f"/appeals/cases/{with_head}")
        assert page.text.count("data-audit-copy") == 2, role
    viewer = _client(app, keys["viewer"])
    assert viewer.get(f"/appeals/cases/{with_head}").status_code == 403
    assert viewer.get(f"/appeals/cases/{with_head}/notices/extension?audit_copy=true").status_code == 403


def test_no_letterhead_gives_a_message_not_links(site: tuple[Any, dict[str, str], int, int]) -> None:
    app, keys, _, without = site
    page = _client(app, keys["coordinator"]).get(f"/appeals/cases/{without}")
    assert page.status_code == 200 and 'id="notice-links"' not in page.text
    assert f"/appeals/cases/{without}/notices/" not in page.text
    message = re.search(r'<p id="no-letterhead" class="note">(.*?)</p>', page.text, re.S)
    assert message is not None
    text = " ".join(message.group(1).split())
    assert text.startswith("Notices cannot be printed yet: contract H5678 has no letterhead")
    assert "An admin sets it on the letterhead page." in text and "<a" not in text
    admin_page = _client(app, keys["admin"]).get(f"/appeals/cases/{without}")
    assert '<a id="set-letterhead" href="/appeals/letterhead/H5678">Set the letterhead of H5678</a>' in admin_page.text
    form = _client(app, keys["admin"]).get("/appeals/letterhead/H5678")
    assert form.status_code == 200 and 'id="letterhead-form"' in form.text
