"""``python -m etl restore --from BACKUP_DIR [--db URL] [--force]``: a backup set put back, into
an empty machine's layout: the database at ``--db`` (or ``LFO_DATABASE_URL``), the keys at
``LFO_ID_KEY_FILE`` and ``LFO_SECRETS_KEY_FILE``, the archive in ``LFO_ARCHIVE_DIR``.

In this order, so that a refusal writes nothing:
1. every file of the set is checked against the manifest (size and SHA-256): a damaged set is
   refused before anything is written;
2. what is already there is checked: a database holding tables, or a key file with other bytes,
   or an archive file with the same name and other bytes, is refused unless ``--force`` (and a
   key left out of the set, ``--without-keys``, already in place must be the one the manifest's
   SHA-256 names);
3. the archive and the keys are written (each file beside its place, then renamed: 0600), the
   database last (SQLite: the same, under the load lock, the old ``-wal``/``-shm`` removed;
   PostgreSQL: ``pg_restore`` in one transaction), so a restore that fails part way can be run
   again without ``--force``;
4. the check the app runs at start (the schema at this program's revision), and a summary;
5. a ``restored`` audit row in the restored database (``etl.backup_audit``): who, which set.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from etl import backup_pg
from etl import console as out
from etl.backup import describe
from etl.backup_audit import record_restore
from etl.backup_files import (
    KEY_WORDS,
    BackupError,
    Entry,
    damaged,
    read_manifest,
    replace_private,
    sha256_of,
)
from etl.collect import UsageError
from etl.lock import WAIT_SECONDS, LockBusy, load_lock
from lfo.db import DatabaseError, SchemaRevisionError, check_revision, reader_engine, sqlite_path
from lfo.settings import Settings

SHOWN_PROBLEMS = 5


@dataclass
class Restored:
    """What a restore put back, and what it found afterwards."""

    manifest: dict[str, Any]
    database: dict[str, Any]
    keys: list[str] = field(default_factory=list)
    archive_written: int = 0
    archive_kept: int = 0
    revision_problem: str | None = None
    warnings: list[str] = field(default_factory=list)


def run_restore(args: argparse.Namespace, settings: Settings) -> int:
    done = restore_backup(settings, args.source, force=args.force)
    console = out.stdout_console()
    db, m = done.database, done.manifest
    latest = db["latest_load"]
    load = (
        f"latest load {latest['load_id']} ({latest['file_name']}, {latest['outcome']})"
        if latest
        else "no loads"
    )
    url = make_url(settings.database_url).render_as_string(hide_password=True)
    console.print(f"restored the backup of {m['made_at']} ({m['made_by']}) from {args.source}:")
    console.print(
        f"  database: {url}: revision {db['schema_revision']}, {db['returns']} current "
        f"return(s), {load}"
    )
    for line in done.keys:
        console.print(f"  {line}")
    console.print(
        f"  archive: {done.archive_written} file(s) written to {settings.archive_dir}"
        + (f", {done.archive_kept} already there" if done.archive_kept else "")
    )
    for warning in done.warnings:
        console.print(f"warning: {warning}")
    if done.revision_problem is not None:
        console.print(f"before serving: {done.revision_problem}")
    else:
        console.print("the database is at this program's schema revision: ready to serve")
    return 0


def restore_backup(settings: Settings, folder: Path, *, force: bool = False) -> Restored:
    """Restore the backup set in ``folder`` into the layout ``settings`` names (see the module)."""
    manifest, entries = read_manifest(folder)
    with out.Progress("Checking the backup", total=len(entries)) as bar:
        problems = damaged(folder, entries, on_file=lambda: bar.advance())
    if problems:
        more = len(problems) - SHOWN_PROBLEMS
        raise BackupError(
            f"the backup {folder} is damaged, so nothing was restored: "
            + "; ".join(problems[:SHOWN_PROBLEMS])
            + (f"; and {more} more" if more > 0 else "")
            + ". Restore from another backup set"
        )
    url = settings.database_url
    _same_kind(manifest, url)
    done = Restored(manifest, {})
    conflicts = _database_conflicts(url)
    keys = _key_plan(manifest, entries, folder, settings, done, conflicts)
    archive = _archive_plan(entries, folder, settings.archive_dir, done, conflicts)
    if conflicts and not force:
        raise UsageError(
            "restore refuses to overwrite what is already there: "
            + "; ".join(conflicts)
            + ". Restore into an empty layout (another --db, LFO_ID_KEY_FILE, "
            "LFO_SECRETS_KEY_FILE, LFO_ARCHIVE_DIR), or stop the service and the worker and "
            "run again with --force to replace them"
        )
    with out.Progress("Restoring", total=len(archive) + len(keys) + 1) as bar:
        for source, target in [*archive, *keys]:
            replace_private(source, target)
            bar.advance()
        database = next(e for e in entries if e.what == "database")
        _restore_database(url, database, folder, replace=force and bool(conflicts))
        bar.advance()
    _check_restored(url, manifest, done)
    not_recorded = record_restore(url, str(folder.resolve()), manifest)
    if not_recorded is not None:
        done.warnings.append(not_recorded)
    return done


def _same_kind(manifest: dict[str, Any], url: str) -> None:
    kind = manifest["database"]["kind"]
    target = make_url(url).get_backend_name()
    if kind != target:
        raise UsageError(
            f"this backup holds a {kind} database and --db (or LFO_DATABASE_URL) names a "
            f"{target} one: restore it to a "
            + ("sqlite:///PATH URL" if kind == "sqlite" else "postgresql://… URL")
        )


def _database_conflicts(url: str) -> list[str]:
    """What a restore would overwrite in the database (nothing: [])."""
    shown = make_url(url).render_as_string(hide_password=True)
    path = sqlite_path(url)
    if path is not None and not path.exists():
        return []
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
    except SQLAlchemyError as exc:
        hint = "" if path is not None else " (make an empty database first: createdb NAME)"
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[:1]
        raise DatabaseError(f"cannot open the database {shown}: {''.join(reason)}{hint}") from None
    finally:
        engine.dispose()
    if tables:
        return [f"the database {shown} is not empty ({len(tables)} tables)"]
    return []


def _key_plan(
    manifest: dict[str, Any],
    entries: list[Entry],
    folder: Path,
    settings: Settings,
    done: Restored,
    conflicts: list[str],
) -> list[tuple[Path, Path]]:
    """The key files to write; conflicts and what to tell the operator noted on the way."""
    plan = []
    files = {e.what: e for e in entries}
    for what, target in (
        ("id_key", settings.id_key_file),
        ("secrets_key", settings.secrets_key_file),
    ):
        words, key = KEY_WORDS[what], manifest["keys"].get(what, {})
        there = sha256_of(target) if target.is_file() else None
        if not key.get("present"):
            done.keys.append(f"{words}: none in the backup (it had not been made yet)")
        elif what in files:
            if there is None or there != files[what].sha256:
                if there is not None:
                    conflicts.append(f"the {words} file {target} holds another key")
                plan.append((files[what].file(folder), target))
            done.keys.append(f"{words}: {target} (mode 0600)")
        elif there == key["sha256"]:
            os.chmod(target, 0o600)
            done.keys.append(f"{words}: {target}, already in place and the right one (mode 0600)")
        elif there is not None:
            conflicts.append(
                f"the {words} file {target} is not the one this backup was made with (its "
                "SHA-256 is not the manifest's): put the right one there from the secret store"
            )
        else:
            done.keys.append(f"{words}: left out of the backup (--without-keys)")
            done.warnings.append(
                f"put the {words} from the secret store at {target} (mode 0600) before "
                + (
                    "the next load: loads refuse to run without it, and no other key lines "
                    "the LAs' returns up with the data restored"
                    if what == "id_key"
                    else "users sign in: without it, their second factors cannot be checked"
                )
            )
    return plan


def _archive_plan(
    entries: list[Entry], folder: Path, archive_dir: Path, done: Restored, conflicts: list[str]
) -> list[tuple[Path, Path]]:
    plan = []
    for entry in entries:
        if entry.what != "archive":
            continue
        target = archive_dir.joinpath(*Path(entry.path).parts[1:])
        if target.is_file():
            if sha256_of(target) == entry.sha256:
                done.archive_kept += 1
                continue
            conflicts.append(f"the archive file {target} holds other bytes")
        plan.append((entry.file(folder), target))
    done.archive_written = len(plan)
    return plan


def _restore_database(url: str, entry: Entry, folder: Path, *, replace: bool) -> None:
    """Put the database in place, under the load lock (no load can start meanwhile)."""
    source = entry.file(folder)
    engine = create_engine(url)
    try:
        with load_lock(engine, wait=WAIT_SECONDS):
            path = sqlite_path(url)
            if path is None:
                backup_pg.restore(url, source, clean=replace)
                return
            for stale in ("-wal", "-shm", "-journal"):  # an old log must never meet the new file
                path.with_name(path.name + stale).unlink(missing_ok=True)
            if replace_private(source, path) != entry.sha256:
                raise DatabaseError(f"the copy of the database at {path} differs from the backup's")
    except LockBusy:
        raise UsageError(
            "a load is in progress on this database: stop the service and the worker first"
        ) from None
    finally:
        engine.dispose()


def _check_restored(url: str, manifest: dict[str, Any], done: Restored) -> None:
    """The app's start-up check on the restored database, and that it holds what was backed up."""
    engine = reader_engine(url)
    try:
        with engine.connect() as conn:
            done.database = describe(conn)
            try:
                check_revision(conn)
            except SchemaRevisionError as exc:
                done.revision_problem = str(exc)
    finally:
        engine.dispose()
    if done.database["data_version"] != manifest["database"]["data_version"]:
        raise DatabaseError(
            "the restored database does not hold the data the manifest describes (data version "
            f"{done.database['data_version']}, the manifest's "
            f"{manifest['database']['data_version']}): restore again, or from another set"
        )
