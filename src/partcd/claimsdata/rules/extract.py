"""§ 423.153(g)(2) - what a standard extract may hold: the seven claim types and the data elements of the preamble,
nothing more (4185-P L603-L607, L3111).

:func:`column_plan` maps the columns of a claims file onto the elements: every column that carries an element is
kept, every other column (payment amounts, names, addresses, ...) is dropped - the minimum necessary standard the
preamble invokes (45 CFR 164.502(b), 164.514(d)) - and a file that lacks a column the extract cannot do without
(enrollee, claim id, claim type, first date of service) is named. The extract's format is the same for every
sponsor: a sponsor cannot ask for other elements ("CMS would not customize the extracts", L609).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from partcd.claimsdata.rules.parameters import ClaimsDataParams
from partcd.core.citation import cites


class ColumnPlan(BaseModel):
    """Which columns of a claims file the extract keeps (by element), drops, and misses."""

    model_config = ConfigDict(frozen=True)

    keep: tuple[str, ...]
    by_element: dict[str, tuple[str, ...]]
    dropped: tuple[str, ...]
    missing_required: tuple[str, ...]
    citation: str


@cites("42 CFR 423.153(g)(2)")
def column_plan(columns: list[str], params: ClaimsDataParams) -> ColumnPlan:
    """The extract's columns from a claims file's ``columns`` (§ 423.153(g)(2) L3111; elements L607; minimum
    necessary L603). Columns keep the order of the element table; names are compared exactly (lower case)."""
    present = set(columns)
    keep: list[str] = []
    by_element: dict[str, tuple[str, ...]] = {}
    missing: list[str] = []
    for element in params.data_elements_table.value:
        cols = tuple(c for c in element.columns if c in present)
        by_element[element.id] = cols
        keep += [c for c in cols if c not in keep]
        missing += [c for c in element.required if c not in present]
    dropped = tuple(c for c in columns if c not in keep)
    return ColumnPlan(keep=tuple(keep), by_element=by_element, dropped=dropped, missing_required=tuple(missing),
                      citation=params.data_elements_table.citation)
