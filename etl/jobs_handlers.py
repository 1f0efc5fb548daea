"""What the worker (``etl.worker``) runs for each kind of job: ``HANDLERS``.

A handler takes the job's payload, the settings and ``report`` (a short line of progress, written
with the next heartbeat) and returns the job's result (JSON-able). It raises ``JobFailed`` with a
one-line reason when the job could not be done; any other exception fails the job too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from sqlalchemy import Engine

from etl import release_job
from etl.archive import archive_file, sha256_of
from etl.load import store
from etl.load.decide import ALREADY_LOADED, FORCED, LOADED, QUARANTINED
from etl.load.loader import load_files
from etl.load.result import FileResult, LoadError
from etl.load.validate import validate_files
from etl.load.write import By
from etl.reading import SHEET_NAMES
from lfo import jobs, submissions
from lfo.findings import CODES
from lfo.settings import Settings

#: How long a load job waits for another load to finish (two LAs submitting at once: both load,
#: one after the other). The worker's heartbeat keeps the job its own meanwhile.
LOCK_WAIT_SECONDS = 3600.0
#: The load outcomes that leave the submitted return as its LA's current data ("already loaded":
#: a retried job whose first attempt loaded it, or the same file submitted again).
LOADED_OUTCOMES = frozenset({LOADED, QUARANTINED, FORCED, ALREADY_LOADED})

Report = Callable[[str], None]
Handler = Callable[[dict[str, Any], Settings, Report], dict[str, Any]]


class JobFailed(Exception):
    """The job could not be done: the message is the reason, on one line."""


def check_return(payload: dict[str, Any], settings: Settings, report: Report) -> dict[str, Any]:
    """``check-return``: {"submission_id": int}. Checks the uploaded file exactly as ``python -m
    etl validate`` does (``validate_files``: the same checks, E108 and E109 against the LA's
    current data), archives it, and records on the submission, in one transaction, ``errors`` or
    ``valid`` with a summary of counts only (``check_summary``). A check that cannot run records
    the submission's failure and fails the job. The upload itself was audited by the page."""
    submission_id = _positive_id(payload.get("submission_id"))
    if submission_id is None:
        raise JobFailed("the job names no submission (payload without a submission_id)")
    engine = jobs.engine(settings.database_url)
    try:
        with engine.connect() as conn:
            found = submissions.get(conn, submission_id)
        if found is None:
            raise JobFailed(f"there is no submission {submission_id}")
        if found.state != "checking":  # a retried job whose first attempt recorded the check
            return {"submission_id": submission_id, "state": found.state}
        report(f"checking {found.file_name}")
        try:
            result = _check(upload_path(settings, found), found.sha256, settings)
        except (LoadError, JobFailed) as exc:
            _failed(engine, submission_id, str(exc))
        summary = check_summary(result, settings, engine, found.area_code)
        with engine.begin() as conn:
            submissions.record_check(
                conn,
                submission_id,
                errors=result.errors,
                warnings=result.warnings,
                summary=summary,
                message=result.message,
            )
        state = "errors" if result.errors else "valid"
        return {"submission_id": submission_id, "state": state, "message": result.message}
    finally:
        engine.dispose()


def upload_path(settings: Settings, found: submissions.Submission) -> Path:
    """Where the web page stored the submission's file: ``<uploads_dir>/<id>/<file_name>``."""
    name = found.file_name
    if not name or Path(name).name != name or name.startswith("."):
        raise JobFailed(f"submission {found.submission_id} names no plain file ({name!r})")
    return settings.uploads_dir / str(found.submission_id) / name


def _check(path: Path, sha256: str, settings: Settings) -> FileResult:
    """The file archived (as the loader does, before checking), then checked once."""
    try:
        if sha256_of(path) != sha256:
            raise LoadError("the stored file is not the one uploaded (its SHA-256 differs)")
        archive_file(path, sha256, path.stat().st_size, settings.archive_dir)
    except OSError as exc:
        raise LoadError(f"cannot read or archive the uploaded file: {exc.strerror or exc}") from exc
    [result] = validate_files([path], settings, changes=True)
    return result


def check_summary(
    result: FileResult, settings: Settings, engine: Engine, area: str
) -> dict[str, Any]:
    """What the submission keeps of its check: counts only, never a value of the return (it may
    hold personal data). ``findings``: one entry per sheet, code and severity with the code's
    title; ``rows`` and ``changes`` (what loading it would change) only for a valid return."""
    counts = result.findings.groupby(["sheet", "code", "severity"], dropna=False).size()
    order = {name: i for i, name in enumerate(SHEET_NAMES)}
    findings = [
        {
            "sheet": sheet if isinstance(sheet, str) else None,
            "code": str(code),
            "severity": str(severity),
            "title": CODES.get(str(code), ("", str(code)))[1],
            "count": int(n),
        }
        for (sheet, code, severity), n in counts.items()
    ]
    findings.sort(
        key=lambda f: (order.get(str(f["sheet"]), -1), str(f["code"]), str(f["severity"]))
    )
    summary: dict[str, Any] = {"findings": findings}
    changes = result.changes
    if changes is not None and not result.errors:
        summary["rows"] = dict(changes.rows)
        summary["changes"] = {name: dict(c) for name, c in changes.changes.items()}
        summary["current_period"] = changes.current_period
        summary["key_missing"] = changes.key_missing
        return summary
    with engine.connect() as conn:
        current = store.current_return(conn, area)
    summary["current_period"] = str(current["period"]) if current else None
    summary["key_missing"] = not settings.id_key_file.exists()
    return summary


