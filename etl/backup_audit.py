"""The audit rows of ``etl backup`` and ``etl restore`` (docs/spec/service.md § 4: every
administrative action leaves a row; the operating-system user is its "who").

- ``backup-made``: written in the backed-up database after the set is complete (or has failed),
  in a transaction of its own. The dump is one read snapshot taken before it, so **a set never
  holds its own audit row** (it holds the rows of earlier backups): the row cannot change what
  the manifest describes, and a row written mid-dump could not be in the set anyway.
- ``restored``: written in the restored database after the restore and its checks, chained to
  the last row the set brought back, so the restored audit trail shows where it came from.

A failed backup records outcome ``failed`` with the reason, when the database can be reached
and has an audit log; a database that does not exist is never made by trying (the failure is
then only on the operator's screen). A failed restore leaves no row: the target database may
hold nothing to write it into.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from lfo.access import audit
from lfo.db import DatabaseError, sqlite_path, writer_engine

log = logging.getLogger(__name__)
#: How long a backup that saw a load in progress waits on SQLite for the write lock its row needs.
BUSY_SECONDS = 2


def backup_object(name: str, manifest: dict[str, Any]) -> str:
    """The ``backup-made`` row's object: the set's folder name, what it holds, the keys."""
    db = manifest["database"]
    latest = db["latest_load"]
    keys = (
        "keys included"
        if manifest["keys_included"]
        else "keys left out (--without-keys: their SHA-256 only)"
    )
    return (
        f"{name}: {db['kind']} database (revision {db['schema_revision']}, "
        f"{'latest load ' + str(latest['load_id']) if latest else 'no loads'}), {keys}, "
        f"{manifest['archive_files']} archive file(s)"
    )


def record_backup(url: str, name: str, manifest: dict[str, Any]) -> str | None:
    """The ``backup-made`` row of a complete set (its own transaction); None when written, else
    what to tell the operator. The set is complete either way, so this never fails the backup:
    on SQLite a load in progress holds the write lock until it commits, and the backup, which
    does not wait for a load, waits at most ``BUSY_SECONDS`` for the row either."""
    busy = BUSY_SECONDS if manifest["load_in_progress"] else None
    try:
        _record(url, "backup-made", "ok", backup_object(name, manifest), busy_seconds=busy)
    except (SQLAlchemyError, DatabaseError) as exc:
        reason = " ".join(str(getattr(exc, "orig", exc)).split())
        return (
            f"the backup set {name} is complete, but its audit row could not be written "
            f"({reason}): the audit log does not show this backup"
        )
    return None


def record_backup_failed(url: str, name: str, *, with_keys: bool, reason: str) -> None:
    """The ``backup-made`` row of a failed backup, when there is a database to write it in;
    never raises (the backup's own error is the one the operator must see)."""
    path = sqlite_path(url)
    if path is not None and not path.is_file():
        return
    keys = "keys included" if with_keys else "keys left out (--without-keys)"
    try:
        _record(url, "backup-made", "failed", f"{name}: {keys}: {reason}"[:2000])
    except (SQLAlchemyError, DatabaseError, OSError):
        log.warning("the failed backup's audit row could not be written", exc_info=True)


def restore_object(folder: str, manifest: dict[str, Any]) -> str:
    """The ``restored`` row's object: which set (its folder, when and by what it was made)."""
    db = manifest["database"]
    return (
        f"{folder}: the backup made {manifest['made_at']} by {manifest['made_by']} "
        f"(revision {db['schema_revision']}, {db['returns']} current return(s))"
    )


def record_restore(url: str, folder: str, manifest: dict[str, Any]) -> str | None:
    """The ``restored`` row in the restored database; None when it was written, else why not
    (a database from before the audit log: upgrade it, and the next action is recorded)."""
    try:
        _record(url, "restored", "ok", restore_object(folder, manifest))
    except DatabaseError as exc:
        return str(exc)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[:1]
        return f"the restore's audit row could not be written: {''.join(reason)}"
    return None


def _record(
    url: str,
    action: audit.AuditAction,
    outcome: str,
    obj: str,
    *,
    busy_seconds: int | None = None,
) -> None:
    engine = writer_engine(url)
    try:
        with engine.begin() as conn:
            if not inspect(conn).has_table("audit_log"):
                raise DatabaseError(
                    "the database has no audit log yet (made before it): no audit row was "
                    "written; run python -m etl db upgrade"
                )
            if busy_seconds is not None and conn.dialect.name == "sqlite":
                conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(busy_seconds * 1000)}")
            audit.record(conn, action, outcome, obj=obj, os_user=audit.os_user())
    finally:
        engine.dispose()
