"""Publishing a release and reading it (issue 14 § Speed): ``python -m benchmarks.release_publish
--db sqlite:///PATH [--period QUARTER] [-n 200]``.

On a copy of the database (the original is never written): publish the quarter (its latest by
default) and time each step as ``publish`` reports it (each step's seconds); then the disk it costs (the stored file,
compressed, its size written out on a host, the bulk zip); then ``n`` API requests for one
indicator and area each (varied), against the release and against the live figures in the same
process, each after one warm-up request per indicator; the p50/p95 of each and their ratio. Prints
one JSON line.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import func, select

from dashboard.app import create_app
from dashboard.settings import DashboardSettings
from lfo import schema
from lfo.db import reader_engine, sqlite_path, writer_engine
from lfo.indicators.definitions import indicators
from lfo.release_publish import publish

INDICATORS = ("reach.parents", "uptake.start", "uptake.completion", "outcome.csi4.change")


def _latest_quarter(url: str) -> str:
    with reader_engine(url).connect() as conn:
        return str(conn.execute(select(func.max(schema.returns.c.period))).scalar())


def _timed_requests(client, queries: list[str]) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for q in queries:
        started = time.perf_counter()
        answer = client.get(q)
        times.append(time.perf_counter() - started)
        assert answer.status_code == 200, answer.get_data(as_text=True)[:200]
    return times


def _step(steps: list[tuple[str, float]], what: str, started: float) -> None:
    """Note when a step of publishing begins (and say so on stderr: a national run is long)."""
    at = time.perf_counter() - started
    steps.append((what, at))
    print(f"{at:8.1f}s  {what}", file=sys.stderr, flush=True)


def _pcts(times: list[float]) -> dict[str, float]:
    ms = np.array(times) * 1000
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 1),
        "p95_ms": round(float(np.percentile(ms, 95)), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--period")
    parser.add_argument("-n", type=int, default=200)
    args = parser.parse_args()
    source = sqlite_path(args.db)
    assert source is not None, "a sqlite:/// database (copied; never written)"
    work = Path(tempfile.mkdtemp(prefix="lfo-release-bench-"))
    try:
        shutil.copy(source, work / "lfo.db")
        url = f"sqlite:///{work / 'lfo.db'}"
        upgrade = [sys.executable, "-m", "etl", "db", "upgrade", "--db", url]
        subprocess.run(upgrade, check=True, capture_output=True)
        quarter = args.period or _latest_quarter(url)
        steps: list[tuple[str, float]] = []
        started = time.perf_counter()
        done = publish(
            reader_engine(url),
            writer_engine(url),
            quarter,
            note="benchmark",
            threshold=10,
            who=None,
            cache_dir=work / "cache",
            say=lambda s: _step(steps, s, started),
        )
        total = time.perf_counter() - started
        _step(steps, "published", started)
        # the app writes the release's file out here (as a host does), not under the current folder
        os.environ["LFO_RELEASES_CACHE_DIR"] = str(work / "cache")
        app = create_app(DashboardSettings(database_url=url))
        client = app.server.test_client()
        rng = random.Random(2026)
        with reader_engine(url).connect() as conn:
            areas = [a for (a,) in conn.execute(select(schema.returns.c.area_code))]
        assert all(i in indicators() for i in INDICATORS)
        base = [
            f"/api/v1/data?indicator={i}&area={rng.choice(areas)}&period={quarter}"
            for i in INDICATORS
            for _ in range(max(1, args.n // len(INDICATORS)))
        ]
        rng.shuffle(base)
        warm = [f"/api/v1/data?indicator={i}" for i in INDICATORS]
        first_live = _timed_requests(client, warm)
        # the first request against the release writes its file out on this host
        first_release = _timed_requests(client, [w + f"&release={done.release_id}" for w in warm])
        live = _timed_requests(client, base)
        frozen = _timed_requests(client, [q + f"&release={done.release_id}" for q in base])
        written = sum(p.stat().st_size for p in (work / "cache").glob("*.db"))
        out = {
            "quarter": quarter,
            "release": done.release_id,
            "publish_s": round(total, 1),
            "steps_s": [(s, round(b - a, 1)) for (s, a), (_n, b) in itertools.pairwise(steps)],
            "first_requests_s": {
                "live": round(sum(first_live), 1),
                "release": round(sum(first_release), 1),
            },
            "stored_bytes": done.stored_bytes,
            "file_bytes": done.snapshot_bytes,
            "written_on_host_bytes": written,
            "bulk_bytes": done.bulk_bytes,
            "api_live": _pcts(live),
            "api_release": _pcts(frozen),
        }
        out["api_p95_ratio_release_to_live"] = round(
            out["api_release"]["p95_ms"] / out["api_live"]["p95_ms"], 2
        )
        print(json.dumps(out))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
