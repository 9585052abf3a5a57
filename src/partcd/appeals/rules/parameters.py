"""Parts 422 subpart M, 423 subpart M - typed view of the appeals parameters (4185-P L2677-L3289; current 42 CFR).

Every key of ``appeals/params/*.yaml``; nothing else. Numbers are the timeframe table of
shared/specs/appeals.md §5 (T1-T32, P1-P5) extended by the standard processes (C1-C26 Part C, D1-D17 Part D,
E1-E17 effectuation; appeals/README.md), plus the IRE forwarding of a missed Part D deadline (current CFR
§§ 423.568(h), 423.572(d)); the ``*_text`` / ``*_bool`` keys are the named choices where the rule is silent (see
appeals/README.md). The ``*_table`` keys are the law the engine cites: the paragraph of each timeframe, the
paragraphs a refusal cites (by :data:`RuleCiteId`) and the elements of each notice; every row carries its own
quote-checked citation. A ``Cited`` field hands out its value with its citation.

**Provision groups with their own dates.** The unified process of applicable integrated plans (§§ 422.629-422.634)
and the D-SNP definitions it rests on apply from 2021-01-01 (§ 422.629(a)); the standard processes and the Part D
exception timeframes of CMS-4185-F apply earlier. A period file therefore states the unified group
(:data:`UNIFIED_KEYS`, its refusal citations and its notices) completely or not at all: a file before 2021 leaves
it out, and the engine refuses an integrated case in that period (``unified_in_force``) with § 422.629(a).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, PositiveFloat, PrivateAttr, model_validator

from partcd.core.citation import Cite
from partcd.core.errors import ParameterError
from partcd.core.params import Cited, CitedRow

#: The paragraphs the workflow and the clock engine cite by name (rows of ``rule_citations_table``): the unified
#: process's (present only in a period that has it) and the standard processes' (present in every period).
UnifiedRuleCiteId = Literal[
    "records", "party_consent", "state_flexibility", "grievance_process", "grievance_written_response",
    "iod_process", "iod_must_expedite", "iod_untimely_is_denial", "iod_extension_requesters",
    "continuation_conditions", "continuation_duration", "sfh_adverse_decision", "ir_process", "ir_one_level",
    "ir_filing", "ir_must_expedite", "ir_extension_requesters", "untimely_is_adverse", "ire_review", "sfh_request",
    "binding_decision", "enrollee_includes_filing_provider",
]
StandardRuleCiteId = Literal[
    "partd_process", "unified_from_2021", "partc_od_process", "partc_od_must_expedite", "partc_no_expedite_payment",
    "partc_od_extension_requesters", "partc_od_untimely_is_adverse", "partc_recon_process", "partc_recon_filing",
    "partc_recon_must_expedite", "partc_recon_untimely_is_affirmation", "partc_recon_extension_requesters",
    "partc_grievance_process", "partc_grievance_written_response", "partd_no_expedite_payment", "partd_must_expedite",
    "partd_rd_process", "partd_rd_filing", "partd_rd_must_expedite", "partd_rd_untimely_is_adverse",
    "partd_grievance_process", "partd_grievance_written_response", "partc_effectuation", "partd_effectuation",
]
RuleCiteId = UnifiedRuleCiteId | StandardRuleCiteId
UNIFIED_RULE_CITE_IDS: tuple[str, ...] = get_args(UnifiedRuleCiteId)
STANDARD_RULE_CITE_IDS: tuple[str, ...] = get_args(StandardRuleCiteId)
RULE_CITE_IDS: tuple[str, ...] = UNIFIED_RULE_CITE_IDS + STANDARD_RULE_CITE_IDS

#: The notices of the unified process and of the standard processes (the keys of ``notice_elements_table``).
UNIFIED_NOTICE_KINDS: tuple[str, ...] = ("acknowledgement", "extension", "denial_of_expedite", "adverse_determination",
                                         "reconsideration_resolution", "continuation")
STANDARD_NOTICE_KINDS: tuple[str, ...] = ("standard_extension", "standard_denial_of_expedite", "standard_denial",
                                          "grievance_resolution")

#: The keys of the unified process of applicable integrated plans and the D-SNP definitions (from 2021-01-01).
UNIFIED_KEYS: tuple[str, ...] = (
    "grievance_filing_any_time_bool", "grievance_resolution_calendar_days", "grievance_extension_calendar_days",
    "grievance_extension_notice_calendar_days", "expedited_grievance_response_h", "expedited_grievance_clock_start_text",
    "acknowledgement_target_calendar_days", "acknowledgement_binding_bool",
    "reduction_notice_before_action_calendar_days", "iod_standard_calendar_days", "iod_extension_max_calendar_days",
    "iod_expedited_h", "iod_expedite_denied_calendar_days", "iod_expedite_denial_letter_calendar_days",
    "iod_noncontract_info_request_h", "continuation_after_notice_sent_calendar_days", "sfh_continuation_calendar_days",
    "ir_filing_calendar_days", "ir_standard_calendar_days", "ir_expedited_h", "ir_extension_calendar_days",
    "ir_expedite_denied_calendar_days", "ir_expedite_denial_notice_calendar_days", "ir_noncontract_info_request_h",
    "ir_extension_notice_calendar_days", "ire_forward_standard_calendar_days", "ire_forward_expedited_h",
    "ire_forward_expedited_extended_text", "sfh_request_calendar_days", "reversal_effectuation_h",
    "fide_nursing_facility_min_days", "enrollment_sanction_plan_years_list",
)


class NoticeElementRow(CitedRow):
    """One element a notice must contain: its id (the template's block), what it says, the paragraph requiring it.

    ``{key}`` in ``text`` stands for the value of that parameter (e.g. a day count).
    """

    text: str = Field(min_length=1)


class AppealsParams(BaseModel):
    """Typed view of the appeals parameter files (``extra="forbid"``, frozen)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # --- unified process of applicable integrated plans, §§ 422.629-422.634 (UNIFIED_KEYS; from 2021) -----------
    grievance_filing_any_time_bool: bool | None = None
    grievance_resolution_calendar_days: int | None = Field(default=None, ge=0)
    grievance_extension_calendar_days: int | None = Field(default=None, ge=0)
    grievance_extension_notice_calendar_days: int | None = Field(default=None, ge=0)
    expedited_grievance_response_h: float | None = Field(default=None, gt=0)
    expedited_grievance_clock_start_text: Literal["grievance_receipt"] | None = None
    acknowledgement_target_calendar_days: int | None = Field(default=None, ge=0)
    acknowledgement_binding_bool: bool | None = None
    reduction_notice_before_action_calendar_days: int | None = Field(default=None, ge=0)
    iod_standard_calendar_days: int | None = Field(default=None, ge=0)
    iod_extension_max_calendar_days: int | None = Field(default=None, ge=0)
    iod_expedited_h: float | None = Field(default=None, gt=0)
    iod_expedite_denied_calendar_days: int | None = Field(default=None, ge=0)
    iod_expedite_denial_letter_calendar_days: int | None = Field(default=None, ge=0)
    iod_noncontract_info_request_h: float | None = Field(default=None, gt=0)
    continuation_after_notice_sent_calendar_days: int | None = Field(default=None, ge=0)
    sfh_continuation_calendar_days: int | None = Field(default=None, ge=0)
    ir_filing_calendar_days: int | None = Field(default=None, ge=0)
    ir_standard_calendar_days: int | None = Field(default=None, ge=0)
    ir_expedited_h: float | None = Field(default=None, gt=0)
    ir_extension_calendar_days: int | None = Field(default=None, ge=0)
    ir_expedite_denied_calendar_days: int | None = Field(default=None, ge=0)
    ir_expedite_denial_notice_calendar_days: int | None = Field(default=None, ge=0)
    ir_noncontract_info_request_h: float | None = Field(default=None, gt=0)
    ir_extension_notice_calendar_days: int | None = Field(default=None, ge=0)
    ire_forward_standard_calendar_days: int | None = Field(default=None, ge=0)
    ire_forward_expedited_h: float | None = Field(default=None, gt=0)
    ire_forward_expedited_extended_text: Literal["earlier_of", "extension_expiry"] | None = None
    sfh_request_calendar_days: int | None = Field(default=None, ge=0)
    reversal_effectuation_h: float | None = Field(default=None, gt=0)
    fide_nursing_facility_min_days: int | None = Field(default=None, ge=0)
    enrollment_sanction_plan_years_list: tuple[int, ...] | None = None

    # --- standard Part C organization determinations, §§ 422.566-422.572 ----------------------------------------
    od_standard_calendar_days: int = Field(ge=0)
    od_prior_authorization_calendar_days: int = Field(ge=0)
    od_extension_max_calendar_days: Cited[NonNegativeInt]
    od_part_b_drug_h: float = Field(gt=0)
    od_expedited_h: float = Field(gt=0)
    od_expedited_part_b_drug_h: float = Field(gt=0)
    od_expedite_denial_letter_calendar_days: int = Field(ge=0)
    od_noncontract_info_request_h: float = Field(gt=0)
    od_oral_notice_confirmation_calendar_days: int = Field(ge=0)
    od_payment_calendar_days: int = Field(ge=0)
    # --- standard Part C reconsiderations, §§ 422.578-422.590 --------------------------------------------------
    reconsideration_filing_calendar_days: int = Field(ge=0)
    notice_receipt_presumed_calendar_days: int = Field(ge=0)
    recon_standard_calendar_days: int = Field(ge=0)
    recon_payment_calendar_days: int = Field(ge=0)
    recon_part_b_drug_calendar_days: int = Field(ge=0)
    recon_expedited_h: float = Field(gt=0)
    recon_expedited_part_b_drug_h: float = Field(gt=0)
    recon_extension_max_calendar_days: Cited[NonNegativeInt]
    recon_expedite_denial_letter_calendar_days: int = Field(ge=0)
    recon_noncontract_info_request_h: float = Field(gt=0)
    recon_oral_notice_confirmation_calendar_days: int = Field(ge=0)
    recon_ire_forward_expedited_h: float = Field(gt=0)
    recon_missed_expedited_ire_forward_h: float = Field(gt=0)
    # --- standard grievances, §§ 422.564, 423.564 ----------------------------------------------------------------
    partc_grievance_filing_calendar_days: int = Field(ge=0)
    partc_grievance_resolution_calendar_days: int = Field(ge=0)
    partc_grievance_extension_calendar_days: Cited[NonNegativeInt]
    partc_expedited_grievance_h: float = Field(gt=0)
    partd_grievance_filing_calendar_days: int = Field(ge=0)
    partd_grievance_resolution_calendar_days: int = Field(ge=0)
    partd_grievance_extension_calendar_days: Cited[NonNegativeInt]
    partd_expedited_grievance_h: float = Field(gt=0)
    grievance_extension_notice_immediately_calendar_days: int = Field(ge=0)
    # --- Part D coverage determinations and exceptions, §§ 423.568-423.572 -------------------------------------
    partd_standard_h: float = Field(gt=0)
    partd_exception_supporting_statement_h: float = Field(gt=0)
    partd_exception_outer_calendar_days: int = Field(ge=0)
    partd_expedited_h: float = Field(gt=0)
    partd_expedited_exception_supporting_statement_h: float = Field(gt=0)
    partd_expedite_denied_h: float = Field(gt=0)
    partd_exception_missing_statement_text: Literal["outer_limit_then_hours", "whichever_first"]
    partd_payment_calendar_days: int = Field(ge=0)
    partd_oral_notice_confirmation_calendar_days: int = Field(ge=0)
    partd_expedite_denial_notice_calendar_days: int = Field(ge=0)
    partd_missed_deadline_ire_forward_h: Cited[PositiveFloat]
    denied_expedite_hour_clock_start_text: Literal["request_receipt_time", "start_of_receipt_day"]
    # --- Part D redeterminations, §§ 423.580-423.590 ------------------------------------------------------------
    redetermination_filing_calendar_days: int = Field(ge=0)
    redetermination_standard_calendar_days: int = Field(ge=0)
    redetermination_payment_calendar_days: int = Field(ge=0)
    redetermination_expedited_h: float = Field(gt=0)
    redetermination_expedite_denial_notice_calendar_days: int = Field(ge=0)
    redetermination_oral_notice_confirmation_calendar_days: int = Field(ge=0)
    redetermination_info_request_h: float = Field(gt=0)
    redetermination_missed_ire_forward_h: float = Field(gt=0)
    # --- effectuation of reversals, §§ 422.618, 422.619, 423.636, 423.638 ----------------------------------------
    partc_plan_reversal_service_calendar_days: int = Field(ge=0)
    partc_plan_reversal_payment_calendar_days: int = Field(ge=0)
    partc_plan_reversal_expedited_h: float = Field(gt=0)
    partc_ire_reversal_authorize_h: float = Field(gt=0)
    partc_ire_reversal_provide_calendar_days: int = Field(ge=0)
    partc_ire_reversal_payment_calendar_days: int = Field(ge=0)
    partc_ire_reversal_expedited_h: float = Field(gt=0)
    partc_higher_level_reversal_calendar_days: int = Field(ge=0)
    partd_plan_reversal_benefit_calendar_days: int = Field(ge=0)
    partd_plan_reversal_payment_authorize_calendar_days: int = Field(ge=0)
    partd_plan_reversal_payment_calendar_days: int = Field(ge=0)
    partd_plan_reversal_expedited_h: float = Field(gt=0)
    partd_ire_reversal_benefit_h: float = Field(gt=0)
    partd_ire_reversal_payment_authorize_h: float = Field(gt=0)
    partd_ire_reversal_payment_calendar_days: int = Field(ge=0)
    partd_ire_reversal_expedited_h: float = Field(gt=0)
    # --- choices where the rule is silent (spec D-16 and the review of issue 11) ------------------------------
    day_count_convention_text: Literal["receipt_day_is_day_0", "receipt_day_is_day_1"]
    day_deadline_end_text: Literal["end_of_local_day", "same_local_time"]
    end_of_day_time_of_day: dt.time
    plan_deadline_rollover_bool: bool
    enrollee_window_rollover_bool: bool
    plan_time_zone_text: str = Field(min_length=1)
    event_backdate_max_h: float = Field(gt=0)
    # --- citations and notice contents --------------------------------------------------------------------------
    timeframes_table: tuple[CitedRow, ...] = Field(min_length=1)
    rule_citations_table: tuple[CitedRow, ...]
    notice_elements_table: dict[str, tuple[NoticeElementRow, ...]]

    _timeframe_cites: dict[str, tuple[Cite, ...]] = PrivateAttr(default_factory=dict)
    _rule_cites: dict[str, tuple[Cite, ...]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _groups_rows_and_notices_are_complete(self) -> AppealsParams:
        present = [k for k in UNIFIED_KEYS if getattr(self, k) is not None]
        if present and len(present) != len(UNIFIED_KEYS):
            missing = sorted(set(UNIFIED_KEYS) - set(present))
            raise ValueError(f"the unified process (§§ 422.629-422.634) is stated in part: missing {missing}; a period "
                             "file states all of its keys or none")
        timeframes = _unique("timeframes_table", self.timeframes_table)
        rules = _unique("rule_citations_table", self.rule_citations_table)
        wanted = set(STANDARD_RULE_CITE_IDS) | (set(UNIFIED_RULE_CITE_IDS) if present else set())
        if set(rules) != wanted:
            missing, extra = sorted(wanted - set(rules)), sorted(set(rules) - wanted)
            raise ValueError(f"rule_citations_table: missing {missing}, unknown {extra}")
        kinds = set(STANDARD_NOTICE_KINDS) | (set(UNIFIED_NOTICE_KINDS) if present else set())
        if set(self.notice_elements_table) != kinds:
            raise ValueError(f"notice_elements_table: notice kinds {sorted(self.notice_elements_table)} are not "
                             f"{sorted(kinds)}")
        for kind, rows in self.notice_elements_table.items():
            _unique(f"notice_elements_table.{kind}", rows)
        self._timeframe_cites = {k: r.cite for k, r in timeframes.items()}
        self._rule_cites = {k: r.cite for k, r in rules.items()}
        return self

    @property
    def unified_in_force(self) -> bool:
        """Whether this period states the unified process of applicable integrated plans (§ 422.629(a): from 2021)."""
        return self.iod_standard_calendar_days is not None

    def timeframe_cite(self, timeframe_id: str) -> tuple[Cite, ...]:
        """The paragraph(s) of one timeframe of the table (``ParameterError`` if the period's file lacks it)."""
        try:
            return self._timeframe_cites[timeframe_id]
        except KeyError:
            raise ParameterError("appeals", "timeframes_table", f"no row for timeframe {timeframe_id!r}") from None

    def has_timeframe(self, timeframe_id: str) -> bool:
        return timeframe_id in self._timeframe_cites

    def rule_cite(self, name: RuleCiteId) -> tuple[Cite, ...]:
        """The paragraph(s) a refusal cites, by name (every id of the period's groups has a row: checked at load)."""
        try:
            return self._rule_cites[name]
        except KeyError:
            raise ParameterError("appeals", "rule_citations_table",
                                 f"no row {name!r} in this period (the unified process applies from 2021-01-01)") from None

    def notice_text(self, row: NoticeElementRow) -> str:
        """The element's text with each ``{key}`` replaced by the value of that parameter."""
        values: dict[str, Any] = {name: v.value if isinstance(v, Cited) else v for name, v in self}
        try:
            return row.text.format_map(values)
        except (KeyError, ValueError, IndexError) as exc:
            raise ParameterError("appeals", "notice_elements_table", f"element {row.id}: bad placeholder ({exc})") from None


def _unique(table: str, rows: tuple[CitedRow, ...]) -> dict[str, CitedRow]:
    out: dict[str, CitedRow] = {}
    for row in rows:
        if row.id in out:
            raise ValueError(f"{table}: row id {row.id!r} appears twice")
        out[row.id] = row
    return out
