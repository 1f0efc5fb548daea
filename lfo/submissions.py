"""Returns through the web (issue 13; return-spec.md § 5, service.md § 5): the ``submissions``
table's one home. Pure database functions over a connection the caller holds (its transaction):
the web pages, the worker's job handlers and the tracker all read and move submissions here.

A submission's life (``lfo.schema_submissions.SUBMISSION_STATES``): uploaded and ``checking`` (a
``check-return`` job queued) → ``errors`` or ``valid`` (``check_failed`` if the check could not
run) → ``submitted`` (the LA lead confirmed; a ``load-return`` job queued, one per submission
however often the button is pressed) → ``loaded``, ``rejected`` (the loader refused it, say a
later return arrived meanwhile) or ``failed`` (the job could not run). A rollback (a programme
lead reloading an earlier return with force) starts ``submitted``.

The state written by the job handlers is the truth once they ran; before that, a job that failed
(its worker stopped too often, say) is read as the submission's failure (``Submission.shown``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, case, select, update

from lfo.schema_jobs import jobs
from lfo.schema_submissions import submissions

#: What each state is called on the pages (one home for the words).
STATE_NAMES = {
    "checking": "Checking",
    "check_failed": "Could not be checked",
    "errors": "Has errors: not submitted",
    "valid": "Checked: ready to submit",
    "submitted": "Submitted: loading",
    "loaded": "Loaded",
    "rejected": "Rejected by the load",
    "failed": "Load failed",
}
FINISHED = frozenset({"loaded", "rejected", "failed", "check_failed", "errors"})


@dataclass(frozen=True)
class Submission:
    """One row of ``submissions``, with its check or load job's state and error (if any)."""

    submission_id: int
    kind: str
    area_code: str
    period: str
    file_name: str
    original_name: str | None
    sha256: str
    size_bytes: int
    state: str
    errors: int | None
    warnings: int | None
    summary: dict[str, Any]
    message: str | None
    uploaded_by: int | None
    uploaded_at: dt.datetime
    submitted_by: int | None
    submitted_at: dt.datetime | None
    check_job_id: int | None
    load_job_id: int | None
    load_id: int | None
    finished_at: dt.datetime | None
    job_state: str | None = None  # the state of the job the submission waits for, if any
    job_error: str | None = None
    job_progress: str | None = None

    @property
    def shown(self) -> str:
        """The state to show: a job that failed before its handler could say so is the
        submission's failure."""
        if self.job_state == "failed":
            if self.state == "checking":
                return "check_failed"
            if self.state == "submitted":
                return "failed"
        return self.state

    @property
    def reason(self) -> str | None:
        """Why it failed, or the outcome's message."""
        if self.shown != self.state:
            return self.job_error
        return self.message


def create(
    conn: Connection,
    *,
    kind: str,
    area_code: str,
    period: str,
    file_name: str,
    sha256: str,
    size_bytes: int,
    user_id: int | None,
    now: dt.datetime,
    original_name: str | None = None,
    state: str = "checking",
) -> int:
    """A new submission (``checking``, or ``submitted`` for a rollback); its id."""
    key = conn.execute(
        submissions.insert().values(
            kind=kind,
            area_code=area_code,
            period=period,
            file_name=file_name,
            original_name=original_name,
            sha256=sha256,
            size_bytes=size_bytes,
            state=state,
            uploaded_by=user_id,
            uploaded_at=now,
        )
    ).inserted_primary_key
    assert key is not None
    return int(key[0])


def set_jobs(
    conn: Connection, submission_id: int, *, check: int | None = None, load: int | None = None
) -> None:
    values = {"check_job_id": check} if check is not None else {}
    if load is not None:
        values["load_job_id"] = load
    conn.execute(
        update(submissions).where(submissions.c.submission_id == submission_id).values(**values)
    )


def record_check(
    conn: Connection,
    submission_id: int,
    *,
    errors: int,
    warnings: int,
    summary: dict[str, Any],
    message: str,
) -> None:
    """The check ran: ``errors`` (any error) or ``valid``; ``summary`` holds counts only."""
    _move(
        conn,
        submission_id,
        ("checking",),
        state="errors" if errors else "valid",
        errors=errors,
        warnings=warnings,
        summary=json.dumps(summary, sort_keys=True),
        message=message[:1000],
    )


def submit(
    conn: Connection, submission_id: int, *, user_id: int | None, job_id: int, now: dt.datetime
) -> bool:
    """``valid`` → ``submitted`` with its load job; False if it was not ``valid`` (a second
    click: the first already moved it)."""
    return _move(
        conn,
        submission_id,
        ("valid",),
        state="submitted",
        submitted_by=user_id,
        submitted_at=now,
        load_job_id=job_id,
    )


def record_load(
    conn: Connection,
    submission_id: int,
    *,
    loaded: bool,
    load_id: int | None,
    message: str,
    now: dt.datetime,
) -> None:
    """The load job ran: ``loaded`` or ``rejected``, with the load log's row."""
    _move(
        conn,
        submission_id,
        ("submitted", "failed"),
        state="loaded" if loaded else "rejected",
        load_id=load_id,
        message=message[:1000],
        finished_at=now,
    )


def record_failure(conn: Connection, submission_id: int, *, message: str, now: dt.datetime) -> None:
    """The check or load could not run: ``check_failed`` or ``failed``, with the reason."""
    row = get(conn, submission_id)
    if row is None:
        return
    state = "check_failed" if row.state == "checking" else "failed"
    _move(
        conn,
        submission_id,
        ("checking", "submitted"),
        state=state,
        message=message[:1000],
        finished_at=now,
    )


def _move(conn: Connection, submission_id: int, from_states: Sequence[str], **values: Any) -> bool:
    done = conn.execute(
        update(submissions)
        .where(
            submissions.c.submission_id == submission_id,
            submissions.c.state.in_(tuple(from_states)),
        )
        .values(**values)
    )
    return done.rowcount == 1


def _query() -> Any:
    """Each submission with the job it waits for: the check while ``checking``, else the load."""
    waited = case(
        (submissions.c.state == "checking", submissions.c.check_job_id),
        else_=submissions.c.load_job_id,
    )
    return select(
        submissions,
        jobs.c.state.label("job_state"),
        jobs.c.error.label("job_error"),
        jobs.c.progress.label("job_progress"),
    ).outerjoin(jobs, jobs.c.job_id == waited)


def _row(row: Any) -> Submission:
    values = dict(row._mapping)
    values["summary"] = json.loads(values["summary"]) if values["summary"] else {}
    return Submission(**values)


def get(conn: Connection, submission_id: int) -> Submission | None:
    row = conn.execute(_query().where(submissions.c.submission_id == submission_id)).first()
    return None if row is None else _row(row)


def list_submissions(
    conn: Connection,
    *,
    areas: Sequence[str] | None = None,
    periods: Sequence[str] | None = None,
    limit: int = 500,
) -> list[Submission]:
    """The newest first; only ``areas`` (GSS codes) and ``periods`` when given."""
    query = _query().order_by(submissions.c.uploaded_at.desc(), submissions.c.submission_id.desc())
    if areas is not None:
        query = query.where(submissions.c.area_code.in_(tuple(areas)))
    if periods is not None:
        query = query.where(submissions.c.period.in_(tuple(periods)))
    return [_row(row) for row in conn.execute(query.limit(limit))]