def load_return(payload: dict[str, Any], settings: Settings, report: Report) -> dict[str, Any]:
    """``load-return``: {"path": str, "force": bool, "allow_shrink": bool, "quarantine": bool},
    and from the web {"submission_id": int, "submitted_by": int | null} (null: the local user).
    Loads the file as ``python -m etl load`` does (the same loader: its lock, transaction, archive
    and pseudonymisation); a web load's audit row names the submitter and says "from the web".
    A rejected return is a result (the load worked); a load that could not run is a failure. With
    a submission, its outcome is recorded on it (``loaded`` or ``rejected``, or its failure)."""
    path = payload.get("path")
    if not isinstance(path, str) or not path:
        raise JobFailed("the job names no file to load (payload without a path)")
    submission_id = _positive_id(payload.get("submission_id"))
    by = None
    if submission_id is not None or "submitted_by" in payload:
        via = "from the web" + (f", submission {submission_id}" if submission_id else "")
        by = By(user_id=_positive_id(payload.get("submitted_by")), via=via)
    report(f"loading {Path(path).name}")
    engine = jobs.engine(settings.database_url) if submission_id is not None else None
    try:
        try:
            [result] = load_files(
                [Path(path)],
                settings,
                force=bool(payload.get("force", False)),
                allow_shrink=bool(payload.get("allow_shrink", False)),
                quarantine=bool(payload.get("quarantine", False)),
                lock_wait=LOCK_WAIT_SECONDS,
                by=by,
            )
        except LoadError as exc:
            if engine is None:
                raise
            _failed(engine, submission_id, str(exc))
        if result.outcome == "failed":
            reason = result.message or f"the load of {result.file_name} failed"
            if engine is None:
                raise JobFailed(reason)
            _failed(engine, submission_id, reason)
        if engine is not None and submission_id is not None:
            _record_load(engine, submission_id, result)
        return load_result(result)
    finally:
        if engine is not None:
            engine.dispose()


def _record_load(engine: Engine, submission_id: int, result: FileResult) -> None:
    """The load's outcome on the submission, in one transaction; an ``already loaded`` file
    points at the load that made it current."""
    load_id = result.load_id
    with engine.begin() as conn:
        if result.outcome == ALREADY_LOADED and result.sha256 is not None:
            current = store.current_copy(conn, result.sha256, result.file_name)
            load_id = int(current["load_id"]) if current else load_id
        submissions.record_load(
            conn,
            submission_id,
            loaded=result.outcome in LOADED_OUTCOMES,
            load_id=load_id,
            message=result.message,
            now=jobs.now_utc(),
        )


def _failed(engine: Engine, submission_id: int | None, reason: str) -> NoReturn:
    """Record the submission's failure (in its own transaction), then fail the job."""
    reason = " ".join(reason.split()) or "failed"
    if submission_id is not None:
        with engine.begin() as conn:
            submissions.record_failure(conn, submission_id, message=reason, now=jobs.now_utc())
    raise JobFailed(reason)


def _positive_id(value: Any) -> int | None:
    """A positive whole number from the payload (a submission or user id), or None."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return None
    return value


def load_result(result: FileResult) -> dict[str, Any]:
    """What the submitter and the programme team see of a load: outcome, counts and message."""
    return {
        "file_name": result.file_name,
        "area_code": result.area_code,
        "period": result.period,
        "outcome": result.outcome,
        "rows_loaded": dict(result.rows_loaded),
        "rows_held_back": result.rows_held_back,
        "errors": result.errors,
        "warnings": result.warnings,
        "load_id": result.load_id,
        "message": result.message,
        "key_created": result.key_created,  # the ID key file was made: back it up
    }


def publish_release(payload: dict[str, Any], settings: Settings, report: Report) -> dict[str, Any]:
    """``publish-release`` (``etl.release_job``): a release asked for on the Releases page."""
    try:
        return release_job.publish_release(payload, settings, report)
    except release_job.PublishFailed as exc:
        raise JobFailed(str(exc)) from exc


HANDLERS: dict[str, Handler] = {
    "load-return": load_return,
    "check-return": check_return,
    "publish-release": publish_release,
}
