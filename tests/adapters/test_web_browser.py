"""The web shell in real headless Chromium (Debian's /usr/bin/chromium driven by Playwright)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from partcd.auth import create_key
from partcd.server import create_app
from partcd.settings import Settings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    tmp = tmp_path_factory.mktemp("web")
    app = create_app(Settings(db_url=f"sqlite:///{tmp / 'web.db'}", data_dir=tmp))
    keys = {"viewer": create_key(app.state.engine, "vera", "viewer")}
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", keys
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        msg = "Debian chromium is not installed (make test installs it)"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(msg)
        pytest.skip(msg)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


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
