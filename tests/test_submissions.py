"""A web submission's life (``lfo.submissions``), on SQLite and on a throw-away PostgreSQL: the
states move only forward from where they may, a second submit changes nothing, and a job that
failed before its handler could say so is shown as the submission's failure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update
from support.postgres import create_database

from lfo import jobs, schema, submissions
from lfo.db import init_db

_names = iter(range(1, 1000))
NOW = dt.datetime(2026, 12, 4, 10, 0)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'lfo.db'}"
    else:
        url = create_database(request.getfixturevalue("pg_url"), f"lfo_s{next(_names)}")
    made = jobs.engine(url)
    init_db(made)
    yield made
    made.dispose()


def _area(conn) -> str:
    code = conn.execute(select(schema.areas.c.gss_code).limit(1)).scalar()
    assert code is not None, "init_db seeds the reference areas"
    return code


def _new(conn, **extra) -> int:
    return submissions.create(
        conn,
        kind="upload",
        area_code=_area(conn),
        period="2018-19_Q2",
        file_name="LFO_X.xlsx",
        original_name="our return (final).xlsx",
        sha256="a" * 64,
        size_bytes=1234,
        user_id=None,
        now=NOW,
        **extra,
    )


def test_a_valid_return_is_submitted_once_and_loaded(engine) -> None:
    with engine.begin() as conn:
        sid = _new(conn)
        check = jobs.enqueue(conn, "check-return", {"submission_id": sid}, dedupe_key=f"c{sid}")
        submissions.set_jobs(conn, sid, check=check)
        assert submissions.get(conn, sid).shown == "checking"
        submissions.record_check(
            conn, sid, errors=0, warnings=2, summary={"rows": {"participants": 5}}, message="ok"
        )
        load = jobs.enqueue(conn, "load-return", {}, dedupe_key=f"s{sid}")
        assert submissions.submit(conn, sid, user_id=None, job_id=load, now=NOW)
        assert not submissions.submit(conn, sid, user_id=None, job_id=load, now=NOW)
        submissions.record_load(conn, sid, loaded=True, load_id=None, message="loaded", now=NOW)
        got = submissions.get(conn, sid)
    assert (got.state, got.shown, got.warnings, got.load_job_id) == ("loaded", "loaded", 2, load)
    assert got.summary == {"rows": {"participants": 5}}
    assert got.submitted_at == NOW and got.finished_at == NOW


def test_a_return_with_errors_cannot_be_submitted(engine) -> None:
    with engine.begin() as conn:
        sid = _new(conn)
        submissions.record_check(conn, sid, errors=3, warnings=0, summary={}, message="3 errors")
        load = jobs.enqueue(conn, "load-return", {})
        assert not submissions.submit(conn, sid, user_id=None, job_id=load, now=NOW)
        got = submissions.get(conn, sid)
    assert got.state == "errors" and got.submitted_at is None and got.load_job_id is None


def test_a_failed_job_shows_as_the_submissions_failure_with_its_reason(engine) -> None:
    with engine.begin() as conn:
        sid = _new(conn)
        check = jobs.enqueue(conn, "check-return", {"submission_id": sid})
        submissions.set_jobs(conn, sid, check=check)
        conn.execute(
            update(schema.jobs)
            .where(schema.jobs.c.job_id == check)
            .values(state="failed", error="the worker stopped 3 times while running it")
        )
        got = submissions.get(conn, sid)
    assert got.state == "checking" and got.shown == "check_failed"
    assert got.reason == "the worker stopped 3 times while running it"


def test_a_failure_recorded_by_the_handler_is_kept_and_listed_by_area(engine) -> None:
    with engine.begin() as conn:
        first = _new(conn)
        second = _new(conn)
        submissions.record_failure(conn, first, message="cannot read the file", now=NOW)
        area = _area(conn)
        listed = submissions.list_submissions(conn, areas=[area])
        other = submissions.list_submissions(conn, areas=["E99999999"])
    assert [s.submission_id for s in listed] == [second, first]
    assert listed[1].shown == "check_failed" and listed[1].reason == "cannot read the file"
    assert other == []
