"""Every page of the navigation on a 390 px phone in headless Chromium: no sideways scrolling of the page
(``document.documentElement.scrollWidth <= 390``; the navigation wraps, card tables stack, other tables scroll in
their own box, form fields take the width). Screenshots in test-artifacts/browser/."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from browser_artifacts import no_sideways_scroll, shot, sign_in
from partcd.platform.auth import create_key
from partcd.platform.server import create_app
from partcd.platform.settings import Settings
from partcd.platform.web.shell import nav

pytestmark = pytest.mark.browser

PHONE = 390


def test_every_navigation_page_fits_a_phone(tmp_path: Any, serve: Callable[[Any], str], browser: Any) -> None:
    app = create_app(Settings(db_url=f"sqlite:///{tmp_path / 'web.db'}", data_dir=tmp_path))
    base = serve(app)
    context, page = sign_in(browser, base, create_key(app.state.engine, "admin-user", "admin"), PHONE)
    paths = [item.path for item in nav()]
    assert {"/", "/law", "/appeals", "/callcenter/caps"} <= set(paths)
    for path in [*paths, "/appeals/new?case_type=integrated_reconsideration", "/callcenter/caps/new", "/appeals/universes"]:
        answer = page.goto(base + path)
        assert answer is not None and answer.status == 200, path
        no_sideways_scroll(page, PHONE)
    page.goto(base + "/law")
    shot(page, f"law-{PHONE}")
    context.close()
