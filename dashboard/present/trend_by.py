"""How a trend steps (issue 11 § 7): by quarter, or by financial year — the choice every trend
chart offers (the topic pages' filter bar, the area profile's trend card), its words, and which
financial years an annual trend draws.

A financial year's point is the engine's own figure for the year (its numerator over its
denominator, with its interval and suppression: ``lfo.indicators``), never an average of its
quarters. The engine publishes a year only for the areas whose returns cover all of it (an area
whose return stops part-way through is ``x``), and the programme's year pools only those areas
(spec, "Comparison and trend"). So a year is:

- drawn as it is when every area with a return into the year covers all of it;
- drawn and marked (``PART_MARK`` after its label, and a note) when some areas' returns stop
  part-way through it: its programme figure pools fewer areas than its quarters do;
- left out, with a note, when no return covers all of it yet (the year in progress): a part-year
  is not comparable with whole years (seasons, fewer months), and the quarterly trend shows it.

See docs/decisions.md, "Issue 11 — annual trends". Pure: no Dash, no database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from dashboard import urlstate
from lfo.periods import FinancialYear, Quarter, period, years_between

QUARTERLY, ANNUAL = "quarterly", "annual"
#: The choice's values and labels, in order (the address names the value: ``trend=annual``).
TREND_BY: tuple[tuple[str, str], ...] = ((QUARTERLY, "Quarterly"), (ANNUAL, "Financial years"))
DEFAULT = QUARTERLY
#: After the label of a year some areas' returns cover only in part.
PART_MARK = " *"
#: The trend's step in a page's address: ``trend=annual`` (quarterly by default, left out);
#: the topic pages' and the area profile's.
PARAM = urlstate.Param("trend", parse=urlstate.choice([v for v, _ in TREND_BY]), default=DEFAULT)


def checked(value: object) -> str:
    """The choice for a value the browser or an address sent: one of ``TREND_BY``, else the
    default."""
    allowed = {v for v, _ in TREND_BY}
    return value if isinstance(value, str) and value in allowed else DEFAULT


def step_words(trend_by: str) -> str:
    """How the trend steps, as a title ends: "by quarter", "by financial year"."""
    return "by financial year" if trend_by == ANNUAL else "by quarter"


def summary_words(trend_by: str) -> str:
    """The filter bar's summary item: "Trend by quarter", "Trend by financial year"."""
    return f"Trend {step_words(trend_by)}"


@dataclass(frozen=True)
class Years:
    """The financial years an annual trend asks the engine for (``shown``), those marked as
    covered by only some areas' returns (code → mark), and the notes that say why."""

    shown: list[str]
    marks: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _end(code: object) -> FinancialYear | Quarter | None:
    if code is None or pd.isna(code):
        return None
    try:
        return period(str(code))
    except ValueError:
        return None


def annual_years(
    period_from: str | None,
    period_to: str | None,
    periods: Sequence[str],
    returns: Sequence[object],
) -> Years:
    """The financial years from the year of ``period_from`` to the year of ``period_to`` that
    the engine publishes (``periods``: the periods with data), for the areas' current returns
    (``returns``: each area's return period code, None for none)."""
    if not period_from or not period_to:
        return Years([])
    published = set(periods)
    ends = [p.end for p in (_end(r) for r in returns) if p is not None]
    shown: list[str] = []
    marks: dict[str, str] = {}
    notes: list[str] = []
    for code in years_between(period_from, period_to):
        year = period(code)
        whole = sum(1 for e in ends if e >= year.end)
        part = sum(1 for e in ends if year.start <= e < year.end)
        if code not in published or not whole:
            if part:
                notes.append(
                    f"Financial year {code} is not drawn: no return covers all of it yet, and "
                    "part of a year is not comparable with whole years; the quarterly trend "
                    "shows its quarters so far."
                )
            continue
        shown.append(code)
        if part:
            marks[code] = PART_MARK
            areas = "area's return stops" if part == 1 else "areas' returns stop"
            notes.append(
                f"{code}{PART_MARK}: the programme's figure pools only the {whole} areas whose "
                f"returns cover all of the year; {part} {areas} part-way through it, so "
                f"{'it has' if part == 1 else 'they have'} no figure for it."
            )
    return Years(shown, marks, notes)
