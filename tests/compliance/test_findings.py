"""CAP monitoring fed by any area's findings (``partcd cap record-monitoring --findings``), not only call logs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from partcd.compliance.readers import read_findings
from partcd.compliance.store import CapMonitoringPeriodRow
from partcd.core.errors import InputError
from partcd.platform.cli import app
from partcd.platform.store.db import connect, session_scope

runner = CliRunner()
HEADER = "contract_id,period_start,compliant,failed_standards,timely_pct\n"


def _cap(db: str) -> int:
    r = runner.invoke(app, ["--db", db, "cap", "create", "--contract", "H1416", "--parent", "Centene Corporation",
                            "--legal-entity", "HARMONY HEALTH PLAN, INC.", "--issued-on", "2022-01-04",
                            "--deficiency", "Untimely integrated reconsiderations"])
    assert r.exit_code == 0, r.output
    return int(json.loads(r.output)["cap_id"])


def test_findings_of_another_area_become_monitoring_periods(tmp_path: Path) -> None:
    """Three days of an appeals-timeliness finding: one miss -> exit 1, periods stored with their metric."""
    db = f"sqlite:///{tmp_path / 'c.db'}"
    cap_id = _cap(db)
    f = tmp_path / "appeals_findings.csv"
    f.write_text(HEADER + "H1416,2022-01-05,true,,100\nH1416,2022-01-06,false,IR resolution timeliness,87.5\n"
                 "H2001,2022-01-06,true,,100\n", encoding="utf-8")
    r = runner.invoke(app, ["--db", db, "cap", "record-monitoring", str(cap_id), "--findings", str(f)])
    assert r.exit_code == 1, r.output  # a non-compliant period
    res = json.loads(r.output)
    assert (res["added"], res["non_compliant_periods"], res["ignored_contracts"]) == (2, 1, ["H2001"])
    shown = json.loads(runner.invoke(app, ["--db", db, "cap", "show", str(cap_id), "--today", "2022-01-07", "--json"]).output)
    periods = {p["period_start"]: p for p in shown["monitoring"]}
    assert periods["2022-01-06"]["failed_standards"] == ["IR resolution timeliness"]
    with session_scope(connect(db)) as s:
        stored = {r.period_start.isoformat(): r.metrics for r in s.scalars(select(CapMonitoringPeriodRow))}
    assert stored == {"2022-01-05": {"timely_pct": 100.0}, "2022-01-06": {"timely_pct": 87.5}}


def test_exactly_one_source(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    r = runner.invoke(app, ["--db", db, "cap", "record-monitoring", "1"])
    assert r.exit_code == 2 and "exactly one of --calls FILE or --findings FILE" in r.output


@pytest.mark.parametrize(("body", "row", "field", "reason"), [
    ("HX,2022-01-05,true,,1\n", 2, "contract_id", "not a contract id"),
    ("H1416,05/01/2022,true,,1\n", 2, "period_start", "not a date"),
    ("H1416,2022-01-05,maybe,,1\n", 2, "compliant", "not true or false"),
    ("H1416,2022-01-05,true,,1\nH1416,2022-01-06,true,,nan\n", 3, "timely_pct", "not a finite number"),
    ("H1416,2022-01-05,true,,=HYPERLINK(1)\n", 2, "timely_pct", "not a number"),
])
def test_bad_findings_name_file_row_and_column(tmp_path: Path, body: str, row: int, field: str, reason: str) -> None:
    f = tmp_path / "f.csv"
    f.write_text(HEADER + body, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_findings(f)
    assert (err.value.file, err.value.row, err.value.field) == ("f.csv", row, field) and reason in err.value.reason


def test_missing_column_is_row_1(tmp_path: Path) -> None:
    f = tmp_path / "f.csv"
    f.write_text("contract_id,compliant\nH1416,true\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"f\.csv, row 1, field 'period_start': missing column"):
        read_findings(f)
