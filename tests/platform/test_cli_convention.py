"""One command-line convention over the whole ``partcd`` command tree (issue 13, item 4).

The walk starts at the root group and recurses into every sub-group (hidden ones too), so a new command is checked
without an edit here: ``--as-of`` where "today" matters (``--today``/``--now`` only as hidden aliases),
``--expected-version`` for optimistic locking (``--version`` only as a hidden alias), ``--json`` on every command
that prints data, every ``--out`` help naming the extensions, ``--profile`` on every command reading a call log,
one canonical place for ``cap``/``bcp`` and one staffing command.
"""

from __future__ import annotations

import json
import re
from typing import Any

import typer.main
from typer.testing import CliRunner

from partcd.platform.cli import app

runner = CliRunner()

#: Commands whose output is files only (they print the paths written), plus the server: no ``--json``.
WRITES_FILES_ONLY = {
    "partcd demo", "partcd serve", "partcd stars year new", "partcd cap document", "partcd compliance cap document",
    "partcd bcp report", "partcd compliance bcp report", "partcd appeals case notice", "partcd telehealth example",
    "partcd claimsdata report",
}
#: Former option names, kept only as hidden aliases.
DEPRECATED = {"--today", "--now", "--version"}
TABLE_EXTENSIONS = ".csv, .json, .parquet or .xlsx"


def _walk(command: Any, ctx: Any, path: tuple[str, ...]) -> list[tuple[str, Any]]:
    found = [(" ".join(path), command)]
    if hasattr(command, "list_commands"):
        for name in command.list_commands(ctx):
            found += _walk(command.get_command(ctx, name), ctx, (*path, name))
    return found


def _leaves() -> dict[str, Any]:
    root = typer.main.get_command(app)
    walked = _walk(root, root.make_context("partcd", [], resilient_parsing=True), ("partcd",))
    return {path: command for path, command in walked if not hasattr(command, "list_commands")}


def _options(command: Any, *, hidden: bool = False) -> dict[str, Any]:
    return {name: p for p in command.params if p.param_type_name == "option" and p.hidden == hidden
            for name in (*p.opts, *p.secondary_opts)}


def test_no_deprecated_name_is_visible_and_each_alias_is_hidden() -> None:
    leaves = _leaves()
    visible = {f"{path} {name}" for path, command in leaves.items() for name in _options(command) if name in DEPRECATED}
    assert visible == set()
    aliases = {path for path, command in leaves.items() if "--today" in _options(command, hidden=True)}
    assert {"partcd cap show", "partcd cap record-monitoring", "partcd dsnp assistance list"} <= aliases
    assert all("--as-of" in _options(leaves[path]) for path in aliases)
    with_version = {path for path, command in leaves.items() if "--version" in _options(command, hidden=True)}
    assert with_version == {"partcd appeals case transition", "partcd appeals overrides end", "partcd claimsdata event",
                            "partcd appeals letterhead set"}
    assert all("--expected-version" in _options(leaves[path]) for path in with_version)


def test_optimistic_locking_is_always_expected_version() -> None:
    named = {f"{path} {name}" for path, command in _leaves().items() for name, p in _options(command).items()
             if "version you last read" in (p.help or "").lower() and name != "--expected-version"}
    assert named == set()


def test_every_command_that_prints_data_takes_json() -> None:
    leaves = _leaves()
    assert set(leaves) >= WRITES_FILES_ONLY  # no stale entry
    missing = sorted(path for path, command in leaves.items()
                     if path not in WRITES_FILES_ONLY and "--json" not in _options(command))
    assert missing == []
    assert len(leaves) > 100


