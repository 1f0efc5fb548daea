"""The worker (``python -m etl worker``) in real processes, on SQLite: a load job loads; a
double-click loads once; two LAs' returns both load, one after the other; a worker killed with
SIGKILL mid-load leaves the database as before or after and the job completes after the lease; a
job that kills its worker ``max_attempts`` times ends failed with the reason."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.returns import write_return

from lfo import jobs
from lfo.db import init_db

PROJECT = Path(__file__).resolve().parent.parent
RUNNER = PROJECT / "tests" / "support" / "worker_runner.py"
LEASE = "2"


@pytest.fixture
def engine(lfo_settings):
    made = jobs.engine(lfo_settings.database_url)
    init_db(made)
    yield made
    made.dispose()


def _worker(*args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(PROJECT))  # the LFO_ settings from lfo_settings
    command = [sys.executable, str(RUNNER), "--once", "--poll", "0.1", "--lease", LEASE, *args]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _run_worker(*args: str) -> str:
    proc = _worker(*args)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return out


def _load_job(engine, path: Path, **kw) -> int:
    with engine.begin() as conn:
        return jobs.enqueue(conn, "load-return", {"path": str(path), "force": False}, **kw)


def _job(engine, job_id: int) -> jobs.Job:
    with engine.connect() as conn:
        job = jobs.get(conn, job_id)
    assert job is not None
    return job


def _rows(db: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_a_load_job_loads_and_a_rejected_return_is_done_saying_so(engine, lfo_settings, tmp_path):
    good = _load_job(engine, write_return(tmp_path / "in"))
    bad = _load_job(
        engine,
        write_return(
            tmp_path / "bad",
            {"participants": [], "interventions": [], "outcomes": []},
            area="E06000009",
        ),
    )
    missing = _load_job(engine, tmp_path / "nowhere" / "LFO_E08000021_2017-18_Q4.zip")
    out = _run_worker()
    assert "2 job(s) done, 1 failed" in out
    loaded = _job(engine, good)
    assert loaded.state == "done" and loaded.result is not None
    assert loaded.result["outcome"] == "loaded"
    assert loaded.result["rows_loaded"] == {"participants": 3, "episodes": 4, "outcomes": 6}
    rejected = _job(engine, bad)
    assert rejected.state == "done" and rejected.result["outcome"] == "rejected"
    failed = _job(engine, missing)
    assert failed.state == "failed" and failed.error and "\n" not in failed.error
    assert "Traceback" not in failed.error


def test_a_double_click_loads_once(engine, lfo_settings, tmp_path):
    path = write_return(tmp_path / "in")
    first = _load_job(engine, path, dedupe_key="upload:1")
    assert _load_job(engine, path, dedupe_key="upload:1") == first
    workers = [_worker(), _worker()]
    for w in workers:
        assert w.wait(timeout=300) == 0
    db = Path(str(lfo_settings.database_url).removeprefix("sqlite:///"))
    assert _rows(db, "SELECT outcome FROM etl_load_log") == [("loaded",)]
    assert _job(engine, first).state == "done"


def test_two_las_submitting_at_once_both_load(engine, lfo_settings, tmp_path):
    a = _load_job(engine, write_return(tmp_path / "a", area="E08000021"))
    b = _load_job(engine, write_return(tmp_path / "b", area="E06000009"))
    workers = [_worker(), _worker()]
    for w in workers:
        assert w.wait(timeout=300) == 0
    for job_id in (a, b):
        job = _job(engine, job_id)
        assert (job.state, job.result["outcome"]) == ("done", "loaded"), job
    db = Path(str(lfo_settings.database_url).removeprefix("sqlite:///"))
    assert sorted(_rows(db, "SELECT area_code FROM returns")) == [("E06000009",), ("E08000021",)]


def _data(db: Path) -> dict[str, list]:
    """The data tables' rows (not the ETL's or the jobs' bookkeeping, nor the clock's columns)."""
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        out = {}
        for table in ("participants", "episodes", "outcomes", "sum_reach", "sum_outcomes"):
            out[table] = sorted(con.execute(f"SELECT * FROM {table}").fetchall(), key=repr)  # noqa: S608
        out["returns"] = con.execute("SELECT area_code, period, sha256 FROM returns").fetchall()
        out["audit"] = con.execute("SELECT action, outcome, object FROM audit_log").fetchall()
        return out
    finally:
        con.close()


def _wait_running(engine, job_id: int) -> None:
    deadline = time.monotonic() + 60
    while _job(engine, job_id).state != "running":
        assert time.monotonic() < deadline
        time.sleep(0.02)


@pytest.mark.slow
def test_a_worker_killed_mid_load_leaves_before_or_after_and_the_job_completes(
    engine, lfo_settings, tmp_path, scaled_tables
):
    db = Path(str(lfo_settings.database_url).removeprefix("sqlite:///"))
    before = _data(db)
    job_id = _load_job(engine, write_return(tmp_path / "in", scaled_tables(1500)))
    proc = _worker()
    _wait_running(engine, job_id)
    time.sleep(0.3)  # into the load (19,500 rows: under a second here)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    killed = _job(engine, job_id)
    assert (killed.state, killed.attempts) == ("running", 1)  # killed mid-job
    mid = _data(db)
    # its lease holds still: asked with a long lease, as a worker's start (1.5–3 s on a busy
    # machine) could outlast the short one
    assert _run_worker("--lease", "60") and _job(engine, job_id).state == "running"
    time.sleep(float(LEASE) + 0.5)
    _run_worker()
    done = _job(engine, job_id)
    assert (done.state, done.attempts) == ("done", 2)
    assert done.result["outcome"] in ("loaded", "already loaded")
    after = _data(db)
    assert len(after["participants"]) == 4500
    assert mid in (before, after), "a mixed state after the kill"


def test_a_job_that_kills_its_worker_max_attempts_times_ends_failed(engine, lfo_settings):
    with engine.begin() as conn:
        job_id = jobs.enqueue(conn, "die", {}, max_attempts=2)
    for attempt in (1, 2):
        proc = _worker()
        proc.communicate(timeout=60)
        assert proc.returncode == -signal.SIGKILL
        assert (_job(engine, job_id).state, _job(engine, job_id).attempts) == ("running", attempt)
        time.sleep(float(LEASE) + 0.5)
    out = _run_worker()
    assert "0 job(s) done, 0 failed" in out
    failed = _job(engine, job_id)
    assert (failed.state, failed.error) == ("failed", "the worker stopped 2 times while running it")
