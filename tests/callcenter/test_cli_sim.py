"""CLI: ``partcd callcenter simulate | early-warning`` - seeded figures, the call-log round trip, exit codes, bad rows."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from partcd.callcenter.cli.sim import register
from partcd.platform.cli import app

runner = CliRunner()


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _flat(text: str) -> str:
    return " ".join(text.split())


def _day(tmp_path: Path, day: dt.date, name: str = "fc.csv", calls: int = 100, extra: str = "") -> Path:
    """08:00-20:00 in 30-minute intervals, ``calls`` per interval (wall-clock times of the plan's zone)."""
    rows = ["interval_start,calls_offered" + (",drop_rate_pct" if extra else "")]
    for i in range(24):
        t = dt.datetime.combine(day, dt.time(8)) + dt.timedelta(minutes=30 * i)
        rows.append(f"{t.isoformat()},{calls}" + (f",{extra}" if extra else ""))
    return _write(tmp_path, name, "\n".join(rows) + "\n")


def test_simulate_seeded_figures_on_a_local_app(tmp_path: Path) -> None:
    """Seed 7, 100 calls / 30 min at 180 s, 13 agents (the Erlang C minimum at 30 s): 2401 calls, 1974 within 30 s
    (82.22 %, compliant over the day), but 6 of the 24 intervals fall below 80 % -> exit 1. 10:00: 43 of 110."""
    local = typer.Typer()
    register(local)
    fc = _day(tmp_path, dt.date(2022, 1, 3))
    res = runner.invoke(local, ["simulate", "--forecast", str(fc), "--agents", "13", "--aht-s", "180", "--seed", "7",
                                "--json"])
    assert res.exit_code == 1, res.output
    out = json.loads(res.output)
    p = out["period"]
    assert (p["offered"], p["answered"], p["answered_within"], p["abandoned"], p["dropped"]) == (2401, 2401, 1974, 0, 0)
    assert p["answered_within_pct"] == pytest.approx(100 * 1974 / 2401) and p["breaches"] == []
    assert p["avg_hold_time_s"] == pytest.approx(17.334366, abs=1e-6)
    assert out["breached_intervals"] == 6 and out["compliant"] is False
    assert out["breaches_by_standard"] == {"avg_hold": 0, "answered_within": 6, "disconnect": 0}
    ten = out["intervals"][4]
    assert ten["interval_start"] == "2022-01-03T10:00:00" and (ten["offered"], ten["answered_within"]) == (110, 43)
    assert ten["breaches"] == ["answered_within"] and out["answer_within_s"] == 30.0 and out["seed"] == 7
    again = runner.invoke(local, ["simulate", "--forecast", str(fc), "--agents", "13", "--aht-s", "180", "--seed", "7",
                                  "--json"])
    assert json.loads(again.output) == out  # the seed makes the run reproducible


def test_simulate_well_staffed_lognormal_with_patience_passes(tmp_path: Path) -> None:
    fc = _day(tmp_path, dt.date(2022, 1, 3))
    res = runner.invoke(app, ["callcenter", "simulate", "--forecast", str(fc), "--agents", "16", "--aht-s", "180",
                              "--patience-s", "300", "--handle", "lognormal", "--seed", "3", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    p = out["period"]
    assert (p["offered"], p["answered"], p["abandoned"], p["answered_within"]) == (2324, 2317, 7, 2298)
    assert out["compliant"] is True and out["handle"] == "lognormal" and out["patience_s"] == 300.0


def test_simulated_calls_read_back_by_metrics(tmp_path: Path) -> None:
    """--calls-out writes the generic call log; ``metrics --calls`` finds the simulation's own figures."""
    fc = _day(tmp_path, dt.date(2022, 1, 3), extra="2")
    log = tmp_path / "sim_calls.csv"
    ag = _write(tmp_path, "ag.csv", "interval_start,agents\n" + "".join(
        f"{(dt.datetime(2022, 1, 3, 8) + dt.timedelta(minutes=30 * i)).isoformat()},{14 if i < 12 else 13}\n"
        for i in range(24)))
    res = runner.invoke(app, ["callcenter", "simulate", "--forecast", str(fc), "--agents", str(ag), "--aht-s", "180",
                              "--patience-s", "600", "--seed", "11", "--contract-id", "H1416", "--calls-out", str(log),
                              "--json"])
    assert res.exit_code in (0, 1), res.output
    sim = json.loads(res.output)["period"]
    assert sim["dropped"] > 0 and sim["abandoned"] > 0
    header = log.read_text(encoding="utf-8").splitlines()[0]
    assert header == ("call_id,contract_id,call_start,ivr_end,answered_at,call_end,end_reason,interpreter_requested,"
                      "interpreter_connected_at,tty,tty_connected_at")
    back = runner.invoke(app, ["callcenter", "metrics", "--calls", str(log), "--json"])
    assert back.exit_code in (0, 1), back.output
    (rec,) = json.loads(back.output)
    assert (rec["contract_id"], rec["period_start"]) == ("H1416", "2022-01-03")
    assert (rec["calls"], rec["answered"], rec["answered_within"], rec["dropped"], rec["caller_hangups"]) == \
        (sim["offered"], sim["answered"], sim["answered_within"], sim["dropped"], sim["abandoned"])
    assert rec["avg_hold_time_s"] == pytest.approx(sim["avg_hold_time_s"], abs=1e-5)
    assert rec["answered_within_30s_pct"] == pytest.approx(sim["answered_within_pct"], abs=1e-6)
    assert rec["disconnect_rate_pct"] == pytest.approx(sim["disconnect_rate_pct"], abs=1e-6)


@pytest.mark.parametrize(("text", "message"), [
    ("interval_start,calls_offered\n2022-01-03T09:00:00,100\n2022-01-03T09:30:00,-5\n",
     "f.csv, row 2, field 'calls_offered': must be >= 0, got -5"),
    ("interval_start,calls_offered,aht_s\n2022-01-03T09:00:00,100,180\n2022-01-03T09:30:00,100,200\n",
     "f.csv, row 2, field 'aht_s': the simulation uses one aht_s for the whole horizon: 200 here, 180 in row 1"),
])
def test_simulate_bad_rows(tmp_path: Path, text: str, message: str) -> None:
    f = _write(tmp_path, "f.csv", text)
    res = runner.invoke(app, ["callcenter", "simulate", "--forecast", str(f), "--agents", "13", "--aht-s", "180"])
    assert res.exit_code == 2
    assert message in _flat(res.output)


def test_simulate_bad_options(tmp_path: Path) -> None:
    fc = _day(tmp_path, dt.date(2022, 1, 3))
    base = ["callcenter", "simulate", "--forecast", str(fc), "--aht-s", "180"]
    res = runner.invoke(app, [*base, "--agents", "lots"])
    assert res.exit_code == 2 and "--agents: neither a whole number of agents nor an agents CSV file" in _flat(res.output)
    res = runner.invoke(app, [*base, "--agents", "13", "--handle", "gamma"])
    assert res.exit_code == 2 and "--handle must be exponential or lognormal" in _flat(res.output)
    res = runner.invoke(app, [*base, "--agents", "0"])
    assert res.exit_code == 2 and "the last interval needs agents" in _flat(res.output)


def _march_log(tmp_path: Path) -> Path:
    """30 March 2022 simulated (seed 7, 13 agents): 2401 calls, 1974 within 30 s - compliant so far."""
    fc = _day(tmp_path, dt.date(2022, 3, 30), name="mar30.csv")
    log = tmp_path / "calls.csv"
    res = runner.invoke(app, ["callcenter", "simulate", "--forecast", str(fc), "--agents", "13", "--aht-s", "180",
                              "--seed", "7", "--contract-id", "H1416", "--calls-out", str(log), "--json"])
    assert res.exit_code == 1 and json.loads(res.output)["period"]["answered_within"] == 1974
    return log


def test_early_warning_alarm_and_all_clear(tmp_path: Path) -> None:
    """One day left (31 March, 2400 calls expected): 10 agents at 10 Erlangs (an unstable queue unless the day's volume
    falls short) sink the quarter's 80 % (seeded: 0.99425, exit 1); 20 agents keep it (0, exit 0). The figures to date
    pass either way."""
    log = _march_log(tmp_path)
    fc = _day(tmp_path, dt.date(2022, 3, 31))
    base = ["callcenter", "early-warning", "--calls", str(log), "--forecast", str(fc), "--quarter-end", "2022-03-31",
            "--aht-s", "180", "--seed", "1", "--json"]
    res = runner.invoke(app, [*base, "--agents", "10"])
    assert res.exit_code == 1, res.output
    out = json.loads(res.output)
    assert out["contract_id"] == "H1416" and out["quarter_start"] == "2022-01-01"
    assert out["to_date"] == {"calls": 2401, "answered": 2401, "answered_within": 1974,
                              "hold_sum_s": pytest.approx(2401 * 17.334366, abs=1e-2), "dropped": 0}
    w = out["warning"]
    assert w["failing_now"] == [] and w["probability_fail"] == 0.99425 and w["alert"] and w["status"] == "at_risk"
    assert w["remaining_intervals"] == 24 and w["remaining_calls_expected"] == pytest.approx(2400.0)
    assert out["agents_source"] == "constant"
    res = runner.invoke(app, [*base, "--agents", "20"])
    assert res.exit_code == 0, res.output
    w = json.loads(res.output)["warning"]
    assert w["probability_fail"] == 0.0 and w["status"] == "on_track" and not w["alert"]


def test_early_warning_threshold_and_plan_default(tmp_path: Path) -> None:
    """Without --agents the minimum staffing to the standards is assumed; --alert-at moves the alarm."""
    log = _march_log(tmp_path)
    fc = _day(tmp_path, dt.date(2022, 3, 31))
    base = ["callcenter", "early-warning", "--calls", str(log), "--forecast", str(fc), "--quarter-end", "2022-03-31",
            "--aht-s", "180", "--seed", "1"]
    res = runner.invoke(app, [*base, "--json"])
    out = json.loads(res.output)
    assert out["agents_source"] == "staffing_plan" and out["warning"]["alert_threshold"] == 0.5
    p = out["warning"]["probability_fail"]
    assert 0.0 < p < 0.5 and res.exit_code == 0
    res = runner.invoke(app, [*base, "--alert-at", str(p / 2), "--json"])
    assert res.exit_code == 1 and json.loads(res.output)["warning"]["alert"] is True
    res = runner.invoke(app, base, env={"COLUMNS": "200"})
    assert "probability the quarter fails" in res.output and "contract H1416" in res.output


def test_early_warning_bad_input(tmp_path: Path) -> None:
    log = _march_log(tmp_path)
    fc = _day(tmp_path, dt.date(2022, 3, 31))
    base = ["callcenter", "early-warning", "--calls", str(log), "--forecast", str(fc), "--aht-s", "180"]
    res = runner.invoke(app, [*base, "--quarter-end", "2022-03-30"])
    assert res.exit_code == 2 and "--quarter-end must be the last day of a calendar quarter" in _flat(res.output)
    res = runner.invoke(app, [*base, "--quarter-end", "2022-03-31", "--contract", "H9999"])
    assert res.exit_code == 2 and "contract H9999 has no calls" in _flat(res.output)
    short = _write(tmp_path, "ag.csv", "interval_start,agents\n2022-03-31T08:00:00,x\n")
    res = runner.invoke(app, [*base, "--quarter-end", "2022-03-31", "--agents", str(short)])
    assert res.exit_code == 2 and "ag.csv, row 1, field 'agents': not a number: 'x'" in _flat(res.output)
