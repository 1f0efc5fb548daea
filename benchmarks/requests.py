"""Time every dashboard callback and API endpoint through Flask's test client (a worker process).

``python -m benchmarks.requests --scale S [--skip-browser] [-n 50]`` prints one JSON line. In
one process (one dashboard worker, so its peak memory is recorded):

0. every indicator made ahead, as a served worker does at start (``LFO_WARM_CACHE``), timed;
1. with a browser: the first full render of the overview and an area profile (cold worker), then
   the callback requests of every page recorded as they load (saved for runs without a browser);
2. each callback with recorded bodies: ``n`` requests with varied areas and periods; then its
   no-op floor: the same route and callback, the same bodies, the callback function swapped for
   one returning the output already computed for that body;
3. each API endpoint: ``n`` varied requests, and its floor (the view returns the stored response);
4. ``/api/v1/data`` again with the cache emptied (nothing made ahead: the cold figures);
5. the naive view (``benchmarks.naive``) against the real one on the same quarters.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import random
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

import flask
import numpy as np

from benchmarks import naive, payloads
from benchmarks.dataset import Dataset, ensure_dataset

log = logging.getLogger(__name__)

CALLBACK_URL = "/_dash-update-component"
SEED = 2026


def _areas_and_quarters(db_url: str) -> tuple[list[str], list[str]]:
    """The loaded areas and the quarters with figures (SQLite or PostgreSQL)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            codes = list(
                conn.execute(text("SELECT area_code FROM returns ORDER BY area_code")).scalars()
            )
            periods = conn.execute(text("SELECT DISTINCT period FROM sum_reach")).scalars()
            quarters = sorted(p for p in periods if "_Q" in p)
    finally:
        engine.dispose()
    return codes, quarters


def stats(times: list[float], statuses: list[int]) -> dict:
    ms = np.array(times) * 1000
    return {
        "n": len(times),
        "p50_ms": round(float(np.percentile(ms, 50)), 1) if len(ms) else None,
        "p95_ms": round(float(np.percentile(ms, 95)), 1) if len(ms) else None,
        "max_ms": round(float(ms.max()), 1) if len(ms) else None,
        "errors": sum(1 for s in statuses if s >= 400),
    }


def _timed(call: Callable[[], object]) -> tuple[float, int]:
    start = time.perf_counter()
    response = call()
    seconds = time.perf_counter() - start
    return seconds, response.status_code  # type: ignore[attr-defined]


def page_paths(codes: list[str], quarters: list[str]) -> list[str]:
    """Pages whose loading fires the callbacks to record, with a few different addresses."""
    rng = random.Random(SEED)
    picks = rng.sample(codes, min(3, len(codes)))
    recent = quarters[-6:] or [""]
    paths = [
        "/",
        f"/?period={recent[0]}&sort=completion",
        "/reach",
        "/uptake",
        "/outcomes",
        "/quality",
        f"/quality?area={picks[0]}",
    ]
    for i, code in enumerate(picks):
        paths.append(f"/area/{code}" + (f"?period={recent[i % len(recent)]}" if i else ""))
    return paths


def callback_label(key: str, cb: dict) -> str:
    """``module.function → first output`` for a callback map entry."""
    fn = cb.get("callback")
    fn = getattr(fn, "__wrapped__", fn)
    name = f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__name__', '?')}"
    name = name.replace("dashboard.callbacks.", "").replace("dashboard.", "")
    first = key.strip(".").split("...")[0].split("@")[0]
    return f"{name} → {first}"


def time_callbacks(
    app, bodies: list[str], codes: list[str], quarters: list[str], n: int
) -> dict[str, dict]:
    """Real and floor timings for each callback of ``app`` (or why it was not timed)."""
    client = app.server.test_client()
    recorded = payloads.recorded_bodies(bodies)
    by_output = payloads.callback_variants(
        list(app.callback_map), recorded, codes, quarters, n, random.Random(SEED)
    )
    results: dict[str, dict] = {}
    for key, cb in app.callback_map.items():
        label = callback_label(key, cb)
        if key not in by_output:
            results[key] = {
                "callback": label,
                "not_timed": (
                    "no request recorded while pages loaded (it fires only on a click, such as a "
                    "download or quick-pick button, or no browser run has recorded it)"
                ),
            }
            continue
        variants = by_output[key]
        original = cb["callback"]
        stored: dict[bytes, tuple[str, object]] = {}

        def recorder(*args, _orig=original, _stored=stored, **kwargs):
            key_ = flask.request.get_data()
            try:
                out = _orig(*args, **kwargs)
            except Exception as exc:
                _stored[key_] = ("raise", exc)
                raise
            _stored[key_] = ("return", out)
            return out

        def floor(*_args, _stored=stored, **_kwargs):
            kind, value = _stored[flask.request.get_data()]
            if kind == "raise":
                raise value  # type: ignore[misc]
            return value

        real_t, real_s, floor_t, floor_s = [], [], [], []
        cb["callback"] = recorder
        try:
            for body in variants:
                t, s = _timed(
                    lambda b=body: client.post(
                        CALLBACK_URL, data=b, content_type="application/json"
                    )
                )
                real_t.append(t)
                real_s.append(s)
            cb["callback"] = floor
            for body in variants:
                t, s = _timed(
                    lambda b=body: client.post(
                        CALLBACK_URL, data=b, content_type="application/json"
                    )
                )
                floor_t.append(t)
                floor_s.append(s)
        finally:
            cb["callback"] = original
        results[key] = {
            "callback": label,
            "distinct_recorded": len(recorded[key]),
            **stats(real_t, real_s),
            "floor": stats(floor_t, floor_s),
        }
    return results


