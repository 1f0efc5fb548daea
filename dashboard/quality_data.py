"""Read queries of the data-quality page: named, parameterised, read-only.

Data-quality figures (indicators.md § Data quality figures) count returns, findings and cells, not
people, so they are not suppressed. The one exception, paired-outcome completeness, is an indicator
and comes from the engine (``dashboard.data``), not from here.

Every function takes the app's ``Database`` and returns a DataFrame; ``area`` (a GSS code) narrows
the result to one area, ``None`` means every programme area. Values are always bound parameters.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Connection, Select, case, func, select

from dashboard.data import IndicatorData
from dashboard.db import Database
from lfo import schema
from lfo.findings import CODES
from lfo.periods import Quarter

AREA_COLUMNS = ["area_code", "area_name", "region"]
CURRENT_COLUMNS = [
    "area_code",
    "area_name",
    "region",
    "period",
    "period_end",
    "file_name",
    "load_id",
    "loaded_at",
    "rows_held_back",
    "outcome",
]
LOAD_COLUMNS = [
    "load_id",
    "area_code",
    "period",
    "file_name",
    "outcome",
    "participants_loaded",
    "episodes_loaded",
    "outcomes_loaded",
    "rows_held_back",
    "errors",
    "warnings",
    "flags",
    "started_at",
    "finished_at",
]
FINDING_COUNT_COLUMNS = ["area_code", "code", "severity", "title", "findings"]
HELD_BACK_COLUMNS = ["area_code", "sheet", "rows", "unresolved"]
COMPLETENESS_COLUMNS = ["area_code", "sheet", "column", "rows", "stated", "percent_stated"]

#: The outcomes of etl_load_log whose data became (or stayed) current.
ACCEPTED = ("loaded", "loaded with quarantine", "forced")


def _frame(db: Database, query: Select, columns: list[str]) -> pd.DataFrame:
    with db.engine.connect() as conn:
        return _read(conn, query, columns)


def _read(conn: Connection, query: Select, columns: list[str]) -> pd.DataFrame:
    # plain tuples: pandas reading SQLAlchemy Row objects looks each one up as a mapping first
    rows = [tuple(r) for r in conn.execute(query)]
    return pd.DataFrame(rows, columns=columns)


def _when(series: pd.Series) -> pd.Series:
    """SQLite may hand back DateTime columns as text: make them datetimes (naive UTC)."""
    return pd.to_datetime(series, errors="coerce")


def areas(db: Database) -> pd.DataFrame:
    """Every programme area: area_code, area_name, region; ordered by region and name."""
    a = schema.areas
    query = select(a.c.gss_code, a.c.name, a.c.region).order_by(a.c.region, a.c.name)
    return _frame(db, query, AREA_COLUMNS)


def current_returns(db: Database, area: str | None = None) -> pd.DataFrame:
    """Every area with its current return (nulls where none) and that load's outcome."""
    a, r, log = schema.areas, schema.returns, schema.etl_load_log
    query = (
        select(
            a.c.gss_code,
            a.c.name,
            a.c.region,
            r.c.period,
            r.c.period_end,
            r.c.file_name,
            r.c.load_id,
            r.c.loaded_at,
            r.c.rows_held_back,
            log.c.outcome,
        )
        .select_from(
            a.outerjoin(r, r.c.area_code == a.c.gss_code).outerjoin(
                log, log.c.load_id == r.c.load_id
            )
        )
        .order_by(a.c.region, a.c.name)
    )
    if area is not None:
        query = query.where(a.c.gss_code == area)
    df = _frame(db, query, CURRENT_COLUMNS)
    df["loaded_at"] = _when(df["loaded_at"])
    df["period_end"] = pd.to_datetime(df["period_end"], errors="coerce").dt.date
    return df


def load_log(db: Database, area: str | None = None, limit: int = 500) -> pd.DataFrame:
    """Every return sent (newest first): its outcome, row counts, findings counts and times.

    Loads whose file name could not be read have no area; they are listed only for all areas.
    """
    log = schema.etl_load_log
    query = (
        select(*(log.c[c] for c in LOAD_COLUMNS))
        .order_by(log.c.started_at.desc(), log.c.load_id.desc())
        .limit(limit)
    )
    if area is not None:
        query = query.where(log.c.area_code == area)
    df = _frame(db, query, LOAD_COLUMNS)
    df["started_at"] = _when(df["started_at"])
    df["finished_at"] = _when(df["finished_at"])
    return df


