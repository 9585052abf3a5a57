"""§ 422.310(e) - one sampled enrollee's payment error from submitted vs. validated HCCs (4185-P L1189, L1197).

"Risk adjustment discrepancies are identified when the enrollee's HCCs used for payment (based upon MA
organization-submitted data) differ from the HCCs assigned based on the medical record" (L1189); "payment errors would
be calculated for each selected enrollee based on the number of months the person was enrolled in the selected MA
contract (and was not in ESRD or hospice status) during the payment year" (L1197).

The CMS-HCC model is INPUT data (:class:`HccModel`: coefficients, hierarchies, HCC x HCC interactions, normalization
factor, MA coding-intensity adjustment of the payment year's Rate Announcement) - the rule prints none of it, and the
model version and payment-year factors differ per audited year. Computation:

* ``raw = demographic_score + sum(coefficient[h] for h in hierarchy(hccs)) + sum(interactions present)``;
* ``payment factor = raw * (1 - coding_intensity) / normalization``;
* ``payment error = sum over eligible PY months of base_rate_m * (factor_submitted - factor_validated)``.

Which record-supported HCCs count (``offset_additional_hccs_text``, OQ-R4): ``none`` - only HCCs the plan submitted
can be validated; ``same_enrollee_substantiated`` - HCCs the plan never submitted also count when at least one
submitted HCC of the same enrollee is substantiated; ``all`` - the record-based profile as it stands. With
``net_underpayments_bool`` false, an enrollee's negative error is floored at 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field, field_validator

from partcd.core.citation import Cite, cites
from partcd.core.errors import RuleError
from partcd.radv.rules.parameters import AdditionalHccOffset, RadvParams
from partcd.radv.rules.steps import Step, num, usd

CITE = Cite(cfr="42 CFR 422.310(e)")


class Interaction(BaseModel):
    """An HCC x HCC interaction term: ``coefficient`` is added when every HCC of ``hccs`` survives the hierarchy."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1)
    hccs: frozenset[str] = Field(min_length=2)
    coefficient: float


class HccModel(BaseModel):
    """A CMS-HCC model version with one payment year's normalization and coding-intensity factors (input data)."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1)
    coefficients: Mapping[str, float]
    hierarchies: Mapping[str, frozenset[str]] = Field(default_factory=dict)
    interactions: tuple[Interaction, ...] = ()
    normalization_factor: float = Field(gt=0)
    coding_intensity_adjustment: float = Field(ge=0, lt=1)

    @field_validator("coefficients")
    @classmethod
    def _finite(cls, coefficients: Mapping[str, float]) -> Mapping[str, float]:
        bad = [h for h, c in coefficients.items() if not math.isfinite(c)]
        if bad:
            raise ValueError(f"coefficient of {bad[0]} is not a finite number")
        return coefficients


class RiskScore(BaseModel):
    """A risk score with its parts: HCCs kept by the hierarchy, their terms, interactions, raw and payment factor."""

    model_config = ConfigDict(frozen=True)

    hccs: tuple[str, ...]
    dropped_by_hierarchy: tuple[str, ...]
    hcc_terms: dict[str, float]
    interaction_terms: dict[str, float]
    demographic_score: float
    raw_score: float
    payment_factor: float


class AuditedEnrollee(BaseModel):
    """A sampled enrollee after medical record review.

    ``submitted_hccs``: HCCs from the plan's RAPS/EDS submissions (before hierarchies); ``validated_hccs``: HCCs the
    medical records support; ``monthly_base_rates_usd``: one base rate per payment-year month the enrollee was in the
    contract and not in ESRD or hospice status (L1197).
    """

    model_config = ConfigDict(frozen=True)

    enrollee_id: str = Field(min_length=1)
    demographic_score: float = Field(ge=0)
    submitted_hccs: frozenset[str]
    validated_hccs: frozenset[str]
    monthly_base_rates_usd: tuple[float, ...] = Field(max_length=12)


class EnrolleeError(BaseModel):
    """The enrollee's payment error and how it was reached."""

    model_config = ConfigDict(frozen=True)

    enrollee_id: str
    submitted: RiskScore
    validated: RiskScore
    unsupported_hccs: tuple[str, ...]
    credited_additional_hccs: tuple[str, ...]
    months: int
    base_rate_total_usd: float
    payment_error_usd: float
    steps: tuple[Step, ...]


@cites("42 CFR 422.310(e)")
def risk_score(hccs: frozenset[str], model: HccModel, demographic_score: float) -> RiskScore:
    """Risk score of an HCC profile under ``model`` (hierarchies, then coefficients and interactions; L1183, L1187)."""
    unknown = sorted(h for h in hccs if h not in model.coefficients)
    if unknown:
        raise RuleError(f"HCC {unknown[0]} has no coefficient in model {model.name}", CITE)
    dropped = {low for high in hccs for low in model.hierarchies.get(high, frozenset()) if low in hccs}
    kept = tuple(sorted(hccs - dropped, key=_hcc_order))
    terms = {h: float(model.coefficients[h]) for h in kept}
    inter = {i.name: i.coefficient for i in model.interactions if i.hccs <= set(kept)}
    raw = demographic_score + sum(terms.values()) + sum(inter.values())
    factor = raw * (1.0 - model.coding_intensity_adjustment) / model.normalization_factor
    return RiskScore(hccs=kept, dropped_by_hierarchy=tuple(sorted(dropped, key=_hcc_order)), hcc_terms=terms,
                     interaction_terms=inter, demographic_score=demographic_score, raw_score=raw,
                     payment_factor=factor)


