"""§§ 422.166(a), 423.186(a) - readers for CMS Star Ratings data tables: formats, statuses, thresholds, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from partcd.core.errors import InputError
from partcd.stars.readers import (
    detect,
    parse_band,
    read_cut_points,
    read_measure_data,
    read_measure_stars,
    read_rows,
    read_scores,
)
from partcd.stars.rules.models import ContractType

HEAD_C = [
    "2025 Data View: Medicare Report Card Master Table,,,,,,,",
    "CONTRACT_ID,Organization Type,Contract Name,Organization Marketing Name,Parent Organization,"
    '"HD1: Staying Healthy: Screenings, Tests and Vaccines",HD2: Managing Chronic (Long Term) Conditions,'
    "HD4: Member Complaints and Changes in the Health Plan's Performance",
    ",,,,,C01: Breast Cancer Screening,C06: Care for Older Adults \x96 Medication Review,C25: Complaints about the Health Plan",
    ",,,,,01/01/2023 \x96 12/31/2023,01/01/2023 \x96 12/31/2023,01/01/2023 \x96 12/31/2023",
]


def _write(tmp_path: Path, name: str, lines: list[str], encoding: str = "cp1252") -> Path:
    path = tmp_path / name
    path.write_bytes("\r\n".join(lines).encode("latin-1" if encoding == "cp1252" else encoding) + b"\r\n")
    return path


def _measure_data(tmp_path: Path, *rows: str) -> Path:
    return _write(tmp_path, "md.csv", [*HEAD_C, *rows])


def _data(shared_dir: Path, year: int, name: str) -> Path:
    return next((shared_dir / "data" / "star-ratings" / str(year)).glob(f"*{name}*"))


# --- thresholds ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "low_op", "low", "high_op", "high"),
    [
        ("< 48 %", None, None, "<", 48.0),
        (">= 58 % to < 71 %", ">=", 58.0, "<", 71.0),
        ("> 1.34", ">", 1.34, None, None),
        ("> 0.83 to <= 1.46", ">", 0.83, "<=", 1.46),
        ("<= 0.7", None, None, "<=", 0.7),
        ("< -0.262671", None, None, "<", -0.262671),
        (">= -0.262671 to < 0", ">=", -0.262671, "<", 0.0),
        ("100%", ">=", 100.0, None, None),
    ],
)
def test_threshold_text(text: str, low_op: str | None, low: float | None, high_op: str | None, high: float | None) -> None:
    band = parse_band(text)
    assert (band.low_op, band.low, band.high_op, band.high) == (low_op, low, high_op, high)


@pytest.mark.parametrize("text", ["", "about 48", ">= 48 % to > 60 %", "< 48 % to < 60 %", "=> 5", "48 to 60"])
def test_threshold_text_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"is not a threshold|two-sided band"):
        parse_band(text)


# --- real CMS files --------------------------------------------------------------------------


@pytest.mark.parametrize(("year", "contracts", "numeric"), [(2024, 857, 21299), (2025, 789, 20419)])
def test_real_measure_data(shared_dir: Path, year: int, contracts: int, numeric: int) -> None:
    table = read_measure_data(_data(shared_dir, year, "Measure Data"))
    assert table.rating_year == year
    assert len(table.contracts) == contracts
    assert len(table.scores) == contracts * 42
    assert sum(s.score is not None for s in table.scores) == numeric  # shared data README §5.2
    reasons = [s.missing_reason for s in table.scores if s.score is None]
    assert reasons.count("Medicare shows only a Star Rating for this topic") == (1046 if year == 2024 else 1041)
    assert reasons.count("Plan too small to be measured") == (2377 if year == 2024 else 2344)
    by = {(s.contract_id, s.measure_key): s for s in table.scores}
    if year == 2025:
        assert by[("H0028", "breast_cancer_screening")].score == 76.0
        assert by[("H0028", "complaints_health_plan")].score == 0.15
        assert by[("E3014", "complaints_drug_plan")].score == 0.01
        assert by[("E3014", "complaints_drug_plan")].contract_type is ContractType.PDP
        assert by[("H0028", "complaints_drug_plan")].contract_type is ContractType.MAPD


def test_real_measure_data_utf8_name_line(shared_dir: Path) -> None:
    """2024 H6605's marketing name is UTF-8 in a cp1252 file: decoded per line, it reads correctly."""
    table = read_measure_data(_data(shared_dir, 2024, "Measure Data"))
    rows = read_rows(table.file)
    line = next(r for r in rows if r and r[0] == "H6605")
    assert line[3] == "Wellcare by \u2018Ohana Health Plan"
    assert table.columns[5].name == "Care for Older Adults \u2013 Medication Review"


