"""Browser-test plumbing shared by the web tests: a live uvicorn server per app, one headless Chromium, login.

Signing in goes through the login form (its CSRF token and the server-side session it opens); ``sign_in_client``
does the same for a FastAPI ``TestClient`` (page tests without a browser), posting with the server's own ``Origin``.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# As the machine's probe starts it: no sandbox as root, and no background networking (the network is closed).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def sign_in_client(client: Any, key: str) -> str:
    """Sign a ``TestClient`` in through the login form with ``key``; returns the session's CSRF token for form posts
    (send them with ``headers=same_origin(client)``)."""
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]*)"', form.text)
    assert token is not None, "the login form carries a CSRF token"
    done = client.post("/login", data={"api_key": key, "csrf_token": token.group(1)}, headers=same_origin(client),
                       follow_redirects=False)
    assert done.status_code == 303, done.text
    home = client.get("/")
    found = re.search(r'name="csrf_token" value="([^"]*)"', home.text)
    assert found is not None, "signed-in pages carry the session's CSRF token"
    return found.group(1)


def same_origin(client: Any) -> dict[str, str]:
    """The ``Origin`` header a browser sends with a form posted from the client's own pages."""
    return {"Origin": str(client.base_url).rstrip("/")}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def serve() -> Iterator[Callable[[Any], str]]:
    """``serve(app)`` runs the ASGI app on a free loopback port and returns its base URL (stopped after the module)."""
    running: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(app: Any) -> str:
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            if time.monotonic() > deadline:
                pytest.fail("uvicorn did not start")
            time.sleep(0.05)
        running.append((server, thread))
        return f"http://127.0.0.1:{port}"

    yield start
    for server, thread in running:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright; missing Chromium fails in CI and skips (visibly) elsewhere."""
    if not Path(CHROMIUM).exists():
        msg = "Debian chromium is not installed (make test installs it)"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(msg)
        pytest.skip(msg)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def login(browser: Any) -> Callable[[str, str], Any]:
    """``login(base, key)``: a new page signed in with ``key`` through the login form."""

    def sign_in(base: str, key: str) -> Any:
        page = browser.new_page()
        page.goto(base + "/login")
        page.fill("#api_key", key)
        page.click("button[type=submit]")
        page.wait_for_url(base + "/")
        return page

    return sign_in
