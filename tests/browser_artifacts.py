"""Where the browser tests keep their screenshots and downloads: ``test-artifacts/browser/`` at the repository root
(gitignored; ``$PARTCD_TEST_ARTIFACTS`` overrides), so a run leaves the pictures of every page it drove."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def artifacts_dir() -> Path:
    folder = Path(os.environ.get("PARTCD_TEST_ARTIFACTS") or ROOT / "test-artifacts" / "browser")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shot(page: Any, name: str) -> Path:
    """A full-page screenshot ``<name>.png`` in the artifacts folder."""
    path = artifacts_dir() / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def no_sideways_scroll(page: Any, width: int) -> None:
    """The page fits the viewport: ``document.documentElement.scrollWidth <= width`` (tables stack or scroll inside)."""
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} scrolls sideways at {width} px: scrollWidth {scroll}"


def sign_in(browser: Any, base: str, key: str, width: int) -> tuple[Any, Any]:
    """A new browser context of ``width`` px signed in through the login form; returns (context, page)."""
    context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(base + "/login")
    page.fill("#api_key", key)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(base + "/")
    return context, page
