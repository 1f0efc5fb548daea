"""One load at a time per database.

SQLite: an exclusive ``fcntl.flock`` on ``<db file>.lock``. The operating system releases it when the
process ends, however it ends, so a killed load never leaves a stale lock behind (the empty lock file
stays; it means nothing by itself). PostgreSQL: a session-level ``pg_try_advisory_lock`` held on a
dedicated connection for the whole command.

The second load polls for a few seconds, then gives up with ``LockBusy``.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from lfo.db import sqlite_path

log = logging.getLogger(__name__)

WAIT_SECONDS = 5.0
POLL_SECONDS = 0.1
PG_LOCK_ID = 0x4C464F4C4F4144  # "LFOLOAD"


class LockBusy(Exception):
    """Another load holds the lock."""


def lock_path(db_file: Path) -> Path:
    return db_file.with_name(db_file.name + ".lock")


@contextmanager
def load_lock(engine: Engine, *, wait: float = WAIT_SECONDS) -> Iterator[None]:
    """Hold the database's load lock for the duration of the ``with`` block."""
    db_file = sqlite_path(str(engine.url))
    if db_file is not None:
        with _file_lock(lock_path(db_file), wait):
            yield
    elif engine.dialect.name == "postgresql":
        with _pg_lock(engine, wait):
            yield
    else:  # in-memory SQLite or another backend: nothing to share a lock with
        yield


def _describe(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


@contextmanager
def _file_lock(path: Path, wait: float) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockBusy(str(path.with_suffix(""))) from None
                time.sleep(POLL_SECONDS)
        log.debug("took the load lock %s", path)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def _pg_lock(engine: Engine, wait: float) -> Iterator[None]:
    with engine.connect() as conn:
        deadline = time.monotonic() + wait
        while True:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": PG_LOCK_ID}).scalar()
            conn.commit()
            if got:
                break
            if time.monotonic() >= deadline:
                raise LockBusy(_describe(engine))
            time.sleep(POLL_SECONDS)
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK_ID})
            conn.commit()
