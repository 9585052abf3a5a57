"""The scenario runner: strict files, exact comparisons, failures that name file, case, values and citation."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from partcd.core.citation import cited, cites
from partcd.core.errors import ParameterError
from partcd.platform.cli import app
from partcd.platform.testing import load_scenarios, resolve_rule, run_file

HEAD = """rule: partcd.callcenter.rules.standards.evaluate
area: callcenter
cite: [{cfr: "42 CFR 422.111(h)(1)(ii)", source: cap-letter-h1416-2022, line: 30, quote: "2 minutes"}]
"""
METRICS = ("{metrics: {contract_id: H1416, period_start: '2022-02-01', calls: 5, avg_hold_time_s: 130,"
           " answered_within_pct: 90, disconnect_rate_pct: 1}}")


def _file(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "case.yaml"
    p.write_text(HEAD + body, encoding="utf-8")
    return p


def test_passing_and_failing_cases(tmp_path: Path) -> None:
    p = _file(tmp_path, f"""cases:
  - name: hold 130 s - fails
    period: 2022-02-01
    input: {METRICS}
    expect: [{{compliant: false, measured: 130}}, {{compliant: true}}, {{compliant: true}}]
  - name: wrong expectation - reported
    period: 2022-02-01
    input: {METRICS}
    expect: [{{compliant: true}}, {{compliant: true}}, {{compliant: true}}]
  - name: tolerance is honoured
    period: 2022-02-01
    input: {METRICS}
    tolerance: 0.5
    expect: [{{measured: 130.4}}, {{}}, {{}}]
""")
    ok, bad, tol = run_file(p)
    assert ok.ok and tol.ok
    assert not bad.ok
    assert "result[0].compliant: expected True, got False" in bad.detail
    assert "42 CFR 422.111(h)(1)(ii) [cap-letter-h1416-2022 L30]" in bad.detail
    r = CliRunner().invoke(app, ["scenarios", "run", str(p)])
    assert r.exit_code == 1
    assert "FAIL case.yaml :: wrong expectation - reported" in r.output and "2 passed, 1 failed" in r.output


def test_strict_file_format(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match=r"cases\.0\.expected"):
        load_scenarios(_file(tmp_path, "cases:\n  - name: typo\n    expected: 1\n"))
    no_cite = tmp_path / "nocite.yaml"
    no_cite.write_text("rule: partcd.callcenter.rules.standards.evaluate\ncases:\n  - name: x\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="cite"):
        load_scenarios(no_cite)


def test_unknown_input_and_missing_period(tmp_path: Path) -> None:
    [res] = run_file(_file(tmp_path, "cases:\n  - name: x\n    period: 2022-02-01\n    input: {metric: 1}\n"))
    assert not res.ok
    assert "unexpected ParameterError" in res.detail and "key 'metric': input names no parameter of the rule" in res.detail
    p = _file(tmp_path, f"cases:\n  - name: no period\n    input: {METRICS}\n    expect: []\n")
    [res] = run_file(p)
    assert not res.ok and "needs `area` and the case `period`" in res.detail


def test_rules_must_cite() -> None:
    with pytest.raises(ParameterError, match="no @cites"):
        resolve_rule("partcd.platform.testing.load_scenarios")
    with pytest.raises(ParameterError, match="not found"):
        resolve_rule("partcd.callcenter.rules.standards.nope")

    @cites("42 CFR 423.568(b)")
    def rule() -> None:
        return None

    assert cited(rule) == ("42 CFR 423.568(b)",)
    with pytest.raises(ValueError, match="at least one"):
        cites()
