"""The D-SNP pages in real headless Chromium (Debian's /usr/bin/chromium driven by Playwright): navigation, the
plan-year overview, one contract with its § 422.107 terms, and the role check."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from partcd.dsnp import pipelines as svc
from partcd.dsnp import samples
from partcd.platform.auth import create_key
from partcd.platform.server import create_app
from partcd.platform.settings import Settings

pytestmark = pytest.mark.browser
MBI = "1EG4TE5MK73"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory,
         serve: Callable[[Any], str]) -> Iterator[tuple[str, dict[str, str], dict[str, int]]]:
    tmp = tmp_path_factory.mktemp("dsnp-web")
    app = create_app(Settings(db_url=f"sqlite:///{tmp / 'web.db'}", data_dir=tmp))
    engine = app.state.engine
    keys = {r: create_key(engine, f"{r}-user", r) for r in ("viewer", "intake")}
    ids: dict[str, int] = {}
    year = dt.date.today().year
    for data in samples.contracts(year):
        view = svc.create_contract(engine, data, actor="lead")
        ids[view.contract_id] = view.id
        for ev in samples.evidence(view.contract_id):
            svc.add_evidence(engine, view.id, ev, actor="lead")
    svc.record_admission(engine, ids["H2002"], {"admission_ref": "NJ-ADM-1", "mbi": MBI, "setting": "hospital",
                                                "admitted_at": dt.datetime(year, 1, 5, 9, tzinfo=dt.UTC)},
                         actor="adt", now=dt.datetime.now(dt.UTC))
    yield serve(app), keys, ids


def test_overview_then_one_contract(live: tuple[str, dict[str, str], dict[str, int]], login: Callable[[str, str], Any],
                                    tmp_path: Path) -> None:
    base, keys, ids = live
    page = login(base, keys["viewer"])
    page.click("nav >> text=D-SNP")
    page.wait_for_url(base + "/dsnp")
    rows = page.locator("#status-table tbody tr")
    assert rows.count() == 4
    assert "FIDE" in page.locator("#status-table tr[data-plan='H2001-001']").inner_text()
    fl = page.locator("#status-table tr[data-plan='H2004-004']").inner_text()
    assert "mandatory: suspension_of_enrollment" in fl or "No mandatory" in fl  # 2021-2025 window vs. later years
    assert MBI not in page.content()
    page.screenshot(path=str(tmp_path / "dsnp-overview.png"), full_page=True)
    page.click("#status-table a >> text=H2002-002")
    page.wait_for_url(f"{base}/dsnp/contracts/{ids['H2002']}*")
    assert page.locator("#level").inner_text().startswith("HIDE")
    assert "not applicable" in page.locator("#checklist tr[data-term='d_admission_notification']").inner_text()
    assert "NJ-ADM-1" in page.locator("#admissions").inner_text() and MBI not in page.content()


def test_a_role_without_access_is_refused(live: tuple[str, dict[str, str], dict[str, int]],
                                          login: Callable[[str, str], Any]) -> None:
    base, keys, _ = live
    page = login(base, keys["intake"])
    response = page.goto(base + "/dsnp")
    assert response is not None and response.status == 200  # intake may read (it records admissions)
    page.goto(base + "/dsnp/contracts/999")
    assert "no State contract 999" in page.content()
