"""§ 422.107(b)-(d) - the State Medicaid agency contract checklist: each required term with its evidence (4185-P
L2094-L2110; current text of (a)-(c)(9) from the CFR).

Which terms a contract must document depends on the plan: (b) and (c)(1)-(c)(8) every D-SNP; (c)(9) an applicable
integrated plan; (d) the admission-notification term a D-SNP that is neither FIDE nor HIDE (L2106). A term is
``documented`` when at least one evidence record points at the contract text that carries it, ``missing`` when it
applies and nothing does, ``not_applicable`` otherwise. Evidence for a term that does not apply is kept and shown.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from partcd.core.citation import cite_label, cites
from partcd.dsnp.rules.parameters import ContractTerm, DsnpParams, IntegrationLevel

TermState = Literal["documented", "missing", "not_applicable"]


class EvidenceRef(BaseModel):
    """Where a term stands in the State contract: the document and the section, page or clause."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    term_id: str = Field(min_length=1, max_length=60)
    document: str = Field(min_length=1, max_length=300)
    location: str = Field(default="", max_length=200)
    evidence_id: int | None = None


class TermStatus(BaseModel):
    """One required term: does it apply to this plan, and is it documented."""

    model_config = ConfigDict(frozen=True)

    term_id: str
    paragraph: str
    title: str
    applies: bool
    state: TermState
    evidence: tuple[EvidenceRef, ...]
    citation: str


class Checklist(BaseModel):
    """The § 422.107 checklist of one State contract for one plan year."""

    model_config = ConfigDict(frozen=True)

    integration_level: IntegrationLevel
    applicable_integrated_plan: bool
    terms: tuple[TermStatus, ...]
    complete: bool
    missing: tuple[str, ...]
    minimum_contents_documented: bool
    admission_term_documented: bool
    unknown_terms: tuple[str, ...]


def _applies(term: ContractTerm, level: IntegrationLevel, aip: bool) -> bool:
    if term.applies_to == "every_dsnp":
        return True
    if term.applies_to == "applicable_integrated_plan":
        return aip
    return level not in ("FIDE", "HIDE")


@cites("42 CFR 422.107(b)", "42 CFR 422.107(c)", "42 CFR 422.107(d)")
def contract_checklist(evidence: list[EvidenceRef], params: DsnpParams, integration_level: IntegrationLevel = "coordination_only",
                       applicable_integrated_plan: bool = False) -> Checklist:
    """Each § 422.107 term (a cited row of ``contract_terms_table``) with its evidence and whether it applies.

    ``minimum_contents_documented`` answers the D-SNP definition's "a contract ... that meets the minimum requirements
    in § 422.107(c)" (L1965) from the terms every D-SNP needs; ``admission_term_documented`` is integration criterion
    (1) (L1967), whatever the plan's level.
    """
    terms = params.contract_terms_table.value
    known = {t.id for t in terms}
    rows: list[TermStatus] = []
    for term in terms:
        found = tuple(e for e in evidence if e.term_id == term.id)
        applies = _applies(term, integration_level, applicable_integrated_plan)
        state: TermState = "documented" if found else ("missing" if applies else "not_applicable")
        rows.append(TermStatus(term_id=term.id, paragraph=term.paragraph, title=term.title, applies=applies, state=state,
                               evidence=found, citation=cite_label(term.cite)))
    missing = tuple(r.term_id for r in rows if r.state == "missing")
    every = [r for r, t in zip(rows, terms, strict=True) if t.applies_to == "every_dsnp"]
    admission = [r for r, t in zip(rows, terms, strict=True) if t.applies_to == "not_fide_or_hide"]
    return Checklist(
        integration_level=integration_level, applicable_integrated_plan=applicable_integrated_plan, terms=tuple(rows),
        complete=not missing, missing=missing,
        minimum_contents_documented=all(r.state == "documented" for r in every),
        admission_term_documented=bool(admission) and all(r.evidence for r in admission),
        unknown_terms=tuple(sorted({e.term_id for e in evidence} - known)),
    )
