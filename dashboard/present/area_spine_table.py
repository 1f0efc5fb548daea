"""The area profile's spine as a phone reads it: one row per indicator with the area's figure, the
programme's, the comparison in words with the symbol the chart draws, and a small bar placing the
area and the benchmark the reader chose (the programme, its statistical neighbours or its region:
``dashboard.present.benchmark``) within the range of the areas' figures (pure; laid out by
``dashboard.layouts.spine_table``). The key under the table says which benchmark the upright line
is; where the chosen group's figure is suppressed (or missing) the row's bar draws no line and
says so under it ("Statistical neighbours [c]: suppressed, no line").

Below 768 px (``dashboard.theme.NARROW``: phones and 200% zoom) the page shows this table in place of the plotly spine, whose row labels, two
columns of figures and legend cannot fit in 390 px (issue 11 § 2). The bar uses the chart's own
scale (``dashboard.charts.spine.spine_positions``: right is better, or higher), so the table and
the chart place every mark alike: the chart and the bars are centred on the chosen benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.charts.spine import spine_positions
from dashboard.present.words import fmt

#: The chart's x range (``charts.spine``: -1.18 to 1.18); a bar's 0% and 100% are its ends.
SCALE_END = 1.18

#: The comparison's symbol: the shape of the area's marker on the chart (``COMPARISON_STYLE``).
SYMBOLS = {
    "worse": "■",
    "lower": "▼",
    "similar": "●",
    "better": "◆",
    "higher": "▲",
}
NOT_COMPARED = "○"


@dataclass(frozen=True)
class Bar:
    """Where the marks of one row's bar go, in percent of its width from the left (worse, or
    lower): the areas' range from ``low`` to ``high``, the chosen benchmark (the upright line)
    and the area (None: not drawn). ``missing``: why the benchmark has no line, said under the
    bar ("Region [c]: suppressed, no line"; "" when it has one, or for a count)."""

    low: float | None
    high: float | None
    benchmark: float | None
    area: float | None
    missing: str = ""


@dataclass(frozen=True)
class SpineRow:
    """One indicator of the phone table."""

    indicator: str
    name: str
    href: str
    area: str
    programme: str
    comparison: str
    symbol: str
    bar: Bar
    benchmark: str = ""  # the chosen group benchmark's figure ("" with the programme)
    #: each chosen comparison area's name and figure (``[c]`` where suppressed), in the
    #: picker's order: the line under the row
    chosen: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class SpineTable:
    """The phone table: caption, the area's column heading and the rows."""

    caption: str
    area_name: str
    rows: tuple[SpineRow, ...]
    #: the chosen group benchmark's column heading ("" with the programme), and the
    #: comparison column's ("Compared with its statistical neighbours")
    benchmark_heading: str = ""
    compared_heading: str = "Compared with the programme"
    #: what the bars' upright line is, in the key ("the programme", "its region, London")
    mark_words: str = "the programme"
    #: the area's column heading, with a soft hyphen where a long word may break
    #: ("Hertford\u00adshire"): headings wrap at spaces, never inside a word
    area_heading: str = ""


def _percent(position: float) -> float | None:
    """A spine position (-1 to 1, beyond where an area's interval reaches further) as percent of
    the bar's width, kept within it."""
    if not np.isfinite(position):
        return None
    return round(float(np.clip((position + SCALE_END) / (2 * SCALE_END), 0.0, 1.0)) * 100, 1)


def figure_text(value: object, unit: str, status: object) -> str:
    """A figure in its unit, or its status symbol (``[c]``, ``[x]``, ``[z]``)."""
    if isinstance(status, str) and status:
        return f"[{status}]"
    return fmt(value, unit) or "[x]"


#: How the bar says why the chosen group benchmark has no line, by its status.
NO_LINE = {"c": "suppressed", "x": "not available", "z": "not applicable"}