def test_real_measure_stars(shared_dir: Path) -> None:
    table = read_measure_stars(_data(shared_dir, 2025, "Measure Stars"))
    counts = {s: sum(p.stars == s for p in table.stars) for s in range(1, 6)}
    assert counts == {1: 1268, 2: 3181, 3: 6030, 4: 6794, 5: 4201}  # shared data README §5.3
    star = {(p.contract_id, p.measure_id): p.stars for p in table.stars}
    assert star[("H0028", "C01")] == 4 and star[("H0028", "C25")] == 4


def test_real_cut_points(shared_dir: Path) -> None:
    part_c = read_cut_points(_data(shared_dir, 2024, "Part C Cut Points"))
    by = {cp.measure_id: cp for cp in part_c.cut_points}
    assert len(by) == 30 and part_c.rating_year == 2024
    assert by["C01"].thresholds == {2: 48, 3: 63, 4: 71, 5: 79}
    assert not by["C25"].higher_is_better and by["C25"].thresholds == {2: 1.46, 3: 0.83, 4: 0.44, 5: 0.14}
    assert by["C27"].thresholds == {2: -0.262671, 3: 0.0, 4: 0.190622, 5: 0.385631}
    assert by["C29"].thresholds[5] == 100 and "exact value" in by["C29"].notes[5]
    part_d = read_cut_points(_data(shared_dir, 2024, "Part D Cut Points"))
    d = {(cp.measure_id, cp.contract_type): cp for cp in part_d.cut_points}
    assert len(d) == 24
    assert d[("D02", ContractType.MAPD)].thresholds == {2: 1.46, 3: 0.83, 4: 0.44, 5: 0.14}
    assert d[("D02", ContractType.PDP)].thresholds == {2: 0.33, 3: 0.21, 4: 0.12, 5: 0.05}
    assert d[("D01", ContractType.PDP)].thresholds == {2: 65, 3: 80, 4: 96, 5: 100}


def test_detection(shared_dir: Path, tmp_path: Path) -> None:
    kinds = {name: detect(_data(shared_dir, 2025, name)).kind
             for name in ("Measure Data", "Measure Stars", "Part C Cut Points", "Part D Cut Points")}
    assert kinds == {"Measure Data": "measure_data", "Measure Stars": "measure_stars",
                     "Part C Cut Points": "cut_points", "Part D Cut Points": "cut_points"}
    tidy = _write(tmp_path, "t.csv", ["contract_id,measure_id,score", "H0001,C01,70"], "utf-8")
    assert detect(tidy).kind == "tidy_scores"
    tidy_cp = _write(tmp_path, "c.csv", ["measure_id,threshold,value", "C01,2,50"], "utf-8")
    assert detect(tidy_cp).kind == "tidy_cut_points"
    for name in ("Domain Stars", "Summary Ratings", "CAI"):
        with pytest.raises(InputError, match="unrecognised file"):
            detect(_data(shared_dir, 2025, name))


# --- synthetic CMS-format files: statuses and errors -----------------------------------------


