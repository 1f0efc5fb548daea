"""When a quarter's return is due (service.md § 5): ``return_due_working_days`` working days
after the quarter ends, a working day being Monday to Friday except England's bank holidays.

Day 1 is the first working day after the quarter's last day, whatever day of the week the
quarter ends on (a quarter's last day is never counted, even when it is a working day: the LA
has had none of it to send the return). With the default 25, the return of the quarter that
ends on Wednesday 31 December 2025 is due on Thursday 5 February 2026 (1 January is a bank
holiday, so day 1 is Friday 2 January).

A return loaded at any time on its due date (London time) is on time. The bank holidays are the
``holidays`` package's for England (pinned in requirements.txt, so a date does not move under a
running service); a bank holiday announced later (a royal occasion) arrives with an upgrade of
that package.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays

from lfo.periods import Quarter

#: The default of the ``return_due_working_days`` setting (``LFO_RETURN_DUE_WORKING_DAYS``).
DEFAULT_WORKING_DAYS = 25
_WEEKEND = (5, 6)  # Saturday, Sunday


@lru_cache(maxsize=64)
def bank_holidays(year: int) -> frozenset[dt.date]:
    """England's bank holidays in ``year`` (observed days: a holiday on a weekend moves to the
    Monday, and those Mondays are listed)."""
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday and not a bank holiday in England."""
    return day.weekday() not in _WEEKEND and day not in bank_holidays(day.year)


def working_days_after(day: dt.date, n: int) -> dt.date:
    """The ``n``-th working day after ``day`` (``day`` itself never counts); ``n`` ≥ 1."""
    if n < 1:
        raise ValueError(f"a return is due at least 1 working day after its quarter, not {n}")
    found = 0
    while found < n:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            found += 1
    return day


def due_date(quarter: Quarter, working_days: int = DEFAULT_WORKING_DAYS) -> dt.date:
    """The last day on which ``quarter``'s return is on time."""
    return working_days_after(quarter.end, working_days)


def is_overdue(quarter: Quarter, today: dt.date, working_days: int = DEFAULT_WORKING_DAYS) -> bool:
    """Whether ``today`` is past the due date (a return not loaded by now is late)."""
    return today > due_date(quarter, working_days)


def loaded_late(
    quarter: Quarter, loaded_on: dt.date, working_days: int = DEFAULT_WORKING_DAYS
) -> bool:
    """Whether a return loaded on ``loaded_on`` (its London date) came after its due date."""
    return loaded_on > due_date(quarter, working_days)
