"""How many of the overview grid's areas are drawn: the first 50 in the order chosen, or all.

At national scale (153 areas) drawing every row at once is what makes the home page slow (React
mounts some 1,200 cells), so the grid shows the first ``PAGE_SIZE`` areas in the order the sort
says (the ranking chart's order) with a line saying so and a button to show them all; with no
more areas than that (the 12-area pilot) nothing changes. Pure: the server's own area order in,
the codes to draw and the words out; the browser only says "first" or "all".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: The most areas the grid draws until the reader asks for all of them.
PAGE_SIZE = 50
ROWS_FIRST, ROWS_ALL = "first", "all"
ROWS_CHOICES = (ROWS_FIRST, ROWS_ALL)


def checked_rows(value: object) -> str:
    """``value`` if it is one of ``ROWS_CHOICES``, else the first page (``ROWS_FIRST``)."""
    return value if isinstance(value, str) and value in ROWS_CHOICES else ROWS_FIRST


def other(value: object) -> str:
    """The choice the button switches to from ``value`` (all ↔ the first page)."""
    return ROWS_FIRST if checked_rows(value) == ROWS_ALL else ROWS_ALL


@dataclass(frozen=True)
class GridPage:
    """The areas the grid draws (``codes``, in the order chosen) out of ``total``; ``paged``:
    there are more areas than a page, so the line and the button show (else both are empty)."""

    codes: list[str]
    total: int
    paged: bool = False
    line: str = ""  # "Showing 50 of 153 areas …" (a polite live region: it says each change)
    button: str = ""  # "Show all 153 areas" / "Show the first 50"

    @property
    def counted(self) -> int | None:
        """How many areas the count row counts, when the grid draws fewer (else None)."""
        return self.total if self.paged else None


def grid_page(order: Sequence[str], rows: object, size: int | None = None) -> GridPage:
    """The areas of ``order`` (the server's own list, already sorted) the grid draws for the
    choice ``rows`` (checked: anything but "all" is the first page), ``size`` to a page."""
    size = PAGE_SIZE if size is None else size
    total = len(order)
    if total <= size:
        return GridPage(list(order), total)
    counts = f"The counts under the headings are of all {total} areas."
    if checked_rows(rows) == ROWS_ALL:
        return GridPage(
            list(order),
            total,
            paged=True,
            line=f"Showing all {total} areas, in the order chosen above. {counts}",
            button=f"Show the first {size}",
        )
    return GridPage(
        list(order[:size]),
        total,
        paged=True,
        line=f"Showing {size} of {total} areas, in the order chosen above. {counts}",
        button=f"Show all {total} areas",
    )