def finding_counts(db: Database, area: str | None = None) -> pd.DataFrame:
    """Findings of each area's current return, counted by code, with the code's title and severity."""
    f, r = schema.etl_findings, schema.returns
    query = (
        select(r.c.area_code, f.c.code, f.c.severity, func.count())
        .select_from(r.join(f, f.c.load_id == r.c.load_id))
        .group_by(r.c.area_code, f.c.code, f.c.severity)
        .order_by(r.c.area_code, f.c.code)
    )
    if area is not None:
        query = query.where(r.c.area_code == area)
    df = _frame(db, query, ["area_code", "code", "severity", "findings"])
    df["title"] = df["code"].map(lambda c: CODES.get(c, ("", "unknown code"))[1])
    return df[FINDING_COUNT_COLUMNS]


def held_back(db: Database, area: str | None = None) -> pd.DataFrame:
    """Rows held back (quarantined) from each area's current return, by sheet."""
    h, r = schema.etl_held_back, schema.returns
    unresolved = func.sum(case((h.c.resolved.is_(False), 1), else_=0))
    query = (
        select(r.c.area_code, h.c.sheet, func.count(), unresolved)
        .select_from(r.join(h, (h.c.load_id == r.c.load_id) & (h.c.area_code == r.c.area_code)))
        .group_by(r.c.area_code, h.c.sheet)
        .order_by(r.c.area_code, h.c.sheet)
    )
    if area is not None:
        query = query.where(r.c.area_code == area)
    df = _frame(db, query, HELD_BACK_COLUMNS)
    df["unresolved"] = df["unresolved"].fillna(0).astype(int)
    return df


def completeness(db: Database, area: str | None = None) -> pd.DataFrame:
    """Optional fields of each area's current return: rows, rows stated and % stated (0-100).

    An explicit ``not_stated`` counts as not stated (indicators.md, dq.completeness).
    """
    with db.engine.connect() as conn:
        return _completeness(conn, area)


def _completeness(conn: Connection, area: str | None = None) -> pd.DataFrame:
    c = schema.sum_completeness
    query = select(c.c.area_code, c.c.sheet, c.c.column, c.c.rows, c.c.stated).order_by(
        c.c.area_code, c.c.sheet, c.c.column
    )
    if area is not None:
        query = query.where(c.c.area_code == area)
    df = _read(conn, query, COMPLETENESS_COLUMNS[:-1])
    df["percent_stated"] = percent(df["stated"], df["rows"])
    return df


def every_completeness(data: IndicatorData) -> pd.DataFrame:
    """``completeness(db)`` for every area, read once per data version (a copy: callers may
    add columns)."""
    return data._cached(
        ("quality_data", "completeness"),
        lambda conn, _version: _completeness(conn),
    ).copy()


def every_pooled_completeness(data: IndicatorData) -> pd.DataFrame:
    """``pooled_completeness(completeness(db))``, made once per data version (a copy)."""
    return data._cached(
        ("quality_data", "pooled_completeness"),
        lambda conn, _version: pooled_completeness(_completeness(conn)),
    ).copy()


def percent(stated: pd.Series, rows: pd.Series) -> pd.Series:
    """100 × stated ÷ rows, NaN where there are no rows (unrounded: rounding is for display)."""
    rows = pd.to_numeric(rows, errors="coerce").astype(float)
    stated = pd.to_numeric(stated, errors="coerce").astype(float)
    return (100.0 * stated / rows.where(rows > 0)).astype(float)


def pooled_completeness(frame: pd.DataFrame) -> pd.DataFrame:
    """All areas' rows pooled per sheet and column: rows, stated, percent_stated."""
    if frame.empty:
        return pd.DataFrame(columns=["sheet", "column", "rows", "stated", "percent_stated"])
    out = frame.groupby(["sheet", "column"], as_index=False, sort=False)[["rows", "stated"]].sum()
    out["percent_stated"] = percent(out["stated"], out["rows"])
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
