"""Every read the dashboard makes of the database, as named queries with bound parameters.

The indicator engine reads the summary tables itself (``lfo.indicators.queries``); everything
else a page, the API or the health check shows comes from here: the data version and when the
data was last changed, the programme areas with their current returns, and the data-quality
tables (load log, findings, rows held back, completeness).

Data-quality figures (indicators.md § Data quality figures) count returns, findings and cells, not
people, so they are not suppressed. Functions take the app's ``Database`` (or an open connection,
for reads made inside the indicator cache's snapshot) and return plain values or DataFrames;
``area`` (a GSS code) narrows a result to one area, ``None`` means every programme area.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Select, case, func, null, select
from sqlalchemy.exc import SQLAlchemyError

from dashboard.services.database import Database
from lfo import schema
from lfo.challenges import Challenge, open_for_area
from lfo.db import DatabaseError
from lfo.findings import CODES

#: What changes whenever a load changes the current data: the newest load-log id of a load that
#: changed data, the number of current returns and their latest load time with the number of
#: releases; then the newest load-log id of any load (``data_version``).
DataVersion = tuple[Any, ...]
#: Load-log outcomes that leave the current data as it was (a later outcome not named here is
#: taken to change it: the safe side, figures made again).
UNCHANGED_OUTCOMES = ("rejected", "failed", "already loaded", "invalid", "valid")


#: What a read is made on: the app's database (a connection of its own), or a connection open
#: already (a read kept per data version, made on the connection its version was read on).
Source = Database | Connection


@contextlib.contextmanager
def _connected(source: Source) -> Iterator[Connection]:
    """``source`` itself when it is an open connection, else a connection of its own."""
    if isinstance(source, Connection):
        yield source
        return
    with source.engine.connect() as conn:
        yield conn


def _frame(source: Source, query: Select[Any], columns: list[str]) -> pd.DataFrame:
    with _connected(source) as conn:
        return _read(conn, query, columns)


def _read(conn: Connection, query: Select[Any], columns: list[str]) -> pd.DataFrame:
    # plain tuples: pandas reading SQLAlchemy Row objects looks each one up as a mapping first
    rows = [tuple(r) for r in conn.execute(query)]
    return pd.DataFrame(rows, columns=columns)


def _when(series: pd.Series) -> pd.Series:
    """SQLite may hand back DateTime columns as text: make them datetimes (naive UTC)."""
    return pd.to_datetime(series, errors="coerce")


# --- the database and its data version ---------------------------------------------------------


def check_readable(db: Database) -> None:
    """Raise DatabaseError with a one-line reason unless the schema can be read and is at this
    program's revision (``Database.engine`` checks it: SchemaRevisionError says what to run)."""
    try:
        with db.engine.connect() as conn:
            conn.execute(select(schema.schema_info.c.key).limit(1)).all()
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).splitlines()[0]
        raise DatabaseError(f"cannot read the database: {reason}") from None


def data_version(conn: Connection) -> DataVersion:
    """Changes whenever a load changes the current data, or a return is logged (the data-quality
    pages show every load), or a release is published (the live disclosure plan depends on the
    latest release). Its first three parts are ``figures_version``."""
    log_, r, rel = schema.etl_load_log, schema.returns, schema.releases
    # one statement (one round trip on every request: it costs most on PostgreSQL)
    changed, count, latest, published, newest = conn.execute(
        select(
            select(func.max(log_.c.load_id))
            .where(log_.c.outcome.not_in(UNCHANGED_OUTCOMES))
            .scalar_subquery(),
            select(func.count()).select_from(r).scalar_subquery(),
            select(func.max(r.c.loaded_at)).scalar_subquery(),
            select(func.count()).select_from(rel).scalar_subquery(),
            select(func.max(log_.c.load_id)).scalar_subquery(),
        )
    ).one()
    return (changed, count, f"{latest}|{published}", newest)


def figures_version(version: DataVersion) -> DataVersion:
    """What the figures (disclosure plan and indicator results) of ``version`` depend on: not
    changed by a load that changed no data (rejected, failed, a file already loaded), so that
    such a load does not make the service remake them (minutes at national scale)."""
    return version[:3]


