"""What the worker (``etl.worker``) runs for each kind of job: ``HANDLERS``.

A handler takes the job's payload, the settings and ``report`` (a short line of progress, written
with the next heartbeat) and returns the job's result (JSON-able). It raises ``JobFailed`` with a
one-line reason when the job could not be done; any other exception fails the job too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from etl.load.loader import load_files
from etl.load.result import FileResult
from lfo.settings import Settings

#: How long a load job waits for another load to finish (two LAs submitting at once: both load,
#: one after the other). The worker's heartbeat keeps the job its own meanwhile.
LOCK_WAIT_SECONDS = 3600.0

Report = Callable[[str], None]
Handler = Callable[[dict[str, Any], Settings, Report], dict[str, Any]]


class JobFailed(Exception):
    """The job could not be done: the message is the reason, on one line."""


def load_return(payload: dict[str, Any], settings: Settings, report: Report) -> dict[str, Any]:
    """``load-return``: {"path": str, "force": bool, "allow_shrink": bool, "quarantine": bool}.
    Loads the file as ``python -m etl load`` does (the same loader: its lock, transaction, archive
    and pseudonymisation). A rejected return is a result (the load worked); a load that could not
    run is a failure."""
    path = payload.get("path")
    if not isinstance(path, str) or not path:
        raise JobFailed("the job names no file to load (payload without a path)")
    report(f"loading {Path(path).name}")
    [result] = load_files(
        [Path(path)],
        settings,
        force=bool(payload.get("force", False)),
        allow_shrink=bool(payload.get("allow_shrink", False)),
        quarantine=bool(payload.get("quarantine", False)),
        lock_wait=LOCK_WAIT_SECONDS,
    )
    if result.outcome == "failed":
        raise JobFailed(result.message or f"the load of {result.file_name} failed")
    return load_result(result)


def load_result(result: FileResult) -> dict[str, Any]:
    """What the submitter and the programme team see of a load: outcome, counts and message."""
    return {
        "file_name": result.file_name,
        "area_code": result.area_code,
        "period": result.period,
        "outcome": result.outcome,
        "rows_loaded": dict(result.rows_loaded),
        "rows_held_back": result.rows_held_back,
        "errors": result.errors,
        "warnings": result.warnings,
        "load_id": result.load_id,
        "message": result.message,
        "key_created": result.key_created,  # the ID key file was made: back it up
    }


HANDLERS: dict[str, Handler] = {"load-return": load_return}
