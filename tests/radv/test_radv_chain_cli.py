"""The three commands chain on the area's synthetic data: ``radv sample`` -> record review -> ``radv payment-error`` ->
``radv extrapolate``; three enrollees carry hand-computed errors, and the figures equal the pure rules'."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from partcd.platform.cli import app
from partcd.radv import pipelines
from partcd.radv.rules.estimators import StratumSample, stratified_mpu
from partcd.radv.rules.payment_error import enrollee_payment_error
from partcd.radv.samples import (
    coefficient_rows,
    enrollee_rows,
    example_audited_enrollees,
    frame_rows,
    illustrative_hcc_model,
    synthetic_frame,
    synthetic_review,
    write_rows,
)

runner = CliRunner()


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_sample_then_payment_error_then_extrapolate(tmp_path: Path) -> None:
    frame = write_rows(frame_rows(synthetic_frame(8, size=2400), "H1234"), tmp_path / "frame.csv")
    res = runner.invoke(app, ["radv", "sample", "--frame", str(frame), "--seed", "2018", "--payment-year", "2018",
                              "--out", str(tmp_path / "selected.csv"), "--strata-out", str(tmp_path / "strata.csv")])
    assert res.exit_code == 0, res.output
    selected = _csv(tmp_path / "selected.csv")
    assert len(selected) == 201

    # record review: synthetic outcomes, except the first drawn enrollee of each stratum, who gets the profile of
    # one of the three worked enrollees (samples.example_audited_enrollees)
    reviewed = synthetic_review([(r["enrollee_id"], r["stratum"]) for r in selected], seed=5)
    worked = {f"{h}": e for h, e in zip("123", example_audited_enrollees(), strict=True)}
    firsts = {r["stratum"]: r["enrollee_id"] for r in selected if r["selection_order"] == "1"}
    reviewed = [(h, worked[h].model_copy(update={"enrollee_id": e.enrollee_id}) if e.enrollee_id == firsts[h] else e)
                for h, e in reviewed]
    enrollees = write_rows(enrollee_rows(reviewed), tmp_path / "enrollees.csv")
    coefficients = write_rows(coefficient_rows(illustrative_hcc_model()), tmp_path / "coefficients.csv")

    res = runner.invoke(app, ["radv", "payment-error", "--enrollees", str(enrollees), "--coefficients",
                              str(coefficients), "--payment-year", "2018", "--out", str(tmp_path / "errors.csv")])
    assert res.exit_code == 0, res.output
    errors = {r["enrollee_id"]: r for r in _csv(tmp_path / "errors.csv")}
    # by hand (samples.example_audited_enrollees): stratum 1's first draw: HCC18 unsupported,
    # 12 x 1,000 x (1.033 - 0.957) = 912.00; stratum 2's: HCC85 unsupported, 7 x 950 x 0.331 = 2,201.15;
    # stratum 3's: everything supported, 0
    assert [(errors[firsts[h]]["stratum"], float(errors[firsts[h]]["payment_error"])) for h in "123"] == \
        [("1", 912.0), ("2", 2201.15), ("3", 0.0)]
    # every other enrollee: the pure rule under PY 2018's parameters, to the cent
    params = pipelines.law_for(2018).params
    model = illustrative_hcc_model()
    for _, e in reviewed:
        assert float(errors[e.enrollee_id]["payment_error"]) == \
            pytest.approx(round(enrollee_payment_error(e, model, params).payment_error_usd, 2), abs=0.005)

    res = runner.invoke(app, ["radv", "extrapolate", "--sample", str(tmp_path / "errors.csv"), "--strata",
                              str(tmp_path / "strata.csv"), "--confidence", "0.99", "--json"])
    assert res.exit_code == 0, res.output
    figures = json.loads(res.stdout)
    strata = _csv(tmp_path / "strata.csv")
    rule = stratified_mpu([StratumSample(stratum=s["stratum"], population=int(s["population"]),
                                         values=tuple(float(r["payment_error"]) for r in errors.values()
                                                      if r["stratum"] == s["stratum"])) for s in strata], 0.99)
    assert figures == pytest.approx(rule.summary())
    assert (figures["n"], figures["df"]) == (201, 198)


def test_the_readme_chain_on_the_demo_files(tmp_path: Path) -> None:
    """README "From a frame to a recovery": the three commands on the files ``partcd demo`` writes."""
    from partcd.radv.demo import demo

    demo(tmp_path, 2022, "duckdb")
    folder = tmp_path / "radv"
    steps = [
        ["radv", "sample", "--frame", str(folder / "frame.csv"), "--seed", "2022", "--payment-year", "2018",
         "--out", str(tmp_path / "selected.csv"), "--strata-out", str(tmp_path / "strata.csv")],
        ["radv", "payment-error", "--enrollees", str(folder / "reviewed.csv"), "--coefficients",
         str(folder / "coefficients.csv"), "--payment-year", "2018", "--out", str(tmp_path / "errors.csv")],
        ["radv", "extrapolate", "--sample", str(tmp_path / "errors.csv"), "--strata", str(tmp_path / "strata.csv"),
         "--confidence", "0.99", "--payment-year", "2018", "--json"],
    ]
    for args in steps:
        res = runner.invoke(app, args)
        assert res.exit_code == 0, (args[1], res.output)
    selected = _csv(tmp_path / "selected.csv")
    # the command draws what the demo drew (same frame, same seed): reviewed.csv covers exactly the selection
    assert {(r["stratum"], r["enrollee_id"]) for r in selected} == \
        {(r["stratum"], r["enrollee_id"]) for r in _csv(folder / "reviewed.csv")}
    assert {r["contract_id"] for r in selected} == {"H0001"}
    errors = {r["enrollee_id"]: float(r["payment_error"]) for r in _csv(tmp_path / "errors.csv")}
    firsts = [r["enrollee_id"] for r in selected if r["selection_order"] == "1"]
    assert [errors[e] for e in firsts] == [912.0, 2201.15, 0.0]
    assert json.loads(res.stdout)["n"] == 201
