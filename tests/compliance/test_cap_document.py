"""`partcd cap document`: the corrective action plan the plan submits (CAP letter L7-L40), as Word and PDF.

The letter of May 26, 2022 (cap-request-call-center-2022) asks for (1) timely access to a representative and (2) a
business continuity plan restoring the call center within 72 hours (L38); the document carries both elements with
their actions, the monitoring and closure rule as of a stated day, and every contract of the parent organization.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from partcd.compliance import pipelines as svc
from partcd.platform.auth import create_key
from partcd.platform.cli import app
from partcd.platform.server import create_app
from partcd.platform.settings import Settings
from partcd.platform.store.db import connect

runner = CliRunner()
FORMULA_OWNER = '=HYPERLINK("http://evil.example","WFM")'


def _ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _run(db: str, *args: str) -> tuple[int, str]:
    r = runner.invoke(app, ["--db", db, *args], env={"PARTCD_ACTOR": "eryn"})
    return r.exit_code, r.output


@pytest.fixture()
def cap_db(tmp_path: Path) -> tuple[str, int]:
    """The letter's CAP (H1416 + H2001) with a 15-day window, two actions, a BCP with a test, monitoring, a sibling CAP."""
    db = f"sqlite:///{tmp_path / 'doc.db'}"
    code, out = _run(db, "cap", "create", "--contract", "H1416", "--contract", "H2001", "--parent", "Centene Corporation",
                     "--legal-entity", "HARMONY HEALTH PLAN, INC.", "--issued-on", "2022-05-26",
                     "--cms-contacted-on", "2022-01-04", "--root-cause", "higher than expected enrollment",
                     "--root-cause", "CSR shortage due to a typhoon", "--submission-due", "2022-06-10",
                     "--closure-periods", "3")
    assert code == 0, out
    cap_id = json.loads(out)["cap_id"]
    code, out = _run(db, "cap", "add-action", str(cap_id), "--description", "Hire and train 120 CSRs",
                     "--owner", "Workforce Management", "--due", "2022-06-30", "--element", "timely_access")
    assert code == 0, out
    code, out = _run(db, "cap", "add-action", str(cap_id), "--description", "Adopt BCP v2 with call-center failover",
                     "--owner", FORMULA_OWNER, "--due", "2022-06-20", "--element", "bcp_72h")
    assert code == 0, out
    code, out = _run(db, "cap", "complete-action", str(json.loads(out)["action_id"]), "--on", "2022-06-18",
                     "--evidence", "bcp-v2-approval.pdf")
    assert code == 0, out
    code, out = _run(db, "bcp", "create-plan", "--org", "Centene Corporation", "--label", "v2", "--approved-on", "2022-06-18")
    assert code == 0, out
    code, out = _run(db, "bcp", "add-evidence", "--org", "Centene Corporation", "--kind", "test", "--on", "2022-06-25",
                     "--description", "failover drill", "--record", "drill-2022-06-25.pdf")
    assert code == 0, out
    for to in ("submitted", "accepted", "implementing", "monitoring"):
        assert _run(db, "cap", "status", str(cap_id), "--to", to, "--on", "2022-06-27")[0] == 0
    svc.record_monitoring(connect(db), cap_id, [
        {"contract_id": "H1416", "period_start": "2022-06-27", "compliant": True},
        {"contract_id": "H1416", "period_start": "2022-06-28", "compliant": False,
         "failed_standards": ["disconnect rate (%)"]},
        {"contract_id": "H2001", "period_start": "2022-06-27", "compliant": None}], source="daily reports", actor="eryn")
    code, out = _run(db, "cap", "create", "--contract", "H3333", "--parent", "Centene Corporation",
                     "--legal-entity", "Other Centene plan", "--issued-on", "2022-06-01")
    assert code == 0, out
    return db, cap_id


def _docx_text(path: Path) -> tuple[list[str], list[list[str]]]:
    docx = pytest.importorskip("docx") if not _ci() else __import__("docx")
    document = docx.Document(str(path))
    paragraphs = [p.text for p in document.paragraphs]
    rows = [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]
    return paragraphs, rows


