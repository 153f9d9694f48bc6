"""A table that fits the terminal: low-priority columns are dropped first, then a stacked layout;
the columns that carry totals and differences are never cut. Rendering only: never computes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from rich import box as rbox
from rich.console import Console, ConsoleOptions
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

__all__ = ["Col", "SECTION", "FitTable"]

#: A row that is this object draws a section line.
SECTION = object()


@dataclass(frozen=True)
class Col:
    """A column: `priority` 0 is never dropped nor cut (names, totals, differences); higher
    numbers are dropped first when the terminal is too narrow. `fold` columns may wrap."""

    header: str
    justify: str = "right"
    priority: int = 0
    fold: bool = False
    label: str | None = None  # how a dropped column is named in the "left out" line


class FitTable:
    """Rows of cells (str or rich Text) under `cols`, laid out for the width it is given."""

    def __init__(self, cols: list[Col], rows: Iterable[Any], *, title: str | None = None, show_header: bool = True,
                 box: Any = rbox.SIMPLE_HEAD, pad_edge: bool = False) -> None:  # fmt: skip
        self.cols = cols
        self.rows = list(rows)
        self.title = title
        self.show_header = show_header
        self.box = box
        self.pad_edge = pad_edge

    def _cell_width(self, i: int) -> int:
        cells = [r[i] for r in self.rows if r is not SECTION]
        texts = [c.plain if isinstance(c, Text) else str(c) for c in cells] + [self.cols[i].header]
        return max((Text(t).cell_len for t in texts), default=0)

    def table(self, keep: list[int]) -> Table:
        t = Table(box=self.box, pad_edge=self.pad_edge, title=self.title, title_justify="left", show_header=self.show_header)
        for i in keep:
            c = self.cols[i]
            if c.fold:
                t.add_column(c.header, justify=c.justify, overflow="fold")  # type: ignore[arg-type]
            else:
                t.add_column(c.header, justify=c.justify, no_wrap=True, min_width=self._cell_width(i))  # type: ignore[arg-type]
        for row in self.rows:
            if row is SECTION:
                t.add_section()
            else:
                t.add_row(*[row[i] for i in keep])
        return t

    def layout(self, console: Console, options: ConsoleOptions) -> tuple[list[int], list[str], bool]:
        """(columns kept, names of the columns left out, whether to stack) for this width."""
        width = options.max_width
        keep = list(range(len(self.cols)))
        droppable = sorted((i for i, c in enumerate(self.cols) if c.priority > 0), key=lambda i: (-self.cols[i].priority, -i))
        dropped: list[str] = []
        unbounded = options.update(max_width=10_000)  # rich clamps a measurement to the width it is given
        while True:
            need = Measurement.get(console, unbounded, self.table(keep)).minimum
            if need <= width:
                return keep, dropped, False
            if not droppable:
                return list(range(len(self.cols))), [], True
            i = droppable.pop(0)
            keep.remove(i)
            dropped.append(self.cols[i].label or self.cols[i].header or "bar")

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Any]:
        keep, dropped, stacked = self.layout(console, options)
        if not stacked:
            yield self.table(keep)
            if dropped:
                yield Text(f"left out to fit {options.max_width} columns: {', '.join(dropped)} (wider terminal or --format json for all)", style="dim")
            return
        # too narrow for any table: one block per row, "header: value" a line, nothing cut
        if self.title:
            yield Text(self.title)
        for row in self.rows:
            if row is SECTION:
                yield Text("─" * min(options.max_width, 20), style="dim")
                continue
            lines = [Text.assemble(f"{c.header}: ", cell if isinstance(cell, Text) else Text(str(cell)))
                     for c, cell in zip(self.cols, row) if c.header and (cell.plain if isinstance(cell, Text) else str(cell))]  # fmt: skip
            for n, line in enumerate(lines):
                yield Text.assemble("  " if n else "", line)
