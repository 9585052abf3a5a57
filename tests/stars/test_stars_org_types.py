"""§§ 422.166(c)-(d), 423.186(c)-(d) - minimum rated measures by organization type (2026 Technical Notes Table 6
L930-L932, Table 7 L960): declared with ``partcd stars rate --org-types`` or the API's ``org_types`` upload, derived
from the contract id (S -> PDP), or unknown (the minimum is at least half of the required measures read from the data,
TN L917-L924).

The hand-built contract H9101 (2026, MA-only: every Part D measure "Plan not required to report measure") has stars on
9 of the 32 Part C attainment measures, all 4 stars; the other 23 say "No data available", so the data count them as
required. Default: at least half of 32 = 16 needed, 9 rated -> no Part C summary. Declared "CCP with Only I-SNP":
Table 6 needs 9 (of 18) -> rated: weighted mean 4.0, variance 0 (every star equal); 2026 published Part C thresholds
with the improvement and new measures (the variants coincide without an improvement star; TN Tables 8/9: 85th
percentile of the means 4.0): mean 4.0 >= 4.0 -> "high mean", variance 0 below the 30th percentile -> "low
variance" -> reward factor 0.4; no CAI table -> 4.0 + 0.4 = 4.4 -> 4.5 stars (half stars, halves up).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from partcd.platform.auth import create_key
from partcd.platform.cli import app
from partcd.platform.params import load_params
from partcd.platform.server import create_app
from partcd.platform.settings import Settings
from partcd.stars.readers import load_catalogue
from partcd.stars.rules.models import OrganizationType, OrganizationTypeSource, Part
from partcd.stars.rules.params import rating_params
from partcd.stars.rules.summary import ContractKind, ContractStars, RatingType, measure_set, organization_type_of

runner = CliRunner()
P2026 = rating_params(load_params("stars", 2026))
ISNP_ROWS = "contract_id,organization_type\nH9101,CCP with Only I-SNP\n"


def _stars_file(folder: Path) -> Path:
    rows = ["contract_id,measure_id,stars,organization_type"]
    rated = 0
    for m in load_catalogue(2026):
        if m.part is Part.D:
            cell = "Plan not required to report measure"
        elif not m.improvement and rated < 9:
            cell, rated = "4", rated + 1
        else:
            cell = "No data available"
        rows.append(f"H9101,{m.measure_id},{cell},Local CCP")
    path = folder / "stars_2026.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _contract(org: OrganizationType | None, source: OrganizationTypeSource = OrganizationTypeSource.DEFAULT) -> ContractStars:
    part_c = [m for m in load_catalogue(2026) if m.part is Part.C and not m.improvement]
    return ContractStars("H9101", ContractKind.MA_ONLY, {m.measure_key: 4 for m in part_c[:9]},
                         organization_type=org, organization_type_source=source)


def test_table_6_minimum_replaces_the_data_count_for_a_declared_type() -> None:
    measures = load_catalogue(2026)
    default = measure_set(_contract(None), measures, RatingType.PART_C, P2026)
    assert (default.required_count, default.rated_count, default.minimum_count, default.eligible) == (32, 9, 16, False)
    assert default.reason == ("Not enough data available: 9 of 32 required measures rated, 16 needed (at least half of "
                              "the required measures read from the data, TN L917-L924)")
    isnp = measure_set(_contract(OrganizationType.CCP_ONLY_ISNP, OrganizationTypeSource.DECLARED), measures,
                       RatingType.PART_C, P2026)
    assert (isnp.minimum_count, isnp.eligible, isnp.reason) == (9, True, None)
    assert isnp.minimum_source == "TN Table 6: 9 of 18 for CCP with Only I-SNP (declared)"
    # vice versa: CCP with SNP needs 16 of 32 (L931), so the same 9 stars rate nothing
    snp = measure_set(_contract(OrganizationType.CCP_WITH_SNP, OrganizationTypeSource.DECLARED), measures,
                      RatingType.PART_C, P2026)
    assert (snp.minimum_count, snp.eligible) == (16, False)
    assert snp.reason is not None and snp.reason.endswith("16 needed (TN Table 6: 16 of 32 for CCP with SNP (declared))")


def test_table_values_and_not_applicable_ratings() -> None:
    table = P2026.organization_type_minimum_rated_table
    assert table is not None
    # TN L931, L932, L960
    assert table[OrganizationType.COST_1876] == {"part_c": (13, 25), "part_d": (5, 10), "overall": (17, 33)}
    assert table[OrganizationType.CCP_ONLY_ISNP] == {"part_c": (9, 18), "part_d": (5, 9), "overall": (13, 25)}
    assert table[OrganizationType.MSA] == {"part_c": (14, 28), "part_d": None, "overall": None}
    msa = ContractStars("H9102", ContractKind.MA_PD, {}, organization_type=OrganizationType.MSA,
                        organization_type_source=OrganizationTypeSource.DECLARED)
    got = measure_set(msa, load_catalogue(2026), RatingType.PART_D, P2026)
    assert got.reason == "MSA contracts have no part_d rating (TN Table 6: N/A for MSA (declared))"
    assert rating_params(load_params("stars", 2025)).organization_type_minimum_rated_table is None
    assert (organization_type_of("S5601"), organization_type_of("H0028"), organization_type_of("E3014")) == \
        (OrganizationType.PDP, None, None)


def test_rate_with_declared_types(tmp_path: Path) -> None:
    stars = _stars_file(tmp_path)
    types = tmp_path / "types.csv"
    types.write_text(ISNP_ROWS, encoding="utf-8")
    base = ["stars", "rate", "--measure-stars", str(stars), "--year", "2026"]
    plain = runner.invoke(app, [*base, "--json"])
    assert plain.exit_code == 0, plain.output
    (record,) = json.loads(plain.stdout)
    assert (record["part_c_summary"], record["organization_type"], record["organization_type_source"]) == \
        (None, None, "default")
    assert record["not_rated"]["part_c"].startswith("Not enough data available: 9 of 32 required measures rated, 16 needed")
    declared = runner.invoke(app, [*base, "--org-types", str(types)])
    assert declared.exit_code == 0, declared.output
    (row,) = list(csv.DictReader(io.StringIO(declared.stdout)))
    # 4.0 + reward factor 0.4 (high mean, low variance) = 4.4 -> 4.5
    assert (row["part_c_summary"], row["reward_factor_part_c"], row["highest_rating"]) == ("4.5", "0.4", "4.5")
    assert (row["organization_type"], row["organization_type_source"]) == ("CCP with Only I-SNP", "declared")
    assert "9 rated measures, 9 needed (TN Table 6: 9 of 18 for CCP with Only I-SNP (declared))" in row["reasons"]
    report = runner.invoke(app, [*base, "--org-types", str(types), "--out", str(tmp_path / "r.csv"),
                                 "--report", str(tmp_path / "pages")])
    assert report.exit_code == 0, report.output
    page = " ".join(p.read_text(encoding="utf-8") for p in (tmp_path / "pages").rglob("*.html"))
    assert "organization type: CCP with Only I-SNP (declared)" in page
    explained = runner.invoke(app, ["stars", "explain", "--contract", "H9101", "--measure-stars", str(stars),
                                    "--year", "2026", "--org-types", str(types)])
    assert explained.exit_code == 0, explained.output
    assert "Organization type: CCP with Only I-SNP (declared): minimum rated measures from TN Tables 6 and 7." in \
        explained.stdout


@pytest.mark.parametrize(("text", "message"), [
    ("contract_id,organization_type\nH9101,CCP with SNP\nH9101,MSA\n",
     "row 3, field 'contract_id': H9101 declared twice (first on row 2)"),
    ("contract_id,organization_type\nH9101,Local CCP\n",
     "row 2, field 'organization_type': unknown organization type 'Local CCP'"),
    ("contract_id,organization_type\nH9999,PFFS\n", "row 2, field 'contract_id': H9999 is not a contract of the 2026 input"),
    ("contract_id,type\nH9101,PFFS\n", "organization_type"),
])
def test_bad_org_type_files_name_row_and_field(tmp_path: Path, text: str, message: str) -> None:
    types = tmp_path / "types.csv"
    types.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["stars", "rate", "--measure-stars", str(_stars_file(tmp_path)), "--year", "2026",
                                 "--org-types", str(types)])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())


def test_declared_types_refused_without_the_year_table(tmp_path: Path) -> None:
    stars = tmp_path / "stars_2025.csv"
    stars.write_text("contract_id,measure_id,stars,organization_type\nH9101,C01,4,Local CCP\n", encoding="utf-8")
    types = tmp_path / "types.csv"
    types.write_text(ISNP_ROWS, encoding="utf-8")
    result = runner.invoke(app, ["stars", "rate", "--measure-stars", str(stars), "--year", "2025", "--org-types", str(types)])
    assert result.exit_code == 2, result.output
    assert "row 2, field 'organization_type': rating year 2025 has no cited minimum counts per organization type" in \
        " ".join(result.output.split())


def test_api_org_types_upload(tmp_path: Path) -> None:
    api = create_app(Settings(db_url=f"sqlite:///{tmp_path / 'api.db'}", data_dir=tmp_path))
    key = create_key(api.state.engine, "analyst-key", "analyst")
    stars = _stars_file(tmp_path)
    with TestClient(api) as c:
        files = [("measure_stars", ("stars.csv", stars.read_bytes(), "text/csv")),
                 ("org_types", ("types.csv", ISNP_ROWS.encode(), "text/csv"))]
        r = c.post("/api/v1/stars/rate", files=files, data={"year": "2026"}, headers={"X-API-Key": key})
        assert r.status_code == 200, r.text
        (rec,) = r.json()["records"]
        assert (rec["part_c_summary"], rec["organization_type"], rec["organization_type_source"]) == \
            (4.5, "CCP with Only I-SNP", "declared")
        bad = [files[0], ("org_types", ("types.csv", b"contract_id,organization_type\nH9101,I-SNP\n", "text/csv"))]
        r = c.post("/api/v1/stars/rate", files=bad, data={"year": "2026"}, headers={"X-API-Key": key})
        assert r.status_code in (400, 422), r.text
        assert "unknown organization type 'I-SNP'" in r.text
