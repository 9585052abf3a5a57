"""``extrapolate_files``: CSV in, the nine JSON figures out; every bad input names its file, row and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from partcd.core.errors import ConfigError, InputError
from partcd.radv.cli import app
from partcd.radv.pipelines import extrapolate_files
from partcd.radv.rules.estimators import StratumSample, stratified_mpu
from partcd.radv.samples import synthetic_audit

KEYS = {"point_estimate", "standard_error", "lower_limit", "upper_limit", "n", "df", "t_value", "precision_amount",
        "precision_percent"}


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture()
def stratified_files(tmp_path: Path) -> tuple[Path, Path]:
    sample = _write(tmp_path / "sample.csv",
                    "enrollee_id,stratum,payment_error\nA,low,100\nB,low,200\nC,low,300\n"
                    "D,high,0\nE,high,50\nF,high,100\nG,high,150\n")
    strata = _write(tmp_path / "strata.csv", "stratum,population\nlow,10\nhigh,20\n")
    return sample, strata


def test_stratified_file_gives_the_hand_computed_figures(stratified_files: tuple[Path, Path]) -> None:
    # the two-strata example of test_estimators_hand: T = 3,500, SE = 752.77, df = 5, 90 % limits 1,983.1 .. 5,016.9
    sample, strata = stratified_files
    out = extrapolate_files(sample, strata=strata, confidence=0.90)
    assert set(out) == KEYS
    assert out["point_estimate"] == pytest.approx(3500.0)
    assert out["standard_error"] == pytest.approx(752.77, abs=0.01)
    assert (out["n"], out["df"]) == (7, 5)
    assert out["lower_limit"] == pytest.approx(1983.1, abs=0.3)
    assert out["upper_limit"] == pytest.approx(5016.9, abs=0.3)


def test_unrestricted_file_one_sided_and_normal(tmp_path: Path) -> None:
    sample = _write(tmp_path / "s.csv", "payment_error\n100\n200\n300\n400\n")
    out = extrapolate_files(sample, population=10, confidence=0.90, sidedness="one_sided_lower")
    assert out["point_estimate"] == pytest.approx(2500.0)
    assert out["upper_limit"] is None
    assert out["lower_limit"] == pytest.approx(1681.1, abs=0.3)  # 2,500 - t(0.90, 3) 1.638 x 500
    normal = extrapolate_files(sample, population=10, df="normal")
    assert normal["df"] is None and normal["t_value"] == pytest.approx(1.645, abs=5e-4)
    explained = extrapolate_files(sample, population=10, explain=True)
    assert "point estimate: T = N * ybar; 10 x 250 = 2,500" in explained["steps"]  # type: ignore[operator]


def test_the_pipeline_equals_the_rule_on_a_synthetic_audit(tmp_path: Path) -> None:
    audit = synthetic_audit(11)
    sample, strata = audit.write_csv(tmp_path)
    out = extrapolate_files(sample, strata=strata, confidence=0.99, df="satterthwaite")
    rule = stratified_mpu([StratumSample(stratum=h, population=int(v.size),
                                         values=tuple(round(y, 2) for e, s, y in audit.sample if s == h))
                           for h, v in audit.population_errors.items()], 0.99, df_method="satterthwaite")
    assert out == pytest.approx(rule.summary())


def test_bom_blank_lines_spacing_and_extra_columns_are_accepted(tmp_path: Path) -> None:
    sample = _write(tmp_path / "s.csv", "\ufeff Stratum , payment_error ,note\n a , 10.5 ,x\n\n a ,-2e1,y\n b,0,\n b,5,\n")
    strata = _write(tmp_path / "t.csv", "stratum,population\na,3\nb,4\n")
    out = extrapolate_files(sample, strata=strata)
    assert out["n"] == 4
    assert out["point_estimate"] == pytest.approx(3 * (10.5 - 20) / 2 + 4 * 2.5)


@pytest.mark.parametrize(
    ("sample_text", "strata_text", "row", "field", "match"),
    [
        ("stratum,payment_error\nlow,abc\n", None, 1, "payment_error", "not a plain decimal"),
        ("stratum,payment_error\nlow,10\nlow,\"1,000\"\n", None, 2, "payment_error", "not a plain decimal"),
        ("stratum,payment_error\nlow,$10\n", None, 1, "payment_error", "not a plain decimal"),
        ("stratum,payment_error\nlow,10\nlow,nan\n", None, 2, "payment_error", "not a plain decimal"),
        ("stratum,payment_error\nlow,inf\n", None, 1, "payment_error", "not a plain decimal"),
        ("stratum,payment_error\nlow,10\nlow,1e300\n", None, 2, "payment_error", "outside"),
        ("stratum,payment_error\nlow,10\nlow,\n", None, 2, "payment_error", "empty"),
        ("stratum,payment_error\nlow,10\nmid,20\n", None, 2, "stratum", "unknown stratum 'mid'"),
        ("stratum,payment_error\nlow,10\n,20\n", None, 2, "stratum", "every sampled row needs its stratum"),
        ("stratum,payment_error\nlow,10\nlow,20,30\n", None, 2, None, "3 fields, header has 2"),
        ("stratum,amount\nlow,10\n", None, None, "payment_error", "column missing"),
        ("stratum,payment_error\n", None, None, None, "no data rows"),
        ("", None, None, None, "empty file"),
    ],
)
def test_sample_file_errors_name_row_and_field(tmp_path: Path, sample_text: str, strata_text: str | None,
                                               row: int | None, field: str | None, match: str) -> None:
    sample = _write(tmp_path / "sample.csv", sample_text)
    strata = _write(tmp_path / "strata.csv", strata_text or "stratum,population\nlow,10\nhigh,20\n")
    with pytest.raises(InputError, match=match) as exc:
        extrapolate_files(sample, strata=strata)
    assert (exc.value.file, exc.value.row, exc.value.field) == (str(sample), row, field)


@pytest.mark.parametrize(
    ("strata_text", "row", "field", "match"),
    [
        ("stratum,population\nlow,10\nhigh,3\n", 2, "population", "smaller than its 4 sampled rows"),
        ("stratum,population\nlow,10\nhigh,20\nextra,5\n", 3, "stratum", "has no sampled rows"),
        ("stratum,population\nlow,10\nlow,20\n", 2, "stratum", "listed twice"),
        ("stratum,population\nlow,10\nhigh,20.5\n", 2, "population", "not a whole number"),
        ("stratum,population\nlow,0\nhigh,20\n", 1, "population", "outside 1"),
        ("stratum,population\n,10\nhigh,20\n", 1, "stratum", "needs a label"),
        ("stratum,pop\nlow,10\n", None, "population", "column missing"),
    ],
)
def test_strata_file_errors_name_row_and_field(stratified_files: tuple[Path, Path], strata_text: str,
                                               row: int | None, field: str, match: str) -> None:
    sample, strata = stratified_files
    _write(strata, strata_text)
    with pytest.raises(InputError, match=match) as exc:
        extrapolate_files(sample, strata=strata)
    assert (exc.value.file, exc.value.row, exc.value.field) == (str(strata), row, field)


def test_a_single_sampled_unit_in_a_stratum_is_refused_at_its_strata_row(tmp_path: Path) -> None:
    sample = _write(tmp_path / "s.csv", "stratum,payment_error\na,10\nb,1\nb,2\n")
    strata = _write(tmp_path / "t.csv", "stratum,population\nb,5\na,7\n")
    with pytest.raises(InputError, match="one sampled unit out of 7") as exc:
        extrapolate_files(sample, strata=strata)
    assert (exc.value.row, exc.value.field) == (2, "stratum")


def test_option_conflicts_are_config_errors(stratified_files: tuple[Path, Path], tmp_path: Path) -> None:
    sample, strata = stratified_files
    with pytest.raises(ConfigError, match="exactly one of"):
        extrapolate_files(sample)
    with pytest.raises(ConfigError, match="exactly one of"):
        extrapolate_files(sample, population=100, strata=strata)
    with pytest.raises(ConfigError, match="names 2 strata"):
        extrapolate_files(sample, population=100)
    flat = _write(tmp_path / "flat.csv", "payment_error\n1\n2\n3\n")
    with pytest.raises(ConfigError, match="smaller than the 3 sampled rows"):
        extrapolate_files(flat, population=2)
    with pytest.raises(ConfigError, match="--df must be one of"):
        extrapolate_files(flat, population=20, df="n-1")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="strictly between 0 and 1"):
        extrapolate_files(flat, population=20, confidence=90)
    with pytest.raises(InputError, match="file not found"):
        extrapolate_files(tmp_path / "missing.csv", population=20)


def test_cli_extrapolate_json_and_errors(stratified_files: tuple[Path, Path]) -> None:
    sample, strata = stratified_files
    runner = CliRunner()
    ok = runner.invoke(app, ["extrapolate", "--sample", str(sample), "--strata", str(strata), "--confidence", "0.90",
                             "--json"])
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.output)
    assert set(data) == KEYS and data["df"] == 5
    one = runner.invoke(app, ["extrapolate", "--sample", str(sample), "--strata", str(strata), "--sidedness",
                              "one_sided_lower", "--df", "satterthwaite", "--json"])
    assert json.loads(one.output)["upper_limit"] is None
    text = runner.invoke(app, ["extrapolate", "--sample", str(sample), "--strata", str(strata)])
    assert text.output.splitlines()[0].split()[0] == "point_estimate"
    bad = runner.invoke(app, ["extrapolate", "--sample", str(sample), "--population", "100"])
    assert isinstance(bad.exception, ConfigError)
