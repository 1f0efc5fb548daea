"""The background worker beside ``python -m dashboard`` (issue 13 § 3: "start it in the README's
first command"): ``python -m etl worker`` on the same database, started with the dashboard and
stopped with it, so that returns submitted in the service are loaded on one machine with no more
setup. Under gunicorn the worker is its own service (docs/operations.md, "The background worker").

The worker runs in its own session (Ctrl+C in the terminal reaches the dashboard only, which then
stops it). Stopping it: SIGTERM (it finishes the job it is running), then after ``GRACE_SECONDS`` a
second SIGTERM (the job is stopped, rolled back and given back to the queue), then SIGKILL.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from types import FrameType

GRACE_SECONDS = 10.0


def start_worker(database_url: str) -> subprocess.Popen[bytes]:
    """``python -m etl worker --db URL`` as a child process (its log lines on our stderr)."""
    command = [sys.executable, "-m", "etl", "worker", "--db", database_url]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, start_new_session=True)


def stop_worker(worker: subprocess.Popen[bytes] | None) -> None:
    """Stop the worker (module docstring); nothing if it has stopped already."""
    if worker is None or worker.poll() is not None:
        return
    for _ in range(2):
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=GRACE_SECONDS)
            return
        except subprocess.TimeoutExpired:
            continue
    worker.kill()
    worker.wait(timeout=GRACE_SECONDS)


def exit_on_sigterm() -> None:
    """Turn SIGTERM into ``SystemExit`` so that the dashboard's ``finally`` stops the worker (by
    default SIGTERM ends the process at once and would leave the worker running)."""

    def _exit(_signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _exit)
