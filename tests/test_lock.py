"""One load at a time: the file lock beside a SQLite database."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import create_engine

from etl.lock import LockBusy, load_lock, lock_path
from lfo.settings import PROJECT_ROOT


def _engine(tmp_path):
    return create_engine(f"sqlite:///{tmp_path / 'lfo.db'}")


def test_second_holder_is_refused_after_waiting_briefly(tmp_path):
    engine = _engine(tmp_path)
    with load_lock(engine):
        t0 = time.monotonic()
        with pytest.raises(LockBusy), load_lock(engine, wait=0.5):
            pass
        assert time.monotonic() - t0 >= 0.45


def test_lock_is_free_again_after_the_holder_finishes(tmp_path):
    engine = _engine(tmp_path)
    with load_lock(engine):
        pass
    with load_lock(engine, wait=0):
        assert lock_path(tmp_path / "lfo.db").exists()


def test_lock_of_a_killed_process_is_released(tmp_path):
    url = f"sqlite:///{tmp_path / 'lfo.db'}"
    holder = (
        "import sys, time\n"
        "from sqlalchemy import create_engine\n"
        "from etl.lock import load_lock\n"
        f"e = create_engine({url!r})\n"
        "with load_lock(e):\n"
        "    print('held', flush=True)\n"
        "    time.sleep(60)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", holder], stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT
    )
    try:
        assert proc.stdout.readline().strip() == "held"
        with pytest.raises(LockBusy), load_lock(_engine(tmp_path), wait=0.2):
            pass
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        with load_lock(_engine(tmp_path), wait=2):
            pass
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
