"""``--out`` of the call-center commands: the extension picks the format (issue 13, items 4 and 5).

The log of ``calllog_support``: H1416 on 2022-01-03 holds 20, 30, 31, 10 and 5 s (average 19.2 s, 4 of 5 within
30 s = 80 %), on 2022-01-04 holds 200 and 100 s with a hang-up and a drop (average 150 s, 0 % within 30 s, 1 of 4
dropped = 25 %); H2001 one call of 10 s on 2022-01-03.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from calllog_support import write_log
from partcd.platform.cli import app

runner = CliRunner()


def _metrics(tmp_path: Path, out: Path, *extra: str) -> tuple[int, str]:
    res = runner.invoke(app, ["callcenter", "metrics", "--calls", str(write_log(tmp_path / "calls.csv")), "--out", str(out),
                              *extra])
    return res.exit_code, res.output


def _sheet(path: Path) -> list[dict[str, object]]:
    rows = list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def test_metrics_out_xlsx_is_a_file_with_exact_values(tmp_path: Path) -> None:
    out = tmp_path / "new" / "metrics.xlsx"
    code, output = _metrics(tmp_path, out)
    assert code == 1, output  # 2022-01-04 is non-compliant
    assert out.is_file()
    rows = {(r["contract_id"], r["period_start"]): r for r in _sheet(out)}
    ok, bad = rows[("H1416", "2022-01-03")], rows[("H1416", "2022-01-04")]
    assert (ok["calls"], ok["avg_hold_time_s"], ok["answered_within_30s_pct"], ok["disconnect_rate_pct"]) == (5, 19.2, 80.0, 0.0)
    assert (bad["avg_hold_time_s"], bad["disconnect_rate_pct"], bad["compliant"]) == (150.0, 25.0, False)
    assert bad["failed_standards"] == "average hold time (s); answered within 30 s (%); disconnect rate (%)"


@pytest.mark.parametrize("suffix", [".csv", ".json", ".parquet"])
def test_metrics_out_each_format_reads_back(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"metrics{suffix}"
    code, output = _metrics(tmp_path, out)
    assert code == 1, output
    if suffix == ".csv":
        rows = list(csv.DictReader(out.open(encoding="utf-8")))
        assert not out.read_bytes().startswith(b"\xef\xbb\xbf")
    elif suffix == ".json":
        rows = json.loads(out.read_text(encoding="utf-8"))
    else:
        rows = pq.read_table(out).to_pylist()
    by = {(r["contract_id"], r["period_start"]): r for r in rows}
    assert float(by[("H1416", "2022-01-03")]["avg_hold_time_s"]) == 19.2
    assert float(by[("H1416", "2022-01-04")]["disconnect_rate_pct"]) == 25.0


def test_excel_csv_writes_the_byte_order_mark(tmp_path: Path) -> None:
    out = tmp_path / "metrics.csv"
    code, output = _metrics(tmp_path, out, "--excel-csv")
    assert code == 1, output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0]["contract_id"] == "H1416" and float(rows[0]["avg_hold_time_s"]) == 19.2


def test_unknown_extension_exits_2_naming_the_flag_before_any_work(tmp_path: Path) -> None:
    res = runner.invoke(app, ["callcenter", "metrics", "--calls", str(tmp_path / "missing.csv"), "--out",
                              str(tmp_path / "m.txt")])
    assert res.exit_code == 2
    assert f"--out: {tmp_path / 'm.txt'}: '.txt' is not a table format; use one of .csv, .json, .parquet or .xlsx" in res.output
    assert not (tmp_path / "m.txt").exists()
    code, output = _metrics(tmp_path, tmp_path / "m.xlsx", "--excel-csv")
    assert code == 2 and "--excel-csv: writes CSV; --out" in output and not (tmp_path / "m.xlsx").exists()
    (tmp_path / "taken.csv").mkdir()
    code, output = _metrics(tmp_path, tmp_path / "taken.csv")
    assert code == 2 and "is a folder; give a file name ending in .csv, .json, .parquet or .xlsx" in output


def test_daily_report_folder_has_an_excel_file_and_prints_json(tmp_path: Path) -> None:
    out = tmp_path / "report"
    res = runner.invoke(app, ["callcenter", "daily-report", "--calls", str(write_log(tmp_path / "calls.csv")), "--out",
                              str(out), "--no-caps", "--excel-csv", "--json"])
    assert res.exit_code == 1, res.output
    printed = {(r["contract_id"], r["date"]): r for r in json.loads(res.stdout)}
    assert printed[("H1416", "2022-01-03")]["avg_hold_time_s"] == 19.2
    sheet = {(r["contract_id"], r["date"]): r for r in _sheet(out / "daily_report.xlsx")}
    assert (sheet[("H1416", "2022-01-04")]["avg_hold_time_s"], sheet[("H1416", "2022-01-04")]["hold_time_ok"]) == (150.0, False)
    assert sheet[("H1416", "2022-01-03")]["answered_within_min_pct"] == 80
    assert (out / "daily_report.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_daily_report_reads_through_a_profile(tmp_path: Path) -> None:
    calls = write_log(tmp_path / "calls.csv")
    res = runner.invoke(app, ["callcenter", "daily-report", "--calls", str(calls), "--out", str(tmp_path / "r"),
                              "--no-caps", "--profile", "generic", "--json"])
    assert res.exit_code == 1, res.output
    assert {(r["contract_id"], r["date"], r["compliant"]) for r in json.loads(res.stdout)} == {
        ("H1416", "2022-01-03", True), ("H1416", "2022-01-04", False), ("H2001", "2022-01-03", True)}
    res = runner.invoke(app, ["callcenter", "daily-report", "--calls", str(calls), "--out", str(tmp_path / "r"),
                              "--no-caps", "--profile", "nope"])
    assert res.exit_code == 2
