"""``python -m dashboard`` starts the background worker beside it (issue 13 § 3: "start it in the
README's first command") and stops it with itself; ``--no-worker`` starts none."""

from __future__ import annotations

import os
import time
from pathlib import Path

from support.returns import write_return
from support.servers import dev_server

from lfo import jobs
from lfo.db import init_db, mark_demo, writer_engine


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait_for(check, seconds: float = 60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("gave up waiting")


def _new_db(path: Path) -> str:
    """A new database with the reference areas and no returns, marked as the demo's."""
    url = f"sqlite:///{path}"
    engine = writer_engine(url)
    init_db(engine)
    with engine.begin() as conn:
        mark_demo(conn)
    engine.dispose()
    return url


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        "LFO_SECRETS_KEY_FILE": str(tmp_path / "secrets.key"),
        "LFO_ID_KEY_FILE": str(tmp_path / "id.key"),
        "LFO_ARCHIVE_DIR": str(tmp_path / "archive"),
    }


def test_the_dashboard_starts_a_worker_that_loads_jobs_and_stops_it_with_itself(tmp_path):
    url = _new_db(tmp_path / "demo.db")
    engine = jobs.engine(url)
    returned = write_return(tmp_path / "in", period="2017-18_Q4")
    with dev_server(url, tmp_path, _env(tmp_path)):
        with engine.begin() as conn:
            job_id = jobs.enqueue(conn, "load-return", {"path": str(returned)}, dedupe_key="t1")

        def finished():
            with engine.connect() as conn:
                job = jobs.get(conn, job_id)
            return job if job is not None and job.state in ("done", "failed") else None

        job = _wait_for(finished)
        assert job.state == "done", job.error
        assert job.result["outcome"] == "loaded"
        pid = int(str(job.worker).rsplit(":", 1)[1])
        assert _alive(pid)
    _wait_for(lambda: not _alive(pid), 30)  # stopped with the dashboard (SIGTERM), not orphaned
    engine.dispose()


def test_no_worker_starts_none(tmp_path):
    url = _new_db(tmp_path / "demo.db")
    engine = jobs.engine(url)
    returned = write_return(tmp_path / "in", period="2017-18_Q4")
    with dev_server(url, tmp_path, _env(tmp_path), ["--no-worker"]):
        with engine.begin() as conn:
            job_id = jobs.enqueue(conn, "load-return", {"path": str(returned)})
        time.sleep(8)  # longer than the worker's poll (5 s)
        with engine.connect() as conn:
            job = jobs.get(conn, job_id)
    engine.dispose()
    assert job is not None and job.state == "queued"