def test_docx_carries_elements_actions_warning_and_rollup(cap_db: tuple[str, int], tmp_path: Path) -> None:
    db, cap_id = cap_db
    out = tmp_path / "cap.docx"
    code, printed = _run(db, "cap", "document", str(cap_id), "--out", str(out), "--as-of", "2022-07-01",
                         "--contact", "Eryn Kantor, Medicare Compliance Officer")
    assert code == 0, printed
    assert "as of 2022-07-01" in printed and "gives 15 calendar days" in printed  # 2022-05-26 -> 2022-06-10
    paragraphs, rows = _docx_text(out)
    text = "\n".join(paragraphs)
    # the letter's two required elements (L38), each a heading followed by its actions
    assert "1. Ensure beneficiaries are able to reach a representative at the call center in a timely manner" in text
    assert "2. A business continuity plan ensuring call center functionality is restored within 72 hours" in text
    assert "Status as of 2022-07-01" in text
    assert ("Warning: submission due 2022-06-10 gives 15 calendar days, shorter than the 30 calendar days of "
            "42 CFR 422.510(c)(1)") in text
    # actions: owner, due date, status as of 2022-07-01 (06-30 passed and not done -> OVERDUE), evidence
    assert ["Hire and train 120 CSRs", "Workforce Management", "2022-06-30", "OVERDUE", "-"] in rows
    # the formula-looking owner lands in the table as text (safe_cell's leading quote), never as a field
    assert ["Adopt BCP v2 with call-center failover", "'" + FORMULA_OWNER, "2022-06-20", "done 2022-06-18",
            "bcp-v2-approval.pdf"] in rows
    # cover data
    for field, value in (("Contract(s)", "H1416, H2001"), ("Parent organization", "Centene Corporation"),
                         ("Legal entity", "HARMONY HEALTH PLAN, INC."), ("CAP request date", "2022-05-26"),
                         ("Submission due", "2022-06-10"), ("Contact", "Eryn Kantor, Medicare Compliance Officer")):
        assert [field, value] in rows
    # the business-continuity element links the BCP records of the parent
    assert "Centene Corporation: business continuity plan v2 approved 2022-06-18" in text
    assert "Centene Corporation: test 2022-06-25: failover drill (records: drill-2022-06-25.pdf)" in text
    # monitoring since 2022-06-27: H1416 failed 06-28 -> run 0 of 3; H2001 had no calls -> run 0 of 3
    assert ["H1416", "0", "3", "2022-06-28", "2022-06-28"] in rows
    assert ["H1416", "2022-06-28", "disconnect rate (%)"] in rows
    assert "3 consecutive compliant periods" in text and "(2022-06-27)" in text
    # roll-up: the CAP's two contracts, then the parent's other contract with its own CAP
    assert ["H2001", "yes", "0 of 3", "-", "1", "-"] in rows
    assert ["H3333", "no", "-", "-", "0", f"CAP {cap_id + 1} (requested, issued 2022-06-01)"] in rows
    assert "Root causes" in text and "CSR shortage due to a typhoon" in paragraphs


def test_as_of_decides_what_is_overdue(cap_db: tuple[str, int], tmp_path: Path) -> None:
    db, cap_id = cap_db
    out = tmp_path / "cap.docx"
    assert _run(db, "cap", "document", str(cap_id), "--out", str(out), "--as-of", "2022-06-15")[0] == 0
    _, rows = _docx_text(out)
    assert ["Hire and train 120 CSRs", "Workforce Management", "2022-06-30", "open", "-"] in rows


def test_no_warning_with_the_30_day_window_and_bad_extension(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'ok.db'}"
    code, out = _run(db, "cap", "create", "--contract", "H1416", "--parent", "Centene Corporation",
                     "--legal-entity", "HARMONY HEALTH PLAN, INC.", "--issued-on", "2022-05-26")
    assert code == 0 and json.loads(out)["warnings"] == [], out
    cap_id = json.loads(out)["cap_id"]
    code, out = _run(db, "cap", "document", str(cap_id), "--out", str(tmp_path / "cap.html"), "--as-of", "2022-05-27")
    assert code == 0, out
    html = (tmp_path / "cap.html").read_text(encoding="utf-8")
    assert "Submission due</th><td>2022-06-25" in html and "Warning" not in html.split("<body>")[1]
    assert "No action addresses this element yet." in html
    code, out = _run(db, "cap", "document", str(cap_id), "--out", str(tmp_path / "cap.txt"))
    assert code == 2 and "--out cap.txt" in out and ".pdf, .docx, .html" in out
    assert not (tmp_path / "cap.txt").exists()


def test_pdf_with_headless_chromium(cap_db: tuple[str, int], tmp_path: Path) -> None:
    if not (shutil.which("chromium") or Path("/usr/bin/chromium").exists()):
        if _ci():
            pytest.fail("Debian chromium is not installed")
        pytest.skip("Debian chromium is not installed")
    db, cap_id = cap_db
    out = tmp_path / "cap.pdf"
    code, printed = _run(db, "cap", "document", str(cap_id), "--out", str(out), "--as-of", "2022-07-01")
    assert code == 0, printed
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 5000


def test_document_model_as_of(cap_db: tuple[str, int]) -> None:
    db, cap_id = cap_db
    doc = svc.cap_document(connect(db), cap_id, dt.date(2022, 7, 1))
    assert [s.element.key for s in doc.elements] == ["timely_access", "bcp_72h"]
    assert [len(s.actions) for s in doc.elements] == [1, 1] and doc.other_actions == ()
    assert [r.contract_id for r in doc.rollup] == ["H1416", "H2001", "H3333"]


def test_api_document_as_word_for_a_viewer(cap_db: tuple[str, int], tmp_path: Path) -> None:
    db, cap_id = cap_db
    server = create_app(Settings(db_url=db, data_dir=tmp_path))
    key = create_key(server.state.engine, "viewer-key", "viewer")
    url = f"/api/v1/callcenter/caps/{cap_id}/document"
    with TestClient(server) as c:
        assert c.get(url, params={"as_of": "2022-07-01", "format": "docx"}).status_code == 401
        assert c.get(url, params={"format": "docx"}, headers={"X-API-Key": key}).status_code == 422  # as_of is required
        r = c.get(url, params={"as_of": "2022-07-01", "format": "docx"}, headers={"X-API-Key": key})
    assert r.status_code == 200 and r.content[:2] == b"PK"  # a .docx is a zip
    assert f'filename="cap-{cap_id}-2022-07-01.docx"' in r.headers["content-disposition"]
    (tmp_path / "api.docx").write_bytes(r.content)
    _, rows = _docx_text(tmp_path / "api.docx")
    assert ["Hire and train 120 CSRs", "Workforce Management", "2022-06-30", "OVERDUE", "-"] in rows
