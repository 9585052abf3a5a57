"""Telehealth over HTTP and on the page: 401 without a key, roles, the worked example's figures, 422 with the pointer,
the page recomputes from the form; and the demo's report."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api_support import Api, api_client
from browser_fixtures import sign_in_client
from partcd.telehealth.demo import demo
from partcd.telehealth.samples import example_services, example_worksheet

ROLES = ("viewer", "analyst", "auditor", "intake", "admin")


@pytest.fixture()
def api(tmp_path: Path) -> Iterator[Api]:
    with api_client(tmp_path, ROLES) as client:
        yield client


def test_every_endpoint_needs_a_key(api: Api) -> None:
    c, _ = api
    assert c.post("/api/v1/telehealth/classify", json=example_services()).status_code == 401
    assert c.post("/api/v1/telehealth/bid", json=example_worksheet()).status_code == 401
    assert c.get("/api/v1/telehealth/example").status_code == 401
    assert c.post("/api/v1/telehealth/bid", json=example_worksheet(), headers={"X-API-Key": "pcd_forged"}).status_code == 401


def test_roles_and_figures(api: Api) -> None:
    c, keys = api
    for role in ("viewer", "analyst", "auditor", "intake", "admin"):
        r = c.post("/api/v1/telehealth/classify", json=example_services(), headers=keys[role])
        assert r.status_code == 200, role
    body = r.json()
    assert body["not_allowed_as_offered"] == ["derm_noncontracted"]
    assert [x["category"] for x in body["classifications"]][:3] == [
        "additional_telehealth_benefit", "original_medicare_telehealth", "supplemental"]
    r = c.post("/api/v1/telehealth/classify?reading=proposed", json=example_services(), headers=keys["viewer"])
    assert r.json()["classifications"][0]["decided_by"] == "C3_provider_directory"
    for role in ("viewer", "auditor", "intake"):
        assert c.post("/api/v1/telehealth/bid", json=example_worksheet(), headers=keys[role]).status_code == 403, role
    r = c.post("/api/v1/telehealth/bid", json=example_worksheet(), headers=keys["analyst"])
    assert r.status_code == 200
    d = {x["id"]: x["value_usd"] for x in r.json()["differences"]}
    assert (d["M5"], d["G2"], d["E1"]) == (8.00, 2.72, -4.13)
    r = c.get("/api/v1/telehealth/example", headers=keys["viewer"])
    assert r.status_code == 200 and r.json()["bid"]["as_classified"]["lines"][4]["value_usd"] == 949.18


def test_bad_input_is_422_with_the_pointer(api: Api) -> None:
    c, keys = api
    sheet = example_worksheet()
    sheet["lines"][1]["allowed_pmpm_usd"] = -3
    r = c.post("/api/v1/telehealth/bid", json=sheet, headers=keys["analyst"])
    assert r.status_code == 422
    assert r.json()["pointer"] == {"file": "body", "row": 2, "field": "allowed_pmpm_usd"}
    sheet = example_worksheet()
    sheet["lines"] = sheet["lines"] * 1000  # 6,000 lines: over the bound
    r = c.post("/api/v1/telehealth/bid", json=sheet, headers=keys["analyst"])
    assert r.status_code == 422 and "at most 5000" in r.json()["reason"]
    services = example_services()
    del services["plan_compliance"]
    r = c.post("/api/v1/telehealth/classify", json=services, headers=keys["viewer"])
    assert r.status_code == 422 and r.json()["field"] == "plan_compliance"
    r = c.post("/api/v1/telehealth/classify", json={**example_services(), "contract_year": 2019},
               headers=keys["viewer"])
    assert r.status_code == 422 and "contract_year 2019" in r.json()["message"]


def test_page_recomputes_from_the_form(api: Api) -> None:
    c, keys = api
    assert c.get("/telehealth", follow_redirects=False).headers["location"] == "/login"
    sign_in_client(c, keys["viewer"]["X-API-Key"])
    page = c.get("/telehealth").text
    assert 'data-line="G2"' in page and "+2.72" in page and "Telehealth" in page
    page = c.get("/telehealth", params={"rebate_pct": "50", "facts": "1", "enrollees_advised_of_choice": "on",
                                        "credentialing_and_state_licensing": "on",
                                        "information_available_to_cms": "on"}).text
    assert "+4.00" in page
    page = c.get("/telehealth", params={"facts": "1"}).text  # every box unticked: nothing qualifies
    assert "move 0.00 USD PMPM" in page
    page = c.get("/telehealth", params={"rebate_pct": "150"}).text
    assert 'role="alert"' in page and "less than or equal to 100" in page


def test_demo_writes_the_reports(tmp_path: Path) -> None:
    result = demo(tmp_path, 1, "duckdb")
    assert result.href == "telehealth/index.html"
    assert result.headline.startswith("8.00 USD PMPM moved into the basic bid; Medicare +2.72, enrollee premium -4.13")
    for name in ("index.html", "proposed.html", "basic_only.html", "classify.html", "worksheet.yaml", "bid.json"):
        assert (tmp_path / "telehealth" / name).is_file(), name
    assert "move 0.00 USD PMPM" in (tmp_path / "telehealth" / "proposed.html").read_text()
