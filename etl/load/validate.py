"""Validating returns: every check, E108 and E109 included, against the database opened read-only."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

from sqlalchemy import Connection, inspect
from sqlalchemy.exc import SQLAlchemyError

from etl.archive import sha256_of
from etl.checks.ahead import CheckAhead
from etl.checks.continuity import shrink_finding, stale_finding
from etl.checks.file import CheckedReturn
from etl.load import store
from etl.load.changes import compare_with_current
from etl.load.result import FileResult, LoadError, db_name, summarise
from etl.pseudonymise import Hasher, KeyFileError, read_key
from lfo import periods
from lfo.db import DatabaseError, reader_engine, sqlite_path
from lfo.findings import findings_frame
from lfo.reference import load_reference
from lfo.settings import Settings

log = logging.getLogger(__name__)


def validate_files(
    files: list[Path],
    settings: Settings,
    *,
    on_file: Callable[[FileResult], None] | None = None,
    changes: bool = False,
) -> list[FileResult]:
    """Run every check, E108 and E109 included, against the database opened read-only.

    A database that does not exist is treated as empty (the areas come from the reference data) and
    is not created. Nothing is written: no archive copy, no key file. Without the key file the
    current participants cannot be matched, so an LA with current data gets E109, just as a load
    (which would create a new key) would.

    With ``changes``, each valid file's ``FileResult.changes`` says what loading it would change
    in its LA's current data (``etl.load.changes``), read in the same snapshot as the checks.
    """
    engine = None
    try:
        db_file = sqlite_path(settings.database_url)
        if db_file is None or db_file.exists():  # a server must answer; a missing file is empty
            engine = reader_engine(settings.database_url)
        with engine.connect() if engine is not None else nullcontext() as conn:
            has_data = conn is not None and inspect(conn).has_table("returns")
            areas = (
                store.known_areas(conn)
                if conn is not None and has_data
                else set(load_reference().pilot_areas)
            )
            try:
                key = read_key(settings.id_key_file)
            except (OSError, KeyFileError) as exc:
                raise LoadError(str(exc)) from exc
            key_note = ""
            real_key = key
            if key is None:
                key = secrets.token_bytes(32)  # matches nothing, like a newly created key would
                key_note = (
                    f" (the ID key file {settings.id_key_file} does not exist, so no "
                    "current participant can be matched)"
                )
            paths = [Path(p) for p in files]
            results = []
            # the next file is checked in a worker process meanwhile (none for a single file)
            with CheckAhead(paths, known_areas=areas, today=periods.today()) as ahead:
                for i, path in enumerate(paths):
                    ahead.begin(i)
                    db = conn if has_data else None
                    result, checked = _validate_one(path, db, ahead.check, key)
                    if changes and checked.area_code is not None and not result.errors:
                        result.changes = compare_with_current(
                            db, checked.tables, checked.area_code, real_key
                        )
                    del checked  # the next file's tables are not held with this one's
                    if result.findings["code"].eq("E109").any():
                        result.message += key_note
                    results.append(result)
                    if on_file is not None:
                        on_file(result)
            return results
    except (SQLAlchemyError, DatabaseError, OSError, ImportError) as exc:
        raise LoadError(f"cannot read the database {db_name(settings)}: {exc}") from exc
    finally:
        if engine is not None:
            engine.dispose()


def _validate_one(
    path: Path, conn: Connection | None, check: Callable[[Path], CheckedReturn], key: bytes
) -> tuple[FileResult, CheckedReturn]:
    try:
        size = path.stat().st_size
        sha = sha256_of(path)
    except OSError as exc:
        raise LoadError(f"cannot read {path}: {exc.strerror or exc}") from exc
    result = FileResult(path, path.name, sha, size)
    try:
        checked: CheckedReturn = check(path)
    except Exception as exc:
        log.debug("checking %s failed", path, exc_info=True)
        raise LoadError(f"could not check {path.name}: {exc}") from exc
    area, quarter = checked.area_code, checked.quarter
    result.area_code = area
    result.period = quarter.label if quarter is not None else None
    findings = list(checked.findings)
    if not checked.stopped and area is not None and quarter is not None and conn is not None:
        current = store.current_return(conn, area)
        if current is not None:
            stale = stale_finding(path.name, current["period"], quarter)
            keys = store.current_participant_keys(conn, area)
            hashed = Hasher(key, area).many(checked.participant_ids)
            shrink = shrink_finding(path.name, keys, hashed, current["period"])
            findings += [f for f in (stale, shrink) if f is not None]
    result.findings = findings_frame(findings)
    result.outcome = "invalid" if result.errors else "valid"
    result.message = f"{result.outcome}: {summarise(result.findings)}"
    if conn is not None and store.current_copy(conn, sha, path.name) is not None:
        result.message += "; this exact file is already loaded (the LA's current return)"
    return result, checked
