"""The law schema's kernel: one citation label shape, ``RuleError`` with ``Cite`` objects, cited table rows and
typed views that hand out a value with its citation (``Cited[T]``)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from pydantic import BaseModel, ConfigDict

from partcd.core.citation import Cite, cite_label
from partcd.core.errors import ParameterError, RuleError
from partcd.core.params import AreaSpec, Cited, CitedRow, ParamSet, build_set, nested_cites, parse_param_file

ROW_CITE = {"cfr": "42 CFR 422.630(b)", "source": "cms-4185-p", "line": 2757, "quote": "at any time"}
LIMIT_CITE = Cite(cfr="42 CFR 422.630(e)(1)", source="cms-4185-p", line=2767, quote="no later than 30 calendar days")
SPEC = AreaSpec(area="appeals", period_kind="effective_date", carry_forward=True, description="t")


def _params() -> ParamSet:
    data = {
        "area": "appeals", "period": {"effective_date": dt.date(2021, 1, 1)}, "source": "cms-4185-p",
        "values": {
            "resolution_calendar_days": {"value": 30, "unit": "calendar_days", "cite": [LIMIT_CITE.model_dump()]},
            "response_h": {"value": 24, "unit": "h", "cite": [{"cfr": "42 CFR 422.630(d)"}]},
            "rows_table": {"value": [{"id": "T1", "cite": [ROW_CITE]}], "unit": "table", "cite": [{"cfr": "c"}]},
        },
    }
    return build_set("2021-01-01.yaml", parse_param_file(data, "2021-01-01.yaml", "appeals", SPEC))


class View(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    resolution_calendar_days: Cited[int]
    response_h: float
    rows_table: tuple[CitedRow, ...]


def test_one_label_shape_for_one_or_several_citations() -> None:
    two = (LIMIT_CITE, Cite(cfr="42 CFR 423.568(h)", source="ecfr-42"))
    assert cite_label(LIMIT_CITE) == str(LIMIT_CITE) == "42 CFR 422.630(e)(1) [cms-4185-p L2767]"
    assert cite_label(two) == "42 CFR 422.630(e)(1) [cms-4185-p L2767]; 42 CFR 423.568(h)"  # no line: no bracket
    assert cite_label(None) == cite_label(()) == ""


def test_rule_error_carries_cite_objects_and_serialises_their_labels() -> None:
    err = RuleError("an extension of 15 calendar days exceeds the 14 the rule allows", LIMIT_CITE)
    assert err.cites == (LIMIT_CITE,) and err.citation == "42 CFR 422.630(e)(1) [cms-4185-p L2767]"
    assert str(err) == "an extension of 15 calendar days exceeds the 14 the rule allows (42 CFR 422.630(e)(1) [cms-4185-p L2767])"
    body = json.loads(json.dumps(err.to_dict()))
    assert body["cite"] == "42 CFR 422.630(e)(1) [cms-4185-p L2767]" and body["error"] == "RuleError"
    several = RuleError("r", (LIMIT_CITE, LIMIT_CITE))
    assert several.citation.count("L2767") == 2 and len(several.cites) == 2
    bare = RuleError("no paragraph")
    assert (bare.cites, bare.citation, str(bare), bare.to_dict()["cite"]) == ((), "", "no paragraph", None)


def test_rule_error_refuses_a_citation_string() -> None:
    with pytest.raises(TypeError, match="must be a Cite"):
        RuleError("r", "42 CFR 422.630(b)")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be a Cite"):
        RuleError("r", (LIMIT_CITE, "42 CFR 422.630(b)"))  # type: ignore[arg-type]


def test_cited_field_hands_out_value_and_citation_once() -> None:
    ps = _params()
    view = ps.typed(View)
    assert view.resolution_calendar_days == Cited[int](key="resolution_calendar_days", value=30, cite=(LIMIT_CITE,))
    assert view.resolution_calendar_days.citation == "42 CFR 422.630(e)(1) [cms-4185-p L2767]"
    assert view.response_h == 24.0  # a plain field stays a plain value
    assert ps.cite("response_h") == (Cite(cfr="42 CFR 422.630(d)"),)
    what_if = ps.with_overrides({"resolution_calendar_days": 15}).typed(View).resolution_calendar_days
    assert (what_if.value, what_if.cite) == (15, (LIMIT_CITE,))  # an override keeps the paragraph it overrides
    with pytest.raises(ParameterError, match="no such parameter"):
        ps.cite("resolution_days")


def test_table_rows_cite_themselves() -> None:
    ps = _params()
    (row,) = ps.typed(View).rows_table
    assert (row.id, row.citation) == ("T1", "42 CFR 422.630(b) [cms-4185-p L2757]")
    assert nested_cites(ps["rows_table"].value) == [("value.0.cite.0", Cite(**ROW_CITE))]
    assert nested_cites({"k": [{"id": "a", "cite": [ROW_CITE], "sub": {"cite": [ROW_CITE]}}]}) == [
        ("value.k.0.cite.0", Cite(**ROW_CITE)), ("value.k.0.sub.cite.0", Cite(**ROW_CITE))]
    with pytest.raises(ValueError, match=r"value\.0\.cite\.0\.line: Input should be greater than or equal to 1"):
        nested_cites([{"cite": [{"cfr": "c", "line": 0}]}])


def test_a_cached_view_serves_only_the_values_it_was_made_from() -> None:
    # Copies (overrides) share the view cache, keyed by id(values). CPython reuses the id of a freed dict, so an entry
    # left by a freed copy must never serve a new copy at the same address (seen once: a what-if
    # day_deadline_end_text override read the cached default). Forge exactly that entry.
    ps = _params()
    what_if = ps.with_overrides({"response_h": 12})
    stale = ps.typed(View)
    ps._typed[(View, id(what_if.values))] = (dict(ps.values), stale)  # same id, another values object
    assert what_if.typed(View).response_h == 12
    assert what_if.typed(View) is what_if.typed(View) and ps.typed(View) is stale
