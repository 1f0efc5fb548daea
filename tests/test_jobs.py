"""The job queue (``lfo.jobs``), on SQLite and on a throw-away PostgreSQL: enqueue, claim, finish
and fail; a double enqueue is one job, and two workers claiming at once run it once; a job whose
worker stopped is claimed again after the lease, and failed once it stopped ``max_attempts`` times.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from support.postgres import create_database

from lfo import jobs, schema
from lfo.db import init_db

_names = iter(range(1, 1000))


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new database at the code's revision, on each backend."""
    if request.param == "sqlite":
        made = f"sqlite:///{tmp_path / 'lfo.db'}"
    else:
        made = create_database(request.getfixturevalue("pg_url"), f"lfo_j{next(_names)}")
    engine = jobs.engine(made)
    init_db(engine)
    engine.dispose()
    yield made


@pytest.fixture
def engine(url: str) -> Iterator:
    made = jobs.engine(url)
    yield made
    made.dispose()


def _enqueue(engine, kind="load-return", payload=None, **kw) -> int:
    with engine.begin() as conn:
        return jobs.enqueue(conn, kind, payload or {"path": "x.zip"}, **kw)


def _job(engine, job_id) -> jobs.Job:
    with engine.connect() as conn:
        job = jobs.get(conn, job_id)
    assert job is not None
    return job


def test_a_job_is_queued_claimed_and_finished(engine):
    first = _enqueue(engine, payload={"path": "a.zip", "force": True})
    second = _enqueue(engine, payload={"path": "b.zip"})
    job = jobs.claim(engine, "host:1", lease_seconds=60)
    assert job is not None and job.job_id == first  # the oldest first
    assert (job.state, job.attempts, job.worker) == ("running", 1, "host:1")
    assert job.payload == {"path": "a.zip", "force": True}
    assert jobs.heartbeat(engine, first, "host:1", "loading a.zip")
    assert not jobs.heartbeat(engine, first, "host:2")  # not the other worker's
    assert jobs.finish(engine, first, "host:1", {"outcome": "loaded"})
    done = _job(engine, first)
    assert (done.state, done.result, done.progress) == (
        "done",
        {"outcome": "loaded"},
        "loading a.zip",
    )
    assert done.finished_at is not None and done.error is None
    assert not jobs.heartbeat(engine, first, "host:1")  # it has ended
    job = jobs.claim(engine, "host:2", lease_seconds=60)
    assert job is not None and job.job_id == second
    assert jobs.claim(engine, "host:3", lease_seconds=60) is None  # nothing more to run
    with engine.connect() as conn:
        assert [j.job_id for j in jobs.list_jobs(conn)] == [second, first]
        assert [j.job_id for j in jobs.list_jobs(conn, state="done")] == [first]


def test_a_failure_is_recorded_on_one_line(engine):
    job_id = _enqueue(engine)
    assert jobs.claim(engine, "host:1", lease_seconds=60) is not None
    assert jobs.fail(engine, job_id, "host:1", "cannot open\n  the file:\tno such file")
    failed = _job(engine, job_id)
    assert (failed.state, failed.error) == ("failed", "cannot open the file: no such file")


def test_a_double_enqueue_is_one_job(engine):
    with engine.begin() as conn:
        first = jobs.enqueue(conn, "load-return", {"path": "a.zip"}, dedupe_key="sha:abc")
        again = jobs.enqueue(conn, "load-return", {"path": "a.zip"}, dedupe_key="sha:abc")
        other = jobs.enqueue(conn, "load-return", {"path": "b.zip"}, dedupe_key="sha:def")
    assert first == again != other
    # two requests at once (a double-click on two connections): still one job
    ids: list[int] = []
    barrier = threading.Barrier(4)

    def submit() -> None:
        barrier.wait()
        with engine.begin() as conn:
            ids.append(jobs.enqueue(conn, "load-return", {"path": "c.zip"}, dedupe_key="sha:c"))

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ids) == 4 and len(set(ids)) == 1
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.jobs)).scalar() == 3


def test_two_workers_claiming_at_once_run_a_job_once(url):
    job_id = _enqueue_on(url)
    engines = [jobs.engine(url) for _ in range(6)]
    got: list[jobs.Job | None] = []
    barrier = threading.Barrier(len(engines))

    def work(i: int) -> None:
        barrier.wait()
        got.append(jobs.claim(engines[i], f"host:{i}", lease_seconds=60))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(engines))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e in engines:
        e.dispose()
    claimed = [j for j in got if j is not None]
    assert len(got) == 6 and [j.job_id for j in claimed] == [job_id]
    assert claimed[0].attempts == 1


def _enqueue_on(url: str, **kw) -> int:
    engine = jobs.engine(url)
    try:
        return _enqueue(engine, **kw)
    finally:
        engine.dispose()


def test_a_job_whose_worker_stopped_is_claimed_again_after_the_lease(engine):
    job_id = _enqueue(engine, max_attempts=2)
    assert jobs.claim(engine, "host:1", lease_seconds=60).job_id == job_id
    assert jobs.claim(engine, "host:2", lease_seconds=60) is None  # its heartbeat is fresh
    time.sleep(0.05)
    again = jobs.claim(engine, "host:2", lease_seconds=0.01)  # host:1 died
    assert again is not None and (again.job_id, again.attempts, again.worker) == (
        job_id,
        2,
        "host:2",
    )
    assert not jobs.finish(engine, job_id, "host:1", {})  # the dead worker's word no longer counts
    time.sleep(0.05)
    assert jobs.claim(engine, "host:3", lease_seconds=0.01) is None  # stopped twice: failed
    failed = _job(engine, job_id)
    assert failed.state == "failed"
    assert failed.error == "the worker stopped 2 times while running it"


def test_a_job_given_back_is_queued_again_its_attempt_not_counted(engine):
    job_id = _enqueue(engine)
    assert jobs.claim(engine, "host:1", lease_seconds=60) is not None
    assert jobs.give_back(engine, job_id, "host:1")
    back = _job(engine, job_id)
    assert (back.state, back.attempts, back.worker) == ("queued", 0, None)
    assert jobs.claim(engine, "host:2", lease_seconds=60).attempts == 1


def test_max_attempts_must_be_positive(engine):
    with pytest.raises(ValueError, match="at least 1"):
        _enqueue(engine, max_attempts=0)
