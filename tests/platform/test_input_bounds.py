"""Input models fit the columns they are stored in, and bound free text and lists (issue 9): PostgreSQL never has
to refuse a value a model accepted (its error would put the statement and the row into the server log), and one
request stays one short transaction (a CAP naming 150,000 contracts held the SQLite write lock for a minute)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Annotated, Any

import pytest
import sqlalchemy as sa
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from partcd.appeals.pipelines.cases import OverrideRequest
from partcd.appeals.rules import workflow
from partcd.appeals.store import AppealCase, CaseEvent, ContractClockOverride
from partcd.compliance import store
from partcd.compliance.rules import cap, continuity

PAIRS: list[tuple[type[BaseModel], type[Any]]] = [
    (workflow.Intake, AppealCase), (workflow.CaseEvent, CaseEvent), (OverrideRequest, ContractClockOverride),
    (cap.Cap, store.CapRow), (cap.CapAction, store.CapActionRow), (cap.MonitoringPeriod, store.CapMonitoringPeriodRow),
    (cap.ComplianceAction, store.ComplianceActionRow), (continuity.PlanVersion, store.BcpPlanVersionRow),
    (continuity.EssentialFunction, store.BcpFunctionRow), (continuity.Evidence, store.BcpEvidenceRow),
    (continuity.Incident, store.BcpIncidentRow),
]
FREE_TEXT = {workflow.FREE_TEXT_MAX_CHARS, cap.FREE_TEXT_MAX_CHARS}


def _adapter(field: FieldInfo) -> TypeAdapter[Any]:
    """The validator of one model field on its own (its type with its constraints)."""
    if not field.metadata:
        return TypeAdapter(field.annotation)
    return TypeAdapter(Annotated[(field.annotation, *field.metadata)])  # type: ignore[arg-type]


def _beyond_columns(model: type[BaseModel], table: type[Any]) -> list[str]:
    """Fields of ``model`` that accept a value its same-named column cannot hold: a text one character longer than
    its VARCHAR (a Text column: than the free-text bound), an integer beyond PostgreSQL's INTEGER, a list longer
    than the list bound."""
    wrong: list[str] = []
    for column in table.__table__.columns:
        field = model.model_fields.get(column.name)
        if field is None:
            continue
        if isinstance(column.type, sa.String):
            value: object = "A" * ((column.type.length or max(FREE_TEXT)) + 1)
        elif isinstance(column.type, sa.Integer) and not isinstance(column.type, sa.Boolean):
            value = 2**31
        elif isinstance(column.type, sa.JSON) and column.name != "comms_plan":
            value = ["A"] * (cap.CAP_CONTRACTS_MAX + 1)
        else:
            continue
        try:
            _adapter(field).validate_python(value)
        except ValidationError:
            continue
        wrong.append(f"{model.__name__}.{column.name} accepts {str(value)[:12]}... beyond {table.__tablename__}")
    return wrong


@pytest.mark.parametrize(("model", "table"), PAIRS, ids=[m.__name__ for m, _ in PAIRS])
def test_input_models_fit_their_columns(model: type[BaseModel], table: type[Any]) -> None:
    assert _beyond_columns(model, table) == []


def test_the_enrollee_name_bound_is_the_column_length() -> None:
    name = workflow.Intake.model_fields["enrollee_name"]
    assert _adapter(name).validate_python("x" * 120) == "x" * 120  # VARCHAR(120) holds it
    with pytest.raises(ValidationError, match="at most 120 characters"):
        _adapter(name).validate_python("Quinn Zebulon " * 10)  # 140 characters: the probe's 135-character name
    assert AppealCase.__table__.c.enrollee_name.type.length == workflow.ENROLLEE_NAME_MAX_CHARS == 120


@pytest.mark.parametrize(("model", "name"), [(workflow.Intake, "reason"), (workflow.CaseEvent, "note"),
                                             (workflow.CaseEvent, "justification"), (cap.Cap, "deficiency"),
                                             (cap.StatusChange, "note"), (continuity.Incident, "cause")])
def test_free_text_is_bounded_at_10000_characters(model: type[BaseModel], name: str) -> None:
    adapter = _adapter(model.model_fields[name])
    assert adapter.validate_python("x" * 10_000) == "x" * 10_000
    with pytest.raises(ValidationError, match="at most 10000 characters"):
        adapter.validate_python("x" * 10_001)


def test_a_cap_naming_150000_contracts_is_refused_before_any_write() -> None:
    base: dict[str, object] = {
        "parent_organization": "Org", "legal_entity": "Entity", "issued_on": dt.date(2022, 5, 26), "deficiency": "d",
        "authorities": cap.LETTER_AUTHORITIES, "detection_source": "beneficiary_complaints"}
    started = time.perf_counter()
    with pytest.raises(ValidationError, match="at most 500 items"):
        cap.Cap.model_validate({**base, "contract_ids": [f"H{i % 10_000:04d}" for i in range(150_000)]})
    assert time.perf_counter() - started < 5  # refused at the edge, not after 150,000 audited inserts
    largest = cap.Cap.model_validate({**base, "contract_ids": [f"H{i:04d}" for i in range(cap.CAP_CONTRACTS_MAX)]})
    assert len(largest.contract_ids) == 500
