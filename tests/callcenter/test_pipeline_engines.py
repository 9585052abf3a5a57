"""The one engine-native call-log pipeline: folders and globs, the engine-written quarantine, lines, the definitions
mirrored from the pure rules, and DuckDB / Spark / Spark Connect parity (records equal: integers exact, figures to
1e-6). Spark tests are marked ``spark``; the Spark Connect test starts its own local server."""

from __future__ import annotations

import csv
import datetime as dt
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from partcd.callcenter.pipelines.metrics import call_log_findings, compute_metrics, read_call_log, run_metrics
from partcd.callcenter.rules.monitoring import CallRecord, timeliness_study
from partcd.callcenter.rules.standards import CallTimes, queued_wait
from partcd.callcenter.samples import Outage, synthetic_call_log
from partcd.core.errors import InputError, RuleError
from partcd.platform import frames
from partcd.platform.params import load_params

HEADER = ("call_id,contract_id,call_start,ivr_end,answered_at,call_end,end_reason,interpreter_requested,"
          "interpreter_connected_at,tty,tty_connected_at")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ten days of two contracts with a 26-hour outage, as CSV (about 2,600 calls)."""
    outage = Outage(start=dt.datetime(2022, 1, 4, 9, tzinfo=ZoneInfo("America/New_York")), hours=26)
    path = tmp_path_factory.mktemp("log") / "calls.csv"
    pacsv.write_csv(synthetic_call_log(seed=7, days=10, calls_per_day=130, outage=outage), path)
    return path


def _split(src: Path, folder: Path, parts: int) -> list[Path]:
    """The log's rows dealt into ``parts`` CSV files (same header), in order."""
    rows = list(csv.reader(src.open(encoding="utf-8")))
    folder.mkdir(parents=True, exist_ok=True)
    size = -(-(len(rows) - 1) // parts)
    out = []
    for i in range(parts):
        path = folder / f"part-{i}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(rows[0])
            w.writerows(rows[1 + i * size:1 + (i + 1) * size])
        out.append(path)
    return out


def test_folder_and_glob_give_the_records_of_the_whole_file(synthetic: Path, tmp_path: Path) -> None:
    whole = run_metrics(synthetic, by="day")
    _split(synthetic, tmp_path / "logs", 3)
    assert run_metrics(tmp_path / "logs", by="day").records == whole.records
    assert run_metrics(str(tmp_path / "logs" / "part-*.csv"), by="day").records == whole.records
    (tmp_path / "logs" / "extra.parquet").write_bytes(b"PAR1")
    with pytest.raises(InputError, match="mixed file types"):
        run_metrics(tmp_path / "logs")
    with pytest.raises(InputError, match="no call-log files"):
        run_metrics(str(tmp_path / "nothing-*.csv"))


def test_a_duplicate_in_another_file_names_both_files(synthetic: Path, tmp_path: Path) -> None:
    first, second = _split(synthetic, tmp_path / "logs", 2)
    rows = list(csv.reader(first.open(encoding="utf-8")))
    with second.open("a", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerow(rows[5])  # the 5th call of part 0 (spreadsheet row 6) again at the end of part 1
    n = sum(1 for _ in second.open(encoding="utf-8"))
    with pytest.raises(InputError) as exc:
        run_metrics(tmp_path / "logs")
    assert (exc.value.file, exc.value.row, exc.value.field) == (str(second), n, "call_id")
    assert f"(first at row 6 of file {first})" in exc.value.reason


def _log(tmp_path: Path, rows: list[str], header: str = HEADER) -> Path:
    path = tmp_path / "calls.csv"
    path.write_text(header + "\n" + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


D = "2022-01-03T"


def test_quarantine_is_written_by_the_engine_with_rows_fields_reasons(tmp_path: Path) -> None:
    good = f"a,H1416,{D}09:00:00-05:00,{D}09:00:30-05:00,{D}09:01:00-05:00,{D}09:05:00-05:00,completed,false,,false,"
    rows = [good,
            good,  # row 3: duplicate of row 2
            good.replace("a,H1416", "b,=cmd|' /C calc'!A0"),  # row 4: a formula as the contract: refused, neutralised
            good.replace("a,", "c,").replace(f"{D}09:01:00-05:00", ""),  # row 5: a clean unanswered call (kept)
            good.replace("a,", "d,").replace("completed", "hung_up")]  # row 6: unknown end reason
    out = tmp_path / "rejected.csv"
    rep = run_metrics(_log(tmp_path, rows), quarantine=out)
    assert rep.rejected == 3 and rep.records[0]["calls"] == 2
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == '"row","field","reason",' + ",".join(f'"{c}"' for c in HEADER.split(","))
    assert [ln.split(",")[:2] for ln in lines[1:]] == [['"3"', '"call_id"'], ['"4"', '"contract_id"'],
                                                       ['"6"', '"end_reason"']]
    assert "duplicate call_id 'a' (first at row 2)" in lines[1]
    assert '"\'=cmd|\' /C calc\'!A0"' in lines[2]  # the cell starts with an apostrophe: no live formula
    with pytest.raises(InputError, match=r"row 3, field 'call_id': duplicate call_id 'a' \(first at row 2\) \(2 more"):
        run_metrics(_log(tmp_path, rows))


def test_lines_are_reported_apart_by_default_and_folded_for_cap_monitoring(tmp_path: Path) -> None:
    def call(cid: str, hhmm: str, hold: int, line: str) -> str:
        start = dt.datetime.fromisoformat(f"2022-01-03T{hhmm}:00-05:00")
        ivr, answered = start + dt.timedelta(seconds=20), start + dt.timedelta(seconds=20 + hold)
        end = answered + dt.timedelta(minutes=4)
        times = ",".join(t.isoformat() for t in (start, ivr, answered, end))
        return f"{cid},H1416,{times},completed,false,,false,,{line}"
    # member services: 10 calls held 20 s (compliant); pharmacy help desk: 2 calls held 300 s (fails the 120 s limit);
    # pooled: (10 * 20 + 2 * 300) / 12 = 66.7 s - the pharmacy line's failure would be hidden by pooling
    rows = [call(f"m{i}", f"09:{i:02d}", 20, "member services") for i in range(10)]
    rows += [call(f"p{i}", f"10:{i:02d}", 300, "pharmacy help desk") for i in range(2)]
    path = _log(tmp_path, rows, HEADER + ",line")
    per_line = run_metrics(path)
    assert per_line.by_line and [(r["line"], r["avg_hold_time_s"], r["compliant"]) for r in per_line.records] == [
        ("member services", 20.0, True), ("pharmacy help desk", 300.0, False)]
    [pooled] = run_metrics(path, by_line=False).records
    # pooled, every standard passes: 66.7 s average, 10 of 12 within 30 s = 83.3 % - the failing line disappears
    assert pooled["avg_hold_time_s"] == pytest.approx(800 / 12, abs=1e-6) and pooled["failed_standards"] == []
    [folded] = call_log_findings(path).records
    assert folded["calls"] == 12 and folded["compliant"] is False
    assert "pharmacy help desk: average hold time (s)" in folded["failed_standards"]


def test_the_engine_computes_the_rule_s_holds_and_waits(synthetic: Path) -> None:
    """The pipeline's sums equal :func:`queued_wait` applied call by call (the rule is the specification)."""
    checked = read_call_log(synthetic)
    params = load_params("callcenter", dt.date(2022, 1, 3))
    hold = wait = queued = 0.0
    for r in checked.rows():
        w = queued_wait(CallTimes(call_start=r["call_start"], ivr_end=r["ivr_end"], answered_at=r["answered_at"],
                                  call_end=r["call_end"]), params)
        queued += w.queued
        hold += w.hold_s or 0.0
        wait += w.wait_s or 0.0
    records = compute_metrics(checked, by="quarter").records
    counts = run_metrics(synthetic, by="quarter").counts
    assert len(records) == 2 and sum(r["queued"] for r in records) == queued
    assert sum(c.hold_sum_us for c in counts) == pytest.approx(hold * 1e6, abs=1)
    assert sum(c.wait_sum_us for c in counts) == pytest.approx(wait * 1e6, abs=1)


def test_monitoring_treats_calls_without_an_ivr_as_the_metrics_do() -> None:
    start = dt.datetime(2022, 1, 3, 10, tzinfo=ZoneInfo("America/New_York"))
    no_ivr = CallRecord(call_id="x", contract_id="H1416", call_start=start, call_end=start + dt.timedelta(minutes=5),
                        end_reason="completed", answered_at=start + dt.timedelta(seconds=40))
    params = load_params("callcenter", dt.date(2022, 1, 3))
    import numpy as np

    with pytest.raises(RuleError, match="call x: a call answered by a live person needs ivr_end"):
        timeliness_study([no_ivr], params, np.random.default_rng(1), calls_per_line_quarter=1, study_month=1)
    held = params.with_overrides({"answered_without_ivr_end_text": "call_start"})
    [result] = timeliness_study([no_ivr], held, np.random.default_rng(1), calls_per_line_quarter=1, study_month=1)
    assert result.avg_hold_time_s == 40.0


# ------------------------------------------------------------------------------------------------- engines

def _typed_parquet(src: Path, out: Path) -> Path:
    """The CSV log as typed Parquet (UTC microsecond instants, booleans) via DuckDB."""
    import duckdb

    stamps = ("call_start", "ivr_end", "answered_at", "call_end", "interpreter_connected_at", "tty_connected_at")
    cols = ", ".join(f"CAST(NULLIF({c}, '') AS TIMESTAMPTZ) AS {c}" if c in stamps else
                     (f"{c} = 'true' AS {c}" if c in ("interpreter_requested", "tty") else c)
                     for c in HEADER.split(","))
    con = duckdb.connect()
    con.sql("SET TimeZone = 'UTC'")
    con.sql(f"COPY (SELECT {cols} FROM read_csv('{src}', all_varchar=true)) TO '{out}' (FORMAT PARQUET)")
    return out


@pytest.mark.spark
@pytest.mark.parametrize("by", ["day", "week", "quarter"])
def test_duckdb_and_spark_records_are_equal(synthetic: Path, tmp_path: Path, by: str) -> None:
    parquet = _typed_parquet(synthetic, tmp_path / "calls.parquet")
    for source in (synthetic, parquet):
        duck = run_metrics(source, by=by, engine="duckdb")  # type: ignore[arg-type]
        spark = run_metrics(source, by=by, engine="spark")  # type: ignore[arg-type]
        assert (duck.engine, spark.engine) == ("duckdb", "spark")
        assert len(duck.records) > 1 and duck.records == spark.records and duck.counts == spark.counts
    assert pq.read_metadata(parquet).num_rows > 2000


@pytest.mark.spark
def test_duckdb_and_spark_reject_the_same_rows(tmp_path: Path) -> None:
    good = f"a,H1416,{D}09:00:00-05:00,{D}09:00:30-05:00,{D}09:01:00-05:00,{D}09:05:00-05:00,completed,false,,false,"
    rows = [good, good, good.replace("a,", "b,").replace("completed", "hung_up"),
            good.replace("a,", "c,").replace(f"{D}09:00:30-05:00", f"{D}09:02:00-05:00")]
    path = _log(tmp_path, rows)
    duck = read_call_log(path, on_error="quarantine", engine="duckdb")
    spark = read_call_log(path, on_error="quarantine", engine="spark")
    assert [(r.row, r.field, r.reason) for r in duck.rejections()] == [(r.row, r.field, r.reason) for r in spark.rejections()]
    assert [(r.row, r.field) for r in duck.rejections()] == [(3, "call_id"), (4, "end_reason"), (5, "answered_at")]
    out = tmp_path / "spark_rejected.csv"
    run_metrics(path, quarantine=out, engine="spark")
    parts = sorted(out.glob("part-*.csv"))  # Spark writes the quarantine as a folder of CSV parts
    assert len(parts) == 1 and parts[0].read_text(encoding="utf-8").count("\n") == 4


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def spark_connect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A local Spark Connect server (pyspark's SparkConnectServer through spark-submit), stopped afterwards."""
    pytest.importorskip("grpc", reason="Spark Connect needs pyspark[connect]: grpcio, grpcio-status, "
                                       "googleapis-common-protos")
    import pyspark

    home = Path(pyspark.__file__).parent
    port = _free_port()
    log = tmp_path_factory.mktemp("connect") / "server.log"
    env = {**os.environ, "SPARK_HOME": str(home)}
    with log.open("w") as out:
        server = subprocess.Popen(
            [str(home / "bin" / "spark-submit"), "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
             "--master", "local[2]", "--conf", f"spark.connect.grpc.binding.port={port}",
             "--conf", "spark.connect.grpc.binding.address=127.0.0.1", "--conf", "spark.ui.enabled=false",
             "--conf", "spark.sql.session.timeZone=UTC"], stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 120
        while "Spark Connect server started" not in log.read_text(errors="replace"):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the Spark Connect server did not start: " + log.read_text(errors="replace")[-2000:])
            time.sleep(1)
        yield f"sc://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=60)


CONNECT_RUN = """
import json, sys
from partcd.callcenter.pipelines.metrics import run_metrics
from partcd.platform import frames
report = run_metrics(sys.argv[1], by="week", engine="spark")
print(json.dumps({"session": type(frames.spark_session()).__module__, "records": report.records}))
"""


@pytest.mark.spark
def test_spark_connect_gives_the_duckdb_records(synthetic: Path, spark_connect_server: str) -> None:
    """Through Spark Connect (a fresh process: a remote session cannot share a process with a local one)."""
    import json
    import sys

    env = {**os.environ, "PARTCD_SPARK_REMOTE": spark_connect_server}
    out = subprocess.run([sys.executable, "-c", CONNECT_RUN, str(synthetic)], capture_output=True, text=True, env=env,
                         timeout=600, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    remote = json.loads(out.stdout.strip().splitlines()[-1])
    assert remote["session"].startswith("pyspark.sql.connect")
    assert remote["records"] == run_metrics(synthetic, by="week", engine="duckdb").records


def test_a_spark_remote_must_be_a_spark_connect_url(monkeypatch: pytest.MonkeyPatch) -> None:
    from partcd.core.errors import ConfigError

    monkeypatch.setenv("PARTCD_SPARK_REMOTE", "http://nope")
    with pytest.raises(ConfigError, match="sc://"):
        frames.spark_remote()
