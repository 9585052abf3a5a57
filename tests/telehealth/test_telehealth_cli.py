"""``partcd telehealth`` on files: YAML and CSV worksheets give the same bid, changes with --set, errors as one line with
file, row and field (exit 2), exit 1 for a service offered as a telehealth benefit that is not one, HTML reports."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from partcd.core.errors import InputError
from partcd.platform.cli import app
from partcd.telehealth import pipelines
from partcd.telehealth.samples import example_services, example_worksheet

RUN = CliRunner()


def _csv(path: Path, rows: list[dict[str, object]]) -> Path:
    columns = list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=columns)
        w.writeheader()
        w.writerows(rows)
    return path


def _worksheet_csv(tmp_path: Path) -> Path:
    sheet = example_worksheet()
    facts = {s["service_id"]: {k: v for k, v in s.items() if k not in ("service_id", "description")}
             for s in sheet["telehealth_services"]}
    rows = []
    seen: set[str] = set()
    for line in sheet["lines"]:
        row = dict(line)
        sid = line.get("service_id")
        if sid and sid not in seen:  # the facts on the first line of each service only
            row.update({k: str(v).lower() for k, v in facts[sid].items()})
            seen.add(sid)
        rows.append(row)
    return _csv(tmp_path / "lines.csv", rows)


def test_example_then_bid_from_yaml_and_csv_agree(tmp_path: Path) -> None:
    r = RUN.invoke(app, ["telehealth", "example", "--out", str(tmp_path / "ws.yaml")])
    assert r.exit_code == 0, r.output
    from_yaml = json.loads(RUN.invoke(app, ["telehealth", "bid", str(tmp_path / "ws.yaml"), "--json"]).output)
    r = RUN.invoke(app, ["telehealth", "bid", str(_worksheet_csv(tmp_path)), "--json"])
    assert r.exit_code == 0, r.output
    from_csv = json.loads(r.output)
    assert from_csv["differences"] == from_yaml["differences"]
    g2 = next(x for x in from_yaml["differences"] if x["id"] == "G2")
    assert g2["value_usd"] == 2.72 and g2["arithmetic"] == "982.72 - 980.00 = 2.72"


def test_set_changes_the_example_and_the_report_is_written(tmp_path: Path) -> None:
    r = RUN.invoke(app, ["telehealth", "bid", "--set", "rebate_pct=50", "--set",
                         "assumptions.exclusion_scope=basic_only", "--report", str(tmp_path / "bid.html"), "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    d = {x["id"]: x["value_usd"] for x in data["differences"]}
    # rebate 50 %: Medicare pays 8.00 x 0.5 = 4.00 more; basic_only: the 1.20 platform is supplemental in both
    assert d["G2"] == 4.00 and data["as_classified"]["exclusion_scope"] == "basic_only"
    html = (tmp_path / "bid.html").read_text()
    assert 'data-line="G2"' in html and "+4.00" in html and "42 CFR 422.254(b)(3)(i) [cms-4185-p L2435]" in html
    r = RUN.invoke(app, ["telehealth", "bid", "--set", "plan_compliance.information_available_to_cms=false"])
    assert r.exit_code == 0 and "move 0.00 USD PMPM" in r.output


def test_classify_exit_1_for_an_offer_the_rule_does_not_allow(tmp_path: Path) -> None:
    path = tmp_path / "services.yaml"
    path.write_text(yaml.safe_dump(example_services()), encoding="utf-8")
    r = RUN.invoke(app, ["telehealth", "classify", "--services", str(path), "--report", str(tmp_path / "c.html")])
    assert r.exit_code == 1, r.output
    assert "derm_noncontracted" in r.output and "not allowed" in r.output
    assert 'data-category="original_medicare_telehealth"' in (tmp_path / "c.html").read_text()
    r = RUN.invoke(app, ["telehealth", "classify", "--services", str(path), "--json", "--reading", "proposed"])
    rows = {x["service_id"]: x for x in json.loads(r.output)}
    # the example plan's directory does not list telehealth providers: under the proposal nothing qualifies
    assert rows["bh_video"]["category"] == "supplemental" and rows["bh_video"]["decided_by"] == "C3_provider_directory"


def test_services_csv_needs_the_plan_file(tmp_path: Path) -> None:
    services = example_services()
    path = _csv(tmp_path / "s.csv", [{k: str(v).lower() if isinstance(v, bool) else v for k, v in s.items()}
                                     for s in services["services"]])
    r = RUN.invoke(app, ["telehealth", "classify", "--services", str(path)])
    assert r.exit_code == 2 and "--plan" in r.output
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml.safe_dump({"contract_year": 2020, "plan_compliance": services["plan_compliance"]}))
    r = RUN.invoke(app, ["telehealth", "classify", "--services", str(path), "--plan", str(plan), "--json"])
    assert r.exit_code == 1 and len(json.loads(r.stdout)) == 6


def test_errors_are_one_line_with_file_row_and_field(tmp_path: Path) -> None:
    sheet = _worksheet_csv(tmp_path)
    rows = list(csv.DictReader(sheet.open()))
    rows[3]["allowed_pmpm_usd"] = "lots"  # spreadsheet row 5
    bad = _csv(tmp_path / "bad.csv", rows)  # type: ignore[arg-type]
    r = RUN.invoke(app, ["telehealth", "bid", str(bad)])
    assert r.exit_code == 2
    assert f"{bad}, row 5, field 'allowed_pmpm_usd'" in r.output and "Traceback" not in r.output
    rows = list(csv.DictReader(sheet.open()))
    rows[2]["part_b_benefit"] = "false"  # the second line of bh_video contradicts its first (row 3)
    r = RUN.invoke(app, ["telehealth", "bid", str(_csv(tmp_path / "c.csv", rows))])  # type: ignore[arg-type]
    assert r.exit_code == 2 and "row 4, field 'part_b_benefit'" in r.output and "earlier line" in r.output
    r = RUN.invoke(app, ["telehealth", "bid", "--set", "nonsense=1"])
    assert r.exit_code == 2 and "--set: unknown key 'nonsense'" in r.output
    r = RUN.invoke(app, ["telehealth", "bid", "--set", "contract_year=2019"])
    assert r.exit_code == 2 and "contract_year" in r.output
    r = RUN.invoke(app, ["telehealth", "bid", str(tmp_path / "missing.yaml")])
    assert r.exit_code == 2 and "file not found" in r.output
    (tmp_path / "dup.yaml").write_text("plan_name: a\nplan_name: b\n")
    r = RUN.invoke(app, ["telehealth", "bid", str(tmp_path / "dup.yaml")])
    assert r.exit_code == 2 and "duplicate key 'plan_name'" in r.output


def test_yaml_errors_name_the_line_item() -> None:
    data = example_worksheet()
    data["lines"][2]["cost_sharing_pmpm_usd"] = 5.0  # more than the 1.20 allowed, item 3
    with pytest.raises(InputError, match="larger than allowed") as err:
        pipelines.worksheet_from(data, "ws.yaml")
    assert (err.value.file, err.value.row, err.value.field) == ("ws.yaml", 3, None)
