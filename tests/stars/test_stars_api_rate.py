"""HTTP API ``POST /api/v1/stars/rate | whatif | explain`` and the ``/stars/contract`` page (42 CFR 422.166(c)-(i),
423.186(c)-(i)): roles, the hand-computed 2026 example (tests/stars/conftest.py), bounded uploads, errors naming uploads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from partcd.platform.auth import create_key
from partcd.platform.server import create_app
from partcd.platform.settings import Settings
from partcd.stars import api as stars_api


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    app = create_app(Settings(db_url=f"sqlite:///{tmp_path / 'api.db'}", data_dir=tmp_path))
    keys = {role: create_key(app.state.engine, f"{role}-key", role) for role in ("viewer", "analyst")}
    with TestClient(app) as c:
        yield c, keys


def _files(stars: Path, cai: Path) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("measure_stars", ("stars.csv", stars.read_bytes(), "text/csv")), ("cai", ("cai.csv", cai.read_bytes(), "text/csv"))]


def test_roles(client: tuple[TestClient, dict[str, str]], hand_example: tuple[Path, Path]) -> None:
    c, keys = client
    for path in ("/api/v1/stars/rate", "/api/v1/stars/whatif", "/api/v1/stars/explain"):
        assert c.post(path, data={"year": "2026"}).status_code == 401
        r = c.post(path, files=_files(*hand_example), data={"year": "2026", "contract": "H9001"},
                   headers={"X-API-Key": keys["viewer"]})
        assert r.status_code == 403 and "needs one of: admin, analyst" in r.json()["detail"]


def test_rate_hand_computed(client: tuple[TestClient, dict[str, str]], hand_example: tuple[Path, Path]) -> None:
    c, keys = client
    r = c.post("/api/v1/stars/rate", files=_files(*hand_example), data={"year": "2026"},
               headers={"X-API-Key": keys["analyst"]})
    assert r.status_code == 200, r.text
    body = r.json()
    got = {rec["contract_id"]: (rec["part_c_summary"], rec["highest_rating_type"], rec["reward_factor"]["part_c"],
                                rec["cai"]["part_c"]) for rec in body["records"]}
    # 35/8 + 0.4 - 0.058259 = 4.716741 -> 4.5; 17/8 + 0 + 0.10237 = 2.22737 -> 2.0
    assert got == {"H9001": (4.5, "part_c", 0.4, -0.058259), "H9002": (2.0, "part_c", 0.0, 0.10237)}
    assert body["rating_year"] == 2026 and body["unverified_inputs"] == []
    one = c.post("/api/v1/stars/rate", files=_files(*hand_example), data={"year": "2026", "contract": ["H9002"]},
                 headers={"X-API-Key": keys["analyst"]})
    assert [rec["contract_id"] for rec in one.json()["records"]] == ["H9002"]


def test_whatif_and_explain(client: tuple[TestClient, dict[str, str]], hand_example: tuple[Path, Path]) -> None:
    c, keys = client
    analyst = {"X-API-Key": keys["analyst"]}
    changes = ("star_changes", ("changes.csv", b"contract_id,measure_id,stars\nH9002,C01,5\n", "text/csv"))
    r = c.post("/api/v1/stars/whatif", files=[*_files(*hand_example), changes], data={"year": "2026"}, headers=analyst)
    assert r.status_code == 200, r.text
    moves = r.json()["moves"]
    # C01 1 -> 5: (5 + 6 + 6 + 4) / 8 = 2.625 + 0.10237 -> 2.5
    assert [(m["kind"], m["contract_id"], m["what"], m["before"], m["after"]) for m in moves] == [
        ("rating", "H9002", "part_c", 2.0, 2.5), ("measure_star", "H9002", "C01", 1, 5)]
    nothing = c.post("/api/v1/stars/whatif", files=_files(*hand_example), data={"year": "2026"}, headers=analyst)
    assert nothing.status_code == 422 and "nothing to change" in nothing.json()["message"]
    e = c.post("/api/v1/stars/explain", files=_files(*hand_example), data={"year": "2026", "contract": "H9001"},
               headers=analyst)
    assert e.status_code == 200, e.text
    body = e.json()
    assert body["rating"]["part_c_summary"] == 4.5 and "Highest rating (the quality-bonus rating): part_c = 4.5" in body["text"]
    assert "stars_2026.csv" not in body["text"] and str(Path.cwd()) not in body["text"]
    bad = c.post("/api/v1/stars/explain", files=_files(*hand_example), data={"year": "2026", "contract": "H0001"},
                 headers=analyst)
    assert bad.status_code == 422 and bad.json()["message"] == "contract H0001 is not in the measure stars"
    malformed = c.post("/api/v1/stars/explain", files=_files(*hand_example), data={"contract": "not-an-id"}, headers=analyst)
    assert malformed.status_code == 422


def test_bad_and_oversized_uploads(client: tuple[TestClient, dict[str, str]], hand_example: tuple[Path, Path],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    c, keys = client
    analyst = {"X-API-Key": keys["analyst"]}
    stars, cai = hand_example
    broken = stars.read_text(encoding="utf-8").replace("H9001,C01,5,", "H9001,C01,7,", 1)
    r = c.post("/api/v1/stars/rate", files=[("measure_stars", ("mine.csv", broken, "text/csv"))], data={"year": "2026"},
               headers=analyst)
    assert r.status_code == 422
    assert r.json()["pointer"] == {"file": "mine.csv", "row": 2, "field": "stars"}
    monkeypatch.setattr(stars_api, "MAX_UPLOAD_BYTES", 100)
    big = c.post("/api/v1/stars/rate", files=_files(stars, cai), data={"year": "2026"}, headers=analyst)
    assert big.status_code == 422 and big.json()["message"] == "stars.csv: larger than 100 bytes"


def test_contract_page(client: tuple[TestClient, dict[str, str]], hand_example: tuple[Path, Path]) -> None:
    c, keys = client
    assert c.get("/stars/contract", follow_redirects=False).status_code == 303
    c.cookies.set("partcd_key", keys["analyst"])
    page = c.get("/stars/contract")
    assert page.status_code == 200 and 'action="/stars/contract"' in page.text
    r = c.post("/stars/contract", files=_files(*hand_example), data={"contract": "h9001", "year": "2026"})
    assert r.status_code == 200, r.text
    assert '<tr data-rating="part_c"><th>Part C summary (highest rating)</th>' in r.text
    assert '<td class="num stars">4.5</td>' in r.text and "weighted mean 4.375000 of 4 measures" in r.text
    wrong = c.post("/stars/contract", files=_files(*hand_example), data={"contract": "H0001", "year": "2026"})
    assert wrong.status_code == 422 and "contract H0001 is not in the measure stars" in wrong.text
    c.cookies.set("partcd_key", keys["viewer"])
    denied = c.post("/stars/contract", files=_files(*hand_example), data={"contract": "H9001", "year": "2026"})
    assert denied.status_code == 403 and "may not upload files" in denied.text
    assert 'href="/stars/contract"' in c.get("/stars").text


def test_openapi_lists_the_rating_endpoints(client: tuple[TestClient, dict[str, str]]) -> None:
    c, _ = client
    paths = c.get("/openapi.json").json()["paths"]
    assert {"/api/v1/stars/rate", "/api/v1/stars/whatif"} <= set(paths)
    assert "post" in paths["/api/v1/stars/explain"] and "get" in paths["/api/v1/stars/explain"]
