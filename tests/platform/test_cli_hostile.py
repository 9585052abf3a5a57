"""Hostile command lines never look like findings: no traceback, and exit 2 (bad input or configuration) or 0 where
the input is acceptable - never 1, which means "ran and found non-compliance" (README, exit codes). An unexpected
exception is one line and exit 3; ``--debug`` / ``PARTCD_DEBUG=1`` shows the traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from partcd.platform.cli import EXIT_INTERNAL_ERROR, app

BIG = str(2**63)  # one past the largest SQLite INTEGER
OVER_INT32 = str(2**31)  # one past PostgreSQL's INTEGER (the id columns)
IOD = "--type integrated_grievance --reason x --name 'A B' --mbi 1EG4TE5MK73 --contract H1234"


@pytest.fixture()
def hostile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Hostile input files in ``tmp_path`` and a fresh SQLite database."""
    monkeypatch.setenv("PARTCD_DB", f"sqlite:///{tmp_path / 'partcd.db'}")
    monkeypatch.delenv("PARTCD_DEBUG", raising=False)
    (tmp_path / "nested.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "nested_obj.json").write_text('{"a":' * 50_000 + "1" + "}" * 50_000)
    (tmp_path / "nan.json").write_text('{"case_type": NaN}')
    (tmp_path / "digits.json").write_text('{"n": ' + "9" * 5000 + "}")
    (tmp_path / "big.json").write_text('{"reason": "' + "x" * 1_100_000 + '"}')
    (tmp_path / "list.json").write_text("[1, 2, 3]")
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "empty.json").write_text("")
    (tmp_path / "binary.csv").write_bytes(bytes(range(256)) * 16)
    (tmp_path / "junk.csv").write_bytes(b"contract_id,measure_id,score\nH1,C01,abc\n\x00\x01,\xff\xfe,1e999\n")
    (tmp_path / "folder.csv").mkdir()
    (tmp_path / "folder.json").mkdir()
    assert CliRunner().invoke(app, ["db", "upgrade"]).exit_code == 0
    return tmp_path


def _cases(d: Path) -> list[tuple[str, int]]:
    """(command line, expected exit code)."""
    return [
        # the kinds the probe found (issue 9, item 4)
        ("appeals clock --type partd_exception --received 2021-03-02T09:00 --tz Mars/Base", 2),
        (f"appeals case show {BIG}", 2),
        (f"appeals case show -{BIG}", 2),
        (f"appeals case show {OVER_INT32}", 2),
        (f"appeals case transition {BIG} --event review", 2),
        (f"appeals case transition 1 --event review --version {BIG}", 2),
        (f"appeals case transition 1 --event extend --days {BIG}", 2),
        (f"appeals case notice {BIG} --kind acknowledgement --out {d}/n.html", 2),
        (f"appeals overrides end {BIG} --on 2021-01-01", 2),
        (f"appeals overrides set --contract H1234 --timeframe T2 --days {BIG} --state OH --citation x --from 2021-01-01", 2),
        (f"appeals case create --file {d}/nested.json", 2),
        (f"appeals case create --file {d}/nested_obj.json", 2),
        (f"appeals case create --file {d}/nan.json", 2),
        (f"appeals case create --file {d}/digits.json", 2),
        (f"appeals case create --file {d}/big.json", 2),
        (f"appeals case create --file {d}/list.json", 2),
        (f"appeals classify --file {d}/nested.json", 2),
        (f"stars cutpoints --scores {d}/junk.csv --year 2025", 2),
        (f"stars cutpoints --scores {d}/junk.csv --year 99999", 2),
        (f"stars explain --contract H1234 --measure C01 --scores {d}/binary.csv --cut-points {d}/empty.csv --year 2025", 2),
        ("--db postgresql://partcd:s3cret@127.0.0.1:1/partcd appeals queue", 2),
        ("--db postgresql://partcd:s3cret@127.0.0.1:1/partcd db current", 2),
        (f"--db sqlite:///{d}/binary.csv appeals queue", 2),
        (f"--db sqlite:///{d}/folder.csv appeals queue", 2),
        (f"compliance cap show {BIG}", 2),
        (f"compliance cap close {BIG} --on 2022-01-01", 2),
        (f"compliance bcp incident restore {BIG} --restored-at 2022-01-01T00:00Z", 2),
        ("db upgrade no-such-revision", 2),
        (f"db audit --limit {BIG}", 2),
        ("db audit --limit -1", 2),
        (f"scenarios run {d}/nested.json", 2),
        (f"scenarios run {d}/binary.csv", 2),
        ("callcenter staff --calls-per-hour nan --aht-s 180 --patience-s 600", 2),
        ("callcenter staff --calls-per-hour 1e308 --aht-s 180 --patience-s 600", 2),
        (f"callcenter staff --calls-per-hour 100 --aht-s 180 --patience-s 600 --agents {BIG}", 2),
        # a date at the end of the calendar
        (f"appeals case create {IOD} --received 9999-12-31T23:59", 2),
        ("appeals clock --type partd_exception --received 9999-12-31T23:59", 2),
        ("appeals overrides set --contract H1234 --timeframe T2 --days 10 --state OH --citation x --from 9999-12-31", 2),
        (f"appeals universe --out {d}/u.csv --from 9999-12-31 --to 9999-12-31", 0),
        ("compliance cap past-performance --deadline 9999-12-31", 0),
        # a file that is a folder
        (f"appeals case create --file {d}/folder.json", 2),
        (f"stars cutpoints --scores {d}/folder.csv --year 2025", 2),
        (f"callcenter metrics --calls {d}/folder.csv", 2),
        # a binary file given as CSV (or JSON)
        (f"stars cutpoints --scores {d}/binary.csv --year 2025", 2),
        (f"callcenter metrics --calls {d}/binary.csv", 2),
        (f"callcenter staffing --forecast {d}/binary.csv --aht-s 180 --patience-s 600", 2),
        (f"appeals case create --file {d}/binary.csv", 2),
        (f"appeals classify --file {d}/binary.csv", 2),
        (f"radv extrapolate --sample {d}/binary.csv --population 10", 2),
        # an empty file
        (f"appeals case create --file {d}/empty.json", 2),
        (f"stars cutpoints --scores {d}/empty.csv --year 2025", 2),
        (f"callcenter metrics --calls {d}/empty.csv", 2),
        (f"radv extrapolate --sample {d}/empty.csv --population 10", 2),
    ]


