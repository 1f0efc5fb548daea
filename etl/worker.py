"""``python -m etl worker``: runs the background jobs (``lfo.jobs``) one at a time.

It claims the oldest job, runs its kind's handler (``etl.jobs_handlers.HANDLERS``) in this process
while a thread writes its heartbeat, and records how it ended: ``done`` with the handler's result,
or ``failed`` with a one-line reason (the traceback goes to the log only). A worker that dies
mid-job leaves it ``running``; once its heartbeat is older than the lease, a worker claims it again.

SIGTERM (systemd's stop): the worker finishes the current job, then stops; a second SIGTERM stops
the job at once (a load rolls back) and gives it back to the queue, its attempt not counted.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from dataclasses import dataclass
from types import FrameType
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from etl.jobs_handlers import HANDLERS, Handler
from lfo import jobs
from lfo.db import init_db
from lfo.settings import Settings

log = logging.getLogger(__name__)

POLL_SECONDS = 5.0
LEASE_SECONDS = 300.0
MAX_BEAT_SECONDS = 10.0


class JobStopped(BaseException):
    """A second SIGTERM: stop the job now (BaseException, so no handler's ``except`` keeps it)."""


@dataclass
class Ran:
    """What a worker did before it stopped."""

    done: int = 0
    failed: int = 0
    given_back: int = 0


class _Stop:
    """The worker's SIGTERM: the first asks it to stop after the job, the second stops the job."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.in_job = False

    def __call__(self, _signum: int, _frame: FrameType | None) -> None:
        if self.event.is_set() and self.in_job:
            raise JobStopped
        self.event.set()
        if self.in_job:
            log.warning("stopping: the current job is finished first (SIGTERM again stops it)")


class _Beat(threading.Thread):
    """Writes the job's heartbeat (and its latest progress line) every ``every`` seconds."""

    def __init__(self, engine: Engine, job: jobs.Job, worker: str, every: float) -> None:
        super().__init__(name=f"heartbeat-{job.job_id}", daemon=True)
        self.engine, self.job, self.worker, self.every = engine, job, worker, every
        self.progress: str | None = None
        self.ended = threading.Event()

    def report(self, progress: str) -> None:
        self.progress = progress

    def run(self) -> None:
        while not self.ended.wait(self.every):
            try:
                if not jobs.heartbeat(self.engine, self.job.job_id, self.worker, self.progress):
                    log.warning("job %d is no longer this worker's", self.job.job_id)
            except SQLAlchemyError as exc:  # busy (a long write on SQLite): the next beat tries
                log.warning("could not write job %d's heartbeat: %s", self.job.job_id, exc)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_worker(
    settings: Settings,
    *,
    once: bool = False,
    poll: float = POLL_SECONDS,
    lease: float = LEASE_SECONDS,
    handlers: dict[str, Handler] | None = None,
) -> Ran:
    """Run jobs until SIGTERM (or, with ``once``, until none is waiting)."""
    engine = jobs.engine(settings.database_url)
    stop = _Stop()
    previous = signal.signal(signal.SIGTERM, stop)
    ran, name = Ran(), worker_name()
    try:
        init_db(engine)  # a new database gets its tables; an old one is refused
        log.info("worker %s started on %s", name, engine.url.render_as_string(hide_password=True))
        while not stop.event.is_set():
            job = _claim(engine, name, lease)
            if job is None:
                if once:
                    break
                stop.event.wait(poll)
                continue
            stop.in_job = True
            try:
                outcome = _run_one(engine, job, name, settings, lease, handlers or HANDLERS)
            finally:
                stop.in_job = False
            setattr(ran, outcome, getattr(ran, outcome) + 1)
    finally:
        signal.signal(signal.SIGTERM, previous)
        engine.dispose()
    return ran


def _claim(engine: Engine, name: str, lease: float) -> jobs.Job | None:
    try:
        return jobs.claim(engine, name, lease_seconds=lease)
    except SQLAlchemyError as exc:  # the database busy or away: try again at the next poll
        log.warning("could not claim a job: %s", one_line(exc))
        return None


def _run_one(
    engine: Engine,
    job: jobs.Job,
    name: str,
    settings: Settings,
    lease: float,
    handlers: dict[str, Handler],
) -> str:
    """Run one claimed job; returns ``done``, ``failed`` or ``given_back``."""
    log.info("job %d (%s), attempt %d of %d", job.job_id, job.kind, job.attempts, job.max_attempts)
    handler = handlers.get(job.kind)
    if handler is None:
        jobs.fail(engine, job.job_id, name, f"no handler for jobs of kind {job.kind!r}")
        return "failed"
    beat = _Beat(engine, job, name, every=min(MAX_BEAT_SECONDS, lease / 3))
    beat.start()
    try:
        result: dict[str, Any] = handler(job.payload, settings, beat.report)
    except JobStopped:
        log.warning("job %d stopped by SIGTERM: given back to the queue", job.job_id)
        _end(beat)
        jobs.give_back(engine, job.job_id, name)
        return "given_back"
    except Exception as exc:
        log.exception("job %d failed", job.job_id)
        _end(beat)
        jobs.fail(engine, job.job_id, name, one_line(exc))
        return "failed"
    _end(beat)
    if not jobs.finish(engine, job.job_id, name, result):
        log.warning("job %d ended, but another worker holds it now", job.job_id)
    log.info("job %d done", job.job_id)
    return "done"


def _end(beat: _Beat) -> None:
    beat.ended.set()
    beat.join()


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text.split("(Background on this error")[0].strip()
