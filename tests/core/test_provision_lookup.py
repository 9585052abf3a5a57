"""partcd.core.provisions: the entry schema, the lookup, and the scanner of amendatory text (hand-made texts)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partcd.core.errors import InputError, ParameterError
from partcd.core.provisions import (
    Provision,
    covering,
    find,
    normalise,
    paragraph_key,
    parse_provisions,
    quote_stands_on,
    scan_regulation_text,
)

BASE: dict[str, Any] = {"paragraph": "42 CFR 422.629(k)", "source": "cms-4185-p", "line": 2717,
                        "quote": "Review decision-making requirement", "title": "reviewers"}
IMPLEMENTED = {**BASE, "status": "implemented", "module": "partcd.appeals.rules.clocks:integrated_grievance",
               "scenario": "tests/appeals/scenarios/integrated_grievance.yaml"}
PLANNED = {**BASE, "status": "planned", "issue": 11, "area": "appeals"}
OUT = {**BASE, "status": "out_of_scope", "reason": "staffing qualification, not computed"}


def _entry(paragraph: str, covers: bool = False) -> Provision:
    return Provision.model_validate({**OUT, "paragraph": paragraph, "covers_children": covers})


# --- schema ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [IMPLEMENTED, PLANNED, OUT])
def test_each_status_with_its_fields_parses(data: dict[str, Any]) -> None:
    p = parse_provisions({"provisions": [data]}, "p.yaml").provisions[0]
    assert (p.paragraph, p.status, p.covers_children) == ("42 CFR 422.629(k)", data["status"], False)


def test_module_path_and_function_split() -> None:
    p = Provision.model_validate(IMPLEMENTED)
    assert (p.module_path, p.function) == ("partcd.appeals.rules.clocks", "integrated_grievance")
    bare = Provision.model_validate({**IMPLEMENTED, "module": "partcd.appeals.rules.clocks"})
    assert (bare.module_path, bare.function) == ("partcd.appeals.rules.clocks", None)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({**IMPLEMENTED, "scenario": None}, "status implemented needs scenario"),
        ({k: v for k, v in PLANNED.items() if k != "area"}, "status planned needs area"),
        ({**OUT, "reason": ""}, "status out_of_scope needs reason"),
        ({**OUT, "issue": 11}, "status out_of_scope takes no issue"),
        ({**IMPLEMENTED, "reason": "x"}, "status implemented takes no reason"),
        ({**IMPLEMENTED, "module": "appeals.clocks"}, "not a dotted partcd module path"),
        ({**IMPLEMENTED, "scenario": "scenarios/x.yaml"}, "is not a tests/"),
        ({**OUT, "paragraph": "§ 422.629(k)"}, "is not written '42 CFR 422.629(k)(4)'"),
        ({**OUT, "status": "done"}, "Input should be"),
        ({**OUT, "line": 0}, "greater than or equal to 1"),
    ],
)
def test_schema_refuses(data: dict[str, Any], reason: str) -> None:
    with pytest.raises(ParameterError, match=r"p\.yaml") as exc:
        parse_provisions({"provisions": [data]}, "p.yaml")
    assert reason in exc.value.reason


def test_unknown_field_and_empty_list_refused() -> None:
    with pytest.raises(ParameterError) as exc:
        parse_provisions({"provisions": [{**OUT, "satus": "planned"}]}, "p.yaml")
    assert exc.value.key == "provisions.0.satus"
    with pytest.raises(ParameterError, match="at least 1"):
        parse_provisions({"provisions": []}, "p.yaml")


# --- lookup ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("42 CFR 422.629(k)(4)", "422.629(k)(4)"),
        ("§ 422.629 (k)(4)", "422.629(k)(4)"),
        ("42 C.F.R. § 422.629(k)(4)", "422.629(k)(4)"),
        ("422.629(k)(4)", "422.629(k)(4)"),
        ("42 CFR 422.2 (Preclusion list)(3)", "422.2(preclusionlist)(3)"),
        ("42 CFR part 422 (authority)", "part422(authority)"),
    ],
)
def test_paragraph_key(written: str, key: str) -> None:
    assert paragraph_key(written) == key


ENTRIES = [_entry("42 CFR 422.6(a)"), _entry("42 CFR 422.60(g)(2)(i)"), _entry("42 CFR 422.629(k)"),
           _entry("42 CFR 422.629(k)(4)(ii)"), _entry("42 CFR 422.631(d)(1)", covers=True),
           _entry("42 CFR 422.2 (Preclusion list)", covers=True), _entry("42 CFR 422.2 (Guardrail)")]


def test_find_returns_the_paragraph_and_everything_below_it() -> None:
    assert [p.paragraph for p in find(ENTRIES, "§ 422.629(k)")] == ["42 CFR 422.629(k)", "42 CFR 422.629(k)(4)(ii)"]
    assert [p.paragraph for p in find(ENTRIES, "422.629")] == ["42 CFR 422.629(k)", "42 CFR 422.629(k)(4)(ii)"]
    assert [p.paragraph for p in find(ENTRIES, "42 CFR 422.2")] == ["42 CFR 422.2 (Preclusion list)", "42 CFR 422.2 (Guardrail)"]


def test_find_respects_designator_boundaries() -> None:
    assert [p.paragraph for p in find(ENTRIES, "422.6")] == ["42 CFR 422.6(a)"]  # not 422.60 or 422.629
    assert find(ENTRIES, "422.629(k)(4)(i)") == []  # (ii) is not below (i); (k) does not cover its children


def test_find_falls_back_to_the_covering_entry() -> None:
    assert [p.paragraph for p in find(ENTRIES, "422.631(d)(1)(iii)")] == ["42 CFR 422.631(d)(1)"]
    assert [p.paragraph for p in find(ENTRIES, "§ 422.2 (Preclusion list)(3)(i)")] == ["42 CFR 422.2 (Preclusion list)"]
    assert find(ENTRIES, "423.100") == []
    assert find(ENTRIES, "") == ENTRIES


def test_covering_prefers_the_own_entry_then_the_nearest_ancestor() -> None:
    deep = [_entry("42 CFR 422.631(d)", covers=True), _entry("42 CFR 422.631(d)(1)", covers=True)]
    assert covering(deep, "422.631(d)(1)(ii)") is deep[1]
    assert covering(deep, "422.631(d)(2)") is deep[0]
    assert covering(deep, "422.631(d)") is deep[0]
    assert covering(deep, "422.631(e)") is None


designators = st.lists(st.sampled_from(["(a)", "(b)", "(1)", "(2)", "(i)", "(ii)", "(A)"]), max_size=4).map("".join)


@given(st.lists(st.tuples(designators, st.booleans()), min_size=1, max_size=8), designators)
def test_find_only_returns_entries_at_below_or_covering_the_prefix(rows: list[tuple[str, bool]], query: str) -> None:
    entries = [_entry(f"42 CFR 422.629{d}", covers) for d, covers in rows]
    q = paragraph_key(f"422.629{query}")
    for p in find(entries, f"§ 422.629{query}"):
        k = paragraph_key(p.paragraph)
        assert k.startswith(q) or (p.covers_children and q.startswith(k))
    if any(paragraph_key(p.paragraph) == q for p in entries):
        assert find(entries, q)


def test_quote_comparison_normalises_quotes_and_spaces() -> None:
    line = "    (i) The contract\u2019s service area is within an \u201cemergency area\u201d  during"
    assert normalise(line) == "(i) The contract's service area is within an \"emergency area\" during"
    assert quote_stands_on("contract's service area is within an \"emergency area\" during", line)
    assert not quote_stands_on("service area is outside", line)


# --- scanner ----------------------------------------------------------------------------------------------------


def _scan(text: str) -> list[tuple[str, int, str]]:
    return [(f.paragraph, f.line, f.kind) for f in scan_regulation_text(text.strip("\n").splitlines())]


HEADER = """\
Preamble text that is not scanned: (a) Basic rule. (1) not a paragraph.
PART 422—MEDICARE ADVANTAGE PROGRAM
End Part Start Amendment Part
1. The authority citation for part 422 is revised to read as follows:
End Amendment Part Start Authority
Authority: 42 U.S.C. 1302 and 1395hh.
End Authority Start Amendment Part
"""


def test_sections_paragraphs_inline_designators_and_stubs() -> None:
    text = HEADER + """\
