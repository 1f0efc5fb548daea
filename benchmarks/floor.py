"""The ETL's floor: the rows the load left, already parsed, inserted with plain ``sqlite3``.

The participant, episode and outcome rows are read back from the loaded database into lists of
tuples (not timed), then inserted with ``executemany`` in one transaction into a new database
whose tables have the same columns and indexes (their DDL copied from the loaded database), with
the loader's storage settings (WAL, synchronous NORMAL, its page cache and WAL checkpoint
interval, taken from ``lfo.db``, so tuning them speeds the floor as much as the load). Whatever
the ETL spends beyond this is reading, checking, hashing, summarising and bookkeeping.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from lfo.db import WRITER_STORAGE_PRAGMAS

DATA_TABLES = ("participants", "episodes", "outcomes")


def _ddl(con: sqlite3.Connection) -> list[str]:
    rows = con.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name IN (?, ?, ?) AND sql IS NOT NULL "
        "ORDER BY type DESC",
        DATA_TABLES,
    ).fetchall()  # tables before indexes
    return [r[0] for r in rows]


def time_floor(loaded_db: Path, work_dir: Path) -> dict:
    """Seconds and rows per second of the floor insert of ``loaded_db``'s data rows."""
    src = sqlite3.connect(f"file:{loaded_db}?mode=ro", uri=True)
    try:
        ddl = _ddl(src)
        data = {t: src.execute(f"SELECT * FROM {t}").fetchall() for t in DATA_TABLES}  # noqa: S608 - fixed names
        columns = {
            t: len(src.execute(f"SELECT * FROM {t} LIMIT 0").description)  # noqa: S608
            for t in DATA_TABLES
        }
    finally:
        src.close()
    target = work_dir / "floor.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    con = sqlite3.connect(target, isolation_level=None)
    try:
        for statement in WRITER_STORAGE_PRAGMAS:  # the loader's own storage settings
            con.execute(statement)
        for statement in ddl:
            con.execute(statement)
        start, start_cpu = time.perf_counter(), time.process_time()
        con.execute("BEGIN")
        for t in DATA_TABLES:
            marks = ", ".join("?" * columns[t])
            con.executemany(f"INSERT INTO {t} VALUES ({marks})", data[t])  # noqa: S608
        con.execute("COMMIT")
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - start_cpu
    finally:
        con.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    total = sum(len(rows) for rows in data.values())
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "rows": {t: len(r) for t, r in data.items()},
        "rows_per_second": round(total / seconds) if seconds else None,
    }
