"""§§ 422.629-422.634, 423.568(b), 423.570(d)(1), 423.572(a) - typed view of the appeals parameters (4185-P L2677-L3289).

Every key of ``appeals/params/*.yaml``; nothing else. Numbers are the timeframe table of
shared/specs/appeals.md §5 (T1-T32, P1-P5), plus the IRE forwarding of a missed Part D deadline (current CFR
§§ 423.568(h), 423.572(d)); the ``*_text`` / ``*_bool`` keys are the named choices
where the proposed rule is silent (see appeals/README.md). The ``*_table`` keys are the law the engine cites: the
paragraph of each timeframe, the paragraphs a refusal cites (by :data:`RuleCiteId`) and the elements of each
notice; every row carries its own quote-checked citation. A ``Cited`` field hands out its value with its citation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, PositiveFloat, PrivateAttr, model_validator

from partcd.core.citation import Cite
from partcd.core.errors import ParameterError
from partcd.core.params import Cited, CitedRow

#: The paragraphs the workflow and the clock engine cite by name (rows of ``rule_citations_table``).
RuleCiteId = Literal[
    "records", "party_consent", "state_flexibility", "grievance_process", "grievance_written_response",
    "iod_process", "iod_must_expedite", "iod_untimely_is_denial", "iod_extension_requesters",
    "continuation_conditions", "continuation_duration", "sfh_adverse_decision", "ir_process", "ir_one_level",
    "ir_filing", "ir_must_expedite", "ir_extension_requesters", "untimely_is_adverse", "ire_review", "sfh_request",
    "binding_decision", "partd_process",
]
RULE_CITE_IDS: tuple[RuleCiteId, ...] = get_args(RuleCiteId)


class NoticeElementRow(CitedRow):
    """One element a notice must contain: its id (the template's block), what it says, the paragraph requiring it.

    ``{key}`` in ``text`` stands for the value of that parameter (e.g. a day count).
    """

    text: str = Field(min_length=1)


class AppealsParams(BaseModel):
    """Typed view of the appeals parameter files (``extra="forbid"``, frozen)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # integrated grievances, § 422.630
    grievance_filing_any_time_bool: bool
    grievance_resolution_calendar_days: int = Field(ge=0)
    grievance_extension_calendar_days: Cited[NonNegativeInt]
    grievance_extension_notice_calendar_days: int = Field(ge=0)
    expedited_grievance_response_h: float = Field(gt=0)
    expedited_grievance_clock_start_text: Literal["grievance_receipt"]
    acknowledgement_calendar_days: int = Field(ge=0)
    # integrated organization determinations, § 422.631
    reduction_notice_before_action_calendar_days: int = Field(ge=0)
    iod_standard_calendar_days: int = Field(ge=0)
    iod_extension_max_calendar_days: Cited[NonNegativeInt]
    iod_expedited_h: float = Field(gt=0)
    iod_expedite_denied_calendar_days: int = Field(ge=0)
    iod_expedite_denial_letter_calendar_days: int = Field(ge=0)
    iod_noncontract_info_request_h: float = Field(gt=0)
    # continuation of benefits, § 422.632
    continuation_after_notice_sent_calendar_days: int = Field(ge=0)
    sfh_continuation_calendar_days: int = Field(ge=0)
    # integrated reconsiderations, § 422.633
    ir_filing_calendar_days: int = Field(ge=0)
    ir_standard_calendar_days: int = Field(ge=0)
    ir_expedited_h: float = Field(gt=0)
    ir_extension_calendar_days: Cited[NonNegativeInt]
    ir_expedite_denied_calendar_days: int = Field(ge=0)
    ir_expedite_denial_notice_calendar_days: int = Field(ge=0)
    ir_noncontract_info_request_h: float = Field(gt=0)
    ir_extension_notice_calendar_days: int = Field(ge=0)
    # effect of decisions, § 422.634
    ire_forward_standard_calendar_days: int = Field(ge=0)
    ire_forward_expedited_h: float = Field(gt=0)
    ire_forward_expedited_extended_text: Literal["earlier_of", "extension_expiry"]
    sfh_request_calendar_days: int = Field(ge=0)
    reversal_effectuation_h: float = Field(gt=0)
    # D-SNP definitions and sanction, §§ 422.2, 422.752(d)
    fide_nursing_facility_min_days: int = Field(ge=0)
    enrollment_sanction_plan_years_list: tuple[int, ...]
    # Part D, §§ 423.568(b), 423.570(d)(1), 423.572(a)
    partd_standard_h: float = Field(gt=0)
    partd_exception_supporting_statement_h: float = Field(gt=0)
    partd_exception_outer_calendar_days: int = Field(ge=0)
    partd_expedited_h: float = Field(gt=0)
    partd_expedited_exception_supporting_statement_h: float = Field(gt=0)
    partd_expedite_denied_h: float = Field(gt=0)
    partd_missed_deadline_ire_forward_h: Cited[PositiveFloat]
    denied_expedite_hour_clock_start_text: Literal["request_receipt_time", "start_of_receipt_day"]
    # choices where the rule is silent (spec D-16)
    day_count_convention_text: Literal["receipt_day_is_day_0", "receipt_day_is_day_1"]
    day_deadline_end_text: Literal["end_of_local_day", "same_local_time"]
    end_of_day_time_of_day: dt.time
    weekend_holiday_rollover_bool: bool
    plan_time_zone_text: str = Field(min_length=1)
    # citations and notice contents
    timeframes_table: tuple[CitedRow, ...] = Field(min_length=1)
    rule_citations_table: tuple[CitedRow, ...]
    notice_elements_table: dict[str, tuple[NoticeElementRow, ...]]

    _timeframe_cites: dict[str, tuple[Cite, ...]] = PrivateAttr(default_factory=dict)
    _rule_cites: dict[str, tuple[Cite, ...]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _rows_are_unique_and_complete(self) -> AppealsParams:
        timeframes = _unique("timeframes_table", self.timeframes_table)
        rules = _unique("rule_citations_table", self.rule_citations_table)
        if set(rules) != set(RULE_CITE_IDS):
            missing, extra = sorted(set(RULE_CITE_IDS) - set(rules)), sorted(set(rules) - set(RULE_CITE_IDS))
            raise ValueError(f"rule_citations_table: missing {missing}, unknown {extra}")
        for kind, rows in self.notice_elements_table.items():
            _unique(f"notice_elements_table.{kind}", rows)
        self._timeframe_cites = {k: r.cite for k, r in timeframes.items()}
        self._rule_cites = {k: r.cite for k, r in rules.items()}
        return self

    def timeframe_cite(self, timeframe_id: str) -> tuple[Cite, ...]:
        """The paragraph(s) of one timeframe of the table (``ParameterError`` if the period's file lacks it)."""
        try:
            return self._timeframe_cites[timeframe_id]
        except KeyError:
            raise ParameterError("appeals", "timeframes_table", f"no row for timeframe {timeframe_id!r}") from None

    def rule_cite(self, name: RuleCiteId) -> tuple[Cite, ...]:
        """The paragraph(s) a refusal cites, by name (every :data:`RuleCiteId` has a row: checked at load)."""
        return self._rule_cites[name]

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
