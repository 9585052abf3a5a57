"""§§ 422.310(e), 422.311(a) - whether findings are extrapolated for a payment year, the recovery, the MARx offsets.

Law in force (CMS-4185-F2, 88 FR 6643; § 422.311(a)(2)): extrapolation for PY 2018 and later, none for PY 2011-2017,
no FFS Adjuster. The proposal (CMS-4185-P, reading ``proposed_2018``): extrapolation for PY 2011 forward (L2487, L2497),
sub-cohort extrapolation not before PY 2014 (L1219), no FFS Adjuster (L1247). Both are read from the payment year's
parameter file; nothing here compares years.

Recovery: with extrapolation, the chosen bound of the contract-level estimate (``recovery_bound_text``: the lower
limit by default); without it, the sampled enrollees' own errors only (enrollee-level adjustments, as for PY 2007,
L1193). Either way a negative net finding recovers nothing (MA organizations "remit improper payments", L2487). For
comparison the 2012 plan's FFS Adjuster (L1199: recover only errors above "a permissible level of payment error (for
example, a percentage of the total payments made on an MA contract in a given year)") is computed when a rate and the
contract's payments are given: ``max(0, bound - rate * payments)``.

MARx offsets (L1227): the recovery is taken from the monthly payment in the month the plan is notified, "spread across
adjustments for multiple months until the full amount is recovered" when it exceeds one month's payment.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from partcd.core.citation import Cite, cites
from partcd.core.errors import ConfigError, RuleError
from partcd.radv.rules.estimators import Extrapolation, StratumSample, stratified_mpu
from partcd.radv.rules.parameters import READINGS, AuditScope, RadvParams, Reading, RecoveryBound
from partcd.radv.rules.steps import Step, usd

CITE = Cite(cfr="42 CFR 422.311(a)")


class ExtrapolationDecision(BaseModel):
    """Whether findings of this audit may be extrapolated, and whether an FFS Adjuster applies, under a reading."""

    model_config = ConfigDict(frozen=True)

    payment_year: int
    reading: Reading
    audit_scope: AuditScope
    extrapolation_allowed: bool
    ffs_adjuster: bool
    reason: str
    citation: str


class Recovery(BaseModel):
    """The recovery of one audit: the law's figure and, for comparison, the figure with the 2012 FFS Adjuster."""

    model_config = ConfigDict(frozen=True)

    decision: ExtrapolationDecision
    basis: Literal["extrapolated", "sampled_enrollees_only"]
    recovery_bound: RecoveryBound
    bound_value: float
    sampled_enrollee_total: float
    recovery_without_ffs_adjuster: float
    recovery_with_ffs_adjuster: float | None
    ffs_adjuster_offset: float | None
    recovery: float
    steps: tuple[Step, ...]


class MonthlyOffset(BaseModel):
    """One month's MARx offset: ``min(remaining, payment)`` (L1227)."""

    model_config = ConfigDict(frozen=True)

    month_index: int
    payment: float
    offset: float
    remaining_after: float


@cites("42 CFR 422.310(e)", "42 CFR 422.311(a)")
def extrapolation_decision(payment_year: int, params: RadvParams, reading: Reading = "in_force",
                           audit_scope: AuditScope = "contract") -> ExtrapolationDecision:
    """May this payment year's findings be extrapolated (§ 422.311(a)(2) as finalized; proposed L2487, L2497, L1219)?"""
    if reading not in READINGS:
        raise ConfigError(f"reading must be one of {', '.join(READINGS)}, got {reading!r}")
    if audit_scope not in ("contract", "sub_cohort"):
        raise ConfigError(f"audit scope must be contract or sub_cohort, got {audit_scope!r}")
    if reading == "in_force":
        allowed = params.extrapolation_allowed_bool
        reason = (f"PY {payment_year}, final rule: findings {'may' if allowed else 'may not'} be extrapolated "
                  f"(any statistically valid method, contract or sub-cohort) - "
                  f"{'extrapolated' if allowed else 'enrollee-level only'}")
        citation = "42 CFR 422.311(a)(2) (CMS-4185-F2, 88 FR 6643, 6665)"
        ffs = params.ffs_adjuster_bool
    else:
        allowed = params.proposed_extrapolation_allowed_bool and (
            audit_scope == "contract" or params.proposed_sub_cohort_extrapolation_bool)
        scope = "contract-level" if audit_scope == "contract" else "sub-cohort (L1207, L1219)"
        reason = (f"PY {payment_year}, proposal: {scope} findings {'may' if allowed else 'may not'} be extrapolated - "
                  f"{'extrapolated' if allowed else 'enrollee-level only'}")
        citation = "42 CFR 422.310(e), 422.311(a) as proposed (CMS-4185-P L2487, L2497, L1219)"
        ffs = params.proposed_ffs_adjuster_bool
    return ExtrapolationDecision(payment_year=payment_year, reading=reading, audit_scope=audit_scope,
                                 extrapolation_allowed=allowed, ffs_adjuster=ffs, reason=reason, citation=citation)


