"""The D-SNP demo (``partcd demo``): four synthetic plan x State contracts of 2021 (FIDE in MN, HIDE in NJ,
coordination-only in TX, one in FL that meets no integration criterion) through the whole area - § 422.107
checklist with evidence, classification, minimum-integration test and § 422.752(d) determination, CMS's list
imported and reconciled, a quarter of admissions with their notices and the timeliness report, and the
§ 422.562(a)(5) assistance records - on a fresh SQLite file under ``<out>/dsnp/``. "Now" is fixed, so the report is
reproducible from the seed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from partcd.dsnp import pipelines as svc
from partcd.dsnp import samples
from partcd.platform import report
from partcd.platform.demo import DemoResult, fresh_store

YEAR = 2021
START = dt.date(2021, 1, 4)
DAYS = 84
NOW = dt.datetime(2021, 3, 31, 17, 0, tzinfo=ZoneInfo(samples.ZONE))
ACTOR = "dsnp-compliance-lead"


def demo(out: Path, seed: int, engine: str) -> DemoResult:
    folder = out / "dsnp"
    db_file = folder / "dsnp-demo.db"
    db = fresh_store(folder, db_file.name)
    ids: dict[str, int] = {}
    for data in samples.contracts(YEAR):
        view = svc.create_contract(db, data, actor=ACTOR)
        ids[view.contract_id] = view.id
        for ev in samples.evidence(view.contract_id):
            svc.add_evidence(db, view.id, ev, actor=ACTOR)
    statuses = [svc.plan_year_status(db, cid, YEAR) for cid in ids.values()]
    cms_file = samples.write_cms_list(folder / f"cms-integrated-dsnps-{YEAR}.csv", YEAR)
    svc.import_cms_list(db, cms_file, YEAR, actor=ACTOR)
    rec = svc.reconcile_year(db, YEAR)
    for adm in samples.admissions(seed, START, DAYS):
        svc.record_admission(db, ids[adm.contract_id], adm.data, actor="adt-feed", now=NOW)
    timeliness = svc.timeliness_report(db, now=NOW)
    for record in samples.assistance(seed, START, DAYS):
        svc.record_assistance(db, record, actor="care-coordination", today=NOW.date())
    help_records = svc.list_assistance(db, today=NOW.date())
    db.dispose()
    report.render("dsnp/demo.html.j2", folder / "index.html", statuses=statuses, rec=rec, timeliness=timeliness,
                  assistance=help_records, year=YEAR, now=NOW, seed=seed, cms_file=cms_file.name)
    sanctioned = [s.contract.plan_id for s in statuses if s.sanction.sanction_mandatory]
    late = sum(t.summary.late + t.summary.overdue for t in timeliness)
    owed = sum(1 for a in help_records if a.check.status == "non_compliant")
    return DemoResult(
        "dsnp", "D-SNP integration: State contracts, checklist, CMS list, admission notices, sanction, assistance",
        "dsnp/index.html",
        f"{len(statuses)} plan x State contracts; {len(rec.differences)} differences with CMS's {YEAR} list; "
        f"mandatory sanction: {', '.join(sanctioned) or 'none'}; {late} late or missing admission notices; "
        f"{owed} assistance records non-compliant",
        details=[f"CMS list: dsnp/{cms_file.name}", f"database: {db_file}", f"as of {NOW.isoformat()}"])
