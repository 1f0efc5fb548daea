"""The worker in a separate process, with one extra kind of job for the tests: ``die`` kills its
own worker (SIGKILL) as a crash mid-job would. ``python tests/support/worker_runner.py ARGS...``
runs ``python -m etl worker ARGS...``; settings come from the environment."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from etl.cli import main
from etl.jobs_handlers import HANDLERS


def die(_payload: object, _settings: object, _report: object) -> dict[str, object]:
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")


if __name__ == "__main__":
    HANDLERS["die"] = die
    raise SystemExit(main(["worker", *sys.argv[1:]]))
