"""The provision coverage list (src/partcd/provisions.yaml) is strict, true, and complete.

True: each quote stands on its line of the source text, each implemented entry names a module that imports and a
scenario that exists. Complete: every paragraph the amendatory text of CMS-4185-P adds or revises (found by
:func:`partcd.core.provisions.scan_regulation_text`) and every paragraph the CAP letter cites has an entry, so a
search for any of them (:func:`partcd.core.provisions.find`) never dead-ends.
"""

from __future__ import annotations

import functools
import importlib
import importlib.resources
import importlib.util
import re
from collections import Counter
from pathlib import Path

import pytest

from partcd.core.errors import ParameterError
from partcd.core.provisions import (
    FoundParagraph,
    Provision,
    ProvisionFile,
    covering,
    find,
    paragraph_key,
    parse_provisions,
    quote_stands_on,
    scan_regulation_text,
)
from partcd.platform.params import load_yaml, reference_dir, sources
from partcd.registry import AREAS

ROOT = Path(__file__).resolve().parents[2]
PATH = Path(str(importlib.resources.files("partcd"))) / "provisions.yaml"
RULE = "cms-4185-p"
CAP = "cap-letter-h1416-2022"
#: The issues a planned entry may point at (one line each, as the issue tracker names them).
PLANNED_ISSUES = {
    9: "call-center scale and hardening",
    10: "Star Ratings II",
    11: "Appeals II and D-SNP integration",
    12: "preclusion, RADV, telehealth, claims data, MPF",
}


@functools.cache
def provision_file() -> ProvisionFile:
    return parse_provisions(load_yaml(PATH.read_text(encoding="utf-8"), str(PATH)), str(PATH))


@functools.cache
def source_lines(source_id: str) -> tuple[str, ...]:
    file = sources()[source_id].file
    assert file is not None, f"source {source_id} has no text in shared/reference"
    return tuple((reference_dir() / file).read_text(encoding="utf-8").splitlines())


@functools.cache
def found() -> tuple[FoundParagraph, ...]:
    return tuple(scan_regulation_text(source_lines(RULE), sources()[RULE].file or RULE))


ENTRIES = provision_file().provisions
IMPLEMENTED = [p for p in ENTRIES if p.status == "implemented"]


def _id(p: Provision) -> str:
    return f"{p.paragraph} [{p.source}]"


def test_file_loads_strictly_and_lists_both_sources() -> None:
    assert {p.source for p in ENTRIES} == {RULE, CAP}
    assert set(provision_file().sources) == {RULE, CAP}


def test_duplicate_yaml_key_refused() -> None:
    text = PATH.read_text(encoding="utf-8")
    doubled = re.sub(r"(\n    status: (\w+)\n)", r"\1    status: \2\n", text, count=1)
    assert doubled != text
    with pytest.raises(ParameterError, match="duplicate key 'status'"):
        load_yaml(doubled, str(PATH))


def test_unknown_field_in_the_file_refused() -> None:
    data = load_yaml(PATH.read_text(encoding="utf-8"), str(PATH))
    data["provisions"][0]["sections"] = "typo"
    with pytest.raises(ParameterError, match=r"provisions\.0\.sections"):
        parse_provisions(data, str(PATH))


def test_sources_are_known_and_have_their_text() -> None:
    known = sources()
    for source_id in {p.source for p in ENTRIES} | set(provision_file().sources):
        assert source_id in known, f"unknown source {source_id!r} (src/partcd/sources.yaml)"
        assert known[source_id].file is not None, f"{source_id}: no text in shared/reference to check quotes against"


@pytest.mark.parametrize("entry", ENTRIES, ids=_id)
def test_every_quote_stands_on_its_line(entry: Provision) -> None:
    lines = source_lines(entry.source)
    assert entry.line <= len(lines), f"{_id(entry)}: line {entry.line} beyond the end of the text"
    assert quote_stands_on(entry.quote, lines[entry.line - 1]), (
        f"{_id(entry)}: quote {entry.quote!r} is not on line {entry.line}")


@pytest.mark.parametrize("entry", IMPLEMENTED, ids=_id)
def test_implemented_module_imports_and_scenario_exists(entry: Provision) -> None:
    assert entry.module_path is not None and entry.scenario is not None
    assert importlib.util.find_spec(entry.module_path) is not None, f"{_id(entry)}: no module {entry.module_path}"
    if entry.function is not None:
        module = importlib.import_module(entry.module_path)
        assert hasattr(module, entry.function), f"{_id(entry)}: {entry.module_path} has no {entry.function}"
    path, _, test_name = entry.scenario.partition("::")
    assert (ROOT / path).is_file(), f"{_id(entry)}: no file {path}"
    if test_name:
        assert re.search(rf"^def {re.escape(test_name)}\(", (ROOT / path).read_text(encoding="utf-8"), re.MULTILINE), (
            f"{_id(entry)}: {path} has no test {test_name}")
    elif path.endswith(".yaml"):
        assert re.fullmatch(r"tests/[a-z_]+/scenarios/[^/]+\.yaml", path), f"{_id(entry)}: not in tests/<area>/scenarios"
        assert load_yaml((ROOT / path).read_text(encoding="utf-8"), path).get("cases"), f"{path}: no cases"


