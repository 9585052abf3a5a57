"""CMS's list of integrated D-SNPs and the admissions feed: CMS's own column names, normalisation, and every refusal
naming file, row (header = row 1) and field - never repeating an MBI."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from partcd.core.errors import InputError
from partcd.dsnp.pipelines import params_for_year
from partcd.dsnp.readers import read_admissions, read_cms_list

HEADER = ("Contract Number,Plan ID,State,Dual Eligible SNP (D-SNP) Integration Status,"
          "D-SNP Applicable Integrated Plan (AIP) Identifier\n")


def _write(tmp_path: Path, text: str, name: str = "list.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_cms_spellings_are_read_and_normalised(tmp_path: Path) -> None:
    path = _write(tmp_path, "\ufeff" + HEADER + "h1234,1,mn,fide,Yes\nH1234,2,WI,Coordination Only,\n\nR5678,010,NJ,HIDE,N\n")
    rows = read_cms_list(path, 2021, params_for_year(2021))
    assert [(r.contract_id, r.plan_benefit_package, r.state, r.integration_status, r.applicable_integrated_plan, r.source_row)
            for r in rows] == [("H1234", "001", "MN", "FIDE", True, 2), ("H1234", "002", "WI", "CO", False, 3),
                               ("R5678", "010", "NJ", "HIDE", False, 5)]


@pytest.mark.parametrize(("line", "field", "reason"), [
    ("X1234,1,MN,FIDE,Y", "contract_id", "not a contract number"),
    ("H1234,1234,MN,FIDE,Y", "plan_benefit_package", "not a plan benefit package number"),
    ("H1234,1,ZZ,FIDE,Y", "state", "not a USPS State code"),
    ("H1234,1,MN,PARTIAL,Y", "integration_status", "unknown integration status 'PARTIAL'"),
    ("H1234,1,MN,FIDE,maybe", "applicable_integrated_plan", "expected Y or N"),
    ("H1234,1,MN,FIDE", None, "4 cells, the header has 5"),
])
def test_a_bad_cms_row_names_file_row_and_field(tmp_path: Path, line: str, field: str | None, reason: str) -> None:
    path = _write(tmp_path, HEADER + "H0001,1,MN,HIDE,N\n" + line + "\n")
    with pytest.raises(InputError) as exc:
        read_cms_list(path, 2021, params_for_year(2021))
    assert (exc.value.file, exc.value.row, exc.value.field) == (str(path), 3, field)
    assert reason in exc.value.reason


def test_duplicate_plan_and_state_and_missing_column(tmp_path: Path) -> None:
    dup = _write(tmp_path, HEADER + "H1234,1,MN,FIDE,Y\nH1234,001,MN,HIDE,N\n")
    with pytest.raises(InputError, match=r"row 3, field 'contract_id': H1234-001 MN is already on row 2"):
        read_cms_list(dup, 2021, params_for_year(2021))
    missing = _write(tmp_path, "Contract Number,Plan ID,Integration Status\nH1234,1,FIDE\n", "m.csv")
    with pytest.raises(InputError, match=r"row 1, field 'state': missing column"):
        read_cms_list(missing, 2021, params_for_year(2021))
    with pytest.raises(InputError, match="file not found"):
        read_cms_list(tmp_path / "nope.csv", 2021, params_for_year(2021))


def test_admissions_feed(tmp_path: Path) -> None:
    path = _write(tmp_path, "admission_ref,mbi,setting,admitted_at,in_state_group,notified_at\n"
                            "A1,1eg4-te5-mk73,Hospital,2021-03-01T08:00:00-06:00,N,\n"
                            "A2,1EG4TE5MK73,skilled_nursing_facility,2021-03-02T08:00:00-06:00,,2021-03-02T12:00:00-06:00\n")
    rows = read_admissions(path)
    assert [(r.row, r.mbi, r.setting, r.in_state_group) for r in rows] == [
        (2, "1EG4TE5MK73", "hospital", False), (3, "1EG4TE5MK73", "skilled_nursing_facility", True)]
    assert rows[1].notified_at == dt.datetime(2021, 3, 2, 18, 0, tzinfo=dt.UTC)


def test_a_bad_mbi_is_refused_without_repeating_it(tmp_path: Path) -> None:
    path = _write(tmp_path, "admission_ref,mbi,setting,admitted_at\nA1,1SG4TE5MK73,hospital,2021-03-01T08:00:00-06:00\n")
    with pytest.raises(InputError) as exc:
        read_admissions(path)
    assert (exc.value.row, exc.value.field) == (2, "mbi") and "1SG4TE5MK73" not in str(exc.value)