@cites("42 CFR 422.310(e)", "42 CFR 422.311(a)")
def contract_recovery(estimate: Extrapolation, sampled_errors: Sequence[float], payment_year: int, params: RadvParams,
                      reading: Reading = "in_force", audit_scope: AuditScope = "contract",
                      recovery_bound: RecoveryBound | None = None, ffs_adjuster_rate: float | None = None,
                      contract_payments_usd: float | None = None) -> Recovery:
    """Recovery of an audit (§§ 422.310(e), 422.311(a)): the bound, or the sampled errors when not extrapolated.

    ``ffs_adjuster_rate`` (a fraction of ``contract_payments_usd``) gives the comparison figure of the 2012 plan
    (L1199); it enters the law's figure only if the reading has an FFS Adjuster (neither reading does).
    """
    decision = extrapolation_decision(payment_year, params, reading, audit_scope)
    bound_kind: RecoveryBound = recovery_bound or params.recovery_bound_text
    if bound_kind not in ("lower_limit", "point"):
        raise ConfigError(f"recovery bound must be lower_limit or point, got {bound_kind!r}")
    errors = [float(e) for e in sampled_errors]
    if any(not math.isfinite(e) for e in errors):
        raise RuleError("sampled payment errors must be finite numbers", CITE)
    if len(errors) != estimate.n:
        raise RuleError(f"{len(errors)} sampled errors given for an estimate from {estimate.n} units", CITE)
    bound = estimate.lower_limit if bound_kind == "lower_limit" else estimate.point_estimate
    sample_total = sum(errors)
    with_adj: float | None = None
    offset: float | None = None
    if (ffs_adjuster_rate is None) != (contract_payments_usd is None):
        raise ConfigError("the FFS Adjuster comparison needs both a rate and the contract's total payments")
    if ffs_adjuster_rate is not None and contract_payments_usd is not None:
        if not (0.0 <= ffs_adjuster_rate < 1.0) or not (math.isfinite(contract_payments_usd)
                                                         and contract_payments_usd >= 0):
            raise ConfigError("FFS Adjuster rate must be in [0, 1) and contract payments a finite amount >= 0")
        offset = ffs_adjuster_rate * contract_payments_usd
    steps = [Step(label="extrapolation", formula=decision.citation, computation=decision.reason)]
    if decision.extrapolation_allowed:
        basis: Literal["extrapolated", "sampled_enrollees_only"] = "extrapolated"
        without = max(0.0, bound)
        steps.append(Step(label="recovery without FFS Adjuster", formula=f"max(0, {bound_kind})",
                          computation=f"max(0, {usd(bound)})", value=without))
        if offset is not None:
            with_adj = max(0.0, bound - offset)
            steps.append(Step(label="recovery with FFS Adjuster (2012 plan, comparison)",
                              formula="max(0, bound - rate x contract payments)",
                              computation=f"max(0, {usd(bound)} - {ffs_adjuster_rate} x {usd(contract_payments_usd)})",
                              value=with_adj))
    else:
        basis = "sampled_enrollees_only"
        without = max(0.0, sample_total)
        steps.append(Step(label="recovery (sampled enrollees only)", formula="max(0, sum of sampled errors)",
                          computation=f"max(0, {usd(sample_total)}) over {len(errors)} enrollees", value=without))
        if offset is not None:
            with_adj = without
            steps.append(Step(label="FFS Adjuster (comparison)", formula="offsets only extrapolated recoveries (L1199)",
                              computation="no extrapolation: nothing to offset", value=with_adj))
    law = with_adj if decision.ffs_adjuster and with_adj is not None else without
    steps.append(Step(label="recovery", formula="FFS Adjuster " + ("applied" if decision.ffs_adjuster else "not applied"),
                      computation=decision.reading, value=law))
    return Recovery(decision=decision, basis=basis, recovery_bound=bound_kind, bound_value=bound,
                    sampled_enrollee_total=sample_total, recovery_without_ffs_adjuster=without,
                    recovery_with_ffs_adjuster=with_adj, ffs_adjuster_offset=offset, recovery=law, steps=tuple(steps))


@cites("42 CFR 422.310(e)")
def marx_offsets(recovery_usd: float, monthly_payments_usd: Sequence[float]) -> list[MonthlyOffset]:
    """MARx offsets (L1227): month k takes ``min(remaining, payment_k)`` until the recovery is paid.

    Refuses (RuleError) when the given months cannot absorb the whole recovery: more months are needed.
    """
    if not (math.isfinite(recovery_usd) and recovery_usd >= 0):
        raise RuleError("recovery must be a finite amount >= 0", CITE)
    remaining = recovery_usd
    out: list[MonthlyOffset] = []
    for i, payment in enumerate(monthly_payments_usd, start=1):
        if remaining <= 0:
            break
        if not (math.isfinite(payment) and payment >= 0):
            raise RuleError(f"monthly payment {i} must be a finite amount >= 0", CITE)
        take = min(remaining, payment)
        remaining = remaining - take
        out.append(MonthlyOffset(month_index=i, payment=payment, offset=take, remaining_after=remaining))
    if remaining > 0:
        raise RuleError(f"{usd(remaining)} still to recover after {len(out)} monthly payments; give more months", CITE)
    return out


class RadvAudit(BaseModel):
    """A contract audit computed with the payment year's parameters: the estimate and the recovery."""

    model_config = ConfigDict(frozen=True)

    estimate: Extrapolation
    recovery: Recovery


@cites("42 CFR 422.310(e)", "42 CFR 422.311(a)")
def radv_recovery(strata: Sequence[StratumSample], payment_year: int, params: RadvParams, reading: Reading = "in_force",
                  audit_scope: AuditScope = "contract", ffs_adjuster_rate: float | None = None,
                  contract_payments_usd: float | None = None) -> RadvAudit:
    """A stratified RADV audit end to end with the payment year's settings (L1197; § 422.311(a)(2) as finalized).

    Confidence (99 %), sidedness, df convention and FPC come from ``params``; then :func:`contract_recovery`.
    """
    estimate = stratified_mpu(strata, params.confidence, params.sidedness_text, params.df_method_text, params.fpc_bool)
    errors = [y for s in strata for y in s.values]
    recovery = contract_recovery(estimate, errors, payment_year, params, reading, audit_scope,
                                 ffs_adjuster_rate=ffs_adjuster_rate, contract_payments_usd=contract_payments_usd)
    return RadvAudit(estimate=estimate, recovery=recovery)
