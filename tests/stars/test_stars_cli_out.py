"""``partcd stars guardrail|assign --out``: cut points and stars in the format of the file's extension (issue 13).

The guardrail case of ``test_cli_cutpoints``: unguarded C01 thresholds 30/50/70/90 against the prior 28/50/60/97
give 30 and 50 within the cap, 65 capped up and 92 capped down.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
from openpyxl import load_workbook
from typer.testing import CliRunner

from partcd.platform.cli import app

runner = CliRunner()
EXPECTED = [(2, 30.0, "within_cap"), (3, 50.0, "within_cap"), (4, 65.0, "capped_up"), (5, 92.0, "capped_down")]


def _guardrail(tmp_path: Path, out: Path, *extra: str) -> tuple[int, str]:
    unguarded = tmp_path / "u.csv"
    unguarded.write_text("measure_id,measure_name,part,threshold,value\n"
                         "C01,Breast Cancer Screening,C,2,30\nC01,Breast Cancer Screening,C,3,50\n"
                         "C01,Breast Cancer Screening,C,4,70\nC01,Breast Cancer Screening,C,5,90\n", encoding="utf-8")
    prior = tmp_path / "p.csv"
    prior.write_text("measure_id,threshold,value,contract_type\n"
                     + "".join(f"C01,{s},{v},\n" for s, v in zip((2, 3, 4, 5), (28, 50, 60, 97), strict=True)),
                     encoding="utf-8")
    res = runner.invoke(app, ["stars", "guardrail", "--unguarded", str(unguarded), "--prior-cut-points", str(prior),
                              "--year", "2025", "--out", str(out), *extra])
    return res.exit_code, res.output


def test_cut_points_to_xlsx(tmp_path: Path) -> None:
    out = tmp_path / "cut_points.xlsx"
    code, output = _guardrail(tmp_path, out)
    assert code == 0, output
    assert out.is_file() and "4 threshold rows written to" in output
    rows = list(load_workbook(out, read_only=True).active.iter_rows(values_only=True))
    header = rows[0]
    got = [(r[header.index("threshold")], r[header.index("value")], r[header.index("reason")]) for r in rows[1:]]
    assert got == EXPECTED


def test_cut_points_to_parquet_and_json(tmp_path: Path) -> None:
    code, output = _guardrail(tmp_path, tmp_path / "c.parquet")
    assert code == 0, output
    table = pq.read_table(tmp_path / "c.parquet").to_pylist()
    assert [(r["threshold"], r["value"], r["reason"]) for r in table] == EXPECTED
    code, output = _guardrail(tmp_path, tmp_path / "c.json")
    assert code == 0, output
    data = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert [(r["threshold"], r["value"], r["reason"]) for r in data] == EXPECTED


def test_excel_csv_and_unknown_extension(tmp_path: Path) -> None:
    code, output = _guardrail(tmp_path, tmp_path / "c.csv", "--excel-csv")
    assert code == 0, output
    assert (tmp_path / "c.csv").read_bytes().startswith(b"\xef\xbb\xbfmeasure_id,")
    code, output = _guardrail(tmp_path, tmp_path / "c.tsv")
    assert code == 2 and "--out: " in output
    assert "'.tsv' is not a table format; use one of .csv, .json, .parquet or .xlsx" in output
