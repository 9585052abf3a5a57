"""The pure preclusion rules: typed parameters, models, derived dates, the ordered decision table, notices.

No file, database, network or clock access; "today" is always an argument.
"""

from partcd.preclusion.rules.decision import DECISION_LABELS, DECISION_TABLE, DecisionRule, decide
from partcd.preclusion.rules.models import Claim, ClaimDecision, ListPosting, PartyDates
from partcd.preclusion.rules.params import PreclusionParams
from partcd.preclusion.rules.party import party_dates
from partcd.preclusion.rules.screening import ClaimFlags, claim_flags, screen_claim

__all__ = [
    "DECISION_LABELS",
    "DECISION_TABLE",
    "Claim",
    "ClaimDecision",
    "ClaimFlags",
    "DecisionRule",
    "ListPosting",
    "PartyDates",
    "PreclusionParams",
    "claim_flags",
    "decide",
    "party_dates",
    "screen_claim",
]
