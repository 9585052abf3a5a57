"""The D-SNP area's typed parameter view (``params/<effective date>.yaml``; §§ 422.2, 422.107, 422.562(a)(5), 422.752(d)).

Code reads every regulatory value through :class:`DsnpParams` (``params.typed(DsnpParams)``); table rows carry their
own citations (:class:`partcd.core.params.CitedRow`), checked against the reference text by ``tests/law``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from partcd.core.citation import Cite
from partcd.core.errors import ParameterError
from partcd.core.params import Cited, CitedRow

IntegrationLevel = Literal["FIDE", "HIDE", "coordination_only", "non_compliant", "not_dsnp"]
TermScope = Literal["every_dsnp", "not_fide_or_hide", "applicable_integrated_plan"]
SanctionType = Literal["suspension_of_enrollment", "suspension_of_payment", "suspension_of_communication"]
CriterionId = Literal["admission_notification_term", "hide", "fide"]


class IntegrationCriterion(CitedRow):
    """One of the three § 422.2 integration criteria (L1967-L1971)."""

    id: CriterionId
    number: int = Field(ge=1, le=3)
    title: str


class ContractTerm(CitedRow):
    """A term the State Medicaid agency contract must document (§ 422.107(b)-(d)) and to which plans it applies."""

    paragraph: str
    title: str
    applies_to: TermScope


class AssistanceKind(CitedRow):
    """A kind of § 422.562(a)(5) help a record may list (the examples of (a)(5)(i) and (iii))."""

    paragraph: str
    title: str


class CmsIntegrationStatus(CitedRow):
    """A code of CMS's list of integrated D-SNPs and partcd's level for it (``id`` is CMS's code)."""

    level: IntegrationLevel
    title: str


class DsnpParams(BaseModel):
    """Every value of a ``dsnp`` parameter file; strict both ways (``tests/law``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    integration_criteria_table: Cited[tuple[IntegrationCriterion, ...]]
    contract_terms_table: Cited[tuple[ContractTerm, ...]]
    enrollment_sanction_mandatory_bool: Cited[bool]
    enrollment_sanction_window_text: Cited[str]
    enrollment_sanction_types_list: Cited[tuple[SanctionType, ...]]
    proposed_enrollment_sanction_types_list: Cited[tuple[SanctionType, ...]]
    enrollment_sanction_until_cms_satisfied_bool: Cited[bool]
    corrective_action_plan_required_bool: Cited[bool]
    noncompliance_consequence_text: Cited[str]
    admission_settings_list: Cited[tuple[str, ...]]
    admission_day_end_time_of_day: Cited[dt.time]
    admission_clock_start_default_text: Cited[Literal["admission", "plan_aware"]]
    admission_delegate_keeps_responsibility_bool: Cited[bool]
    assistance_examples_table: Cited[tuple[AssistanceKind, ...]]
    assistance_methods_offered_min_count: Cited[int]
    assistance_offer_review_calendar_days: Cited[int]
    assistance_representation_required_bool: Cited[bool]
    cms_integration_status_table: Cited[tuple[CmsIntegrationStatus, ...]]

    def term(self, term_id: str) -> ContractTerm:
        for row in self.contract_terms_table.value:
            if row.id == term_id:
                return row
        raise ParameterError("dsnp params", "contract_terms_table", f"no contract term {term_id!r}")

    def criterion(self, criterion_id: str) -> IntegrationCriterion:
        for row in self.integration_criteria_table.value:
            if row.id == criterion_id:
                return row
        raise ParameterError("dsnp params", "integration_criteria_table", f"no integration criterion {criterion_id!r}")

    def cms_status(self, code: str) -> CmsIntegrationStatus | None:
        for row in self.cms_integration_status_table.value:
            if row.id == code:
                return row
        return None


def first_cite(cites: tuple[Cite, ...]) -> Cite:
    """The first citation of a value or row (the paragraph a refusal names)."""
    return cites[0]