def data_as_at(source: Source) -> dt.datetime | None:
    """When the current data was last changed: the latest load time of any current return."""
    with _connected(source) as conn:
        value = conn.execute(select(func.max(schema.returns.c.loaded_at))).scalar()
    if value is None:
        return None
    if isinstance(value, str):  # SQLite hands back text when the column was written raw
        value = dt.datetime.fromisoformat(value)
    return value


# --- programme areas, their returns and data quality -------------------------------------------


#: The columns of ``areas``: every read of the programme areas gives these.
AREA_COLUMNS = ["area_code", "area_name", "region", "imd_rank"]
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


def areas(db: Database) -> pd.DataFrame:
    """Every programme area: code, name, region and IMD 2019 upper-tier rank (1 = most
    deprived), ordered by region and name (``AREA_COLUMNS``)."""
    with db.engine.connect() as conn:
        return areas_in(conn)


def areas_in(conn: Connection) -> pd.DataFrame:
    """``areas`` read on an open connection (``IndicatorData.area_list`` keeps it per version)."""
    a = schema.areas
    query = select(a.c.gss_code, a.c.name, a.c.region, a.c.imd_rank).order_by(a.c.region, a.c.name)
    return _read(conn, query, AREA_COLUMNS)


def current_returns(db: Source, area: str | None = None, *, outcome: bool = True) -> pd.DataFrame:
    """Every area with its current return (nulls where none) and that load's outcome (null
    without ``outcome``: a release's file published before releases kept their load log)."""
    a, r, log = schema.areas, schema.returns, schema.etl_load_log
    joined = a.outerjoin(r, r.c.area_code == a.c.gss_code)
    if outcome:
        joined = joined.outerjoin(log, log.c.load_id == r.c.load_id)
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
            log.c.outcome if outcome else null().label("outcome"),
        )
        .select_from(joined)
        .order_by(a.c.region, a.c.name)
    )
    if area is not None:
        query = query.where(a.c.gss_code == area)
    df = _frame(db, query, CURRENT_COLUMNS)
    df["loaded_at"] = _when(df["loaded_at"])
    df["period_end"] = pd.to_datetime(df["period_end"], errors="coerce").dt.date
    return df


def load_log(db: Source, area: str | None = None, limit: int = 500) -> pd.DataFrame:
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


def finding_counts(db: Source, area: str | None = None) -> pd.DataFrame:
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


def held_back(db: Source, area: str | None = None) -> pd.DataFrame:
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


def completeness(db: Source, area: str | None = None) -> pd.DataFrame:
    """Optional fields of each area's current return: rows, rows stated and % stated (0-100).

    An explicit ``not_stated`` counts as not stated (indicators.md, dq.completeness).
    """
    with _connected(db) as conn:
        return completeness_rows(conn, area)


def completeness_rows(conn: Connection, area: str | None = None) -> pd.DataFrame:
    c = schema.sum_completeness
    query = select(c.c.area_code, c.c.sheet, c.c.column, c.c.rows, c.c.stated).order_by(
        c.c.area_code, c.c.sheet, c.c.column
    )
    if area is not None:
        query = query.where(c.c.area_code == area)
    df = _read(conn, query, COMPLETENESS_COLUMNS[:-1])
    df["percent_stated"] = percent(df["stated"], df["rows"])
    return df


def percent(stated: pd.Series, rows: pd.Series) -> pd.Series:
    """100 × stated ÷ rows, NaN where there are no rows (unrounded: rounding is for display)."""
    rows = pd.to_numeric(rows, errors="coerce").astype(float)
    stated = pd.to_numeric(stated, errors="coerce").astype(float)
    return (100.0 * stated / rows.where(rows > 0)).astype(float)


# --- data challenges (issue 13) ----------------------------------------------------------------


def open_challenges(db: Database, area: str) -> list[Challenge]:
    """The area's open data challenges, read fresh for each request (never cached: who may see
    them is decided per person). One statement, so read outside a transaction: on PostgreSQL a
    transaction is two more round trips (its BEGIN and, when the connection goes back to the
    pool, its ROLLBACK), most of this read's time there."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        return open_for_area(conn, area)
