"""``python -m etl backup --to DIR``: one consistent backup set of everything a restore needs.

The set is a new folder ``DIR/lfo-backup-<UTC time>`` (mode 0700, every file 0600): the database,
the ID key and the secrets key (``keys/``; ``--without-keys`` leaves them out and records only
their SHA-256, so a restore can check the keys brought back from the secret store), the archive
(``archive/``, file by file) and ``manifest.json`` (every file's size and SHA-256, the schema
revision, the data version and latest load, when, the program's version). It is written under a
hidden name and renamed when complete, so a folder named ``lfo-backup-…`` is never half made.

The database is copied while the service runs, in one consistent read:
- SQLite: the online backup API (``sqlite3.Connection.backup`` in one step: one read snapshot;
  in WAL mode loads and readers carry on meanwhile);
- PostgreSQL: ``pg_dump --format=custom`` of a snapshot exported by the transaction that also
  reads the manifest's revision and latest load, so they describe exactly the dumped data.

A backup does not wait for a load in progress (issue 15, docs/decisions.md): both copies are a
snapshot of committed data, so a load's rows are either all in the set or none are; the manifest
says when a load held the lock, and the next backup will hold it.

Once the set is complete, a ``backup-made`` audit row is written in the database, in its own
transaction (``etl.backup_audit``): the set does not hold its own row. A failed backup writes
one with outcome ``failed``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import os
import shutil
import sqlite3
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, func, select, text
from sqlalchemy.engine import make_url

from etl import backup_pg
from etl import console as out
from etl.archive import INCOMING_PREFIX
from etl.backup_audit import record_backup, record_backup_failed
from etl.backup_files import (
    FORMAT,
    KEY_WORDS,
    copy_private,
    human_bytes,
    private_dir,
    sha256_of,
    write_manifest,
)
from etl.lock import LockBusy, load_lock
from lfo import schema
from lfo.db import DatabaseError, legacy_schema_version, sqlite_path, stored_revision
from lfo.settings import PROJECT_ROOT, Settings

PREFIX = "lfo-backup-"
SQLITE_FILE, PG_FILE = "lfo.db", "lfo.dump"
KINDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
KEY_FILES = {"id_key": "keys/lfo-id.key", "secrets_key": "keys/lfo-secrets.key"}


@dataclass(frozen=True)
class Made:
    """A finished backup set: its folder and manifest."""

    folder: Path
    manifest: dict[str, Any]
    #: why the set's ``backup-made`` audit row was not written (None: it was)
    not_recorded: str | None = None

    def summary(self) -> str:
        db = self.manifest["database"]
        files = self.manifest["files"]
        archive = sum(1 for f in files if f["what"] == "archive")
        keys = [KEY_WORDS[k] for k, v in self.manifest["keys"].items() if v.get("path")]
        latest = db["latest_load"]
        load = f"latest load {latest['load_id']}" if latest else "no loads yet"
        return (
            f"backed up to {self.folder}: the {KINDS[db['kind']]} database (revision "
            f"{db['schema_revision']}, {db['returns']} current return(s), {load}), "
            f"{' and '.join(keys) if keys else 'no keys'}, {archive} archive file(s); "
            f"{human_bytes(sum(f['size'] for f in files))} in all"
        )


def run_backup(args: argparse.Namespace, settings: Settings) -> int:
    made = make_backup(settings, args.to, with_keys=not args.without_keys)
    console = out.stdout_console()
    if made.manifest["load_in_progress"]:
        console.print(
            "a load was in progress: its rows are not in this backup (it holds the data of the "
            "loads committed before it); the next backup will hold them"
        )
    if args.without_keys:
        console.print(
            "the keys were left out (--without-keys): keep them in the secret store; the "
            "manifest holds their SHA-256 so a restore can check them"
        )
    console.print(made.summary())
    if made.not_recorded is not None:
        out.stderr_console().print(f"warning: {made.not_recorded}")
    return 0


def make_backup(settings: Settings, to: Path, *, with_keys: bool = True) -> Made:
    """Write a backup set into a new folder under ``to``; on any failure nothing is left."""
    url = settings.database_url
    kind = make_url(url).get_backend_name()
    if kind not in ("sqlite", "postgresql"):
        raise DatabaseError(f"backup knows SQLite and PostgreSQL databases, not {kind}")
    private_dir(to)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    name = _free_name(to, f"{PREFIX}{now:%Y%m%dT%H%M%SZ}")
    partial = to / f".{name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    private_dir(partial)
    try:
        manifest = _fill(partial, settings, kind, with_keys=with_keys, now=now)
        write_manifest(partial, manifest)
        os.replace(partial, to / name)
    except BaseException as exc:
        shutil.rmtree(partial, ignore_errors=True)
        if isinstance(exc, Exception):
            reason = " ".join(str(getattr(exc, "orig", exc)).split())[:500]
            record_backup_failed(url, name, with_keys=with_keys, reason=reason)
        raise
    # after the dump, in its own transaction: the set never holds its own row (backup_audit)
    return Made(to / name, manifest, record_backup(url, name, manifest))


def _fill(
    folder: Path, settings: Settings, kind: str, *, with_keys: bool, now: dt.datetime
) -> dict[str, Any]:
    archive = _archive_files(settings.archive_dir)
    files: list[dict[str, Any]] = []
    with out.Progress("Backing up the database", total=3 + len(archive)) as bar:
        busy = _load_in_progress(settings.database_url)
        if kind == "sqlite":
            database = _sqlite(settings.database_url, folder / SQLITE_FILE)
            files.append(_entry(folder, SQLITE_FILE, "database"))
        else:
            database = _postgresql(settings.database_url, folder / PG_FILE)
            files.append(_entry(folder, PG_FILE, "database"))
        bar.advance(description="Backing up the keys")
        keys: dict[str, dict[str, Any]] = {}
        for what, path in (
            ("id_key", settings.id_key_file),
            ("secrets_key", settings.secrets_key_file),
        ):
            keys[what], entry = _key(folder, what, path, with_keys=with_keys)
            files += entry
            bar.advance()
        private_dir(folder / "archive")
        for source, relative in archive:
            target = folder / "archive" / relative
            private_dir(target.parent)
            size, sha = copy_private(source, target)
            files.append(
                {
                    "path": f"archive/{relative.as_posix()}",
                    "what": "archive",
                    "size": size,
                    "sha256": sha,
                }
            )
            bar.advance(description=f"Backing up the archive ({relative.name})")
    return {
        "format": FORMAT,
        "made_at": now.isoformat().replace("+00:00", "Z"),
        "made_by": f"python -m etl backup (lfo-monitoring {tool_version()})",
        "tool_version": tool_version(),
        "database": {"kind": kind, **database},
        "keys": keys,
        "keys_included": with_keys,
        "archive_files": len(archive),
        "load_in_progress": busy,
        "source": {
            "database": make_url(settings.database_url).render_as_string(hide_password=True),
            "archive_dir": str(settings.archive_dir),
            "id_key_file": str(settings.id_key_file),
            "secrets_key_file": str(settings.secrets_key_file),
        },
        "files": files,
    }


def _free_name(folder: Path, name: str) -> str:
    """``name``, or ``name-2``, ``-3``… when a backup of the same second exists."""
    candidate, n = name, 1
    while (folder / candidate).exists():
        n += 1
        candidate = f"{name}-{n}"
    return candidate


def _entry(folder: Path, relative: str, what: str) -> dict[str, Any]:
    path = folder / relative
    return {"path": relative, "what": what, "size": path.stat().st_size, "sha256": sha256_of(path)}


def _key(
    folder: Path, what: str, path: Path, *, with_keys: bool
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A key's line in the manifest, and its file entry when it is copied."""
    if not path.is_file():
        return {"present": False, "path": None, "sha256": None}, []
    sha = sha256_of(path)
    if not with_keys:
        return {"present": True, "path": None, "sha256": sha}, []
    relative = KEY_FILES[what]
    private_dir(folder / "keys")
    size, copied = copy_private(path, folder / relative)
    entry = {"path": relative, "what": what, "size": size, "sha256": copied}
    return {"present": True, "path": relative, "sha256": copied}, [entry]


