"""The D-SNP demo (as ``make demo`` runs it): reproducible from the seed, the report names what the lead needs."""

from __future__ import annotations

from pathlib import Path

from partcd.dsnp.demo import demo


def test_demo_writes_the_report(tmp_path: Path) -> None:
    first = demo(tmp_path / "a", 2022, "duckdb")
    second = demo(tmp_path / "b", 2022, "duckdb")
    assert first.headline == second.headline
    assert first.headline.startswith(
        "4 plan x State contracts; 3 differences with CMS's 2021 list; mandatory sanction: H2004-004")
    html = (tmp_path / "a" / "dsnp" / "index.html").read_text(encoding="utf-8")
    for text in ("FIDE", "coordination_only", "missing from partcd", "suspension_of_enrollment", "§ 422.107(d)", "§ 422.752(d)"):
        assert text in html
    assert (tmp_path / "a" / "dsnp" / "cms-integrated-dsnps-2021.csv").is_file()
