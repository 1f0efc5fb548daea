"""The data-quality page's shaping of what ``dashboard.services.queries`` reads: completeness
pooled over areas, and which quarters each area's current return covers (pure, except the two
reads made once per data version through the indicator cache).

The one data-quality figure that is an indicator, paired-outcome completeness, comes from the
engine, not from here.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboard.services import queries
from dashboard.services.indicator_data import IndicatorData
from lfo.periods import Quarter


def every_completeness(data: IndicatorData) -> pd.DataFrame:
    """``completeness(db)`` for every area, read once per data version (a copy: callers may
    add columns)."""
    return data.per_version(
        ("quality_data", "completeness"),
        lambda conn, _version: queries.completeness_rows(conn),
    ).copy()


def every_pooled_completeness(data: IndicatorData) -> pd.DataFrame:
    """``pooled_completeness(completeness(db))``, made once per data version (a copy)."""
    return data.per_version(
        ("quality_data", "pooled_completeness"),
        lambda conn, _version: pooled_completeness(queries.completeness_rows(conn)),
    ).copy()


def pooled_completeness(frame: pd.DataFrame) -> pd.DataFrame:
    """All areas' rows pooled per sheet and column: rows, stated, percent_stated."""
    if frame.empty:
        return pd.DataFrame(columns=["sheet", "column", "rows", "stated", "percent_stated"])
    out = frame.groupby(["sheet", "column"], as_index=False, sort=False)[["rows", "stated"]].sum()
    out["percent_stated"] = queries.percent(out["stated"], out["rows"])
    return out


def quarters_through(last: dt.date | None) -> list[Quarter]:
    """Every quarter from 2016-17 Q1 to the one containing ``last`` (none if ``last`` is None)."""
    if last is None:
        return []
    end = Quarter.containing(last)
    return [Quarter.from_index(i) for i in range(end.index + 1)]


def coverage_grid(current: pd.DataFrame) -> tuple[list[Quarter], pd.DataFrame]:
    """Area × quarter: does the area's current return cover the quarter?

    Returns the quarters (2016-17 Q1 to the latest covered by any return) and a boolean frame
    indexed by area_code with one column per quarter label. Returns are cumulative snapshots, so
    an area's current return covers every quarter up to its period's end.
    """
    ends = pd.to_datetime(current["period_end"], errors="coerce")
    last = ends.max()
    quarters = quarters_through(None if pd.isna(last) else last.date())
    grid = pd.DataFrame(index=current["area_code"].to_numpy())
    end_values = ends.to_numpy()
    for q in quarters:
        grid[q.label] = end_values >= pd.Timestamp(q.end).to_datetime64()
    return quarters, grid
