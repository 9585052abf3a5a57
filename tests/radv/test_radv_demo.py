"""The RADV demo: the reports, inputs and figures it writes, reproducible from the seed, consistent with the law per
payment year (PY 2018 extrapolated, PY 2015 the sampled errors only) and with the inputs it wrote."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from partcd import registry
from partcd.radv.demo import demo
from partcd.radv.pipelines import extrapolate_files


def test_demo_writes_its_files_and_is_declared(tmp_path: Path) -> None:
    assert registry.area("radv").demo == "partcd.radv.demo:demo"
    result = demo(tmp_path, 2022, "duckdb")
    folder = tmp_path / "radv"
    for name in ("index.html", "py2015.html", "result.json", "sample.csv", "strata.csv", "selection.csv"):
        assert (folder / name).is_file(), name
    assert result.href == "radv/index.html" and result.headline.startswith("201 of ")
    figures = json.loads((folder / "result.json").read_text(encoding="utf-8"))
    # the report's figures are the pipeline's on the files the demo wrote, at the PY 2018 design (99 %, two-sided)
    again = extrapolate_files(folder / "sample.csv", strata=folder / "strata.csv", confidence=0.99)
    assert {k: figures[k] for k in again} == pytest.approx(again)
    assert (figures["n"], figures["df"]) == (201, 198)
    assert figures["recovery"]["recovery"] == pytest.approx(max(0.0, figures["lower_limit"]))
    with (folder / "sample.csv").open(encoding="utf-8") as fh:
        sampled = sum(float(r["payment_error"]) for r in csv.DictReader(fh))
    earlier = (folder / "py2015.html").read_text(encoding="utf-8")
    assert "may not be extrapolated" in earlier and f"${sampled:,.2f}" in earlier
    index = (folder / "index.html").read_text(encoding="utf-8")
    for text in ("Sample selection (payment year 2018)", "numpy.random.default_rng(2022)", "S1-EX01: payment error $912.00",
                 "S2-EX02: payment error $2,201.15", "illustrative (synthetic, not CMS)", "Synthetic data"):
        assert text in index, text
    with (folder / "selection.csv").open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["stratum", "enrollee_id"] and len(rows) == 202
    assert {r[0] for r in rows[1:]} == {"1", "2", "3"}


def test_the_same_seed_gives_the_same_demo(tmp_path: Path) -> None:
    first = demo(tmp_path / "a", 7, "duckdb")
    second = demo(tmp_path / "b", 7, "duckdb")
    assert first.headline == second.headline
    assert (tmp_path / "a" / "radv" / "selection.csv").read_bytes() == (tmp_path / "b" / "radv" / "selection.csv").read_bytes()
    assert demo(tmp_path / "c", 8, "duckdb").headline != first.headline
