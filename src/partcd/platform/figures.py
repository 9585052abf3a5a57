"""Figures beside their limits (issue 13, item 6): a value that decides a verdict is shown with the decimals that put
it on the same side of its limit as the value itself, in the terminal tables (:mod:`partcd.platform.cli.tables`)
and in the HTML reports (the ``figure`` filter of :func:`partcd.platform.jinja.environment`)."""

from __future__ import annotations


def figure(value: float | None, limit: float | None, *, at_most: bool, digits: int = 1, most_digits: int = 6) -> str:
    """``value`` with ``digits`` decimals, or more until the shown number is on the same side of ``limit`` as the
    value (``at_most``: compliant when value <= limit, else when value >= limit) and reads as ``limit`` only when the
    value is the limit. ``5.04`` over a limit of 5 shows ``5.04``; ``4.96`` shows ``4.96``, not ``5.0``. Past
    ``most_digits`` the shortest text that reads back as the value itself is shown."""
    if value is None:
        return "-"
    if limit is None:
        return f"{value:.{digits}f}"

    def complies(x: float) -> bool:
        return x <= limit if at_most else x >= limit

    for d in range(digits, most_digits + 1):
        text = f"{value:.{d}f}"
        shown = float(text)
        if complies(shown) == complies(value) and (shown == limit) == (value == limit):
            return text
    return repr(float(value))
