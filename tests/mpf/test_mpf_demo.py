"""The MPF demo (as ``make demo`` runs it): reproducible from the seed, both readings, the small contract unscored."""

from __future__ import annotations

from pathlib import Path

from partcd.mpf.demo import demo


def test_demo_writes_both_reports(tmp_path: Path) -> None:
    first = demo(tmp_path / "a", 2022, "duckdb")
    second = demo(tmp_path / "b", 2022, "duckdb")
    assert first.headline == second.headline
    assert first.href == "mpf/index.html" and "S1021 - (proposal -)" in first.headline
    assert "S1021: 24 PDEs, below the 30-PDE minimum" in first.details
    law = (tmp_path / "a" / "mpf" / "index.html").read_text(encoding="utf-8")
    proposal = (tmp_path / "a" / "mpf" / "proposal.html").read_text(encoding="utf-8")
    assert "2026.yaml" in law and "variant <code>proposal-4185-p</code>" in proposal
    assert "24 eligible PDEs" not in law  # some of the 24 are left out, so fewer are eligible
    assert "fewer than the 30 the measure needs" in law
    assert (tmp_path / "a" / "mpf" / "claims.csv").stat().st_size > 1_000_000
