"""The one error hierarchy of partcd.

Every error a user can cause is a :class:`PartcdError`; the CLI prints it as one
line and exits with code 2, the API answers 4xx with the same fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError

from partcd.core.citation import Cite, cite_label


class PartcdError(Exception):
    """Base class: a problem the user can fix (bad input, bad config, a rule refused)."""

    exit_code = 2

    def __str__(self) -> str:
        return self.message()

    def message(self) -> str:
        return self.args[0] if self.args else self.__class__.__name__

    def to_dict(self) -> dict[str, object]:
        return {"error": self.__class__.__name__, "message": self.message()}


@dataclass(eq=False)
class InputError(PartcdError):
    """A row of an input file is wrong: names the file, the 1-based data row and the field."""

    file: str
    row: int | None
    field: str | None
    reason: str

    def __post_init__(self) -> None:
        super().__init__(self.message())

    def message(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.field:
            where += f", field '{self.field}'"
        return f"{where}: {self.reason}"

    @classmethod
    def from_validation(cls, file: str, row: int | None, exc: ValidationError) -> InputError:
        """The first problem a pydantic schema found, with its field path."""
        fld, reason = first_problem(exc)
        return cls(file, row, fld, reason)

    def to_dict(self) -> dict[str, object]:
        return {
            "error": "InputError",
            "file": self.file,
            "row": self.row,
            "field": self.field,
            "reason": self.reason,
            "message": self.message(),
        }


@dataclass(eq=False)
class ParameterError(PartcdError):
    """A regulation parameter file is missing, malformed or asked for a period it lacks."""

    file: str
    key: str | None
    reason: str

    def __post_init__(self) -> None:
        super().__init__(self.message())

    def message(self) -> str:
        where = self.file + (f", key '{self.key}'" if self.key else "")
        return f"{where}: {self.reason}"

    @classmethod
    def from_validation(cls, file: str, exc: ValidationError, note: str = "") -> ParameterError:
        """The first problem a pydantic schema found in a parameter or data file, with its key path."""
        key, reason = first_problem(exc)
        return cls(file, key, reason + note)

    def to_dict(self) -> dict[str, object]:
        return {"error": "ParameterError", "file": self.file, "key": self.key,
                "reason": self.reason, "message": self.message()}


class ConfigError(PartcdError):
    """Settings or command-line options that cannot work together (bad engine, bad DB URL, ...)."""


class InvalidValue(PartcdError, ValueError):
    """A value handed to a pure rule is outside what the rule accepts; the message names the value and the reason.

    Also a :class:`ValueError`, so callers that validate numbers the Python way keep working.
    """


@dataclass(eq=False)
class RuleError(PartcdError):
    """The rule itself refuses the request (e.g. an illegal case transition), with its citation(s).

    ``cite`` is a :class:`~partcd.core.citation.Cite` (or several), taken from the area's parameter files, so the
    paragraph, line and quote are the ones ``tests/law`` checks; the message and ``to_dict`` show its label.
    """

    reason: str
    cite: Cite | tuple[Cite, ...] | None = None
    details: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not (self.cite is None or isinstance(self.cite, Cite)
                or (isinstance(self.cite, tuple) and all(isinstance(c, Cite) for c in self.cite))):
            raise TypeError(f"RuleError.cite must be a Cite or a tuple of Cite, got {self.cite!r}")
        super().__init__(self.message())

    @property
    def cites(self) -> tuple[Cite, ...]:
        """The citations as a tuple (empty if none)."""
        if self.cite is None:
            return ()
        return (self.cite,) if isinstance(self.cite, Cite) else self.cite

    @property
    def citation(self) -> str:
        """The label of the citation(s), ``""`` if none (see :func:`~partcd.core.citation.cite_label`)."""
        return cite_label(self.cite)

    def message(self) -> str:
        return self.reason + (f" ({self.citation})" if self.citation else "")

    def to_dict(self) -> dict[str, object]:
        return {"error": "RuleError", "reason": self.reason, "cite": self.citation or None,
                "details": self.details, "message": self.message()}


def first_problem(exc: ValidationError) -> tuple[str | None, str]:
    """(dotted field path or None, message) of the first error pydantic reports."""
    err = exc.errors()[0]
    return ".".join(str(p) for p in err["loc"]) or None, err["msg"]
