"""§ 422.504(o)(1)(iii), § 423.505(p)(1)(iii): an open business-continuity incident shows the hours left on its 72-hour
clock (rules, ``partcd bcp check`` table at 80 and 120 columns, the JSON)."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console
from typer.testing import CliRunner

from partcd.compliance.cli import incidents_table
from partcd.compliance.pipelines import bcp_status
from partcd.compliance.rules.continuity import Incident, restoration_check
from partcd.platform.cli import app
from partcd.platform.params import load_params
from partcd.platform.store.db import connect, upgrade

ET = ZoneInfo("America/New_York")
PARAMS = load_params("compliance", dt.date(2022, 1, 4))


def _open(start: dt.datetime) -> Incident:
    return Incident(incident_id=7, function_key="C.call_center", failure_start=start, detected_at=start)


def test_hours_left_on_the_clock() -> None:
    start = dt.datetime(2022, 1, 4, 9, 0, tzinfo=ET)
    # 2022-01-04 09:00 -> 2022-01-05 21:00 = 36 h open, 72 - 36 = 36 h left
    assert restoration_check(_open(start), PARAMS, dt.datetime(2022, 1, 5, 21, 0, tzinfo=ET)).hours_left == 36.0
    # -> 2022-01-07 08:59 = 71 h 59 min open: 1 min = 0.0167 h left, still open within the limit
    late = restoration_check(_open(start), PARAMS, dt.datetime(2022, 1, 7, 8, 59, tzinfo=ET))
    assert (late.hours_left, late.compliant) == (0.0167, None)
    # -> 2022-01-07 12:00 = 75 h open: 3 h past the deadline
    over = restoration_check(_open(start), PARAMS, dt.datetime(2022, 1, 7, 12, 0, tzinfo=ET))
    assert (over.hours_left, over.compliant) == (-3.0, False)
    restored = Incident(incident_id=7, function_key="C.call_center", failure_start=start, detected_at=start,
                        restored_at=dt.datetime(2022, 1, 5, 9, 0, tzinfo=ET))
    assert restoration_check(restored, PARAMS, dt.datetime(2022, 1, 7, 12, 0, tzinfo=ET)).hours_left is None


def _run(db: str, *args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, ["--db", db, *args], env={"PARTCD_ACTOR": "eryn"})
    return r.exit_code, r.output


def test_bcp_check_shows_hours_left(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'bcp.db'}"
    assert _run(db, "bcp", "create-plan", "--org", "Centene", "--label", "v1", "--approved-on", "2021-01-15")[0] == 0
    for kind in ("test", "training"):
        assert _run(db, "bcp", "add-evidence", "--org", "Centene", "--kind", kind, "--on", "2021-12-01",
                    "--description", "drill")[0] == 0
    assert _run(db, "bcp", "incident", "open", "--org", "Centene", "--failure-start", "2022-01-04T09:00:00-05:00")[0] == 0
    assert _run(db, "bcp", "incident", "open", "--org", "Centene", "--failure-start", "2022-01-02T09:00:00-05:00")[0] == 0
    code, out = _run(db, "bcp", "check", "--org", "Centene", "--now", "2022-01-05T21:00:00-05:00")
    assert code == 1 and "over by 12.00 h" in out   # the second incident is 84 h open: past its deadline
    engine = connect(db)
    upgrade(engine)
    status = bcp_status(engine, "Centene", dt.datetime(2022, 1, 5, 21, 0, tzinfo=ET))
    for width in (80, 120):
        console = Console(width=width, file=io.StringIO(), color_system=None)
        console.print(incidents_table(status, width))
        table = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
        assert max(len(line) for line in table) <= width
        rows = {line.split()[0]: line.split() for line in table if line.strip()[:1] in {"1", "2"}}
        # deadline = failure + 72 h (stored in UTC): 2022-01-04 14:00Z + 72 h; 36 h open at 2022-01-06 02:00Z
        assert rows["1"][:7] == ["1", "2022-01-07", "14:00+00:00", "36.00", "36.00", "h", "open"]
        assert rows["2"][:9] == ["2", "2022-01-05", "14:00+00:00", "84.00", "over", "by", "12.00", "h", "NOT"]
    code, out = _run(db, "bcp", "check", "--org", "Centene", "--now", "2022-01-05T21:00:00-05:00", "--json")
    assert {i["incident_id"]: i["hours_left"] for i in json.loads(out)["incidents"]} == {1: 36.0, 2: -12.0}
