"""A load command (return-spec section 4): ``load_files``.

``load_files`` takes the database's load lock for the whole command, then for each file in turn:
archives it, gathers the facts (whether that exact file is its LA's current return, the checks, the LA's current
data), decides what to do with it (``etl.load.decide``, pure: skip, reject, or load with or without
held-back rows) and carries that out in one transaction (``etl.load.write``): a rejection changes
only the ``etl_`` bookkeeping tables, a load replaces the LA's current data. With more than one
file, the next file's ``check_file`` runs in a worker process meanwhile
(``etl.checks.ahead.CheckAhead``); everything else stays here, in file order.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from etl.archive import archive_file, remove_partial_copies, sha256_of
from etl.checks.ahead import CheckAhead
from etl.checks.file import CheckedReturn
from etl.load import store, write
from etl.load.decide import CurrentData, Options, already_loaded, decide, needs_current_data
from etl.load.result import FileResult, LoadError, db_name, now_utc
from etl.load.stored_rows import StoredFindings, data_rows
from etl.lock import WAIT_SECONDS, LockBusy, load_lock
from etl.pseudonymise import Hasher, KeyFileError, ensure_key
from lfo import periods
from lfo.db import DatabaseError, init_db, writer_engine
from lfo.settings import Settings

log = logging.getLogger(__name__)


def load_files(
    files: list[Path],
    settings: Settings,
    *,
    quarantine: bool = False,
    force: bool = False,
    allow_shrink: bool = False,
    on_file: Callable[[FileResult], None] | None = None,
    lock_wait: float = WAIT_SECONDS,
    by: write.By | None = None,
) -> list[FileResult]:
    """Check and load each file in order, each in its own transaction (see the module docstring).
    ``by``: who asked for it when not the command line's user (the audit rows name them)."""
    try:
        engine = writer_engine(settings.database_url)
    except (SQLAlchemyError, OSError, ValueError, ImportError) as exc:
        raise LoadError(f"cannot open the database {db_name(settings)}: {exc}") from exc
    try:
        with load_lock(engine, wait=lock_wait):
            remove_partial_copies(settings.archive_dir)
            try:
                init_db(engine)
                with engine.connect() as conn:
                    areas = store.known_areas(conn)  # a load never changes the reference areas
            except (SQLAlchemyError, DatabaseError, OSError) as exc:
                raise LoadError(f"cannot use the database {db_name(settings)}: {exc}") from exc
            paths = [Path(p) for p in files]
            results = []
            # the next file is checked in a worker process meanwhile (none for a single file)
            with CheckAhead(paths, known_areas=areas, today=periods.today()) as ahead:
                options = Options(quarantine=quarantine, force=force, allow_shrink=allow_shrink)
                loader = _Loader(engine, settings, options, check=ahead.check, by=by)
                for i, path in enumerate(paths):
                    ahead.begin(i)
                    result = loader.load_one(path)
                    results.append(result)
                    if on_file is not None:
                        on_file(result)
            return results
    except LockBusy:
        raise LoadError(
            f"another load is in progress on {db_name(settings)}; try again when it has finished"
        ) from None
    except (SQLAlchemyError, OSError) as exc:
        raise LoadError(f"cannot use the database {db_name(settings)}: {exc}") from exc
    finally:
        engine.dispose()


