"""The corrective action plan document the plan submits (CAP letter L7-L40; § 422.510(c)(1)): HTML, PDF, Word.

One :class:`partcd.compliance.pipelines.CapDocument` renders three ways: HTML from the Jinja template
``compliance/cap_document.html.j2``, PDF by printing that HTML with headless Chromium
(:func:`partcd.platform.report.print_pdf`, as the member notices are printed) and ``.docx`` with python-docx. The
extension of the output file picks the format. Text from the database lands in Word tables through
:func:`partcd.platform.exports.safe_cell`, so a name like ``=HYPERLINK(...)`` is shown as text, never a formula.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from partcd import __version__
from partcd.compliance.pipelines import ActionView, CapDocument
from partcd.core.errors import ConfigError
from partcd.platform import report
from partcd.platform.exports import safe_cell
from partcd.platform.jinja import environment

if TYPE_CHECKING:
    from docx.document import Document

TEMPLATE = "compliance/cap_document.html.j2"
FORMATS = (".pdf", ".docx", ".html")


def action_status(a: ActionView) -> str:
    """``done <day>``, ``OVERDUE`` or ``open`` as of the document's day."""
    if a.action.done_on is not None:
        return f"done {a.action.done_on.isoformat()}"
    return "OVERDUE" if a.overdue else "open"


def render_html(doc: CapDocument) -> str:
    return environment().get_template(TEMPLATE).render(doc=doc, d=doc.detail, c=doc.detail.cap, status_of=action_status,
                                                       version=__version__)


def write_cap_document(doc: CapDocument, out: Path) -> Path:
    """Write the document to ``out``; its extension (.pdf, .docx, .html) picks the format."""
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise ConfigError(f"--out {out.name}: the extension picks the format, one of {', '.join(FORMATS)}")
    if suffix == ".docx":
        return write_docx(doc, out)
    html = render_html(doc)
    if suffix == ".pdf":
        return report.print_pdf(html, out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return out


def _cell(value: object) -> str:
    """A table cell's text: ``-`` for nothing, otherwise the value through :func:`safe_cell`."""
    return "-" if value is None or value == "" else str(safe_cell(str(value)))


def _table(document: Document, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, header, strict=True):
        cell.text = name
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = _cell(value)


def write_docx(doc: CapDocument, out: Path) -> Path:
    """The document as Word (.docx), the same sections as the HTML/PDF."""
    import docx

    d, c = doc.detail, doc.detail.cap
    document = docx.Document()
    document.add_heading("Corrective Action Plan", level=0)
    document.add_paragraph(c.deficiency)
    document.add_paragraph(f"Status as of {doc.as_of.isoformat()} (overdue actions and the closure run are judged on this day).")
    for w in d.warnings:
        document.add_paragraph().add_run(f"Warning: {w}").bold = True

    document.add_heading("Cover", level=1)
    _table(document, ("Field", "Value"), (
        ("Contract(s)", ", ".join(c.contract_ids)), ("Parent organization", c.parent_organization),
        ("Legal entity", c.legal_entity), ("CAP request date", c.issued_on.isoformat()),
        ("Submission due", c.submission_due.isoformat() if c.submission_due else "not set"),
        ("Contact", doc.contact or "not given"),
        ("CMS first contact", c.cms_contacted_on.isoformat() if c.cms_contacted_on else "not recorded"),
        ("Program", f"Part {c.program}"),
        ("Identified through", c.detection_source.replace("_", " ") + ("" if c.self_disclosed else " (not self-disclosed)")),
        ("CAP status", f"{c.status} (record version {d.version})" + (f", closed {c.closed_on}" if c.closed_on else "")),
    ))

    document.add_heading("Deficiency and authorities", level=1)
    document.add_paragraph(c.deficiency)
    for a in c.authorities:
        document.add_paragraph(a, style="List Bullet")

    document.add_heading("Root causes", level=1)
    for r in c.root_causes:
        document.add_paragraph(r, style="List Number")
    if not c.root_causes:
        document.add_paragraph("No root cause recorded yet.")

    document.add_heading("Required elements and corrective actions", level=1)
    for n, sec in enumerate(doc.elements, start=1):
        desc = sec.element.description
        document.add_heading(f"{n}. {desc[:1].upper()}{desc[1:]}", level=2)
        document.add_paragraph(sec.element.cite)
        _actions(document, sec.actions)
        if sec.linked_records:
            document.add_paragraph("Linked business continuity records:")
            for r in sec.linked_records:
                document.add_paragraph(r, style="List Bullet")
    if doc.other_actions:
        document.add_heading("Other actions", level=2)
        _actions(document, doc.other_actions)

    document.add_heading("How compliance will be monitored and sustained", level=1)
    started = c.monitoring_started_on.isoformat() if c.monitoring_started_on else "not yet in monitoring"
    document.add_paragraph(
        "CMS will consider the CAP closed once its monitoring shows the affected contracts compliant (CAP letter). This plan "
        f"tracks that with monitoring periods per affected contract: the CAP may close when every affected contract has "
        f"{c.closure_compliant_periods} consecutive compliant periods starting on or after the day the CAP entered "
        f"monitoring ({started}). A non-compliant period restarts the run; a period without measurable calls neither "
        "counts nor breaks it.")
    document.add_paragraph(f"As of {doc.as_of.isoformat()}: {'closable' if d.closure.closable else 'not closable yet'} - "
                           f"{'; '.join(d.closure.reasons)}.")
    _table(document, ("Contract", "Compliant run", "Needed", "Last period", "Last failure"),
           [(r.contract_id, r.run, r.needed, r.last_period, r.last_failure) for r in d.closure.contracts])
    if doc.failed_periods:
        document.add_paragraph("Periods that did not count (which standard failed, which day):")
        _table(document, ("Contract", "Period", "Failed standards"),
               [(p.contract_id, p.period_start, ", ".join(p.failed_standards) or "not recorded") for p in doc.failed_periods])

    document.add_heading(f"Parent organization roll-up: {c.parent_organization}", level=1)
    _table(document, ("Contract", "Named in this CAP", "Compliant run", "Last failure", "Periods without calls", "Other CAPs"),
           [(r.contract_id, "yes" if r.in_this_cap else "no", f"{r.run} of {r.needed}" if r.run is not None else None,
             r.last_failure, r.periods_without_calls, "; ".join(r.other_caps)) for r in doc.rollup])

    document.add_heading("Status history", level=1)
    for h in c.history:
        document.add_paragraph(f"{h.on.isoformat()}: {h.status}" + (f" ({h.note})" if h.note else ""), style="List Bullet")
    out.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(out))
    return out


def _actions(document: Document, actions: Sequence[ActionView]) -> None:
    if not actions:
        document.add_paragraph().add_run("No action addresses this element yet.").bold = True
        return
    _table(document, ("Action", "Owner", "Due", "Status", "Evidence"),
           [(a.action.description, a.action.owner, a.action.due_on, action_status(a), "; ".join(a.action.evidence))
            for a in actions])
