"""Code-health of the law tree: every parameter file is strict, cited, and its quotes stand on the cited lines."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from partcd import registry
from partcd.core.citation import Cite
from partcd.core.errors import ParameterError
from partcd.core.params import UNIT_SUFFIX, AreaSpec, ParamFile, key_unit_problem, nested_cites, parse_param_file, resolve
from partcd.platform.params import area_files, area_spec, areas_with_params, load_params, load_yaml, reference_dir, sources

REFERENCE = reference_dir()

ALL_FILES = [(a, n) for a in areas_with_params() for n in area_files(a)]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')).strip()


def test_there_is_law() -> None:
    assert "callcenter" in areas_with_params()
    assert ALL_FILES


def _all_cites(area: str, name: str) -> list[tuple[str, Cite]]:
    """Every citation of a file: each entry's, and each row's inside a structured value (``key value.3.cite.0``)."""
    out: list[tuple[str, Cite]] = []
    for key, entry in area_files(area)[name].values.items():
        out += [(key, c) for c in entry.cite]
        out += [(f"{key} {path}", c) for path, c in nested_cites(entry.value)]
    return out


@pytest.mark.parametrize(("area", "name"), ALL_FILES)
def test_every_quote_stands_on_its_line(area: str, name: str) -> None:
    """§ citations cannot drift: the quoted words are on the cited line of the source text (table rows included)."""
    src = sources()
    pf = area_files(area)[name]
    assert pf.source in src, f"{area}/{name}: source {pf.source!r} not in sources.yaml"
    for where, cite in _all_cites(area, name):
        assert "TODO" not in cite.cfr and "TODO" not in (cite.quote or "")
        source_id = cite.source or pf.source
        assert source_id in src, f"{area}/{name} {where}: unknown source {source_id!r}"
        if src[source_id].file is None:
            continue
        assert cite.line is not None and cite.quote, f"{area}/{name} {where}: cite needs line and quote"
        lines = (REFERENCE / src[source_id].file).read_text(encoding="utf-8").splitlines()
        assert cite.line <= len(lines), f"{area}/{name} {where}: line {cite.line} beyond end of {src[source_id].file}"
        assert _norm(cite.quote) in _norm(lines[cite.line - 1]), (
            f"{area}/{name} {where}: quote {cite.quote!r} is not on line {cite.line} of {src[source_id].file}"
        )


def test_table_rows_are_checked_too() -> None:
    """The appeals tables cite per row: every timeframe, refusal citation and notice element is in the quote check."""
    where = [w for w, _ in _all_cites("appeals", "2021-01-01.yaml")]
    rows = {table: sum(1 for w in where if w.startswith(f"{table} value.")) for table in
            ("timeframes_table", "rule_citations_table", "notice_elements_table")}
    # issue 11: + 60 timeframe rows (C1-C26, D1-D17, E1-E17), the cites of the standard processes' refusal rows and
    # the elements of the three standard notices; issue 13: + the 11 cites of the grievance-resolution notice's four
    # elements (Part C, Part D and the integrated paragraph)
    assert rows == {"timeframes_table": 97, "rule_citations_table": 58, "notice_elements_table": 53}


#: Keys whose name does not end with their unit's suffix, kept for a reason (each one is a rename outside appeals).
UNIT_SUFFIX_EXCEPTIONS: dict[tuple[str, str], str] = {
    ("callcenter", "open_from_time"): "unit time_of_day; renaming to *_time_of_day touches the callcenter typed view, "
                                      "hours.py, CLI and web (callcenter owner)",
    ("callcenter", "open_until_time"): "unit time_of_day; as open_from_time",
}


@pytest.mark.parametrize(("area", "name"), ALL_FILES)
def test_every_key_ends_with_its_unit_suffix(area: str, name: str) -> None:
    """Both ways: a key names its unit (``_calendar_days`` is calendar days, never plain days), so a reader of code
    that says ``view.x_h`` knows the value is in hours."""
    problems = [problem for key, entry in area_files(area)[name].values.items()
                if (area, key) not in UNIT_SUFFIX_EXCEPTIONS and (problem := key_unit_problem(key, entry.unit))]
    assert problems == [], f"{area}/{name}: {problems}"


def test_unit_suffix_exceptions_are_still_needed() -> None:
    """An exception that no longer applies (the key was renamed) is removed, so the list only shrinks."""
    keys = {(a, k): e.unit for a, n in ALL_FILES for k, e in area_files(a)[n].values.items()}
    for (area, key) in UNIT_SUFFIX_EXCEPTIONS:
        assert (area, key) in keys and key_unit_problem(key, keys[(area, key)]), f"{area}.{key} needs no exception"


def test_unit_suffix_check_refuses_both_ways() -> None:
    assert set(UNIT_SUFFIX) == {"s", "min", "h", "calendar_days", "business_days", "days", "years", "months", "pct",
                                "pp", "fraction", "ratio", "count", "usd", "bool", "text", "time_of_day", "weight",
                                "stars", "score", "list", "table"}
    assert key_unit_problem("iod_standard_calendar_days", "calendar_days") is None
    assert key_unit_problem("fide_nursing_facility_min_days", "days") is None
    assert "does not end with '_h'" in str(key_unit_problem("iod_expedited_hours", "h"))
    assert "ends with '_calendar_days' (unit calendar_days)" in str(key_unit_problem("x_calendar_days", "days"))
    assert "ends with '_days' (unit days)" in str(key_unit_problem("x_days", "calendar_days"))


@pytest.mark.parametrize("area", areas_with_params())
def test_each_area_file_loads_and_resolves(area: str) -> None:
    spec = area_spec(area)
    for pf in area_files(area).values():
        ps = load_params(area, pf.period_value)
        assert ps.values and all(v.cite for v in ps.values.values())
    if spec.period_kind != "effective_date":
        years = sorted(int(pf.period_value) for pf in area_files(area).values())  # type: ignore[arg-type]
        assert years == list(range(years[0], years[-1] + 1)), f"{area}: gap in {spec.period_kind} files {years}"


SPEC = AreaSpec(area="callcenter", period_kind="effective_date", carry_forward=True, description="t")
GOOD = {
    "area": "callcenter",
    "period": {"effective_date": dt.date(2022, 1, 1)},
    "source": "cap-letter-h1416-2022",
    "values": {"avg_hold_time_max_s": {"value": 120, "unit": "s", "cite": [{"cfr": "42 CFR 422.111(h)(1)"}]}},
}


def _with(**changes: object) -> dict[str, object]:
    data = dict(GOOD)
    data.update(changes)
    return data


def test_good_file_parses() -> None:
    pf = parse_param_file(GOOD, "f.yaml", "callcenter", SPEC)
    assert pf.values["avg_hold_time_max_s"].value == 120


@pytest.mark.parametrize(
    ("data", "key", "reason"),
    [
        (_with(extra_key=1), "extra_key", "Extra inputs are not permitted"),
        (_with(values={"x_s": {"value": 1, "unit": "s", "cite": [{"cfr": "c"}], "typo": 2}}), "values.x_s.typo", "Extra"),
        (_with(values={"x_s": {"value": 1, "unit": "s", "cite": []}}), "values.x_s.cite", "at least 1"),
        (_with(values={"x_s": {"value": 1, "unit": "seconds", "cite": [{"cfr": "c"}]}}), "values.x_s.unit", "unknown unit"),
        (_with(values={"x_s": {"value": 1, "unit": "s", "cite": [{"cfr": "c", "page": 3}]}}), "values.x_s.cite.0.page", "Extra"),
        (_with(period={"rating_year": 2022}), "period", "keyed by effective_date"),
        (_with(area="stars"), "area", "lives in 'callcenter'"),
        (_with(values={}), "values", "at least 1"),
        (_with(values={"x_table": {"value": [{"id": "a", "cite": [{"cfr": "c", "page": 3}]}], "unit": "table",
                                   "cite": [{"cfr": "c"}]}}), "values.x_table", "value.0.cite.0.page: Extra inputs"),
        (_with(values={"x_table": {"value": {"k": [{"id": "a", "cite": []}]}, "unit": "table",
                                   "cite": [{"cfr": "c"}]}}), "values.x_table", "value.k.0.cite: a row's cite needs"),
    ],
)
def test_strict_schema_refuses(data: object, key: str, reason: str) -> None:
    with pytest.raises(ParameterError) as exc:
        parse_param_file(data, "f.yaml", "callcenter", SPEC)
    assert exc.value.key == key
    assert reason in exc.value.reason
    assert "f.yaml" in str(exc.value)


def test_duplicate_yaml_key_refused() -> None:
    with pytest.raises(ParameterError, match="duplicate key 'a'"):
        load_yaml("a: 1\nb: 2\na: 3\n", "dup.yaml")


def _files(*years: int) -> dict[str, ParamFile]:
    spec = AreaSpec(area="stars", period_kind="rating_year", carry_forward=False, description="t")
    return {
        f"{y}.yaml": parse_param_file(
            {"area": "stars", "period": {"rating_year": y}, "source": "cms-4185-p",
             "values": {"v_count": {"value": y, "unit": "count", "cite": [{"cfr": "c"}]}}},
            f"{y}.yaml", "stars", spec)
        for y in years
    }


def test_rating_year_without_file_is_refused_not_carried_forward() -> None:
    spec = AreaSpec(area="stars", period_kind="rating_year", carry_forward=False, description="t")
    name, pf = resolve(spec, _files(2021, 2022), 2022)
    assert (name, pf.values["v_count"].value) == ("2022.yaml", 2022)
    with pytest.raises(ParameterError, match=r"no parameters for rating_year 2023; available: 2021, 2022"):
        resolve(spec, _files(2021, 2022), 2023)
    with pytest.raises(ParameterError, match="no parameters for rating_year 2020"):
        resolve(spec, _files(2021, 2022), 2020)


def test_effective_date_resolves_latest_in_force_and_nothing_before() -> None:
    assert load_params("callcenter", dt.date(2022, 1, 1)).file == "2022-01-01.yaml"
    assert load_params("callcenter", dt.date(2030, 6, 1)).file == "2022-01-01.yaml"
    with pytest.raises(ParameterError, match="no parameters in force on 2021-12-31"):
        load_params("callcenter", dt.date(2021, 12, 31))
    with pytest.raises(ParameterError, match="keyed by effective date"):
        load_params("callcenter", 2022)


def test_unknown_area_and_override_refused() -> None:
    with pytest.raises(ParameterError, match="unknown area"):
        load_params("nosuch", 2022)
    ps = load_params("callcenter", dt.date(2022, 6, 1))
    assert ps.with_overrides({"avg_hold_time_max_s": 90})["avg_hold_time_max_s"].value == 90
    assert ps["avg_hold_time_max_s"].value == 120
    with pytest.raises(ParameterError, match="override of an unknown parameter"):
        ps.with_overrides({"avg_hold_time_max": 90})


def test_typed_view_refuses_missing_and_extra_keys() -> None:
    from partcd.callcenter.rules.standards import CallCenterParams

    ps = load_params("callcenter", dt.date(2022, 6, 1))
    view = ps.typed(CallCenterParams)
    assert (view.avg_hold_time_max_s, view.answered_within_min_pct, view.disconnect_rate_max_pct,
            view.answer_within_s) == (120, 80, 5, 30)
    fewer = ps.model_copy(update={"values": {k: v for k, v in ps.values.items() if k != "answer_within_s"}})
    with pytest.raises(ParameterError, match="answer_within_s"):
        fewer.typed(CallCenterParams)


def test_file_names_match_periods() -> None:
    for area in areas_with_params():
        for name, pf in area_files(area).items():
            assert Path(name).stem == str(pf.period_value)


def test_typed_view_is_cached_but_overrides_get_their_own() -> None:
    from partcd.callcenter.rules.standards import CallCenterParams

    ps = load_params("callcenter", dt.date(2022, 6, 1))
    assert ps.typed(CallCenterParams) is ps.typed(CallCenterParams)
    what_if = ps.with_overrides({"avg_hold_time_max_s": 90})
    assert what_if.typed(CallCenterParams).avg_hold_time_max_s == 90
    assert ps.typed(CallCenterParams).avg_hold_time_max_s == 120


def _typed_views() -> dict[str, type[BaseModel]]:
    """Each area's typed view, as its declaration in the registry names it."""
    return {a.name: registry.load(a.params_view) for a in registry.areas() if a.params_view is not None}


def test_every_area_with_params_declares_its_typed_view() -> None:
    assert set(areas_with_params()) == set(_typed_views())


@pytest.mark.parametrize(("area", "name"), ALL_FILES)
def test_every_file_fits_its_area_typed_view(area: str, name: str) -> None:
    """Strict both ways: every key of every period file is a field of the area's typed view, and none is missing."""
    views = _typed_views()
    assert area in views, f"{area}: no typed view listed for the law-tree check"
    load_params(area, area_files(area)[name].period_value).typed(views[area])
