"""Engines for the database: a writer (the ETL) and read-only readers (validate, the dashboard).

SQLite runs in WAL mode so that readers keep reading while a load writes. Readers open the file
with ``mode=ro`` so they can never write. Any other URL (PostgreSQL) is passed to SQLAlchemy as is.

The schema's version is its Alembic revision (``lfo/migrations``, docs/architecture.md §
Migrations): ``init_db`` makes a new database at the code's revision (``create_all`` and a stamp,
fast), and refuses one at any other revision; ``check_revision`` is the same refusal for readers
(the dashboard). ``python -m etl db upgrade`` (``lfo.migrations.upgrade``) moves a database on.
"""

from __future__ import annotations

import datetime as dt
import functools
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


#: Where the revisions live (a package inside ``lfo``, so they ship with the code).
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
UPGRADE_COMMAND = "python -m etl db upgrade"


class DatabaseError(Exception):
    """The database cannot be used: the message says why and what to do."""


class SchemaRevisionError(DatabaseError):
    """The database's schema is not at the revision this program expects (the message says which
    command to run)."""


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
    engine = create_engine(url, **_server_pool(url))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", lambda c, r: _sqlite_pragmas(c, r, read_only=False))
    return engine


def _server_pool(url: str) -> dict[str, Any]:
    """A database server's pool (not SQLite's file): check each pooled connection before use
    (one round trip), so that after the server restarted the connections it ended are replaced
    on the next request, not handed to it (the service recovers without a restart)."""
    return {} if sqlite_path(url) is not None else {"pool_pre_ping": True}


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
            url,
            isolation_level="REPEATABLE READ",
            execution_options={"postgresql_readonly": True},
            **_server_pool(url),
        )
    return create_engine(url, **_server_pool(url))


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
    """Make a new database at the code's revision, or check an existing one is at it (else
    SchemaRevisionError); then load the reference tables (only those still empty)."""
    with engine.begin() as conn:
        if is_new_database(conn):
            schema.metadata.create_all(conn)
            _stamp_head(conn)
            ref_version = (REFERENCE_DIR / "VERSION").read_text().strip()
            conn.execute(
                insert(schema.schema_info),
                [
                    # frozen at 1: the schema's version is now its revision (alembic_version)
                    {"key": "schema_version", "value": str(schema.SCHEMA_VERSION)},
                    {"key": "reference_version", "value": ref_version},
                    {"key": "created_at", "value": dt.datetime.now(dt.UTC).isoformat()},
                ],
            )
        else:
            check_revision(conn)
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


# --- the schema's revision -----------------------------------------------------------------------
# alembic is imported inside the functions: the dashboard and the ETL's other commands start
# without it (a few hundred milliseconds).


@functools.cache
def script_directory() -> Any:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS_DIR))


def head_revision() -> str:
    """The revision this program's schema is (the newest in ``lfo/migrations/versions``)."""
    heads = script_directory().get_heads()
    if len(heads) != 1:
        raise DatabaseError(f"the migrations have {len(heads)} newest revisions, not one: {heads}")
    return str(heads[0])


def stored_revision(conn: Connection) -> str | None:
    """The database's revision (None when it has none: new, or made before migrations)."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def legacy_schema_version(conn: Connection) -> int | None:
    """The schema version a database made before migrations holds in ``schema_info`` (else None)."""
    if not inspect(conn).has_table(schema.schema_info.name):
        return None
    query = select(schema.schema_info.c.value).where(schema.schema_info.c.key == "schema_version")
    value = conn.execute(query).scalar()
    return None if value is None else int(value)


def is_new_database(conn: Connection) -> bool:
    """True when the database has neither a revision nor a pre-migration schema version."""
    return stored_revision(conn) is None and legacy_schema_version(conn) is None


def check_revision(conn: Connection) -> None:
    """Raise SchemaRevisionError, saying what to do, unless the database is at the code's revision."""
    head = head_revision()
    stored = stored_revision(conn)
    if stored == head:
        return
    if stored is None:
        version = legacy_schema_version(conn)
        if version is None:
            raise SchemaRevisionError(
                "the database has no tables yet: load returns (`python -m etl load`), which "
                "makes them"
            )
        raise SchemaRevisionError(
            "the database has no schema revision"
            + f" (it was made before migrations, schema version {version})"
            + f": run `{UPGRADE_COMMAND}` to bring it to revision {head}"
        )
    if not known_revision(stored):
        raise SchemaRevisionError(
            f"the database is at schema revision {stored}, which this program does not know (a "
            f"newer program made it; this one expects {head}): run the program that matches it"
        )
    raise SchemaRevisionError(
        f"the database is at schema revision {stored}, behind this program's {head}: "
        f"run `{UPGRADE_COMMAND}`"
    )


