"""The /radv page through the login form: the upload form with its CSRF token, a run kept and shown with a link to
its audit report, role and token checks, bad input shown on the form naming the upload, row and field."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from browser_fixtures import same_origin, sign_in_client
from partcd.platform.auth import create_key
from partcd.platform.server import create_app
from partcd.platform.settings import Settings
from partcd.platform.web.security import DOCUMENT_CSP

SAMPLE_CSV = "enrollee_id,stratum,payment_error\nA,low,100\nB,low,200\nC,low,300\nD,high,0\nE,high,50\nF,high,100\nG,high,150\n"
STRATA_CSV = "stratum,population\nlow,10\nhigh,20\n"
Web = tuple[TestClient, dict[str, str], Path]


@pytest.fixture()
def web(tmp_path: Path) -> Iterator[Web]:
    app = create_app(Settings(db_url=f"sqlite:///{tmp_path / 'web.db'}", data_dir=tmp_path))
    keys = {r: create_key(app.state.engine, f"{r}-key", r) for r in ("viewer", "auditor", "analyst")}
    with TestClient(app) as c:
        yield c, keys, tmp_path


def _form(csrf: str, **fields: str) -> dict[str, str]:
    return {"csrf_token": csrf, "confidence": "0.90", "sidedness": "two_sided", "df": "n_minus_L", "fpc": "on",
            "payment_year": "2018", "reading": "in_force", **fields}


def test_sign_in_compute_and_open_the_report(web: Web) -> None:
    c, keys, data_dir = web
    assert c.get("/radv", follow_redirects=False).headers["location"] == "/login"
    csrf = sign_in_client(c, keys["auditor"])
    page = c.get("/radv").text
    assert '<a href="/radv"' in page and 'id="radv-form"' in page and f'value="{csrf}"' in page
    done = c.post("/radv", data=_form(csrf, ffs_adjuster_rate="0.01", contract_payments_usd="10000"),
                  files={"sample": ("h1234.csv", SAMPLE_CSV), "strata": ("strata.csv", STRATA_CSV)},
                  headers=same_origin(c), follow_redirects=False)
    assert done.status_code == 303, done.text
    shown = c.get(done.headers["location"]).text
    # the hand-computed figures (T 3,500; SE 752.77; df 5; t 2.015048; limits 1,983.13 .. 5,016.87) and the recovery
    for key, value in (("point_estimate", "3,500.00"), ("standard_error", "752.77"), ("df", "5"),
                       ("t_value", "2.015048"), ("lower_limit", "1,983.13"), ("upper_limit", "5,016.87"),
                       ("recovery", "1,983.13")):
        assert re.search(rf'data-key="{key}">(<strong>)?{re.escape(value)}<', shown), key
    assert 'data-stratum="low"' in shown and "0.3333" in shown
    link = re.search(r'id="report-link" href="([^"]+)"', shown)
    assert link is not None
    document = c.get(link.group(1))
    assert document.status_code == 200 and document.headers["content-security-policy"] == DOCUMENT_CSP
    assert "10^2 x 0.7 x 10,000 / 3" in document.text and "RADV extrapolation of h1234.csv" in document.text
    assert "<code>h1234.csv</code>, strata <code>strata.csv</code>" in document.text
    assert "partcd-upload" not in document.text  # never the server's temporary path
    run_folders = list((data_dir / "radv" / "runs").iterdir())
    assert len(run_folders) == 1 and sorted(p.name for p in run_folders[0].iterdir()) == ["report.html", "run.json"]
    assert "A,low" not in (run_folders[0] / "run.json").read_text()  # no uploaded row is kept
    assert c.get("/radv").text.count('href="/radv?run=') == 1  # the recent runs
    assert c.get("/radv/runs/0123/report.html").status_code == 404
    missing = c.get("/radv", params={"run": "f" * 32})
    assert missing.status_code == 404 and "no RADV run" in missing.text and 'id="radv-form"' in missing.text


def test_unrestricted_run_without_payment_year(web: Web) -> None:
    c, keys, _ = web
    csrf = sign_in_client(c, keys["analyst"])
    done = c.post("/radv", data=_form(csrf, population="10", payment_year="", fpc=""),
                  files={"sample": ("flat.csv", "payment_error\n100\n200\n300\n400\n")}, headers=same_origin(c))
    assert done.status_code == 200
    # no FPC: SE = 10 x sqrt(16,666.67 / 4) = 645.50; T = 2,500
    assert 'data-key="standard_error">645.50<' in done.text and 'data-key="point_estimate">2,500.00<' in done.text
    assert "FPC off" in done.text and "run-recovery" not in done.text


def test_roles_tokens_and_bad_input(web: Web) -> None:
    c, keys, _ = web
    csrf = sign_in_client(c, keys["viewer"])
    page = c.get("/radv").text
    assert "computing one needs the analyst or auditor role" in page and 'id="radv-form"' not in page
    refused = c.post("/radv", data=_form(csrf), files={"sample": ("s.csv", SAMPLE_CSV), "strata": ("t.csv", STRATA_CSV)},
                     headers=same_origin(c))
    assert refused.status_code == 403 and "role &#39;viewer&#39; may not compute a run" in refused.text
    csrf = sign_in_client(c, keys["auditor"])
    no_token = c.post("/radv", data=_form(""), files={"sample": ("s.csv", SAMPLE_CSV)}, headers=same_origin(c))
    assert no_token.status_code == 403
    cross = c.post("/radv", data=_form(csrf), files={"sample": ("s.csv", SAMPLE_CSV)},
                   headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403
    bad = c.post("/radv", data=_form(csrf), headers=same_origin(c),
                 files={"sample": ("mine.csv", SAMPLE_CSV.replace("E,high,50", "E,mid,50")), "strata": ("t.csv", STRATA_CSV)})
    assert bad.status_code == 422 and "mine.csv, row 5, field &#39;stratum&#39;: unknown stratum &#39;mid&#39;" in bad.text
    assert 'value="0.90"' in bad.text  # the form keeps what was entered
    bad = c.post("/radv", data=_form(csrf, confidence="1.5"), headers=same_origin(c),
                 files={"sample": ("s.csv", SAMPLE_CSV), "strata": ("t.csv", STRATA_CSV)})
    assert bad.status_code == 422 and "confidence: Input should be less than 1" in bad.text
