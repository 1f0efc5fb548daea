"""``python -m etl db ACTION``: the database's schema and its summary tables.

    python -m etl db current             its revision and this program's (exit 1 when they differ)
    python -m etl db upgrade             bring it to this program's revision (lfo.migrations)
    python -m etl db rebuild-summaries   rebuild every summary table from the data

``upgrade`` and ``rebuild-summaries`` hold the load lock (one writer at a time, ``etl.lock``) and
each runs in one transaction: a failure leaves the database as it was, and says so.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, delete, select

from etl import console as out
from etl.collect import UsageError
from etl.load import store
from etl.lock import WAIT_SECONDS, LockBusy, load_lock
from lfo import migrations, schema
from lfo.db import (
    UPGRADE_COMMAND,
    DatabaseError,
    init_db,
    reader_engine,
    sqlite_path,
    writer_engine,
)
from lfo.indicators.summaries import refresh_area
from lfo.settings import Settings

ACTIONS = {
    "current": "show the database's schema revision and this program's (exit status 1 if they "
    "differ)",
    "upgrade": "bring the database's schema to this program's revision, in one transaction (a "
    "database made before migrations is stamped at the first revision)",
    "rebuild-summaries": "rebuild every summary table from the current data, in one transaction",
}
OK, BEHIND = 0, 1
#: The load log's outcome of a rebuild (it changes the data version, so caches are remade).
SUMMARIES_REBUILT = "summaries rebuilt"


def run_db(args: argparse.Namespace, settings: Settings) -> int:
    action = {"current": _current, "upgrade": _upgrade, "rebuild-summaries": _rebuild}
    return action[args.action](settings)


def _current(settings: Settings) -> int:
    _must_exist(settings.database_url)
    engine = reader_engine(settings.database_url)
    try:
        stored, legacy, head = migrations.current(engine)
    finally:
        engine.dispose()
    console = out.stdout_console()
    if stored is None and legacy is None:
        console.print(f"the database has no schema: `{UPGRADE_COMMAND}` or a load makes it")
        return BEHIND
    if stored is None:
        console.print(
            f"the database has no schema revision (made before migrations, schema version "
            f"{legacy}); this program's revision is {head}: run `{UPGRADE_COMMAND}`"
        )
        return BEHIND
    if stored == head:
        console.print(f"the database is at revision {head}, this program's: up to date")
        return OK
    console.print(
        f"the database is at revision {stored}; this program's revision is {head}: "
        f"run `{UPGRADE_COMMAND}`"
    )
    return BEHIND


def _upgrade(settings: Settings) -> int:
    engine = migrations.migration_engine(settings.database_url)
    console = out.stdout_console()
    try:
        with _locked(engine):
            before, _legacy, _head = migrations.current(engine)
            try:
                done = migrations.upgrade(engine, say=console.print)
            except DatabaseError:
                raise
            except Exception as exc:
                was = f"revision {before}" if before else "its state before the upgrade"
                raise DatabaseError(
                    f"the upgrade failed and was rolled back; the database is still at {was}: "
                    f"{_one_line(exc)}"
                ) from exc
    finally:
        engine.dispose()
    if done.created:
        console.print(f"made a new database at revision {done.after}")
    elif done.stamped:
        console.print(f"the database is now at revision {done.after}")
    elif done.before == done.after:
        console.print(f"the database is at revision {done.after} already: nothing to do")
    else:
        console.print(f"upgraded the database from revision {done.before} to {done.after}")
    return OK


def _rebuild(settings: Settings) -> int:
    _must_exist(settings.database_url)
    engine = writer_engine(settings.database_url)
    try:
        with _locked(engine):
            init_db(engine)  # refuses a database at another revision
            areas = rebuild_summaries(engine)
    finally:
        engine.dispose()
    out.stdout_console().print(
        f"rebuilt the summary tables of {len(areas)} area(s) from their current data"
        + (f": {', '.join(areas)}" if areas else "")
    )
    return OK


def rebuild_summaries(engine: Engine) -> list[str]:
    """Empty every summary table and rebuild it from each area's current data, in one
    transaction, logged in the load log (a new data version: the dashboard's caches are remade).
    The areas rebuilt, in order."""
    started = _now()
    with engine.begin() as conn:
        areas = sorted(conn.execute(select(schema.returns.c.area_code)).scalars())
        for name in schema.SUMMARY_TABLES:
            conn.execute(delete(schema.metadata.tables[name]))
        with out.Progress("Rebuilding summaries", total=len(areas)) as bar:
            for area in areas:
                refresh_area(conn, area)
                bar.advance(description=f"Rebuilding summaries (done: {area})")
        store.insert_load_log(
            conn,
            dict(
                file_name="(summaries)",
                sha256=hashlib.sha256(b"").hexdigest(),
                size_bytes=0,
                outcome=SUMMARIES_REBUILT,
                message=f"{SUMMARIES_REBUILT} for {len(areas)} area(s)",
                started_at=started,
                finished_at=_now(),
            ),
        )
    return areas


def _must_exist(url: str) -> None:
    path = sqlite_path(url)
    if path is not None and not path.exists():
        raise DatabaseError(
            f"the database {path} does not exist: give --db or LFO_DATABASE_URL, or load a return"
        )


@contextmanager
def _locked(engine: Engine) -> Iterator[None]:
    """The load lock, or a UsageError saying a load is in progress."""
    try:
        with load_lock(engine, wait=WAIT_SECONDS):
            yield
    except LockBusy:
        raise UsageError(
            "a load is in progress on this database; try again when it has finished"
        ) from None


def _one_line(exc: BaseException) -> str:
    """The first line of the database's own message (SQLAlchemy's wrapping left out)."""
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
