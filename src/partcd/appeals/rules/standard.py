"""Parts 422 subpart M, 423 subpart M - clocks of the standard processes every MA and Part D plan runs (current 42 CFR).

Organization determinations (§§ 422.566-422.572), reconsiderations (§§ 422.578-422.590), grievances (§§ 422.564,
423.564), Part D redeterminations (§§ 423.580-423.590) and the effectuation of reversals (§§ 422.618, 422.619,
423.636, 423.638), on the clock engine of :mod:`partcd.appeals.rules.clocks` (same day counting, end of day, zone,
roll-over settings, parameters per period). Timeframe ids C1-C26, D1-D17, E1-E17 extend the spec's table
(appeals/README.md); every amount is a parameter of the period in force on the receipt date, every paragraph a row of
its ``timeframes_table``. The Part D coverage determination itself (P1-P5, D1-D4) is in ``clocks``.

:func:`decision_timeframe` is the one place that says which timeframe a request's decision follows (type, expedited,
payment, Part B drug, prior authorization); the per-case functions and the vectorised clocks both use it.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from partcd.appeals.rules.clocks import (
    TIMEFRAMES,
    Extension,
    Obligation,
    Reverser,
    _Clock,
    _clock,
    _denied_start,
    _expedite_denial,
    _extend,
    _extended,
    _extended_determination,
    _extension_notice,
    _higher_level_reversal,
    _not_before,
    _oral_followup,
    _sorted,
)
from partcd.core import calendar
from partcd.core.citation import cites
from partcd.core.errors import RuleError
from partcd.core.params import Cited, ParamSet

_NONCONTRACT_INFO = "if medical information is needed from noncontract providers"
_AFFIRMED = "if the reconsideration affirms, in whole or in part, the adverse organization determination"
_PHYSICIAN_JEOPARDY = ("a physician indicated that the standard timeframe could seriously jeopardize the enrollee: "
                       "the plan must expedite")


def _by_end_of_extension(tf_id: str) -> str:
    """The description of a standard extension notice (C7, C22)."""
    return f"{TIMEFRAMES[tf_id].obligation} (by the end of the extension: the rule sets no earlier time for the written notice)"


def decision_timeframe(case_type: str, *, expedited: bool = False, payment: bool = False, part_b_drug: bool = False,
                       prior_authorization: bool = False) -> tuple[str, str]:
    """(timeframe id, amount key) of the decision a request waits for; the Part D exception (P2 / P4) is special.

    A payment request is never expedited (§§ 422.570(a), 422.584(a), 423.570(a), 423.584(a)): callers refuse that
    combination; here ``payment`` wins.
    """
    if case_type == "partc_organization_determination":
        if payment:
            return "C11", "od_payment_calendar_days"
        if expedited:
            return ("C4", "od_expedited_part_b_drug_h") if part_b_drug else ("C3", "od_expedited_h")
        if part_b_drug:
            return "C2", "od_part_b_drug_h"
        return "C1", "od_prior_authorization_calendar_days" if prior_authorization else "od_standard_calendar_days"
    if case_type == "partc_reconsideration":
        if payment:
            return "C14", "recon_payment_calendar_days"
        if expedited:
            return "C16", "recon_expedited_part_b_drug_h" if part_b_drug else "recon_expedited_h"
        return ("C15", "recon_part_b_drug_calendar_days") if part_b_drug else ("C13", "recon_standard_calendar_days")
    if case_type == "partd_redetermination":
        if payment:
            return "D7", "redetermination_payment_calendar_days"
        return ("D8", "redetermination_expedited_h") if expedited else ("D6", "redetermination_standard_calendar_days")
    if case_type == "partd_coverage_determination":
        if payment:
            return "D1", "partd_payment_calendar_days"
        return ("P3", "partd_expedited_h") if expedited else ("P1", "partd_standard_h")
    table: dict[str, tuple[tuple[str, str], ...]] = {
        "partc_grievance": (("C24", "partc_grievance_resolution_calendar_days"), ("C26", "partc_expedited_grievance_h")),
        "partd_grievance": (("D15", "partd_grievance_resolution_calendar_days"), ("D17", "partd_expedited_grievance_h")),
        "partd_exception": (("P2", "partd_exception_supporting_statement_h"),
                            ("P4", "partd_expedited_exception_supporting_statement_h")),
        "integrated_grievance": (("T2", "grievance_resolution_calendar_days"), ("T4", "expedited_grievance_response_h")),
        "integrated_organization_determination": (("T5", "iod_standard_calendar_days"), ("T7", "iod_expedited_h")),
        "integrated_reconsideration": (("T16", "ir_standard_calendar_days"), ("T17", "ir_expedited_h")),
    }
    if case_type not in table:
        raise RuleError(f"unknown case type {case_type!r}")
    return table[case_type][1 if expedited else 0]


def _no_expedited_payment(c: _Clock, payment: bool, expedited: bool, expedite_denied: dt.datetime | None,
                          rule: Literal["partc_no_expedite_payment", "partd_no_expedite_payment"], what: str) -> None:
    if payment and (expedited or expedite_denied is not None):
        raise RuleError(f"a request for payment cannot be expedited: {what} (the standard payment timeframe applies)",
                        c.view.rule_cite(rule))


def _standard_extension(c: _Clock, ext: Extension, limit: Cited[int], rule: Literal[
        "partc_od_extension_requesters", "partc_recon_extension_requesters"]) -> None:
    """§§ 422.568(b)(1)(i), 422.572(b)(1), 422.590(f)(1): the enrollee (or representative) asks, or the plan justifies it
    (information from a noncontract provider, or extraordinary circumstances) in the enrollee's interest."""
    cite = limit.cite + c.view.rule_cite(rule)
    if ext.requested_by == "provider":
        raise RuleError("a standard extension is asked by the enrollee (or representative), or taken by the plan on its "
                        "own justification; a provider's request is not one of the listed grounds", cite)
    if ext.requested_by == "plan" and not (ext.enrollee_interest and ext.justification):
        raise RuleError("a plan-initiated extension must be justified (additional medical evidence from a noncontract "
                        "provider, or extraordinary circumstances) and in the enrollee's interest (written "
                        "justification)", cite)