def time_api(app, codes: list[str], quarters: list[str], n: int) -> dict[str, dict]:
    from lfo.indicators.definitions import indicators

    server = app.server
    client = server.test_client()
    rng = random.Random(SEED)
    urls = payloads.api_requests(codes, quarters, list(indicators()), n, rng)
    endpoints = {
        "/api/v1/data": "api_v1.data",
        "/api/v1/areas": "api_v1.areas",
        "/api/v1/indicators": "api_v1.indicator_list",
        "/api/v1/openapi.json": "api_v1.openapi",
    }
    out: dict[str, dict] = {}
    for route, endpoint in endpoints.items():
        original = server.view_functions[endpoint]
        stored: dict[str, flask.Response] = {}

        def recorder(*args, _orig=original, _stored=stored, **kwargs):
            response = server.make_response(_orig(*args, **kwargs))
            response.direct_passthrough = False
            _stored[flask.request.full_path] = (
                response.get_data(),
                response.status_code,
                dict(response.headers),
            )
            return response

        def floor(*_args, _stored=stored, **_kwargs):
            data, status, headers = _stored[flask.request.full_path]
            return flask.Response(data, status=status, headers=headers)

        real_t, real_s, floor_t, floor_s = [], [], [], []
        server.view_functions[endpoint] = recorder
        try:
            for url in urls[route]:
                t, s = _timed(lambda u=url: client.get(u))
                real_t.append(t)
                real_s.append(s)
            server.view_functions[endpoint] = floor
            for url in urls[route]:
                t, s = _timed(lambda u=url: client.get(u))
                floor_t.append(t)
                floor_s.append(s)
        finally:
            server.view_functions[endpoint] = original
        out[route] = {**stats(real_t, real_s), "floor": stats(floor_t, floor_s)}
    return out


def time_api_cold(app, codes: list[str], quarters: list[str], n: int) -> dict:
    """``/api/v1/data``'s same requests with nothing made ahead: the cache emptied once (as a
    load does) and the requests answered in turn, each computing what no earlier one made."""
    from lfo.indicators.definitions import indicators

    cache = app.services.data
    cache.clear()  # as a new data version does
    client = app.server.test_client()
    urls = payloads.api_requests(codes, quarters, list(indicators()), n, random.Random(SEED))[
        "/api/v1/data"
    ]
    times, statuses = [], []
    for url in urls:
        t, s = _timed(lambda u=url: client.get(u))
        times.append(t)
        statuses.append(s)
    return {"/api/v1/data": stats(times, statuses)}


def time_naive(app, quarters: list[str], n: int) -> dict:
    """The naive view and the real view (API, uptake.completion, all areas) on the same quarters."""
    client = app.server.test_client()
    rng = random.Random(SEED + 1)
    chosen = [rng.choice(quarters[-12:]) for _ in range(n)]
    naive_t, naive_s, real_t, real_s = [], [], [], []
    for q in chosen:
        t, s = _timed(lambda q=q: client.get(f"{naive.ROUTE}?period={q}"))
        naive_t.append(t)
        naive_s.append(s)
    for q in chosen:
        t, s = _timed(
            lambda q=q: client.get(f"/api/v1/data?indicator=uptake.completion&period={q}")
        )
        real_t.append(t)
        real_s.append(s)
    return {
        "view": "uptake.completion by area for a quarter, with Wilson 95% intervals",
        "naive": stats(naive_t, naive_s),
        "real": stats(real_t, real_s),
    }


def _commit() -> str:
    import subprocess

    return subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    ).stdout.strip()


def run_worker(ds: Dataset, *, browser: bool, n: int, naive_n: int) -> dict:
    from benchmarks.browser import app_for
    from lfo.db import reader_engine

    started = time.perf_counter()
    app = app_for(ds.db_url)  # as a served worker builds it
    engine = reader_engine(ds.db_url)
    naive.register(app.server, engine)  # before the first request (Flask's rule)
    codes, quarters = _areas_and_quarters(ds.db_url)
    result: dict = {"app_factory_s": round(time.perf_counter() - started, 2), "commit": _commit()}
    # what a served worker does at start (LFO_WARM_CACHE=1): every indicator made ahead
    cache = app.services.data
    started, cpu = time.perf_counter(), time.process_time()
    made = cache.warm()
    result["warm"] = {
        "results": made,
        "seconds": round(time.perf_counter() - started, 1),
        "cpu_seconds": round(time.process_time() - cpu, 1),
        "rss_mb_after": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    bodies_file = ds.root / "callbacks.json"
    if browser:
        from benchmarks import browser as chrome

        with chrome.serving(app.server) as base:
            result["renders"] = chrome.time_renders(
                base, {"overview": "/", "area profile": f"/area/{codes[len(codes) // 2]}"}
            )
            bodies = chrome.record_callbacks(base, page_paths(codes, quarters))
        bodies_file.write_text(json.dumps(bodies))
    elif bodies_file.exists():
        bodies = json.loads(bodies_file.read_text())
    else:
        bodies = []
    result["callbacks"] = time_callbacks(app, bodies, codes, quarters, n)
    result["api"] = time_api(app, codes, quarters, n)
    result["api_cold"] = time_api_cold(app, codes, quarters, n)
    # the worker's peak before the naive view, which reads every data row into this process
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    try:
        result["naive"] = time_naive(app, quarters, naive_n)
    finally:
        engine.dispose()
    result["naive"]["peak_rss_mb_after"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.requests")
    parser.add_argument("--scale", default="national")
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("-n", type=int, default=50)
    parser.add_argument("--naive-n", type=int, default=50)
    parser.add_argument("--database-url", help="a loaded PostgreSQL database (default: SQLite)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    ds = dataclasses.replace(ensure_dataset(args.scale), database_url=args.database_url)
    result = run_worker(ds, browser=not args.skip_browser, n=args.n, naive_n=args.naive_n)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
