"""``partcd demo``: writes an index linking every area's report; seeded, so the same seed gives the same numbers."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from partcd.platform.cli import app


def test_demo_writes_index_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    r = CliRunner().invoke(app, ["demo", "--out", str(out), "--seed", "11"])
    assert r.exit_code == 0, r.output
    index = (out / "index.html").read_text()
    links = re.findall(r'href="([^"]+)"', index)
    assert "params.html" in links and "callcenter/daily.html" in links
    for link in links:
        assert (out / link).is_file(), link
    daily = (out / "callcenter" / "daily.html").read_text()
    assert "breach" in daily and "H1416" in daily and "../plotly.min.js" in daily
    assert "cap-letter-h1416-2022 L30" in (out / "params.html").read_text()
    first = (out / "callcenter" / "metrics_daily.json").read_text()
    r = CliRunner().invoke(app, ["demo", "--out", str(out), "--seed", "11"])
    assert (out / "callcenter" / "metrics_daily.json").read_text() == first
    # the typhoon (Jan 11, 09:00 for 30 h) breaks H1416 on the 11th and 12th only; H2001 stays compliant
    failed = sorted((rec["contract_id"], rec["period_start"]) for rec in json.loads(first) if rec["compliant"] is False)
    assert failed == [("H1416", "2022-01-11"), ("H1416", "2022-01-12")]
