"""``partcd radv payment-error``: reviewed HCCs and a coefficient table in, each enrollee's payment error out (in the
``stratum,payment_error`` shape ``extrapolate --sample`` reads); hand-computed errors; bad cells named (exit 2)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from partcd.core.errors import InputError
from partcd.platform.cli import app
from partcd.radv import pipelines
from partcd.radv.samples import coefficient_rows, illustrative_hcc_model, write_rows

runner = CliRunner()

# The illustrative model: HCC18 0.302 (drops HCC19), HCC19 0.105, HCC85 0.331, HCC108 0.335, HCC111 0.328,
# DIABETES_CHF (HCC19 x HCC85) 0.121.
ENROLLEES = (
    "enrollee_id,stratum,demographic_score,hcc_submitted,hcc_validated,months,monthly_base_rate_usd,monthly_base_rates_usd,note\n"
    # submitted: HCC18 drops HCC19 -> 0.4 + 0.302 + 0.331 = 1.033; validated HCC19, HCC85 + interaction
    # 0.4 + 0.105 + 0.331 + 0.121 = 0.957; 12 x 1,000 x 0.076 = 912.00
    "A1,1,0.4,HCC18; HCC19; HCC85,HCC19; HCC85,12,1000,,reviewed\n"
    # HCC85 unsupported: 7 x 950 x 0.331 = 2,201.15
    "A2,2,0.4,HCC85,,7,950,,\n"
    # every HCC supported: 0
    "A3,3,0.55,hcc108,HCC108,12,1100,,\n"
    # HCC85 unsupported, rates per month: (1,000 + 1,000 + 1,200) x 0.331 = 1,059.20
    "A4,3,0.4,HCC85,,,,1000; 1000; 1200,\n"
    # HCC111 found only in the record: not credited (offset 'none'), so the error is 0
    "A5,1,0.4,HCC85,HCC85; HCC111,12,1000,,\n"
)


@pytest.fixture()
def files(tmp_path: Path) -> tuple[Path, Path]:
    enrollees = tmp_path / "enrollees.csv"
    enrollees.write_text(ENROLLEES, encoding="utf-8")
    return enrollees, write_rows(coefficient_rows(illustrative_hcc_model()), tmp_path / "coefficients.csv")


def _run(*args: str) -> tuple[int, str]:
    res = runner.invoke(app, ["radv", "payment-error", *args])
    return res.exit_code, res.output


def test_hand_computed_payment_errors_in_the_extrapolate_shape(tmp_path: Path, files: tuple[Path, Path]) -> None:
    enrollees, coefficients = files
    out = tmp_path / "errors.csv"
    code, text = _run("--enrollees", str(enrollees), "--coefficients", str(coefficients), "--out", str(out))
    assert code == 0, text
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0])[:3] == ["enrollee_id", "stratum", "payment_error"]
    assert [(r["enrollee_id"], r["stratum"], float(r["payment_error"])) for r in rows] == \
        [("A1", "1", 912.0), ("A2", "2", 2201.15), ("A3", "3", 0.0), ("A4", "3", 1059.2), ("A5", "1", 0.0)]
    assert rows[0]["unsupported_hccs"] == "HCC18" and float(rows[0]["submitted_raw_score"]) == pytest.approx(1.033)
    assert float(rows[0]["validated_raw_score"]) == pytest.approx(0.957)
    assert (rows[3]["months"], float(rows[3]["base_rate_total_usd"])) == ("3", 3200.0)
    assert rows[4]["credited_additional_hccs"] == "" and rows[4]["unsupported_hccs"] == ""
    # by stratum: 1 -> 912 + 0; 2 -> 2,201.15; 3 -> 0 + 1,059.20; total 4,172.35
    assert "4,172.35 USD" in text and "1,059.20" in text
    # extrapolate reads the file as it is (n = 5)
    (tmp_path / "strata.csv").write_text("stratum,population\n1,10\n2,1\n3,20\n", encoding="utf-8")
    figures = pipelines.extrapolate_files(out, strata=tmp_path / "strata.csv")
    # T = 10 x 456 + 1 x 2,201.15 + 20 x 529.6 = 4,560 + 2,201.15 + 10,592 = 17,353.15
    assert figures["point_estimate"] == pytest.approx(17353.15) and figures["n"] == 5


def test_factors_json_and_explain(files: tuple[Path, Path], tmp_path: Path) -> None:
    enrollees, coefficients = files
    code, text = _run("--enrollees", str(enrollees), "--coefficients", str(coefficients), "--normalization-factor", "1.1",
                      "--coding-intensity", "0.059", "--out", str(tmp_path / "e.json"), "--json", "--explain")
    assert code == 0, text
    body = json.loads(text)
    # A1: 0.076 x (1 - 0.059) / 1.1 = 0.0650145..., x 12,000 = 780.1745... -> 780.17
    first = body["enrollees"][0]
    assert first["payment_error"] == 780.17
    assert first["submitted_payment_factor"] == pytest.approx(1.033 * 0.941 / 1.1)
    assert any("payment error" in s for s in first["steps"])
    assert body["sample"][0] == {"stratum": "1", "payment_error": 780.17}
    assert (body["normalization_factor"], body["coding_intensity_adjustment"], body["offset_additional_hccs"]) == \
        (1.1, 0.059, "none")
    assert body["n"] == 5 and json.loads((tmp_path / "e.json").read_text())[1]["payment_error"] == \
        pytest.approx(round(6650 * 0.331 * 0.941 / 1.1, 2))


def test_parquet_inputs_give_the_same_errors(files: tuple[Path, Path], tmp_path: Path) -> None:
    enrollees, coefficients = files
    table = [{"enrollee_id": "A1", "stratum": "1", "demographic_score": 0.4, "hcc_submitted": ["HCC18", "HCC19", "HCC85"],
              "hcc_validated": ["HCC19", "HCC85"], "months": 12, "monthly_base_rate_usd": 1000.0,
              "monthly_base_rates_usd": None},
             {"enrollee_id": "A4", "stratum": "3", "demographic_score": 0.4, "hcc_submitted": ["HCC85"],
              "hcc_validated": [], "months": None, "monthly_base_rate_usd": None,
              "monthly_base_rates_usd": [1000.0, 1000.0, 1200.0]}]
    pq.write_table(pa.Table.from_pylist(table), tmp_path / "e.parquet")
    pq.write_table(pa.Table.from_pylist(coefficient_rows(illustrative_hcc_model())), tmp_path / "c.parquet")
    found = pipelines.payment_errors_files(tmp_path / "e.parquet", tmp_path / "c.parquet", 2018)
    assert [r["payment_error"] for r in found.rows()] == [912.0, 1059.2]
    from_csv = {r["enrollee_id"]: r for r in pipelines.payment_errors_files(enrollees, coefficients, 2018).rows()}
    assert [r == from_csv[str(r["enrollee_id"])] for r in found.rows()] == [True, True]


@pytest.mark.parametrize(
    ("old", "new", "row", "field", "match"),
    [
        ("A2,2,0.4,HCC85,", "A2,2,0.4,HCC999,", 2, "hcc_submitted", "HCC999 is not in"),
        ("A2,2,0.4,HCC85,", "A2,2,0.4,DIABETES_CHF,", 2, "hcc_submitted", "interaction term"),
        ("A5,1,0.4,HCC85,HCC85; HCC111", "A5,1,0.4,HCC85,HCC85; HCC 7", 5, "hcc_validated", "not an HCC name"),
        ("A2,2,0.4,HCC85,,7,950", "A2,2,0.4,HCC85,,13,950", 2, "months", "outside 0 .. 12"),
        ("A2,2,0.4,HCC85,,7,950", "A2,2,0.4,HCC85,,7,$950", 2, "monthly_base_rate_usd", "plain decimal"),
        ("A2,2,0.4,HCC85,,7,950,", "A2,2,0.4,HCC85,,7,950,950", 2, "monthly_base_rates_usd", "not both"),
        ("A2,2,0.4,HCC85,,7,950", "A2,2,0.4,HCC85,,,", 2, "months", "give months"),
        ("A3,3,0.55", "A3,3,-0.55", 3, "demographic_score", "outside"),
        ("A3,3,0.55", "A1,3,0.55", 3, "enrollee_id", "listed twice (first in row 1)"),
    ],
)
def test_a_bad_enrollee_cell_is_named(files: tuple[Path, Path], tmp_path: Path, old: str, new: str, row: int,
                                      field: str, match: str) -> None:
    enrollees, coefficients = files
    assert old in ENROLLEES
    enrollees.write_text(ENROLLEES.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(InputError) as err:
        pipelines.payment_errors_files(enrollees, coefficients, 2018)
    assert (err.value.file, err.value.row, err.value.field) == (str(enrollees), row, field)
    assert match in err.value.reason
    code, out = _run("--enrollees", str(enrollees), "--coefficients", str(coefficients), "--out", str(tmp_path / "x.csv"))
    assert code == 2 and f"row {row}, field '{field}'" in out


@pytest.mark.parametrize(
    ("text", "row", "field", "match"),
    [
        ("hcc,coefficient,drops\nHCC18,0.3,HCC20\n", 1, "drops", "HCC20 is not an HCC row"),
        ("hcc,coefficient\nHCC18,0.3\nHCC18,0.4\n", 2, "hcc", "listed twice"),
        ("hcc,coefficient\nHCC18,1e3\n", 1, "coefficient", "outside"),
        ("hcc,coefficient,interaction_of\nHCC18,0.3,\nX,0.1,HCC18\n", 2, "interaction_of", "two or more"),
        ("hcc,coefficient,drops\nHCC18,0.3,HCC18\n", 1, "drops", "cannot drop itself"),
        ("hcc,coef\nHCC18,0.3\n", None, "coefficient", "column missing"),
    ],
)
def test_a_bad_coefficient_cell_is_named(files: tuple[Path, Path], tmp_path: Path, text: str, row: int | None,
                                         field: str, match: str) -> None:
    enrollees, _ = files
    table = tmp_path / "c.csv"
    table.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        pipelines.payment_errors_files(enrollees, table, 2018)
    assert (err.value.file, err.value.row, err.value.field) == (str(table), row, field)
    assert match in err.value.reason


def test_bad_factors_and_years_exit_2(files: tuple[Path, Path], tmp_path: Path) -> None:
    enrollees, coefficients = files
    base = ["--enrollees", str(enrollees), "--coefficients", str(coefficients), "--out", str(tmp_path / "x.csv")]
    code, out = _run(*base, "--coding-intensity", "1.5")
    assert code == 2 and "--coding-intensity" in out
    code, out = _run(*base, "--normalization-factor", "0")
    assert code == 2 and "--normalization-factor" in out
    code, out = _run(*base, "--payment-year", "2010")
    assert code == 2 and "2010" in out
