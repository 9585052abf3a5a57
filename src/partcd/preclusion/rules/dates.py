"""Calendar arithmetic of the preclusion rules, written once so the per-claim code and the batch SQL agree.

* Years and months are added with month-end clamping (31 March + 1 month = 30 April), the arithmetic of DuckDB's
  ``date + INTERVAL``.
* A period of N years *beginning on* a date ends on the first day off = ``add_years(start - 1 day, N) + 1 day``:
  2 January 2020 + 10 years -> 2 January 2030; a 29 February conviction ends on 1 March (the full period runs).
* The NPI check digit is the Luhn digit over "80840" + the first nine digits (spec §1.12 [outside the rule]).
"""

from __future__ import annotations

import calendar
import datetime as dt

ONE_DAY = dt.timedelta(days=1)
#: Luhn sum of the constant prefix 80840 as it sits in front of a 9-digit NPI body (8, 0, 8, 4, 0 with doubling).
NPI_PREFIX_LUHN_SUM = 24


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` + ``months`` calendar months, clamped to the last day of the target month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` + ``years`` (29 February -> 28 February in a common year)."""
    return add_months(day, 12 * years)


def period_end_years(start: dt.date, years: int) -> dt.date:
    """First day after a period of ``years`` years that begins on ``start`` (the day it is over): the anniversary of
    ``start``; a period beginning on 29 February is over on 1 March of a common year (2001-03-01 + 3 years is over on
    2004-03-01, not on the leap day before it)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return dt.date(start.year + years, 3, 1)


def whole_months(start: dt.date, end: dt.date) -> int:
    """Complete calendar months from ``start`` to ``end`` (2 June 2020 -> 2 January 2030 = 115)."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    return months - 1 if end.day < start.day else months


def npi_check_digit_ok(npi: str) -> bool:
    """True for 10 digits whose last digit is the Luhn check digit over 80840 + the first nine.

    ``1234567893`` (CMS's example) passes, ``1234567890`` does not. "Active" needs NPPES data and is not checked.
    """
    if len(npi) != 10 or not npi.isascii() or not npi.isdigit():
        return False
    return luhn_check_digit(npi[:9]) == npi[9]


def luhn_check_digit(body: str) -> str:
    """The check digit completing a 9-digit NPI body (``body`` must be 9 ASCII digits; callers check)."""
    total = NPI_PREFIX_LUHN_SUM
    for position, char in enumerate(body):
        digit = ord(char) - 48
        if position % 2 == 0:  # body positions 1, 3, 5, 7, 9 are doubled (the rightmost body digit is doubled)
            digit = digit * 2 - 9 if digit >= 5 else digit * 2
        total += digit
    return str((10 - total % 10) % 10)
