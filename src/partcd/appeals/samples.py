"""Synthetic appeal and grievance cases (no real members, no PHI): seeded intakes and the events that follow them.

Each :class:`SyntheticCase` is an intake (§ 422.629(h) fields with invented names and randomly drawn, format-valid
MBIs) and a script of events at realistic offsets: most decisions on time, some late, some cases still open, some
expedited requests denied, extensions, reductions with continuation, Part D exceptions with the supporting statement
arriving at any point of the 14 days. Replaying the script through the case service gives a queue and a universe.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np

from partcd.appeals.rules.workflow import CaseEvent, Intake

FIRST = ("Avery", "Blake", "Casey", "Devon", "Emery", "Finley", "Harper", "Jordan", "Kendall", "Logan", "Morgan",
         "Parker", "Quinn", "Reese", "Rowan", "Sawyer", "Taylor")
LAST = ("Samplewood", "Testerly", "Fictor", "Mockridge", "Demoson", "Placeholt", "Synthby", "Exemplar")
REASONS = {
    "integrated_grievance": ("long wait for a home health aide", "rude call-center representative",
                             "transportation did not arrive", "quality of care at a skilled nursing facility"),
    "integrated_organization_determination": ("home health visits", "power wheelchair", "personal care hours",
                                              "outpatient physical therapy", "durable medical equipment"),
    "integrated_reconsideration": ("appeal of a reduced personal care plan", "appeal of a denied MRI",
                                   "appeal of ended home health visits"),
    "partd_coverage_determination": ("brand-name inhaler", "insulin pen", "anticoagulant refill"),
    "partd_exception": ("tiering exception for a biologic", "formulary exception for an antiepileptic",
                        "quantity limit exception for a migraine drug"),
}
_MBI_ALPHA = "ACDEFGHJKMNPQRTUVWXY"
_MBI_DIGIT = "0123456789"


@dataclass(frozen=True)
class SyntheticCase:
    """An intake and the events that follow it (event times are absolute; later ones may lie after "as of")."""

    intake: Intake
    events: list[CaseEvent] = field(default_factory=list)


def synthetic_mbi(rng: np.random.Generator) -> str:
    """A random string in the MBI format (C A AN N A AN N A A N N); it identifies nobody."""
    an = _MBI_ALPHA + _MBI_DIGIT
    pattern = ["123456789", _MBI_ALPHA, an, _MBI_DIGIT, _MBI_ALPHA, an, _MBI_DIGIT, _MBI_ALPHA, _MBI_ALPHA, _MBI_DIGIT,
               _MBI_DIGIT]
    return "".join(chars[int(rng.integers(len(chars)))] for chars in pattern)


def _pick(rng: np.random.Generator, items: tuple[str, ...]) -> str:
    return items[int(rng.integers(len(items)))]


def synthetic_cases(*, seed: int, start: dt.date = dt.date(2021, 4, 1), days: int = 90, count: int = 120,
                    contracts: tuple[str, ...] = ("H1416", "H2001"), tz: str = "America/New_York",
                    late_share: float = 0.12, recent_share: float = 0.1) -> list[SyntheticCase]:
    """``count`` cases received over ``days`` days from ``start`` (08:00-18:00 local; ``recent_share`` of them in the
    last days, so the queue has work due soon), reproducible from ``seed``."""
    rng = np.random.default_rng(seed)
    zone = ZoneInfo(tz)
    types = ("integrated_grievance", "integrated_organization_determination", "integrated_reconsideration",
             "partd_coverage_determination", "partd_exception")
    weights = np.array([0.2, 0.35, 0.15, 0.18, 0.12])
    out: list[SyntheticCase] = []
    for _ in range(count):
        case_type = types[int(rng.choice(len(types), p=weights))]
        recent = rng.random() < recent_share
        day = start + dt.timedelta(days=int(rng.integers(days - 2, days + 1)) if recent else int(rng.integers(days)))
        received = dt.datetime.combine(day, dt.time(8), zone) + dt.timedelta(minutes=int(rng.integers(600)))
        late = bool(rng.random() < late_share)
        base: dict[str, object] = {
            "case_type": case_type, "received": received, "reason": _pick(rng, REASONS[case_type]),
            "enrollee_name": f"{_pick(rng, FIRST)} {_pick(rng, LAST)}", "mbi": synthetic_mbi(rng),
            "contract_id": _pick(rng, contracts), "plan_benefit_package": f"{int(rng.integers(1, 4)):03d}", "zone": tz,
            "channel": "oral" if rng.random() < 0.4 else "written",
            "requester": "representative" if rng.random() < 0.15 else ("provider" if rng.random() < 0.2 else "enrollee"),
            "programs": (("medicare", "medicaid"), ("medicare",), ("medicaid",))[int(rng.choice(3, p=[0.6, 0.25, 0.15]))],
        }
        out.append(_script(rng, base, received, late))
    out.sort(key=lambda c: c.intake.received)
    return out


def _h(hours: float) -> dt.timedelta:
    return dt.timedelta(seconds=round(float(hours) * 3600))


def _script(rng: np.random.Generator, base: dict[str, object], rec: dt.datetime, late: bool) -> SyntheticCase:
    t = str(base["case_type"])
    ev: list[CaseEvent] = []

    def add(kind: str, at: dt.datetime, **kw: object) -> None:
        ev.append(CaseEvent.model_validate({"kind": kind, "at": at, "actor": _pick(rng, ("ina", "rey", "cor")), **kw}))

    if t == "integrated_grievance":
        expedited = rng.random() < 0.15
        base["grievance_subject"] = "extension" if expedited else _pick(rng, ("quality_of_care", "other", "other"))
        if base["grievance_subject"] == "quality_of_care":
            base["channel"] = "written"
        add("notice_sent", rec + _h(rng.uniform(10, 30) if late else rng.uniform(0.2, 4)), notice="acknowledgement")
        hours = rng.uniform(26, 40) if (late and expedited) else rng.uniform(2, 22) if expedited else \
            rng.uniform(24 * 31, 24 * 36) if late else rng.uniform(24 * 3, 24 * 28)
        add("resolve", rec + _h(hours), response_mode="written")
    elif t == "integrated_organization_determination":
        mode = rng.random()
        if mode < 0.2:
            base |= {"expedite_requested": True, "provider_indicates_jeopardy": True}
            decide = rec + _h(rng.uniform(74, 90) if late else rng.uniform(4, 70))
        elif mode < 0.35:
            base["expedite_requested"] = True
            denied = rec + _h(rng.uniform(1, 20))
            add("deny_expedite", denied)
            add("notice_sent", denied + _h(rng.uniform(2, 60)), notice="denial_of_expedite")
            decide = rec + _h(rng.uniform(24 * 15, 24 * 17) if late else rng.uniform(48, 24 * 13))
        else:
            decide = rec + _h(rng.uniform(24 * 15, 24 * 18) if late else rng.uniform(24, 24 * 13))
            if rng.random() < 0.15 and not late:
                extended = rec + _h(rng.uniform(24 * 5, 24 * 12))
                add("extend", extended, requested_by="provider")
                add("notice_sent", extended + _h(rng.uniform(1, 72)), notice="extension")
                decide = rec + _h(rng.uniform(24 * 14, 24 * 26))
        decision = _pick(rng, ("favorable", "favorable", "adverse", "partially_favorable"))
        reduction = decision == "adverse" and rng.random() < 0.35
        extra: dict[str, object] = {}
        if reduction:
            extra = {"reduction": True, "effective_date": (decide + dt.timedelta(days=int(rng.integers(9, 25)))).date()}
        add("decide", decide, decision=decision, **extra)
    elif t == "integrated_reconsideration":
        sent = rec - dt.timedelta(days=int(rng.integers(2, 50)), hours=float(rng.uniform(0, 8)))
        base |= {"adverse_notice_sent": sent, "adverse_notice_date": sent.date(),
                 "intended_effective_date": sent.date() + dt.timedelta(days=int(rng.integers(10, 20)))}
        add("notice_sent", rec + _h(rng.uniform(10, 40) if late else rng.uniform(0.2, 4)), notice="acknowledgement")
        if rng.random() < 0.2:
            base["expedite_requested"] = True
            base["provider_indicates_jeopardy"] = True
            decide = rec + _h(rng.uniform(75, 85) if late else rng.uniform(10, 70))
        else:
            decide = rec + _h(rng.uniform(24 * 31, 24 * 34) if late else rng.uniform(24 * 5, 24 * 29))
        decision = _pick(rng, ("adverse", "adverse", "favorable"))
        add("decide", decide, decision=decision)
        if decision == "adverse" and "medicare" in base["programs"]:  # type: ignore[operator]
            add("forward_to_ire", decide + _h(rng.uniform(30, 24 * 8) if late else rng.uniform(1, 20)))
        if decision == "favorable":
            add("effectuate", decide + _h(rng.uniform(74, 100) if late else rng.uniform(1, 60)))
    else:
        if rng.random() < 0.25:
            base |= {"expedite_requested": True, "provider_indicates_jeopardy": True}
            decide = rec + _h(rng.uniform(25, 30) if late else rng.uniform(2, 22))
        else:
            decide = rec + _h(rng.uniform(74, 90) if late else rng.uniform(4, 70))
        if t == "partd_exception":
            ss = rec + _h(rng.uniform(0, 24 * 13))
            add("supporting_statement", ss)
            limit = 24 if base.get("expedite_requested") else 72
            decide = ss + _h(rng.uniform(limit + 2, limit + 12) if late else rng.uniform(1, limit - 1))
            decide = min(decide, rec + dt.timedelta(days=14) if not late else decide)
        add("decide", decide, decision=_pick(rng, ("favorable", "adverse")))
    ev.sort(key=lambda e: e.at)
    return SyntheticCase(intake=Intake.model_validate(base), events=ev)
