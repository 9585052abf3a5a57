"""§ 422.166(a)(2)(i) - the Star Ratings page in real headless Chromium: upload, cut-point table, report with its charts."""

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

LEVELS_C01 = [10, 30, 50, 70, 90]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str], Path]]:
    tmp = tmp_path_factory.mktemp("stars-web")
    app = create_app(Settings(db_url=f"sqlite:///{tmp / 'web.db'}", data_dir=tmp))
    keys = {"analyst": create_key(app.state.engine, "ana", "analyst"), "viewer": create_key(app.state.engine, "vera", "viewer")}
    files = tmp / "files"
    files.mkdir()
    rows = ["contract_id,measure_id,score"] + [f"H{i:04d},C01,{LEVELS_C01[i // 20]}%" for i in range(100)]
    (files / "scores_2025.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    prior = ["measure_id,threshold,value"] + [f"C01,{s},{v}" for s, v in zip((2, 3, 4, 5), (28, 50, 60, 97), strict=True)]
    (files / "published_2024.csv").write_text("\n".join(prior) + "\n", encoding="utf-8")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", keys, files
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


def _login(page: object, base: str, key: str) -> None:
    page.goto(base + "/login")  # type: ignore[attr-defined]
    page.fill("#api_key", key)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url(base + "/")  # type: ignore[attr-defined]


def test_upload_table_and_report(live_server: tuple[str, dict[str, str], Path], browser: object) -> None:
    base, keys, files = live_server
    page = browser.new_page()  # type: ignore[attr-defined]
    _login(page, base, keys["analyst"])
    assert "Star Ratings" in page.locator("nav a").all_inner_texts()
    page.click("nav >> text=Star Ratings")
    page.wait_for_url(base + "/stars")
    page.set_input_files("#scores", str(files / "scores_2025.csv"))
    page.set_input_files("#prior_cut_points", str(files / "published_2024.csv"))
    page.fill("#seed", "42")
    page.select_option("#methodology", "cms-2024+")
    page.click("text=Compute cut points")
    page.wait_for_url(f"{base}/stars?run=*")
    rows = page.locator("#cut-points tbody tr")
    assert rows.count() == 4
    table = [rows.nth(i).locator("td").all_inner_texts() for i in range(4)]
    # prior 28/50/60/97, clustered 30/50/70/90, cap 5: thresholds 4 and 5 are capped (65 = 60 + 5, 92 = 97 - 5)
    assert [(r[2], r[6], r[7]) for r in table] == [("2", "30.0000", "within_cap"), ("3", "50.0000", "within_cap"),
                                                   ("4", "65.0000", "capped_up"), ("5", "92.0000", "capped_down")]
    assert page.locator("#cut-points tr.capped").count() == 2
    assert "published_2024.csv" in page.locator("#run .meta").inner_text()
    page.click("#report-link")
    page.wait_for_url(f"{base}/api/v1/stars/runs/*/report.html")
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)  # plotly.js loaded and drew the chart
    assert page.locator("table.movement tr.capped").count() == 2
    assert page.locator("table.movement tr.capped td.final").all_inner_texts() == ["65.00", "92.00"]
    assert "stars/params/2025.yaml" in page.locator("table.run").inner_text()
    assert "4185-P L2241 / L3212" in page.locator("p.cite").inner_text()
    page.close()


def test_viewer_sees_runs_but_cannot_start_one(live_server: tuple[str, dict[str, str], Path], browser: object) -> None:
    base, keys, _ = live_server
    page = browser.new_page()  # type: ignore[attr-defined]
    _login(page, base, keys["viewer"])
    page.goto(base + "/stars")
    assert page.locator("form[action='/stars']").count() == 0
    assert "needs the analyst role" in page.locator("main").inner_text()
    page.close()


def test_bad_file_is_shown_on_the_form(live_server: tuple[str, dict[str, str], Path], browser: object) -> None:
    base, keys, files = live_server
    page = browser.new_page()  # type: ignore[attr-defined]
    _login(page, base, keys["analyst"])
    page.goto(base + "/stars")
    page.set_input_files("#scores", str(files / "published_2024.csv"))
    page.click("text=Compute cut points")
    alert = page.locator("[role=alert]").inner_text()
    assert alert.startswith("published_2024.csv, row 1:") and "expected scores, found a tidy cut points file" in alert
    page.close()
