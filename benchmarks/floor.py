"""The ETL's floor: the rows the load left, already parsed, inserted with plain ``sqlite3``
(SQLite) or plain ``COPY`` (PostgreSQL).

The participant, episode and outcome rows are read back from the loaded database into lists of
tuples (not timed), then inserted with ``executemany`` in one transaction into a new database
whose tables have the same columns and indexes (their DDL copied from the loaded database), with
the loader's storage settings (WAL, synchronous NORMAL, its page cache and WAL checkpoint
interval, taken from ``lfo.db``, so tuning them speeds the floor as much as the load). Whatever
the ETL spends beyond this is reading, checking, hashing, summarising and bookkeeping.

On PostgreSQL the floor is a new database on the same server made by ``init_db`` (the same tables
and indexes), into which the rows go by ``COPY … FROM STDIN`` (psycopg's ``write_row``, as the
loader's) in one transaction. CPU is this process's alone, as the load's is: the server's is not
counted in either.
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


def time_floor(db_url: str, work_dir: Path) -> dict:
    """Seconds and rows per second of the floor insert of the loaded database's data rows."""
    if db_url.startswith("postgresql"):
        return _time_copy_floor(db_url)
    return _time_executemany_floor(Path(db_url.removeprefix("sqlite:///")), work_dir)


def _time_executemany_floor(loaded_db: Path, work_dir: Path) -> dict:
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
    return _figures(seconds, cpu_seconds, data)


def _figures(seconds: float, cpu_seconds: float, data: dict[str, list]) -> dict:
    total = sum(len(rows) for rows in data.values())
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "rows": {t: len(r) for t, r in data.items()},
        "rows_per_second": round(total / seconds) if seconds else None,
    }


def _time_copy_floor(db_url: str) -> dict:
    from sqlalchemy import create_engine, select, text
    from sqlalchemy.engine import make_url

    from lfo import schema
    from lfo.db import bulk_insert, init_db, writer_engine

    source = create_engine(db_url)
    try:
        with source.connect() as conn:
            data = {
                t: [tuple(r) for r in conn.execute(select(schema.metadata.tables[t]))]
                for t in DATA_TABLES
            }
    finally:
        source.dispose()
    name = "lfo_copy_floor"
    admin = create_engine(db_url, isolation_level="AUTOCOMMIT")
    floor_url = make_url(db_url).set(database=name).render_as_string(hide_password=False)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        target = writer_engine(floor_url)
        try:
            init_db(target)  # the same tables and indexes as the loaded database
            start, start_cpu = time.perf_counter(), time.process_time()
            with target.begin() as conn:  # COPY … FROM STDIN on PostgreSQL, as the loader's
                for t in DATA_TABLES:
                    table = schema.metadata.tables[t]
                    bulk_insert(conn, table, [c.name for c in table.columns], data[t])
            seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - start_cpu
        finally:
            target.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    finally:
        admin.dispose()
    return _figures(seconds, cpu_seconds, data)
