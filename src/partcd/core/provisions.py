"""The provision coverage list: every CFR paragraph a source amends, and what partcd does with it.

``src/partcd/provisions.yaml`` lists one :class:`Provision` per paragraph that the regulation text of a source adds or
revises (and per paragraph a compliance letter cites). Each entry says where the paragraph's text stands
(``source``, ``line``, a verbatim ``quote`` checked by ``tests/law``) and its status:

* ``implemented``: the ``module`` (``partcd.area.module`` or ``partcd.area.module:function``) that computes it and a
  ``scenario`` that exercises it (a scenario YAML under ``tests/<area>/scenarios`` or a unit test ``tests/...py::test_x``);
* ``planned``: the ``issue`` that will implement it and the ``area`` it will live in;
* ``out_of_scope``: the ``reason`` partcd does not compute it.

An entry with ``covers_children: true`` also answers for every paragraph below it (used where the rule text is one
sentence with a list of items, or where a whole paragraph shares one status).

Pure: this module parses data already read and scans text already read (no file access). It holds

* the schema (:class:`Provision`, :class:`ProvisionFile`, :func:`parse_provisions`),
* the lookup :func:`find` (``find(entries, "§ 422.629(k)")`` never dead-ends: it returns the entries at or below the
  paragraph, or the entry above it that covers it),
* the scanner :func:`scan_regulation_text` that finds the paragraphs a Federal Register amendatory text adds or
  revises (``tests/law/test_provisions.py`` checks every one has an entry).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from partcd.core.errors import InputError, ParameterError

Status = Literal["implemented", "planned", "out_of_scope"]

#: The fields each status needs (all required) and may not carry (the fields of the other statuses).
STATUS_FIELDS: dict[str, tuple[str, ...]] = {
    "implemented": ("module", "scenario"),
    "planned": ("issue", "area"),
    "out_of_scope": ("reason",),
}

_PREFIX = re.compile(r"^\s*(?:42\s*C\.?\s*F\.?\s*R\.?\s*)?(?:§+\s*)?", re.IGNORECASE)
#: How an entry names its paragraph: "42 CFR 422.629(k)(4)(ii)", "42 CFR 422.2 (Preclusion list)(3)",
#: "42 CFR part 422 (authority)".
PARAGRAPH = re.compile(r"^42 CFR (?:\d{3}\.\d+|part \d{3})(?: ?\([^()]+\))*$")
_MODULE = re.compile(r"^partcd(\.[a-z_][a-z0-9_]*)+(:[A-Za-z_][A-Za-z0-9_]*)?$")
_SCENARIO = re.compile(r"^tests/[A-Za-z0-9_./-]+\.(yaml|py)(::[A-Za-z_][A-Za-z0-9_]*)?$")


class Provision(BaseModel):
    """One CFR paragraph of a source, where its text stands, and what partcd does with it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    paragraph: str = Field(min_length=1, description='e.g. "42 CFR 422.629(k)(4)(ii)" or "42 CFR 422.2 (Guardrail)"')
    source: str = Field(min_length=1, description="source id of src/partcd/sources.yaml")
    line: int = Field(ge=1, description="line of the source text where the paragraph's text starts")
    quote: str = Field(min_length=3, description="a short verbatim phrase standing on that line")
    title: str = Field(min_length=1)
    status: Status
    covers_children: bool = False
    module: str | None = None
    scenario: str | None = None
    issue: int | None = Field(default=None, ge=1)
    area: str | None = None
    reason: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _status_fields(self) -> Provision:
        needed = STATUS_FIELDS[self.status]
        missing = [f for f in needed if getattr(self, f) in (None, "")]
        if missing:
            raise ValueError(f"status {self.status} needs {', '.join(missing)}")
        foreign = [f for s, fs in STATUS_FIELDS.items() if s != self.status for f in fs if getattr(self, f) is not None]
        if foreign:
            raise ValueError(f"status {self.status} takes no {', '.join(foreign)}")
        if self.module is not None and not _MODULE.match(self.module):
            raise ValueError(f"module {self.module!r} is not a dotted partcd module path (optionally ':function')")
        if self.scenario is not None and not _SCENARIO.match(self.scenario):
            raise ValueError(f"scenario {self.scenario!r} is not a tests/... .yaml file or a tests/... .py::test name")
        if not PARAGRAPH.match(self.paragraph):
            raise ValueError(f"paragraph {self.paragraph!r} is not written '42 CFR 422.629(k)(4)' (or a defined term "
                             "'42 CFR 422.2 (Term)(1)', or '42 CFR part 422 (authority)')")
        return self

    @property
    def module_path(self) -> str | None:
        """The importable module part of ``module`` (without ``:function``)."""
        return None if self.module is None else self.module.split(":", 1)[0]

    @property
    def function(self) -> str | None:
        """The ``:function`` part of ``module``, if given."""
        return None if self.module is None or ":" not in self.module else self.module.split(":", 1)[1]


