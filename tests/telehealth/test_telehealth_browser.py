"""The telehealth page in real headless Chromium: sign in, change the rebate share and a § 422.135(c) fact in the form,
see the bid recomputed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from partcd.platform.auth import create_key
from partcd.platform.server import create_app
from partcd.platform.settings import Settings

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, serve: Callable[[Any], str]) -> Iterator[tuple[str, str]]:
    tmp = tmp_path_factory.mktemp("telehealth-web")
    app = create_app(Settings(db_url=f"sqlite:///{tmp / 'web.db'}", data_dir=tmp))
    yield serve(app), create_key(app.state.engine, "view-user", "viewer")


def test_change_the_worked_example_in_the_form(live: tuple[str, str], login: Callable[[str, str], Any]) -> None:
    base, key = live
    page = login(base, key)
    page.click("nav a:text('Telehealth')")
    page.wait_for_url(base + "/telehealth")
    assert page.inner_text('tr[data-line="G2"] td[data-scenario="difference"]') == "+2.72"
    page.fill("#rebate_pct", "50")
    page.click("#assumptions button[type=submit]")
    page.wait_for_load_state()
    # Medicare pays (1 - 0.50) of the 8.00 moved into the basic bid
    assert page.inner_text('tr[data-line="G2"] td[data-scenario="difference"]') == "+4.00"
    page.uncheck("input[name=information_available_to_cms]")
    page.click("#assumptions button[type=submit]")
    page.wait_for_load_state()
    assert page.inner_text('tr[data-line="M5"] td[data-scenario="difference"]') == "+0.00"
    assert "C4_information" in page.inner_text('tr[data-service="bh_video"]')
    page.close()
