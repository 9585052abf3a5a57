"""The auditor's step list: each step of a RADV computation with its formula and the numbers put into it.

§ 422.311(b)(1) (current CFR) has the audit report state the contract-level payment error estimate and the payment
adjustment in dollars, and § 422.311(c) lets the MA organization appeal the payment error calculation: a reader must be
able to redo every figure by hand. Every result of :mod:`partcd.radv.rules` carries a tuple of :class:`Step`.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict


class Step(BaseModel):
    """One line of the computation: ``label`` = ``formula`` = ``computation`` -> ``value``."""

    model_config = ConfigDict(frozen=True)

    label: str
    formula: str
    computation: str
    value: float | None = None

    def text(self) -> str:
        shown = "" if self.value is None else f" = {num(self.value)}"
        return f"{self.label}: {self.formula}; {self.computation}{shown}"


def num(x: float | None, digits: int = 6) -> str:
    """A number as an auditor reads it: thousands separators, up to ``digits`` decimals, no trailing zeros."""
    if x is None:
        return "n/a"
    if math.isinf(x) or math.isnan(x):
        return str(x)
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    text = f"{x:,.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def usd(x: float | None) -> str:
    """Dollars to the cent (``$1,234.50``; negative as ``-$12.00``)."""
    if x is None:
        return "n/a"
    sign = "-" if x < 0 else ""
    return f"{sign}${abs(x):,.2f}"
