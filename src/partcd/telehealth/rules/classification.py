"""§ 422.135(a)-(f) - is a service furnished through electronic exchange an additional telehealth benefit?
(4185-P L2135-L2163; final text 84 FR 15829).

The rule as a decision list (spec integrity.md §3.4, "Classification rule"):

1. not a Part B service -> supplemental (a dental visit by video, L135);
2. payable under section 1834(m) -> original Medicare telehealth, a basic benefit but not an *additional* one;
3. not identified by the plan for the year as clinically appropriate -> supplemental;
4. (final text) practitioner in the enrollee's location -> not telehealth at all (an in-person service);
5. non-contracted provider -> supplemental only (§ 422.135(d));
6. a requirement of § 422.135(c) unmet -> supplemental, subject to CMS approval (§ 422.135(b));
7. otherwise an additional telehealth benefit: a basic benefit (§ 422.100(c)(1)) the plan may put in its bid for basic
   benefits (§ 422.135(e)) without capital and infrastructure costs (§ 422.254(b)(3)(i)), with cost sharing that may
   differ from the in-person visit (§ 422.135(f)).

The conditions, their order, their readings and their citations are rows of the parameter file, so the classification
cites the quote-checked text. Every condition is evaluated and reported (a user sees all gaps at once); the first
failing one decides.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from partcd.core.citation import Cite, cite_label, cites
from partcd.core.errors import InputError
from partcd.telehealth.rules.parameters import Category, Condition, Reading, TelehealthParams

#: A readable title of each category.
CATEGORY_TITLES: dict[str, str] = {
    "additional_telehealth_benefit": "additional telehealth benefit (basic benefit)",
    "original_medicare_telehealth": "original Medicare telehealth under section 1834(m) (basic benefit)",
    "supplemental": "supplemental benefit (§ 422.102, CMS approval)",
    "in_person": "in-person service (not furnished through electronic exchange)",
}


class TelehealthService(BaseModel):
    """The facts of one service the plan furnishes through electronic exchange (one row of a services file)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    service_id: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = Field(default="", max_length=200)
    part_b_benefit: bool
    payable_under_1834m: bool = False
    identified_clinically_appropriate: bool
    practitioner_at_distant_site: bool = True
    contracted_provider: bool
    in_person_access_at_election: bool
    offered_as: Category | None = Field(default=None, description="how the plan treats it in its bid, to be checked")


class PlanCompliance(BaseModel):
    """The plan-level requirements of § 422.135(c) (each true when the plan meets it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enrollees_advised_of_choice: bool
    advice_in_evidence_of_coverage: bool = False
    provider_directory_identifies: bool = False
    credentialing_and_state_licensing: bool
    information_available_to_cms: bool


class Check(BaseModel):
    """One condition as evaluated: passed or not, why, and the quote-checked citation."""

    model_config = ConfigDict(frozen=True)

    id: str
    paragraph: str
    title: str
    passed: bool
    on_failure: Category
    citation: str


class Classification(BaseModel):
    """The category of one service, what follows for the bid, and every condition with its citation."""

    model_config = ConfigDict(frozen=True)

    service_id: str
    reading: Reading
    category: Category
    category_title: str
    basic_benefit: bool
    cms_approval_required: bool
    capital_infrastructure_excluded: bool
    cost_sharing_may_differ: bool
    decided_by: str | None
    reason: str
    citation: str
    checks: tuple[Check, ...]
    offered_as: Category | None = None
    consistent_with_offer: bool | None = None


def _fact(condition: Condition, service: TelehealthService, plan: PlanCompliance) -> bool:
    if condition.fact == "not_payable_under_1834m":
        return not service.payable_under_1834m
    source: BaseModel = service if condition.fact in TelehealthService.model_fields else plan
    return bool(getattr(source, condition.fact))


@cites("42 CFR 422.135(a)", "42 CFR 422.135(b)", "42 CFR 422.135(c)", "42 CFR 422.135(d)", "42 CFR 422.135(e)",
       "42 CFR 422.135(f)", "42 CFR 422.100(c)(1)", "42 CFR 422.254(b)(3)(i)")
def classify(service: TelehealthService, plan: PlanCompliance, params: TelehealthParams,
             reading: Reading | None = None) -> Classification:
    """The category of ``service`` under § 422.135 (4185-P L2137-L2163; 84 FR 15829), with every condition checked.

    ``reading`` picks the final text (default of the period file) or the proposal. The first failing condition decides
    (its ``on_failure``); with none failing the service is an additional telehealth benefit.
    """
    chosen: Reading = reading or params.reading_text
    checks = tuple(Check(id=c.id, paragraph=c.paragraph, title=c.title, passed=_fact(c, service, plan),
                         on_failure=c.on_failure, citation=c.citation) for c in params.conditions(chosen))
    failed = next((c for c in checks if not c.passed), None)
    category: Category = failed.on_failure if failed else "additional_telehealth_benefit"
    atb = category == "additional_telehealth_benefit"
    if failed is None:
        reason = ("meets every condition of § 422.135: a basic benefit that may be bid as such, without its capital "
                  "and infrastructure costs")
        cite: tuple[Cite, ...] = (*params.basic_benefit_bool.cite, *params.capital_infrastructure_excluded_bool.cite)
        citation = cite_label(cite)
    else:
        reason = f"fails § {failed.paragraph} ({failed.title}): {CATEGORY_TITLES[category]}"
        citation = failed.citation
        if category == "supplemental":
            citation = "; ".join((citation, params.supplemental_needs_cms_approval_bool.citation))
    consistent = None if service.offered_as is None else service.offered_as == category
    return Classification(
        service_id=service.service_id, reading=chosen, category=category, category_title=CATEGORY_TITLES[category],
        basic_benefit=category != "supplemental",
        cms_approval_required=category == "supplemental" and params.supplemental_needs_cms_approval_bool.value,
        capital_infrastructure_excluded=atb and params.capital_infrastructure_excluded_bool.value,
        cost_sharing_may_differ=atb and params.cost_sharing_may_differ_bool.value,
        decided_by=failed.id if failed else None, reason=reason, citation=citation, checks=checks,
        offered_as=service.offered_as, consistent_with_offer=consistent)


@cites("42 CFR 422.135(b)", "42 CFR 422.135(e)")
def classify_all(services: list[TelehealthService], plan: PlanCompliance, params: TelehealthParams,
                 reading: Reading | None = None) -> list[Classification]:
    """Every service of a plan (§ 422.135(b), (e); L2145, L2161); service ids must be unique."""
    seen: set[str] = set()
    out = []
    for service in services:
        if service.service_id in seen:
            raise InputError("services", None, "service_id", f"duplicate service_id {service.service_id!r}")
        seen.add(service.service_id)
        out.append(classify(service, plan, params, reading))
    return out
