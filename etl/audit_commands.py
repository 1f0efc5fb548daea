"""``python -m etl audit ACTION``: the audit log's chain and its retention (service.md § 4).

    python -m etl audit verify   walk the hash chain; exit 1 naming the first bad row
    python -m etl audit prune    delete rows older than LFO_AUDIT_RETENTION_DAYS (the retention
                                 job: run it daily, as a database user with DELETE on audit_log)

Both refuse a database at another schema revision (``python -m etl db upgrade`` first). The
prune is recorded in the audit log with the operating-system user who ran it and the hash it cut
at; the library is ``lfo.access.audit`` and ``lfo.access.audit_retention``.
"""

from __future__ import annotations

import argparse

from etl import console as out
from lfo.access import audit
from lfo.access.audit_retention import prune
from lfo.db import DatabaseError, check_revision, reader_engine, sqlite_path, writer_engine
from lfo.settings import Settings

ACTIONS = {
    "verify": "check the audit log's hash chain; exit status 1 naming the first changed or "
    "removed row",
    "prune": "delete audit rows older than LFO_AUDIT_RETENTION_DAYS, recording the hash it cut at",
}
OK, BAD = 0, 1


def run_audit(args: argparse.Namespace, settings: Settings) -> int:
    _must_exist(settings.database_url)
    return {"verify": _verify, "prune": _prune}[args.action](settings)


def _verify(settings: Settings) -> int:
    engine = reader_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            check_revision(conn)
            found = audit.verify(conn)
    finally:
        engine.dispose()
    console = out.stdout_console()
    if not found.ok:
        console.print(f"the audit log's chain is broken at row {found.bad_row}: {found.reason}")
        return BAD
    console.print(
        f"the audit log's {found.rows:,} row(s) chain: {found.reason}; newest hash "
        f"{found.last_hash} (keep it somewhere else: a later verify should still reach it)"
    )
    return OK


def _prune(settings: Settings) -> int:
    engine = writer_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            check_revision(conn)
    finally:
        engine.dispose()
    days = settings.audit_retention_days
    done = prune(settings.database_url, days, os_user=audit.os_user())
    console = out.stdout_console()
    before = done.before.isoformat(timespec="seconds") + "Z"
    if done.cut_hash is None:
        console.print(
            f"no audit rows older than {before} (retention {days:,} days): nothing deleted"
        )
    else:
        console.print(
            f"deleted {done.deleted:,} audit row(s) older than {before} (retention {days:,} days); "
            f"the log now starts after hash {done.cut_hash}, recorded in its newest row"
        )
    return OK


def _must_exist(url: str) -> None:
    path = sqlite_path(url)
    if path is not None and not path.exists():
        raise DatabaseError(
            f"the database {path} does not exist: give --db or LFO_DATABASE_URL, or load a return"
        )
