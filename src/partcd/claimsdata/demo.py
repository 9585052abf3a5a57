"""§ 423.153(g) - the claims-data demo: synthetic sponsors through the request's life, a quarterly release calendar,
extracts built from synthetic enrollment and claims files on the tabular engine, permitted and refused accesses, all
in a fresh SQLite store under ``<out>/claimsdata/`` and one HTML report.

Picked up by ``partcd demo`` (``demo(out, seed, engine)``). "Today" is fixed (``AS_OF``), so the report is reproducible
from the seed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from partcd.claimsdata.pipelines import requests as service
from partcd.claimsdata.report import write_report
from partcd.claimsdata.samples import RELEASES, write_files
from partcd.core.errors import RuleError
from partcd.platform.demo import DemoResult, fresh_store

AS_OF = dt.date(2021, 3, 1)
ALL_USES = ["medication_outcomes", "care_coordination", "health_care_operations_1", "health_care_operations_2",
            "fraud_abuse_compliance", "required_by_law"]
ALL_LIMITS = ["coverage_determinations", "retroactive_indication_reviews", "enrollment_steering", "marketing"]


def _attestation(name: str) -> dict[str, Any]:
    return {"signed_by": name, "title": "Compliance officer", "permitted_uses": ALL_USES, "limitations": ALL_LIMITS,
            "contractors_bound": True}


def _approved(store: Engine, sponsor: tuple[str, str, list[str]], dates: tuple[str, str, str], officer: str,
              analyst: str) -> service.RequestView:
    """A PDP sponsor's request submitted, attested by ``officer`` and approved by CMS on ``dates``."""
    sponsor_id, name, contract_ids = sponsor
    submitted, attested, approved = dates
    request = service.create_request(store, {"sponsor": {"sponsor_id": sponsor_id, "name": name, "sponsor_type": "PDP",
                                                         "contract_ids": contract_ids}, "submitted_on": submitted},
                                     actor=analyst)
    service.record_event(store, request.id, {"kind": "attest", "event_date": attested,
                                             "attestation": _attestation(officer)}, actor=analyst)
    service.record_event(store, request.id, {"kind": "approve", "event_date": approved}, actor="cms-reviewer")
    return request


def demo(out: Path, seed: int, engine: str) -> DemoResult:
    """Run the scripted requests and accesses; write the report to ``out/claimsdata/index.html``."""
    folder = out / "claimsdata"
    store = fresh_store(folder, "claimsdata.db")
    for release in RELEASES:
        service.set_release(store, release, actor="cms-calendar")
    enrollment, claims = write_files(folder / "input", seed=seed, sponsor_contracts=("S5601", "S5602"),
                                     other_contracts=("S7001", "H1234"))
    refused: list[dict[str, Any]] = []
    candidates: list[dict[str, Any]] = [
        {"sponsor": {"sponsor_id": "MAPD-1", "name": "Example MA-PD plans", "sponsor_type": "MA-PD",
                     "contract_ids": ["H1234"]}, "submitted_on": "2020-01-10"},
        {"sponsor": {"sponsor_id": "PDP-SUB", "name": "Subset Drug Plans", "sponsor_type": "PDP",
                     "contract_ids": ["S8801"]}, "submitted_on": "2020-01-10", "scope": "subset"},
        {"sponsor": {"sponsor_id": "PDP-EARLY", "name": "Early Drug Plans", "sponsor_type": "PDP",
                     "contract_ids": ["S8802"]}, "submitted_on": "2019-12-02"},
    ]
    for body in candidates:
        try:
            service.create_request(store, body, actor="sponsor-demo")
        except RuleError as exc:
            refused.append({"sponsor": body["sponsor"]["name"], "reason": exc.reason, "cite": exc.citation})
    acme = _approved(store, ("PDP-ACME", "Acme Drug Plans", ["S5601", "S5602"]), ("2020-01-06", "2020-01-07", "2020-02-03"),
                     "A. Officer", "acme-analyst")
    late = _approved(store, ("PDP-LATE", "Late Drug Plans", ["S7001"]), ("2020-08-01", "2020-08-10", "2020-08-20"),
                     "L. Officer", "late-analyst")
    gone = _approved(store, ("PDP-GONE", "Departing Drug Plans", ["S9901"]), ("2020-02-01", "2020-02-02", "2020-03-02"),
                     "G. Officer", "gone-analyst")
    service.record_event(store, gone.id, {"kind": "leave_part_d", "event_date": "2020-12-31"}, actor="cms-reviewer")
    extracts: list[dict[str, Any]] = []
    accesses = [
        (acme.id, RELEASES[0], {"purpose": "care_coordination"}),
        (acme.id, RELEASES[1], {"purpose": "medication_outcomes", "recipient": "contractor", "bound_by": "sponsor"}),
        (acme.id, RELEASES[1], {"purpose": "marketing"}),
        (acme.id, RELEASES[2], {"purpose": "coverage_determinations"}),
        (acme.id, RELEASES[2], {"purpose": "care_coordination", "recipient": "downstream"}),
        (late.id, RELEASES[0], {"purpose": "care_coordination"}),
        (late.id, RELEASES[1], {"purpose": "fraud_abuse_compliance"}),
        (gone.id, RELEASES[2], {"purpose": "care_coordination"}),
    ]
    refusals = 0
    for request_id, release, use in accesses:
        try:
            extracts.append(service.create_extract(
                store, request_id, enrollment=enrollment, claims=claims, release_date=release.release_date, use=use,
                on=AS_OF, actor="analyst-demo", role="analyst", folder=folder / "extracts", tabular_engine=engine))
        except RuleError:
            refusals += 1
    views = service.list_requests(store, on=AS_OF)
    log = list(reversed(service.access_log(store)))
    findings = service.calendar_findings(store)
    write_report(folder / "index.html", title="Parts A and B claims data for PDP sponsors: requests, releases, access",
                 requests=[v.to_dict() for v in views], refused_requests=refused,
                 releases=[r.model_dump(mode="json") for r in service.list_releases(store)],
                 findings=[f.model_dump(mode="json") for f in findings], extracts=extracts, accesses=log,
                 purposes=service.purposes(AS_OF), as_of=AS_OF.isoformat())
    claims_out = sum(int(x["claims_out"]) for x in extracts)
    return DemoResult(
        "claimsdata", "Claims data for PDP sponsors: requests, purpose-limited and audited access",
        "claimsdata/index.html",
        f"{len(views)} requests stored, {len(refused)} refused at submission; {len(extracts)} extracts "
        f"({claims_out} claims), {refusals} accesses refused with their citation; every access in the audit log",
        details=[f"as of {AS_OF.isoformat()}; engine {engine}", f"release calendar findings: {len(findings)}"])
