"""The daily report of CAP letter L34: per contract per day, the three standards vs their limits, CAP status, files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from calllog_support import DAYS, HEADER, call, compliant_days, write_log  # noqa: F401
from partcd.callcenter.pipelines.daily import daily_report
from partcd.compliance import pipelines as svc
from partcd.compliance.rules.cap import LETTER_AUTHORITIES, Cap
from partcd.core.errors import InputError
from partcd.platform.store.db import connect, upgrade


def test_daily_rows_hand_computed(tmp_path: Path) -> None:
    rep = daily_report(write_log(tmp_path / "calls.csv"), tmp_path / "out")
    rows = {(r["contract_id"], r["date"]): r for r in rep.records}
    ok = rows[("H1416", "2022-01-03")]
    assert (ok["calls"], ok["avg_hold_time_s"], ok["answered_within_30s_pct"], ok["disconnect_rate_pct"]) == (5, 19.2, 80.0, 0.0)
    assert (ok["hold_time_ok"], ok["service_level_ok"], ok["disconnect_ok"], ok["compliant"]) == (True, True, True, True)
    assert (ok["avg_hold_time_max_s"], ok["answered_within_min_pct"], ok["disconnect_rate_max_pct"]) == (120, 80, 5)
    bad = rows[("H1416", "2022-01-04")]
    assert (bad["avg_hold_time_s"], bad["answered_within_30s_pct"], bad["disconnect_rate_pct"]) == (150.0, 0.0, 25.0)
    assert (bad["hold_time_ok"], bad["service_level_ok"], bad["disconnect_ok"], bad["compliant"]) == (False, False, False, False)
    assert bad["failed_standards"] == ["average hold time (s)", "answered within 30 s (%)", "disconnect rate (%)"]
    assert rows[("H2001", "2022-01-03")]["compliant"] is True
    assert not rep.compliant and rep.breach_days == [("H1416", "2022-01-04")]
    assert [p.name for p in rep.paths] == ["daily_report.csv", "daily_report.xlsx", "daily_report.json",
                                        "daily_report.html"]


def test_files_csv_json_html(tmp_path: Path) -> None:
    rep = daily_report(write_log(tmp_path / "calls.csv"), tmp_path / "out", contract="H1416")
    assert [r["date"] for r in rep.records] == ["2022-01-03", "2022-01-04"]
    csv_text = (tmp_path / "out" / "daily_report.csv").read_text()
    assert csv_text.splitlines()[0].startswith('"contract_id","date","calls","avg_hold_time_s","avg_hold_time_max_s"')
    assert "average hold time (s); answered within 30 s (%); disconnect rate (%)" in csv_text
    data = json.loads((tmp_path / "out" / "daily_report.json").read_text())
    assert data[1]["disconnect_rate_pct"] == 25.0 and data[1]["cap_status"] is None
    html = (tmp_path / "out" / "daily_report.html").read_text()
    assert 'class="breach"' in html and "plotly.min.js" in html and "Average hold time (s)" in html
    assert "shaded: breach days" in html and (tmp_path / "out" / "plotly.min.js").exists()
    with pytest.raises(InputError, match="no calls for contract H9999"):
        daily_report(tmp_path / "calls.csv", tmp_path / "out2", contract="H9999")


def test_cap_status_per_day_from_the_database(tmp_path: Path) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'db.sqlite'}")
    upgrade(engine)
    cap = Cap(contract_ids=("H1416",), parent_organization="Centene Corporation", legal_entity="HARMONY HEALTH PLAN, INC.",
              issued_on=dt.date(2022, 1, 4), deficiency="Failure to Provide Compliant Call Center Services",
              authorities=LETTER_AUTHORITIES, detection_source="beneficiary_complaints")
    cap_id = svc.create_cap(engine, cap, actor="cms")
    rep = daily_report(write_log(tmp_path / "calls.csv"), tmp_path / "out", db=engine)
    rows = {(r["contract_id"], r["date"]): r for r in rep.records}
    assert (rows[("H1416", "2022-01-03")]["cap_id"], rows[("H1416", "2022-01-03")]["cap_status"]) == (None, None)
    assert (rows[("H1416", "2022-01-04")]["cap_id"], rows[("H1416", "2022-01-04")]["cap_status"]) == (cap_id, "requested")
    assert rows[("H2001", "2022-01-03")]["cap_id"] is None
    assert f"CAP {cap_id}: requested" in (tmp_path / "out" / "daily_report.html").read_text()


def test_cap_demo_end_to_end(tmp_path: Path) -> None:
    from partcd.compliance.demo import demo

    result = demo(tmp_path, 2022, "duckdb")
    folder = tmp_path / "callcenter_cap"
    assert result.href == "callcenter_cap/daily/daily_report.html" and (tmp_path / result.href).exists()
    assert "closed on" in result.headline and "meets the 72 h rule" in result.headline
    cap = json.loads((folder / "cap.json").read_text())
    assert cap["cap"]["status"] == "closed" and cap["closure"]["contracts"][0]["run"] >= 20
    assert cap["cap"]["legal_entity"] == "HARMONY HEALTH PLAN, INC." and cap["cap"]["self_disclosed"] is False
    bcp = json.loads((folder / "bcp" / "bcp_report.json").read_text())
    assert bcp["compliant"] is True and bcp["incidents"][0]["hours_to_restore"] == 30.0
    daily = json.loads((folder / "daily" / "daily_report.json").read_text())
    typhoon = next(r for r in daily if r["contract_id"] == "H1416" and r["date"] == "2022-01-11")
    assert typhoon["compliant"] is False and typhoon["cap_status"] is None
    assert {r["cap_status"] for r in daily if r["contract_id"] == "H1416" and r["date"] >= "2022-03-07"} == {"closed"}


def _typed_parquet(path: Path, duplicate: bool = False) -> Path:
    """The synthetic call log as typed Parquet (UTC microsecond timestamps, boolean flags)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from partcd.callcenter.readers.calllog_files import TIMESTAMPS
    from partcd.callcenter.samples import Outage, synthetic_call_log

    zone = dt.timezone(dt.timedelta(hours=-5))
    raw = synthetic_call_log(seed=7, days=10, outage=Outage(start=dt.datetime(2022, 1, 5, 9, tzinfo=zone), hours=20))
    cols = {}
    for name in raw.column_names:
        col = raw.column(name)
        if name in TIMESTAMPS:
            col = pc.cast(pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col), pa.timestamp("us", tz="UTC"))
        elif name in ("interpreter_requested", "tty"):
            col = pc.equal(col, "true")
        cols[name] = col
    table = pa.table(cols)
    if duplicate:
        table = pa.concat_tables([table, table.slice(3, 1)])
    pq.write_table(table, path)
    return path


