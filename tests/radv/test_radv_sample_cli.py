"""``partcd radv sample``: a frame file (CSV or Parquet) in, the seeded selection and the strata file out; the same
seed gives the same sample whatever the order of the rows; every bad cell names file, row and field (exit 2)."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from partcd.core.errors import InputError
from partcd.platform.cli import app
from partcd.radv import pipelines
from partcd.radv.readers import month_window, months
from partcd.radv.samples import frame_rows, synthetic_frame, write_rows

runner = CliRunner()
FULL = "2017-01..2018-12"
DCY = "2017-01..2017-12"


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _run(*args: str) -> tuple[int, str]:
    res = runner.invoke(app, ["radv", "sample", *args])
    return res.exit_code, res.output


@pytest.fixture()
def frame_file(tmp_path: Path) -> Path:
    return write_rows(frame_rows(synthetic_frame(3, size=900), "H1234"), tmp_path / "frame.csv")


def test_same_seed_same_file_and_equal_to_the_rule(tmp_path: Path, frame_file: Path) -> None:
    code, out = _run("--frame", str(frame_file), "--seed", "42", "--out", str(tmp_path / "a.csv"),
                     "--strata-out", str(tmp_path / "strata.csv"))
    assert code == 0, out
    assert _run("--frame", str(frame_file), "--seed", "42", "--out", str(tmp_path / "b.csv"))[0] == 0
    assert (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text()
    selected = _csv(tmp_path / "a.csv")
    assert list(selected[0]) == ["stratum", "selection_order", "enrollee_id", "contract_id", "risk_score"]
    assert len(selected) == 201 and {r["contract_id"] for r in selected} == {"H1234"}
    # the pure rule on the in-memory frame draws the same enrollees
    direct = pipelines.select(synthetic_frame(3, size=900), 2018, 42)
    assert {(r["stratum"], r["enrollee_id"]) for r in selected} == {(str(h), e) for h, e in direct.selected}
    # within a stratum, rows follow the draw: selection_order 1 .. 67, the rule's order of rng.choice
    for h, s in enumerate(direct.strata, start=1):
        rows = [r for r in selected if r["stratum"] == str(h)]
        assert [int(r["selection_order"]) for r in rows] == list(range(1, 68))
        assert [r["enrollee_id"] for r in rows] == [e for _, e in sorted(zip(s.selection_order, s.selected, strict=True))]
    strata = _csv(tmp_path / "strata.csv")
    assert [(r["stratum"], int(r["population"]), int(r["sampled"])) for r in strata] == \
        [(str(s.stratum), s.population, 67) for s in direct.strata]
    assert sum(int(r["population"]) for r in strata) == direct.eligible_count
    assert f"eligible {direct.eligible_count:,}" in out and "design 3 strata x 67 = 201" in out
    other = _run("--frame", str(frame_file), "--seed", "43", "--out", str(tmp_path / "c.csv"))
    assert other[0] == 0 and (tmp_path / "c.csv").read_text() != (tmp_path / "a.csv").read_text()


def test_shuffled_rows_and_parquet_give_the_same_selection(tmp_path: Path, frame_file: Path) -> None:
    rows = frame_rows(synthetic_frame(3, size=900), "H1234")
    random.Random(1).shuffle(rows)
    shuffled = write_rows(rows, tmp_path / "shuffled.csv")
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "frame.parquet")
    outs = []
    for name, path in (("orig", frame_file), ("shuf", shuffled), ("pq", tmp_path / "frame.parquet")):
        code, out = _run("--frame", str(path), "--seed", "7", "--out", str(tmp_path / f"{name}.csv"))
        assert code == 0, out
        outs.append((tmp_path / f"{name}.csv").read_text())
    assert outs[0] == outs[1] == outs[2]


def _tiny(tmp_path: Path, extra: str = "") -> Path:
    """Nine enrollees, by hand: E1 joins in March of the DCY, E2 ESRD in May, E3 hospice from December, E4 loses Part B
    in July, E5 has no payment HCC; E6 .. E9 are eligible with risk scores 0.5, 0.9, 1.4, 2.0."""
    text = ("enrollee_id,risk_score,enrolled_months,esrd_months,hospice_months,part_b_months,payment_hcc_count\n"
            f"E1,1.0,2017-03..2018-12,,,{DCY},2\n"
            f"E2,1.0,{FULL},2017-05,,{DCY},2\n"
            f"E3,1.0,{FULL},,2017-12..2018-12,{DCY},2\n"
            f"E4,1.0,{FULL},,,2017-01..2017-06,2\n"
            f"E5,1.0,{FULL},,,{DCY},0\n"
            f"E6,0.5,{FULL},,,{DCY},1\n"
            f"E7,0.9,2016-01..2018-01,,,{DCY},1\n"
            f"E8,1.4,2017-01..2017-06; 2017-07..2018-01,,,{DCY},3\n"
            f"E9,2.0,{FULL},,,{DCY},1\n" + extra)
    path = tmp_path / "tiny.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_hand_checked_frame_json_counts_bounds_and_census(tmp_path: Path) -> None:
    code, out = _run("--frame", str(_tiny(tmp_path)), "--seed", "1", "--strata", "2", "--n-per-stratum", "2",
                     "--out", str(tmp_path / "sel.json"), "--json")
    assert code == 0, out
    body = json.loads(out)
    assert (body["frame_count"], body["eligible_count"], body["sample_size"]) == (9, 4, 4)
    assert body["excluded_by_criterion"] == {"continuous_enrollment": 1, "esrd": 1, "hospice": 1, "part_b": 1,
                                             "payment_hcc": 1}
    assert body["design"] == {"strata": 2, "n_per_stratum": 2, "sample_size": 4, "custom": True}
    # 4 eligible, 2 equal strata: (E6 0.5, E7 0.9) and (E8 1.4, E9 2.0), each reviewed in full (N_h = n_h = 2)
    assert [(s["min_risk_score"], s["max_risk_score"], s["population"], s["census"]) for s in body["strata"]] == \
        [(0.5, 0.9, 2, True), (1.4, 2.0, 2, True)]
    assert [(r["stratum"], r["selection_order"], r["enrollee_id"]) for r in body["selected"]] == \
        [("1", 1, "E6"), ("1", 2, "E7"), ("2", 1, "E8"), ("2", 2, "E9")]
    written = json.loads((tmp_path / "sel.json").read_text())
    assert [r["enrollee_id"] for r in written] == ["E6", "E7", "E8", "E9"] and written[0]["contract_id"] is None


def test_months_notation_keeps_only_the_audited_window() -> None:
    window = month_window(2018, 1)
    assert months("2001-01..2017-02; 2018-12..2030-01", "f", 1, "m", window) == {"2017-01", "2017-02", "2018-12"}
    assert months("", "f", 1, "m", window) == frozenset()
    assert months(["2017-05", "2016-01"], "f", 1, "m", window) == {"2017-05"}


@pytest.mark.parametrize(
    ("extra", "row", "field", "match"),
    [
        (f"E10,abc,{FULL},,,{DCY},1\n", 10, "risk_score", "not a plain decimal"),
        (f"E10,1e9,{FULL},,,{DCY},1\n", 10, "risk_score", "outside"),
        (f"E10,1.0,2017-13,,,{DCY},1\n", 10, "enrolled_months", "not a month"),
        (f"E10,1.0,2018-12..2017-01,,,{DCY},1\n", 10, "enrolled_months", "ends before it starts"),
        (f"E10,1.0,{FULL},,,{DCY},1.5\n", 10, "payment_hcc_count", "not a whole number"),
        (f"E6,1.0,{FULL},,,{DCY},1\n", 10, "enrollee_id", "listed twice (first in row 6)"),
        (f",1.0,{FULL},,,{DCY},1\n", 10, "enrollee_id", "empty"),
    ],
)
def test_a_bad_cell_names_file_row_and_field(tmp_path: Path, extra: str, row: int, field: str, match: str) -> None:
    path = _tiny(tmp_path, extra)
    with pytest.raises(InputError) as err:
        pipelines.select_frame_file(path, 2018, 1)
    assert (err.value.file, err.value.row, err.value.field) == (str(path), row, field)
    assert match in err.value.reason
    code, out = _run("--frame", str(path), "--seed", "1", "--out", str(tmp_path / "x.csv"))
    assert code == 2 and f"row {row}, field '{field}'" in out


def test_contracts_missing_columns_and_designs_are_refused_by_name(tmp_path: Path) -> None:
    rows = frame_rows(synthetic_frame(3, size=60), "H1111") + [
        {**r, "enrollee_id": "X" + str(r["enrollee_id"]), "contract_id": "H2222"}
        for r in frame_rows(synthetic_frame(4, size=60), "H2222")]
    both = write_rows(rows, tmp_path / "two.csv")
    code, out = _run("--frame", str(both), "--seed", "1", "--n-per-stratum", "5", "--out", str(tmp_path / "x.csv"))
    assert code == 2 and "2 contracts (H1111, H2222); give --contract ID" in out
    code, out = _run("--frame", str(both), "--seed", "1", "--n-per-stratum", "5", "--contract", "H2222",
                     "--out", str(tmp_path / "x.csv"))
    assert code == 0, out
    assert {r["contract_id"] for r in _csv(tmp_path / "x.csv")} == {"H2222"} and len(_csv(tmp_path / "x.csv")) == 15
    code, out = _run("--frame", str(both), "--seed", "1", "--contract", "H9", "--out", str(tmp_path / "x.csv"))
    assert code == 2 and "no row of contract 'H9'" in out
    (tmp_path / "cols.csv").write_text("enrollee_id,risk_score\nE1,1\n", encoding="utf-8")
    code, out = _run("--frame", str(tmp_path / "cols.csv"), "--seed", "1", "--out", str(tmp_path / "x.csv"))
    assert code == 2 and "field 'enrolled_months': column missing" in out
    code, out = _run("--frame", str(both), "--seed", "1", "--strata", "0", "--out", str(tmp_path / "x.csv"))
    assert code == 2 and "--strata" in out
    code, out = _run("--frame", str(both), "--seed", "1", "--out", str(tmp_path / "x.txt"))
    assert code == 2 and "'.txt' is not a table format" in out
    code, out = _run("--frame", str(tmp_path / "none.csv"), "--seed", "1", "--out", str(tmp_path / "x.csv"))
    assert code == 2 and "file not found" in out