def _grievance_extension(c: _Clock, ext: Extension, limit: Cited[int]) -> None:
    """§§ 422.564(e)(2), 423.564(e)(2): the enrollee asks, or the plan justifies a need for information and documents
    how the delay is in the enrollee's interest."""
    if ext.requested_by == "provider":
        raise RuleError("a grievance extension is asked by the enrollee (or representative), or taken by the plan on its "
                        "own justification", limit.cite)
    if ext.requested_by == "plan" and not (ext.needs_information and ext.enrollee_interest and ext.justification):
        raise RuleError("a plan-initiated grievance extension needs a justified need for additional information and "
                        "documentation of how the delay is in the enrollee's interest", limit.cite)


# --- Part C organization determinations, §§ 422.566-422.572 -------------------------------------------------


@cites("42 CFR 422.568(b)", "42 CFR 422.568(c)", "42 CFR 422.570(a)", "42 CFR 422.570(d)", "42 CFR 422.572")
def partc_organization_determination(
    received: dt.datetime,
    params: ParamSet,
    expedited: bool = False,
    expedite_denied: dt.datetime | None = None,
    provider_indicates_jeopardy: bool = False,
    part_b_drug: bool = False,
    payment: bool = False,
    prior_authorization: bool = False,
    extension: Extension | None = None,
    oral_notice: dt.datetime | None = None,
    zone: str | None = None,
) -> list[Obligation]:
    """C1 standard (14 cd; 7 cd for a prior-authorization item from 2026), C2 Part B drug (72 h), C3 expedited (72 h,
    +C9), C4 expedited Part B drug (24 h), C5 after a denied expedite (+C6), C7/C8 extended, C10 confirmation of an
    oral adverse expedited notice, C11 payment (60 cd, never expedited)."""
    c = _clock(params, zone, None)
    rec = c.local(received, "receipt")
    _no_expedited_payment(c, payment, expedited, expedite_denied, "partc_no_expedite_payment",
                          "§ 422.570(a) excludes requests for payment of services already furnished")
    out: list[Obligation] = []
    if expedite_denied is not None:
        denied = _expedite_denial(c, rec, expedite_denied, "C5", provider_indicates_jeopardy, _PHYSICIAN_JEOPARDY,
                                  c.view.rule_cite("partc_od_must_expedite"))
        tf_id, key = decision_timeframe("partc_organization_determination", part_b_drug=part_b_drug,
                                        prior_authorization=prior_authorization)
        if TIMEFRAMES[tf_id].kind == "hours":
            start, event = _denied_start(c, rec)
            due = c.after_hours(start, float(c.value(key)))
        else:
            start, event = rec, "receipt of the expedited request (its day is kept)"
            due = c.after_days(rec, int(c.value(key)))
        base = c.make(TIMEFRAMES["C5"], due, start, start_event=event, used={key: c.value(key)},
                      description=f"{TIMEFRAMES['C5'].obligation} - {c.value(key):g} "
                                  f"{'hours' if TIMEFRAMES[tf_id].kind == 'hours' else 'calendar days'} ({tf_id})")
        out.append(c.obligation("C6", denied))
    else:
        tf_id, key = decision_timeframe("partc_organization_determination", expedited=expedited, payment=payment,
                                        part_b_drug=part_b_drug, prior_authorization=prior_authorization)
        base = c.obligation(tf_id, rec, key=key)
        if expedited and not part_b_drug:
            out.append(c.obligation("C9", rec, condition=_NONCONTRACT_INFO))
    final = base
    if extension is not None:
        limit = c.cited("od_extension_max_calendar_days")
        if part_b_drug or payment:
            raise RuleError(f"the {'Part B drug' if part_b_drug else 'payment'} timeframe may not be extended",
                            c.cite(base.id) if part_b_drug else c.cite("C11"))
        _standard_extension(c, extension, limit, "partc_od_extension_requesters")
        due, days, decided = _extend(c, extension, base, rec, limit)
        final, notice = _extended_determination(c, base, rec, due, days, decided, limit, ("C8", "C7"),
                                                _by_end_of_extension("C7"))
        out.append(notice)
    out.append(final)
    if oral_notice is not None and expedited and expedite_denied is None:
        out.append(_oral_followup(c, rec, oral_notice, "C10", "if the expedited determination given orally was adverse"))
    return _sorted(out)


