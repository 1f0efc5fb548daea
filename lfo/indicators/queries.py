"""Named, parameterised reads of the summary tables and of the areas' coverage.

Every read returns all areas for the periods asked, because comparison with the programme and
secondary suppression need the complete table, whatever one request shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Select, func, select

from lfo import schema

# summary table and the columns an indicator kind reads from it
SUMMARY_FOR_TOPIC = {
    "reach.parents": "sum_reach",
    "reach.families": "sum_families",
    "reach.family_rate": "sum_families",
    "reach.target": "sum_families",
    "reach.fathers": "sum_reach",
    "reach.workless": "sum_reach",
    "reach.breakdown": "sum_reach",
    "uptake.start": "sum_offers",
    "uptake.completion": "sum_endings",
    "uptake.days_to_start": "sum_days_to_start",
    "uptake.attendance": "sum_endings",
    "uptake.both_parents": "sum_both_parents",
    "uptake.funnel": "sum_funnel",
}


def snapshot(conn: Connection) -> None:
    """Make every later read on ``conn`` see one committed state of the database.

    Python's sqlite3 runs each SELECT in its own implicit read transaction, so a load committing
    between two reads of one request could show half of its effect (the programme from the new
    data, an area from the old). An explicit BEGIN holds one read snapshot until the connection
    goes back to the pool (whose rollback ends it). Other databases: the caller's transaction.
    """
    if conn.dialect.name != "sqlite":
        return
    raw = conn.connection.dbapi_connection
    if raw is not None and not raw.in_transaction:
        raw.execute("BEGIN")


def summary_table_for(indicator_id: str) -> str:
    if indicator_id.startswith("outcome."):
        return "sum_outcomes"
    return SUMMARY_FOR_TOPIC[indicator_id]


def coverage(conn: Connection) -> pd.DataFrame:
    """Every area with the period and load time of its current return (null if none)."""
    a, r = schema.areas, schema.returns
    q = (
        select(
            a.c.gss_code.label("area_code"),
            a.c.name.label("area_name"),
            a.c.region,
            a.c.families,
            a.c.annual_target,
            a.c.source,
            a.c.imd_rank,
            r.c.period.label("return_period"),
            r.c.period_end,
            r.c.loaded_at,
            r.c.file_name,
        )
        .select_from(a.outerjoin(r, r.c.area_code == a.c.gss_code))
        .order_by(a.c.gss_code)
    )
    df = pd.DataFrame(conn.execute(q).mappings().all())
    if df.empty:
        return pd.DataFrame(
            columns=[
                "area_code",
                "area_name",
                "region",
                "families",
                "annual_target",
                "source",
                "imd_rank",
                "return_period",
                "period_end",
                "loaded_at",
                "file_name",
            ]
        )
    df["period_end"] = pd.to_datetime(df["period_end"])
    return df


def data_as_at(conn: Connection) -> dt.datetime | None:
    """When the latest current return was loaded (None before any load)."""
    when: dt.datetime | None = conn.execute(select(func.max(schema.returns.c.loaded_at))).scalar()
    return when


def periods_with_data(conn: Connection, table_name: str) -> list[str]:
    table = schema.metadata.tables[table_name]
    return [p for (p,) in conn.execute(select(table.c.period).distinct())]


def read_summary(
    conn: Connection,
    table_name: str,
    periods: list[str],
    *,
    grp: str | None = None,
    measure: str | None = None,
    breakdowns: list[str] | None = None,
    columns: list[str] | None = None,
) -> pd.DataFrame:
    """Rows of one summary table for the given periods, all areas (``columns``: only those)."""
    table = schema.metadata.tables[table_name]
    names = [c.name for c in table.columns if columns is None or c.name in columns]
    q = select(*[table.c[n] for n in names]).where(table.c.period.in_(periods))
    if grp is not None and "grp" in table.c:
        q = q.where(table.c.grp == grp)
    if measure is not None:
        q = q.where(table.c.measure == measure)
    if breakdowns is not None:
        q = q.where(table.c.breakdown.in_(breakdowns))
    return frame_of(_fetch(conn, q), names)


def _fetch(conn: Connection, q: Select[Any]) -> Sequence[Any]:
    """All rows of ``q`` as plain tuples, from the driver's own cursor (no per-row Row objects)."""
    compiled = q.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    if compiled.positional:
        # positiontup is set whenever the parameters are positional
        params = tuple(compiled.params[k] for k in compiled.positiontup or ())
    else:
        params = compiled.params
    raw = conn.connection.dbapi_connection
    if raw is None:
        raise RuntimeError("the connection has been closed")
    cursor = raw.cursor()
    try:
        cursor.execute(str(compiled), params)
        return cursor.fetchall()
    finally:
        cursor.close()


def frame_of(rows: Sequence[Any], columns: list[str]) -> pd.DataFrame:
    """Result rows as a DataFrame: plain tuples (a driver's rows) at once, other rows column by
    column (pandas is slow on SQLAlchemy Rows)."""
    if not rows:
        return pd.DataFrame(rows, columns=columns)
    if type(rows[0]) is tuple:
        return pd.DataFrame.from_records(rows, columns=columns)
    values = zip(*rows, strict=True)
    return pd.DataFrame({c: list(v) for c, v in zip(columns, values, strict=True)})
