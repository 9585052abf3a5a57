"""§ 422.166(a)(2)(i), § 423.186(a)(2)(i) - HTTP API /api/v1/stars: keys and roles, cut points, assign, explain (4185-P L2241)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from partcd.platform.auth import create_key
from partcd.platform.server import create_app
from partcd.platform.settings import Settings

# 20 contracts at each of 5 well-separated scores: every resampling run finds the same clusters, no Tukey outliers
# (Q1 30, Q3 70, fences -90 and 190).
LEVELS_C01 = [10, 30, 50, 70, 90]
LEVELS_C25 = [0.1, 0.3, 0.5, 0.7, 0.9]


def _scores(with_c25: bool = False) -> str:
    lines = ["contract_id,measure_id,score,contract_type"]
    for i in range(100):
        lines.append(f"H{i:04d},C01,{LEVELS_C01[i // 20]}%,")
        if with_c25:
            lines.append(f"H{i:04d},C25,{LEVELS_C25[i // 20]},")
    return "\n".join(lines) + "\n"


PRIOR = "measure_id,threshold,value,contract_type\n" + "".join(
    f"C01,{s},{v},\n" for s, v in zip((2, 3, 4, 5), (28, 50, 60, 97), strict=True))
PRIOR_C25 = "".join(f"C25,{s},{v},\n" for s, v in zip((2, 3, 4, 5), (0.8, 0.5, 0.25, 0.12), strict=True))


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    settings = Settings(db_url=f"sqlite:///{tmp_path / 'api.db'}", data_dir=tmp_path)
    app = create_app(settings)
    keys = {role: create_key(app.state.engine, f"{role}-key", role) for role in ("viewer", "analyst")}
    with TestClient(app) as c:
        yield c, keys


def _post_cutpoints(c: TestClient, key: str, scores: str = "", prior: str = PRIOR, **form: str) -> httpx.Response:
    files = [("scores", ("scores_2025.csv", scores or _scores(), "text/csv")),
             ("prior_cut_points", ("published_2024.csv", prior, "text/csv"))]
    data = {"year": "2025", "seed": "42", **form}
    response: httpx.Response = c.post("/api/v1/stars/cutpoints", files=files, data=data, headers={"X-API-Key": key})
    return response


def test_keys_and_roles(client: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = client
    assert c.post("/api/v1/stars/cutpoints", data={"year": "2025"}).status_code == 401
    assert c.get("/api/v1/stars/explain", params={"run": "0" * 32, "contract": "H0001", "measure": "C01"}).status_code == 401
    assert c.get("/api/v1/stars/runs/" + "0" * 32).status_code == 401
    r = _post_cutpoints(c, keys["viewer"])
    assert r.status_code == 403 and "needs one of: admin, analyst" in r.json()["detail"]
    files = {"scores": ("s.csv", _scores(), "text/csv"), "cut_points": ("p.csv", PRIOR, "text/csv")}
    assert c.post("/api/v1/stars/assign", files=files, headers={"X-API-Key": keys["viewer"]}).status_code == 403
    assert c.get("/api/v1/stars/runs/" + "0" * 32, headers={"X-API-Key": keys["viewer"]}).status_code == 404


def test_cutpoints_hand_computed_and_run_kept(client: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = client
    r = _post_cutpoints(c, keys["analyst"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["rating_year"], body["methodology"], body["seed"], body["params_file"]) == \
        (2025, "cms-2024+", 42, "stars/params/2025.yaml")
    assert body["scores_file"] == "scores_2025.csv" and body["prior_cut_points_files"] == ["published_2024.csv"]
    got = {rec["threshold"]: (rec["prior"], rec["unguarded"], rec["cap"], rec["value"], rec["reason"])
           for rec in body["records"]}
    assert got == {
        2: (28.0, 30.0, 5.0, 30.0, "within_cap"),  # +2 <= 5
        3: (50.0, 50.0, 5.0, 50.0, "within_cap"),
        4: (60.0, 70.0, 5.0, 65.0, "capped_up"),  # 70 - 60 = 10 > 5 -> 60 + 5
        5: (97.0, 90.0, 5.0, 92.0, "capped_down"),  # 90 - 97 = -7 -> 97 - 5
    }
    assert body["reasons"] == {"capped_down": 1, "capped_up": 1, "within_cap": 2}
    run_id = body["run_id"]
    assert body["report"] == f"/api/v1/stars/runs/{run_id}/report.html"
    viewer = {"X-API-Key": keys["viewer"]}
    again = c.get(f"/api/v1/stars/runs/{run_id}", headers=viewer).json()
    assert again["records"] == body["records"]
    page = c.get(body["report"], headers=viewer)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<tr class="capped" data-measure="C01" data-contract-type="ALL" data-threshold="4">' in page.text
    assert "65.00" in page.text and "92.00" in page.text and "published_2024.csv" in page.text
    assert 'src="../plotly.min.js"' in page.text
    js = c.get("/api/v1/stars/runs/plotly.min.js", headers=viewer)
    assert js.status_code == 200 and "plotly" in js.text[:2000].lower()


def test_explain_and_assign_with_a_run(client: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = client
    run_id = _post_cutpoints(c, keys["analyst"]).json()["run_id"]
    viewer = {"X-API-Key": keys["viewer"]}
    # H0070 scored 70: >= 65 (4 stars, capped) and < 92 (5 stars) -> 4 stars
    r = c.get("/api/v1/stars/explain", params={"run": run_id, "contract": "H0070", "measure": "C01"}, headers=viewer)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["contract_id"], body["measure_id"], body["measure_key"], body["score"], body["stars"]) == \
        ("H0070", "C01", "breast_cancer_screening", 70.0, 4)
    assert "So the contract gets 4 stars" in body["text"] and "4 stars >= 65" in body["text"]
    # how the run set each cut point (the guardrail reasons of the run)
    assert ("4 stars: capped: the clustered value rose more than the cap above last year's cut point (clustered 70, "
            "last year 60, cap 5: 60 + 5 = 65)") in body["text"]
    assert ("5 stars: capped: the clustered value fell more than the cap below last year's cut point (clustered 90, "
            "last year 97, cap 5: 97 - 5 = 92)") in body["text"]
    assert [t["how"].split(" (")[0] for t in body["detail"]["thresholds"]][:2] == [
        "clustered, within the guardrail cap of last year's cut point"] * 2
    assert "To reach 5 stars the score must rise by 22 to 92." in body["text"]
    r = c.get("/api/v1/stars/explain", params={"run": run_id, "contract": "H9999", "measure": "C01"}, headers=viewer)
    assert r.status_code == 422
    assert r.json()["message"] == f"no score for contract H9999 on measure C01 in the scores of run {run_id}"
    analyst = {"X-API-Key": keys["analyst"]}
    mine = "contract_id,measure_id,score\nH7000,C01,64%\nH7001,C01,65%\nH7002,C01,92%\nH7003,C01,Plan too small to be measured\n"
    r = c.post("/api/v1/stars/assign", files={"scores": ("mine.csv", mine, "text/csv")}, data={"run": run_id}, headers=analyst)
    assert r.status_code == 200, r.text
    stars = {rec["contract_id"]: (rec["stars"], rec["missing_reason"]) for rec in r.json()["records"]}
    # cut points 30 / 50 / 65 / 92: 64 -> 3, 65 -> 4 (the bound belongs to the level), 92 -> 5
    assert stars == {"H7000": (3, None), "H7001": (4, None), "H7002": (5, None),
                     "H7003": (None, "Plan too small to be measured")}


def test_assign_with_uploaded_cut_points(client: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = client
    files = [("scores", ("s.csv", "contract_id,measure_id,score\nH0001,C01,28%\nH0002,C01,27%\n", "text/csv")),
             ("cut_points", ("p.csv", PRIOR, "text/csv"))]
    r = c.post("/api/v1/stars/assign", files=files, data={"year": "2025"}, headers={"X-API-Key": keys["analyst"]})
    assert r.status_code == 200, r.text
    assert [(rec["contract_id"], rec["stars"]) for rec in r.json()["records"]] == [("H0001", 2), ("H0002", 1)]
    r = c.post("/api/v1/stars/assign", files=files[:1], headers={"X-API-Key": keys["analyst"]})
    assert r.status_code == 422 and "either cut-point files or a run id" in r.json()["message"]


def test_bad_upload_names_the_uploaded_file(client: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = client
    bad = "contract_id,measure_id,score\nH0001,C01,70%\nX1,C01,50%\n"
    r = _post_cutpoints(c, keys["analyst"], scores=bad)
    assert r.status_code == 422
    body = r.json()
    assert body["pointer"] == {"file": "scores_2025.csv", "row": 3, "field": "contract_id"}
    r = _post_cutpoints(c, keys["analyst"], methodology="no-such-method")
    assert r.status_code == 422 and "unknown methodology" in r.json()["message"]


def test_rule_refusal_is_409(client: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = client
    # C25 is not on a 0-100 scale: its restricted-range cap needs the prior year's scores, which are not given
    r = _post_cutpoints(c, keys["analyst"], scores=_scores(with_c25=True), prior=PRIOR + PRIOR_C25)
    assert r.status_code == 409
    assert "restricted range" in r.json()["message"]


def test_openapi_lists_stars_endpoints(client: tuple[TestClient, dict[str, str]]) -> None:
    c, _ = client
    paths = c.get("/openapi.json").json()["paths"]
    assert {"/api/v1/stars/cutpoints", "/api/v1/stars/assign", "/api/v1/stars/explain"} <= set(paths)
