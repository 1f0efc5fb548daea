"""Under load: gunicorn on loopback, driven by simulated users, while a new return is loaded.

The app is served by ``gunicorn -w W dashboard.wsgi:server`` (each worker imports the app and
opens its own read-only connection on its first request). ``USERS`` threads each browse for
``SECONDS``: a page, a callback (bodies recorded from the browser), or an API request, with 1-3 s
of thinking between actions (locust's usual ``between(1, 3)``). A checker thread asks the API for
one area's figures over and over. After a third of the run a correction of that area's return (the
same period, its last 2% of participants removed) is loaded with ``python -m etl load``. Every
answer the checker got must equal the figures before the load or those after it: anything else
would be a half-loaded return. As deployed (docs/operations.md), the results maker
(``python -m dashboard make-results``) runs beside gunicorn and makes each data version's
figures, and the workers (``LFO_RESULTS_MAKER=1``) read them. The users start once every worker
shows all the figures, group benchmarks included (``/healthz`` ``all_made``), as in a running
service; the load then makes the maker make the figures again while the workers serve the
previous ones, and the figures are also given by phase (before, during and after that). After the
run the harness waits for the workers to show the new figures, and records how long after the
load's end that was.
"""

from __future__ import annotations

import collections
import csv
import http.client
import io
import json
import logging
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.dataset import Dataset
from dashboard.web.principal import SESSION_COOKIE
from lfo.access import sessions, tokens, users
from lfo.db import writer_engine

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
USERS = 50
SECONDS = 60.0
THINK = (1.0, 3.0)
LOAD_TEST_USER = "load-test@lfo.invalid"
CHECK_INDICATORS = "reach.parents,uptake.start,uptake.completion,outcome.csi4.paired"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Auth:
    """A programme lead's session (pages and callbacks) and API token (``/api/``), made in the
    database before gunicorn starts: the service runs in sign-in mode, as deployed."""

    session: str
    token: str
    origin: str

    def headers(self, path: str) -> dict[str, str]:
        if path.startswith("/api/"):
            return {"Authorization": f"Bearer {self.token}"}
        return {"Cookie": f"{SESSION_COOKIE}={self.session}", "Origin": self.origin}


def signed_in(db_url: str, origin: str) -> Auth:
    """A programme lead (made once per database) with a new session and token."""
    engine = writer_engine(db_url)
    try:
        with engine.begin() as conn:
            user = users.find_user(conn, LOAD_TEST_USER)
            if user is None:
                users.add_user(conn, LOAD_TEST_USER, "programme")
                user = users.find_user(conn, LOAD_TEST_USER)
            assert user is not None
            session = sessions.create_session(conn, user.user_id)
            token = tokens.create_token(conn, user.user_id, "load test", days=1).token
    finally:
        engine.dispose()
    return Auth(session, token, origin)