# --- Part C reconsiderations, §§ 422.578-422.590 -------------------------------------------------------------


@cites("42 CFR 422.584(d)", "42 CFR 422.590")
def partc_reconsideration(
    received: dt.datetime,
    params: ParamSet,
    expedited: bool = False,
    expedite_denied: dt.datetime | None = None,
    provider_indicates_jeopardy: bool = False,
    part_b_drug: bool = False,
    payment: bool = False,
    extension: Extension | None = None,
    affirmed: dt.datetime | None = None,
    missed: bool = False,
    oral_notice: dt.datetime | None = None,
    zone: str | None = None,
) -> list[Obligation]:
    """C13 standard (30 cd), C14 payment (60 cd), C15 Part B drug (7 cd), C16 expedited (72 h, +C19), C17 after a
    denied expedite (+C18), C22 extension notice, C20 confirmation of an oral favorable expedited decision, C21 the
    case file to the IRE: by the resolution limit for a standard affirmation or a missed standard deadline
    (§ 422.590(a)(2), (b)(2), (c)(2), (d)); 24 h after an expedited affirmation ((e)(5)); 24 h after a missed expedited
    deadline ((g))."""
    c = _clock(params, zone, None)
    rec = c.local(received, "receipt")
    _no_expedited_payment(c, payment, expedited, expedite_denied, "partc_no_expedite_payment",
                          "§ 422.584(a) excludes requests for payment of services already furnished")
    out: list[Obligation] = []
    granted = expedited and expedite_denied is None
    if expedite_denied is not None:
        denied = _expedite_denial(c, rec, expedite_denied, "C17", provider_indicates_jeopardy, _PHYSICIAN_JEOPARDY,
                                  c.view.rule_cite("partc_recon_must_expedite"))
        tf_id, key = decision_timeframe("partc_reconsideration", part_b_drug=part_b_drug)
        days = int(c.value(key))
        base = c.make(TIMEFRAMES["C17"], c.after_days(rec, days), rec, used={key: days},
                      start_event="the day the expedited request was received",
                      description=f"{TIMEFRAMES['C17'].obligation} - {days} calendar days ({tf_id})")
        out.append(c.obligation("C18", denied))
    else:
        tf_id, key = decision_timeframe("partc_reconsideration", expedited=expedited, payment=payment,
                                        part_b_drug=part_b_drug)
        base = c.obligation(tf_id, rec, key=key)
        if granted and not part_b_drug:
            out.append(c.obligation("C19", rec, condition=_NONCONTRACT_INFO))
    resolution = base
    if extension is not None:
        limit = c.cited("recon_extension_max_calendar_days")
        if part_b_drug or payment:
            raise RuleError(f"the {'Part B drug' if part_b_drug else 'payment'} reconsideration timeframe may not be "
                            "extended", limit.cite)
        _standard_extension(c, extension, limit, "partc_recon_extension_requesters")
        due, days, decided = _extend(c, extension, base, rec, limit)
        resolution = _extended(c, base, rec, due, days, limit)
        out.append(_extension_notice(c, "C22", due, rec, decided, resolution.params_used, _by_end_of_extension("C22")))
    out.append(resolution)
    out.append(_ire_forward(c, rec, resolution, granted, affirmed, missed))
    if oral_notice is not None and granted:
        out.append(_oral_followup(c, rec, oral_notice, "C20", "if the expedited reconsideration given orally was "
                                                              "completely favorable"))
    return _sorted(out)


