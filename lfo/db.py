"""Engines for the database: a writer (the ETL) and read-only readers (validate, the dashboard).

SQLite runs in WAL mode so that readers keep reading while a load writes. Readers open the file
with ``mode=ro`` so they can never write. Any other URL (PostgreSQL) is passed to SQLAlchemy as is.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, Table, create_engine, event, insert, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry, QueuePool

from lfo import schema
from lfo.settings import PROJECT_ROOT, REFERENCE_DIR

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
# The writer's storage settings, as literal statements (PRAGMA takes no bound parameters), shared
# with the benchmark's floor so that tuning them speeds the floor as much as the load:
# - WAL, so readers keep reading while a load writes; synchronous NORMAL (a commit is in the WAL);
# - a 512 MB page cache (cache_size in KiB when negative): the loader inserts rows with hashed
#   (random) keys into large indexes, and with SQLite's default 2 MB nearly every insert at
#   national scale reads and spills index pages (the cache only grows as pages are used);
# - a checkpoint every 50,000 WAL pages (default 1,000): each area's load touches index pages all
#   over the file, so checkpointing after several areas copies each page once for several loads.
WRITER_STORAGE_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA cache_size = -524288",
    "PRAGMA wal_autocheckpoint = 50000",
)


class DatabaseError(Exception):
    """The database cannot be used: the message says why and what to do."""


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (relative paths resolved from the working directory), else None."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite":
        return None
    if not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def _sqlite_pragmas(
    dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry, *, read_only: bool
) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout = 10000")  # = BUSY_TIMEOUT_MS; PRAGMA takes no parameters
    if not read_only:
        for statement in WRITER_STORAGE_PRAGMAS:
            cur.execute(statement)
        cur.execute("PRAGMA foreign_keys = ON")
    cur.close()


def writer_engine(url: str) -> Engine:
    """An engine that may write; creates the SQLite file's folder if needed."""
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", lambda c, r: _sqlite_pragmas(c, r, read_only=False))
    return engine


def reader_engine(url: str) -> Engine:
    """A read-only engine. For SQLite the file must exist."""
    path = sqlite_path(url)
    if path is not None:
        if not path.exists():
            raise DatabaseError(f"database {path} does not exist")
        uri = f"file:{path.resolve()}?mode=ro"
        # QueuePool, not the SingletonThreadPool SQLAlchemy picks for "sqlite://": that pool
        # closes connections other threads are still using when a threaded server (werkzeug,
        # gunicorn threads) runs requests in parallel.
        engine = create_engine(
            "sqlite://",
            creator=lambda: _sqlite_connect_ro(uri),
            poolclass=QueuePool,
            pool_size=5,
            max_overflow=10,
        )
        event.listen(engine, "connect", lambda c, r: _sqlite_pragmas(c, r, read_only=True))
        return engine
    if make_url(url).get_backend_name() == "postgresql":
        # REPEATABLE READ: every query of one connection's transaction sees the same snapshot,
        # as the dashboard's explicit BEGIN gives on SQLite (a load committing mid-request is
        # never half seen). Read-only transactions at this level never fail to serialise.
        return create_engine(
            url, isolation_level="REPEATABLE READ", execution_options={"postgresql_readonly": True}
        )
    return create_engine(url)


def _sqlite_connect_ro(uri: str) -> sqlite3.Connection:
    return sqlite3.connect(uri, uri=True, check_same_thread=False)


def database_exists(url: str) -> bool:
    path = sqlite_path(url)
    if path is not None:
        return path.exists()
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return inspect(conn).has_table("schema_info")
    except Exception:  # noqa: BLE001 - any connection failure means "not usable"
        return False
    finally:
        engine.dispose()


def init_db(engine: Engine) -> None:
    """Create missing tables and load the reference tables (only those still empty)."""
    schema.metadata.create_all(engine)
    with engine.begin() as conn:
        have = {r.key: r.value for r in conn.execute(select(schema.schema_info))}
        stored = have.get("schema_version")
        if stored is not None and int(stored) != schema.SCHEMA_VERSION:
            raise DatabaseError(
                f"the database has schema version {stored}, this program expects "
                f"{schema.SCHEMA_VERSION}: build a new database or migrate it"
            )
        if stored is None:
            ref_version = (REFERENCE_DIR / "VERSION").read_text().strip()
            conn.execute(
                insert(schema.schema_info),
                [
                    {"key": "schema_version", "value": str(schema.SCHEMA_VERSION)},
                    {"key": "reference_version", "value": ref_version},
                    {"key": "created_at", "value": dt.datetime.now(dt.UTC).isoformat()},
                ],
            )
        for table, file in (
            (schema.areas, "areas.csv"),
            (schema.interventions, "interventions.csv"),
            (schema.measures, "measures.csv"),
            (schema.swemwbs_conversion, "swemwbs_conversion.csv"),
        ):
            if conn.execute(select(table).limit(1)).first() is None:
                rows = _typed(table, read_reference(file).to_dict("records"))
                conn.execute(insert(table), rows)
                log.info("loaded %d rows into %s", len(rows), table.name)


def _typed(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Convert reference CSV text to each column's Python type (PostgreSQL does not coerce)."""
    types = {c.name: c.type.python_type for c in table.columns}
    return [
        {
            k: (None if v is None else types[k](float(v)) if types[k] is int else types[k](v))
            for k, v in row.items()
            if k in types
        }
        for row in rows
    ]


def read_reference(file: str) -> pd.DataFrame:
    """A reference CSV from ``data/reference/``, with empty cells as None."""
    df = pd.read_csv(REFERENCE_DIR / file, dtype=str, keep_default_na=False)
    df = df.astype(object).where(df != "", None)
    return df


__all__ = [
    "PROJECT_ROOT",
    "DatabaseError",
    "database_exists",
    "init_db",
    "read_reference",
    "reader_engine",
    "sqlite_path",
    "writer_engine",
]


def _placeholders(conn: Connection, n: int) -> str:
    style = conn.dialect.paramstyle
    mark = "?" if style == "qmark" else "%s"
    if style not in ("qmark", "format", "pyformat"):
        raise ValueError(f"unsupported DB-API paramstyle {style}")
    return ", ".join([mark] * n)


def bulk_insert(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """executemany of positional tuples into ``table`` (names checked against the schema)."""
    if not rows:
        return
    known = {c.name for c in table.columns}
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise ValueError(f"{table.name} has no column(s) {unknown}")
    quoted = ", ".join(conn.dialect.identifier_preparer.quote(c) for c in columns)
    sql = f"INSERT INTO {table.name} ({quoted}) VALUES ({_placeholders(conn, len(columns))})"  # noqa: S608 - names from lfo.schema
    conn.exec_driver_sql(sql, rows)
