"""The one benchmark command.

    python -m benchmarks.run [--scale national|pilot|tiny] [--skip-browser] [--skip-load-test]
                             [--skip-etl] [-n 50] [--workers 2] [--postgresql]

Generates the dataset if it is not there, times the ETL load and its floor, every callback and API
endpoint (with floors and the naive reference), the first render in Chromium, and the app under
load in gunicorn; writes ``benchmarks/results.json`` (one entry per scale, the others kept) and
``docs/benchmarks.md``. Nothing is asserted: the figures are printed and recorded.

``--postgresql`` runs the same on a throw-away PostgreSQL server started for the run (Debian's
``postgresql``, as the tests start it): the ETL loads through ``COPY`` and its floor is plain
``COPY``; the figures are kept as ``<scale>-postgresql`` beside SQLite's.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import logging
import os
import platform
import subprocess
import sys
import time
from contextlib import nullcontext
from pathlib import Path

from benchmarks import etl_load, floor, report
from benchmarks.dataset import SCALES, Dataset, ensure_dataset
from benchmarks.requests import _areas_and_quarters

log = logging.getLogger("benchmarks")

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results.json"
DOC = ROOT / "docs" / "benchmarks.md"


def machine() -> dict:
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "commit": commit,
        "python": platform.python_version(),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
    }


def _child(args: list[str]) -> dict:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(
    scale: str,
    *,
    browser: bool,
    load_test: bool,
    etl: bool,
    n: int,
    workers: int,
    naive_n: int | None = None,
    users: int = 50,
    seconds: float = 60.0,
    dashboard: bool = True,
    threads: int = 1,
    database_url: str | None = None,
) -> dict:
    started = time.perf_counter()
    info = machine()
    ds = dataclasses.replace(ensure_dataset(scale), database_url=database_url)
    result: dict = {"scale": scale, "machine": info, "database": database_name(database_url)}
    earlier = load_results().get(results_key(scale, database_url), {})
    if etl or database_url or not ds.db_path.exists():  # a throw-away server starts empty
        log.info("timing the ETL load of %d files", len(ds.files))
        result["etl"] = etl_load.run_in_child(scale, database_url=database_url)
        log.info("ETL: %s", result["etl"])
        result["etl_floor"] = floor.time_floor(ds.db_url, ds.root)
        log.info("floor: %s", result["etl_floor"])
    else:
        before = earlier.get("etl", {})
        result["etl"] = {
            **before,
            "note": "from an earlier run (--skip-etl)"
            + (f": {before['measured']}" if before.get("measured") else ""),
        }
        result["etl_floor"] = earlier.get("etl_floor", {})
    if naive_n is None:
        naive_n = 5 if scale == "national" else n
    if dashboard:
        log.info("timing callbacks and the API (%d requests each)", n)
        args = [
            "-m",
            "benchmarks.requests",
            "--scale",
            scale,
            "-n",
            str(n),
            "--naive-n",
            str(naive_n),
        ]
        if not browser:
            args.append("--skip-browser")
        if database_url:
            args += ["--database-url", database_url]
        result["dashboard"] = _child(args)
        if database_url:
            result["paired"] = _paired(ds, database_url, n)
    else:
        result["dashboard"] = {
            **earlier.get("dashboard", {}),
            "note": "from an earlier run (--skip-dashboard)",
        }
        if earlier.get("paired"):
            result["paired"] = earlier["paired"]
    if load_test:
        from benchmarks import loadtest

        bodies_file = ds.root / "callbacks.json"
        bodies = json.loads(bodies_file.read_text()) if bodies_file.exists() else []
        codes, quarters = _areas_and_quarters(ds.db_url)
        log.info("load test: %d users for %.0f s on %d gunicorn workers", users, seconds, workers)
        result["load_test"] = loadtest.run(
            ds,
            codes,
            quarters,
            bodies,
            workers=workers,
            threads=threads,
            users=users,
            seconds=seconds,
        )
    elif earlier.get("load_test"):
        result["load_test"] = {
            **earlier["load_test"],
            "note": earlier["load_test"].get("note") or "from an earlier run (--skip-load-test)",
        }
    info["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    info["harness_seconds"] = round(time.perf_counter() - started)
    return result


def _paired(ds: Dataset, database_url: str, n: int) -> dict:
    """PostgreSQL against SQLite request by request in one process (``benchmarks.paired``), if
    the SQLite database of these returns is there."""
    if not ds.db_path.exists():
        return {"note": f"no SQLite database at {ds.db_path}: run the SQLite benchmark first"}
    log.info("timing PostgreSQL and SQLite in turn (%d requests each)", n)
    args = ["-m", "benchmarks.paired", "--scale", ds.scale, "--database-url", database_url]
    try:
        return _child([*args, "-n", str(n)])
    except RuntimeError as exc:  # PostgreSQL's own figures are kept: the report falls back
        log.error("%s", exc)
        return {"note": f"the paired timing failed ({str(exc).strip().splitlines()[-1]})"}


def database_name(database_url: str | None) -> str:
    return "postgresql" if database_url else "sqlite"


def results_key(scale: str, database_url: str | None) -> str:
    """SQLite's figures under the scale's name; PostgreSQL's beside them."""
    return f"{scale}-postgresql" if database_url else scale


def postgresql_server():
    """A throw-away PostgreSQL server for the run (the tests' own starter)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from support.postgres import postgres_server

    return postgres_server()


def load_results() -> dict:
    return json.loads(RESULTS.read_text()) if RESULTS.exists() else {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--scale", choices=SCALES, default="national")
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--skip-load-test", action="store_true")
    parser.add_argument(
        "--skip-etl",
        action="store_true",
        help="keep the loaded database and the ETL figures of an earlier run",
    )
    parser.add_argument(
        "--skip-dashboard",
        action="store_true",
        help="keep the callback, API and render figures of an earlier run",
    )
    parser.add_argument("-n", type=int, default=50, help="requests per callback and endpoint")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (load test)")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads per gunicorn worker (load test; over 1: gthread)",
    )
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--doc", type=Path, default=DOC)
    parser.add_argument(
        "--postgresql",
        action="store_true",
        help="on a throw-away PostgreSQL server instead of SQLite (the ETL always runs)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    with postgresql_server() if args.postgresql else nullcontext(None) as database_url:
        result = _run_from_args(args, database_url)
    results = json.loads(args.results.read_text()) if args.results.exists() else {}
    results[results_key(args.scale, database_url)] = result
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    args.doc.parent.mkdir(parents=True, exist_ok=True)
    args.doc.write_text(report.markdown(results))
    sys.stdout.write(report.summary(result) + "\n")
    return 0


def _run_from_args(args: argparse.Namespace, database_url: str | None) -> dict:
    return run(
        args.scale,
        browser=not args.skip_browser,
        load_test=not args.skip_load_test,
        etl=not args.skip_etl,
        n=args.n,
        workers=args.workers,
        users=args.users,
        seconds=args.seconds,
        dashboard=not args.skip_dashboard,
        threads=args.threads,
        database_url=database_url,
    )


if __name__ == "__main__":
    raise SystemExit(main())
