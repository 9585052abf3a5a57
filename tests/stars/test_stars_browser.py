"""§ 422.166(a)(2)(i) - the Star Ratings page in real headless Chromium: upload, cut-point table, report with its charts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from partcd.platform.auth import create_key
from partcd.platform.server import create_app
from partcd.platform.settings import Settings

pytestmark = pytest.mark.browser

LEVELS_C01 = [10, 30, 50, 70, 90]



@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, serve: Callable[[Any], str],
                ) -> Iterator[tuple[str, dict[str, str], Path]]:
    tmp = tmp_path_factory.mktemp("stars-web")
    app = create_app(Settings(db_url=f"sqlite:///{tmp / 'web.db'}", data_dir=tmp))
    keys = {"analyst": create_key(app.state.engine, "ana", "analyst"), "viewer": create_key(app.state.engine, "vera", "viewer")}
    files = tmp / "files"
    files.mkdir()
    rows = ["contract_id,measure_id,score"] + [f"H{i:04d},C01,{LEVELS_C01[i // 20]}%" for i in range(100)]
    (files / "scores_2025.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    prior = ["measure_id,threshold,value"] + [f"C01,{s},{v}" for s, v in zip((2, 3, 4, 5), (28, 50, 60, 97), strict=True)]
    (files / "published_2024.csv").write_text("\n".join(prior) + "\n", encoding="utf-8")
    base = serve(app)
    yield base, keys, files




def test_upload_table_and_report(live_server: tuple[str, dict[str, str], Path],
        login: Callable[[str, str], Any]) -> None:
    base, keys, files = live_server
    page = login(base, keys["analyst"])
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
    page.wait_for_url(f"{base}/stars/runs/*/report.html")  # the web route: the API takes keys only in headers
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)  # plotly.js loaded and drew the chart
    assert page.locator("table.movement tr.capped").count() == 2
    assert page.locator("table.movement tr.capped td.final").all_inner_texts() == ["65.00", "92.00"]
    assert "stars/params/2025.yaml" in page.locator("table.run").inner_text()
    assert "4185-P L2241 / L3212" in page.locator("p.cite").inner_text()
    page.close()


def test_viewer_sees_runs_but_cannot_start_one(live_server: tuple[str, dict[str, str], Path],
        login: Callable[[str, str], Any]) -> None:
    base, keys, _ = live_server
    page = login(base, keys["viewer"])
    page.goto(base + "/stars")
    assert page.locator("form[action='/stars']").count() == 0
    assert "needs the analyst role" in page.locator("main").inner_text()
    page.close()


def test_bad_file_is_shown_on_the_form(live_server: tuple[str, dict[str, str], Path],
        login: Callable[[str, str], Any]) -> None:
    base, keys, files = live_server
    page = login(base, keys["analyst"])
    page.goto(base + "/stars")
    page.set_input_files("#scores", str(files / "published_2024.csv"))
    page.click("text=Compute cut points")
    alert = page.locator("[role=alert]").inner_text()
    assert alert.startswith("published_2024.csv, row 1:") and "expected scores, found a tidy cut points file" in alert
    page.close()