class _Loader:
    """Loads the files of one command, one at a time (the ID key is read once, when first needed)."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        options: Options,
        *,
        check: Callable[[Path], CheckedReturn],
        by: write.By | None = None,
    ) -> None:
        self.engine = engine
        self.by = by
        self.check = check  # check_file with the known areas and today's date
        self.settings = settings
        self.options = options
        self._key: bytes | None = None
        self._key_created_pending = False

    def hasher(self, area: str) -> Hasher:
        if self._key is None:
            key_file = self.settings.id_key_file
            try:
                if not key_file.exists():
                    with self.engine.connect() as conn:
                        if store.holds_participants(conn):
                            raise LoadError(
                                f"the ID key file {key_file} is missing but the database already "
                                "holds pseudonymised IDs: restore the key file from its backup "
                                "(a new key would not line up with them)"
                            )
                self._key, created = ensure_key(key_file)
            except (OSError, KeyFileError) as exc:
                raise LoadError(
                    f"cannot use the ID key file {self.settings.id_key_file}: {exc}"
                ) from exc
            self._key_created_pending = created
        return Hasher(self._key, area)

    def load_one(self, path: Path) -> FileResult:
        try:
            size = path.stat().st_size
            sha = sha256_of(path)
        except OSError as exc:
            log.error("cannot read %s: %s", path, exc)
            return FileResult(
                path,
                path.name,
                None,
                0,
                outcome="failed",
                message=f"failed: cannot read the file: {exc.strerror or exc}",
            )
        result = FileResult(path, path.name, sha, size)
        started = now_utc()
        try:
            archive_file(path, sha, size, self.settings.archive_dir)
            self._load_checked(path, result, started)
        except LoadError:
            raise
        except Exception as exc:
            log.debug("load of %s failed", path, exc_info=True)
            result.outcome = "failed"
            result.rows_loaded, result.rows_held_back = {}, 0
            result.message = f"failed: {_one_line(exc)}; nothing was changed"
            result.load_id = self._log_failure(result, started)
        if self._key_created_pending:
            self._key_created_pending = False
            result.key_created = True
            result.message += (
                f"; created a new ID key file {self.settings.id_key_file}: back it "
                "up, since without it later returns no longer line up"
            )
        return result

    def _log_failure(self, result: FileResult, started: dt.datetime) -> int | None:
        try:
            return write.record(self.engine, self._log_values(result, started, now_utc()), self.by)
        except (SQLAlchemyError, OSError) as exc:
            log.error(
                "could not record the failure of %s in the load log: %s", result.file_name, exc
            )
            return None

    def _log_values(
        self, result: FileResult, started: dt.datetime, finished: dt.datetime | None
    ) -> dict[str, Any]:
        return write.log_values(result, self.options.flags, started, finished)

    def _load_checked(self, path: Path, result: FileResult, started: dt.datetime) -> None:
        """Gather the facts, decide (``etl.load.decide``, pure), then carry the decision out."""
        assert result.sha256 is not None  # load_one hashed the file
        with self.engine.connect() as conn:
            current_copy = store.current_copy(conn, result.sha256, result.file_name)
        if current_copy is not None:
            skip = already_loaded(current_copy)
            result.outcome, result.message = skip.outcome, skip.message
            result.area_code, result.period = skip.area_code, skip.period
            values = self._log_values(result, started, now_utc())
            result.load_id = write.record(self.engine, values, self.by)
            return

        checked = self.check(path)
        area, quarter = checked.area_code, checked.quarter
        result.area_code = area  # before anything else can fail, for the failure's log row
        result.period = quarter.label if quarter is not None else None
        hasher = self.hasher(area) if area is not None else None
        current = self._current_data(checked, hasher) if needs_current_data(checked) else None
        decision = decide(checked, current, self.options)
        result.findings = decision.findings
        stored = StoredFindings(result.findings, hasher, _raw_ids(checked))
        if not decision.loads:
            result.outcome, result.message = decision.outcome, decision.message
            result.load_id = write.reject(
                self.engine, self._log_values(result, started, None), stored, area, self.by
            )
            return

        assert area is not None and quarter is not None and hasher is not None
        rows = data_rows(decision.tables, area, hasher)
        result.rows_loaded = {name: len(r[1]) for name, r in rows.items()}
        result.rows_held_back = decision.rows_held_back
        result.outcome = decision.outcome
        result.message = decision.load_message(result.rows_loaded)
        result.load_id = write.load(
            self.engine,
            self._log_values(result, started, None),
            decision,
            quarter=quarter,
            rows=rows,
            checked_tables=checked.tables,
            stored=stored,
            hasher=hasher,
            by=self.by,
        )

    def _current_data(self, checked: CheckedReturn, hasher: Hasher | None) -> CurrentData:
        """The LA's current data, read for ``decide``'s E108 and E109."""
        assert checked.area_code is not None and hasher is not None
        area, quarter = checked.area_code, checked.quarter
        later: set[str] = set()
        with self.engine.connect() as conn:
            current = store.current_return(conn, area)
            keys = store.current_participant_keys(conn, area) if current else set()
            if current and self.options.force and quarter is not None:
                later = store.referred_after(conn, area, quarter.end)
        return CurrentData(
            period=current["period"] if current else None,
            participant_keys=keys,
            return_keys=hasher.many(checked.participant_ids),
            referred_after=later,
        )


def _one_line(exc: Exception) -> str:
    """A readable line for the user and the load log (no SQL text, no bound parameters)."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        text = f"database error: {exc.orig}"
    else:
        text = str(exc) or type(exc).__name__
    text = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def _raw_ids(checked: CheckedReturn) -> set[str]:
    """Every raw ID in the file's tables (to keep them out of stored finding messages)."""
    ids = set(checked.participant_ids)
    for sheet, column in (
        ("participants", "family_id"),
        ("interventions", "episode_id"),
        ("outcomes", "episode_id"),
    ):
        frame = checked.tables.get(sheet)
        if frame is not None and column in frame.columns:
            ids.update(frame[column].dropna().astype(str).unique())
    return ids
