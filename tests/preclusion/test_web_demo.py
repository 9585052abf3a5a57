"""The "Preclusion" page (current list, party lookup, notices due, efforts log, versions) and the demo (seeded,
reproducible, every file it names exists)."""

from __future__ import annotations

import csv
from pathlib import Path

from fastapi.testclient import TestClient

from browser_fixtures import sign_in_client
from partcd.platform.auth import create_key
from partcd.platform.server import create_app
from partcd.platform.settings import Settings
from partcd.preclusion.demo import AS_OF, N_CLAIMS, POSTING_DATE, demo

LIST = ("npi,party_name,basis,effective_date,list_posting_date,reenrollment_bar_end,felony_conviction_date\n"
        "1234567893,Synthetic Clinic,revoked,2020-03-01,2020-03-01,2023-03-01,\n"
        "1111111112,Synthetic Felon,felony,2020-06-02,2020-06-02,,2020-01-02\n"
        "2222222228,Synthetic Lab,revoked,2018-12-01,2018-12-31,2021-12-01,\n")  # the first list, before any law file


def test_page_shows_the_list_a_party_the_notices_due_and_the_efforts(tmp_path: Path) -> None:
    app = create_app(Settings(db_url=f"sqlite:///{tmp_path / 'web.db'}", data_dir=tmp_path))
    keys = {r: create_key(app.state.engine, f"{r}-key", r) for r in ("viewer", "analyst")}
    with TestClient(app) as c:
        assert c.get("/preclusion", follow_redirects=False).status_code == 303  # login first
        sign_in_client(c, keys["viewer"])
        empty = c.get("/preclusion").text
        assert "No list uploaded yet." in empty and 'href="/preclusion"' in empty  # the nav link
        c.post("/api/v1/preclusion/lists", files={"file": ("PreclusionList_202006.csv", LIST, "text/csv")},
               headers={"X-API-Key": keys["analyst"]})
        c.post("/api/v1/preclusion/efforts", headers={"X-API-Key": keys["analyst"]},
               json={"npi": "1111111112", "list_posting_date": "2020-06-02", "attempted_on": "2020-07-06",
                     "method": "fax", "contact": "+1 555 0100", "beneficiaries_named_count": 4, "outcome": "delivered"})
        html = c.get("/preclusion", params={"npi": "1111111112", "as_of": "2020-07-10"}).text
        assert "<strong>PreclusionList_202006</strong>" in html and "3 listing episodes" in html
        # the felon: conviction 2020-01-02 + 10 years -> first day off 2030-01-02; notice due 2020-07-02
        assert "<td>2030-01-02</td>" in html and "felony: 10 years from the conviction" in html
        due = html[html.index('<table id="due">'):html.index("</table>", html.index('<table id="due">'))]
        assert "2020-07-02" in due and "<td class=\"num\">-8</td>" in due and "reached (1)" in due
        assert "+1 555 0100" in html
        assert "An NPI is 10 digits." in c.get("/preclusion", params={"npi": "12"}).text
        early = c.get("/preclusion", params={"npi": "2222222228", "as_of": "2018-12-31"})
        assert early.status_code == 200 and "no parameters in force on 2018-12-31" in early.text


def test_demo_is_reproducible_and_writes_what_it_names(tmp_path: Path) -> None:
    result = demo(tmp_path, 2022, "duckdb")
    folder = tmp_path / "preclusion"
    assert result.area == "preclusion" and result.href == "preclusion/index.html"
    assert result.headline.startswith(f"{N_CLAIMS} claim lines screened on duckdb: ")
    assert f"for the {POSTING_DATE} posting" in result.headline and f"late on {AS_OF}" in result.headline
    for name in ("screening.csv", "notices.csv", "preclusion_list.csv", "claims.csv", "history.csv", "index.html"):
        assert (folder / name).is_file(), name
    with (folder / "screening.csv").open(newline="") as fh:
        decisions = list(csv.DictReader(fh))
    assert len(decisions) == N_CLAIMS
    assert {r["reason"].split(":")[0] for r in decisions} == {"S1", "S2", "S2b", "S3", "S4", "S4i", "S5", "S6", "S7", "S8"}
    html = (folder / "index.html").read_text(encoding="utf-8")
    assert "one example per decision-table row" in html and "42 CFR 422.222(a)(1)(i), 422.504(g)(1)(iv), 422.222(a)(4)" in html
    with (folder / "notices.csv").open(newline="") as fh:
        statuses = {r["status"] for r in csv.DictReader(fh)}
    assert statuses == {"sent", "sent_late", "overdue"}  # the demo sends 3 of 5 on day 10, 1 of 5 on day 35
    assert demo(tmp_path, 2022, "duckdb").headline == result.headline