class ProvisionFile(BaseModel):
    """``provisions.yaml``: optional notes per source id (what of the source is listed) and the entries."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: dict[str, str] = Field(default_factory=dict)
    provisions: list[Provision] = Field(min_length=1)


def parse_provisions(data: object, file: str) -> ProvisionFile:
    """Validate the parsed YAML of a provision list; errors name the file and the entry (``provisions.N.field``)."""
    try:
        return ProvisionFile.model_validate(data)
    except ValidationError as exc:
        raise ParameterError.from_validation(file, exc) from None


def normalise(text: str) -> str:
    """Curly quotes straightened and whitespace collapsed: how ``tests/law`` compares a quote with its line."""
    return re.sub(r"\s+", " ", text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')).strip()


def quote_stands_on(quote: str, line: str) -> bool:
    """The quote is verbatim on the line (after :func:`normalise` of both)."""
    return normalise(quote) in normalise(line)


# --- lookup ---------------------------------------------------------------------------------------------------


def paragraph_key(paragraph: str) -> str:
    """The comparable form of a paragraph designator.

    ``"42 CFR 422.629(k)(4)"``, ``"§ 422.629 (k)(4)"``, ``"422.629(k)(4)"`` and ``"42 C.F.R. § 422.629(k)(4)"``
    all give ``"422.629(k)(4)"``; definitions keep their term: ``"42 CFR 422.2 (Preclusion list)(3)"`` gives
    ``"422.2(preclusionlist)(3)"``. A part-level item reads ``"42 CFR part 422 (authority)"``.
    """
    return re.sub(r"\s+", "", _PREFIX.sub("", paragraph)).casefold()


def _under(key: str, prefix: str) -> bool:
    """``key`` is ``prefix`` itself or a paragraph below it (``422.6`` is not above ``422.60``)."""
    return key == prefix or (key.startswith(prefix) and key[len(prefix)] == "(")


def find(provisions: Iterable[Provision], paragraph_prefix: str) -> list[Provision]:
    """The entries for ``paragraph_prefix`` and everything below it, in list order.

    Where no entry is at or below it, the entries above it that cover their children (``covers_children``), so a
    paragraph listed only through its parent still finds that parent. An empty list means the paragraph is
    not in any source partcd lists.
    """
    prefix = paragraph_key(paragraph_prefix)
    entries = list(provisions)
    if not prefix:
        return entries
    below = [p for p in entries if _under(paragraph_key(p.paragraph), prefix)]
    if below:
        return below
    return [p for p in entries if p.covers_children and _under(prefix, paragraph_key(p.paragraph))]


def covering(provisions: Iterable[Provision], paragraph: str) -> Provision | None:
    """The entry that answers for ``paragraph``: its own, else the nearest ancestor with ``covers_children``."""
    key = paragraph_key(paragraph)
    best: Provision | None = None
    for p in provisions:
        pk = paragraph_key(p.paragraph)
        if pk == key:
            return p
        if p.covers_children and _under(key, pk) and (best is None or len(pk) > len(paragraph_key(best.paragraph))):
            best = p
    return best


# --- scanner of Federal Register amendatory text -----------------------------------------------------------------

Kind = Literal["section", "paragraph", "definition", "authority", "instruction"]


@dataclass(frozen=True)
class FoundParagraph:
    """A paragraph the amendatory text adds or revises: designator, 1-based line, and the text on that line."""

    paragraph: str
    line: int
    text: str
    kind: Kind


# Paragraph levels of the CFR: (a) letter, (1) digit, (i) roman, (A) upper, (1) italic digit, (i) italic roman.
# A defined term (``"Guardrail is a ..."``) is a node whose children start at digits, like a lettered paragraph.
_CHILD = {"section": "letter", "term": "digit", "letter": "digit", "digit": "roman", "roman": "upper",
          "upper": "digit2", "digit2": "roman2", "roman2": ""}
_ROMAN = re.compile(r"^(x{0,3})(ix|iv|v?i{0,3})$")
_LABEL = r"\((?:[a-z]|[ivx]+|[0-9]{1,2}|[A-Z])\)"
_LEAD = re.compile(rf"^((?:{_LABEL})+)\s*")
_ONE = re.compile(r"\(([^()]+)\)")
# An inline heading followed by a child designator: "Review of sponsors' data. (1) A request ..." or
# "Timing of notice—(i) Standard ...". The heading is one short phrase (no period, dash or parenthesis inside).
_INLINE = re.compile(rf"^([A-Z][^.—()]{{0,120}}?(?:\.\s+|—))((?:{_LABEL})+)\s*")
_STUB = re.compile(r"^\*\s*\*\s*\*(\s*\*)*$")
_PAGE = re.compile(r"\s*Start Printed Page \d+\s*")
_INSTRUCTION = re.compile(r"^(\d+)\.\s+(.*)$")
_SUB_INSTRUCTION = re.compile(r"^[a-z]\.\s+\S")
_MARKUP = re.compile(
    r"^(?:(?:Start|End) (?:Amendment Part|Part|Authority|Printed Page \d+|List of Subjects|Signature|Supplemental "
    r"Information)\b.*|\*(?:\s*\*)+|\[Amended\]|The (?:additions?|revisions?)(?:,? (?:and|or) (?:additions?|revisions?))? "
    r"reads? as follows:)$")
_AUTHORITY = re.compile(r"^\d+\.\s+The authority (?:citation )?for part (\d+)", re.IGNORECASE)
_PART = re.compile(r"^PART (\d+)—")
_SECTION_NUMBER = re.compile(r"\b(\d{3}\.\d+)\b")
_BARE_SECTION = re.compile(r"^(\d{3}\.\d+)$")
_TERM = re.compile(
    r"^(?P<term>[A-Z][A-Za-z0-9 ,'’\-]{1,120}?)(?: or [A-Z][A-Z0-9-]+)?(?: (?:means|refers to|is)\b|\s+\*\s*\*\s*\*)")
# A full paragraph designator in an amendatory instruction: starts with a paragraph letter, not after "through".
_INSTRUCTION_PARAGRAPH = re.compile(r"(?<!through )(?<![)\w])(\([a-z]\)(?:\([a-zA-Z0-9]+\))*)")


def _candidates(label: str) -> list[str]:
    if label.isdigit():
        return ["digit", "digit2"]
    if len(label) == 1 and label.isupper():
        return ["upper"]
    out = ["letter"] if len(label) == 1 else []
    if _ROMAN.match(label):
        out += ["roman", "roman2"]
    return out


def _ordinal(label: str, kind: str) -> int:
    if kind in ("digit", "digit2"):
        return int(label)
    if kind == "upper":
        return ord(label) - ord("A") + 1
    if kind == "letter":
        return ord(label) - ord("a") + 1
    value = {"i": 1, "v": 5, "x": 10}
    total = 0
    for a, b in zip(label, label[1:] + " ", strict=True):
        total += -value[a] if b != " " and value[a] < value[b] else value[a]
    return total


@dataclass
class _Node:
    kind: str
    label: str
    text: str = ""


def _introduces(text: str) -> bool:
    """The paragraph text announces sub-paragraphs: it ends in ':' or '—', or is a ``* * *`` stub (or empty)."""
    t = _PAGE.sub(" ", text).strip()
    return not t or bool(_STUB.match(t)) or t.endswith((":", "—"))


def _place(stack: list[_Node], label: str, forced_child: bool) -> list[_Node] | None:
    """The stack after placing ``label``: as a child of the deepest node or as a sibling of a node in the stack
    (None if it fits neither).

    Scores: the next sibling or a first child is strong; a later sibling or a later child (after text the
    amendment omits) is weak. On a tie, the deeper place wins when the deepest paragraph introduces sub-paragraphs
    (``_introduces``), the shallower one otherwise.
    """
    options: list[tuple[int, int, list[_Node]]] = []
    deepest = stack[-1]
    for kind in _candidates(label):
        n = _ordinal(label, kind)
        if _CHILD[deepest.kind] == kind:
            options.append((2 if n == 1 else 1, len(stack), [*stack, _Node(kind, label)]))
        if forced_child:
            continue
        for j in range(len(stack) - 1, 0, -1):
            if stack[j].kind == kind:
                old = _ordinal(stack[j].label, kind)
                if n > old:
                    options.append((2 if n == old + 1 else 1, j, [*stack[:j], _Node(kind, label)]))
                break
    if not options:
        return None
    top = max(score for score, _, _ in options)
    best = [o for o in options if o[0] == top]
    pick = max(best, key=lambda o: o[1]) if _introduces(deepest.text) else min(best, key=lambda o: o[1])
    return pick[2]


def _designator(stack: Sequence[_Node]) -> str:
    root = stack[0].label
    out = f"42 CFR {root}"
    for node in stack[1:]:
        out += f" ({node.label})" if node.kind == "term" else f"({node.label})"
    return out


def _labels(run: str) -> list[str]:
    return _ONE.findall(run)


@dataclass
class _Scan:
    file: str
    found: list[FoundParagraph] = field(default_factory=list)
    stack: list[_Node] = field(default_factory=list)
    instruction: str = ""
    pending_sections: list[str] = field(default_factory=list)
    section_line: dict[str, int] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    toc_next: str | None = None
    in_instruction: bool = False
    expect_heading: bool = False

    def emit(self, paragraph: str, line: int, text: str, kind: Kind) -> None:
        self.found.append(FoundParagraph(paragraph, line, text.strip(), kind))

    def open_section(self, section: str, line: int, heading: str | None) -> None:
        self.stack = [_Node("section", section)]
        if heading is not None:
            self.emit(f"42 CFR {section}", line, heading, "section")

    def definitions_context(self) -> bool:
        if "definition" in self.instruction.casefold():
            return True
        return any(n.kind == "letter" and n.text.startswith("Definitions") for n in self.stack)


def regulation_region(lines: Sequence[str], file: str = "<text>") -> tuple[int, int]:
    """0-based [start, end) of the amendatory text: from the first ``PART nnn—`` heading to the signature."""
    start = next((i for i, raw in enumerate(lines) if _PART.match(raw.strip())), None)
    if start is None:
        raise InputError(file, None, None, "no 'PART nnn—' heading: the text has no amendatory part")
    end = next((i for i in range(start, len(lines)) if lines[i].strip().startswith(("Start Signature", "Dated:"))),
               len(lines))
    return start, end


def scan_regulation_text(lines: Sequence[str], file: str = "<text>") -> list[FoundParagraph]:
    """Every paragraph the amendatory text of a Federal Register rule adds or revises, in text order.

    ``lines`` is the whole document (as read from ``shared/reference``; ``file`` names it in errors); only
    :func:`regulation_region` is read. A designator that fits nowhere in the hierarchy is an ``InputError`` naming
    the line.

    How it reads the text:

    * **Sections** come from the amendatory instructions ("3. Section 422.60 is amended by ..."); the line after the
      instruction that is not markup is the section heading ("Election process.") and is reported as the section
      (kind ``section``; the instruction line when no heading follows, e.g. an amendment that only removes words).
      An instruction adding several sections ("Section 422.629, 422.630, ... are added") is followed by a table of
      contents (a bare section number, then its title); each later line equal to one of those titles opens that
      section. "N. The authority citation for part 422 is revised" gives ``42 CFR part 422 (authority)``.
    * **Paragraphs** are the designators at the start of a line, tracked as a hierarchy (a)(1)(i)(A)(1)(i), with
      several on one line (``(a)(1)(i) Except ...``) and inline after a short heading (``(h) Review of sponsors'
      data. (1) A request ...``, ``(2) Timing of notice—(i) Standard ... (A) The ...``). A label that fits several
      levels ((i), (v), (x): letter or roman numeral; digits: level 2 or 5) goes where it is the next sibling or a
      first child; on a tie, below the current paragraph if that paragraph introduces sub-paragraphs (ends with
      ':' or '—', says "the following", or is a ``* * *`` stub), else beside it (so 422.629(i) follows (h)(3)).
    * **Stubs** (``(g) * * *``) only carry the hierarchy and are not reported; ``[Reserved]`` paragraphs are.
    * **Definitions**: in a definitions context (the instruction mentions definitions, or the enclosing lettered
      paragraph is "(a) Definitions"), a line starting with a term followed by "means", "refers to", "is" or
      ``* * *`` is a defined term, reported as ``42 CFR 422.2 (Term)``; its sub-paragraphs follow it
      (``42 CFR 422.2 (Preclusion list)(3)(i)``).
    * **Paragraphs named only in an instruction** (amended without their text printed: "Section 422.156 is amended in
      paragraph (b)(1) by removing the phrase ...") are reported at the instruction line (kind ``instruction``)
      unless the text reports them too. Only full designators starting with a paragraph letter are read there;
      relative ones ("(c)(1), (2), and (3)", "(i) through (v)") are left to the text.

    Known limitations (hold for CMS-4185-P; re-check for another document):

    * one paragraph per line, as the Federal Register text export gives it; a designator wrapped onto a new line
      would be read as a new paragraph;
    * roman numerals are read up to (xxxix); lettered paragraphs beyond (z) ((aa), (bb)) are not recognised;
    * an inline heading must be one short phrase without '.', '—' or parentheses before its designator;
    * a defined term must start with a capital letter and be followed by "means", "refers to", "is" or ``* * *``
      (a definition worded "... has the meaning ..." is missed);
    * an instruction's relative designators and ranges are not expanded (the text carries those paragraphs);
    * the tie rule between a letter and a roman numeral is a heuristic on how the preceding paragraph ends; a
      wrong reading shows up as a paragraph that has no entry, or as an ``InputError`` naming the line.
    """
    start, end = regulation_region(lines, file)
    scan = _Scan(file)
    part = ""
    for index in range(start, end):
        number = index + 1
        line = _PAGE.sub(" ", lines[index]).strip() if lines[index].strip().startswith("Start Printed") else \
            lines[index].strip()
        if not line:
            continue
        if m := _PART.match(line):
            part = m.group(1)
            continue
        if m := _AUTHORITY.match(line):
            _heading_missing(scan)
            scan.instruction = f"authority {m.group(1)}"
            scan.in_instruction, scan.expect_heading, scan.stack = True, False, []
            continue
        if line.startswith("Authority:") and scan.instruction.startswith("authority "):
            scan.emit(f"42 CFR part {scan.instruction.split()[1]} (authority)", number, line, "authority")
            continue
        if m := _INSTRUCTION.match(line):
            _read_instruction(scan, m.group(2), number)
            continue
        if scan.in_instruction and (_SUB_INSTRUCTION.match(line) or _MARKUP.match(line)):
            if _SUB_INSTRUCTION.match(line):
                scan.instruction += " " + line
                _instruction_paragraphs(scan, line, number)
            continue
        if _MARKUP.match(line) or not part:
            continue
        if scan.in_instruction:
            scan.in_instruction = False
        _read_content(scan, line, number)
    _heading_missing(scan)
    return _dedupe(scan.found)


def _heading_missing(scan: _Scan) -> None:
    """The section of the last instruction printed no heading: report it at its instruction line."""
    if scan.expect_heading and scan.stack:
        section = scan.stack[0].label
        scan.emit(f"42 CFR {section}", scan.section_line[section], scan.instruction, "section")
    scan.expect_heading = False


def _read_instruction(scan: _Scan, text: str, number: int) -> None:
    _heading_missing(scan)
    head = re.split(r"\s(?:is|are)\s", text, maxsplit=1)[0]
    sections = _SECTION_NUMBER.findall(head)
    scan.instruction = text
    scan.in_instruction = True
    scan.titles = {}
    scan.pending_sections = sections
    if not sections:
        scan.stack = []
        return
    if len(sections) == 1:
        scan.open_section(sections[0], number, None)
        scan.section_line[sections[0]] = number
        scan.expect_heading = True
        _instruction_paragraphs(scan, text, number)
    else:
        scan.stack = []
        scan.expect_heading = False
        for s in sections:
            scan.section_line[s] = number


def _instruction_paragraphs(scan: _Scan, text: str, number: int) -> None:
    if len(scan.pending_sections) != 1:
        return
    section = scan.pending_sections[0]
    for designator in _INSTRUCTION_PARAGRAPH.findall(text):
        scan.emit(f"42 CFR {section}{designator}", number, text, "instruction")


def _read_content(scan: _Scan, line: str, number: int) -> None:
    # tables of contents of a multi-section instruction: "422.629" then its title
    if len(scan.pending_sections) > 1:
        if m := _BARE_SECTION.match(line):
            scan.toc_next = m.group(1)
            return
        if scan.toc_next is not None:
            scan.titles[line], scan.toc_next = scan.toc_next, None
            return
        if line in scan.titles:
            scan.open_section(scan.titles[line], number, line)
            return
    if not scan.stack:
        return
    if scan.expect_heading:
        scan.expect_heading = False
        if not line.startswith("(") and not (scan.definitions_context() and _TERM.match(line)):
            scan.emit(f"42 CFR {scan.stack[0].label}", number, line, "section")
            return
        scan.expect_heading = True
        _heading_missing(scan)
    lead = _LEAD.match(line)
    if lead is None:
        term = _TERM.match(line) if scan.definitions_context() else None
        if term is not None:
            stack = scan.stack
            for j, node in enumerate(stack):
                if node.kind == "term":
                    stack = stack[:j]
                    break
            scan.stack = [*stack, _Node("term", term.group("term"), line)]
            scan.emit(_designator(scan.stack), number, line, "definition")
        return
    rest = line[lead.end():]
    _push_run(scan, _labels(lead.group(1)), rest, number, line, first_forced=False)
    while (inline := _INLINE.match(rest)) is not None:
        rest = rest[inline.end():]
        scan.stack[-1].text = inline.group(1)
        _push_run(scan, _labels(inline.group(2)), rest, number, line, first_forced=True)


def _push_run(scan: _Scan, labels: list[str], rest: str, number: int, line: str, *, first_forced: bool) -> None:
    stub = bool(_STUB.match(rest.strip()))
    for k, label in enumerate(labels):
        last = k == len(labels) - 1
        placed = _place(scan.stack, label, forced_child=first_forced or k > 0)
        if placed is None:
            raise InputError(scan.file, number, None,
                             f"paragraph ({label}) fits nowhere below {_designator(scan.stack)}: {line[:80]!r}")
        scan.stack = placed
        scan.stack[-1].text = rest if last else ""
        if last and not stub:
            scan.emit(_designator(scan.stack), number, rest or line, "paragraph")


def _dedupe(found: list[FoundParagraph]) -> list[FoundParagraph]:
    """One item per paragraph, in text order (a section before its paragraphs named on the same line).

    The text's own line wins over an instruction's mention; an instruction's mention is dropped when the text
    reports paragraphs below it (``422.162(a)`` is listed through its definitions).
    """
    text_keys = {paragraph_key(f.paragraph) for f in found if f.kind != "instruction"}
    out: dict[str, FoundParagraph] = {}
    for f in found:
        key = paragraph_key(f.paragraph)
        if f.kind == "instruction" and any(k == key or _under(k, key) for k in text_keys):
            continue
        out.setdefault(key, f)
    return sorted(out.values(), key=lambda f: (f.line, f.kind != "section"))