def _same_log_as_csv(parquet: Path, out: Path) -> Path:
    """The typed Parquet log written back as the generic CSV (ISO text with offsets, true/false)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from partcd.callcenter.readers.calllog_files import TIMESTAMPS

    table = pq.read_table(parquet)
    cols = {}
    for name in table.column_names:
        col = table.column(name)
        if name in TIMESTAMPS:
            col = pc.strftime(col, format="%Y-%m-%dT%H:%M:%S+00:00")  # %S carries the microseconds
        elif name in ("interpreter_requested", "tty"):
            col = pc.cast(col, pa.string())
        cols[name] = col
    pacsv.write_csv(pa.table(cols), out)
    return out


def test_fast_path_gives_identical_records(tmp_path: Path) -> None:
    """One pipeline: the typed Parquet log (validated in the engine) and the same log as CSV give the same records."""
    from partcd.callcenter.pipelines.metrics import run_metrics

    path = _typed_parquet(tmp_path / "calls.parquet")
    csv_log = _same_log_as_csv(path, tmp_path / "calls.csv")
    for by in ("day", "week", "month"):
        fast = run_metrics(path, by=by)  # type: ignore[arg-type]
        slow = run_metrics(csv_log, by=by)  # type: ignore[arg-type]
        assert fast.records == slow.records and fast.verdicts == slow.verdicts and fast.compliant == slow.compliant
        if by == "day":
            assert any(r["compliant"] is False for r in fast.records)  # the outage day


def test_fast_path_falls_back_on_bad_input(tmp_path: Path) -> None:
    """A duplicate in typed Parquet gets the same error as in CSV (file, row of the repeat, first row)."""
    from partcd.callcenter.pipelines.metrics import run_metrics

    dup = _typed_parquet(tmp_path / "dup.parquet", duplicate=True)
    dup_csv = _same_log_as_csv(dup, tmp_path / "dup.csv")
    with pytest.raises(InputError) as fast_err:
        run_metrics(dup)
    with pytest.raises(InputError) as slow_err:
        run_metrics(dup_csv)
    assert str(fast_err.value).replace(str(dup), "F") == str(slow_err.value).replace(str(dup_csv), "F")
    assert "duplicate call_id 'C00000004'" in str(fast_err.value)
    csv_log = write_log(tmp_path / "calls.csv")
    assert run_metrics(csv_log).records == run_metrics(str(csv_log)).records
