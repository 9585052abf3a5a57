"""§ 422.562(a)(5) - the D-SNP's duty to offer, and on acceptance to give, help with Medicaid services, grievances
and appeals; checked per record (4185-P L2586-L2612).

The offer is owed whenever the plan becomes aware of an enrollee's need for a Medicaid-covered service, without a
request ((a)(5)(ii)); if the enrollee accepts, the help must be given ((a)(5)(i)), by multiple methods ((a)(5)(iii));
representing the enrollee is not required ((a)(5)(v)). The rule sets no number of days: a late offer is only
listed for review (``assistance_offer_review_calendar_days``).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from partcd.core.citation import Cite, cite_label, cites
from partcd.core.errors import RuleError
from partcd.dsnp.rules.parameters import DsnpParams

Response = Literal["pending", "accepted", "declined", "no_response"]
Status = Literal["compliant", "review", "non_compliant"]
#: The ways an offer or help may be given (the rule names none; "multiple methods" is read against this list).
Method = Literal["telephone", "in_person", "mail", "electronic", "care_coordinator", "interpreter"]
METHODS: tuple[str, ...] = get_args(Method)
CITE_OFFER = Cite(cfr="42 CFR 422.562(a)(5)(ii)", source="cms-4185-p", line=2602,
                  quote="whenever it becomes aware of an enrollee's need for a Medicaid-covered service")
CITE_PROVIDE = Cite(cfr="42 CFR 422.562(a)(5)(i)", source="cms-4185-p", line=2588,
                    quote="If the enrollee accepts the offer of assistance, the plan must provide the assistance")


class AssistanceRecord(BaseModel):
    """What a case's Medicaid-assistance record says (dates are the plan's local dates)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    need_identified_on: dt.date
    need: str = Field(default="", max_length=500)
    offered_on: dt.date | None = None
    methods_offered: tuple[Method, ...] = ()
    response: Response = "pending"
    response_on: dt.date | None = None
    provided_on: dt.date | None = None
    kinds_provided: tuple[str, ...] = ()
    represented_enrollee: bool = False


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    severity: Literal["non_compliant", "review", "note"]
    text: str
    citation: str


class AssistanceCheck(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: Status
    days_to_offer: int | None
    findings: tuple[Finding, ...]


@cites("42 CFR 422.562(a)(5)")
def assistance_check(record: AssistanceRecord, params: DsnpParams, today: dt.date) -> AssistanceCheck:
    """Offer made? Help given after acceptance? Methods and kinds of help named? As of ``today``."""
    kinds = {k.id for k in params.assistance_examples_table.value}
    unknown = sorted(set(record.kinds_provided) - kinds - {"other"})
    if unknown:
        raise RuleError(f"unknown kind of assistance {', '.join(unknown)}; known: {', '.join(sorted(kinds))}, other",
                        params.assistance_examples_table.cite[0])
    findings: list[Finding] = []
    days: int | None = None
    for name, day in (("offered_on", record.offered_on), ("response_on", record.response_on),
                      ("provided_on", record.provided_on)):
        if day is not None and day < record.need_identified_on:
            raise RuleError(f"{name} {day} is before the plan became aware of the need ({record.need_identified_on})",
                            CITE_OFFER)
        if day is not None and day > today:
            raise RuleError(f"{name} {day} is in the future (today {today})", CITE_OFFER)
    if record.offered_on is None:
        findings.append(Finding(code="offer_missing", severity="non_compliant", citation=CITE_OFFER.label(),
                                text="no offer of assistance recorded since the plan became aware of the need"))
    else:
        days = (record.offered_on - record.need_identified_on).days
        review = params.assistance_offer_review_calendar_days
        if days > review.value:
            findings.append(Finding(code="offer_slow", severity="review", citation=review.citation,
                                    text=f"offer {days} days after the plan became aware (review above {review.value})"))
        need = params.assistance_methods_offered_min_count
        if len(set(record.methods_offered)) < need.value:
            findings.append(Finding(code="few_methods", severity="review", citation=need.citation,
                                    text=f"{len(set(record.methods_offered))} method(s) offered; the reading of "
                                         f"'multiple methods' expects at least {need.value}"))
    if record.response == "accepted" and record.provided_on is None:
        findings.append(Finding(code="assistance_owed", severity="non_compliant", citation=CITE_PROVIDE.label(),
                                text="the enrollee accepted the offer and no assistance is recorded as given"))
    if record.provided_on is not None and record.response != "accepted":
        raise RuleError("assistance recorded as given without an accepted offer", CITE_PROVIDE)
    if record.provided_on is not None and not record.kinds_provided:
        findings.append(Finding(code="kinds_missing", severity="review",
                                citation=cite_label(params.assistance_examples_table.cite),
                                text="the help given is not described (which kinds of assistance)"))
    if record.represented_enrollee:
        findings.append(Finding(code="representation", severity="note",
                                citation=params.assistance_representation_required_bool.citation,
                                text="the plan represented the enrollee; § 422.562(a)(5)(v) does not require it"))
    severities = {f.severity for f in findings}
    status: Status = "non_compliant" if "non_compliant" in severities else "review" if "review" in severities else "compliant"
    return AssistanceCheck(status=status, days_to_offer=days, findings=tuple(findings))
