"""Editing a CAP action (the web page's service, ``partcd.compliance.pipelines.update_action``): owner, due date,
completion and evidence change in one audited update; a stale version, an element the CAP does not have, a done
action without evidence and a closed CAP are refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy import select

from partcd.compliance import pipelines as svc
from partcd.compliance.rules.cap import LETTER_AUTHORITIES, Cap, CapAction
from partcd.compliance.store import CapRow
from partcd.core.errors import RuleError
from partcd.platform.store.db import connect, session_scope, upgrade
from partcd.platform.store.tables import AuditEvent


@pytest.fixture()
def engine(tmp_path: Path) -> sa.Engine:
    eng = connect(f"sqlite:///{tmp_path / 'cap.db'}")
    upgrade(eng)
    return eng


def _cap(engine: sa.Engine) -> int:
    return svc.create_cap(engine, Cap.model_validate({
        "contract_ids": ("H1416",), "parent_organization": "Centene Corporation", "legal_entity": "HARMONY HEALTH PLAN, INC.",
        "issued_on": dt.date(2022, 5, 26), "authorities": LETTER_AUTHORITIES, "detection_source": "beneficiary_complaints",
        "deficiency": "Failure to Provide Compliant Call Center Services"}), actor="ana")


def test_edit_owner_due_and_completion_in_one_audited_update(engine: sa.Engine) -> None:
    cap_id = _cap(engine)
    action_id = svc.add_action(engine, cap_id, CapAction(required_element="timely_access", description="Hire agents",
                                                         owner="Director", due_on=dt.date(2022, 7, 1)), actor="ana")
    edited = CapAction(required_element="timely_access", description="Hire and train agents", owner="VP Member Services",
                       due_on=dt.date(2022, 7, 15), done_on=dt.date(2022, 7, 10), evidence=("offer letters",))
    svc.update_action(engine, action_id, edited, actor="bea", expected_version=1)
    view = svc.get_cap(engine, cap_id, dt.date(2022, 7, 20)).actions[0]
    assert view.version == 2
    assert (view.action.owner, view.action.due_on, view.action.done_on, view.action.evidence, view.overdue) == (
        "VP Member Services", dt.date(2022, 7, 15), dt.date(2022, 7, 10), ("offer letters",), False)
    with session_scope(engine) as s:
        last = s.scalars(select(AuditEvent).where(AuditEvent.entity_type == "cap_action").order_by(AuditEvent.id.desc())).first()
        assert last is not None and (last.action, last.actor, last.reason) == ("update", "bea", "action edited")
    with pytest.raises(RuleError, match="changed by someone else"):
        svc.update_action(engine, action_id, edited, actor="cy", expected_version=1)
    with pytest.raises(RuleError, match="has no required element 'root_cause'"):
        svc.update_action(engine, action_id, edited.model_copy(update={"required_element": "root_cause"}), actor="cy")
    with pytest.raises(ValidationError, match="a completed action needs evidence"):
        CapAction(description="x", owner="y", due_on=dt.date(2022, 7, 1), done_on=dt.date(2022, 7, 2))


def test_closed_cap_actions_no_longer_change(engine: sa.Engine) -> None:
    cap_id = _cap(engine)
    action_id = svc.add_action(engine, cap_id, CapAction(description="Hire agents", owner="Director",
                                                         due_on=dt.date(2022, 7, 1)), actor="ana")
    with session_scope(engine) as s:  # setup: a CAP CMS closed (the closure rules are tested in test_cap.py)
        row = s.get(CapRow, cap_id)
        assert row is not None
        row.status, row.closed_on = "closed", dt.date(2022, 12, 1)
    with pytest.raises(RuleError, match=f"CAP {cap_id} is closed"):
        svc.update_action(engine, action_id, CapAction(description="x", owner="y", due_on=dt.date(2022, 7, 1)), actor="ana")
