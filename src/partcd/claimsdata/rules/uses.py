"""§ 423.153(g)(3), (g)(4) - purpose-limited use of the data (4185-P L3113-L3137; final text 84 FR 15841).

Every access to the data names a *purpose* and a *recipient*. :func:`decide_use` answers, with the citation:

1. a purpose of (g)(4)(i)-(iv) (coverage determinations, retroactive reviews of medically accepted indications,
   enrollment steering, marketing) - refused with its paragraph;
2. a purpose not among (g)(3)(i)-(vi) - refused: the sponsor "may only use or disclose the data ... for the following
   purposes";
3. a contractor not bound by the sponsor, or a downstream recipient not bound as the reading requires ((g)(4)(v):
   final text - by the contractor the sponsor required to bind it, or by the sponsor; proposal - by the sponsor) -
   refused;
4. otherwise permitted, citing the (g)(3) paragraph.

Eligibility ((g)(1)(ii), (iii): an approved, attested request not ended) is checked by the caller with
:func:`partcd.claimsdata.rules.requests.eligible` before any data leaves the store.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, computed_field

from partcd.claimsdata.rules.parameters import ClaimsDataParams, Party, Reading
from partcd.core.citation import Cite, cite_label, cites


class UseRequest(BaseModel):
    """The declared use of one access: purpose id, who receives the data, and who bound that recipient by contract."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    purpose: str = Field(min_length=1, max_length=60)
    recipient: Party = "sponsor"
    bound_by: Party | None = None


class UseDecision(BaseModel):
    """Permitted or refused, why, and the paragraph with its quote-checked citation."""

    model_config = ConfigDict(frozen=True)

    purpose: str
    permitted: bool
    paragraph: str
    reason: str
    cite: tuple[Cite, ...]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def citation(self) -> str:
        return cite_label(self.cite)


@cites("42 CFR 423.153(g)(3)", "42 CFR 423.153(g)(4)")
def decide_use(use: UseRequest, params: ClaimsDataParams, reading: Reading | None = None) -> UseDecision:
    """Whether ``use`` is allowed (§ 423.153(g)(3) L3113-L3125, (g)(4) L3127-L3137), with the paragraph that decides."""
    chosen: Reading = reading or params.reading_text
    forbidden = {p.id: p for p in params.forbidden_purposes_table.value}
    permitted = {p.id: p for p in params.permitted_purposes_table.value}
    if use.purpose in forbidden:
        p = forbidden[use.purpose]
        return UseDecision(purpose=use.purpose, permitted=False, paragraph=p.paragraph,
                           reason=f"the data may not be used to {p.title}", cite=p.cite)
    if use.purpose not in permitted:
        return UseDecision(purpose=use.purpose, permitted=False, paragraph="423.153(g)(3)",
                           reason=f"{use.purpose!r} is not a purpose of (g)(3); permitted: {', '.join(permitted)}",
                           cite=params.permitted_purposes_table.cite)
    p = permitted[use.purpose]
    if use.recipient != "sponsor":
        allowed = (params.contractors_bound_by_list if use.recipient == "contractor"
                   else params.downstream_bound_by(chosen))
        if use.bound_by not in allowed.value:
            who = use.bound_by or "nobody"
            return UseDecision(purpose=use.purpose, permitted=False, paragraph="423.153(g)(4)(v)",
                               reason=(f"a {use.recipient} recipient must be contractually bound by "
                                       f"{' or '.join(allowed.value)} to the terms of (g) ({chosen} reading); "
                                       f"bound by {who}"), cite=allowed.cite)
    return UseDecision(purpose=use.purpose, permitted=True, paragraph=p.paragraph, reason=f"permitted: {p.title}",
                       cite=p.cite)
