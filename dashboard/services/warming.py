"""Making indicator results ahead in a serving process (``dashboard.services.indicator_data``
does the making; this wires it to the Flask server that answers requests)."""

from __future__ import annotations

from pathlib import Path

import flask

from dashboard.services.indicator_data import IndicatorData
from dashboard.services.shared_cache import SharedResults


def enable_warming(
    data: IndicatorData,
    server: flask.Flask,
    shared_directory: Path | None = None,
    *,
    follow: bool = False,
) -> None:
    """Make ``data``'s indicator results ahead in this process, and in each process forked from
    it (a gunicorn worker starts its own thread on its first request to ``server``); with
    ``shared_directory``, the processes share what they make through files there (unless they
    already share through Redis: ``LFO_REDIS_URL``). With ``follow`` (``LFO_RESULTS_MAKER=1``),
    a results maker makes each version and this process reads what it made
    (``dashboard.services.results_maker``)."""
    share(data, shared_directory)
    data.follows = follow and data.shared is not None
    data.start_warming()

    @server.before_request
    def _warming() -> None:
        data.start_warming()  # no-op while this process's thread runs
        data.request_started()  # the thread makes the next result when no request is running

    @server.teardown_request
    def _answered(_exc: BaseException | None) -> None:
        data.request_finished()


def share(data: IndicatorData, shared_directory: Path | None) -> None:
    """Share ``data``'s results through files in ``shared_directory`` unless it already shares
    through Redis (nothing without a directory: ``LFO_CACHE_DIR=off``)."""
    if shared_directory is not None and data.shared is None:
        data.share(SharedResults.open(shared_directory))
