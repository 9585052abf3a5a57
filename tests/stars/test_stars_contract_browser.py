"""§§ 422.166(c)-(i), 423.186(c)-(i) - the ``/stars/contract`` page in headless Chromium at desktop (1280 px) and
phone (390 px) widths: an analyst signs in through the login form, uploads a year's Measure Stars and CAI, names a
contract and sees the Part C summary, Part D summary and overall ratings (with reward factor and CAI) that
``POST /api/v1/stars/explain`` returns for the same files, without the page scrolling sideways.

Two data sets: the hand-computed 2026 example of the TestClient tests (tests/stars/conftest.py: H9001 Part C 4.5, no
Part D or overall rating) and CMS's 2025 tables for H0028 (an MA-PD contract rated on all three), with its scores and
the 2025 cut points so every measure's explanation is on the page too. Screenshots: test-artifacts/browser/."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from browser_artifacts import no_sideways_scroll, shot, sign_in
from partcd.platform.auth import create_key
from partcd.platform.server import create_app
from partcd.platform.settings import Settings

pytestmark = pytest.mark.browser

WIDTHS = (1280, 390)
RATINGS = (("part_c", "part_c_summary"), ("part_d", "part_d_summary"), ("overall", "overall"))


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, serve: Callable[[Any], str]) -> Iterator[tuple[str, str]]:
    tmp = tmp_path_factory.mktemp("stars-contract")
    app = create_app(Settings(db_url=f"sqlite:///{tmp / 'web.db'}", data_dir=tmp))
    yield serve(app), create_key(app.state.engine, "ana", "analyst")


def _api_rating(base: str, key: str, contract: str, files: dict[str, list[Path]], year: str) -> dict[str, Any]:
    """What ``POST /api/v1/stars/explain`` answers for the same uploads (its ``rating`` block)."""
    parts = [(field, (p.name, p.read_bytes(), "text/csv")) for field, paths in files.items() for p in paths]
    data = {"contract": contract, **({"year": year} if year else {})}
    answer = httpx.post(f"{base}/api/v1/stars/explain", files=parts, data=data, headers={"X-API-Key": key}, timeout=120)
    assert answer.status_code == 200, answer.text
    rating: dict[str, Any] = answer.json()["rating"]
    return rating


def _shown(value: Any, empty: str) -> str:
    return empty if value is None else str(value)


def _explain_on_page(browser: Any, base: str, key: str, width: int, contract: str, files: dict[str, list[Path]], year: str,
                     name: str) -> tuple[dict[str, list[str]], Any, Any]:
    context, page = sign_in(browser, base, key, width)
    page.goto(base + "/stars/contract")
    no_sideways_scroll(page, width)
    page.fill("#contract", contract.lower())
    if year:
        page.fill("#year", year)
    for field, paths in files.items():
        page.set_input_files(f"#{field}", [str(p) for p in paths])
    page.click("form[action='/stars/contract'] button[type=submit]")
    page.wait_for_selector("#contract-ratings", timeout=120_000)
    rows = {r: page.locator(f"#contract-ratings tr[data-rating='{r}'] td").all_inner_texts() for r, _ in RATINGS}
    if width < 720:  # phone: each rating is a card; the reasons sit in the value column, right of their label
        for r, _ in RATINGS:
            label = page.locator(f"#contract-ratings tr[data-rating='{r}'] td[data-label='How it was reached']")
            reasons = label.locator(".reasons")
            assert reasons.bounding_box()["x"] > label.bounding_box()["x"] + 80, r
    no_sideways_scroll(page, width)
    shot(page, f"stars-contract-{name}-{width}")
    return rows, context, page


def _check(rows: dict[str, list[str]], rating: dict[str, Any]) -> None:
    for name, key in RATINGS:
        stars, reward, cai, _reasons = rows[name]
        assert stars == _shown(rating[key], "not rated"), name
        assert reward == _shown(rating["reward_factor"][name], "–"), name
        assert cai == _shown(rating["cai"][name], "–"), name


@pytest.mark.parametrize("width", WIDTHS)
def test_hand_example_ratings_equal_the_api(live: tuple[str, str], browser: Any, hand_example: tuple[Path, Path],
                                           width: int) -> None:
    base, key = live
    stars, cai = hand_example
    files = {"measure_stars": [stars], "cai": [cai]}
    rating = _api_rating(base, key, "H9001", files, "2026")
    # the hand arithmetic of tests/stars/conftest.py: 35/8 + 0.4 - 0.058259 = 4.716741 -> 4.5; no Part D measures
    assert (rating["part_c_summary"], rating["reward_factor"]["part_c"], rating["cai"]["part_c"]) == (4.5, 0.4, -0.058259)
    assert rating["part_d_summary"] is None and rating["overall"] is None
    rows, context, page = _explain_on_page(browser, base, key, width, "H9001", files, "2026", "hand")
    _check(rows, rating)
    assert rows["part_c"][:3] == ["4.5", "0.4", "-0.058259"] and rows["overall"][0] == "not rated"
    assert "weighted mean 4.375000 of 4 measures" in rows["part_c"][3]
    assert page.locator("#contract-title").inner_text() == "Contract H9001 · 2026 Star Ratings"
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_cms_2025_contract_ratings_equal_the_api(live: tuple[str, str], browser: Any,
                                                 star_file: Callable[[int, str], Path], width: int) -> None:
    base, key = live
    files = {"measure_stars": [star_file(2025, "Measure Stars")], "cai": [star_file(2025, "CAI")],
             "scores": [star_file(2025, "Measure Data")],
             "cut_points": [star_file(2025, "Part C Cut"), star_file(2025, "Part D Cut")]}
    rating = _api_rating(base, key, "H0028", files, "")
    assert all(rating[k] is not None for _, k in RATINGS)  # an MA-PD contract: all three ratings
    rows, context, page = _explain_on_page(browser, base, key, width, "H0028", files, "", "cms2025")
    _check(rows, rating)
    assert page.locator("section.measure").count() > 30  # every measure explained with its cut points
    context.close()
