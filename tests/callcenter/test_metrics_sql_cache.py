"""The first pass's compiled SQL kept in the user's cache: a hit gives the same report without Ibis; any change of
what the SQL depends on is a miss; a log that is not clean still gets the exact pass; an unsafe folder is not used."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from partcd.callcenter.pipelines.metrics import CACHE_KIND, run_metrics
from partcd.core.errors import InputError

ROOT = Path(__file__).resolve().parents[2]


def _parquet(path: Path, ids: list[str], answered_s: int = 20, day: int = 0) -> Path:
    """Calls on 2022-01-03 + ``day`` days (09:00 New York), typed: UTC instants and boolean flags; holds of
    ``answered_s``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    base = (1641218400 + day * 86_400) * 1_000_000  # 2022-01-03T14:00:00Z
    n = len(ids)
    starts = [base + i * 60_000_000 for i in range(n)]
    ts = pa.timestamp("us", tz="UTC")
    table = pa.table({
        "call_id": pa.array(ids, pa.string()),
        "contract_id": pa.array(["H1416"] * n),
        "call_start": pa.array(starts, ts),
        "ivr_end": pa.array([s + 10_000_000 for s in starts], ts),
        "answered_at": pa.array([s + (10 + answered_s) * 1_000_000 for s in starts], ts),
        "call_end": pa.array([s + 200_000_000 for s in starts], ts),
        "end_reason": pa.array(["completed"] * n),
        "interpreter_requested": pa.array([False] * n),
        "interpreter_connected_at": pa.array([None] * n, ts),
        "tty": pa.array([False] * n),
        "tty_connected_at": pa.array([None] * n, ts),
    })
    pq.write_table(table, path)
    return path


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("PARTCD_CACHE_DIR", str(folder))
    monkeypatch.delenv("PARTCD_SQL_CACHE", raising=False)
    return folder


def test_second_run_hits_and_gives_the_same_report(tmp_path: Path, cache: Path) -> None:
    path = _parquet(tmp_path / "a.parquet", ["a", "b", "c"])
    first = run_metrics(path, by="day")
    assert first.sql_cache == "stored"
    entries = list(cache.glob(f"{CACHE_KIND}-*.json"))
    assert len(entries) == 1 and oct(entries[0].stat().st_mode & 0o777) == "0o600"
    assert oct(cache.stat().st_mode & 0o777) == "0o700"
    second = run_metrics(path, by="day")
    assert second.sql_cache == "hit"
    assert second.records == first.records and second.verdicts == first.verdicts and second.counts == first.counts
    [r] = second.records
    assert (r["calls"], r["answered"], r["answered_within"], r["avg_hold_time_s"]) == (3, 3, 3, 20.0)
    # another file of the same schema: the cached SQL reads it (the view's name is replaced)
    other = run_metrics(_parquet(tmp_path / "b.parquet", ["x", "y"], answered_s=40), by="day")
    assert other.sql_cache == "hit" and other.file == str(tmp_path / "b.parquet")
    assert (other.records[0]["calls"], other.records[0]["answered_within"], other.records[0]["avg_hold_time_s"]) == (2, 0, 40.0)


def test_what_the_sql_depends_on_is_in_the_key(tmp_path: Path, cache: Path) -> None:
    path = _parquet(tmp_path / "a.parquet", ["a", "b"])
    assert run_metrics(path, by="day").sql_cache == "stored"
    assert run_metrics(path, by="week").sql_cache == "stored"
    assert run_metrics(path, by="day", tz="America/Chicago").sql_cache == "stored"
    assert run_metrics(path, by="day", by_line=False).sql_cache == "stored"
    assert run_metrics(path, by="week").sql_cache == "hit"
    # an entry whose stored key differs from the one asked (a tampered or colliding file) is a miss
    for entry in cache.glob("*.json"):
        stored = json.loads(entry.read_text())
        stored["entry"] = stored["entry"].replace('"by": "week"', '"by": "month"')
        entry.write_text(json.dumps(stored))
    assert run_metrics(path, by="week").sql_cache == "stored"


def test_a_log_of_another_day_hits(tmp_path: Path, cache: Path) -> None:
    """A daily file: the same schema on the next day or next week (same zone offsets) reuses the cached SQL; a log
    across the switch to daylight saving time compares other offsets and compiles its own."""
    assert run_metrics(_parquet(tmp_path / "d0.parquet", ["a", "b"])).sql_cache == "stored"
    assert run_metrics(_parquet(tmp_path / "d1.parquet", ["a", "b"], day=1)).sql_cache == "hit"
    assert run_metrics(_parquet(tmp_path / "d7.parquet", ["a", "b"], day=7)).sql_cache == "hit"
    assert run_metrics(_parquet(tmp_path / "july.parquet", ["a", "b"], day=180)).sql_cache == "stored"
    assert len(list(cache.glob(f"{CACHE_KIND}-*.json"))) == 2


