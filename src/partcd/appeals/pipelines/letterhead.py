"""Member notices (§§ 422.631(d)(1), 422.633(f)(4): "written in plain language and available in a language and format
that is accessible to the enrollee", 4185-P L2793, L2938; SSA § 1859(f)(8)(B)(iii), L329) -
the letterhead of each contract: plan name, mailing address, phone, TTY, hours and their time zone, plus the
contract's notice languages (its threshold languages) and the hours as each of them writes them.

One ``notice_letterhead`` row per contract, set and read here only: every change is an ``audit_event`` written in the
same transaction, and a change made against a stale ``version`` is refused (optimistic locking, like the cases). A
notice of a contract without a letterhead is refused (:func:`require_letterhead`, :class:`LetterheadMissing`): a
member letter is never printed with a blank address or phone number.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from sqlalchemy import Engine, select

from partcd.appeals.store import NoticeLetterhead
from partcd.core import calendar
from partcd.core.errors import ConfigError, InputError
from partcd.platform.store import audit
from partcd.platform.store.db import session_scope

log = logging.getLogger(__name__)

CONTRACT_RE = re.compile(r"^[A-Z][0-9]{4}$")
#: A language code: ISO 639-1 (``es``), optionally with a script or region (``zh-Hant``, ``pt-BR``).
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")


class LetterheadMissing(ConfigError):
    """A notice was asked for a contract without a letterhead (the message names the command that sets it)."""


def set_command(contract_id: str) -> str:
    """The command an admin runs to store the letterhead of a contract."""
    return (f"partcd appeals letterhead set --contract {contract_id} --plan-name NAME --address ADDRESS --phone PHONE "
            "--tty TTY --hours HOURS --time-zone ZONE [--language es --hours-in 'es=HOURS IN SPANISH' ...]")


class LetterheadRequest(BaseModel):
    """A contract's letterhead as an admin enters it (every field required: a letter is never printed with blanks)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    contract_id: str = Field(pattern=CONTRACT_RE.pattern, description="e.g. H1234")
    plan_name: str = Field(min_length=1, max_length=200)
    address: str = Field(min_length=1, max_length=500, description="mailing address; lines separated by newlines")
    phone: str = Field(min_length=7, max_length=40, pattern=r"^[0-9A-Za-z+().\- ]+$")
    tty: str = Field(min_length=3, max_length=40, pattern=r"^[0-9A-Za-z+().\- ]+$")
    hours: str = Field(min_length=1, max_length=200, description="e.g. 8 a.m. to 8 p.m., 7 days a week")
    time_zone: str = Field(min_length=1, max_length=60, description="IANA zone of the hours, e.g. America/New_York")
    languages: tuple[str, ...] = Field(default=("en",), min_length=1, max_length=20,
                                       description="notice languages of the contract, 'en' always among them")
    hours_translations: dict[str, str] = Field(default_factory=dict, max_length=20,
                                               description="the hours in each notice language besides English, "
                                                           "e.g. {'es': 'de 8 a.m. a 8 p.m., los 7 días de la semana'}")

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            calendar.zone_of(value)
        except ConfigError:
            raise ValueError(f"not an IANA time zone (e.g. America/New_York): {value[:60]!r}") from None
        return value

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [v for v in value if not LANGUAGE_RE.match(v)]
        if bad:
            raise ValueError(f"not a language code (ISO 639-1, e.g. es, zh-Hant): {bad[0][:20]!r}")
        if "en" not in value:
            raise ValueError("must include 'en' (Medicare notices are always available in English)")
        if len(set(value)) != len(value):
            raise ValueError("a language is listed twice")
        return ("en", *(v for v in value if v != "en"))

    @field_validator("hours_translations")
    @classmethod
    def _translations(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        languages = info.data.get("languages", ("en",))
        for code, text in value.items():
            if code == "en" or code not in languages:
                raise ValueError(f"{code[:20]!r} is not one of the contract's other languages "
                                 f"({', '.join(languages[1:]) or 'none'})")
            if not 1 <= len(text.strip()) <= 200:
                raise ValueError(f"the hours in {code!r} must be 1 to 200 characters")
        return value

    def hours_in(self, language: str) -> str | None:
        """The hours as the letter in ``language`` writes them (None when not given for that language)."""
        return self.hours if language == "en" else self.hours_translations.get(language)


class Letterhead(LetterheadRequest):
    """A stored letterhead (``notice_letterhead``)."""

    id: int
    updated_by: str
    updated_at: dt.datetime
    version: int = 1

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def _letterhead(row: NoticeLetterhead) -> Letterhead:
    return Letterhead(id=row.id, contract_id=row.contract_id, plan_name=row.plan_name, address=row.address,
                      phone=row.phone, tty=row.tty, hours=row.hours, hours_translations=dict(row.hours_translations),
                      time_zone=row.time_zone,
                      languages=tuple(row.languages), updated_by=row.updated_by, updated_at=row.updated_at,
                      version=row.version)


def _request(data: dict[str, Any] | LetterheadRequest) -> LetterheadRequest:
    if isinstance(data, LetterheadRequest):
        return data
    data = dict(data)
    if isinstance(data.get("contract_id"), str):
        data["contract_id"] = data["contract_id"].strip().upper()
    if isinstance(data.get("languages"), list):
        data["languages"] = tuple(str(v).strip() for v in data["languages"])
    try:
        return LetterheadRequest.model_validate(data)
    except ValidationError as exc:
        raise InputError.from_validation("letterhead", None, exc) from None


def set_letterhead(engine: Engine, request: dict[str, Any] | LetterheadRequest, *, actor: str,
                   expected_version: int | None = None, now: dt.datetime | None = None) -> Letterhead:
    """Create or replace the letterhead of a contract (audited). Replacing one with ``expected_version`` other than
    the stored version is refused (``RuleError``: someone else changed it; reload and retry)."""
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    req = _request(request)
    fields = req.model_dump(exclude={"contract_id"})
    fields["languages"] = list(req.languages)
    fields["hours_translations"] = {k: v.strip() for k, v in req.hours_translations.items()}
    with session_scope(engine) as s:
        row = s.scalars(select(NoticeLetterhead).where(NoticeLetterhead.contract_id == req.contract_id)).first()
        if row is None:
            row = NoticeLetterhead(contract_id=req.contract_id, **fields, updated_by=actor, created_at=now, updated_at=now)
            audit.create(s, row, actor=actor, reason=f"letterhead of contract {req.contract_id}")
        else:
            audit.update(s, row, {**fields, "updated_by": actor, "updated_at": now}, actor=actor,
                         expected_version=expected_version, reason=f"letterhead of contract {req.contract_id}")
        log.info("letterhead of contract %s set (version %s)", req.contract_id, row.version)
        return _letterhead(row)


def get_letterhead(engine: Engine, contract_id: str) -> Letterhead | None:
    """The stored letterhead of a contract, or None."""
    key = contract_id.strip().upper()
    with session_scope(engine, read_only=True) as s:
        row = s.scalars(select(NoticeLetterhead).where(NoticeLetterhead.contract_id == key)).first()
        return _letterhead(row) if row is not None else None


def list_letterheads(engine: Engine) -> list[Letterhead]:
    """Every stored letterhead, by contract."""
    with session_scope(engine, read_only=True) as s:
        return [_letterhead(r) for r in s.scalars(select(NoticeLetterhead).order_by(NoticeLetterhead.contract_id))]


def require_letterhead(engine: Engine, contract_id: str) -> Letterhead:
    """The letterhead a notice of this contract is printed with; :class:`LetterheadMissing` naming the command that
    sets it when there is none."""
    found = get_letterhead(engine, contract_id)
    if found is None:
        raise LetterheadMissing(f"contract {contract_id} has no letterhead: a member notice needs the plan's name, "
                                f"address, phone, TTY and hours; an admin sets them with: {set_command(contract_id)}")
    return found