def _request(
    port: int, method: str, path: str, body: str | None = None, auth: Auth | None = None
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if auth is not None:
            headers.update(auth.headers(path))
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def correction(ds: Dataset, area: str, out_dir: Path, share: float = 0.02) -> Path:
    """A copy of ``area``'s return, same name, with its last ``share`` of participants removed.

    The share differs from run to run (see ``run``), so a database reused from an earlier run
    still gets a return that changes its figures."""
    source = [f for f in ds.files if f"_{area}_" in f.name][-1]  # the current return
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / source.name
    with zipfile.ZipFile(source) as zin:
        sheets = {n: zin.read(n).decode("utf-8") for n in zin.namelist()}
    sheet = next(n for n in sheets if n.lower().endswith("participants.csv"))
    people = list(csv.DictReader(io.StringIO(sheets[sheet])))
    dropped = {
        p["participant_id"] for p in people[len(people) - max(1, int(len(people) * share)) :]
    }
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, text in sheets.items():
            lines = text.splitlines(keepends=True)
            header = next(csv.reader([lines[0]]))
            col = header.index("participant_id")
            kept = [lines[0]] + [
                line for line in lines[1:] if next(csv.reader([line]))[col] not in dropped
            ]
            zout.writestr(name, "".join(kept))
    return target


#: the shared-results folder of the served app and its results maker (under the dataset's folder)
LOADTEST_CACHE = "loadtest-cache"


def _start_gunicorn(
    ds: Dataset, port: int, workers: int, threads: int
) -> tuple[subprocess.Popen, subprocess.Popen, Auth]:
    # a new shared-results folder, so the workers make everything themselves (as after a deploy)
    cache_dir = ds.root / LOADTEST_CACHE
    shutil.rmtree(cache_dir, ignore_errors=True)
    origin = f"http://127.0.0.1:{port}"
    auth = signed_in(ds.db_url, origin)
    env = dict(
        os.environ,
        LFO_DATABASE_URL=ds.db_url,
        PYTHONPATH=str(ROOT),
        LFO_CACHE_DIR=str(cache_dir),
        LFO_BASE_URL=origin,
        # far above 50 users' requests: the load test measures the service, not its limits
        LFO_API_RATE_LIMIT="100000/minute",
        LFO_IMAGE_RATE_LIMIT="100000/minute",
        LFO_RESULTS_MAKER="1",  # as deployed: the results maker makes, the web workers read
    )
    maker = subprocess.Popen(
        [sys.executable, "-m", "dashboard", "make-results"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    args = [
        str(Path(sys.executable).with_name("gunicorn")),
        "-w",
        str(workers),
        "-b",
        f"127.0.0.1:{port}",
        "--threads",
        str(threads),
        "--timeout",
        "120",
        "--log-level",
        "warning",
        "dashboard.wsgi:server",
    ]
    proc = subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if _request(port, "GET", "/api/v1/indicators", auth=auth)[0] == 200:
                return proc, maker, auth
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    maker.terminate()
    raise RuntimeError("gunicorn did not answer within 60 s")


def _actions(codes: list[str], quarters: list[str], bodies: list[str], rng: random.Random):
    pages = ["/", "/reach", "/uptake", "/outcomes", "/quality", "/definitions"]

    def pick() -> tuple[str, str, str, str | None]:
        r = rng.random()
        if r < 0.25:
            path = rng.choice([*pages, f"/area/{rng.choice(codes)}"])
            return ("page", "GET", path, None)
        if r < 0.8 and bodies:
            return ("callback", "POST", "/_dash-update-component", rng.choice(bodies))
        q = rng.choice(quarters[-8:])
        ind = rng.choice(
            [
                "uptake.completion",
                "reach.parents",
                "uptake.start",
                "outcome.csi4.reliable_improvement",
                "reach.breakdown",
            ]
        )
        area = "" if rng.random() < 0.5 else f"&area={rng.choice(codes)}"
        return ("api", "GET", f"/api/v1/data?indicator={ind}&period={q}{area}", None)

    return pick


def wait_until_warm(port: int, workers: int, timeout: float = 1800.0, field: str = "warm") -> float:
    """Seconds until every worker shows the figures made ahead (``/healthz`` says ``field`` on
    ``4 × workers`` answers in a row, so each worker has answered); raise after ``timeout``.
    ``all_made``: the group benchmarks too (what users of a running service find)."""
    started = time.monotonic()
    in_a_row = 0
    while time.monotonic() - started < timeout:
        try:
            status, body = _request(port, "GET", "/healthz")
            warm = status == 200 and json.loads(body).get(field) is True
        except (OSError, ValueError):
            warm = False
        in_a_row = in_a_row + 1 if warm else 0
        if in_a_row >= 4 * workers:
            return round(time.monotonic() - started, 1)
        time.sleep(0.05 if warm else 1.0)
    raise RuntimeError(f"the workers had not made the figures ahead after {timeout:.0f} s")


def _stop(*procs: subprocess.Popen) -> None:
    for proc in procs:
        os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _phase(records: list[tuple], start: float, end: float) -> dict:
    k = np.array([r[1] for r in records if start <= r[3] < end]) * 1000
    if not len(k):
        return {"n": 0}
    return {
        "n": len(k),
        "p50_ms": round(float(np.percentile(k, 50)), 1),
        "p95_ms": round(float(np.percentile(k, 95)), 1),
    }


def _check_figures(port: int, path: str, auth: Auth) -> tuple[int, str | None]:
    try:
        status, body = _request(port, "GET", path, auth=auth)
    except OSError:  # no answer within the timeout, or the worker was killed: a failed check
        return 0, None
    if status != 200:
        return status, None
    return status, json.dumps(json.loads(body)["data"], sort_keys=True)


def run(
    ds: Dataset,
    codes: list[str],
    quarters: list[str],
    bodies: list[str],
    *,
    workers: int = 2,
    threads: int = 1,
    users: int = USERS,
    seconds: float = SECONDS,
) -> dict:
    port = _free_port()
    proc, maker, auth = _start_gunicorn(ds, port, workers, threads)
    try:
        warm_wait = wait_until_warm(port, workers, field="all_made")
    except RuntimeError:
        _stop(proc, maker)
        raise
    area = codes[len(codes) // 3]
    year = quarters[-1][:7]
    check_path = f"/api/v1/data?indicator={CHECK_INDICATORS}&area={area}&period={year}"
    records: list[tuple[str, float, int, float]] = []  # kind, seconds, status, started at
    checks: list[tuple[float, int, str | None]] = []
    lock = threading.Lock()
    stop = threading.Event()
    try:
        before = _check_figures(port, check_path, auth)[1]
        started = time.monotonic()

        def user(seed: int) -> None:
            rng = random.Random(seed)
            pick = _actions(codes, quarters, bodies, rng)
            time.sleep(rng.uniform(0, THINK[1]))
            while not stop.is_set():
                kind, method, path, body = pick()
                t0 = time.perf_counter()
                at = time.monotonic() - started
                try:
                    status = _request(port, method, path, body, auth)[0]
                except OSError:
                    status = 599
                with lock:
                    records.append((kind, time.perf_counter() - t0, status, at))
                stop.wait(rng.uniform(*THINK))

        def checker() -> None:
            while not stop.is_set():
                try:
                    status, figures = _check_figures(port, check_path, auth)
                except OSError:
                    status, figures = 599, None
                checks.append((time.monotonic() - started, status, figures))
                stop.wait(0.2)

        pool = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(users)]
        pool.append(threading.Thread(target=checker, daemon=True))
        for t in pool:
            t.start()
        time.sleep(seconds / 3)
        share = random.Random(time.time_ns()).uniform(0.01, 0.04)
        fixed = correction(ds, area, ds.root / "correction", share)
        env = dict(
            os.environ,
            LFO_ARCHIVE_DIR=str(ds.archive_dir),
            LFO_ID_KEY_FILE=str(ds.id_key_file),
        )
        load_start = time.monotonic() - started
        loaded = subprocess.run(
            [sys.executable, "-m", "etl", "load", str(fixed), "--db", ds.db_url],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        load_end = time.monotonic() - started
        time.sleep(max(0.0, seconds - (time.monotonic() - started)))
        stop.set()
        for t in pool:
            t.join(timeout=90)
        elapsed = time.monotonic() - started
        try:  # the new figures are shown once every worker has made them (held back till then)
            wait_until_warm(port, workers)
            shown_s: float | None = round(time.monotonic() - started - load_end, 1)
        except RuntimeError:
            shown_s = None
        after = _check_figures(port, check_path, auth)[1]
    finally:
        _stop(proc, maker)
    shutil.rmtree(ds.root / "correction", ignore_errors=True)
    lat = np.array([r[1] for r in records]) * 1000
    by_kind = {}
    for kind in ("page", "callback", "api"):
        k = np.array([r[1] for r in records if r[0] == kind]) * 1000
        if len(k):
            by_kind[kind] = {
                "n": len(k),
                "p50_ms": round(float(np.percentile(k, 50)), 1),
                "p95_ms": round(float(np.percentile(k, 95)), 1),
            }
    answered = [c for c in checks if c[1] == 200]
    if after is None:  # the final check had no answer: a figure that is not the old one is new
        after = next((c[2] for c in reversed(answered) if c[2] != before), None)
    old = sum(1 for c in answered if c[2] == before)
    new = sum(1 for c in answered if c[2] == after and after != before)
    other = sum(1 for c in answered if c[2] not in (before, after))
    return {
        "workers": workers,
        "threads": threads,
        "users": users,
        "seconds": round(elapsed, 1),
        "think_s": list(THINK),
        "requests": len(records),
        "throughput_rps": round(len(records) / elapsed, 1),
        "p50_ms": round(float(np.percentile(lat, 50)), 1),
        "p95_ms": round(float(np.percentile(lat, 95)), 1),
        "p99_ms": round(float(np.percentile(lat, 99)), 1),
        "errors": sum(1 for r in records if r[2] >= 400),
        "errors_by_status": dict(collections.Counter(str(r[2]) for r in records if r[2] >= 400)),
        "by_kind": by_kind,
        "warm_wait_s": warm_wait,
        "results_maker": True,
        "by_phase": {
            "before the load": _phase(records, 0.0, load_start),
            "from the load's start to 30 s after its end (the figures being made again)": _phase(
                records, load_start, load_end + 30.0
            ),
            "afterwards": _phase(records, load_end + 30.0, float("inf")),
        },
        "load_during_run": {
            "area": area,
            "exit_status": loaded.returncode,
            "output": [
                line.strip(" │┃|")[:200]
                for line in loaded.stdout.splitlines()
                if "loaded" in line or "rejected" in line or "failed" in line
            ][:3],
            "from_s": round(load_start, 1),
            "to_s": round(load_end, 1),
            "figures_changed": before != after,
            "new_figures_shown_s_after_load": shown_s,
            "checks": len(checks),
            "checks_failed": sum(1 for c in checks if c[1] != 200),
            "answers_old": old,
            "answers_new": new,
            "answers_half_loaded": other,
            "share_removed": round(share, 4),
        },
    }
