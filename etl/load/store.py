"""Reading an area's current state and writing a load, all SQL of the loader in one place.

Big tables are written with ``exec_driver_sql`` and lists of tuples (executemany), the fastest path
SQLAlchemy offers; values are always bound as parameters and table/column names come only from
``lfo.schema``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from lfo import schema
from lfo.db import bulk_insert, clear_demo_mark

# --- reads ---------------------------------------------------------------------------------------


def known_areas(conn: Connection) -> set[str]:
    """The programme's current areas: those whose returns may be loaded (a retired area's are
    not: ``etl areas --retire``)."""
    a = schema.areas
    return set(conn.execute(select(a.c.gss_code).where(a.c.retired_at.is_(None))).scalars())


def current_return(conn: Connection, area_code: str) -> dict[str, Any] | None:
    """The ``returns`` row of the area's current data, or None."""
    row = (
        conn.execute(select(schema.returns).where(schema.returns.c.area_code == area_code))
        .mappings()
        .first()
    )
    return dict(row) if row else None


def current_participant_keys(conn: Connection, area_code: str) -> set[str]:
    p = schema.participants
    return set(
        conn.execute(select(p.c.participant_key).where(p.c.area_code == area_code)).scalars()
    )


def holds_participants(conn: Connection) -> bool:
    p = schema.participants
    return conn.execute(select(p.c.participant_key).limit(1)).first() is not None


def current_copy(conn: Connection, sha256: str, file_name: str) -> dict[str, Any] | None:
    """The ``returns`` row when this exact file (bytes and name) is its LA's current return.

    The name is the return's identity (LA and period): the same bytes sent under another period's
    name (an LA with no new records in a quarter) are a new return. A file loaded before but since
    superseded is not current: loading it again is E108, or with ``--force`` a rollback.
    """
    r = schema.returns
    row = (
        conn.execute(select(r).where(r.c.sha256 == sha256, r.c.file_name == file_name).limit(1))
        .mappings()
        .first()
    )
    return dict(row) if row else None


def referred_after(conn: Connection, area_code: str, day: dt.date) -> set[str]:
    """Keys of the area's current participants referred after ``day`` (E109 under --force)."""
    p = schema.participants
    return set(
        conn.execute(
            select(p.c.participant_key).where(p.c.area_code == area_code, p.c.referral_date > day)
        ).scalars()
    )


def current_rows(
    conn: Connection, name: str, columns: Sequence[str], area_code: str
) -> list[tuple[Any, ...]]:
    """The area's rows of the data table ``name``, as tuples of ``columns`` (what a load would
    replace: ``etl.load.changes`` compares them with a return's)."""
    t = schema.metadata.tables[name]
    query = select(*(t.c[c] for c in columns)).where(t.c.area_code == area_code)
    return [tuple(row) for row in conn.execute(query)]


# --- writes --------------------------------------------------------------------------------------


def insert_load_log(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(insert(schema.etl_load_log).values(**values))
    key = result.inserted_primary_key
    assert key is not None  # a single-row INSERT always has one
    return int(key[0])


def finish_load_log(conn: Connection, load_id: int, finished_at: dt.datetime) -> None:
    log_ = schema.etl_load_log
    conn.execute(update(log_).where(log_.c.load_id == load_id).values(finished_at=finished_at))


FINDING_DB_COLUMNS = (
    "load_id",
    "area_code",
    "sheet",
    "row",
    "column",
    "value",
    "code",
    "severity",
    "message",
)
HELD_DB_COLUMNS = ("load_id", "area_code", "sheet", "row", "reason", "data", "resolved")


def insert_findings(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Rows in FINDING_DB_COLUMNS order (values already hashed / masked)."""
    bulk_insert(conn, schema.etl_findings, FINDING_DB_COLUMNS, rows)


def insert_held_back(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Rows in HELD_DB_COLUMNS order (data already hashed / masked JSON)."""
    bulk_insert(conn, schema.etl_held_back, HELD_DB_COLUMNS, rows)


def replace_area_data(
    conn: Connection, area_code: str, tables: dict[str, tuple[Sequence[str], list[tuple[Any, ...]]]]
) -> None:
    """Delete the area's rows from every data table, then insert ``tables`` (name -> cols, rows)."""
    for name in ("outcomes", "episodes", "participants"):
        t = schema.metadata.tables[name]
        conn.execute(delete(t).where(t.c.area_code == area_code))
    for name in ("participants", "episodes", "outcomes"):
        if name in tables:
            columns, rows = tables[name]
            bulk_insert(conn, schema.metadata.tables[name], columns, rows)


def upsert_return(conn: Connection, values: dict[str, Any]) -> None:
    r = schema.returns
    conn.execute(delete(r).where(r.c.area_code == values["area_code"]))
    conn.execute(insert(r).values(**values))
    clear_demo_mark(conn)  # real data now (the demo marks its database after its own load)


def supersede_held_back(conn: Connection, area_code: str, load_id: int) -> None:
    """Rows held back from the area's earlier returns belong to superseded returns: mark them so.

    They stay on record, linked to their own load; the current return's rows stay unresolved.
    """
    h = schema.etl_held_back
    conn.execute(
        update(h)
        .where(h.c.area_code == area_code, h.c.load_id != load_id, h.c.resolved.is_(False))
        .values(resolved=True)
    )


def count_rows(conn: Connection, names: Iterable[str], area_code: str) -> dict[str, int]:
    out = {}
    for name in names:
        t = schema.metadata.tables[name]
        out[name] = int(
            conn.execute(
                select(func.count()).select_from(t).where(t.c.area_code == area_code)
            ).scalar_one()
        )
    return out
