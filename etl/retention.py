"""``python -m etl files prune``: the retention job for rejected files (return-spec.md § 6).

A rejected return may hold personal data (E210) and is kept only to answer the LA's questions
about the rejection, so after ``LFO_REJECTED_RETENTION_DAYS`` (default 90) this deletes:

- **archive copies** (``<archive>/<sha256>.<ext>``) of files whose hash never had a loaded outcome
  in the load log, whose newest load-log row is older than the period, and which no unfinished
  submission (checking, valid, submitted) still names;
- **upload folders** (``<uploads>/<submission id>/``) of web submissions that ended without a load
  (errors, could not be checked, rejected, failed: ``Submission.shown``) longer ago than the
  period, unless their job is still queued or running.

A file a loaded return uses is never deleted: loaded hashes are skipped, and the uploads of loaded
submissions follow the loaded files' rule (kept). The load log and the submissions keep their rows
(name, hash, counts), so the record of an attempt outlives its file. Each run is one
``files-pruned`` audit row with the counts and the operating-system user; ``dry_run`` only lists.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, case, func, select

from etl import console as out
from lfo import schema
from lfo.access import audit
from lfo.db import DatabaseError, check_revision, sqlite_path, writer_engine
from lfo.schema_submissions import submissions as submissions_table
from lfo.settings import Settings
from lfo.submissions import FINISHED, list_submissions

ACTIONS = {
    "prune": "delete rejected files (archive copies, upload folders of returns that ended without "
    "loading) older than LFO_REJECTED_RETENTION_DAYS; files of loaded returns are kept",
}
#: The load-log outcomes that put a file's rows in the data: its file is kept.
LOADED_OUTCOMES = ("loaded", "loaded with quarantine", "forced")
#: The shown states of a submission that ended without loading (its upload may go).
ENDED_UNLOADED = frozenset({"errors", "check_failed", "rejected", "failed"})
_BUSY_JOBS = ("queued", "running")


@dataclass
class Pruned:
    """What a run deleted (or, dry, would delete)."""

    before: dt.datetime
    days: int
    archive: list[Path] = field(default_factory=list)
    uploads: list[Path] = field(default_factory=list)

    def summary(self, *, dry_run: bool) -> str:
        verb = "would delete" if dry_run else "deleted"
        return (
            f"{verb} {len(self.archive):,} rejected file(s) from the archive and "
            f"{len(self.uploads):,} upload folder(s) (retention {self.days:,} days: "
            f"older than {self.before.isoformat(timespec='seconds')}Z)"
        )


def prune_files(
    conn: Connection,
    settings: Settings,
    days: int,
    *,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> Pruned:
    """Delete (unless ``dry_run``) the rejected files older than ``days``; ``conn``'s transaction
    holds the run's audit row (``pruned``, or ``nothing due``; none for a dry run)."""
    if days < 1:
        raise ValueError(f"--days must be at least 1, not {days}")
    before = (now or audit.now_utc()) - dt.timedelta(days=days)
    done = Pruned(before=before, days=days)
    done.archive = _archive_copies(conn, settings.archive_dir, before)
    done.uploads = _upload_folders(conn, settings.uploads_dir, before)
    if dry_run:
        return done
    for path in done.archive:
        path.unlink(missing_ok=True)
    for folder in done.uploads:
        shutil.rmtree(folder)
    deleted = len(done.archive) + len(done.uploads)
    audit.record(
        conn,
        "files-pruned",
        "pruned" if deleted else "nothing due",
        obj=(
            f"{len(done.archive)} archive file(s), {len(done.uploads)} upload folder(s) "
            f"older than {before.isoformat(timespec='seconds')}Z (retention {days} days)"
        ),
        os_user=audit.os_user(),
        count=max(deleted, 1),
    )
    return done


def _archive_copies(conn: Connection, archive_dir: Path, before: dt.datetime) -> list[Path]:
    """The archive copies of hashes never loaded, last tried before ``before``, not awaited."""
    log = schema.etl_load_log
    loaded = func.sum(case((log.c.outcome.in_(LOADED_OUTCOMES), 1), else_=0))
    stale = conn.execute(
        select(log.c.sha256)
        .group_by(log.c.sha256)
        .having(func.coalesce(loaded, 0) == 0, func.max(log.c.started_at) < before)
    ).scalars()
    waiting = set(
        conn.execute(
            select(submissions_table.c.sha256).where(submissions_table.c.state.not_in(FINISHED))
        ).scalars()
    )
    if not archive_dir.is_dir():
        return []
    found: list[Path] = []
    for sha in sorted(set(stale) - waiting):
        if len(sha) != 64 or not all(c in "0123456789abcdef" for c in sha):
            continue  # never a pattern from the table: only a hash names a copy
        found.extend(p for p in sorted(archive_dir.glob(f"{sha}.*")) if _plain_file(p))
    return found


def _upload_folders(conn: Connection, uploads_dir: Path, before: dt.datetime) -> list[Path]:
    """The folders of submissions that ended without loading before ``before``."""
    if not uploads_dir.is_dir():
        return []
    found: list[Path] = []
    for sub in list_submissions(conn, limit=1_000_000):
        if sub.shown not in ENDED_UNLOADED or sub.job_state in _BUSY_JOBS:
            continue
        ended = sub.finished_at or sub.uploaded_at
        if ended >= before:
            continue
        folder = uploads_dir / str(sub.submission_id)
        if folder.is_dir() and not folder.is_symlink():
            found.append(folder)
    return sorted(found, key=lambda p: int(p.name))


def _plain_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def run_retention(args: argparse.Namespace, settings: Settings) -> int:
    """``files prune [--days N] [--dry-run]``: list, then delete unless dry; exit status 0."""
    path = sqlite_path(settings.database_url)
    if path is not None and not path.exists():
        raise DatabaseError(f"the database {path} does not exist: give --db or LFO_DATABASE_URL")
    days = settings.rejected_retention_days if args.days is None else args.days
    engine = writer_engine(settings.database_url)
    try:
        with engine.begin() as conn:
            check_revision(conn)
            done = prune_files(conn, settings, days, dry_run=args.dry_run)
    finally:
        engine.dispose()
    console = out.stdout_console()
    if args.dry_run:
        for item in (*done.archive, *done.uploads):
            console.print(f"would delete {item}")
    console.print(done.summary(dry_run=args.dry_run))
    return 0