def _ire_forward(c: _Clock, rec: dt.datetime, resolution: Obligation, expedited: bool, affirmed: dt.datetime | None,
                 missed: bool) -> Obligation:
    """C21: standard - by the resolution limit, affirmed or missed; expedited - 24 h after the affirmation, or 24 h after
    the expiry of the timeframe when it was missed (a pending expedited case lists it conditionally at affirmation)."""
    tf = TIMEFRAMES["C21"]
    if not expedited:
        return c.make(tf, resolution.due, rec, used=resolution.params_used, condition=None if missed else _AFFIRMED,
                      start_event=f"receipt of the request (within the {resolution.id} limit; a missed deadline is an "
                                  "affirmation)")
    if missed:
        hours = float(c.value("recon_missed_expedited_ire_forward_h"))
        return c.make(tf, c.after_hours(resolution.due, hours), resolution.due,
                      used={"recon_missed_expedited_ire_forward_h": hours},
                      start_event=f"expiry of the expedited timeframe ({resolution.id})")
    hours = float(c.value("recon_ire_forward_expedited_h"))
    if affirmed is None:
        return c.make(tf, c.after_hours(resolution.due, hours), resolution.due, used={"recon_ire_forward_expedited_h": hours},
                      start_event=f"affirmation (at the latest at the {resolution.id} limit)", condition=_AFFIRMED)
    aff = c.local(affirmed, "affirmation")
    _not_before(aff, rec, "the affirmation", c.cite("C21"))
    return c.make(tf, c.after_hours(aff, hours), aff, used={"recon_ire_forward_expedited_h": hours},
                  start_event="affirmation of the adverse expedited determination")


# --- grievances, §§ 422.564, 423.564 ---------------------------------------------------------------------------


