"""``partcd stars assign`` / ``explain`` (42 CFR 422.166(a)(2)(i), 423.186(a)(2)(i)) on the real CMS tables and bad files."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from partcd.platform.cli import app

runner = CliRunner()


def _data(shared_dir: Path, year: int, name: str) -> str:
    return str(next((shared_dir / "data" / "star-ratings" / str(year)).glob(f"*{name}*")))


def _inputs(shared_dir: Path, year: int) -> list[str]:
    return ["--scores", _data(shared_dir, year, "Measure Data"),
            "--cut-points", _data(shared_dir, year, "Part C Cut Points"),
            "--cut-points", _data(shared_dir, year, "Part D Cut Points")]


def test_assign_csv_on_the_2025_tables(shared_dir: Path) -> None:
    result = runner.invoke(app, ["stars", "assign", *_inputs(shared_dir, 2025)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 789 * 42
    by = {(r["contract_id"], r["measure_id"]): r for r in rows}
    # H0028 C01: score 76 against 2025 ">= 75 % to < 82 %" -> 4 stars (published Measure Stars: 4)
    assert (by[("H0028", "C01")]["score"], by[("H0028", "C01")]["stars"]) == ("76", "4")
    # H0028 C25: complaint rate 0.15, "> 0.12 to <= 0.37" -> 4 stars (published: 4)
    assert (by[("H0028", "C25")]["score"], by[("H0028", "C25")]["stars"]) == ("0.15", "4")
    assert by[("H0028", "D01")]["contract_type"] == "MA-PD"
    assert by[("E3014", "C01")]["missing_reason"] == "Plan not required to report measure"
    assert by[("E3014", "C01")]["stars"] == ""


def test_assign_json_to_file(shared_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "stars.json"
    result = runner.invoke(app, ["stars", "assign", *_inputs(shared_dir, 2024), "--year", "2024", "--json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert len(rows) == 857 * 42
    h0028 = next(r for r in rows if r["contract_id"] == "H0028" and r["measure_id"] == "C01")
    assert h0028["stars"] in (1, 2, 3, 4, 5) and isinstance(h0028["score"], float)


def test_assign_tidy_files(tmp_path: Path) -> None:
    scores = tmp_path / "scores.csv"
    scores.write_text("contract_id,measure_id,score\nH0001,C01,62.5\nH0001,C25,0.44\nS0002,D02,0.12\n", encoding="utf-8")
    cuts = tmp_path / "cuts.csv"
    cuts.write_text(
        "measure_id,contract_type,threshold,value\n"
        + "".join(f"C01,ALL,{t},{v}\n" for t, v in zip((2, 3, 4, 5), (48, 63, 71, 79), strict=True))
        + "".join(f"C25,ALL,{t},{v}\n" for t, v in zip((2, 3, 4, 5), (1.46, 0.83, 0.44, 0.14), strict=True))
        + "".join(f"D02,PDP,{t},{v}\n" for t, v in zip((2, 3, 4, 5), (0.33, 0.21, 0.12, 0.05), strict=True)),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["stars", "assign", "--scores", str(scores), "--cut-points", str(cuts), "--year", "2024"])
    assert result.exit_code == 0, result.output
    rows = {r["measure_id"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert rows["C01"]["stars"] == "3"  # 62.5 -> 63 at display precision -> ">= 63"
    assert rows["C25"]["stars"] == "4"  # "<= 0.44"
    assert (rows["D02"]["stars"], rows["D02"]["contract_type"]) == ("4", "PDP")  # "> 0.05 to <= 0.12"


def test_explain(shared_dir: Path) -> None:
    result = runner.invoke(app, ["stars", "explain", "--contract", "H0028", "--measure", "C25", *_inputs(shared_dir, 2025)])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "Contract H0028 scored 0.15 on C25 Complaints about the Health Plan in the 2025 Star Ratings." in text
    assert "gets 4 stars: it is <= 0.37 (the 4-star bound) and > 0.12 (the next level's bound)" in text
    assert "lower is better" in text and "42 CFR 422.166(a)(2)(i)" in text
    by_key = runner.invoke(app, ["stars", "explain", "--contract", "H0028", "--measure", "complaints_health_plan",
                                 *_inputs(shared_dir, 2025)])
    assert by_key.exit_code == 0 and by_key.stdout == text


def test_explain_missing_score(shared_dir: Path) -> None:
    result = runner.invoke(app, ["stars", "explain", "--contract", "E3014", "--measure", "C01", *_inputs(shared_dir, 2025)])
    assert result.exit_code == 0, result.output
    assert "has no star on C01 Breast Cancer Screening" in result.stdout
    assert "'Plan not required to report measure'" in result.stdout


def test_bad_tidy_score_file_exits_2_naming_file_row_field(tmp_path: Path, shared_dir: Path) -> None:
    scores = tmp_path / "scores.csv"
    scores.write_text("contract_id,measure_id,score\nH0001,C01,62.5\nH0001,C02,sixty\n", encoding="utf-8")
    result = runner.invoke(app, ["stars", "assign", "--scores", str(scores),
                                 "--cut-points", _data(shared_dir, 2025, "Part C Cut Points")])
    assert result.exit_code == 2
    assert f"{scores}, row 3, field 'score': 'sixty' is neither a score nor a known status" in " ".join(result.output.split())


def test_bad_cms_cut_point_file_exits_2(tmp_path: Path, shared_dir: Path) -> None:
    source = Path(_data(shared_dir, 2025, "Part C Cut Points")).read_bytes()
    broken = tmp_path / "cuts.csv"
    broken.write_bytes(source.replace(b">= 53 % to < 67 % ", b">= 53 % to < 66 % ", 1))
    result = runner.invoke(app, ["stars", "assign", "--scores", _data(shared_dir, 2025, "Measure Data"),
                                 "--cut-points", str(broken)])
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert f"{broken}, row 7, field 'C01: Breast Cancer Screening':" in message
    assert "3star bound 67 does not continue the 2star bound 66" in message


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--year", "2024"], "--year 2024 contradicts the files, which are for rating year 2025"),
        (["--measure", "C99"], "measure 'C99' is neither a measure id nor a measure key"),
    ],
)
def test_user_errors_exit_2(shared_dir: Path, args: list[str], message: str) -> None:
    base = ["stars", "explain", "--contract", "H0028", *_inputs(shared_dir, 2025)]
    if "--measure" not in args:
        base += ["--measure", "C01"]
    result = runner.invoke(app, [*base, *args])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_wrong_file_kind_exits_2(shared_dir: Path) -> None:
    result = runner.invoke(app, ["stars", "assign", "--scores", _data(shared_dir, 2025, "Part C Cut Points"),
                                 "--cut-points", _data(shared_dir, 2025, "Part C Cut Points")])
    assert result.exit_code == 2
    assert "row 1: expected scores, found a cut points file" in " ".join(result.output.split())
