"""CLI: ``partcd callcenter staffing | staff | site-loss`` - real numbers, exit codes, row-level input errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from partcd.platform.cli import app

runner = CliRunner()


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_staffing_json_real_numbers(tmp_path: Path) -> None:
    """100 calls / 30 min at 180 s -> 13 agents (SL 82.70 %), 19 scheduled at shrinkage 0.3; 200 -> 24 (35)."""
    f = _write(tmp_path, "forecast.csv", "interval_start,calls_offered,aht_s\n"
               "2022-01-03T09:00:00,100,180\n2022-01-03T09:30:00,200,\n2022-01-03T10:00:00,0,\n")
    res = runner.invoke(app, ["callcenter", "staffing", "--forecast", str(f), "--aht-s", "180", "--shrinkage", "0.3",
                              "--json"])
    assert res.exit_code == 0, res.output
    plan = json.loads(res.output)
    rows = plan["intervals"]
    assert [r["agents"] for r in rows] == [13, 24, 0]
    assert [r["scheduled_agents"] for r in rows] == [19, 35, 0]
    assert rows[0]["answered_within_pct"] == pytest.approx(82.69747239232539, abs=1e-9)
    assert rows[0]["binding_standard"] == "answered_within" and rows[2]["binding_standard"] == "none"
    assert plan["model"] == "erlang_c" and plan["params_file"] == "2022-01-01.yaml"
    assert plan["agent_hours"] == pytest.approx((13 + 24) * 0.5)


def test_staffing_erlang_a_table(tmp_path: Path) -> None:
    f = _write(tmp_path, "f.csv", "interval_start,calls_offered\n2022-01-03T09:00:00,100\n")
    res = runner.invoke(app, ["callcenter", "staffing", "--forecast", str(f), "--aht-s", "180", "--patience-s", "300",
                              "--interval-min", "30"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "erlang_a" in res.output and "81.22" in res.output  # 12 agents: SL_all 81.22 %
    assert "peak agents 12 on the phones" in res.output


@pytest.mark.parametrize(("text", "message"), [
    ("interval_start,calls_offered\n2022-01-03T09:00:00,100\n2022-01-03T09:30:00,-5\n",
     "f.csv, row 2, field 'calls_offered': must be >= 0, got -5"),
    ("interval_start,calls_offered\n2022-01-03T09:00:00,lots\n", "f.csv, row 1, field 'calls_offered': not a number: 'lots'"),
    ("interval_start,calls_offered\n2022-01-03T09:30:00,1\n2022-01-03T09:00:00,1\n",
     "f.csv, row 2, field 'interval_start': not after the previous interval (2022-01-03T09:30:00)"),
    ("interval_start,calls\n2022-01-03T09:00:00,1\n", "f.csv, field 'calls_offered': missing column"),
    ("interval_start,calls_offered,aht\n2022-01-03T09:00:00,1,3\n", "f.csv, field 'aht': unknown column"),
    ("interval_start,calls_offered\nMonday 9am,1\n", "f.csv, row 1, field 'interval_start': not an ISO 8601 date-time"),
    ("interval_start,calls_offered,aht_s\n2022-01-03T09:00:00,1,0\n2022-01-03T09:30:00,1,\n",
     "f.csv, row 1, field 'aht_s': must be > 0, got 0"),
])
def test_staffing_bad_rows(tmp_path: Path, text: str, message: str) -> None:
    f = _write(tmp_path, "f.csv", text)
    res = runner.invoke(app, ["callcenter", "staffing", "--forecast", str(f), "--aht-s", "180"])
    assert res.exit_code == 2
    assert message in _flat(res.output)


def test_staffing_needs_a_handle_time(tmp_path: Path) -> None:
    f = _write(tmp_path, "f.csv", "interval_start,calls_offered,aht_s\n2022-01-03T09:00:00,100,\n2022-01-03T09:30:00,9,\n")
    res = runner.invoke(app, ["callcenter", "staffing", "--forecast", str(f)])
    assert res.exit_code == 2 and "f.csv, row 1, field 'aht_s': no handle time" in _flat(res.output)
    res = runner.invoke(app, ["callcenter", "staffing", "--forecast", str(f), "--aht-s", "180", "--shrinkage", "1"])
    assert res.exit_code == 2 and "--shrinkage must be in [0, 1)" in _flat(res.output)


def test_staffing_before_2022_is_refused(tmp_path: Path) -> None:
    f = _write(tmp_path, "f.csv", "interval_start,calls_offered\n2021-12-31T09:00:00,100\n")
    res = runner.invoke(app, ["callcenter", "staffing", "--forecast", str(f), "--aht-s", "180", "--interval-min", "30"])
    assert res.exit_code == 2 and "no parameters in force on 2021-12-31" in _flat(res.output)


def test_staff_minimum_and_given_agents() -> None:
    """200 calls / hour at 180 s = 10 Erlangs: 13 agents (issue contract keys); 12 agents breach -> exit 1."""
    res = runner.invoke(app, ["callcenter", "staff", "--calls-per-hour", "200", "--aht-s", "180", "--at", "2022-01-03",
                              "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert {"agents", "p_wait", "service_level", "asa_s", "abandon_rate", "binding_standard"} <= set(out)
    assert out["agents"] == 13 and out["binding_standard"] == "answered_within"
    assert out["service_level"] == pytest.approx(0.8269747239232539, abs=1e-12)
    assert out["asa_s"] == pytest.approx(17.1162271821896, abs=1e-9)
    assert out["p_wait"] == pytest.approx(0.28527045303649334, abs=1e-12)
    res = runner.invoke(app, ["callcenter", "staff", "--calls-per-hour", "200", "--aht-s", "180", "--at", "2022-01-03",
                              "--patience-s", "300", "--agents", "11", "--json"])
    assert res.exit_code == 1
    out = json.loads(res.output)
    assert out["agents"] == 11 and out["required_agents"] == 12 and out["breaches"] == ["answered_within"]
    assert out["service_level"] == pytest.approx(0.7056204960669632, abs=1e-12)
    assert out["abandon_rate"] == pytest.approx(0.06994529606315657, abs=1e-12)


def _typhoon_files(tmp_path: Path, days: int = 4) -> tuple[Path, Path]:
    rows, agents = ["interval_start,calls_offered"], ["interval_start,agents"]
    for i in range(48 * days):
        t = dt.datetime(2022, 1, 3) + dt.timedelta(minutes=30 * i)
        calls = 100 if 8 <= t.hour < 20 else 0
        rows.append(f"{t.isoformat()},{calls}")
        agents.append(f"{t.isoformat()},{13 if calls else 0}")
    return (_write(tmp_path, "fc.csv", "\n".join(rows) + "\n"), _write(tmp_path, "ag.csv", "\n".join(agents) + "\n"))


def test_site_loss_six_hours_meets_72h(tmp_path: Path) -> None:
    fc, ag = _typhoon_files(tmp_path)
    res = runner.invoke(app, ["callcenter", "site-loss", "--forecast", str(fc), "--agents", str(ag), "--aht-s", "180",
                              "--lose-pct", "50", "--hours", "6", "--start", "2022-01-03T10:00:00", "--json"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.output)
    assert rep["breached_intervals"] == 12 and rep["peak_agents_elsewhere"] == 7
    assert rep["agent_hours_elsewhere"] == pytest.approx(42.0)
    assert rep["episodes"] == [{"start": "2022-01-03T10:00:00", "end": "2022-01-03T16:00:00", "end_confirmed": True,
                                "duration_h": 6.0, "limit_h": 72.0, "meets_limit": True}]
    assert rep["meets_restoration_rule"] is True
    hit = rep["intervals"][20]  # 10:00
    assert hit["available_agents"] == 6 and hit["prediction"]["avg_hold_time_s"] is None  # unstable queue -> null


def test_site_loss_80_hours_fails_and_recovery_saves_it(tmp_path: Path) -> None:
    fc, ag = _typhoon_files(tmp_path, days=5)
    base = ["callcenter", "site-loss", "--forecast", str(fc), "--agents", str(ag), "--aht-s", "180", "--lose-pct", "50",
            "--hours", "80", "--start", "2022-01-03T10:00:00"]
    res = runner.invoke(app, base, env={"COLUMNS": "200"})
    assert res.exit_code == 1
    assert "outage 2022-01-03T10:00:00 -> 2022-01-06T18:00:00 (80 h): FAILS the 72-hour restoration rule" in _flat(res.output)
    res = runner.invoke(app, [*base, "--recover", "20:100", "--json"])
    assert res.exit_code == 0
    (ep,) = json.loads(res.output)["episodes"]
    assert ep["end"] == "2022-01-04T08:00:00" and ep["duration_h"] == 22.0


def test_site_loss_bad_agents_file(tmp_path: Path) -> None:
    fc, _ = _typhoon_files(tmp_path, days=1)
    short = _write(tmp_path, "short.csv", "interval_start,agents\n2022-01-03T00:00:00,0\n")
    args = ["callcenter", "site-loss", "--forecast", str(fc), "--aht-s", "180", "--lose-pct", "50", "--hours", "6",
            "--start", "2022-01-03T10:00:00", "--agents"]
    res = runner.invoke(app, [*args, str(short)])
    assert res.exit_code == 2 and "short.csv, field 'interval_start': no agents for 47 forecast interval(s), first " \
                                  "2022-01-03T00:30:00" in _flat(res.output)
    frac = _write(tmp_path, "frac.csv", "interval_start,agents\n2022-01-03T00:00:00,2.5\n")
    res = runner.invoke(app, [*args, str(frac)])
    assert res.exit_code == 2 and "frac.csv, row 1, field 'agents': not a whole number: 2.5" in _flat(res.output)
    res = runner.invoke(app, [*args[:-1], "--recover", "soon", "--agents", str(frac)])
    assert res.exit_code == 2 and "--recover must be HOURS:PCT" in _flat(res.output)