2. Section 422.164 is amended by adding paragraphs (g)(1)(iii)(O) and (h) to read as follows:
End Amendment Part
Adding, updating, and removing measures.
* * * * *
(g) * * *
(1) * * *
(iii) * * *
(O) CMS will reduce a measure rating to 1 star.
* * * * *
(h) Review of sponsors' data. (1) A request must be received no later than June 30.
(2) Another request must be received no later than June 30.
Start Amendment Part
3. Section 422.631 is amended by adding paragraph (d) to read as follows:
End Amendment Part
Integrated organization determinations.
(d) Timeframes and notice—(1) Notice. The plan must explain:
(i) The determination;
(2) Timing of notice—(i) Standard determinations. (A) Ten days before the action.
(B) Fourteen days.
Dated: October 17, 2018.
(e) not scanned after the signature
"""
    assert _scan(text) == [
        ("42 CFR part 422 (authority)", 6, "authority"),
        ("42 CFR 422.164", 10, "section"),
        ("42 CFR 422.164(g)(1)(iii)(O)", 15, "paragraph"),
        ("42 CFR 422.164(h)", 17, "paragraph"),
        ("42 CFR 422.164(h)(1)", 17, "paragraph"),
        ("42 CFR 422.164(h)(2)", 18, "paragraph"),
        ("42 CFR 422.631", 22, "section"),
        ("42 CFR 422.631(d)", 23, "paragraph"),
        ("42 CFR 422.631(d)(1)", 23, "paragraph"),
        ("42 CFR 422.631(d)(1)(i)", 24, "paragraph"),
        ("42 CFR 422.631(d)(2)", 25, "paragraph"),
        ("42 CFR 422.631(d)(2)(i)", 25, "paragraph"),
        ("42 CFR 422.631(d)(2)(i)(A)", 25, "paragraph"),
        ("42 CFR 422.631(d)(2)(i)(B)", 26, "paragraph"),
    ]


def test_letter_or_roman_numeral_decided_by_how_the_paragraph_before_ends() -> None:
    text = HEADER + """\