def _archive_files(archive_dir: Path) -> list[tuple[Path, Path]]:
    """Every file of the archive (half-written copies left out), with its path inside it."""
    if not archive_dir.is_dir():
        return []
    return sorted(
        (p, p.relative_to(archive_dir))
        for p in archive_dir.rglob("*")
        if p.is_file() and not p.name.startswith(INCOMING_PREFIX)
    )


def _load_in_progress(url: str) -> bool:
    """True when a load holds the load lock now (the backup goes on: see the module's doc)."""
    engine = create_engine(url)
    try:
        with load_lock(engine, wait=0):
            return False
    except LockBusy:
        return True
    finally:
        engine.dispose()


def _sqlite(url: str, target: Path) -> dict[str, Any]:
    """The online backup of a SQLite database into ``target``; what it holds."""
    path = sqlite_path(url)
    if path is None or not path.is_file():
        raise DatabaseError(
            f"the database {path or url} does not exist: give --db or LFO_DATABASE_URL"
        )
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    source = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.execute("PRAGMA busy_timeout = 10000")
        source.backup(copy)  # every page in one step: one read snapshot of committed data
        copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
    finally:
        copy.close()
        source.close()
    os.chmod(target, 0o600)
    engine = create_engine(f"sqlite:///{target}")
    try:
        with engine.connect() as conn:
            return describe(conn)
    finally:
        engine.dispose()


