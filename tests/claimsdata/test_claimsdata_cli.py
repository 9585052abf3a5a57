"""``partcd claimsdata`` end to end on a SQLite file: request, attest, approve, release calendar, an extract, a refused
purpose (exit 2 with the citation), check-use (exit 1 when refused), the access log, the window."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from partcd.claimsdata.samples import write_files
from partcd.platform.cli import app

RUN = CliRunner()


def test_the_whole_flow(tmp_path: Path) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'cd.db'}"]
    (tmp_path / "request.yaml").write_text(yaml.safe_dump({
        "sponsor": {"sponsor_id": "PDP-ACME", "name": "Acme Drug Plans", "sponsor_type": "PDP",
                    "contract_ids": ["S5601", "S5602"]}, "submitted_on": "2020-01-06"}))
    (tmp_path / "attestation.yaml").write_text(yaml.safe_dump({
        "signed_by": "A. Officer", "contractors_bound": True,
        "permitted_uses": ["medication_outcomes", "care_coordination", "health_care_operations_1",
                           "health_care_operations_2", "fraud_abuse_compliance", "required_by_law"],
        "limitations": ["coverage_determinations", "retroactive_indication_reviews", "enrollment_steering", "marketing"]}))
    r = RUN.invoke(app, [*db, "claimsdata", "request", "--file", str(tmp_path / "request.yaml"), "--json",
                         "--actor", "ana"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["status"] == "submitted"
    r = RUN.invoke(app, [*db, "claimsdata", "event", "1", "--kind", "approve", "--on", "2020-01-07"])
    assert r.exit_code == 2 and "allowed from: attested" in r.output and "L599" in r.output
    r = RUN.invoke(app, [*db, "claimsdata", "event", "1", "--kind", "attest", "--on", "2020-01-07", "--attestation",
                         str(tmp_path / "attestation.yaml")])
    assert r.exit_code == 0, r.output
    r = RUN.invoke(app, [*db, "claimsdata", "event", "1", "--kind", "approve", "--on", "2020-02-03", "--version", "2"])
    assert r.exit_code == 0, r.output
    for date, start, end in (("2020-08-15", "2020-01-01", "2020-03-31"), ("2020-12-01", "2020-04-01", "2020-06-30")):
        r = RUN.invoke(app, [*db, "claimsdata", "release", "--date", date, "--period-start", start, "--period-end", end])
        assert r.exit_code == 0, r.output
    r = RUN.invoke(app, [*db, "claimsdata", "releases"])
    assert r.exit_code == 1 and "108 days after the release of 2020-08-15" in r.output  # not quarterly
    enrollment, claims = write_files(tmp_path / "in", seed=2, enrollees=100)
    args = [*db, "claimsdata", "extract", "1", "--release", "2020-08-15", "--enrollment", str(enrollment), "--claims",
            str(claims), "--out", str(tmp_path / "out"), "--on", "2021-03-01", "--json"]
    r = RUN.invoke(app, [*args, "--purpose", "care_coordination"])
    assert r.exit_code == 0, r.output
    built = json.loads(r.output)
    assert built["claims_out"] > 0 and Path(tmp_path / "out" / "request-1" / "release-2020-08-15.parquet").is_file()
    r = RUN.invoke(app, [*args, "--purpose", "marketing"])
    assert r.exit_code == 2 and "inform marketing of benefits (42 CFR 423.153(g)(4)(iv) [cms-4185-p L3135])" in r.output
    r = RUN.invoke(app, [*db, "claimsdata", "access-log", "--json"])
    assert [a["decision"] for a in json.loads(r.output)] == ["refused", "permitted"]
    r = RUN.invoke(app, [*db, "claimsdata", "show", "1", "--on", "2021-03-01", "--json"])
    data = json.loads(r.output)
    assert data["eligible"] is True and [x["release_date"] for x in data["releases_received"]] == ["2020-08-15",
                                                                                                     "2020-12-01"]
    r = RUN.invoke(app, [*db, "claimsdata", "report", "--out", str(tmp_path / "report.html"), "--on", "2021-03-01"])
    assert r.exit_code == 0, r.output
    html = (tmp_path / "report.html").read_text()
    assert f'<td class="num">{built["claims_out"]}</td>' in html and "108 days after" in html
    assert "refused" in html and "42 CFR 423.153(g)(4)(iv) [cms-4185-p L3135]" in html


def test_pure_commands() -> None:
    r = RUN.invoke(app, ["claimsdata", "check-use", "--purpose", "marketing", "--json"])
    assert r.exit_code == 1 and json.loads(r.output)["paragraph"] == "423.153(g)(4)(iv)"
    r = RUN.invoke(app, ["claimsdata", "check-use", "--purpose", "care_coordination", "--recipient", "downstream",
                         "--bound-by", "contractor", "--reading", "proposed"])
    assert r.exit_code == 1 and "sponsor" in r.output
    r = RUN.invoke(app, ["claimsdata", "check-use", "--purpose", "care_coordination"])
    assert r.exit_code == 0
    r = RUN.invoke(app, ["claimsdata", "window", "--quarter", "2020-01-01", "--json"])
    assert json.loads(r.output)["shipped_by"] == "2020-08-31"
    r = RUN.invoke(app, ["claimsdata", "window", "--quarter", "2019-10-01"])
    assert r.exit_code == 2 and "no parameters in force on 2019-10-01" in r.output
    r = RUN.invoke(app, ["claimsdata", "purposes"])
    assert r.exit_code == 0 and r.output.count("permitted") == 6 and r.output.count("forbidden") == 4