2. Section 422.629 is amended by adding paragraphs (h) and (i) to read as follows:
General requirements.
(h) Recordkeeping. (1) Keep records.
(2) Each record must contain:
(i) The reason.
(ii) The date of receipt.
(3) Records are available to CMS.
(i) Prohibition on punitive action. No punitive action.
(j) Information to providers.
3. Section 422.166 is amended by revising paragraph (a)(2)(i) and adding paragraph (i):
Calculation of Star Ratings.
(a) * * *
(2) * * *
(i) The method maximizes differences.
* * * * *
(i) Extreme and uncontrollable circumstances. CMS calculates the ratings.
(1) Affected contracts meet these criteria:
(i) The service area is in an emergency area.
(2) * * *
(v) A later item of (2), after omitted text.
"""
    found = [p for p, _, kind in _scan(text) if kind == "paragraph"]
    assert found == [
        "42 CFR 422.629(h)", "42 CFR 422.629(h)(1)", "42 CFR 422.629(h)(2)", "42 CFR 422.629(h)(2)(i)",
        "42 CFR 422.629(h)(2)(ii)", "42 CFR 422.629(h)(3)", "42 CFR 422.629(i)", "42 CFR 422.629(j)",
        "42 CFR 422.166(a)(2)(i)", "42 CFR 422.166(i)", "42 CFR 422.166(i)(1)", "42 CFR 422.166(i)(1)(i)",
        "42 CFR 422.166(i)(2)(v)",
    ]


def test_definitions_with_sub_paragraphs_and_several_leading_designators() -> None:
    text = HEADER + """\
