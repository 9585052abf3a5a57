"""§§ 422.222(a)(1), 423.120(c)(6)(i)-(iv), (viii) - the ordered screening rules of spec §1.10 as a decision table.

The table is data: each row names the transactions it applies to, conditions on the derived booleans of a claim
(:data:`FLAGS`, computed by :func:`partcd.preclusion.rules.screening.claim_flags`), the outcome (allow / deny), the
reason and the citation. The first row that matches wins. The per-claim function walks it in Python; the batch
pipeline (:mod:`partcd.preclusion.pipelines`) turns the same rows into one ``CASE`` expression, so both follow one
source. Every transaction has a last row without conditions, so a row always matches.

Row ids follow the spec: S1 PDE NPI gate, S2 list lookup (S2b: adjudicated before the posting), S3 PDE on the list,
S4 no-denial window (S4i: the initial list's 90 days), S5 MA claim, S6 pharmacy claim, S7 reimbursement request,
S8 OIG overlay inside the window.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Literal

from partcd.core.citation import Cite, cites
from partcd.core.errors import RuleError
from partcd.preclusion.rules.models import TRANSACTIONS, Decision, Transaction

Flag = Literal["npi_valid", "on_list", "known", "in_window", "initial_list", "pde_window_exception", "oig_bar",
               "prescriber_named", "contracted"]
#: the derived booleans a row may test (absent or not applicable = False)
FLAGS: tuple[Flag, ...] = ("npi_valid", "on_list", "known", "in_window", "initial_list", "pde_window_exception", "oig_bar",
                           "prescriber_named", "contracted")
Outcome = Literal["allow", "deny"]

#: decision label per transaction: (allow, deny)
DECISION_LABELS: dict[Transaction, tuple[Decision, Decision]] = {
    "MA_CLAIM": ("PAY", "DENY_PAYMENT"),
    "PHARMACY_CLAIM": ("ACCEPT", "REJECT"),
    "REIMBURSEMENT_REQUEST": ("PAY", "DENY"),
    "PDE_SUBMISSION": ("PDE_ALLOWED", "PDE_FORBIDDEN"),
}

_MA: frozenset[Transaction] = frozenset({"MA_CLAIM"})
_RX: frozenset[Transaction] = frozenset({"PHARMACY_CLAIM"})
_RR: frozenset[Transaction] = frozenset({"REIMBURSEMENT_REQUEST"})
_PDE: frozenset[Transaction] = frozenset({"PDE_SUBMISSION"})
_PART_D: frozenset[Transaction] = frozenset({"PHARMACY_CLAIM", "REIMBURSEMENT_REQUEST", "PDE_SUBMISSION"})
_CLAIMS: frozenset[Transaction] = frozenset({"MA_CLAIM", "PHARMACY_CLAIM", "REIMBURSEMENT_REQUEST"})


@dataclasses.dataclass(frozen=True)
class DecisionRule:
    """One row: applies to ``transactions`` when every ``(flag, value)`` of ``when`` holds."""

    rule_id: str
    transactions: frozenset[Transaction]
    when: tuple[tuple[Flag, bool], ...]
    outcome: Outcome
    reason: str
    citation: str

    def matches(self, transaction: Transaction, flags: Mapping[str, bool]) -> bool:
        return transaction in self.transactions and all(bool(flags.get(name, False)) == value for name, value in self.when)

    def decision(self, transaction: Transaction) -> Decision:
        allow, deny = DECISION_LABELS[transaction]
        return allow if self.outcome == "allow" else deny


def _row(rule_id: str, transactions: frozenset[Transaction], when: tuple[tuple[Flag, bool], ...], outcome: Outcome,
         reason: str, citation: str) -> DecisionRule:
    return DecisionRule(rule_id, transactions, when, outcome, f"{rule_id}: {reason}", citation)


_NOT_APPEALABLE = "not appealable by the beneficiary"

DECISION_TABLE: tuple[DecisionRule, ...] = (
    _row("S1", _PDE, (("npi_valid", False),), "deny",
         "the PDE does not carry a valid prescriber NPI (10 digits, Luhn check digit over 80840 + the first nine)",
         "42 CFR 423.120(c)(6)(iii)"),
    _row("S2", _MA, (("on_list", False),), "allow", "not on the preclusion list for the date of service",
         "42 CFR 422.222(a)(1)(i)"),
    _row("S2", _RX, (("on_list", False),), "allow", "prescriber not on the preclusion list for the date of service",
         "42 CFR 423.120(c)(6)(i)"),
    _row("S2", _RR, (("on_list", False),), "allow", "prescriber not on the preclusion list for the date of service",
         "42 CFR 423.120(c)(6)(ii)"),
    _row("S2", _PDE, (("on_list", False),), "allow", "valid prescriber NPI, not on the preclusion list for the date of service",
         "42 CFR 423.120(c)(6)(iii)"),
    _row("S2b", _MA, (("known", False),), "allow",
         "on the list for the date of service, but adjudicated before the list that added the party was posted",
         "42 CFR 422.222(a)(1)"),
    _row("S2b", _PART_D, (("known", False),), "allow",
         "on the list for the date of service, but adjudicated before the list that added the prescriber was posted",
         "42 CFR 423.120(c)(6)"),
    _row("S3", _PDE, (("pde_window_exception", True),), "allow",
         "prescriber on the list for the date of service, claim paid inside the no-denial window; PDE allowed by the "
         "pde_in_no_denial_window_text=allowed choice (OQ-P1)",
         "42 CFR 423.120(c)(6)(iii), (iv)(C)"),
    _row("S3", _PDE, (("in_window", True),), "deny",
         "prescriber on the list for the date of service: the PDE may not be submitted although the claim fell in the "
         "no-denial window (paragraph (iii) has no exception; review, OQ-P1)",
         "42 CFR 423.120(c)(6)(iii)"),
    _row("S3", _PDE, (), "deny", "prescriber on the list for the date of service: the PDE may not be submitted",
         "42 CFR 423.120(c)(6)(iii)"),
    _row("S7", _RR, (("prescriber_named", False),), "allow",
         "prescriber on the list but not identified by name in the request: paragraph (ii) is not triggered (OQ-P9)",
         "42 CFR 423.120(c)(6)(ii)"),
    _row("S8", _MA, (("in_window", True), ("oig_bar", True)), "deny",
         "inside the no-denial window, but the party is OIG-excluded on the date of service: denied on the exclusion "
         "(the window bars only denials made solely because of the list)",
         "42 CFR 422.222(a)(1)(ii)(C), 422.224; section 1862(e) of the Act"),
    _row("S8", _RX, (("in_window", True), ("oig_bar", True)), "deny",
         "inside the no-denial window, but the prescriber is OIG-excluded on the date of service: rejected on the "
         "exclusion (the window bars only rejections made solely because of the list)",
         "42 CFR 423.120(c)(6)(iv)(C); section 1862(e) of the Act"),
    _row("S8", _RR, (("in_window", True), ("oig_bar", True)), "deny",
         "inside the no-denial window, but the prescriber is OIG-excluded on the date of service: denied on the "
         "exclusion (the window bars only denials made solely because of the list)",
         "42 CFR 423.120(c)(6)(iv)(C); section 1862(e) of the Act"),
    _row("S4i", _CLAIMS, (("in_window", True), ("initial_list", True)), "allow",
         "initial preclusion list: claims are not affected for 90 days after its publication",
         "CMS-4182-F, 83 FR 16440 (initial list), as described in CMS-4185-P"),
    _row("S4", _MA, (("in_window", True),), "allow",
         "precluded - no-denial window: not denied in the 60-day period after the beneficiary notice",
         "42 CFR 422.222(a)(1)(ii)(C)"),
    _row("S4", _RX, (("in_window", True),), "allow",
         "precluded - no-denial window: not rejected in the 60-day period after the beneficiary notice",
         "42 CFR 423.120(c)(6)(iv)(C)"),
    _row("S4", _RR, (("in_window", True),), "allow",
         "precluded - no-denial window: not denied in the 60-day period after the beneficiary notice",
         "42 CFR 423.120(c)(6)(iv)(C)"),
    _row("S5", _MA, (("contracted", True),), "deny",
         f"on the list for the date of service, past the no-denial window: payment denied; contracted party, so the "
         f"enrollee has no financial liability; {_NOT_APPEALABLE}",
         "42 CFR 422.222(a)(1)(i), 422.504(g)(1)(iv), 422.222(a)(4)"),
    _row("S5", _MA, (), "deny",
         f"on the list for the date of service, past the no-denial window: payment denied (the ban covers "
         f"non-contracted parties too); enrollee liability not settled by the rule (OQ-P10); {_NOT_APPEALABLE}",
         "42 CFR 422.222(a)(1)(i), 422.222(a)(4)"),
    _row("S6", _RX, (), "deny",
         f"prescriber on the list for the date of service, past the no-denial window: pharmacy claim rejected; "
         f"{_NOT_APPEALABLE}",
         "42 CFR 423.120(c)(6)(i), (viii)"),
    _row("S7", _RR, (), "deny",
         f"prescriber named in the request is on the list for the date of service, past the no-denial window: "
         f"reimbursement denied; {_NOT_APPEALABLE}",
         "42 CFR 423.120(c)(6)(ii), (viii)"),
)


@cites("42 CFR 422.222(a)(1)", "42 CFR 423.120(c)(6)")
def decide(transaction: Transaction, flags: Mapping[str, bool],
           table: tuple[DecisionRule, ...] = DECISION_TABLE) -> DecisionRule:
    """§422.222(a)(1), §423.120(c)(6)(i)-(iv) (4185-P L2324-L2332, L3046-L3058): the first matching row."""
    unknown = set(flags) - set(FLAGS)
    if unknown:
        raise RuleError(f"unknown screening flags {sorted(unknown)}; known: {', '.join(FLAGS)}")
    for rule in table:
        if rule.matches(transaction, flags):
            return rule
    raise RuleError(f"no screening rule matches transaction {transaction!r} with {dict(flags)}",
                    Cite(cfr="42 CFR 422.222(a)(1), 423.120(c)(6)"))


def _complete(table: tuple[DecisionRule, ...]) -> None:
    """Every transaction ends with an unconditional row (checked at import, so a row always matches)."""
    for transaction in TRANSACTIONS:
        if not any(transaction in rule.transactions and not rule.when for rule in table):
            raise RuleError(f"decision table has no final row for {transaction}")


_complete(DECISION_TABLE)