def test_synthetic_measure_data(tmp_path: Path) -> None:
    path = _measure_data(
        tmp_path,
        "H0001 ,Local CCP ,A ,A ,A ,71% ,Plan too small to be measured ,0.1",
        "S0002 ,PDP ,B ,B ,B ,Plan not required to report measure ,No data available ,Not enough data available",
    )
    table = read_measure_data(path)
    assert [(s.contract_id, s.measure_key, s.score, s.missing_reason, s.contract_type.value) for s in table.scores] == [
        ("H0001", "breast_cancer_screening", 71.0, None, "MA-PD"),
        ("H0001", "coa_medication_review", None, "Plan too small to be measured", "MA-PD"),
        ("H0001", "complaints_health_plan", 0.1, None, "MA-PD"),
        ("S0002", "breast_cancer_screening", None, "Plan not required to report measure", "PDP"),
        ("S0002", "coa_medication_review", None, "No data available", "PDP"),
        ("S0002", "complaints_health_plan", None, "Not enough data available", "PDP"),
    ]


@pytest.mark.parametrize(
    ("row", "line", "field", "reason"),
    [
        ("H0001 ,Local CCP ,A ,A ,A ,7l% ,50% ,0.1", 5, "C01: Breast Cancer Screening", "neither a score nor a known status"),
        ("H0001 ,Local CCP ,A ,A ,A ,71% ,150% ,0.1", 5, "C06: Care for Older Adults \u2013 Medication Review", "outside 0-100"),
        ("H0001 ,Local CCP ,A ,A ,A ,71% ,50% ,12%", 5, "C25: Complaints about the Health Plan", "not on a 0-100 scale"),
        ("H0001 ,Local CCP ,A ,A ,A ,71% ,Plan is sad ,0.1", 5, "C06", "neither a score nor a known status"),
        ("HX01 ,Local CCP ,A ,A ,A ,71% ,50% ,0.1", 5, "CONTRACT_ID", "not a contract id"),
        ("H0001 ,Local CCP ,A ,A ,A ,71% ,50%", 5, None, "row has 7 columns"),
    ],
)
def test_bad_measure_data_rows(tmp_path: Path, row: str, line: int, field: str | None, reason: str) -> None:
    path = _measure_data(tmp_path, row)
    with pytest.raises(InputError) as info:
        read_measure_data(path)
    err = info.value
    assert (err.file, err.row) == (str(path), line)
    assert err.field == field or (field is not None and err.field is not None and err.field.startswith(field))
    assert reason in err.reason


def test_duplicate_contract_and_unknown_measure(tmp_path: Path) -> None:
    row = "H0001 ,Local CCP ,A ,A ,A ,71% ,50% ,0.1"
    with pytest.raises(InputError, match=r"row 6, field 'CONTRACT_ID': contract H0001 already listed on row 5"):
        read_measure_data(_measure_data(tmp_path, row, row))
    lines = [*HEAD_C]
    lines[2] = lines[2].replace("C01: Breast Cancer Screening", "C01: Breast Cancer Screaming")
    path = _write(tmp_path, "unknown.csv", [*lines, row])
    with pytest.raises(InputError, match=r"row 3, field 'C01: Breast Cancer Screaming': measure 'Breast Cancer Screaming'"):
        read_measure_data(path)


CUT_C = [
    "2025 Part C Performance Metrics Threshold for Star Assignments,,",
    'Number of Stars Displayed on the Plan Finder Tool,"HD1: Staying Healthy: Screenings, Tests and Vaccines",HD4: Member',
    ",C01: Breast Cancer Screening,C25: Complaints about the Health Plan",
    ",01/01/2023 \x96 12/31/2023,01/01/2023 \x96 12/31/2023",
    "1star ,< 53 % ,> 1.39 ",
    "2star ,>= 53 % to < 67 % ,> 0.76 to <= 1.39 ",
    "3star ,>= 67 % to < 75 % ,> 0.37 to <= 0.76 ",
    "4star ,>= 75 % to < 82 % ,> 0.12 to <= 0.37 ",
    "5star ,>= 82 % ,<= 0.12",
]


