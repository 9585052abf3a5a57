"""RADV over HTTP: 401 without a key, roles, the hand-computed two-strata example equal to the pure estimator, the
recovery per payment year, uploads, the HTML report, the sample selection and its CSV, and 422 naming field and row."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api_support import Api, api_client
from partcd.radv import pipelines
from partcd.radv.rules.estimators import StratumSample, stratified_mpu
from partcd.radv.samples import synthetic_frame, worked_example

ROLES = ("viewer", "analyst", "auditor", "intake", "admin")
KEYS = ["point_estimate", "standard_error", "lower_limit", "upper_limit", "n", "df", "t_value", "precision_amount",
        "precision_percent"]
SAMPLE_CSV = "enrollee_id,stratum,payment_error\nA,low,100\nB,low,200\nC,low,300\nD,high,0\nE,high,50\nF,high,100\nG,high,150\n"
STRATA_CSV = "stratum,population\nlow,10\nhigh,20\n"


@pytest.fixture()
def api(tmp_path: Path) -> Iterator[Api]:
    with api_client(tmp_path, ROLES) as client:
        yield client


def _frame_rows(size: int, seed: int = 5) -> list[dict[str, Any]]:
    return [e.model_dump(mode="json") for e in synthetic_frame(seed, size=size)]


def test_every_endpoint_needs_a_key(api: Api) -> None:
    c, _ = api
    assert c.post("/api/v1/radv/extrapolate", json=worked_example()).status_code == 401
    assert c.post("/api/v1/radv/report", json=worked_example()).status_code == 401
    assert c.post("/api/v1/radv/sample", json={"payment_year": 2018, "seed": 1, "frame": []}).status_code == 401
    assert c.post("/api/v1/radv/extrapolate/files", files={"sample": ("s.csv", SAMPLE_CSV)}).status_code == 401
    assert c.get("/api/v1/radv/example").status_code == 401
    assert c.post("/api/v1/radv/extrapolate", json=worked_example(), headers={"X-API-Key": "pcd_forged"}).status_code == 401


def test_roles(api: Api) -> None:
    c, keys = api
    for role in ("viewer", "intake"):
        assert c.post("/api/v1/radv/extrapolate", json=worked_example(), headers=keys[role]).status_code == 403, role
        assert c.post("/api/v1/radv/report", json=worked_example(), headers=keys[role]).status_code == 403, role
        frame = {"payment_year": 2018, "seed": 1, "frame": _frame_rows(30)}
        assert c.post("/api/v1/radv/sample", json=frame, headers=keys[role]).status_code == 403, role
    for role in ("analyst", "auditor", "admin"):
        assert c.post("/api/v1/radv/extrapolate", json=worked_example(), headers=keys[role]).status_code == 200, role
    for role in ROLES:
        assert c.get("/api/v1/radv/example", headers=keys[role]).status_code == 200, role


def test_the_worked_example_equals_the_estimator_and_the_hand_figures(api: Api) -> None:
    c, keys = api
    r = c.post("/api/v1/radv/extrapolate", json=worked_example(), headers=keys["auditor"])
    body = r.json()
    assert list(body) == KEYS
    rule = stratified_mpu([StratumSample(stratum="low", population=10, values=(100, 200, 300)),
                           StratumSample(stratum="high", population=20, values=(0, 50, 100, 150))], 0.90)
    assert body == pytest.approx(rule.summary())
    # by hand (test_estimators_hand): T = 3,500; V = 233,333.33 + 333,333.33; SE = 752.77; df = 7 - 2; t(0.95, 5) 2.015
    assert body["point_estimate"] == pytest.approx(3500.0)
    assert body["standard_error"] == pytest.approx(752.77, abs=0.01)
    assert (body["n"], body["df"]) == (7, 5)
    assert body["t_value"] == pytest.approx(2.015, abs=5e-4)
    assert (body["lower_limit"], body["upper_limit"]) == (pytest.approx(1983.1, abs=0.3), pytest.approx(5016.9, abs=0.3))
    one = c.post("/api/v1/radv/extrapolate", json={**worked_example(), "sidedness": "one_sided_lower", "explain": True},
                 headers=keys["analyst"]).json()
    assert one["upper_limit"] is None and "point estimate: T = sum_h T_h; 2,000 + 1,500 = 3,500" in one["steps"]
    # unrestricted: 100..400 of N = 10 -> T = 2,500, SE = 500
    flat = {"sample": [{"payment_error": y} for y in (100, 200, 300, 400)], "population": 10}
    got = c.post("/api/v1/radv/extrapolate", json=flat, headers=keys["analyst"]).json()
    assert (got["point_estimate"], got["standard_error"], got["df"]) == (pytest.approx(2500.0), pytest.approx(500.0), 3)
    example = c.get("/api/v1/radv/example", headers=keys["viewer"]).json()
    assert example["request"] == worked_example() and example["response"]["point_estimate"] == 3500.0


def test_recovery_per_payment_year(api: Api) -> None:
    c, keys = api
    ffs = {"ffs_adjuster_rate": 0.01, "contract_payments_usd": 10_000}
    r = c.post("/api/v1/radv/extrapolate", json={**worked_example(), "payment_year": 2018, **ffs},
               headers=keys["auditor"]).json()["recovery"]
    # PY 2018 extrapolated: max(0, lower limit 1,983.13); FFS comparison: 1,983.13 - 0.01 x 10,000 = 1,883.13
    assert (r["basis"], r["recovery_bound"]) == ("extrapolated", "lower_limit")
    assert r["recovery"] == pytest.approx(1983.13, abs=0.01)
    assert r["recovery_with_ffs_adjuster"] == pytest.approx(1883.13, abs=0.01)
    # PY 2015: no extrapolation under the final rule -> the sampled errors 600 + 300 = 900
    r = c.post("/api/v1/radv/extrapolate", json={**worked_example(), "payment_year": 2015}, headers=keys["auditor"])
    assert r.json()["recovery"]["basis"] == "sampled_enrollees_only" and r.json()["recovery"]["recovery"] == 900.0
    # the proposal's reading extrapolates PY 2015; the point estimate as bound
    r = c.post("/api/v1/radv/extrapolate", json={**worked_example(), "payment_year": 2015, "reading": "proposed_2018",
                                                 "recovery_bound": "point"}, headers=keys["auditor"])
    assert r.json()["recovery"]["recovery"] == 3500.0


def test_uploads_give_the_same_figures_and_name_the_upload(api: Api) -> None:
    c, keys = api
    r = c.post("/api/v1/radv/extrapolate/files", headers=keys["analyst"], data={"confidence": "0.90"},
               files={"sample": ("sample.csv", SAMPLE_CSV), "strata": ("strata.csv", STRATA_CSV)})
    assert r.status_code == 200, r.text
    assert r.json()["point_estimate"] == pytest.approx(3500.0) and r.json()["df"] == 5
    bad = SAMPLE_CSV.replace("B,low,200", "B,low,2OO")
    r = c.post("/api/v1/radv/extrapolate/files", headers=keys["analyst"],
               files={"sample": ("audit-h1234.csv", bad), "strata": ("strata.csv", STRATA_CSV)})
    assert r.status_code == 422
    assert r.json()["pointer"] == {"file": "audit-h1234.csv", "row": 2, "field": "payment_error"}
    r = c.post("/api/v1/radv/extrapolate/files", headers=keys["analyst"],
               files={"sample": ("s.csv", SAMPLE_CSV), "strata": ("t.csv", "stratum,population\nlow,10\nhigh,3\n")})
    assert r.status_code == 422 and r.json()["pointer"] == {"file": "t.csv", "row": 2, "field": "population"}
    r = c.post("/api/v1/radv/extrapolate/files", headers=keys["analyst"], data={"confidence": "nan"},
               files={"sample": ("s.csv", SAMPLE_CSV), "strata": ("t.csv", STRATA_CSV)})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "confidence"]
    html = c.post("/api/v1/radv/report/files", headers=keys["analyst"], data={"payment_year": "2018"},
                  files={"sample": ("s.csv", SAMPLE_CSV), "strata": ("t.csv", STRATA_CSV)})
    assert html.status_code == 200 and "RADV extrapolation of s.csv" in html.text
    assert "<code>s.csv</code>, strata <code>t.csv</code>" in html.text and "partcd-upload" not in html.text


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"sample": [{"stratum": "low", "payment_error": 1}, {"stratum": "low", "payment_error": "1,000"}]},
         {"file": "sample", "row": 2, "field": "payment_error"}),
        ({"sample": [{"stratum": "low", "payment_error": 1}, {"stratum": "mid", "payment_error": 2}]},
         {"file": "sample", "row": 2, "field": "stratum"}),
        ({"sample": [{"stratum": "low", "payment_error": 1}, {"stratum": "low", "payment_error": 1e300}]},
         {"file": "sample", "row": 2, "field": "payment_error"}),
        ({"sample": [{"stratum": "low", "payment_error": 1, "amount": 3}]}, {"file": "sample", "row": 1, "field": "amount"}),
        ({"strata": [{"stratum": "low", "population": 10}, {"stratum": "high", "population": 2.5}]},
         {"file": "strata", "row": 2, "field": "population"}),
        ({"strata": [{"stratum": "low", "population": 10}, {"stratum": "low", "population": 20}]},
         {"file": "strata", "row": 2, "field": "stratum"}),
    ],
)
def test_a_bad_row_is_422_naming_list_row_and_field(api: Api, change: dict[str, Any], pointer: dict[str, Any]) -> None:
    c, keys = api
    r = c.post("/api/v1/radv/extrapolate", json={**worked_example(), **change}, headers=keys["auditor"])
    assert r.status_code == 422, r.text
    assert r.json()["pointer"] == pointer


def test_non_finite_and_out_of_bound_inputs_are_422(api: Api) -> None:
    c, keys = api
    # JSON NaN in a row (Python's json reads it): refused at its row, not computed
    text = ('{"sample": [{"stratum": "low", "payment_error": 1}, {"stratum": "low", "payment_error": NaN}], '
            '"strata": [{"stratum": "low", "population": 10}]}')
    r = c.post("/api/v1/radv/extrapolate", content=text, headers={**keys["auditor"], "Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["pointer"] == {"file": "sample", "row": 2, "field": "payment_error"}
    for change, loc in (({"confidence": 1.5}, ["body", "confidence"]), ({"sidedness": "both"}, ["body", "sidedness"]),
                        ({"population": 0, "strata": None}, ["body", "population"]),
                        ({"strata": [{"stratum": str(i), "population": 5} for i in range(1001)]}, ["body", "strata"]),
                        ({"ffs_adjuster_rate": 1.0}, ["body", "ffs_adjuster_rate"]), ({"extra": 1}, ["body", "extra"])):
        r = c.post("/api/v1/radv/extrapolate", json={**worked_example(), **change}, headers=keys["auditor"])
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == loc, change
    r = c.post("/api/v1/radv/extrapolate", json={**worked_example(), "payment_year": 2010}, headers=keys["auditor"])
    assert r.status_code == 422 and "2010" in r.json()["message"]
    r = c.post("/api/v1/radv/extrapolate", json={**worked_example(), "ffs_adjuster_rate": 0.01}, headers=keys["auditor"])
    assert r.status_code == 422 and "payment-year" in r.json()["message"]


def test_report_carries_the_substituted_numbers(api: Api) -> None:
    c, keys = api
    r = c.post("/api/v1/radv/report", json={**worked_example(), "payment_year": 2018, "title": "H1234 PY 2018"},
               headers=keys["auditor"])
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "script-src" not in r.headers["content-security-policy"]
    for text in ("H1234 PY 2018", "10^2 x 0.7 x 10,000 / 3", "2,000 + 1,500", "sqrt(566,666.666667)", "1,983.126691",
                 "$1,983.13", "CMS may apply extrapolation to audits for payment year 2018"):
        assert text in r.text, text


def test_sample_selection_and_its_csv(api: Api) -> None:
    c, keys = api
    rows = _frame_rows(600)
    r = c.post("/api/v1/radv/sample", json={"payment_year": 2018, "seed": 7, "sample_size": 30, "frame": rows},
               headers=keys["analyst"])
    assert r.status_code == 200, r.text
    body = r.json()
    direct = pipelines.select(pipelines.frame_from(rows), 2018, 7, 30)
    assert body["seed"] == 7 and [s["selected"] for s in body["strata"]] == [list(s.selected) for s in direct.strata]
    assert (body["sample_size"], [s["sampled"] for s in body["strata"]]) == (30, [10, 10, 10])
    # a six-enrollee frame: every stratum is a census; an id that a spreadsheet would run is neutralised in the CSV
    small = _frame_rows(6, seed=1)
    for i, e in enumerate(small):
        e.update(enrollee_id=f"E{i}", enrolled_months=[f"2017-{m:02d}" for m in range(1, 13)] + ["2018-01"],
                 esrd_months=[], hospice_months=[], part_b_months=[f"2017-{m:02d}" for m in range(1, 13)],
                 payment_hcc_count=1)
    small[0]["enrollee_id"] = "=HYPERLINK(\"x\")"
    r = c.post("/api/v1/radv/sample?format=csv", json={"payment_year": 2018, "seed": 7, "frame": small},
               headers=keys["auditor"])
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(r.text)))
    assert table[0] == ["stratum", "enrollee_id"] and len(table) == 7
    assert sorted(row[1] for row in table[1:]) == ["'=HYPERLINK(\"x\")", "E1", "E2", "E3", "E4", "E5"]
    small[3]["enrolled_months"] = ["2017-13"]
    r = c.post("/api/v1/radv/sample", json={"payment_year": 2018, "seed": 7, "frame": small}, headers=keys["auditor"])
    assert r.status_code == 422 and r.json()["pointer"] == {"file": "frame", "row": 4, "field": "enrolled_months"}
    small[3]["enrolled_months"] = []
    small[2]["risk_score"] = -1
    r = c.post("/api/v1/radv/sample", json={"payment_year": 2018, "seed": 7, "frame": small}, headers=keys["auditor"])
    assert r.status_code == 422 and r.json()["pointer"] == {"file": "frame", "row": 3, "field": "risk_score"}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(min_value=-500_000, max_value=5_000_000).map(lambda c: c / 100), min_size=2,
                         max_size=12), min_size=1, max_size=4),
       st.integers(min_value=0, max_value=50), st.sampled_from(["n_minus_1", "n_minus_L", "satterthwaite", "normal"]))
def test_json_rows_give_the_estimator_s_figures(strata_values: list[list[float]], extra: int, df: str) -> None:
    """Any stratified sample sent as JSON rows (the API's path) gives exactly the pure estimator's nine figures."""
    body_sample = [{"stratum": f"s{h}", "payment_error": y} for h, ys in enumerate(strata_values) for y in ys]
    body_strata = [{"stratum": f"s{h}", "population": len(ys) + extra * (h + 1)} for h, ys in enumerate(strata_values)]
    got = pipelines.audit(pipelines.sample_rows_from(body_sample), None, pipelines.strata_rows_from(body_strata), 0.95,
                          df=df)  # type: ignore[arg-type]
    rule = stratified_mpu([StratumSample(stratum=f"s{h}", population=len(ys) + extra * (h + 1), values=tuple(ys))
                           for h, ys in enumerate(strata_values)], 0.95, df_method=df)  # type: ignore[arg-type]
    assert got.estimate.summary() == rule.summary()