2. Section 422.2 is amended by adding the definition of “Preclusion list” in alphabetical order:
Definitions.
* * * * *
Dual eligible special needs plan or D-SNP means a plan that meets one of the following:
(1) The first criterion; or
(2) The second criterion.
Preclusion list means a CMS compiled list of individuals and entities that—
(1) * * *
(i) The individual is revoked.
(3) The individual was convicted. Factors are:
(i) The severity of the offense;
3. Section 422.222 is amended by revising paragraph (a) to read as follows:
Preclusion list.
(a)(1)(i) Except as provided, no payment.
(ii) With respect to added providers:
(A) Notice within 30 days;
(2)(i) CMS sends written notice.
"""
    assert _scan(text)[1:] == [
        ("42 CFR 422.2", 9, "section"),
        ("42 CFR 422.2 (Dual eligible special needs plan)", 11, "definition"),
        ("42 CFR 422.2 (Dual eligible special needs plan)(1)", 12, "paragraph"),
        ("42 CFR 422.2 (Dual eligible special needs plan)(2)", 13, "paragraph"),
        ("42 CFR 422.2 (Preclusion list)", 14, "definition"),
        ("42 CFR 422.2 (Preclusion list)(1)(i)", 16, "paragraph"),
        ("42 CFR 422.2 (Preclusion list)(3)", 17, "paragraph"),
        ("42 CFR 422.2 (Preclusion list)(3)(i)", 18, "paragraph"),
        ("42 CFR 422.222", 20, "section"),
        ("42 CFR 422.222(a)(1)(i)", 21, "paragraph"),
        ("42 CFR 422.222(a)(1)(ii)", 22, "paragraph"),
        ("42 CFR 422.222(a)(1)(ii)(A)", 23, "paragraph"),
        ("42 CFR 422.222(a)(2)(i)", 24, "paragraph"),
    ]


def test_several_sections_added_at_once_are_opened_by_their_titles() -> None:
    text = HEADER + """\
2. Section 422.629 and 422.630 are added to read as follows:
End Amendment Part
Subpart M—Grievances
422.629
General requirements.
422.630
Integrated grievances.
General requirements.
(a) Scope.
Integrated grievances.
(a) General rule.
(b) Timing.
"""
    assert _scan(text)[1:] == [
        ("42 CFR 422.629", 15, "section"), ("42 CFR 422.629(a)", 16, "paragraph"),
        ("42 CFR 422.630", 17, "section"), ("42 CFR 422.630(a)", 18, "paragraph"), ("42 CFR 422.630(b)", 19, "paragraph"),
    ]


def test_paragraphs_amended_without_their_text_come_from_the_instruction() -> None:
    text = HEADER + """\
[Amended]
Start Amendment Part
2. Section 422.156 is amended in paragraph (b)(1) by removing the phrase “the projects and”.
End Amendment Part Start Amendment Part
3. Section 423.120 is amended by—
End Amendment Part Start Amendment Part
a. Revising paragraphs (c)(6)(i) through (v) and (c)(6)(vi) introductory text; and
End Amendment Part
Access to covered Part D drugs.
(c) * * *
(6)(i) Reject the claim.
"""
    assert _scan(text)[1:] == [
        ("42 CFR 422.156", 10, "section"), ("42 CFR 422.156(b)(1)", 10, "instruction"),
        ("42 CFR 423.120(c)(6)(vi)", 14, "instruction"), ("42 CFR 423.120", 16, "section"),
        ("42 CFR 423.120(c)(6)(i)", 18, "paragraph"),
    ]


def test_text_without_an_amendatory_part_or_with_a_stray_designator_is_refused() -> None:
    with pytest.raises(InputError, match="no 'PART nnn—' heading"):
        scan_regulation_text(["just a preamble"], "rule.txt")
    stray = HEADER + "2. Section 422.100 is amended:\nGeneral requirements.\n(a) Basic rule.\n(C) Out of place.\n"
    with pytest.raises(InputError) as exc:
        scan_regulation_text(stray.splitlines(), "rule.txt")
    assert (exc.value.file, exc.value.row) == ("rule.txt", 11)
    assert "(C) fits nowhere below 42 CFR 422.100(a)" in exc.value.reason
