"""Loading returns (spec section 4) and validating them without writing (section 5).

``load_files`` takes the database's load lock for the whole command, then for each file in turn:
archives it, skips it if that exact file was loaded before, checks it, compares it with the LA's
current data (E108 stale, E109 shrunk) and either rejects it (only the ``etl_`` bookkeeping tables
change) or replaces the LA's current data in one transaction. With more than one file, the next
file's ``check_file`` runs in a worker process meanwhile (``etl.checks.file.CheckAhead``); everything else
stays here, in file order. ``validate_files`` runs the same checks against the database opened
read-only and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from etl.archive import archive_file, remove_partial_copies, sha256_of
from etl.checks.ahead import CheckAhead
from etl.checks.continuity import shrink_finding, stale_finding
from etl.checks.file import CheckedReturn
from etl.checks.quarantine import quarantine_plan
from etl.load import store
from etl.load.result import (
    FileResult,
    LoadError,
    db_name,
    loaded_text,
    now_utc,
    summarise,
)
from etl.load.stored_rows import StoredFindings, data_rows, held_back_rows
from etl.load.validate import validate_files
from etl.lock import WAIT_SECONDS, LockBusy, load_lock
from etl.pseudonymise import Hasher, KeyFileError, ensure_key
from lfo import periods
from lfo.db import DatabaseError, init_db, writer_engine
from lfo.findings import Finding, findings_frame
from lfo.indicators.summaries import frames_from_rows, refresh_area
from lfo.settings import Settings

log = logging.getLogger(__name__)

SHEETS = ("participants", "interventions", "outcomes")


# --- load -------------------------------------------------------------------------------------


def load_files(
    files: list[Path],
    settings: Settings,
    *,
    quarantine: bool = False,
    force: bool = False,
    allow_shrink: bool = False,
    on_file: Callable[[FileResult], None] | None = None,
    lock_wait: float = WAIT_SECONDS,
) -> list[FileResult]:
    """Check and load each file in order, each in its own transaction (see the module docstring)."""
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
                loader = _Loader(
                    engine,
                    settings,
                    quarantine=quarantine,
                    force=force,
                    allow_shrink=allow_shrink,
                    check=ahead.check,
                )
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
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        quarantine: bool,
        force: bool,
        allow_shrink: bool,
        check: Callable[[Path], CheckedReturn],
    ) -> None:
        self.engine = engine
        self.check = check  # check_file with the known areas and today's date
        self.settings = settings
        self.quarantine, self.force, self.allow_shrink = quarantine, force, allow_shrink
        self.flags = (
            " ".join(
                f
                for f, on in (
                    ("--quarantine", quarantine),
                    ("--force", force),
                    ("--allow-shrink", allow_shrink),
                )
                if on
            )
            or None
        )
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
            with self.engine.begin() as conn:
                return store.insert_load_log(conn, self._log_values(result, started, now_utc()))
        except (SQLAlchemyError, OSError) as exc:
            log.error(
                "could not record the failure of %s in the load log: %s", result.file_name, exc
            )
            return None

    def _log_values(
        self, result: FileResult, started: dt.datetime, finished: dt.datetime | None
    ) -> dict:
        rows = result.rows_loaded
        return dict(
            file_name=result.file_name,
            sha256=result.sha256,
            size_bytes=result.size_bytes,
            area_code=result.area_code,
            period=result.period,
            outcome=result.outcome,
            participants_loaded=rows.get("participants", 0),
            episodes_loaded=rows.get("episodes", 0),
            outcomes_loaded=rows.get("outcomes", 0),
            rows_held_back=result.rows_held_back,
            errors=result.errors,
            warnings=result.warnings,
            flags=self.flags,
            message=result.message,
            started_at=started,
            finished_at=finished,
        )

    def _load_checked(self, path: Path, result: FileResult, started: dt.datetime) -> None:
        with self.engine.connect() as conn:
            earlier = store.earlier_success(conn, result.sha256, result.file_name)
        if earlier is not None:
            result.outcome = "already loaded"
            result.area_code, result.period = earlier["area_code"], earlier["period"]
            result.message = (
                f"already loaded (load {earlier['load_id']}, "
                f"{earlier['started_at']:%Y-%m-%d %H:%M} UTC); nothing was changed"
            )
            with self.engine.begin() as conn:
                result.load_id = store.insert_load_log(
                    conn, self._log_values(result, started, now_utc())
                )
            return

        checked = self.check(path)
        area, quarter = checked.area_code, checked.quarter
        result.area_code = area
        result.period = quarter.label if quarter is not None else None
        findings: list[Finding] = list(checked.findings)
        notes: list[str] = []
        forced = False
        hasher = self.hasher(area) if area is not None else None
        if not checked.stopped and area is not None and quarter is not None:
            with self.engine.connect() as conn:
                current = store.current_return(conn, area)
                keys = store.current_participant_keys(conn, area) if current else set()
            current_period = current["period"] if current else None
            stale = stale_finding(path.name, current_period, quarter)
            if stale is not None and self.force:
                forced = True
                notes.append(f"forced: replaces the current {stale.value} data")
            elif stale is not None:
                findings.append(stale)
            shrink = shrink_finding(
                path.name, keys, hasher.many(checked.participant_ids), current_period
            )
            if shrink is not None and self.allow_shrink:
                notes.append(
                    f"{shrink.value} current participants missing, allowed by --allow-shrink"
                )
            elif shrink is not None:
                findings.append(shrink)

        tables: dict[str, pd.DataFrame] = {}
        plan: dict[str, pd.DataFrame] = {}
        rejected = checked.stopped or any(f.code in ("E108", "E109") for f in findings)
        rejected = rejected or (checked.has_errors and not self.quarantine)
        if not rejected:
            if checked.has_errors:
                plan = quarantine_plan(checked)
            tables = {s: _without(checked.tables[s], plan.get(s)) for s in SHEETS}
            if tables["participants"].empty:
                findings.append(
                    Finding(
                        path.name,
                        None,
                        None,
                        None,
                        None,
                        "E107",
                        "every participant of this return is held back: correct the rows with "
                        "errors (see the report) and send the return again",
                    )
                )
                rejected = True
        result.findings = findings_frame(findings)
        stored = StoredFindings(result.findings, hasher, _raw_ids(checked))

        if rejected:
            result.outcome = "rejected"
            result.message = (
                f"rejected: {summarise(result.findings)}; the LA's current data is unchanged"
            )
            with self.engine.begin() as conn:
                load_id = store.insert_load_log(conn, self._log_values(result, started, None))
                store.insert_findings(conn, stored.rows(load_id, area))
                store.finish_load_log(conn, load_id, now_utc())
            result.load_id = load_id
            return

        assert area is not None and quarter is not None and hasher is not None
        held = sum(len(p["_row"].unique()) for p in plan.values())
        rows = data_rows(tables, area, hasher)
        result.rows_loaded = {name: len(r[1]) for name, r in rows.items()}
        result.rows_held_back = held
        result.outcome = "forced" if forced else ("loaded with quarantine" if held else "loaded")
        text = f"{result.outcome}: {loaded_text(result.rows_loaded)}"
        if held:
            text += f"; {held:,} rows held back"
        if len(result.findings):
            text += f"; {summarise(result.findings)}"
        result.message = "; ".join([text, *notes])

        with self.engine.begin() as conn:
            load_id = store.insert_load_log(conn, self._log_values(result, started, None))
            store.replace_area_data(conn, area, rows)
            store.upsert_return(
                conn,
                dict(
                    area_code=area,
                    period=quarter.label,
                    period_end=quarter.end,
                    file_name=path.name,
                    sha256=result.sha256,
                    load_id=load_id,
                    loaded_at=now_utc(),
                    rows_held_back=held,
                ),
            )
            refresh_area(conn, area, frames_from_rows(rows))
            store.insert_findings(conn, stored.rows(load_id, area))
            for sheet, sheet_plan in plan.items():
                store.insert_held_back(
                    conn,
                    held_back_rows(
                        sheet, checked.tables[sheet], sheet_plan, stored, load_id, area, hasher
                    ),
                )
            store.supersede_held_back(conn, area, load_id)
            store.finish_load_log(conn, load_id, now_utc())
        result.load_id = load_id


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


def _without(frame: pd.DataFrame, plan: pd.DataFrame | None) -> pd.DataFrame:
    if plan is None or plan.empty:
        return frame
    return frame[~frame["_row"].isin(plan["_row"])]


__all__ = ["FileResult", "LoadError", "load_files", "validate_files"]