def test_a_log_that_is_not_clean_gets_the_exact_pass_on_a_hit(tmp_path: Path, cache: Path) -> None:
    assert run_metrics(_parquet(tmp_path / "a.parquet", ["a", "b", "c"])).sql_cache == "stored"
    dup = _parquet(tmp_path / "dup.parquet", ["a", "b", "a"])
    with pytest.raises(InputError, match=r"row 4, field 'call_id': duplicate call_id 'a' \(first at row 2\)"):
        run_metrics(dup)
    empty_id = _parquet(tmp_path / "empty.parquet", ["a", "", "c"])
    with pytest.raises(InputError, match=r"row 3, field 'call_id': empty call_id"):
        run_metrics(empty_id)
    with pytest.raises(InputError, match="unknown contract"):
        run_metrics(tmp_path / "a.parquet", known_contracts=frozenset({"H0001"}))


def test_an_unsafe_or_disabled_cache_is_not_used(tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _parquet(tmp_path / "a.parquet", ["a", "b"])
    assert run_metrics(path).sql_cache == "stored"
    os.chmod(cache, 0o777)  # others could write SQL the engine runs
    assert run_metrics(path).sql_cache == ""
    os.chmod(cache, 0o700)
    entry = next(cache.glob("*.json"))
    os.chmod(entry, 0o666)
    assert run_metrics(path).sql_cache == "stored"  # the unsafe entry is ignored and written anew (0600)
    assert oct(entry.stat().st_mode & 0o777) == "0o600"
    assert run_metrics(path).sql_cache == "hit"
    monkeypatch.setenv("PARTCD_SQL_CACHE", "0")
    assert run_metrics(path).sql_cache == ""


def test_cli_hit_imports_no_ibis(tmp_path: Path, cache: Path) -> None:
    """The command line on a cached schema runs the SQL on DuckDB without importing Ibis; the same output."""
    path = _parquet(tmp_path / "a.parquet", ["a", "b", "c"])
    code = ("import sys, runpy; sys.argv = ['partcd', 'callcenter', 'metrics', '--calls', sys.argv[1], '--json'];\n"
            "try:\n    runpy.run_module('partcd.platform.cli', run_name='__main__')\n"
            "except SystemExit as e:\n    print('IBIS', 'ibis' in sys.modules, e.code, file=sys.stderr)\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    runs = [subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, env=env, check=False)
            for _ in range(2)]
    assert runs[0].stderr.split()[-3:] == ["IBIS", "True", "0"]
    assert runs[1].stderr.split()[-3:] == ["IBIS", "False", "0"]
    assert json.loads(runs[0].stdout) == json.loads(runs[1].stdout)
    assert json.loads(runs[1].stdout)[0]["calls"] == 3


def test_an_unreadable_file_is_named_as_before(tmp_path: Path, cache: Path) -> None:
    good = _parquet(tmp_path / "a.parquet", ["a", "b"])
    assert run_metrics(good).sql_cache == "stored"
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(good.read_bytes()[:200])
    with pytest.raises(InputError, match=r"broken\.parquet.*cannot read parquet"):
        run_metrics(broken)


def test_cli_starts_from_the_light_first_pass(tmp_path: Path, cache: Path) -> None:
    """The command tries the cached first pass before loading the pipeline: that module loads no Ibis, no pyarrow
    and no pipeline code; after a hit the command's report is the cached one, and a log that is not clean still
    ends in the exact pass's error (file, row, field; exit 2), through ``run_metrics(..., try_cache=False)``."""
    from typer.testing import CliRunner

    from partcd.platform.cli import app

    code = ("import sys; import partcd.callcenter.pipelines.firstpass as f; "
            "print(sorted(m for m in ('ibis', 'pyarrow', 'partcd.callcenter.pipelines.metrics', "
            "'partcd.callcenter.readers.calllog_profiles') if m in sys.modules))")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert loaded.stdout.strip() == "[]"

    runner = CliRunner()
    good = _parquet(tmp_path / "a.parquet", ["a", "b", "c"])
    stored = runner.invoke(app, ["callcenter", "metrics", "--calls", str(good), "--json"])
    hit = runner.invoke(app, ["callcenter", "metrics", "--calls", str(good), "--json"])
    assert stored.exit_code == hit.exit_code == 0
    assert json.loads(hit.stdout) == json.loads(stored.stdout)
    assert [r["calls"] for r in json.loads(hit.stdout)] == [3]
    dup = _parquet(tmp_path / "dup.parquet", ["a", "b", "a"])
    res = runner.invoke(app, ["callcenter", "metrics", "--calls", str(dup), "--json"])
    assert res.exit_code == 2
    assert "row 4, field 'call_id': duplicate call_id 'a' (first at row 2)" in res.output
