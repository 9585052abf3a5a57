"""HTTP API ``POST /api/v1/stars/rate | whatif | explain`` and the ``/stars/contract`` page (42 CFR 422.166(c)-(i),
423.186(c)-(i)): roles, the hand-computed 2026 example (tests/stars/conftest.py), bounded uploads, errors naming uploads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from browser_fixtures import same_origin, sign_in_client
from partcd.platform.auth import create_key
from partcd.platform.server import create_app
from partcd.platform.settings import Settings
from partcd.stars.api import MAX_CONTRACTS, MAX_CUT_POINT_FILES


def _client(tmp_path: Path, **limits: int) -> Iterator[tuple[TestClient, dict[str, str]]]:
    app = create_app(Settings(db_url=f"sqlite:///{tmp_path / 'api.db'}", data_dir=tmp_path, **limits))
    keys = {role: create_key(app.state.engine, f"{role}-key", role) for role in ("viewer", "analyst")}
    with TestClient(app) as c:
        yield c, keys


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    yield from _client(tmp_path)


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


def test_bad_uploads_name_the_upload(client: tuple[TestClient, dict[str, str]], hand_example: tuple[Path, Path]) -> None:
    c, keys = client
    stars, _ = hand_example
    broken = stars.read_text(encoding="utf-8").replace("H9001,C01,5,", "H9001,C01,7,", 1)
    r = c.post("/api/v1/stars/rate", files=[("measure_stars", ("mine.csv", broken, "text/csv"))], data={"year": "2026"},
               headers={"X-API-Key": keys["analyst"]})
    assert r.status_code == 422
    assert r.json()["pointer"] == {"file": "mine.csv", "row": 2, "field": "stars"}
    assert "/tmp" not in r.text and "measure_stars.csv" not in r.text


def test_uploads_go_through_the_platform_limits(tmp_path: Path, hand_example: tuple[Path, Path]) -> None:
    """Every new endpoint stores its files through the upload job: a table over ``upload_max_rows`` is 413 naming it."""
    stars, cai = hand_example
    rows = len(stars.read_text(encoding="utf-8").splitlines()) - 1  # 2 contracts x the 2026 measures
    assert rows > 50
    for c, keys in _client(tmp_path, upload_max_rows=50):
        for path in ("/api/v1/stars/rate", "/api/v1/stars/whatif", "/api/v1/stars/explain"):
            r = c.post(path, files=_files(stars, cai), data={"year": "2026", "contract": "H9001"},
                       headers={"X-API-Key": keys["analyst"]})
            assert r.status_code == 413, (path, r.text)
            assert r.json() == {"error": "UploadRefused", "file": "stars.csv", "limit": "upload_max_rows",
                                "message": f"stars.csv has {rows:,} rows; the limit is 50"}


def test_years_contracts_and_file_lists_are_bounded(client: tuple[TestClient, dict[str, str]],
                                                   hand_example: tuple[Path, Path]) -> None:
    c, keys = client
    analyst = {"X-API-Key": keys["analyst"]}
    for path in ("/api/v1/stars/rate", "/api/v1/stars/whatif", "/api/v1/stars/explain"):
        for year in ("1999", "2101", "99999999999999999999"):
            r = c.post(path, files=_files(*hand_example), data={"year": year, "contract": "H9001"}, headers=analyst)
            assert r.status_code == 422, (path, year, r.text)
        many = [("cut_points", (f"cp{i}.csv", b"x\n", "text/csv")) for i in range(MAX_CUT_POINT_FILES + 1)]
        r = c.post(path, files=[*_files(*hand_example), *many], data={"contract": "H9001"}, headers=analyst)
        assert r.status_code == 422, (path, r.text)
    too_many = {"year": "2026", "contract": [f"H{i:04d}" for i in range(MAX_CONTRACTS + 1)]}
    assert c.post("/api/v1/stars/rate", files=_files(*hand_example), data=too_many, headers=analyst).status_code == 422
    bad_id = {"year": "2026", "contract": ["H9001", "not-an-id"]}
    assert c.post("/api/v1/stars/rate", files=_files(*hand_example), data=bad_id, headers=analyst).status_code == 422


def test_contract_page(client: tuple[TestClient, dict[str, str]], hand_example: tuple[Path, Path]) -> None:
    c, keys = client
    assert c.get("/stars/contract", follow_redirects=False).status_code == 303
    csrf = sign_in_client(c, keys["analyst"])
    page = c.get("/stars/contract")
    assert page.status_code == 200 and 'action="/stars/contract"' in page.text
    assert f'name="csrf_token" value="{csrf}"' in page.text
    form = {"contract": "h9001", "year": "2026", "csrf_token": csrf}
    r = c.post("/stars/contract", files=_files(*hand_example), data=form, headers=same_origin(c))
    assert r.status_code == 200, r.text
    assert '<tr data-rating="part_c"><th>Part C summary (highest rating)</th>' in r.text
    assert '<td class="num stars" data-label="Stars">4.5</td>' in r.text and "weighted mean 4.375000 of 4 measures" in r.text
    no_year = c.post("/stars/contract", files=_files(*hand_example), data={**form, "year": ""}, headers=same_origin(c))
    assert no_year.status_code == 422 and "rating year" in no_year.text  # tidy files name no year
    wrong = c.post("/stars/contract", files=_files(*hand_example), data={**form, "contract": "H0001"},
                   headers=same_origin(c))
    assert wrong.status_code == 422 and "contract H0001 is not in the measure stars" in wrong.text
    forged = c.post("/stars/contract", files=_files(*hand_example), data={**form, "csrf_token": "forged"},
                    headers=same_origin(c))
    assert forged.status_code == 403 and "weighted mean" not in forged.text
    c.post("/logout", data={"csrf_token": csrf}, headers=same_origin(c))
    viewer_csrf = sign_in_client(c, keys["viewer"])
    denied = c.post("/stars/contract", files=_files(*hand_example), data={**form, "csrf_token": viewer_csrf},
                    headers=same_origin(c))
    assert denied.status_code == 403 and "may not upload files" in denied.text
    assert 'href="/stars/contract"' in c.get("/stars").text


def test_openapi_lists_the_rating_endpoints(client: tuple[TestClient, dict[str, str]]) -> None:
    c, _ = client
    paths = c.get("/openapi.json").json()["paths"]
    assert {"/api/v1/stars/rate", "/api/v1/stars/whatif"} <= set(paths)
    assert "post" in paths["/api/v1/stars/explain"] and "get" in paths["/api/v1/stars/explain"]
