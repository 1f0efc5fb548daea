"""The ``status`` command: what each LA's current data is, read from the database read-only.

One row per programme area: the period of its current return, rows per data table, rows held back,
findings by severity of that return, and the outcome of the area's latest load attempt (which may be
a later, rejected file).
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, Select, func, inspect, select
from sqlalchemy.exc import SQLAlchemyError

from lfo import schema
from lfo.db import DatabaseError

log = logging.getLogger(__name__)

STATUS_COLUMNS = [
    "area_code",
    "name",
    "period",
    "participants",
    "episodes",
    "outcomes",
    "held_back",
    "errors",
    "warnings",
    "loaded_at",
    "last_attempt",
]
NEEDED_TABLES = (
    "areas",
    "returns",
    "participants",
    "episodes",
    "outcomes",
    "etl_load_log",
    "etl_findings",
)


def area_status(engine: Engine) -> pd.DataFrame:
    """One row per area (columns ``STATUS_COLUMNS``), in GSS code order; counts 0 when none."""
    try:
        with engine.connect() as conn:
            have = set(inspect(conn).get_table_names())
            missing = [t for t in NEEDED_TABLES if t not in have]
            if missing:
                raise DatabaseError(
                    "the database has no ETL tables yet (" + ", ".join(missing) + "): "
                    "load a return or register areas first"
                )
            return _status(conn)
    except SQLAlchemyError as exc:
        raise DatabaseError(f"cannot read the database: {_first_line(exc)}") from exc


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _frame(conn: Connection, query: Select[Any], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame([tuple(r) for r in conn.execute(query)], columns=columns)


def _status(conn: Connection) -> pd.DataFrame:
    a, r = schema.areas, schema.returns
    out = _frame(conn, select(a.c.gss_code, a.c.name).order_by(a.c.gss_code), ["area_code", "name"])
    current = _frame(
        conn,
        select(r.c.area_code, r.c.period, r.c.rows_held_back, r.c.loaded_at, r.c.load_id),
        ["area_code", "period", "held_back", "loaded_at", "load_id"],
    )
    out = out.merge(current, on="area_code", how="left")
    for name in ("participants", "episodes", "outcomes"):
        table = schema.metadata.tables[name]
        counts = _frame(
            conn,
            select(table.c.area_code, func.count()).group_by(table.c.area_code),
            ["area_code", name],
        )
        out = out.merge(counts, on="area_code", how="left")
    f = schema.etl_findings
    by_sev = _frame(
        conn,
        select(f.c.load_id, f.c.severity, func.count())
        .where(f.c.load_id.in_(select(r.c.load_id)))
        .group_by(f.c.load_id, f.c.severity),
        ["load_id", "severity", "n"],
    )
    sev = by_sev.pivot_table(index="load_id", columns="severity", values="n", aggfunc="sum")
    sev = sev.reindex(columns=["error", "warning"]).rename(
        columns={"error": "errors", "warning": "warnings"}
    )
    out = out.merge(sev, left_on="load_id", right_index=True, how="left")
    out = out.merge(_last_attempts(conn), on="area_code", how="left")
    counts = ["participants", "episodes", "outcomes", "held_back", "errors", "warnings"]
    out[counts] = out[counts].fillna(0).astype("int64")
    out["loaded_at"] = out["loaded_at"].map(_when)
    return out.reindex(columns=STATUS_COLUMNS)


def _last_attempts(conn: Connection) -> pd.DataFrame:
    """The outcome and time of each area's latest load-log row (any outcome)."""
    log_t = schema.etl_load_log
    latest = (
        select(log_t.c.area_code, func.max(log_t.c.load_id).label("load_id"))
        .where(log_t.c.area_code.is_not(None))
        .group_by(log_t.c.area_code)
        .subquery()
    )
    rows = _frame(
        conn,
        select(log_t.c.area_code, log_t.c.period, log_t.c.outcome, log_t.c.started_at).join(
            latest, log_t.c.load_id == latest.c.load_id
        ),
        ["area_code", "period", "outcome", "started_at"],
    )
    rows["last_attempt"] = [
        f"{p or '?'} {o} {_when(t)}"
        for p, o, t in zip(rows["period"], rows["outcome"], rows["started_at"], strict=True)
    ]
    return rows[["area_code", "last_attempt"]]


def _when(value: object) -> object:
    """A timestamp to the minute, as text (``None`` stays ``None``)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(pd.Timestamp(value).strftime("%Y-%m-%d %H:%M"))
