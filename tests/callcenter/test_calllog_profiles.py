"""Call-log mapping profiles: hand-built platform exports -> hand-computed metrics; each refusal names file/row/field.

Definitions: shared/specs/callcenter.md §2 (hold = answered_at - ivr_end; within 30 s over calls that left the
IVR; disconnects = plan-side drops over all calls made, caller hang-ups excluded).
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from partcd.callcenter.pipelines.metrics import compute_metrics, read_call_log, run_metrics
from partcd.callcenter.readers.calllog import write_quarantine
from partcd.callcenter.readers.calllog_files import REQUIRED, parse_contracts
from partcd.callcenter.readers.calllog_profiles import (
    GenericProfile,
    MappedProfile,
    detect_profile,
    load_profile,
    profile_names,
)
from partcd.core.errors import ConfigError, InputError, ParameterError
from partcd.platform.cli import app

runner = CliRunner()

# ------------------------------------------------------------------------------------------- Amazon Connect

CONNECT_HEADER = ("ContactId,Channel,InitiationMethod,InitiationTimestamp,Queue.Name,Queue.EnqueueTimestamp,"
                  "Agent.ConnectedToAgentTimestamp,DisconnectTimestamp,DisconnectReason,Attributes.ContractId,"
                  "Attributes.InterpreterRequested,Attributes.TTY")


def _ctr(cid: str, start: str, enq: str, agent: str, end: str, reason: str, *, channel: str = "VOICE",
         method: str = "INBOUND", contract: str = "H1416", interp: str = "false", tty: str = "false") -> str:
    """One contact record as a flattened export writes it (UTC, 'Z'); times are HH:MM:SS on 2022-01-03."""
    def ts(t: str) -> str:
        return f"2022-01-03T{t}Z" if t else ""
    queue = "MemberServices" if enq else ""
    return (f"{cid},{channel},{method},{ts(start)},{queue},{ts(enq)},{ts(agent)},{ts(end)},{reason},{contract},"
            f"{interp},{tty}")


CONNECT_ROWS = [
    _ctr("c1", "14:00:00", "14:00:30", "14:00:50", "14:05:00", "CUSTOMER_DISCONNECT"),  # hold 20 s, completed
    _ctr("c2", "14:10:00", "14:10:20", "14:11:00", "14:15:00", "AGENT_DISCONNECT"),  # hold 40 s, completed
    _ctr("c3", "14:20:00", "14:20:30", "", "14:22:00", "CUSTOMER_DISCONNECT"),  # queued, caller hang-up
    _ctr("c4", "14:30:00", "14:30:30", "", "14:31:00", "TELECOM_PROBLEM"),  # queued, dropped
    _ctr("c5", "14:40:00", "", "", "14:41:00", "CONTACT_FLOW_DISCONNECT"),  # ended in the IVR: dropped
    _ctr("c6", "14:50:00", "14:50:10", "14:53:10", "15:00:00", "CUSTOMER_DISCONNECT", interp="true"),  # hold 180 s
    _ctr("c7", "15:00:00", "15:00:10", "15:00:20", "15:10:00", "CUSTOMER_DISCONNECT", channel="CHAT"),  # filtered
    _ctr("c8", "14:05:00", "14:05:01", "14:06:00", "14:09:00", "CUSTOMER_DISCONNECT", method="TRANSFER"),  # filtered
]


def _write(tmp_path: Path, header: str, rows: list[str], name: str = "export.csv") -> Path:
    p = tmp_path / name
    p.write_text(header + "\n" + "".join(r + "\n" for r in rows), encoding="utf-8")
    return p


def test_amazon_connect_hand_computed(tmp_path: Path) -> None:
    log = read_call_log(_write(tmp_path, CONNECT_HEADER, CONNECT_ROWS), profile="amazon_connect")
    assert log.log.profile == "amazon_connect"
    calls = {r["call_id"]: r for r in log.rows()}
    assert {c: r["end_reason"] for c, r in calls.items()} == {
        "c1": "completed", "c2": "completed", "c3": "caller_hangup", "c4": "dropped", "c5": "dropped",
        "c6": "completed"}
    assert (calls["c1"]["line"], calls["c5"]["line"], calls["c6"]["interpreter_requested"]) == \
        ("MemberServices", None, True)
    # the two non-calls are counted per filter, with their spreadsheet rows (header = row 1)
    assert [(f.column, f.count, f.rows, f.values) for f in log.log.filtered] == [
        ("Channel", 1, (8,), {"CHAT": 1}), ("InitiationMethod", 1, (9,), {"TRANSFER": 1})]
    assert log.log.absent_columns == ["Attributes.InterpreterConnectedTimestamp", "Attributes.TTYConnectedTimestamp"]
    [r] = compute_metrics(log, by="day", by_line=False).records
    # hold over answered calls c1, c2, c6: (20 + 40 + 180) / 3 = 80 s
    assert (r["calls"], r["answered"], r["avg_hold_time_s"], r["max_hold_time_s"]) == (6, 3, 80.0, 180.0)
    # within 30 s: only c1 (20 s) over the 5 calls that left the IVR (c1, c2, c3, c4, c6) = 20 %
    assert (r["queued"], r["answered_within"], r["answered_within_30s_pct"]) == (5, 1, 20.0)
    # disconnects: c4 (telecom) and c5 (flow ended it in the IVR) over the 6 calls made; c3 hung up itself
    assert (r["dropped"], r["disconnect_rate_pct"]) == (2, pytest.approx(100 * 2 / 6, abs=1e-6))
    assert (r["caller_hangups"], r["abandon_rate_pct"]) == (1, 20.0)
    assert r["failed_standards"] == ["answered within 30 s (%)", "disconnect rate (%)"]


def test_amazon_connect_parquet_with_typed_timestamps(tmp_path: Path) -> None:
    table = pacsv.read_csv(_write(tmp_path, CONNECT_HEADER, CONNECT_ROWS[:2]),
                           convert_options=pacsv.ConvertOptions(strings_can_be_null=True))
    assert pa.types.is_timestamp(table.schema.field("InitiationTimestamp").type)
    pq.write_table(table, tmp_path / "ctr.parquet")
    log = read_call_log(tmp_path / "ctr.parquet")  # detected from the header
    assert log.log.profile == "amazon_connect"
    assert [r["hold_s"] for r in log.rows()] == [20.0, 40.0]


# ------------------------------------------------------------------------------------------------------ Five9

FIVE9_HEADER = ("CALL ID,DATE,TIME,CALL TYPE,CAMPAIGN,SKILL,AGENT NAME,DISPOSITION,IVR TIME,QUEUE WAIT TIME,"
                "RING TIME,TALK TIME,HOLD TIME,CALL TIME,Medicare.ContractId")


def _f9(cid: str, date: str, time: str, skill: str, disp: str, ivr: str, wait: str, ring: str, talk: str,
        total: str, call_type: str = "Inbound") -> str:
    return (f"{cid},{date},{time},{call_type},MA Member Line,{skill},,{disp},{ivr},{wait},{ring},{talk},00:00:00,"
            f"{total},H1416")


FIVE9_ROWS = [
    # answered: IVR 30 s, queue 20 s, ring 5 s -> hold 25 s (answered 09:00:55 local = 14:00:55Z)
    _f9("f1", "2022/01/03", "09:00:00", "MemberServices", "Benefits question", "00:00:30", "00:00:20", "00:00:05",
        "00:04:00", "00:05:00"),
    # queued 90 s then the caller hung up
    _f9("f2", "2022/01/03", "09:10:00", "MemberServices", "Abandon", "00:00:40", "00:01:30", "00:00:00",
        "00:00:00", "00:02:10"),
    # answered: queue 120 s + ring 10 s -> hold 130 s
    _f9("f3", "2022/01/03", "09:20:00", "MemberServices", "Resolved", "00:00:20", "00:02:00", "00:00:10",
        "00:03:00", "00:05:30"),
    # never reached a skill: ended in the IVR by a platform dial error -> dropped
    _f9("f4", "2022/01/03", "09:30:00", "", "Dial Error", "00:00:15", "00:00:00", "00:00:00", "00:00:00",
        "00:00:15"),
    _f9("f5", "2022/01/03", "09:40:00", "", "No Answer", "00:00:00", "00:00:00", "00:00:00", "00:00:00",
        "00:00:30", call_type="Outbound"),  # filtered
]


def test_five9_hand_computed(tmp_path: Path) -> None:
    log = read_call_log(_write(tmp_path, FIVE9_HEADER, FIVE9_ROWS))
    assert log.log.profile == "five9"
    calls = {r["call_id"]: r for r in log.rows()}
    assert calls["f1"]["answered_at"].isoformat() == "2022-01-03T14:00:55+00:00"
    assert calls["f1"]["ivr_end"].isoformat() == "2022-01-03T14:00:30+00:00"
    assert calls["f4"]["ivr_end"] is None and calls["f2"]["answered_at"] is None
    assert {c: r["end_reason"] for c, r in calls.items()} == {
        "f1": "completed", "f2": "caller_hangup", "f3": "completed", "f4": "dropped"}
    assert log.log.filtered_count == 1 and log.log.filtered[0].values == {"Outbound": 1}
    [r] = compute_metrics(log, by="day", by_line=False).records
    assert (r["calls"], r["avg_hold_time_s"], r["max_hold_time_s"]) == (4, (25 + 130) / 2, 130.0)  # 77.5 s
    # within 30 s: f1 over the 3 calls that reached a skill (f1, f2, f3)
    assert (r["queued"], r["answered_within"]) == (3, 1)
    assert r["answered_within_30s_pct"] == pytest.approx(100 / 3, abs=1e-6)
    assert (r["dropped"], r["disconnect_rate_pct"]) == (1, 25.0)  # f4 over 4 calls; f2 hung up itself


def test_five9_local_time_zone_from_cli(tmp_path: Path) -> None:
    log = read_call_log(_write(tmp_path, FIVE9_HEADER, FIVE9_ROWS[:1]), tz="America/Los_Angeles")
    assert log.rows()[0]["call_start"].isoformat() == "2022-01-03T17:00:00+00:00"


@pytest.mark.parametrize(
    ("date", "time", "reason"),
    [
        ("2022/11/06", "01:30:00", "local time 2022-11-06 01:30:00 is ambiguous in America/New_York"),
        ("2022/03/13", "02:30:00", "local time 2022-03-13 02:30:00 does not exist in America/New_York"),
        ("2022/13/01", "09:00:00", "not a local time in the format '%Y/%m/%d %H:%M:%S'"),
    ],
)
def test_five9_dst_and_bad_local_times_are_refused(tmp_path: Path, date: str, time: str, reason: str) -> None:
    bad = _f9("fx", date, time, "MemberServices", "Resolved", "00:00:20", "00:00:10", "00:00:00", "00:01:00",
              "00:02:00")
    path = _write(tmp_path, FIVE9_HEADER, [FIVE9_ROWS[0], bad])
    with pytest.raises(InputError) as exc:
        read_call_log(path)
    assert (exc.value.file, exc.value.row, exc.value.field) == (str(path), 3, "TIME")
    assert reason in exc.value.reason


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("QUEUE WAIT TIME", "-00:00:05", "negative duration"),
        ("QUEUE WAIT TIME", "5 min", "not a duration in hh:mm:ss"),
        ("IVR TIME", "", "empty duration"),
        ("DISPOSITION", "Timeout", "DISPOSITION 'Timeout' has no mapping for a call that left the IVR but was not"),
    ],
)
def test_five9_row_refusals_name_the_column(tmp_path: Path, column: str, value: str, reason: str) -> None:
    cells = dict(zip(FIVE9_HEADER.split(","), FIVE9_ROWS[1].split(","), strict=True))
    cells[column] = value
    path = _write(tmp_path, FIVE9_HEADER, [FIVE9_ROWS[0], ",".join(cells.values())])
    with pytest.raises(InputError) as exc:
        read_call_log(path, profile="five9")
    assert (exc.value.row, exc.value.field) == (3, column)
    assert reason in exc.value.reason


# ------------------------------------------------------------------------------------------- refusals (Connect)

@pytest.mark.parametrize(
    ("row", "field", "reason"),
    [
        (_ctr("x", "14:00:00", "14:00:30", "14:00:50", "14:05:00", "HUNG_UP"), "DisconnectReason",
         "DisconnectReason 'HUNG_UP' is not mapped by the profile"),
        (_ctr("x", "14:00:00", "14:00:30", "14:00:50", "14:05:00", "EXPIRED"), "DisconnectReason",
         "cannot be mapped: a task-only reason"),
        (_ctr("x", "14:00:00", "14:00:30", "14:00:50", "14:05:00", ""), "DisconnectReason",
         "'' cannot be mapped: an empty DisconnectReason"),
        (_ctr("x", "14:00:00", "14:00:30", "", "14:05:00", "BARGED"), "DisconnectReason",
         "has no mapping for a call that left the IVR but was not answered"),
        (_ctr("x", "14:00:00", "14:00:30", "14:00:20", "14:05:00", "CUSTOMER_DISCONNECT"),
         "Agent.ConnectedToAgentTimestamp", "answered before the IVR ended"),
        (_ctr("x", "14:00:00", "14:00:30", "14:00:50", "13:59:00", "CUSTOMER_DISCONNECT"), "DisconnectTimestamp",
         "negative duration"),
        (_ctr("x", "14:00:00", "14:00:30", "14:00:50", "14:05:00", "CUSTOMER_DISCONNECT", interp="maybe"),
         "Attributes.InterpreterRequested", "not a value the profile maps to true or false"),
        (_ctr("x", "14:00:00", "14:00:30", "14:00:50", "14:05:00", "CUSTOMER_DISCONNECT", contract="1416"),
         "Attributes.ContractId", "must look like H1234"),
        (_ctr("x", "14:0", "14:00:30", "14:00:50", "14:05:00", "CUSTOMER_DISCONNECT"), "InitiationTimestamp",
         "not an ISO 8601 timestamp"),
    ],
)
def test_amazon_connect_refusals_name_file_row_field(tmp_path: Path, row: str, field: str, reason: str) -> None:
    # a filtered chat sits before the bad row: the bad row keeps its own spreadsheet row number (4)
    path = _write(tmp_path, CONNECT_HEADER, [CONNECT_ROWS[0], CONNECT_ROWS[6], row])
    with pytest.raises(InputError) as exc:
        read_call_log(path, profile="amazon_connect")
    assert (exc.value.file, exc.value.row, exc.value.field) == (str(path), 4, field)
    assert reason in exc.value.reason
    assert f"{path}, row 4, field '{field}': " in str(exc.value)


def test_missing_column_names_the_column(tmp_path: Path) -> None:
    header = CONNECT_HEADER.replace(",DisconnectReason", "")
    rows = [r.replace(",CUSTOMER_DISCONNECT", "") for r in CONNECT_ROWS[:1]]
    with pytest.raises(InputError) as exc:
        read_call_log(_write(tmp_path, header, rows), profile="amazon_connect")
    assert (exc.value.row, exc.value.field) == (None, "DisconnectReason")
    assert "missing column required by call-log profile 'amazon_connect'" in exc.value.reason


def test_quarantine_keeps_good_rows_and_the_export_columns(tmp_path: Path) -> None:
    dup = CONNECT_ROWS[1]
    bad = _ctr("c9", "14:00:00", "14:00:30", "14:00:50", "14:05:00", "HUNG_UP")
    other = _ctr("c10", "14:00:00", "14:00:30", "14:00:50", "14:05:00", "CUSTOMER_DISCONNECT", contract="H9999")
    path = _write(tmp_path, CONNECT_HEADER, [*CONNECT_ROWS, dup, bad, other])
    log = read_call_log(path, profile="amazon_connect", on_error="quarantine",
                        known_contracts=frozenset({"H1416"}))
    assert len(log.rows()) == 6 and log.log.filtered_count == 2
    assert [(r.row, r.field, r.reason) for r in log.rejections()] == [
        (10, "ContactId", "duplicate call_id 'c2' (first at row 3)"),
        (11, "DisconnectReason", "DisconnectReason 'HUNG_UP' is not mapped by the profile (mapped: "
                                 "'CUSTOMER_DISCONNECT', 'AGENT_DISCONNECT', 'THIRD_PARTY_DISCONNECT', "
                                 "'TELECOM_PROBLEM', 'BARGED', 'CONTACT_FLOW_DISCONNECT', 'OTHER')"),
        (12, "Attributes.ContractId", "unknown contract"),
    ]
    out = write_quarantine(tmp_path / "rejected.csv", log)
    lines = out.read_text().splitlines()
    assert lines[0] == '"row","field","reason",' + ",".join(f'"{c}"' for c in CONNECT_HEADER.split(","))
    assert lines[2].startswith('"11","DisconnectReason",') and '"c9","VOICE","INBOUND","2022-01-03T14:00:00Z"' in lines[2]


# ----------------------------------------------------------------------------------- detection and profiles

def test_auto_detection_from_the_header(tmp_path: Path) -> None:
    generic = ",".join(REQUIRED)
    assert isinstance(detect_profile(generic.split(","), "f"), GenericProfile)
    assert detect_profile([*generic.split(","), *CONNECT_HEADER.split(",")], "f").name == "generic"  # type: ignore[union-attr]
    assert detect_profile(CONNECT_HEADER.split(","), "f").name == "amazon_connect"  # type: ignore[union-attr]
    assert detect_profile(FIVE9_HEADER.split(","), "f").name == "five9"  # type: ignore[union-attr]
    assert detect_profile(["call_id", "contract_id"], "f") is None
    with pytest.raises(InputError, match=r"matches several call-log profiles .*amazon_connect, five9.*--profile"):
        detect_profile([*CONNECT_HEADER.split(","), *FIVE9_HEADER.split(",")], "f")
    # an unknown header still gets the generic schema's message
    p = tmp_path / "short.csv"
    p.write_text("call_id,contract_id\nx,H1416\n", encoding="utf-8")
    with pytest.raises(InputError, match="field 'call_start': missing column"):
        read_call_log(p)


def test_built_in_profiles_load_and_cite_their_sources() -> None:
    assert profile_names() == ["amazon_connect", "five9", "generic", "genesys_cloud", "nice_cxone"]
    generic = load_profile("generic")
    assert isinstance(generic, GenericProfile)
    assert set(generic.columns) == {*REQUIRED, "line"} and generic.detect == list(REQUIRED)
    connect = load_profile("amazon_connect")
    assert isinstance(connect, MappedProfile) and connect.status == "verified"
    assert connect.source[0] == "https://docs.aws.amazon.com/connect/latest/adminguide/ctr-data-model.html"
    reasons = {"CUSTOMER_DISCONNECT", "AGENT_DISCONNECT", "THIRD_PARTY_DISCONNECT", "TELECOM_PROBLEM", "BARGED",
               "CONTACT_FLOW_DISCONNECT", "OTHER", "EXPIRED", "API"}
    assert reasons <= set(connect.end_reason.map) | set(connect.end_reason.refuse)
    assert all(f.note for f in connect.filters) and connect.end_reason.note
    assert load_profile("five9").status == "unverified"  # type: ignore[union-attr]
    with pytest.raises(ConfigError, match="unknown call-log profile 'genesys'; built in: amazon_connect, five9"):
        load_profile("genesys")


CUSTOM = """\
kind: mapped
name: tiny_pbx
title: a PBX export with seconds
status: unverified
source: [https://example.org/pbx-export]
note: test profile
detect: [id, started]
timezone: America/Chicago
filters:
  - {column: direction, keep: [in], note: inbound only}
call_id: {column: id}
contract_id: {constant: H5678}
call_start: {column: started}
ivr_end: {after: call_start, plus: [{column: ivr_s, unit: seconds}]}
answered_at: {after: ivr_end, plus: [{column: wait_s, unit: seconds}], when: {column: outcome, values: [served]}}
call_end: {after: call_start, plus: [{column: total_s, unit: seconds}]}
interpreter_requested: {constant: false}
tty: {constant: false}
end_reason:
  column: outcome
  map: {served: completed, hangup: caller_hangup, error: dropped}
"""


def test_custom_profile_file_seconds_and_naive_local_times(tmp_path: Path) -> None:
    prof = tmp_path / "tiny.yaml"
    prof.write_text(CUSTOM, encoding="utf-8")
    export = _write(tmp_path, "id,direction,started,ivr_s,wait_s,total_s,outcome", [
        "a,in,2022-01-03 09:00:00,10,25.5,300,served",  # naive: Chicago (UTC-6); hold 25.5 s
        "b,in,2022-01-03T10:00:00-05:00,10,60,90,hangup",  # with an offset: used as is
        "c,out,2022-01-03 11:00:00,0,0,60,served",
    ])
    log = read_call_log(export, profile=str(prof))
    rows = {r["call_id"]: r for r in log.rows()}
    assert rows["a"]["call_start"].isoformat() == "2022-01-03T15:00:00+00:00"
    assert rows["b"]["call_start"].isoformat() == "2022-01-03T15:00:00+00:00"
    assert (rows["a"]["hold_s"], rows["b"]["hold_s"], rows["a"]["contract_id"]) == (25.5, None, "H5678")
    assert log.log.filtered_count == 1
    assert [r["row"] for r in log.rows()] == [2, 3] and log.log.filtered[0].rows == (4,)


def test_profile_schema_is_strict(tmp_path: Path) -> None:
    prof = tmp_path / "bad.yaml"
    prof.write_text(CUSTOM.replace("timezone: America/Chicago", "timezone: America/Chicago\ncolour: blue"),
                    encoding="utf-8")
    with pytest.raises(ParameterError) as exc:
        load_profile(prof)
    assert exc.value.key == "mapped.colour" and "Extra inputs are not permitted" in exc.value.reason
    prof.write_text(CUSTOM.replace("call_start: {column: started}", "call_start: {after: call_end, plus: []}"),
                    encoding="utf-8")
    with pytest.raises(ParameterError, match="call_start"):
        load_profile(prof)
    prof.write_text(CUSTOM.replace("timezone: America/Chicago", "timezone: Mars/Olympus"), encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown time zone 'Mars/Olympus'"):
        load_profile(prof)
    with pytest.raises(ConfigError, match="profile file not found"):
        load_profile(tmp_path / "nope.yaml")


def test_parse_contracts(tmp_path: Path) -> None:
    assert parse_contracts("H1416, R1234") == frozenset({"H1416", "R1234"})
    listing = tmp_path / "contracts.txt"
    listing.write_text("# our contracts\nH1416\n\nS5678  # Part D\n", encoding="utf-8")
    assert parse_contracts(str(listing)) == frozenset({"H1416", "S5678"})
    table = tmp_path / "contracts.csv"
    table.write_text("contract_id,name\nH1416,Harmony\nX1,bad\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"contracts.csv, row 3, field 'contract_id': 'X1' does not look like"):
        parse_contracts(str(table))
    with pytest.raises(ConfigError, match="not a file and not a list of contract ids"):
        parse_contracts("H1416,nonsense")


def test_run_metrics_profile_and_known_contracts(tmp_path: Path) -> None:
    path = _write(tmp_path, CONNECT_HEADER, CONNECT_ROWS)
    rep = run_metrics(path, profile="amazon_connect", known_contracts=frozenset({"H1416"}), by_line=False)
    assert (rep.profile, rep.filtered_count, rep.records[0]["calls"]) == ("amazon_connect", 2, 6)
    with pytest.raises(InputError, match=r"row 2, field 'Attributes\.ContractId': unknown contract"):
        run_metrics(path, known_contracts=frozenset({"H9999"}))


# ------------------------------------------------------------------------------------------------------- CLI

def test_cli_amazon_connect_json(tmp_path: Path) -> None:
    path = _write(tmp_path, CONNECT_HEADER, CONNECT_ROWS)
    r = runner.invoke(app, ["callcenter", "metrics", "--calls", str(path), "--profile", "amazon_connect", "--json",
                            "--pooled"])
    assert r.exit_code == 1, r.output  # non-compliant day
    [rec] = json.loads(r.stdout)
    assert (rec["contract_id"], rec["calls"], rec["avg_hold_time_s"], rec["answered_within_30s_pct"]) == \
        ("H1416", 6, 80.0, 20.0)
    assert rec["disconnect_rate_pct"] == pytest.approx(33.333333)
    assert "profile amazon_connect: 2 rows filtered out" in r.stderr


def test_cli_report_filtered_contracts_and_quarantine(tmp_path: Path) -> None:
    path = _write(tmp_path, CONNECT_HEADER, [*CONNECT_ROWS, _ctr("c9", "16:00:00", "", "", "16:00:30", "API")])
    q = tmp_path / "rejected.csv"
    r = runner.invoke(app, ["callcenter", "metrics", "--calls", str(path), "--report-filtered", "--contracts",
                            "H1416,H5678", "--quarantine", str(q)])
    assert r.exit_code == 1, r.output
    out = " ".join(r.stdout.split())
    assert "Channel not in {VOICE}: 1 rows (CHAT: 1); rows 8" in out
    assert "InitiationMethod not in {INBOUND}: 1 rows (TRANSFER: 1); rows 9" in out
    assert "1 rejected rows written to" in out
    assert q.read_text().splitlines()[1].startswith('"10","DisconnectReason","DisconnectReason \'API\' cannot be')
    r = runner.invoke(app, ["callcenter", "metrics", "--calls", str(path), "--contracts", "H9999"])
    assert r.exit_code == 2
    assert f"{path}, row 2, field 'Attributes.ContractId': unknown contract" in " ".join(r.output.split())
    r = runner.invoke(app, ["callcenter", "metrics", "--calls", str(path), "--profile", "genesys"])
    assert r.exit_code == 2 and "unknown call-log profile 'genesys'" in r.output


def test_contract_table_and_refused_naive_times(tmp_path: Path) -> None:
    prof = tmp_path / "lines.yaml"
    prof.write_text(CUSTOM.replace("contract_id: {constant: H5678}",
                                   "contract_id: {column: dnis, values: {'8005550100': H1416, '8005550199': S5678}}")
                    .replace("call_start: {column: started}", "call_start: {column: started, naive: refuse}"),
                    encoding="utf-8")
    header = "id,direction,dnis,started,ivr_s,wait_s,total_s,outcome"
    good = "a,in,8005550100,2022-01-03T09:00:00Z,10,20,300,served"
    part_d = "b,in,8005550199,2022-01-03T09:05:00Z,10,20,300,error"
    log = read_call_log(_write(tmp_path, header, [good, part_d]), profile=prof)
    assert [(r["contract_id"], r["end_reason"]) for r in log.rows()] == [("H1416", "completed"),
                                                                                     ("S5678", "dropped")]
    for row, field, reason in [("c,in,8005550123,2022-01-03T09:00:00Z,10,20,300,served", "dnis",
                                "no contract mapping for '8005550123' in the profile"),
                               ("c,in,8005550100,2022-01-03 09:00:00,10,20,300,served", "started",
                                "timestamp has no UTC offset")]:
        with pytest.raises(InputError) as exc:
            read_call_log(_write(tmp_path, header, [good, row]), profile=prof)
        assert (exc.value.row, exc.value.field, exc.value.reason) == (3, field, reason)


# ------------------------------------------------------------------------------------- Genesys Cloud, NICE CXone

GENESYS_HEADER = ("conversationId,conversationStart,conversationEnd,originatingDirection,mediaType,queueName,tIvr,tAcd,"
                  "tAlert,tTalk,disconnectType,participantData.ContractId")


def _gen(cid: str, start: str, end: str, queue: str, ivr_ms: int, acd_ms: int, alert_ms: int, talk_ms: int,
         disconnect: str, *, direction: str = "inbound", media: str = "voice") -> str:
    return (f"{cid},2022-01-03T{start}.000Z,2022-01-03T{end}.000Z,{direction},{media},{queue},{ivr_ms},{acd_ms},"
            f"{alert_ms},{talk_ms},{disconnect},H1416")


GENESYS_ROWS = [
    _gen("g1", "14:00:00", "14:06:00", "Members", 30_000, 15_000, 5_000, 300_000, "client"),  # hold 15 + 5 = 20 s
    _gen("g2", "14:10:00", "14:13:00", "Members", 20_000, 160_000, 0, 0, "client"),  # queued 160 s, hung up
    _gen("g3", "14:20:00", "14:21:00", "Members", 20_000, 40_000, 0, 0, "error"),  # queued 40 s, dropped
    _gen("g4", "14:30:00", "14:30:45", "", 45_000, 0, 0, 0, "system"),  # ended in the flow: dropped
    _gen("g5", "14:40:00", "14:50:00", "Members", 10_000, 60_000, 2_500, 400_000, "peer"),  # hold 62.5 s
    _gen("g6", "14:50:00", "14:55:00", "Members", 10_000, 1_000, 1_000, 100_000, "client", media="callback"),
]


def test_genesys_cloud_hand_computed(tmp_path: Path) -> None:
    log = read_call_log(_write(tmp_path, GENESYS_HEADER, GENESYS_ROWS))  # detected from the header
    assert log.log.profile == "genesys_cloud" and load_profile("genesys_cloud").status == "unverified"  # type: ignore[union-attr]
    calls = {r["call_id"]: r for r in log.rows()}
    assert calls["g1"]["answered_at"].isoformat() == "2022-01-03T14:00:50+00:00"  # 14:00:00 + 30 s IVR + 20 s hold
    assert {c: r["end_reason"] for c, r in calls.items()} == {
        "g1": "completed", "g2": "caller_hangup", "g3": "dropped", "g4": "dropped", "g5": "completed"}
    assert log.log.filtered[0].values == {"callback": 1}
    [r] = compute_metrics(log, by="day", by_line=False).records
    # answered: g1 20 s, g5 62.5 s -> 41.25 s; all queued (g1, g2, g3, g5): (20 + 160 + 40 + 62.5) / 4 = 70.625 s
    assert (r["calls"], r["queued"], r["avg_hold_time_s"], r["avg_hold_time_all_queued_s"]) == (5, 4, 41.25, 70.625)
    # within 30 s: g1 of 4 queued = 25 %; drops g3, g4 of 5 calls = 40 %; abandoned g2 of 4 queued = 25 %
    assert (r["answered_within_30s_pct"], r["disconnect_rate_pct"], r["abandon_rate_pct"]) == (25.0, 40.0, 25.0)


NICE_HEADER = ("Contact_ID,Master_Contact_ID,Media_Name,Skill_Name,Campaign_Name,Start_Date,start_time,PreQueue,InQueue,"
               "Agent_Time,Total_Time,Abandon")


def _nice(cid: str, start: str, skill: str, pre: int, queue: int, agent: int, total: int, abandon: str,
          media: str = "Call") -> str:
    return f"{cid},{cid},{media},{skill},H1416,01/03/2022,{start},{pre},{queue},{agent},{total},{abandon}"


NICE_ROWS = [
    _nice("n1", "09:00:00", "MemberSvc", 30, 25, 300, 355, "N"),  # hold 25 s (answered 09:00:55 EST = 14:00:55Z)
    _nice("n2", "09:10:00", "MemberSvc", 30, 200, 0, 230, "Y"),  # queued 200 s, abandoned
    _nice("n3", "09:20:00", "MemberSvc", 30, 90, 0, 120, "N"),  # queued 90 s, ended by the system: dropped
    _nice("n4", "09:30:00", "MemberSvc", 20, 35, 200, 255, "N"),  # hold 35 s
    _nice("n5", "09:40:00", "MemberSvc", 20, 5, 60, 85, "N", media="Chat"),  # filtered
]


def test_nice_cxone_hand_computed(tmp_path: Path) -> None:
    log = read_call_log(_write(tmp_path, NICE_HEADER, NICE_ROWS), profile="nice_cxone")
    calls = {r["call_id"]: r for r in log.rows()}
    assert calls["n1"]["answered_at"].isoformat() == "2022-01-03T14:00:55+00:00"
    assert {c: r["end_reason"] for c, r in calls.items()} == {
        "n1": "completed", "n2": "caller_hangup", "n3": "dropped", "n4": "completed"}
    [r] = compute_metrics(log, by="day", by_line=False).records
    # answered 25, 35 -> 30 s; all queued (25 + 200 + 90 + 35) / 4 = 87.5 s; the verdict judges the larger, 87.5 s
    assert (r["avg_hold_time_s"], r["avg_hold_time_all_queued_s"], r["verdict_hold_time_s"]) == (30.0, 87.5, 87.5)
    assert (r["answered_within_30s_pct"], r["disconnect_rate_pct"], r["abandon_rate_pct"]) == (25.0, 25.0, 25.0)
