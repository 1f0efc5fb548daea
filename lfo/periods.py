"""UK financial-year quarters and years: parsing, labels and date ranges.

A quarter is written ``2017-18_Q3`` (Oct–Dec 2017) and a financial year ``2017-18``.
Q1 = Apr–Jun, Q2 = Jul–Sep, Q3 = Oct–Dec, Q4 = Jan–Mar.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

PROGRAMME_START = dt.date(2016, 4, 1)
LONDON = ZoneInfo("Europe/London")

_QUARTER_RE = re.compile(r"^(\d{4})-(\d{2})_Q([1-4])$")
_YEAR_RE = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True)
class Quarter:
    """A financial-year quarter: ``fy`` is the year the financial year starts in."""

    fy: int
    q: int

    @property
    def index(self) -> int:
        """Quarters since 2016-17 Q1 (which is 0)."""
        return (self.fy - 2016) * 4 + self.q - 1

    @classmethod
    def from_index(cls, index: int) -> Quarter:
        return cls(2016 + index // 4, index % 4 + 1)

    @classmethod
    def containing(cls, day: dt.date) -> Quarter:
        fy = day.year if day.month >= 4 else day.year - 1
        q = (day.month - 4) % 12 // 3 + 1
        return cls(fy, q)

    @property
    def start(self) -> dt.date:
        month = 4 + 3 * (self.q - 1)
        year = self.fy if month <= 12 else self.fy + 1
        if month > 12:
            month -= 12
        return dt.date(year, month, 1)

    @property
    def end(self) -> dt.date:
        return (self + 1).start - dt.timedelta(days=1)

    @property
    def year_label(self) -> str:
        return f"{self.fy}-{(self.fy + 1) % 100:02d}"

    @property
    def label(self) -> str:
        """Machine form, ``2017-18_Q3``."""
        return f"{self.year_label}_Q{self.q}"

    @property
    def display(self) -> str:
        """Human form, ``2017-18 Q3``."""
        return f"{self.year_label} Q{self.q}"

    #: A quarter (not a financial year).
    is_quarter = True

    @property
    def option_label(self) -> str:
        """How a period choice reads in a select: ``2017-18 Q3``."""
        return self.display

    @property
    def in_words(self) -> str:
        """How the period reads inside a sentence: ``2017-18 Q3``."""
        return self.display

    def __add__(self, n: int) -> Quarter:
        return Quarter.from_index(self.index + n)

    def __sub__(self, n: int) -> Quarter:
        return Quarter.from_index(self.index - n)

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True, order=True)
class FinancialYear:
    fy: int

    @property
    def label(self) -> str:
        return f"{self.fy}-{(self.fy + 1) % 100:02d}"

    display = label
    #: A financial year (not a quarter).
    is_quarter = False

    @property
    def option_label(self) -> str:
        """How a period choice reads in a select: ``Financial year 2017-18``."""
        return f"Financial year {self.label}"

    @property
    def in_words(self) -> str:
        """How the period reads inside a sentence: ``financial year 2017-18``."""
        return f"financial year {self.label}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.fy, 4, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.fy + 1, 3, 31)

    @property
    def quarters(self) -> list[Quarter]:
        return [Quarter(self.fy, q) for q in range(1, 5)]

    def __str__(self) -> str:
        return self.label


Period = Quarter | FinancialYear


#: The financial years a code may name: four-digit years whose end is a date Python can hold
#: (``0001-02`` would be labelled ``1-02`` and ``9999-00`` ends in the year 10000).
FIRST_YEAR, LAST_YEAR = 1000, 9998


def _check_years(start: str, end2: str) -> int:
    fy = int(start)
    if (fy + 1) % 100 != int(end2):
        raise ValueError(f"{start}-{end2}: the second year must be the year after the first")
    if not FIRST_YEAR <= fy <= LAST_YEAR:
        raise ValueError(f"{start}-{end2} is not a financial year that data could be for")
    return fy


def parse_period(text: str) -> Period:
    """Parse ``2017-18_Q3`` or ``2017-18``; raise ValueError with a readable message."""
    text = text.strip()
    m = _QUARTER_RE.match(text)
    if m:
        return Quarter(_check_years(m.group(1), m.group(2)), int(m.group(3)))
    m = _YEAR_RE.match(text)
    if m:
        return FinancialYear(_check_years(m.group(1), m.group(2)))
    raise ValueError(
        f"'{text}' is not a period: write a quarter as 2017-18_Q3 or a financial year as 2017-18"
    )


@lru_cache(maxsize=4096)
def period(code: str) -> Period:
    """The period a machine code names (``2017-18_Q3`` or ``2017-18``): periods travel between
    the database, the engine's rows, addresses and the API as these codes; code that reasons
    about a period (quarter or year, its label, the year before) parses it here.
    ValueError for anything else."""
    return parse_period(code)


#: The last financial year a request (a page's address, an API parameter) may name: far beyond
#: any return, so that no honest request is refused, and a bound on what a request may ask for.
LAST_REQUESTED_YEAR = 2100


def requested_period(text: str) -> Period:
    """A period a request names (a page's address, an API parameter): a quarter or financial
    year from the programme's first quarter to ``LAST_REQUESTED_YEAR``. The one rule for what a
    request may ask for; ValueError (a message saying what is allowed) for anything else."""
    value = parse_period(text)
    first = Quarter.containing(PROGRAMME_START)
    if value.start < first.start:
        raise ValueError(
            f"'{value.label}' is before the programme began: its first period is {first.label}"
        )
    if value.end.year > LAST_REQUESTED_YEAR + 1:
        raise ValueError(
            f"'{value.label}' is too far ahead: the last financial year a request may name is "
            f"{FinancialYear(LAST_REQUESTED_YEAR).label}"
        )
    return value


def is_quarter(code: str) -> bool:
    """Whether a period code names a quarter (else a financial year)."""
    return period(code).is_quarter


def quarters_of(codes: Iterable[str]) -> list[str]:
    """The quarter codes among ``codes``, in their order."""
    return [c for c in codes if is_quarter(c)]


def years_of(codes: Iterable[str]) -> list[str]:
    """The financial-year codes among ``codes``, in their order."""
    return [c for c in codes if not is_quarter(c)]


def years_between(first: str, last: str) -> list[str]:
    """The financial-year codes from the year holding period ``first`` to the year holding
    ``last`` (quarter or year codes), oldest first: ``2016-17_Q3``, ``2018-19_Q1`` →
    ``2016-17``, ``2017-18``, ``2018-19``."""
    start, end = period(first).fy, period(last).fy
    return [FinancialYear(fy).label for fy in range(start, end + 1)]


def today() -> dt.date:
    """Today in Europe/London; ``LFO_TODAY=YYYY-MM-DD`` overrides it (for tests)."""
    override = os.environ.get("LFO_TODAY")
    if override:
        return dt.date.fromisoformat(override)
    return dt.datetime.now(LONDON).date()


def has_ended(quarter: Quarter, on: dt.date | None = None) -> bool:
    return (on or today()) > quarter.end
