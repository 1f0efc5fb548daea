"""Time the whole ETL load of a dataset into a fresh database, in a child process of its own.

``python -m benchmarks.etl_load --scale S [--profile FILE] [--limit N] [--work DIR] [--floor]``
prints one JSON line: seconds, files, rows in the data tables, rows per second and the child's peak
resident memory. With ``--profile`` the load runs under pyinstrument and its HTML report is written
to FILE. ``--work DIR`` puts the database, archive and key file in DIR (a scratch folder) instead of
``benchmarks/out/<scale>/``; ``--floor`` then times the floor (``benchmarks.floor``) of the loaded
database in the same run and adds it, and the ratio, to the line.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.dataset import Dataset, ensure_dataset

log = logging.getLogger(__name__)

DATA_TABLES = ("participants", "episodes", "outcomes")


def fresh_database(ds: Dataset) -> None:
    """Empty the dataset's database (SQLite: delete the file; PostgreSQL: drop every table),
    archive and key, then register its areas (not timed)."""
    from lfo.db import init_db, writer_engine

    if ds.on_postgresql:
        from sqlalchemy import create_engine, text

        dropper = create_engine(ds.db_url)
        with dropper.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        dropper.dispose()
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{ds.db_path}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(ds.archive_dir, ignore_errors=True)
    ds.id_key_file.unlink(missing_ok=True)
    ds.state.mkdir(parents=True, exist_ok=True)
    engine = writer_engine(ds.db_url)
    try:
        init_db(engine)
        if ds.areas_csv is not None:
            from etl.areas import add_areas

            add_areas(ds.areas_csv, engine)
    finally:
        engine.dispose()


def count_rows(db_url: str) -> dict[str, int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return {
                t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()  # noqa: S608 - fixed names
                for t in DATA_TABLES
            }
    finally:
        engine.dispose()


def settings_for(ds: Dataset):
    from lfo.settings import Settings

    return Settings(database_url=ds.db_url, archive_dir=ds.archive_dir, id_key_file=ds.id_key_file)


def _children_cpu() -> float:
    """CPU seconds of this process's finished child processes (user and system)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_load(ds: Dataset, *, profile: Path | None = None, limit: int | None = None) -> dict:
    """Load every file of ``ds`` into a fresh database (in this process) and measure it."""
    from etl.load.loader import load_files

    fresh_database(ds)
    files = list(ds.files[:limit] if limit else ds.files)
    profiler = None
    if profile is not None:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.01)
        profiler.start()
    start, start_cpu, start_children = time.perf_counter(), time.process_time(), _children_cpu()
    results = load_files(files, settings_for(ds))
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - start_cpu
    children_cpu = _children_cpu() - start_children  # a checking process, if the load used one
    cpu_seconds += children_cpu
    if profiler is not None:
        profiler.stop()
        profile.write_text(profiler.output_html())
        Path(str(profile) + ".txt").write_text(profiler.output_text(unicode=False, color=False))
    outcomes: dict[str, int] = {}
    for r in results:
        outcomes[r.outcome] = outcomes.get(r.outcome, 0) + 1
    rows = count_rows(ds.db_url)
    total = sum(rows.values())
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "children_cpu_seconds": round(children_cpu, 2),
        "files": len(files),
        "outcomes": outcomes,
        "rows": rows,
        "rows_per_second": round(total / seconds) if seconds else None,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        # the largest finished child (a checking process, if the load used one)
        "children_peak_rss_mb": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        ),
    }


def run_in_child(scale: str, *, limit: int | None = None, database_url: str | None = None) -> dict:
    """``time_load`` in a fresh Python process (so its peak memory is the load's alone)."""
    args = [sys.executable, "-m", "benchmarks.etl_load", "--scale", scale]
    if limit:
        args += ["--limit", str(limit)]
    if database_url:
        args += ["--database-url", database_url]
    done = subprocess.run(
        args, check=True, capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1]
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.etl_load")
    parser.add_argument("--scale", default="national")
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--limit", type=int)
    parser.add_argument(
        "--work",
        type=Path,
        help="folder for the database, archive and key (default: the dataset's)",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also time the floor of the loaded database (SQLite executemany, PostgreSQL COPY)",
    )
    parser.add_argument("--database-url", help="load into this PostgreSQL database (emptied)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    ds = ensure_dataset(args.scale)
    if args.work is not None:
        args.work.mkdir(parents=True, exist_ok=True)
        ds = dataclasses.replace(ds, root=args.work.resolve())
    if args.database_url:
        ds = dataclasses.replace(ds, database_url=args.database_url)
    result = time_load(ds, profile=args.profile, limit=args.limit)
    if args.floor:
        from benchmarks.floor import time_floor

        result["floor"] = time_floor(ds.db_url, ds.root)
        floor_s = result["floor"]["seconds"]
        result["load_over_floor"] = round(result["seconds"] / floor_s, 2) if floor_s else None
        floor_cpu = result["floor"].get("cpu_seconds")
        result["load_over_floor_cpu"] = (
            round(result["cpu_seconds"] / floor_cpu, 2) if floor_cpu else None
        )
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
