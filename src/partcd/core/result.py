"""Determinations: a computed answer together with the rule and the parameters that produced it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from partcd.core.params import ParamValue


class Verdict(BaseModel):
    """A compliance check of one measured value against one regulatory limit."""

    model_config = ConfigDict(frozen=True)

    standard: str
    measured: float | None
    limit: float
    comparison: str
    compliant: bool | None
    param: ParamValue

    @property
    def citation(self) -> str:
        return "; ".join(c.label() for c in self.param.cite)

    def explain(self) -> str:
        if self.measured is None:
            return (f"{self.standard}: not measurable (no eligible calls) - limit {self.comparison} {self.limit:g} "
                    f"({self.citation})")
        state = "meets" if self.compliant else "FAILS"
        return (f"{self.standard}: {self.measured:g} {state} limit {self.comparison} {self.limit:g} "
                f"[{self.param.file} {self.param.key}; {self.citation}]")


class Determination(BaseModel):
    """A value plus the rule id, its citations and the parameters used (for --explain / explain=true)."""

    model_config = ConfigDict(frozen=True)

    rule: str
    value: Any
    cites: tuple[str, ...] = ()
    params_used: tuple[ParamValue, ...] = ()
    reasons: tuple[str, ...] = ()
