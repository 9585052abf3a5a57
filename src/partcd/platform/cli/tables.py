"""Terminal output that tells the truth at any width (issue 13, item 6): tables, verdict figures, progress bars.

- :func:`fitted_table`: key columns (contract, measure, verdict) are never wrapped or cut; figure columns never
  break a number; secondary columns fold, and are left out (named under the table) when even folded the table
  cannot fit the terminal. ``--json`` always has every column.
- :func:`figure`: a value beside its threshold with enough decimals that the shown number sits on the same side of
  the threshold as the value itself (``5.04``, not ``5.0``, for a disconnect rate over a 5 % limit).
- :func:`progress`: a Rich progress bar on stderr, off when stderr is not a terminal or the output is ``--json``.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from rich import box
from rich.console import Console, Group, RenderableType
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

Role = Literal["key", "figure", "secondary"]


@dataclass(frozen=True)
class Col:
    """One table column: ``key`` (identity or verdict: whole, never wrapped), ``figure`` (a number: never broken,
    its header may wrap) or ``secondary`` (text that folds, dropped first when the terminal is too narrow)."""

    header: str
    role: Role = "figure"
    justify: Literal["left", "right", "center"] = "left"


def fitted_table(title: str | None, columns: Sequence[Col], rows: Sequence[Sequence[str]], width: int) -> RenderableType:
    """A Rich table of ``rows`` that fits ``width`` columns without cutting a key or figure column: secondary
    columns are dropped from the right while the table's narrowest rendering is wider than ``width``; the caption
    names the dropped columns. When even the key and figure columns cannot sit side by side, each row becomes a
    block of ``column  value`` lines (every column, nothing cut)."""
    keep = list(range(len(columns)))
    measure = Console(width=max(width, 20), file=io.StringIO(), color_system=None)
    while True:
        table = _build(title, [columns[i] for i in keep], [[row[i] for i in keep] for row in rows])
        dropped = [columns[i].header for i in range(len(columns)) if i not in keep]
        if dropped:
            table.caption = f"not shown at this width: {', '.join(dropped)} (wider terminal or --json)"
        minimum = table.__rich_measure__(measure, measure.options.update(width=10_000)).minimum
        secondary = [i for i in keep if columns[i].role == "secondary"]
        if minimum <= width:
            return table
        if not secondary:
            return _records(title, columns, rows)
        keep.remove(secondary[-1])


def _records(title: str | None, columns: Sequence[Col], rows: Sequence[Sequence[str]]) -> RenderableType:
    """One ``column  value`` block per row: the narrow-terminal layout (headers and keys never wrap)."""
    blocks: list[RenderableType] = [title] if title else []
    for row in rows:
        block = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1))
        block.add_column(no_wrap=True)
        block.add_column(overflow="fold")
        for col, cell in zip(columns, row, strict=True):
            block.add_row(col.header, cell)
        blocks.append(block)
    return Group(*blocks)


def _build(title: str | None, columns: Sequence[Col], rows: Sequence[Sequence[str]]) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True)
    for n, col in enumerate(columns):
        if col.role == "key":  # a Text measures its longest word; an unwrapped cell needs its whole length
            whole = max([len(col.header), *(Text.from_markup(row[n]).cell_len for row in rows)])
            table.add_column(col.header, justify=col.justify, no_wrap=True, min_width=whole)
        elif col.role == "figure":
            table.add_column(col.header, justify=col.justify, overflow="fold",
                             min_width=max((len(w) for w in col.header.split()), default=1))
        else:
            table.add_column(col.header, justify=col.justify, overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


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


def verdict_cell(flag: bool | None) -> str:
    """yes / NO / n/a, coloured."""
    return {True: "[green]yes[/]", False: "[red]NO[/]", None: "n/a"}[flag]


Advance = Callable[..., None]


@contextmanager
def progress(description: str, total: int | None = None, *, console: Console, quiet: bool = False) -> Iterator[Advance]:
    """A transient progress bar on ``console`` (stderr) for one task; yields ``update(completed=..., total=...,
    description=...)``. Nothing is drawn when ``quiet`` (``--json``) or when the console is not a terminal; with
    ``total=None`` it is a spinner with the elapsed time (for one long query that reports no steps)."""
    bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=console, transient=True, disable=quiet or not console.is_terminal)
    with bar:
        task = bar.add_task(description, total=total)

        def update(**changes: object) -> None:
            bar.update(task, **changes)  # type: ignore[arg-type]

        yield update
