"""Fixtures of the D-SNP tests: a migrated database (SQLite and PostgreSQL) holding the four synthetic contracts."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from partcd.dsnp import pipelines as svc
from partcd.dsnp import samples
from partcd.platform.store.db import connect, upgrade


@pytest.fixture()
def engine(db_url: str) -> sa.Engine:
    eng = connect(db_url)
    upgrade(eng)
    return eng


@pytest.fixture()
def seeded(engine: sa.Engine) -> tuple[sa.Engine, dict[str, int]]:
    """The four synthetic 2021-2022 contracts with their evidence: {contract_id: contract_row_id}."""
    ids: dict[str, int] = {}
    for data in samples.contracts(2021):
        view = svc.create_contract(engine, data, actor="lead")
        ids[view.contract_id] = view.id
        for ev in samples.evidence(view.contract_id):
            svc.add_evidence(engine, view.id, ev, actor="lead")
    return engine, ids