def spine_table(
    frame: pd.DataFrame,
    area_name: str,
    caption: str,
    words: list[str],
    *,
    benchmark: tuple[str, list[str]] | None = None,
    compared_heading: str = "Compared with the programme",
    centred: pd.DataFrame | None = None,
    mark: tuple[str, str] = ("Programme", "the programme"),
    compare: dict[str, str] | None = None,
) -> SpineTable:
    """The phone table from the spine's frame (``area_spine.spine_frame``) and each row's
    comparison in words (``area_spine.comparison_word``); ``benchmark``: the chosen group
    benchmark's column heading and each row's figure (``area_spine.group_cell``). The bars
    take the chart's scale from ``centred``, the frame the chart draws (its ``programme``
    column the chosen benchmark's figure; ``frame`` itself by default), and mark that centre
    where ``benchmark``'s cell is a figure; ``mark``: the benchmark's short label and its
    words in the key ("Statistical neighbours", "its statistical neighbours"); ``compare``:
    the chosen comparison areas (code → name), whose figures go under each row."""
    heading, cells = benchmark if benchmark is not None else ("", [""] * len(frame))
    label, mark_words = mark
    compare = compare or {}
    made = (heading, compared_heading, mark_words, breakable(area_name))
    if frame.empty:
        return SpineTable(caption, area_name, (), *made)
    pos = spine_positions(
        frame if centred is None else centred, ["min", "max", "value", "programme"]
    )
    rows: list[SpineRow] = []
    rowwise = zip(frame.iterrows(), pos.iterrows(), words, cells, strict=True)
    for (_, r), (_, p), word, cell in rowwise:
        unit, count = str(r["unit"]), r["kind"] == "count"
        ends = [_percent(p["min"]), _percent(p["max"])]
        low, high = (min(ends), max(ends)) if None not in ends else (None, None)  # type: ignore[type-var]
        shown = not (isinstance(r["status"], str) and r["status"])
        comparison = r["comparison"] if isinstance(r["comparison"], str) else None
        status = cell[1:-1] if cell.startswith("[") and cell.endswith("]") else ""
        missing = (
            ""
            if count or not status
            else f"{label} [{status}]: {NO_LINE.get(status, 'not shown')}, no line"
        )
        rows.append(
            SpineRow(
                indicator=str(r["indicator"]),
                name=str(r["name"]),
                href=f"/definitions#{r['indicator']}",
                area=figure_text(r["value"], unit, r["status"]),
                programme=programme_text(r),
                comparison=short_word(word),
                symbol=SYMBOLS.get(comparison, NOT_COMPARED) if comparison else NOT_COMPARED,
                bar=Bar(
                    low,
                    high,
                    None if count or status else _percent(p["programme"]),
                    _percent(p["value"]) if shown else None,
                    missing,
                ),
                benchmark=cell,
                chosen=tuple(
                    (name, figure_text(r[f"value:{c}"], unit, r[f"status:{c}"]))
                    for c, name in compare.items()
                ),
            )
        )
    return SpineTable(caption, area_name, tuple(rows), *made)


def programme_text(row: pd.Series) -> str:
    """The programme's figure: for a count its total ("total 1,234"), else the figure; its
    status symbol where it has none to show (never "total" alone)."""
    unit, status = str(row["unit"]), row["programme_status"]
    shown = fmt(row["programme"], unit)
    if row["kind"] == "count" and shown and not (isinstance(status, str) and status):
        return f"total {shown}"
    return figure_text(row["programme"], unit, status)


#: Where a long word in an area's name may break, with a hyphen shown (a soft hyphen before
#: the ending): "Hertford-shire", "Middles-brough". Other words never break.
ENDINGS = ("shire", "borough", "brough", "hampton", "minster", "field", "bridge")
LONG_WORD = 11


def breakable(name: str) -> str:
    """``name`` with a soft hyphen before a known ending of each word longer than
    ``LONG_WORD`` letters, so a narrow column heading can wrap there and nowhere else inside
    a word (screen readers ignore the soft hyphen)."""
    words = []
    for word in name.split(" "):
        if len(word) > LONG_WORD:
            for ending in ENDINGS:
                at = word.lower().rfind(ending)
                if at >= 4 and at + len(ending) == len(word):
                    word = f"{word[:at]}\u00ad{word[at:]}"
                    break
        words.append(word)
    return " ".join(words)


def short_word(word: str) -> str:
    """The comparison's words without what it is with ("than the programme", "to its
    statistical neighbours": the column's heading says it)."""
    first, _, rest = word.partition(" ")
    if first in SYMBOLS and rest.startswith(("than ", "to ")):
        return first
    return word


def bar_key(area_name: str, mark_words: str = "the programme") -> str:
    """The key to the bars, under the table; ``mark_words``: what the upright line is (the
    benchmark chosen: "the programme", "its statistical neighbours")."""
    line = "the programme" if mark_words == "the programme" else f"{mark_words} (the benchmark)"
    missing = (
        ""
        if mark_words == "the programme"
        else " Where that figure is suppressed or missing, the bar has no line and says so under it."
    )
    return (
        f"In each bar, the dot is {area_name}, the upright line {line} and the grey band "
        "the range of the areas' figures. Right is better (or higher, where an indicator has no "
        f"better or worse).{missing}"
    )


def chosen_key(table: SpineTable) -> str:
    """What the line under each row is, in the key ("" with no areas chosen)."""
    names = [name for name, _ in table.rows[0].chosen] if table.rows else []
    if not names:
        return ""
    which = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"Under each indicator, the figures of the areas chosen to compare with: {which}."
