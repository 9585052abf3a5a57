"""Demo of the CAP letter end to end (cap-request-call-center-2022 L28-L40; § 422.504(o)(2), § 423.505(p)(2)).

A seeded synthetic first quarter of 2022 for two contracts; a typhoon takes most of H1416's representatives for 30
hours from January 11, 09:00 (the letter's L32: "a shortage of customer service representatives due a typhoon").
On a temporary SQLite database in the output folder the demo: opens a CAP like the letter (contract, parent, legal
entity, deficiency, authorities, beneficiary complaints, not self-disclosed, both required elements); moves it
through its lifecycle with actions, owners and evidence; records the daily monitoring periods week by week until
every affected contract has its run of compliant days, then closes it; writes a business continuity plan seeded
with the regulatory minimum functions, yearly test and training evidence, opens and restores the typhoon incident
and checks it against the 72-hour limit of the parameters; and writes the daily report CMS asked for (L34).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

from partcd import registry
from partcd.compliance import pipelines as svc
from partcd.compliance.rules.cap import LETTER_AUTHORITIES, Cap, CapAction, CapSettings
from partcd.compliance.rules.continuity import EssentialFunction, Evidence, Incident, PlanVersion
from partcd.platform.demo import DemoResult, fresh_store

TZ = "America/New_York"
ACTOR_CMS = "cms-account-manager"
ACTOR_PLAN = "plan-compliance-officer"


def demo(out: Path, seed: int, engine: str) -> DemoResult:
    zone = ZoneInfo(TZ)
    folder = out / "callcenter_cap"
    db_file = folder / "cap-demo.db"
    db = fresh_store(folder, db_file.name)

    # The call center produces the findings (registry services of the callcenter area; no import of it).
    outage_start, outage_hours = dt.datetime(2022, 1, 11, 9, 0, tzinfo=zone), 30.0
    log_path = registry.service("synthetic_call_log_csv")(folder / "calls_q1.csv", seed=seed, start=dt.date(2022, 1, 3),
                                                         days=88, outage_start=outage_start, outage_hours=outage_hours,
                                                         tz=TZ)
    metrics = registry.service("call_log_findings")(log_path, by="day", engine=engine, tz=TZ)

    settings = CapSettings()
    cap = Cap(contract_ids=("H1416",), parent_organization="Centene Corporation", legal_entity="HARMONY HEALTH PLAN, INC.",
              issued_on=dt.date(2022, 1, 18), deficiency="Failure to Provide Compliant Call Center Services",
              authorities=LETTER_AUTHORITIES, detection_source="beneficiary_complaints",
              cms_contacted_on=dt.date(2022, 1, 11), self_disclosed=False, program="C&D",
              root_causes=("higher than expected enrollment", "shortage of customer service representatives due a typhoon",
                           "technology issues"))
    cap_id = svc.create_cap(db, cap, actor=ACTOR_CMS, settings=settings)
    hire = svc.add_action(db, cap_id, CapAction(
        required_element="timely_access", owner="workforce manager", due_on=dt.date(2022, 2, 4),
        description="staff to the Erlang A requirement plus 15 % shrinkage; overflow vendor"), actor=ACTOR_PLAN)
    bcp_action = svc.add_action(db, cap_id, CapAction(
        required_element="bcp_72h", owner="chief operating officer", due_on=dt.date(2022, 2, 15),
        description="business continuity plan restoring the call center within 72 h"), actor=ACTOR_PLAN)
    svc.set_status(db, cap_id, "submitted", dt.date(2022, 2, 1), actor=ACTOR_PLAN)
    svc.set_status(db, cap_id, "accepted", dt.date(2022, 2, 4), actor=ACTOR_CMS)
    svc.set_status(db, cap_id, "implementing", dt.date(2022, 2, 4), actor=ACTOR_PLAN)
    svc.complete_action(db, hire, dt.date(2022, 2, 3), ["roster-2022-02.xlsx", "vendor-sow.pdf"], actor=ACTOR_PLAN)

    # Business continuity: the plan the CAP asked for, seeded with the regulatory minimum of Parts C and D.
    plan = PlanVersion(organization="Centene Corporation", version_label="2022.1", approved_on=dt.date(2022, 2, 14),
                       parts=("C", "D"), activation_events=("loss of a call-center site", "typhoon or hurricane warning",
                                                            "telephony platform outage"),
                       chain_of_command=("COO", "VP member services", "call-center site leads"),
                       comms_plan={"employees": "SMS + email tree", "fdrs": "vendor bridge line",
                                   "third_parties": "CMS account manager, state emergency management"},
                       alternate_sites=("Tampa FL overflow site", "work-from-home pool"),
                       restoration_plan="reroute the toll-free numbers within 4 h; overflow vendor within 24 h")
    svc.create_plan(db, plan, actor=ACTOR_PLAN, extra_functions=[
        EssentialFunction(key="C.enrollment", name="Enrollment and disenrollment processing", part="C", priority_rank=3,
                          rto_hours=72)])
    svc.complete_action(db, bcp_action, dt.date(2022, 2, 14), ["bcp-2022.1.pdf"], actor=ACTOR_PLAN)
    svc.add_evidence(db, "Centene Corporation", Evidence(kind="training", performed_on=dt.date(2022, 2, 22),
                                                         description="BCP roles training for CSR supervisors",
                                                         records=("training-roster-2022-02-22.pdf",)), actor=ACTOR_PLAN)
    svc.add_evidence(db, "Centene Corporation", Evidence(kind="test", performed_on=dt.date(2022, 3, 8),
                                                         description="site-loss failover test (toll-free reroute)",
                                                         records=("test-report-2022-03-08.pdf",)), actor=ACTOR_PLAN)
    restored = outage_start + dt.timedelta(hours=outage_hours)
    incident = svc.open_incident(db, "Centene Corporation", Incident(
        function_key="C.call_center", failure_start=outage_start, detected_at=outage_start + dt.timedelta(minutes=45),
        cause="typhoon: most customer service representatives unavailable", activated_bcp=False), actor=ACTOR_PLAN)
    svc.restore_incident(db, incident, restored, actor=ACTOR_PLAN)

    # Monitoring: daily periods week by week from February 7 until the CAP may close.
    svc.set_status(db, cap_id, "monitoring", dt.date(2022, 2, 7), actor=ACTOR_CMS)
    weeks: list[str] = []
    closed_on: dt.date | None = None
    records = metrics.records
    first = dt.date.fromisoformat(min(r["period_start"] for r in records))
    last = dt.date.fromisoformat(max(r["period_start"] for r in records))
    week_start = first - dt.timedelta(days=first.weekday())
    while week_start <= last and closed_on is None:
        week_end = week_start + dt.timedelta(days=6)
        batch = [r for r in records if week_start.isoformat() <= r["period_start"] <= week_end.isoformat()]
        res = svc.record_monitoring(db, cap_id, batch, source=f"{log_path.name} week of {week_start}", actor=ACTOR_PLAN,
                                    today=week_end)
        run = res.closure.contracts[0]
        weeks.append(f"week of {week_start}: {res.added} periods, {res.non_compliant_periods} non-compliant; "
                     f"run {run.run}/{run.needed}")
        if res.closure.closable and res.closure.closable_on is not None:
            closed_on = res.closure.closable_on + dt.timedelta(days=1)
            svc.close_cap(db, cap_id, closed_on, actor=ACTOR_CMS)
        week_start += dt.timedelta(days=7)

    status = svc.bcp_status(db, "Centene Corporation", dt.datetime(2022, 3, 31, 20, 0, tzinfo=zone))
    svc.write_bcp_report(status, folder / "bcp")
    detail = svc.get_cap(db, cap_id, dt.date(2022, 3, 31))
    (folder / "cap.json").write_text(json.dumps(detail.model_dump(mode="json"), indent=2) + "\n", encoding="utf-8")
    daily = registry.service("call_log_daily_report")(log_path, folder / "daily", engine=engine, tz=TZ, db=db)
    db.dispose()

    check = status.incidents[0]
    breaches = sorted({d for _, d in daily.breach_days})
    headline = (f"CAP {cap_id} (H1416) {detail.cap.status}"
                f"{' on ' + closed_on.isoformat() if closed_on else ''} after {detail.cap.closure_compliant_periods} compliant "
                f"days; typhoon incident restored in {check.hours_to_restore:g} h "
                f"({'meets' if check.compliant else 'FAILS'} the {status.restore_limit_h:g} h rule); "
                f"{len(daily.breach_days)} non-compliant contract-days ({breaches[0] if breaches else '-'}"
                f"{' to ' + breaches[-1] if len(breaches) > 1 else ''})")
    return DemoResult("callcenter_cap", "Corrective action plan, business continuity and the CMS daily report",
                      "callcenter_cap/daily/daily_report.html", headline,
                      details=["BCP report for CMS: callcenter_cap/bcp/bcp_report.html", "CAP record: callcenter_cap/cap.json",
                               f"database: {db_file}", *weeks])
