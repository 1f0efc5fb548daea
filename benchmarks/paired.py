"""PostgreSQL against SQLite in one process, request by request (issue 15's "within 1.5×").

Timed in separate runs, the two databases' figures also differ by what the machine was doing at
each run's time: on this shared two-core machine the same request's p95 moved by a third between
PostgreSQL runs an hour apart while the code was the same (benchmarks/notes.md). Here one
worker process holds two apps built as a served worker builds them, one on the PostgreSQL
database just loaded and one on the SQLite database of the same returns, each with every
indicator made ahead; every callback and API request is then sent to both in turn, the same
bodies, the order of the pair swapped each time, so that whatever slows the machine slows both.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from benchmarks import payloads
from benchmarks.dataset import Dataset, ensure_dataset
from benchmarks.requests import (
    CALLBACK_URL,
    SEED,
    _areas_and_quarters,
    _timed,
    callback_label,
    stats,
)

#: Under the dataset's folder: the SQLite database's results, kept between paired runs.
RESULTS_FOLDER = "paired-results"


def alternate(
    calls: Mapping[str, Callable[[str], Any]],
    requests: Sequence[str],
    timed: Callable[[Callable[[], Any]], tuple[float, int]],
) -> dict[str, tuple[list[float], list[int]]]:
    """Each request sent through every call in turn, the order reversed for every other request;
    each call's seconds and status codes, in request order."""
    names = list(calls)
    out: dict[str, tuple[list[float], list[int]]] = {name: ([], []) for name in names}
    for i, request in enumerate(requests):
        for name in names if i % 2 == 0 else reversed(names):
            seconds, status = timed(lambda c=calls[name], r=request: c(r))
            out[name][0].append(seconds)
            out[name][1].append(status)
    return out


def time_paired(
    apps: Mapping[str, Any],
    bodies: Sequence[str],
    codes: Sequence[str],
    quarters: Sequence[str],
    n: int,
) -> dict:
    """Every recorded callback and every API endpoint of ``apps`` (by database name), ``n``
    requests each sent to every app in turn: per request, its label and each database's
    ``stats``."""
    from lfo.indicators.definitions import indicators

    clients = {name: app.server.test_client() for name, app in apps.items()}
    first = next(iter(apps.values()))

    def post(client: Any) -> Callable[[str], Any]:
        return lambda body: client.post(CALLBACK_URL, data=body, content_type="application/json")

    def get(client: Any) -> Callable[[str], Any]:
        return lambda url: client.get(url)

    callbacks: dict[str, dict] = {}
    recorded = payloads.recorded_bodies(bodies)
    for key, variants in payloads.callback_variants(
        list(first.callback_map), recorded, codes, quarters, n, random.Random(SEED)
    ).items():
        timings = alternate({k: post(c) for k, c in clients.items()}, variants, _timed)
        callbacks[key] = {
            "callback": callback_label(key, first.callback_map[key]),
            **{name: stats(*timings[name]) for name in apps},
        }
    api: dict[str, dict] = {}
    urls = payloads.api_requests(codes, quarters, list(indicators()), n, random.Random(SEED))
    for route, requested in urls.items():
        timings = alternate({k: get(c) for k, c in clients.items()}, requested, _timed)
        api[route] = {name: stats(*timings[name]) for name in apps}
    return {"n": n, "order": "alternated, swapped each request", "callbacks": callbacks, "api": api}


def run_paired(lite: Dataset, database_url: str, n: int, *, make_ahead: bool = True) -> dict:
    """Both apps built and made ahead in this process, then ``time_paired``: the PostgreSQL
    database at ``database_url`` against the SQLite database of ``lite`` (the same returns; its
    results kept in a folder beside it, ``RESULTS_FOLDER``, so that later runs read them instead
    of making them again: they change only with the SQLite database's figures), with the
    callback bodies recorded for ``lite`` (none: the API only). ``make_ahead=False`` (tests):
    each result made when first asked for, not every one before timing."""
    import dataclasses
    import time

    from benchmarks.browser import app_for

    ds = dataclasses.replace(lite, database_url=database_url)
    apps = {
        "sqlite": app_for(lite.db_url, cache=str(lite.root / RESULTS_FOLDER)),
        "postgresql": app_for(ds.db_url),
    }
    made: dict[str, float] = {}
    for name, app in apps.items():
        started = time.perf_counter()
        if make_ahead:
            app.services.data.warm()
        made[name] = round(time.perf_counter() - started, 1)
    bodies_file = lite.root / "callbacks.json"
    bodies = json.loads(bodies_file.read_text()) if bodies_file.exists() else []
    codes, quarters = _areas_and_quarters(ds.db_url)
    return {**time_paired(apps, bodies, codes, quarters, n), "made_ahead_s": made}


def main(argv: list[str] | None = None) -> int:
    import argparse
    import logging
    import sys

    parser = argparse.ArgumentParser(prog="python -m benchmarks.paired", description=__doc__)
    parser.add_argument("--scale", default="national")
    parser.add_argument("--database-url", required=True, help="the loaded PostgreSQL database")
    parser.add_argument("-n", type=int, default=50)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    result = run_paired(ensure_dataset(args.scale), args.database_url, args.n)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
