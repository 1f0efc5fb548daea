"""The audit log's retention job (``python -m etl audit prune``): the only delete of audit rows.

It deletes the oldest rows, those older than the retention period (``LFO_AUDIT_RETENTION_DAYS``,
``lfo.settings``), as one prefix of the chain (every row up to the newest old one, so the rows
kept still chain to each other), and appends an ``audit-pruned`` row saying how many it deleted
and the hash it cut at: the first row kept chains to that hash, so ``verify`` still checks the
whole log from there. All in one transaction, under the audit log's write lock:

- **SQLite** has no session settings a trigger could read, so the job drops the DELETE trigger,
  deletes, and creates the trigger again, inside a ``BEGIN IMMEDIATE`` transaction (SQLite's DDL
  is transactional when the transaction is ours: the engine here turns ``sqlite3``'s implicit
  transactions off). Other connections never see the table without its trigger: the job holds
  the write lock, and a failure rolls the drop back.
- **PostgreSQL**: the trigger lets a DELETE through only when the transaction has set
  ``lfo.audit_prune`` (``SET LOCAL``, gone at commit); an UPDATE is always refused. The job runs as
  a database user with DELETE on ``audit_log``; the application's user has INSERT and SELECT only
  (docs/operations.md § The audit log), so it cannot delete whatever it sets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, delete, event, func, select, text

from lfo import schema
from lfo.access import audit
from lfo.db import writer_engine


@dataclass(frozen=True)
class Pruned:
    """What the job did: rows deleted, the hash it cut at (None: nothing was old enough), and
    the time before which rows were due."""

    deleted: int
    cut_hash: str | None
    before: dt.datetime


def prune(
    url: str, retention_days: int, *, now: dt.datetime | None = None, os_user: str | None = None
) -> Pruned:
    """Delete the audit rows older than ``retention_days`` (see the module docstring)."""
    if retention_days < 1:
        raise ValueError(f"the retention period must be at least 1 day, not {retention_days}")
    before = (now or audit.now_utc()) - dt.timedelta(days=retention_days)
    engine = _engine(url)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SET LOCAL lfo.audit_prune = 'on'"))
            return _prune(conn, before, os_user)
    finally:
        engine.dispose()


def _prune(conn: Connection, before: dt.datetime, os_user: str | None) -> Pruned:
    a = schema.audit_log
    _lock(conn)
    last_old = conn.execute(select(func.max(a.c.audit_id)).where(a.c.at < before)).scalar()
    if last_old is None:
        audit.record(
            conn,
            "audit-pruned",
            "nothing due",
            obj=f"no rows older than {_iso(before)}",
            os_user=os_user,
        )
        return Pruned(0, None, before)
    cut = str(conn.execute(select(a.c.hash).where(a.c.audit_id == last_old)).scalar_one())
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        conn.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
    deleted = conn.execute(delete(a).where(a.c.audit_id <= last_old)).rowcount
    if sqlite:
        conn.exec_driver_sql(_sqlite_delete_trigger())
    # chained to the newest row kept; when every row was due, to the cut (the row cut at)
    left = conn.execute(select(func.count()).select_from(a)).scalar_one()
    prev = audit.last_hash(conn) if left else cut
    note = f"cut at {cut}; {deleted} rows older than {_iso(before)} deleted"
    audit.append(conn, audit.entry("audit-pruned", "pruned", obj=note, os_user=os_user), prev)
    return Pruned(deleted, cut, before)


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds") + "Z"


def _lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": audit.PG_AUDIT_LOCK})
    # SQLite: the engine's BEGIN IMMEDIATE already holds the write lock


def _sqlite_delete_trigger() -> str:
    (statement,) = [s for s in schema.AUDIT_TRIGGERS["sqlite"] if "BEFORE DELETE" in s]
    return statement


def _engine(url: str) -> Engine:
    """A writer engine whose SQLite transactions are ``BEGIN IMMEDIATE`` and include DDL."""
    engine = writer_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _no_implicit_transactions)
        event.listen(engine, "begin", _begin_immediate)
    return engine


def _no_implicit_transactions(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None


def _begin_immediate(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")
