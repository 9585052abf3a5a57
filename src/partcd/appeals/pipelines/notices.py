"""§§ 422.629(g), 422.630(e), 422.631(d), 422.632, 422.633(e)(4), 422.633(f)(4), 422.564(e)(3), 423.564(e)(3),
422.568, 422.570 - member notices: the letter the member receives and its internal audit copy (4185-P L2767-L2779,
L2793, L2938).

* **Member letter** (``audit_copy=False``): the contract's letterhead (plan name, address, phone, TTY, hours and their
  time zone, :mod:`partcd.appeals.pipelines.letterhead`), every element the rule lists (the period's
  ``notice_elements_table``) in plain language, and nothing internal: no citation, no parameter, no line number, no
  tool footer.
* **Audit copy** (``audit_copy=True``): the same letter plus the citation of each element and a block with every
  element's requirement, every obligation of the case (due time, start event, citation, parameters used), the
  parameter period, the template language, the letterhead version, and when and by which version it was printed.

A notice is dated by its **event** (:func:`notice_event`): the date a notice was recorded as sent, else the date on
the decision (``notice_date``), else the day of the event that triggers it (decision, resolution, extension, denial of
expedited handling, receipt, request for continuation). Every deadline in it is computed from the case's events, never
from the time of printing, so a notice printed later says what it said on its date.

Languages: a notice is printed in a language the contract's letterhead lists (its threshold languages) and for which
``templates/notices/<lang>/`` holds every notice kind (:func:`template_languages`); anything else is refused
(:class:`NoticeLanguageUnavailable`) naming what exists. The templates of every language render the same elements
(``tests/appeals/test_appeals_notice_language.py``).
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.resources
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from partcd import __version__
from partcd.appeals.pipelines.cases import case_params, resolution_of
from partcd.appeals.pipelines.letterhead import Letterhead
from partcd.appeals.rules.clocks import zone_of
from partcd.appeals.rules.parameters import AppealsParams
from partcd.appeals.rules.workflow import NOTICE_KINDS, Case, NoticeKind, notice_elements, obligations
from partcd.core.errors import ConfigError
from partcd.platform import report
from partcd.platform.jinja import environment

#: Names of the languages with templates (shown in refusals and in the admin page).
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "es": "Spanish (español)"}

_MONTHS: dict[str, tuple[str, ...]] = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
           "noviembre", "diciembre"),
}
#: How the letter names the time zone of the plan's hours (IANA name otherwise).
_ZONE_NAMES: dict[str, dict[str, str]] = {
    "en": {"America/New_York": "Eastern time", "America/Chicago": "Central time", "America/Denver": "Mountain time",
           "America/Phoenix": "Arizona time", "America/Los_Angeles": "Pacific time", "America/Anchorage": "Alaska time",
           "Pacific/Honolulu": "Hawaii time", "America/Puerto_Rico": "Atlantic time"},
    "es": {"America/New_York": "hora del Este", "America/Chicago": "hora del Centro",
           "America/Denver": "hora de la Montaña", "America/Phoenix": "hora de Arizona",
           "America/Los_Angeles": "hora del Pacífico", "America/Anchorage": "hora de Alaska",
           "Pacific/Honolulu": "hora de Hawái", "America/Puerto_Rico": "hora del Atlántico"},
}


class NoticeLanguageUnavailable(ConfigError):
    """A notice was asked in a language the contract does not list or that has no templates."""


def _template_root() -> Path:
    return Path(str(importlib.resources.files("partcd.appeals"))) / "templates" / "notices"


@functools.cache
def template_languages() -> tuple[str, ...]:
    """The languages whose folder ``templates/notices/<lang>/`` has a template for every notice kind (``en`` first)."""
    root = _template_root()
    found = [d.name for d in sorted(root.iterdir()) if d.is_dir()
             and all((d / f"{kind}.html.j2").is_file() for kind in NOTICE_KINDS)]
    return tuple(sorted(found, key=lambda code: (code != "en", code)))


def check_language(letterhead: Letterhead, language: str) -> str:
    """The language a notice of this contract may be printed in, or :class:`NoticeLanguageUnavailable`."""
    lang = language.strip()
    if lang not in letterhead.languages:
        raise NoticeLanguageUnavailable(
            f"contract {letterhead.contract_id} does not list notice language {lang[:20]!r} (its languages: "
            f"{', '.join(letterhead.languages)}); an admin adds it with: partcd appeals letterhead set --contract "
            f"{letterhead.contract_id} ... --language {lang[:20]}")
    if lang not in template_languages():
        raise NoticeLanguageUnavailable(
            f"no notice templates in {lang[:20]!r}: notices can be printed in "
            f"{', '.join(f'{c} ({LANGUAGE_NAMES.get(c, c)})' for c in template_languages())}; the {lang[:20]!r} "
            f"templates must be added to templates/notices/{lang[:20]}/ before contract {letterhead.contract_id} can "
            "send them")
    if letterhead.hours_in(lang) is None:
        raise NoticeLanguageUnavailable(
            f"contract {letterhead.contract_id} has no hours written in {lang!r} for its letterhead; an admin adds them "
            f"with: partcd appeals letterhead set --contract {letterhead.contract_id} --hours-in '{lang}=...'")
    return lang


def notice_event(case: Case, kind: NoticeKind) -> tuple[str, dt.datetime]:
    """The event that dates the notice: when it was recorded as sent, else the event that triggers it."""
    if kind in case.notices:
        return "notice_sent", case.notices[kind]
    decided = case.decided_at or case.deemed_adverse_at
    by_kind: dict[str, tuple[str, dt.datetime | None]] = {
        "acknowledgement": ("receipt", case.received),
        "extension": ("extension", case.extension.decided if case.extension else None),
        "standard_extension": ("extension", case.extension.decided if case.extension else None),
        "denial_of_expedite": ("expedite_denied", case.expedite_denied_at),
        "standard_denial_of_expedite": ("expedite_denied", case.expedite_denied_at),
        "continuation": ("continuation_requested", case.continuation_requested_at),
        "grievance_resolution": ("resolution", case.notice_sent or decided),
    }
    name, at = by_kind.get(kind, ("decision", case.notice_sent or decided))
    if at is None:
        raise ConfigError(f"the {kind} notice has no event to be dated by yet (case status {case.status})")
    return name, at


def notice_date(case: Case, kind: NoticeKind, zone: dt.tzinfo) -> dt.date:
    """The date the notice carries: the decision's ``notice_date`` for a decision notice, else its event's local day."""
    name, at = notice_event(case, kind)
    if name != "notice_sent" and case.notice_date is not None and kind in (
            "adverse_determination", "reconsideration_resolution", "standard_denial", "grievance_resolution"):
        return case.notice_date
    return at.astimezone(zone).date()


def _day(lang: str, zone: dt.tzinfo, t: dt.datetime | dt.date | None) -> str:
    if t is None:
        return ""
    d = t.astimezone(zone).date() if isinstance(t, dt.datetime) else t
    month = _MONTHS[lang][d.month - 1] if lang in _MONTHS else _MONTHS["en"][d.month - 1]
    return f"{d.day} de {month} de {d.year}" if lang == "es" else f"{month} {d.day}, {d.year}"


def _local(lang: str, zone: dt.tzinfo, t: dt.datetime | None) -> str:
    if t is None:
        return ""
    loc = t.astimezone(zone)
    sep = "," if lang == "es" else ""
    return f"{_day(lang, zone, loc)}{sep} {loc.strftime('%H:%M %Z')}"


def sentence(text: str | None) -> str:
    """Free text as one sentence: trimmed, ending in exactly one full stop (or its own ``?``/``!``); '' when empty."""
    body = re.sub(r"\s+", " ", text or "").strip()
    body = re.sub(r"[.\s]+$", "", body)
    if not body:
        return ""
    return body if body[-1] in "?!" else body + "."


def clause(text: str | None) -> str:
    """Free text inside a sentence: trimmed, without a closing full stop, colon or semicolon (the template adds it)."""
    return re.sub(r"[.;:,\s]+$", "", re.sub(r"\s+", " ", text or "").strip())


def _last_note(case: Case, kinds: Sequence[str]) -> str:
    notes = [e.note for e in case.events if e.kind in kinds and e.note]
    return notes[-1] if notes else ""


def render_notice(case: Case, kind: NoticeKind, *, case_id: int | str, letterhead: Letterhead, language: str = "en",
                  audit_copy: bool = False, printed_at: dt.datetime | None = None,
                  state_overrides: Sequence[Any] = ()) -> str:
    """The notice as HTML: every element of ``notice_elements`` is a ``data-element`` block.

    ``letterhead``: the case's contract's (:func:`partcd.appeals.pipelines.letterhead.require_letterhead`); ``language``
    one of its languages with templates; ``audit_copy`` adds the citations and the parameter block; ``printed_at`` is
    shown in the audit copy only (the letter is dated by its event); ``state_overrides``: those pinned to the case."""
    if letterhead.contract_id != case.contract_id:
        raise ConfigError(f"letterhead of contract {letterhead.contract_id} given for a case of contract {case.contract_id}")
    lang = check_language(letterhead, language)
    params = case_params(case.received, case.zone, state_overrides)
    obs = {o.id: o for o in obligations(case, params)}
    zone = zone_of(case.zone or params.typed(AppealsParams).plan_time_zone_text)
    event_name, event_at = notice_event(case, kind)
    context: dict[str, Any] = {
        "case": case, "case_id": case_id, "kind": kind, "lang": lang, "audit_copy": audit_copy,
        "elements": {e.id: e for e in notice_elements(params)[kind]}, "obligations": obs, "letterhead": letterhead,
        "hours": letterhead.hours_in(lang),
        "zone_label": _ZONE_NAMES.get(lang, {}).get(letterhead.time_zone, letterhead.time_zone),
        "version": __version__, "params_file": params.file,
        "local": functools.partial(_local, lang, zone), "day": functools.partial(_day, lang, zone),
        "sentence": sentence, "clause": clause, "resolution": resolution_of(case, obs),
        "decision_note": _last_note(case, ("decide",)), "resolution_note": _last_note(case, ("resolve",)),
        "notice_date": notice_date(case, kind, zone), "notice_event": event_name, "notice_event_at": event_at,
        "printed_at": (printed_at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC),
    }
    return environment().get_template(f"appeals/notices/{lang}/{kind}.html.j2").render(**context)


def write_notice_pdf(html: str, out: Path, *, chromium: str | None = None, timeout_s: float = 90) -> Path:
    """Print the notice HTML to PDF with headless Chromium (:func:`partcd.platform.report.print_pdf`)."""
    return report.print_pdf(html, out, chromium=chromium, timeout_s=timeout_s)
