"""The /radv page in real headless Chromium at a phone's width (390 px): sign in, upload the sample and strata, compute,
read the figures, open the audit report - and nothing on either page is wider than the screen."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from partcd.platform.auth import create_key
from partcd.platform.server import create_app
from partcd.platform.settings import Settings

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, serve: Callable[[Any], str]) -> Iterator[tuple[str, str, Path]]:
    tmp = tmp_path_factory.mktemp("radv-web")
    app = create_app(Settings(db_url=f"sqlite:///{tmp / 'web.db'}", data_dir=tmp))
    (tmp / "sample.csv").write_text("enrollee_id,stratum,payment_error\nA,low,100\nB,low,200\nC,low,300\n"
                                    "D,high,0\nE,high,50\nF,high,100\nG,high,150\n", encoding="utf-8")
    (tmp / "strata.csv").write_text("stratum,population\nlow,10\nhigh,20\n", encoding="utf-8")
    yield serve(app), create_key(app.state.engine, "radv-auditor", "auditor"), tmp


def _fits(page: Any) -> bool:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width <= PHONE["width"]


def test_compute_on_a_phone(live: tuple[str, str, Path], login: Callable[[str, str], Any]) -> None:
    base, key, tmp = live
    page = login(base, key)
    page.set_viewport_size(PHONE)
    page.click("nav a:text('RADV')")
    page.wait_for_url(base + "/radv")
    assert _fits(page)
    page.set_input_files("#sample", str(tmp / "sample.csv"))
    page.set_input_files("#strata", str(tmp / "strata.csv"))
    page.fill("#confidence", "0.90")
    page.click("#radv-form button[type=submit]")
    page.wait_for_selector("#figures")
    # T = 3,500; 90 % two-sided lower limit 3,500 - 2.015048 x 752.772653 = 1,983.13 (PY 2018: recovered)
    assert page.inner_text('td[data-key="point_estimate"]') == "3,500.00"
    assert page.inner_text('td[data-key="lower_limit"]') == "1,983.13"
    assert page.inner_text('#run-recovery td[data-key="recovery"]') == "1,983.13"
    assert _fits(page)
    page.click("#report-link")
    page.wait_for_selector("#steps")
    assert "sqrt(566,666.666667)" in page.inner_text("#steps")
    assert _fits(page)
    page.close()
