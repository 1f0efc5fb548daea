"""What the indicator engine is asked and what it answers, and the periods a question selects.

``Query`` names the indicators, areas, periods, filter, interval and benchmark; ``Result`` holds the rows
(``ROW_COLUMNS``) and their ``ResultMeta``. ``available_periods`` lists the periods the data
allows, ``select_periods`` the ones a query asks for, in time order, and ``trend_windows`` the
five quarters the trend of each quarter asked is tested over.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lfo.indicators.benchmarks import KINDS as BENCHMARKS
from lfo.indicators.definitions import DEFINITIONS_VERSION
from lfo.indicators.indicator import Indicator
from lfo.periods import FinancialYear, Quarter, period

ROW_COLUMNS = [
    "indicator",
    "area_code",
    "area_name",
    "period",
    "category",
    "value",
    "lower",
    "upper",
    "numerator",
    "denominator",
    "comparison",
    "trend",
    "trend_judgement",
    "status",
]


@dataclass(frozen=True)
class Query:
    indicators: tuple[Indicator, ...]
    areas: tuple[str, ...] | None = None  # None: every area and the programme
    periods: tuple[str, ...] | None = None  # None: every period with data
    period_from: str | None = None
    period_to: str | None = None
    intervention: str | None = None
    level: str | None = None
    breakdowns: tuple[str, ...] | None = None
    ci: float = 95.0
    threshold: int = 10
    # what each area is compared with (lfo.indicators.benchmarks.KINDS): "programme",
    # "neighbours" (statistical neighbours) or "region" (the other areas of its region)
    benchmark: str = "programme"

    def __post_init__(self) -> None:
        if self.benchmark not in BENCHMARKS:
            raise ValueError(
                f"benchmark must be one of {', '.join(BENCHMARKS)}, not {self.benchmark!r}"
            )

    @property
    def grp(self) -> str:
        if self.intervention:
            return self.intervention
        if self.level:
            return f"level:{self.level}"
        return "all"

    @property
    def confidence(self) -> float:
        return self.ci / 100


@dataclass(frozen=True)
class ResultMeta:
    """What travels with every set of figures: when the data was last changed (ISO 8601, None
    before any load), the suppression threshold applied, and the definitions' version."""

    data_as_at: str | None
    threshold: int
    definitions_version: str = DEFINITIONS_VERSION

    def as_dict(self) -> dict[str, str | int | None]:
        """The API's ``meta`` object."""
        return {
            "data_as_at": self.data_as_at,
            "threshold": self.threshold,
            "definitions_version": self.definitions_version,
        }


@dataclass
class Result:
    # ROW_COLUMNS plus extras (benchmark, areas_pooled, return_period; with a group benchmark
    # also benchmark_kind, benchmark_status, benchmark_areas: lfo.indicators.benchmarks)
    rows: pd.DataFrame
    meta: ResultMeta


def period_bounds(code: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first and last day of a period, as timestamps to compare with the data's dates."""
    p = period(code)
    return pd.Timestamp(p.start), pd.Timestamp(p.end)


def select_periods(available: list[str], query: Query) -> list[str]:
    """The periods a query asks for, in time order (quarters before their year)."""
    chosen = set(query.periods) if query.periods else set(available)
    if query.period_from:
        start = period_bounds(query.period_from)[0]
        chosen = {p for p in chosen if period_bounds(p)[0] >= start}
    if query.period_to:
        end = period_bounds(query.period_to)[1]
        chosen = {p for p in chosen if period_bounds(p)[1] <= end}
    return sorted(chosen, key=lambda p: (period_bounds(p)[1], period(p).is_quarter))


def available_periods(cov: pd.DataFrame) -> list[str]:
    """Every quarter from 2016-17 Q1 to the latest return's, and every financial year that some
    area's return covers in full."""
    ends = cov["period_end"].dropna()
    if ends.empty:
        return []
    last = Quarter.containing(ends.max().date())
    quarters = [Quarter.from_index(i) for i in range(last.index + 1)]
    years = sorted({q.fy for q in quarters if Quarter(q.fy, 4).index <= last.index})
    return [q.label for q in quarters] + [FinancialYear(y).label for y in years]


def trend_windows(periods: list[str]) -> dict[str, list[str]]:
    """For each quarter among ``periods``, the five quarters ending with it, oldest first."""
    out = {}
    for code in periods:
        p = period(code)
        if isinstance(p, Quarter):
            out[code] = [(p - k).label for k in range(4, -1, -1)]
    return out
