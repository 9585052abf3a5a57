"""``POST /api/v1/radv/sample/files`` (a frame upload) and ``POST /api/v1/radv/payment-error`` (JSON): keys and roles,
the CLI's figures, the hand-computed errors, bounds, and 422 pointers naming the upload or list, row and field."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from api_support import Api, api_client
from partcd.radv import pipelines
from partcd.radv.samples import coefficient_rows, frame_rows, illustrative_hcc_model, synthetic_frame, write_rows

ROLES = ("viewer", "analyst", "auditor", "intake", "admin")


@pytest.fixture()
def api(tmp_path: Path) -> Iterator[Api]:
    with api_client(tmp_path, ROLES) as client:
        yield client


@pytest.fixture()
def frame_csv(tmp_path: Path) -> str:
    return write_rows(frame_rows(synthetic_frame(9, size=600), "H1234"), tmp_path / "f.csv").read_text(encoding="utf-8")


def _payment_body(**change: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "coefficients": coefficient_rows(illustrative_hcc_model()),
        "enrollees": [
            {"enrollee_id": "A1", "stratum": "1", "demographic_score": 0.4, "hcc_submitted": ["HCC18", "HCC19", "HCC85"],
             "hcc_validated": ["HCC19", "HCC85"], "months": 12, "monthly_base_rate_usd": 1000},
            {"enrollee_id": "A2", "stratum": "2", "demographic_score": 0.4, "hcc_submitted": "HCC85", "hcc_validated": "",
             "months": 7, "monthly_base_rate_usd": 950},
            {"enrollee_id": "A3", "stratum": "3", "demographic_score": 0.55, "hcc_submitted": ["HCC108"],
             "hcc_validated": ["HCC108"], "monthly_base_rates_usd": [1100] * 12},
        ],
    }
    return {**body, **change}


def test_keys_and_roles(api: Api, frame_csv: str) -> None:
    c, keys = api
    files = {"frame": ("f.csv", frame_csv)}
    assert c.post("/api/v1/radv/sample/files", data={"seed": "1"}, files=files).status_code == 401
    assert c.post("/api/v1/radv/payment-error", json=_payment_body()).status_code == 401
    for role in ("viewer", "intake"):
        assert c.post("/api/v1/radv/sample/files", data={"seed": "1"}, files=files, headers=keys[role]).status_code == 403
        assert c.post("/api/v1/radv/payment-error", json=_payment_body(), headers=keys[role]).status_code == 403
    for role in ("analyst", "auditor", "admin"):
        r = c.post("/api/v1/radv/sample/files", data={"seed": "1", "n_per_stratum": "5"}, files=files, headers=keys[role])
        assert r.status_code == 200, (role, r.text)
        assert c.post("/api/v1/radv/payment-error", json=_payment_body(), headers=keys[role]).status_code == 200


def test_uploaded_frame_gives_the_pipeline_s_selection(api: Api, frame_csv: str, tmp_path: Path) -> None:
    c, keys = api
    r = c.post("/api/v1/radv/sample/files", headers=keys["auditor"], data={"seed": "11", "payment_year": "2018"},
               files={"frame": ("h1234-frame.csv", frame_csv)})
    assert r.status_code == 200, r.text
    body = r.json()
    direct = pipelines.select_frame_file(tmp_path / "f.csv", 2018, 11)
    assert body["frame"] == "h1234-frame.csv" and body["contract_id"] == "H1234"
    assert (body["eligible_count"], body["sample_size"]) == (direct.selection.eligible_count, 201)
    assert body["selected"] == direct.selected_rows() and body["strata"] == direct.strata_rows()
    assert body["design"] == {"strata": 3, "n_per_stratum": 67, "sample_size": 201, "custom": False}
    text = c.post("/api/v1/radv/sample/files?format=csv", headers=keys["auditor"], data={"seed": "11"},
                  files={"frame": ("h1234-frame.csv", frame_csv)})
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(text.text)))
    assert [(r["stratum"], int(r["selection_order"]), r["enrollee_id"]) for r in table] == \
        [(r["stratum"], r["selection_order"], r["enrollee_id"]) for r in direct.selected_rows()]
    parquet = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(frame_rows(synthetic_frame(9, size=600), "H1234")), parquet)
    r = c.post("/api/v1/radv/sample/files", headers=keys["auditor"], data={"seed": "11"},
               files={"frame": ("frame.parquet", parquet.getvalue())})
    assert r.status_code == 200, r.text
    assert r.json()["selected"] == body["selected"]


def test_a_bad_upload_is_422_naming_the_upload_row_and_field(api: Api, frame_csv: str) -> None:
    c, keys = api
    lines = frame_csv.splitlines()
    lines[3] = lines[3].replace("2017-01..2018-12", "2017-01..2018-13", 1)
    r = c.post("/api/v1/radv/sample/files", headers=keys["analyst"], data={"seed": "1"},
               files={"frame": ("audit-frame.csv", "\n".join(lines) + "\n")})
    assert r.status_code == 422, r.text
    assert r.json()["pointer"] == {"file": "audit-frame.csv", "row": 3, "field": "enrolled_months"}
    assert "partcd-upload" not in r.text
    for data, loc in (({"seed": "-1"}, ["body", "seed"]), ({"seed": "1", "strata": "0"}, ["body", "strata"]),
                      ({"seed": "1", "n_per_stratum": "20000"}, ["body", "n_per_stratum"]),
                      ({"seed": "1", "payment_year": "1900"}, ["body", "payment_year"]), ({}, ["body", "seed"])):
        r = c.post("/api/v1/radv/sample/files", headers=keys["analyst"], data=data,
                   files={"frame": ("f.csv", frame_csv)})
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == loc, data
    r = c.post("/api/v1/radv/sample/files", headers=keys["analyst"], data={"seed": "1", "strata": "4",
                                                                          "n_per_stratum": "3000"},
               files={"frame": ("f.csv", frame_csv)})
    assert r.status_code == 422 and "--n-per-stratum" in r.json()["message"]


def test_payment_errors_by_hand_and_ready_for_extrapolate(api: Api) -> None:
    c, keys = api
    r = c.post("/api/v1/radv/payment-error", json=_payment_body(explain=True, model_name="illustrative"),
               headers=keys["analyst"])
    assert r.status_code == 200, r.text
    body = r.json()
    # 12 x 1,000 x (1.033 - 0.957) = 912.00; 7 x 950 x 0.331 = 2,201.15; 0
    assert body["sample"] == [{"stratum": "1", "payment_error": 912.0}, {"stratum": "2", "payment_error": 2201.15},
                              {"stratum": "3", "payment_error": 0.0}]
    assert body["total_payment_error"] == 3113.15 and body["model"] == "illustrative"
    assert body["enrollees"][0]["unsupported_hccs"] == ["HCC18"] and body["enrollees"][0]["steps"]
    r = c.post("/api/v1/radv/payment-error", json=_payment_body(normalization_factor=1.1, coding_intensity_adjustment=0.059),
               headers=keys["analyst"])
    assert r.json()["sample"][0]["payment_error"] == 780.17  # 912 x 0.941 / 1.1 = 780.1745...
    # the sample rows go to /extrapolate as they are
    strata = [{"stratum": "1", "population": 1}, {"stratum": "2", "population": 1}, {"stratum": "3", "population": 1}]
    r = c.post("/api/v1/radv/extrapolate", json={"sample": body["sample"], "strata": strata}, headers=keys["analyst"])
    assert r.status_code == 200 and r.json()["point_estimate"] == pytest.approx(3113.15)


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"enrollees": [{"enrollee_id": "A1", "demographic_score": 0.4, "hcc_submitted": ["HCC999"], "hcc_validated": [],
                         "months": 1, "monthly_base_rate_usd": 1}]}, {"file": "enrollees", "row": 1, "field": "hcc_submitted"}),
        ({"enrollees": [{"enrollee_id": "A1", "demographic_score": 0.4, "hcc_submitted": [], "hcc_validated": [],
                         "months": 1, "monthly_base_rate_usd": 1, "mbi": "1EG4TE5MK73"}]},
         {"file": "enrollees", "row": 1, "field": "mbi"}),
        ({"enrollees": [{"enrollee_id": "A1", "demographic_score": 0.4, "hcc_submitted": [], "hcc_validated": [],
                         "monthly_base_rates_usd": [1] * 13}]},
         {"file": "enrollees", "row": 1, "field": "monthly_base_rates_usd"}),
        ({"coefficients": [{"hcc": "HCC85", "coefficient": 0.3}, {"hcc": "HCC18", "coefficient": "0,3"}]},
         {"file": "coefficients", "row": 2, "field": "coefficient"}),
    ],
)
def test_a_bad_payment_error_row_is_422(api: Api, change: dict[str, Any], pointer: dict[str, Any]) -> None:
    c, keys = api
    r = c.post("/api/v1/radv/payment-error", json=_payment_body(**change), headers=keys["auditor"])
    assert r.status_code == 422, r.text
    assert r.json()["pointer"] == pointer


def test_payment_error_bounds_are_422(api: Api) -> None:
    c, keys = api
    for change, loc in (({"coding_intensity_adjustment": 1.0}, ["body", "coding_intensity_adjustment"]),
                        ({"normalization_factor": 0}, ["body", "normalization_factor"]),
                        ({"enrollees": []}, ["body", "enrollees"]),
                        ({"coefficients": [{"hcc": f"H{i}", "coefficient": 0.1} for i in range(5001)]},
                         ["body", "coefficients"]),
                        ({"extra": 1}, ["body", "extra"])):
        r = c.post("/api/v1/radv/payment-error", json=_payment_body(**change), headers=keys["auditor"])
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == loc, change
    text = '{"coefficients": [{"hcc": "HCC85", "coefficient": NaN}], "enrollees": []}'
    r = c.post("/api/v1/radv/payment-error", content=text, headers={**keys["auditor"], "Content-Type": "application/json"})
    assert r.status_code == 422