def _postgresql(url: str, target: Path) -> dict[str, Any]:
    """``pg_dump`` of the snapshot this transaction reads the manifest's facts from."""
    engine = create_engine(url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as conn:
            conn.execute(text("SET TRANSACTION READ ONLY"))
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar()
            facts = describe(conn)
            backup_pg.dump(url, target, snapshot=str(snapshot))
            conn.rollback()
    finally:
        engine.dispose()
    return facts


def describe(conn: Connection) -> dict[str, Any]:
    """What a database holds, for the manifest and restore's summary: the schema revision, the
    data version (as the dashboard computes it), the latest load, the current returns."""
    revision = stored_revision(conn)
    legacy = legacy_schema_version(conn)
    if revision is None and legacy is None:
        raise DatabaseError("the database has no tables yet: there is nothing to back up")
    log_, r = schema.etl_load_log, schema.returns
    latest = conn.execute(
        select(log_.c.load_id, log_.c.file_name, log_.c.outcome, log_.c.finished_at)
        .order_by(log_.c.load_id.desc())
        .limit(1)
    ).first()
    count, loaded_at = conn.execute(select(func.count(), func.max(r.c.loaded_at))).one()
    return {
        "schema_revision": revision or f"none (made before migrations, version {legacy})",
        "data_version": [None if latest is None else latest.load_id, count, str(loaded_at)],
        "latest_load": None
        if latest is None
        else {
            "load_id": latest.load_id,
            "file_name": latest.file_name,
            "outcome": latest.outcome,
            "finished_at": str(latest.finished_at),
        },
        "returns": count,
        "data_as_at": None if loaded_at is None else str(loaded_at),
    }


def tool_version() -> str:
    """This program's version (``pyproject.toml``, else the installed package's)."""
    try:
        with (PROJECT_ROOT / "pyproject.toml").open("rb") as f:
            return str(tomllib.load(f)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        try:
            return importlib.metadata.version("lfo-monitoring")
        except importlib.metadata.PackageNotFoundError:
            return "unknown"