def test_every_out_help_names_the_extensions() -> None:
    helps = {path: _options(command)["--out"].help for path, command in _leaves().items() if "--out" in _options(command)}
    assert len(helps) >= 20
    unnamed = {path: text for path, text in helps.items() if not re.search(r"\.(csv|json|parquet|xlsx|html|pdf|docx|yaml)\b",
                                                                          text)}
    assert unnamed == {}
    tables = {path for path, text in helps.items() if TABLE_EXTENSIONS in text}
    assert {"partcd callcenter metrics", "partcd stars cutpoints", "partcd stars guardrail", "partcd stars assign",
            "partcd stars rate", "partcd preclusion screen", "partcd preclusion notices", "partcd mpf score",
            "partcd appeals clock"} <= tables
    assert all("--excel-csv" in _options(_leaves()[path]) for path in tables)


def test_every_command_reading_a_call_log_takes_profile() -> None:
    readers = {path for path, command in _leaves().items()
               if "--calls" in _options(command) and "call log" in (_options(command)["--calls"].help or "").lower()}
    assert {"partcd callcenter metrics", "partcd callcenter daily-report", "partcd callcenter early-warning",
            "partcd callcenter secret-shopper", "partcd cap record-monitoring"} <= readers
    assert sorted(path for path in readers if "--profile" not in _options(_leaves()[path])) == []


def test_cap_and_bcp_have_one_canonical_place_and_one_staffing_command() -> None:
    root = runner.invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert re.search(r"│ cap +", root.output) and re.search(r"│ bcp +", root.output)
    area = runner.invoke(app, ["compliance", "--help"], env={"COLUMNS": "200"})
    assert area.exit_code == 0 and "partcd cap" in area.output
    assert not re.search(r"│ (cap|bcp) +", area.output)  # the hidden aliases are not listed
    callcenter = runner.invoke(app, ["callcenter", "--help"], env={"COLUMNS": "200"})
    assert re.search(r"│ staffing +", callcenter.output) and not re.search(r"│ staff +", callcenter.output)
    # the hidden alias still runs
    assert runner.invoke(app, ["compliance", "cap", "close", "--help"]).exit_code == 0


def test_one_staffing_command_for_a_steady_hour_and_its_former_name() -> None:
    new = runner.invoke(app, ["callcenter", "staffing", "--calls-per-hour", "200", "--aht-s", "180", "--as-of",
                              "2022-01-03", "--json"])
    old = runner.invoke(app, ["callcenter", "staff", "--calls-per-hour", "200", "--aht-s", "180", "--at", "2022-01-03",
                              "--json"])
    assert new.exit_code == old.exit_code == 0, new.output
    assert json.loads(new.stdout) == json.loads(old.stdout)
    assert json.loads(new.stdout)["agents"] == 13  # 200 calls/h x 180 s = 10 Erlangs (tests/callcenter/test_cli_staffing.py)
    alias = runner.invoke(app, ["callcenter", "staffing", "--calls-per-hour", "200", "--aht-s", "180", "--at",
                                "2022-01-03", "--json"])
    assert alias.exit_code == 0 and json.loads(alias.stdout) == json.loads(new.stdout)


def test_staffing_names_the_flags_to_use() -> None:
    res = runner.invoke(app, ["callcenter", "staffing", "--aht-s", "180"])
    assert res.exit_code == 2
    assert "give exactly one of --forecast FILE (per interval) or --calls-per-hour N (one steady hour)" in res.output
    res = runner.invoke(app, ["callcenter", "staffing", "--calls-per-hour", "200"])
    assert res.exit_code == 2 and "--calls-per-hour needs --aht-s SECONDS" in res.output


def test_a_flag_and_its_former_name_together_are_refused() -> None:
    res = runner.invoke(app, ["callcenter", "staffing", "--calls-per-hour", "200", "--aht-s", "180", "--as-of",
                              "2022-01-03", "--at", "2022-01-04"])
    assert res.exit_code == 2
    assert "--at is the old name of --as-of: give --as-of only" in res.output


def test_the_former_date_name_reports_errors_under_its_own_name() -> None:
    res = runner.invoke(app, ["callcenter", "star-measure", "--test-calls", "none.csv", "--at", "2022-13-01"])
    assert res.exit_code == 2 and "--at: not an ISO 8601 date: '2022-13-01'" in res.output
