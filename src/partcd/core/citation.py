"""Citations: every regulatory number and every rule function points at its text.

``Cite`` is a CFR paragraph plus the source document, the line of the text in
``shared/reference`` and a short verbatim quote from that line (checked by the
law-tree tests, so citations cannot drift).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field

F = TypeVar("F", bound=Callable[..., object])


class Cite(BaseModel):
    """One citation: ``cfr`` paragraph, ``source`` id (sources.yaml), ``line`` and ``quote``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cfr: str = Field(min_length=1)
    source: str | None = None
    line: int | None = Field(default=None, ge=1)
    quote: str | None = None

    def label(self) -> str:
        """The one label shape: ``42 CFR 422.630(b) [cms-4185-p L2757]`` (the bracket only with a line)."""
        out = self.cfr
        if self.source and self.line:
            out += f" [{self.source} L{self.line}]"
        return out

    def __str__(self) -> str:
        return self.label()


#: One citation or several (an error, a row, a value may rest on more than one paragraph).
Cites = Cite | tuple[Cite, ...]


def cite_label(cite: Cite | Sequence[Cite] | None) -> str:
    """The label of one or several citations, ``"; "``-joined (``""`` for none): the only citation text shape."""
    if cite is None:
        return ""
    if isinstance(cite, Cite):
        return cite.label()
    return "; ".join(c.label() for c in cite)


def cites(*cfr: str) -> Callable[[F], F]:
    """Decorator: record the CFR paragraphs a rule function implements (read by ``--explain``)."""
    if not cfr:
        raise ValueError("cites() needs at least one CFR paragraph")

    def mark(fn: F) -> F:
        fn.__cites__ = tuple(cfr)  # type: ignore[attr-defined]
        return fn

    return mark


def cited(fn: object) -> tuple[str, ...]:
    """The CFR paragraphs a function was marked with by :func:`cites` (empty if none)."""
    return tuple(getattr(fn, "__cites__", ()))
