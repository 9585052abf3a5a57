"""The web shell in real headless Chromium (Debian's /usr/bin/chromium driven by Playwright)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from partcd.platform.auth import create_key
from partcd.platform.server import create_app
from partcd.platform.settings import Settings

pytestmark = pytest.mark.browser



@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, serve: Callable[[Any], str],
                ) -> Iterator[tuple[str, dict[str, str]]]:
    tmp = tmp_path_factory.mktemp("web")
    app = create_app(Settings(db_url=f"sqlite:///{tmp / 'web.db'}", data_dir=tmp))
    keys = {"viewer": create_key(app.state.engine, "vera", "viewer")}
    base = serve(app)
    yield base, keys



def test_login_then_law_browser_renders(live_server: tuple[str, dict[str, str]], browser: object) -> None:
    base, keys = live_server
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(base + "/")
    assert page.url.endswith("/login")
    page.fill("#api_key", "pcd_wrong")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").inner_text() == "That key is not valid."
    page.fill("#api_key", keys["viewer"])
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    assert page.locator("header .who span").inner_text() == "vera (viewer)"
    nav = page.locator("nav a").all_inner_texts()
    assert nav[:2] == ["Home", "Law"]
    page.click("text=Law")
    page.wait_for_url(base + "/law")
    row = page.locator("tr", has=page.locator("code", has_text="avg_hold_time_max_s")).first
    cells = row.locator("td").all_inner_texts()
    assert cells[1] == "120" and cells[2] == "s"
    assert "cap-letter-h1416-2022 L30" in cells[3]
    assert "limit callers' average hold time to 2 minutes" in cells[4]
    page.click("text=Log out")
    page.wait_for_url(base + "/login")
    page.close()