@cites("42 CFR 422.564(e)", "42 CFR 422.564(f)", "42 CFR 423.564(e)", "42 CFR 423.564(f)")
def standard_grievance(
    part: Literal["C", "D"],
    received: dt.datetime,
    params: ParamSet,
    expedited: bool = False,
    extension: Extension | None = None,
    zone: str | None = None,
) -> list[Obligation]:
    """Part C: C24 (30 days, +14) / C26 (24 h) and C25; Part D: D15 (30 cd, +14) / D17 (24 h) and D16."""
    c = _clock(params, zone, None)
    rec = c.local(received, "receipt")
    resolve, fast, notice = ("C24", "C26", "C25") if part == "C" else ("D15", "D17", "D16")
    if expedited:
        if extension is not None:
            raise RuleError("an expedited grievance has no extension in the rule", c.cite(fast))
        return [c.obligation(fast, rec)]
    base = c.obligation(resolve, rec)
    if extension is None:
        return [base]
    limit = c.cited("partc_grievance_extension_calendar_days" if part == "C" else "partd_grievance_extension_calendar_days")
    _grievance_extension(c, extension, limit)
    due, days, decided = _extend(c, extension, base, rec, limit)
    out = [_extended(c, base, rec, due, days, limit)]
    if decided is not None:
        out.append(c.obligation(notice, decided))
    return _sorted(out)


@cites("42 CFR 422.564")
def partc_grievance(received: dt.datetime, params: ParamSet, expedited: bool = False, extension: Extension | None = None,
                    zone: str | None = None) -> list[Obligation]:
    """C24 standard Part C grievance (30 days, +14 days; C25 notice of the extension) or C26 expedited (24 h)."""
    return standard_grievance("C", received, params, expedited=expedited, extension=extension, zone=zone)


@cites("42 CFR 423.564")
def partd_grievance(received: dt.datetime, params: ParamSet, expedited: bool = False, extension: Extension | None = None,
                    zone: str | None = None) -> list[Obligation]:
    """D15 standard Part D grievance (30 cd, +14 cd; D16 notice of the extension) or D17 expedited (24 h)."""
    return standard_grievance("D", received, params, expedited=expedited, extension=extension, zone=zone)


# --- Part D redeterminations, §§ 423.580-423.590 -------------------------------------------------------------


@cites("42 CFR 423.584(d)", "42 CFR 423.590")
def partd_redetermination(
    received: dt.datetime,
    params: ParamSet,
    expedited: bool = False,
    expedite_denied: dt.datetime | None = None,
    provider_indicates_jeopardy: bool = False,
    payment: bool = False,
    oral_notice: dt.datetime | None = None,
    missed: bool = False,
    zone: str | None = None,
) -> list[Obligation]:
    """D6 standard (7 cd), D7 payment (14 cd), D8 expedited (72 h, +D11), D9 after a denied expedite (+D10), D12
    confirmation of an oral expedited decision, D13 forwarding to the IRE 24 h after a missed deadline."""
    c = _clock(params, zone, None)
    rec = c.local(received, "receipt")
    _no_expedited_payment(c, payment, expedited, expedite_denied, "partd_no_expedite_payment",
                          "§ 423.584(a) excludes requests for payment of drugs already furnished")
    out: list[Obligation] = []
    if expedite_denied is not None:
        denied = _expedite_denial(c, rec, expedite_denied, "D9", provider_indicates_jeopardy,
                                  "a prescriber indicated that the standard timeframe may seriously jeopardize the "
                                  "enrollee: the sponsor must expedite", c.view.rule_cite("partd_rd_must_expedite"))
        base = c.obligation("D9", rec, start_event="the day the expedited request was received")
        out.append(c.obligation("D10", denied))
    else:
        tf_id, key = decision_timeframe("partd_redetermination", expedited=expedited, payment=payment)
        base = c.obligation(tf_id, rec, key=key)
        if expedited:
            out.append(c.obligation("D11", rec, condition="if medical information is needed"))
    out.append(base)
    if missed:
        out.append(c.obligation("D13", base.due, start_event=f"expiry of the adjudication timeframe ({base.id})"))
    if oral_notice is not None and expedited and expedite_denied is None:
        out.append(_oral_followup(c, rec, oral_notice, "D12"))
    return _sorted(out)


# --- effectuation of reversals, §§ 422.618, 422.619, 423.636, 423.638 -----------------------------------------