#: Areas of the registry plus those the open issues will add (issue 11: dsnp; issue 12: the payment-integrity areas).
PLANNED_AREAS = {*AREAS, "dsnp", "preclusion", "radv", "telehealth", "claimsdata"}


def test_planned_entries_name_an_open_issue_and_an_area() -> None:
    for p in ENTRIES:
        if p.status == "planned":
            assert p.issue in PLANNED_ISSUES, f"{_id(p)}: issue {p.issue} is not one of {sorted(PLANNED_ISSUES)}"
            assert p.area in PLANNED_AREAS, f"{_id(p)}: area {p.area!r} is not one of {sorted(PLANNED_AREAS)}"


def test_no_paragraph_is_listed_twice() -> None:
    counts = Counter(paragraph_key(p.paragraph) for p in ENTRIES)
    assert [k for k, n in counts.items() if n > 1] == []


def test_every_rule_entry_is_a_paragraph_of_the_regulation_text_on_its_line() -> None:
    """No entry for a paragraph the rule does not amend, and none pointing at another paragraph's line."""
    where = {paragraph_key(f.paragraph): f for f in found()}
    wrong = []
    for p in ENTRIES:
        if p.source != RULE:
            continue
        f = where.get(paragraph_key(p.paragraph))
        if f is None:
            wrong.append(f"{p.paragraph}: not a paragraph the amendatory text adds or revises")
        elif f.line != p.line:
            wrong.append(f"{p.paragraph}: its text starts on line {f.line}, not {p.line}")
    assert wrong == []


def test_every_paragraph_of_the_regulation_text_has_an_entry() -> None:
    """Completeness: each paragraph is listed itself or under an entry that covers its children; a section is
    covered by any entry within it."""
    keys = [paragraph_key(p.paragraph) for p in ENTRIES if p.source == RULE]
    rule_entries = [p for p in ENTRIES if p.source == RULE]
    missing = []
    for f in found():
        if f.kind == "section":
            key = paragraph_key(f.paragraph)
            if not any(k == key or k.startswith(key + "(") for k in keys):
                missing.append(f"line {f.line}: {f.paragraph} (section)")
        elif covering(rule_entries, f.paragraph) is None:
            missing.append(f"line {f.line}: {f.paragraph}")
    assert missing == [], "paragraphs without an entry:\n" + "\n".join(missing)


def test_the_scan_finds_the_whole_amendatory_text() -> None:
    """The scanner's reading of CMS-4185-P, pinned: parts, sections and the paragraphs at the edges."""
    paragraphs = {f.paragraph for f in found()}
    assert len(found()) == 488
    assert {p for p in paragraphs if "authority" in p} == {f"42 CFR part {n} (authority)" for n in (422, 423, 438, 498)}
    sections = {f.paragraph for f in found() if f.kind == "section"}
    assert len(sections) == 43  # the document's own count: "CFR: (43)" at the end of the text
    assert {"42 CFR 422.2 (Preclusion list)(3)(iii)", "42 CFR 422.629(i)", "42 CFR 422.629(h)(3)",
            "42 CFR 422.631(d)(2)(iv)(B)(2)(iv)", "42 CFR 423.120(c)(6)(v)(C)(1)(ii)", "42 CFR 422.156(b)(1)",
            "42 CFR 422.107(a)", "42 CFR 422.166(i)(10)(ii)", "42 CFR 498.5(n)(1)(ii)(B)"} <= paragraphs
    assert "42 CFR 422.629(h)(3)(i)" not in paragraphs  # (i) after (h)(3) is the next lettered paragraph
    assert "42 CFR 422.164(g)" not in paragraphs  # a "* * *" stub only carries the hierarchy


def test_every_cfr_paragraph_the_cap_letter_cites_has_an_entry() -> None:
    cited: dict[str, int] = {}
    for number, line in enumerate(source_lines(CAP), start=1):
        for designator in re.findall(r"\b4\d\d\.\d+(?:\([a-z0-9]+\))*", line):
            cited.setdefault(paragraph_key(designator), number)
    listed = {paragraph_key(p.paragraph): p for p in ENTRIES if p.source == CAP}
    assert set(cited) == set(listed)
    for key, number in cited.items():
        assert listed[key].line == number, f"{listed[key].paragraph}: cited on line {number}"


def test_a_search_for_any_paragraph_never_dead_ends() -> None:
    dead = [f.paragraph for f in found() if not find(ENTRIES, f.paragraph)]
    assert dead == []
    k = find(ENTRIES, "§ 422.629(k)")
    assert [p.paragraph for p in k][:2] == ["42 CFR 422.629(k)", "42 CFR 422.629(k)(1)"]
    assert all(p.status == "out_of_scope" and "staffing" in (p.reason or "") for p in k)
    assert [p.paragraph for p in find(ENTRIES, "42 CFR 422.631(d)(1)(iii)")] == ["42 CFR 422.631(d)(1)"]