def test_synthetic_cut_points(tmp_path: Path) -> None:
    table = read_cut_points(_write(tmp_path, "c.csv", CUT_C))
    assert [(cp.measure_key, cp.higher_is_better, cp.thresholds) for cp in table.cut_points] == [
        ("breast_cancer_screening", True, {2: 53, 3: 67, 4: 75, 5: 82}),
        ("complaints_health_plan", False, {2: 1.39, 3: 0.76, 4: 0.37, 5: 0.12}),
    ]


@pytest.mark.parametrize(
    ("line_no", "old", "new", "row", "reason"),
    [
        (6, ">= 53 % to < 67 %", ">= 54 % to < 67 %", 6, "2star bound 54 does not continue"),
        (7, "> 0.37 to <= 0.76", "> 0.37 to < 0.76", 7, "3star cell must end with '<= c'"),
        (5, "< 53 %", "<= 53 %", 5, "1star cell must be"),
        (8, ">= 75 % to < 82 %", ">= 75 % up to 82 %", 8, "is not a threshold"),
        (9, "5star", "6star", 9, "expected '1star'"),
    ],
)
def test_bad_cut_points(tmp_path: Path, line_no: int, old: str, new: str, row: int, reason: str) -> None:
    lines = list(CUT_C)
    assert old in lines[line_no - 1]
    lines[line_no - 1] = lines[line_no - 1].replace(old, new)
    path = _write(tmp_path, "c.csv", lines)
    with pytest.raises(InputError) as info:
        read_cut_points(path)
    assert (info.value.file, info.value.row) == (str(path), row)
    assert info.value.field is not None
    assert reason in info.value.reason


def test_cut_point_direction_must_match_catalogue(tmp_path: Path) -> None:
    lines = [ln.replace("C25: Complaints about the Health Plan", "C02: Colorectal Cancer Screening") for ln in CUT_C]
    with pytest.raises(InputError, match=r"field 'C02: Colorectal Cancer Screening': direction \(lower is better\) contradicts"):
        read_cut_points(_write(tmp_path, "c.csv", lines))


# --- tidy formats ----------------------------------------------------------------------------


def test_tidy_scores(tmp_path: Path) -> None:
    path = _write(tmp_path, "s.csv", [
        "contract_id,measure_id,score,missing_reason",
        "H0001,C01,71,",
        "H0001,C25,0.125,",
        "S0002,D02,Plan too small to be measured,",
        "S0003,D02,,contract terminated",
    ], "utf-8")
    table = read_scores(path, 2025)
    assert [(s.contract_id, s.measure_key, s.score, s.missing_reason) for s in table.scores] == [
        ("H0001", "breast_cancer_screening", 71.0, None),
        ("H0001", "complaints_health_plan", 0.125, None),
        ("S0002", "complaints_drug_plan", None, "Plan too small to be measured"),
        ("S0003", "complaints_drug_plan", None, "contract terminated"),
    ]
    assert table.measure_ids["complaints_drug_plan"] == "D02"


def test_tidy_scores_with_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfcontract_id,measure_id,score\r\nH0001,C01,71%\r\n")
    assert read_scores(path, 2025).scores[0].score == 71.0


def test_tidy_scores_with_keys_need_no_year(tmp_path: Path) -> None:
    path = _write(tmp_path, "s.csv", ["contract_id,measure_id,measure_key,score", "H0001,X99,my_measure,3.5"], "utf-8")
    assert read_scores(path).scores[0].measure_key == "my_measure"