@cites("42 CFR 422.590(c)(1)", "42 CFR 422.618", "42 CFR 422.619")
def partc_effectuation(
    params: ParamSet,
    reversed_by: Reverser,
    request_received: dt.datetime | None = None,
    notice_received: dt.datetime | None = None,
    expedited: bool = False,
    payment: bool = False,
    part_b_drug: bool = False,
    extended_due: dt.datetime | None = None,
    zone: str | None = None,
) -> list[Obligation]:
    """E1-E4: the plan's own reversal on reconsideration, from receipt of the reconsideration request (or the end of an
    extension); E5-E9: a reversal by the IRE, an ALJ or attorney adjudicator, or the Council, from receipt of its
    notice. Service 30 cd (E1), payment 60 cd (E2), Part B drug 7 cd (E3), expedited 72 h (E4); IRE 72 h / 14 cd (E5,
    E6), payment 30 cd (E7), expedited 72 h (E8); ALJ / Council 60 cd (E9)."""
    c = _clock(params, zone, None)
    if reversed_by == "state_fair_hearing":
        raise RuleError("a State fair hearing reverses Medicaid items of an applicable integrated plan (T27), not a "
                        "standard Part C reconsideration", c.view.rule_cite("partc_effectuation"))
    if reversed_by != "plan":
        if notice_received is None:
            raise RuleError("a reversal by the IRE or a higher level runs from the receipt of its notice: it is needed",
                            c.view.rule_cite("partc_effectuation"))
        return _higher_level_reversal(c, c.local(notice_received, "receipt of the reversal notice"), reversed_by,
                                      expedited, payment)
    if request_received is None:
        raise RuleError("the plan's own reversal runs from the receipt of the reconsideration request: it is needed",
                        c.view.rule_cite("partc_effectuation"))
    rec = c.local(request_received, "receipt of the reconsideration request")
    tf_id = "E2" if payment else "E3" if part_b_drug else "E4" if expedited else "E1"
    ob = c.obligation(tf_id, rec)
    if extended_due is not None and tf_id in ("E1", "E4"):
        ext = c.local(extended_due, "end of the extension")
        if calendar.utc(ext) > calendar.utc(ob.due):
            ob = ob.model_copy(update={"due": ext, "start_event": "end of the extension of the reconsideration"})
    return [ob]


@cites("42 CFR 423.636", "42 CFR 423.638")
def partd_effectuation(
    params: ParamSet,
    reversed_by: Reverser,
    request_received: dt.datetime | None = None,
    notice_received: dt.datetime | None = None,
    expedited: bool = False,
    payment: bool = False,
    zone: str | None = None,
) -> list[Obligation]:
    """E10-E13: the sponsor's own reversal on redetermination, from receipt of the redetermination request (benefit 7
    cd, payment authorized 14 cd and paid 30 cd, expedited 72 h); E14-E17: a reversal by the IRE or a higher level,
    from receipt of its notice (benefit 72 h, payment authorized 72 h and paid 30 cd, expedited 24 h)."""
    c = _clock(params, zone, None)
    if reversed_by == "state_fair_hearing":
        raise RuleError("a State fair hearing does not decide Part D appeals", c.view.rule_cite("partd_effectuation"))
    if reversed_by == "plan":
        if request_received is None:
            raise RuleError("the sponsor's own reversal runs from the receipt of the redetermination request: it is "
                            "needed", c.view.rule_cite("partd_effectuation"))
        rec = c.local(request_received, "receipt of the redetermination request")
        ids = ("E11", "E12") if payment else ("E13",) if expedited else ("E10",)
    else:
        if notice_received is None:
            raise RuleError("a reversal by the IRE or a higher level runs from the receipt of its notice: it is needed",
                            c.view.rule_cite("partd_effectuation"))
        rec = c.local(notice_received, "receipt of the reversal notice")
        ids = ("E15", "E16") if payment else ("E17",) if expedited else ("E14",)
    return _sorted([c.obligation(i, rec) for i in ids])
