"""The D-SNP worked examples: one scenario file per rule (the files themselves run through the scenario plugin)."""

from __future__ import annotations

from pathlib import Path

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.yaml"))


def test_every_rule_has_a_scenario_file() -> None:
    assert {p.stem for p in SCENARIOS} == {"admission_notice", "timeliness", "minimum_integration", "enrollment_sanction",
                                           "contract_checklist", "assistance_check", "reconcile"}