def test_hostile_command_lines_exit_2_or_0_without_a_traceback(hostile: Path) -> None:
    import shlex

    runner = CliRunner()
    wrong: list[str] = []
    for line, expected in _cases(hostile):
        result = runner.invoke(app, shlex.split(line))
        crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
        if result.exit_code != expected or "Traceback" in result.output or crashed:
            last = (result.output.strip().splitlines() or [""])[-1]
            wrong.append(f"{line!r}: exit {result.exit_code} (expected {expected}) "
                         f"{type(result.exception).__name__ if crashed else ''} {last[:160]}")
    assert not wrong, "\n".join(wrong)


def test_an_unreachable_database_is_named_without_its_password(hostile: Path) -> None:
    result = CliRunner().invoke(app, ["--db", "postgresql://partcd:s3cret@127.0.0.1:1/partcd", "appeals", "queue"])
    assert result.exit_code == 2
    assert "error: database postgresql://partcd:***@127.0.0.1:1/partcd: cannot use it" in result.output
    assert "s3cret" not in result.output and "Traceback" not in result.output


def test_bounded_ids_and_json_name_the_flag(hostile: Path) -> None:
    runner = CliRunner()
    shown = runner.invoke(app, ["appeals", "case", "show", BIG])
    assert shown.exit_code == 2 and "out of range" in shown.output
    nested = runner.invoke(app, ["appeals", "case", "create", "--file", str(hostile / "nested.json")])
    assert "--file" in nested.output and "JSON nested 100000 levels deep; at most 32 allowed" in nested.output
    big = runner.invoke(app, ["appeals", "case", "create", "--file", str(hostile / "big.json")])
    assert "over the limit of 1000000 bytes" in big.output


def test_an_unexpected_exception_is_one_line_and_exit_3(hostile: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from partcd.platform.store import audit

    def broken(*args: object, **kwargs: object) -> list[object]:
        raise RuntimeError("the audit reader broke\nsecond line")

    monkeypatch.setattr(audit, "recent", broken)
    result = CliRunner().invoke(app, ["db", "audit"])
    assert result.exit_code == EXIT_INTERNAL_ERROR == 3
    errors = [line for line in result.output.splitlines() if line.strip()]
    assert errors == ["internal error: RuntimeError: the audit reader broke (a defect of partcd: please report it; "
                      "--debug or PARTCD_DEBUG=1 shows the traceback)"]
    debug = CliRunner().invoke(app, ["--debug", "db", "audit"])
    assert isinstance(debug.exception, RuntimeError)  # --debug lets the traceback through
    monkeypatch.setenv("PARTCD_DEBUG", "1")
    assert isinstance(CliRunner().invoke(app, ["db", "audit"]).exception, RuntimeError)
    assert os.environ["PARTCD_DEBUG"] == "1"
