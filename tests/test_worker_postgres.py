"""The worker's failures of issue 13 on PostgreSQL too (test_worker.py has them on SQLite): a
double-click loads once, and two LAs' returns submitted at once both load, one after the other
(two worker processes claiming with SKIP LOCKED, the loads serialised by the advisory lock)."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import text
from support.postgres import create_database
from support.returns import write_return
from test_worker import _job, _load_job, _worker

from lfo import jobs
from lfo.db import init_db

_names = itertools.count()


@pytest.fixture
def engine(pg_url, lfo_settings, monkeypatch):
    url = create_database(pg_url, f"lfo_w{next(_names)}")
    monkeypatch.setenv("LFO_DATABASE_URL", url)  # the workers' database
    made = jobs.engine(url)
    init_db(made)
    yield made
    made.dispose()


def _rows(engine, sql: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def test_a_double_click_loads_once_on_postgresql(engine, tmp_path):
    path = write_return(tmp_path / "in")
    first = _load_job(engine, path, dedupe_key="upload:1")
    assert _load_job(engine, path, dedupe_key="upload:1") == first
    workers = [_worker(), _worker()]
    for w in workers:
        assert w.wait(timeout=300) == 0, w.stderr.read() if w.stderr else ""
    assert _rows(engine, "SELECT outcome FROM etl_load_log") == [("loaded",)]
    assert _job(engine, first).state == "done"


def test_two_las_submitting_at_once_both_load_on_postgresql(engine, tmp_path):
    a = _load_job(engine, write_return(tmp_path / "a", area="E08000021"))
    b = _load_job(engine, write_return(tmp_path / "b", area="E06000009"))
    workers = [_worker(), _worker()]
    for w in workers:
        assert w.wait(timeout=300) == 0, w.stderr.read() if w.stderr else ""
    for job_id in (a, b):
        job = _job(engine, job_id)
        assert (job.state, job.result["outcome"]) == ("done", "loaded"), job
    areas = sorted(_rows(engine, "SELECT area_code FROM returns"))
    assert areas == [("E06000009",), ("E08000021",)]