def credited_hccs(submitted: frozenset[str], validated: frozenset[str], offset: AdditionalHccOffset) -> frozenset[str]:
    """The record-supported HCCs that count for the validated profile under the offset setting (OQ-R4)."""
    substantiated = validated & submitted
    if offset == "all":
        return validated
    if offset == "same_enrollee_substantiated":
        return validated if substantiated else substantiated
    return substantiated


@cites("42 CFR 422.310(e)", "42 CFR 422.311(a)")
def enrollee_payment_error(enrollee: AuditedEnrollee, model: HccModel, params: RadvParams) -> EnrolleeError:
    """Payment error of one sampled enrollee (§ 422.310(e); L1189, L1197): months x (submitted - validated factor)."""
    rates = enrollee.monthly_base_rates_usd
    if any(not math.isfinite(r) or r < 0 for r in rates):
        raise RuleError(f"enrollee {enrollee.enrollee_id}: monthly base rates must be finite and >= 0", CITE)
    sub = risk_score(enrollee.submitted_hccs, model, enrollee.demographic_score)
    counted = credited_hccs(enrollee.submitted_hccs, enrollee.validated_hccs, params.offset_additional_hccs_text)
    val = risk_score(counted, model, enrollee.demographic_score)
    rate_total = float(sum(rates))
    diff = sub.payment_factor - val.payment_factor
    gross = rate_total * diff
    error = gross if params.net_underpayments_bool or gross > 0 else 0.0
    unsupported = tuple(sorted(enrollee.submitted_hccs - enrollee.validated_hccs, key=_hcc_order))
    additional = tuple(sorted(counted - enrollee.submitted_hccs, key=_hcc_order))
    norm = f"(1 - {num(model.coding_intensity_adjustment)}) / {num(model.normalization_factor)}"
    steps = (
        Step(label="submitted HCCs", formula="hierarchy applied, coefficients summed (+ demographic score)",
             computation=_score_text(sub), value=sub.raw_score),
        Step(label="validated HCCs", formula=f"record-supported HCCs counted under offset "
                                             f"'{params.offset_additional_hccs_text}'",
             computation=_score_text(val) + (f"; unsupported: {', '.join(unsupported)}" if unsupported else ""),
             value=val.raw_score),
        Step(label="payment factors", formula=f"raw x {norm}",
             computation=f"submitted {num(sub.payment_factor)}, validated {num(val.payment_factor)}", value=diff),
        Step(label="months", formula="payment-year months in the contract, not ESRD or hospice",
             computation=f"{len(rates)} months, base rates total {usd(rate_total)}", value=float(len(rates))),
        Step(label="payment error", formula="sum_m base_rate_m x (factor_submitted - factor_validated)"
                                            + ("" if params.net_underpayments_bool else ", floored at 0"),
             computation=f"{usd(rate_total)} x {num(diff)}", value=error),
    )
    return EnrolleeError(enrollee_id=enrollee.enrollee_id, submitted=sub, validated=val, unsupported_hccs=unsupported,
                         credited_additional_hccs=additional, months=len(rates), base_rate_total_usd=rate_total,
                         payment_error_usd=error, steps=steps)


@cites("42 CFR 422.310(e)")
def payment_error_from_scores(submitted_payment_factor: float, validated_payment_factor: float,
                              monthly_base_rates_usd: Sequence[float], params: RadvParams) -> float:
    """Payment error from two precomputed payment factors (e.g. from CMS's own software): L1197."""
    rates = [float(r) for r in monthly_base_rates_usd]
    if len(rates) > 12 or any(not math.isfinite(r) or r < 0 for r in rates):
        raise RuleError("monthly base rates: at most 12, each finite and >= 0", CITE)
    if not (math.isfinite(submitted_payment_factor) and math.isfinite(validated_payment_factor)):
        raise RuleError("payment factors must be finite numbers", CITE)
    gross = sum(rates) * (submitted_payment_factor - validated_payment_factor)
    return gross if params.net_underpayments_bool or gross > 0 else 0.0


def _score_text(score: RiskScore) -> str:
    parts = [f"demographic {num(score.demographic_score)}"]
    parts += [f"{h} {num(c)}" for h, c in score.hcc_terms.items()]
    parts += [f"{n} {num(c)}" for n, c in score.interaction_terms.items()]
    dropped = f" (dropped by hierarchy: {', '.join(score.dropped_by_hierarchy)})" if score.dropped_by_hierarchy else ""
    return " + ".join(parts) + dropped


def _hcc_order(hcc: str) -> tuple[int, str]:
    digits = "".join(ch for ch in hcc if ch.isdigit())
    return (int(digits) if digits else 0, hcc)
