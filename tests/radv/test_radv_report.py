"""The RADV audit report: every line of the hand-computed two-strata example appears with its numbers substituted,
the per-stratum table carries weights and shares, the recovery and the law with citations per payment year; and
``partcd radv extrapolate --report`` writes it while ``--json`` keeps the nine keys."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from partcd.platform.cli import app
from partcd.radv import pipelines, report
from partcd.radv.samples import worked_example

KEYS = ["point_estimate", "standard_error", "lower_limit", "upper_limit", "n", "df", "t_value", "precision_amount",
        "precision_percent"]


def _audit(**options: object) -> pipelines.Audit:
    body = worked_example()
    rows = pipelines.sample_rows_from(body["sample"])  # type: ignore[arg-type]
    strata = pipelines.strata_rows_from(body["strata"])  # type: ignore[arg-type]
    return pipelines.audit(rows, None, strata, 0.90, **options)  # type: ignore[arg-type]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def test_stratum_rows_by_hand() -> None:
    # low: N 10, n 3, mean 200, s^2 10,000 (sd 100), f 0.7, weight 10/30, T_h 2,000, v_h 233,333.33
    # high: N 20, n 4, mean 75, s^2 4,166.67 (sd 64.5497), f 0.8, weight 20/30, T_h 1,500, v_h 333,333.33
    # shares of T = 2,000/3,500 = 0.571429 and 1,500/3,500; of V = 233,333.33/566,666.67 = 0.411765 and 0.588235
    low, high = report.stratum_rows(_audit())
    assert (low["population"], low["sampled"], low["mean"], low["sd"], low["fpc"]) == (10, 3, 200.0, 100.0,
                                                                                        pytest.approx(0.7))
    assert low["weight"] == pytest.approx(1 / 3) and high["weight"] == pytest.approx(2 / 3)
    assert high["sd"] == pytest.approx(math.sqrt(12500 / 3)) and high["sd"] == pytest.approx(64.5497, abs=1e-4)
    assert (low["share_of_total"], high["share_of_total"]) == (pytest.approx(4 / 7), pytest.approx(3 / 7))
    assert low["share_of_variance"] == pytest.approx(0.411765, abs=1e-6)


def test_the_report_has_every_line_with_its_numbers(tmp_path: Path) -> None:
    path = report.write_report(_audit(payment_year=2018, ffs_adjuster_rate=0.01, contract_payments_usd=10_000),
                               tmp_path / "r.html", title="Worked example")
    text = _text(path.read_text(encoding="utf-8"))
    for line in (
        "Population N 30 enrollees in 2 strata", "Sample n 7 (low: 3, high: 4)",
        "n_minus_L (n - L: total sample less the number of strata)",
        "$600.00 / 3 (N_h = 10) 200",                         # mean of low
        "20,000 / 2 10,000",                                   # s^2 of low
        "1 - 3/10 0.7",                                        # f_h of low
        "10^2 x 0.7 x 10,000 / 3 233,333.333333",              # v_h of low
        "20^2 x 0.8 x 4,166.666667 / 4 333,333.333333",        # v_h of high
        "2,000 + 1,500 3,500",                                 # T
        "233,333.333333 + 333,333.333333 566,666.666667",      # V
        "sqrt(566,666.666667) 752.772653",                     # SE
        "7 - 2 5",                                             # df
        "t(0.95, 5), two_sided, confidence 0.9 q = 1 - (1 - c)/2 = 0.95 2.015048",
        "2.015048 x 752.772653 1,516.873309",                  # precision
        "3,500 - 1,516.873309 1,983.126691", "3,500 + 1,516.873309 5,016.873309",
        "100 x 1,516.873309 / 3,500 43.339237",
        "Recovery without FFS Adjuster $1,983.13", "$1,883.13 (offset $100.00)", "Recovery under the law $1,983.13",
        "max(0, $1,983.13 - 0.01 x $10,000.00)",
        "confidence 0.9 0.99 (confidence_level_pct): differs",
        "CMS may apply extrapolation to audits for payment year 2018 and subsequent payment years.",
        "[cms-4185-p L1197]: computed at a ninety-nine percent confidence interval",
        "0.333333 2,000 233,333.333333 0.571429 0.411765",     # weight, T_h, v_h and shares of low
    ):
        assert line in text, line


def test_without_a_payment_year_and_for_an_earlier_year(tmp_path: Path) -> None:
    text = _text(report.html(_audit()))
    assert "No payment year given" in text and "Recovery under the law" not in text
    text = _text(report.html(_audit(payment_year=2015)))
    assert "PY 2015, final rule: findings may not be extrapolated" in text
    assert "max(0, sum of sampled errors) max(0, $900.00) over 7 enrollees $900.00" in text
    assert "Other reading (proposed_2018): PY 2015, proposal: contract-level findings may be extrapolated" in text
    flat = pipelines.audit(pipelines.sample_rows_from([{"payment_error": y} for y in (100, 200, 300, 400)]), 10,
                           sidedness="one_sided_lower")
    text = _text(report.html(flat))
    assert "none (one-sided)" in text and "10 x sqrt(0.6 x 16,666.666667 / 4) 500" in text


def test_cli_report_flag_keeps_the_json_keys(tmp_path: Path) -> None:
    sample = tmp_path / "sample.csv"
    sample.write_text("stratum,payment_error\nlow,100\nlow,200\nlow,300\nhigh,0\nhigh,50\nhigh,100\nhigh,150\n",
                      encoding="utf-8")
    strata = tmp_path / "strata.csv"
    strata.write_text("stratum,population\nlow,10\nhigh,20\n", encoding="utf-8")
    out = tmp_path / "out" / "audit.html"
    done = CliRunner().invoke(app, ["radv", "extrapolate", "--sample", str(sample), "--strata", str(strata), "--json",
                                    "--report", str(out), "--payment-year", "2015"])
    assert done.exit_code == 0, done.output
    assert list(json.loads(done.stdout)) == KEYS
    text = _text(out.read_text(encoding="utf-8"))
    assert "RADV extrapolation of sample.csv" in text and "Recovery under the law $900.00" in text
    bad = CliRunner().invoke(app, ["radv", "extrapolate", "--sample", str(sample), "--strata", str(strata),
                                   "--reading", "final"])
    assert bad.exit_code == 2 and "--reading: must be one of in_force, proposed_2018: 'final'" in bad.output
    lines = CliRunner().invoke(app, ["radv", "extrapolate", "--sample", str(sample), "--strata", str(strata),
                                     "--payment-year", "2018"])
    assert lines.exit_code == 0 and lines.stdout.splitlines()[-1].startswith("recovery           1983.12")
