"""The appeals demo and its synthetic cases: reproducible from the seed, format-valid MBIs, every scripted event legal
or refused with a citation, and a report with the queue, the universes and the self-check."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from partcd.appeals.demo import AS_OF, demo
from partcd.appeals.pipelines.cases import MBI_RE
from partcd.appeals.samples import synthetic_cases, synthetic_mbi


def test_synthetic_cases_are_reproducible_and_synthetic() -> None:
    a = synthetic_cases(seed=7, count=40)
    b = synthetic_cases(seed=7, count=40)
    assert [c.intake.model_dump() for c in a] == [c.intake.model_dump() for c in b]
    assert [c.intake.model_dump() for c in a] != [c.intake.model_dump() for c in synthetic_cases(seed=8, count=40)]
    assert all(MBI_RE.match(c.intake.mbi) for c in a)
    assert {c.intake.case_type for c in synthetic_cases(seed=7, count=200)} == {
        "integrated_grievance", "integrated_organization_determination", "integrated_reconsideration",
        "partd_coverage_determination", "partd_exception"}
    assert all(e.at >= c.intake.received for c in a for e in c.events)
    assert MBI_RE.match(synthetic_mbi(np.random.default_rng(1)))


def test_demo_writes_queue_universes_and_self_check(tmp_path: Path) -> None:
    result = demo(tmp_path, 2022, "duckdb")
    assert result.area == "appeals" and result.href == "appeals/index.html"
    assert result.headline.startswith("120 cases; queue: ")
    html = (tmp_path / "appeals" / "index.html").read_text(encoding="utf-8")
    assert "Work queue" in html and "Timeliness self-check" in html and "42 CFR" in html
    assert (tmp_path / "appeals" / "universe.xlsx").exists()
    assert (tmp_path / "appeals" / "universe_OD.csv").read_text(encoding="utf-8").startswith("Enrollee First Name,")
    again = demo(tmp_path, 2022, "duckdb")
    assert again.headline == result.headline  # reproducible from the seed (fixed "now")
    assert AS_OF.tzinfo is not None and AS_OF.date() == dt.date(2021, 6, 30)