@pytest.mark.parametrize(
    ("lines", "row", "field", "reason"),
    [
        (["contract_id,measure_id,score", "H0001,C01,"], 2, "score", "empty score"),
        (["contract_id,measure_id,score", "H0001,C01,7o"], 2, "score", "neither a score nor a known status"),
        (["contract_id,measure_id,score", "H0001,C99,70"], 2, "measure_id", "not a measure of this rating year"),
        (["contract_id,measure_id,score", "H0001,C01,70", "H0001,C01,71"], 3, "measure_id", "already on row 2"),
        (["contract_id,measure_id,score", "h1,C01,70"], 2, "contract_id", "not a contract id"),
        (["contract_id,measure_id,score", "H0001,C01,70,1"], 2, None, "row has 4 columns"),
        (["contract_id,measure_id,score,contract_type", "H0001,D02,0.1,MAPD"], 2, "contract_type", "expected ALL, MA-PD"),
    ],
)
def test_bad_tidy_scores(tmp_path: Path, lines: list[str], row: int, field: str | None, reason: str) -> None:
    path = _write(tmp_path, "s.csv", lines, "utf-8")
    with pytest.raises(InputError) as info:
        read_scores(path, 2025)
    assert (info.value.file, info.value.row, info.value.field) == (str(path), row, field)
    assert reason in info.value.reason


def test_tidy_scores_without_key_need_a_year(tmp_path: Path) -> None:
    path = _write(tmp_path, "s.csv", ["contract_id,measure_id,score", "H0001,C01,70"], "utf-8")
    with pytest.raises(InputError, match="give --year"):
        read_scores(path)


def test_tidy_cut_points(tmp_path: Path) -> None:
    path = _write(tmp_path, "c.csv", [
        "measure_id,measure_name,part,contract_type,threshold,value",
        "C01,Breast Cancer Screening,C,ALL,2,52.6",
        "C01,Breast Cancer Screening,C,ALL,3,67",
        "C01,Breast Cancer Screening,C,ALL,4,75",
        "C01,Breast Cancer Screening,C,ALL,5,82",
        "D02,Complaints about the Drug Plan,D,PDP,2,0.33",
        "D02,Complaints about the Drug Plan,D,PDP,5,0.05",
    ], "utf-8")
    cps = read_cut_points(path, 2025).cut_points
    assert [(cp.measure_key, cp.contract_type.value, cp.higher_is_better, cp.thresholds) for cp in cps] == [
        ("breast_cancer_screening", "ALL", True, {2: 52.6, 3: 67, 4: 75, 5: 82}),
        ("complaints_drug_plan", "PDP", False, {2: 0.33, 5: 0.05}),
    ]


@pytest.mark.parametrize(
    ("lines", "row", "field", "reason"),
    [
        (["measure_id,threshold,value", "C01,6,50"], 2, "threshold", "expected 2, 3, 4 or 5"),
        (["measure_id,threshold,value", "C01,2,fifty"], 2, "value", "not a number"),
        (["measure_id,threshold,value", "C01,2,50", "C01,2,51"], 3, "threshold", "repeats row 2"),
        (["measure_id,threshold,value", "C01,2,60", "C01,3,50"], 3, "value", "not monotone"),
        (["measure_id,threshold,value,higher_is_better", "C01,2,60,maybe"], 2, "higher_is_better", "expected true or false"),
    ],
)
def test_bad_tidy_cut_points(tmp_path: Path, lines: list[str], row: int, field: str, reason: str) -> None:
    path = _write(tmp_path, "c.csv", lines, "utf-8")
    with pytest.raises(InputError) as info:
        read_cut_points(path, 2025)
    assert (info.value.file, info.value.row, info.value.field) == (str(path), row, field)
    assert reason in info.value.reason


def test_year_conflict_and_wrong_kind(shared_dir: Path) -> None:
    with pytest.raises(InputError, match="file is for rating year 2025, but year 2024 was asked for"):
        read_measure_data(_data(shared_dir, 2025, "Measure Data"), 2024)
    with pytest.raises(InputError, match="expected cut points, found a measure data file"):
        read_cut_points(_data(shared_dir, 2025, "Measure Data"))