def known_revision(revision: str) -> bool:
    """True when ``revision`` is one of this program's revisions."""
    try:
        return script_directory().get_revision(revision) is not None
    except Exception:  # noqa: BLE001 - alembic raises several kinds for an unknown id
        return False


def _stamp_head(conn: Connection) -> None:
    from alembic.runtime.migration import MigrationContext

    MigrationContext.configure(conn).stamp(script_directory(), "head")


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
    "SchemaRevisionError",
    "check_revision",
    "database_exists",
    "head_revision",
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
    if conn.dialect.name == "postgresql":
        _copy_rows(conn, f"COPY {table.name} ({quoted}) FROM STDIN", rows)
        return
    sql = f"INSERT INTO {table.name} ({quoted}) VALUES ({_placeholders(conn, len(columns))})"  # noqa: S608 - names from lfo.schema
    conn.exec_driver_sql(sql, rows)


def _copy_rows(conn: Connection, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """PostgreSQL: the rows through ``COPY … FROM STDIN`` in the connection's own transaction
    (psycopg adapts each value as it would a parameter), several times faster than executemany."""
    driver = conn.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row(row)


# --- the demo database's mark ----------------------------------------------------------------------
# ``python -m dashboard`` opens without sign-in only on the database it built itself from synthetic
# returns (service.md § 2): it marks it with a ``schema_info`` row; any other load clears it.

DEMO_MARK = "demo_data"
DEMO_ENDED = "demo_ended"  # when a load into the demo database ended its demo mode


def mark_demo(conn: Connection) -> bool:
    """Mark the database as built by ``python -m dashboard`` from synthetic returns (False when
    it has no schema yet to hold the mark)."""
    si = schema.schema_info
    if not inspect(conn).has_table(si.name):
        return False
    conn.execute(si.delete().where(si.c.key == DEMO_MARK))
    conn.execute(insert(si).values(key=DEMO_MARK, value="built from synthetic pilot returns"))
    return True


def clear_demo_mark(conn: Connection) -> None:
    """Any load but the demo's own: the database no longer holds only synthetic data. When it
    was the demo, say so and when (``demo_ended``: ``python -m dashboard`` then explains why it
    asks for sign-in now, and how to get the demo back)."""
    si = schema.schema_info
    if not is_demo(conn):
        return
    conn.execute(si.delete().where(si.c.key == DEMO_MARK))
    moment = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    conn.execute(si.delete().where(si.c.key == DEMO_ENDED))
    conn.execute(insert(si).values(key=DEMO_ENDED, value=moment))


def demo_ended(conn: Connection) -> str | None:
    """When a return was first loaded into what was the demo database (None: it never was, or
    still is, the demo)."""
    si = schema.schema_info
    if not inspect(conn).has_table(si.name):
        return None
    return conn.execute(select(si.c.value).where(si.c.key == DEMO_ENDED)).scalar()


def is_demo(conn: Connection) -> bool:
    si = schema.schema_info
    if not inspect(conn).has_table(si.name):
        return False
    return conn.execute(select(si.c.value).where(si.c.key == DEMO_MARK)).first() is not None
