"""Background jobs (issue 13 § 3): a queue in the database's ``jobs`` table (``lfo.schema_jobs``).

A web request ``enqueue``s a job in its own transaction; a worker (``python -m etl worker``)
``claim``s the oldest queued one, runs it, ``heartbeat``s while it runs and records how it ended
(``finish`` or ``fail``). Claiming is atomic across processes and hosts: on PostgreSQL the
candidate row is taken with ``SELECT … FOR UPDATE SKIP LOCKED``; on SQLite the whole claim runs
inside ``BEGIN IMMEDIATE`` (the database's one write lock, waited for up to the busy timeout).

A worker that dies leaves its job ``running`` with a heartbeat that stops moving: once the heartbeat
is older than the lease, the next claim takes the job again. Each claim counts an attempt; a job
whose worker stopped ``max_attempts`` times is marked failed instead of being run once more.

The functions that take an ``Engine`` want one from ``engine(url)`` (on SQLite its transactions
begin with ``BEGIN IMMEDIATE``). Times are naive UTC, from the caller's clock: on several hosts,
keep the clocks in step (NTP) and the lease much longer than any drift.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, and_, event, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from lfo.db import writer_engine
from lfo.schema_jobs import jobs

DEFAULT_MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Job:
    """One row of ``jobs``, with its payload and result read from JSON."""

    job_id: int
    kind: str
    payload: dict[str, Any]
    state: str
    attempts: int
    max_attempts: int
    dedupe_key: str | None
    created_at: dt.datetime
    created_by: int | None
    started_at: dt.datetime | None
    heartbeat_at: dt.datetime | None
    finished_at: dt.datetime | None
    worker: str | None
    progress: str | None
    result: dict[str, Any] | None
    error: str | None


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def engine(url: str) -> Engine:
    """A writer engine for the job functions: on SQLite every transaction is ``BEGIN IMMEDIATE``."""
    made = writer_engine(url)
    if made.dialect.name == "sqlite":
        event.listen(made, "connect", _no_implicit_transactions)
        event.listen(made, "begin", _begin_immediate)
    return made


def _no_implicit_transactions(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None


def _begin_immediate(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def enqueue(
    conn: Connection,
    kind: str,
    payload: dict[str, Any],
    *,
    dedupe_key: str | None = None,
    created_by: int | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> int:
    """Queue a job in the caller's transaction and return its id. A job with the same
    ``dedupe_key`` already there is returned instead (a double-click queues one job)."""
    if max_attempts < 1:
        raise ValueError(f"max_attempts must be at least 1, not {max_attempts}")
    values = {
        "kind": kind,
        "payload": json.dumps(payload, sort_keys=True),
        "state": "queued",
        "attempts": 0,
        "max_attempts": max_attempts,
        "dedupe_key": dedupe_key,
        "created_at": now_utc(),
        "created_by": created_by,
    }
    if dedupe_key is None:
        key = conn.execute(jobs.insert().values(values)).inserted_primary_key
        assert key is not None
        return int(key[0])
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = insert(jobs).values(values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    conn.execute(statement)  # waits for a concurrent insert of the same key, then does nothing
    found = conn.execute(select(jobs.c.job_id).where(jobs.c.dedupe_key == dedupe_key)).scalar()
    assert found is not None  # inserted, or there already
    return int(found)


def claim(engine: Engine, worker: str, *, lease_seconds: float) -> Job | None:
    """Take the oldest job to run for ``worker`` (``host:pid``): a queued one, or a running one
    whose heartbeat is older than the lease (its worker died). None when there is none. A job
    whose worker already stopped ``max_attempts`` times is marked failed on the way."""
    while True:
        with engine.begin() as conn:
            now = now_utc()
            stale = now - dt.timedelta(seconds=lease_seconds)
            query = (
                select(jobs)
                .where(
                    or_(
                        jobs.c.state == "queued",
                        and_(jobs.c.state == "running", jobs.c.heartbeat_at < stale),
                    )
                )
                .order_by(jobs.c.created_at, jobs.c.job_id)
                .limit(1)
            )
            if conn.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            row = conn.execute(query).mappings().first()
            if row is None:
                return None
            if row["state"] == "running" and row["attempts"] >= row["max_attempts"]:
                reason = f"the worker stopped {row['attempts']} times while running it"
                _set(conn, row["job_id"], state="failed", finished_at=now, error=reason)
                continue
            _set(
                conn,
                row["job_id"],
                state="running",
                attempts=row["attempts"] + 1,
                worker=worker,
                started_at=now,
                heartbeat_at=now,
                progress=None,
            )
            return _job(conn.execute(select(jobs).where(jobs.c.job_id == row["job_id"])).one())


def _set(conn: Connection, job_id: int, **values: Any) -> None:
    conn.execute(update(jobs).where(jobs.c.job_id == job_id).values(**values))


def _owned(engine: Engine, job_id: int, worker: str, values: dict[str, Any]) -> bool:
    """Update the job if ``worker`` still runs it; False when it does not (another worker took it
    after the lease, or it ended)."""
    with engine.begin() as conn:
        done = conn.execute(
            update(jobs)
            .where(jobs.c.job_id == job_id, jobs.c.worker == worker, jobs.c.state == "running")
            .values(**values)
        )
        return done.rowcount == 1


def heartbeat(engine: Engine, job_id: int, worker: str, progress: str | None = None) -> bool:
    """Say the job is still running (and, if given, how far it is); False if ``worker`` lost it."""
    values: dict[str, Any] = {"heartbeat_at": now_utc()}
    if progress is not None:
        values["progress"] = progress[:200]
    return _owned(engine, job_id, worker, values)


def finish(engine: Engine, job_id: int, worker: str, result: dict[str, Any]) -> bool:
    """The job ran to its end: ``done``, with its result."""
    values = {
        "state": "done",
        "finished_at": now_utc(),
        "result": json.dumps(result),
        "error": None,
    }
    return _owned(engine, job_id, worker, values)


def fail(engine: Engine, job_id: int, worker: str, error: str) -> bool:
    """The job could not be done: ``failed``, with the reason on one line (never a traceback)."""
    reason = " ".join(error.split())[:1000] or "failed"
    values = {"state": "failed", "finished_at": now_utc(), "error": reason}
    return _owned(engine, job_id, worker, values)


def give_back(engine: Engine, job_id: int, worker: str) -> bool:
    """The worker is stopping before the job ran: queued again, the attempt not counted."""
    values = {
        "state": "queued",
        "attempts": jobs.c.attempts - 1,
        "worker": None,
        "started_at": None,
        "heartbeat_at": None,
        "progress": None,
    }
    return _owned(engine, job_id, worker, values)


def get(conn: Connection, job_id: int) -> Job | None:
    row = conn.execute(select(jobs).where(jobs.c.job_id == job_id)).first()
    return None if row is None else _job(row)


def list_jobs(
    conn: Connection, *, created_by: int | None = None, state: str | None = None, limit: int = 100
) -> list[Job]:
    """The newest jobs first, optionally only one user's or in one state (a status page)."""
    query = select(jobs).order_by(jobs.c.created_at.desc(), jobs.c.job_id.desc()).limit(limit)
    if created_by is not None:
        query = query.where(jobs.c.created_by == created_by)
    if state is not None:
        query = query.where(jobs.c.state == state)
    return [_job(row) for row in conn.execute(query)]


def _job(row: Any) -> Job:
    values = dict(row._mapping)
    values["payload"] = json.loads(values["payload"])
    values["result"] = None if values["result"] is None else json.loads(values["result"])
    return Job(**values)
