"""Terminal output that tells the truth at any width (issue 13, item 6): tables, verdict figures, progress bars.

- :func:`fitted_table`: key columns (contract, measure, verdict) are never wrapped or cut; figure columns never
  break a number; secondary columns fold, and are left out (named under the table) when even folded the table
  cannot fit the terminal. ``--json`` always has every column.
- :func:`figure`: a value beside its threshold with enough decimals that the shown number sits on the same side of
  the threshold as the value itself (``5.04``, not ``5.0``, for a disconnect rate over a 5 % limit).
- :func:`progress`: a Rich progress bar on stderr, off when stderr is not a terminal or the output is ``--json``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from rich import box
from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from partcd.platform.figures import figure

__all__ = ["Col", "figure", "fitted_table", "progress", "verdict_cell"]

Role = Literal["key", "figure", "wrap", "secondary"]


@dataclass(frozen=True)
class Col:
    """One table column: ``key`` (identity or verdict: whole, never wrapped), ``figure`` (a number: never broken,
    its header may wrap), ``wrap`` (text that decides or explains a verdict: folds, never dropped) or ``secondary``
    (text that folds, dropped first when the terminal is too narrow)."""

    header: str
    role: Role = "figure"
    justify: Literal["left", "right", "center"] = "left"


def fitted_table(title: str | None, columns: Sequence[Col], rows: Sequence[Sequence[str]], width: int) -> RenderableType:
    """A Rich table of ``rows`` that fits ``width`` columns without cutting a key or figure column.

    Every column gets an explicit width: a key column its longest cell (never wrapped), a figure column its longest
    cell or header word (the header may wrap, a number never breaks), the secondary columns what is left (at least
    their longest word, up to their longest cell), so Rich never squeezes a column below what it needs. Secondary
    columns are dropped from the right while they cannot get that much (the caption names them); when even the key
    and figure columns cannot sit side by side, each row becomes a block of ``column  value`` lines."""
    plain = [[Text.from_markup(cell).plain for cell in row] for row in rows]
    keep = list(range(len(columns)))
    while True:
        widths = _widths([columns[i] for i in keep], [[row[i] for i in keep] for row in plain], width)
        if widths is not None:
            table = _build(title, [columns[i] for i in keep], [[row[i] for i in keep] for row in rows], widths)
            dropped = [columns[i].header for i in range(len(columns)) if i not in keep]
            if dropped:
                table.caption = f"not shown at this width: {', '.join(dropped)} (wider terminal or --json)"
            return table
        secondary = [i for i in keep if columns[i].role == "secondary"]
        if not secondary:
            return _records(title, columns, rows)
        keep.remove(secondary[-1])


#: Characters a column costs besides its content in :func:`_build`'s style (one space each side, collapsed, no edge).
GAP = 2


def _widths(columns: Sequence[Col], rows: Sequence[Sequence[str]], width: int) -> list[int] | None:
    """Each column's width, or None when the key and figure columns plus the secondary columns' minimum do not fit."""
    def cells(i: int) -> list[str]:
        return [row[i] for row in rows]

    def longest_word(texts: Sequence[str]) -> int:
        return max((cell_len(w) for t in texts for w in t.split()), default=1)

    widths: list[int] = []
    for i, col in enumerate(columns):
        if col.role == "key":
            widths.append(max([cell_len(col.header), *(cell_len(c) for c in cells(i))]))
        elif col.role == "figure":
            widths.append(max([longest_word([col.header]), *(cell_len(c) for c in cells(i))]))
        else:
            widths.append(longest_word([col.header, *cells(i)]))
    room = width - sum(widths) - GAP * (len(columns) - 1)
    if room < 0:
        return None
    natural = {i: max([cell_len(col.header), *(cell_len(c) for c in cells(i))])
               for i, col in enumerate(columns) if col.role in {"wrap", "secondary"}}
    while room > 0:  # the text columns share what is left, one character each in turn, up to their longest cell
        growing = [i for i, n in natural.items() if widths[i] < n]
        if not growing:
            break
        for i in growing[:room]:
            widths[i] += 1
        room -= min(room, len(growing))
    return widths


def _build(title: str | None, columns: Sequence[Col], rows: Sequence[Sequence[str]], widths: Sequence[int]) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True)
    for col, w in zip(columns, widths, strict=True):
        table.add_column(col.header, justify=col.justify, width=w, no_wrap=col.role == "key",
                         overflow="ellipsis" if col.role == "key" else "fold")
    for row in rows:
        table.add_row(*row)
    return table


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
