"""Schema migrations: Alembic revisions in ``versions/``, run by ``python -m etl db upgrade``.

Every schema change is a revision (docs/architecture.md § Migrations). The first, ``0001``, is the
schema as it was when migrations began; a database made before then (a ``schema_info`` schema
version 1 and no ``alembic_version`` table) is stamped at it and then upgraded. A new database is
not migrated step by step: ``lfo.db.init_db`` creates it from ``lfo.schema`` and stamps it at the
newest revision (fast; tests/test_migrations.py checks the two give the same schema).

The whole upgrade runs in ONE transaction, so a revision that fails midway leaves the database as
it was, at its old revision, which the dashboard refuses to serve (``lfo.db.check_revision``). On
PostgreSQL DDL is transactional. On SQLite it is too, but Python's ``sqlite3`` runs DDL outside
any transaction unless told: the migration engine (``migration_engine``) turns its implicit
transactions off and issues ``BEGIN IMMEDIATE`` itself, so the ``ALTER``\\s, the table copies of
Alembic's batch mode and the new revision commit or roll back together; it also turns foreign key
enforcement off (a batch copy drops and renames tables others refer to) and checks every key
before the upgrade commits.

Nothing here runs the ``alembic`` command or reads an ``alembic.ini``: ``config`` builds the
configuration in code, pointing at this package.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, event, inspect

from lfo import db

#: The revision every database made before migrations is (``versions/v0001_initial_schema.py``).
FIRST = "0001"
#: The pre-migration schema version that ``FIRST`` is.
LEGACY_SCHEMA_VERSION = 1
#: The tables of ``FIRST``: a pre-migration database must have them all to be stamped.
FIRST_TABLES = frozenset(
    {"schema_info", "areas", "interventions", "measures", "swemwbs_conversion", "returns"}
    | {"participants", "episodes", "outcomes", "etl_load_log", "etl_findings", "etl_held_back"}
    | {"sum_reach", "sum_families", "sum_offers", "sum_endings", "sum_days_to_start"}
    | {"sum_both_parents", "sum_funnel", "sum_outcomes", "sum_completeness"}
)


@dataclass(frozen=True)
class Upgraded:
    """What ``upgrade`` did: the revision before (None: none), after, and whether it stamped a
    pre-migration database or created a new one."""

    before: str | None
    after: str
    stamped: bool = False
    created: bool = False


def config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for this package, with ``connection`` for ``env.py`` to use."""
    cfg = Config()
    cfg.set_main_option("script_location", str(db.MIGRATIONS_DIR))
    cfg.set_main_option("file_template", "v%%(rev)s_%%(slug)s")
    cfg.attributes["connection"] = connection
    return cfg


def migration_engine(url: str) -> Engine:
    """A writer engine whose transactions include DDL on SQLite too (see the module docstring)."""
    engine = db.writer_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _no_implicit_transactions)
        event.listen(engine, "begin", _begin_immediate)
    return engine


def _no_implicit_transactions(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None
    # A batch ALTER copies a table, drops it and renames the copy: with foreign keys enforced the
    # drop fails when other tables refer to it. SQLite ignores this pragma inside a transaction,
    # so it is set here, and the keys are checked before the upgrade commits (_check_keys).
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys = OFF")
    cur.close()


def _begin_immediate(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def current(engine: Engine) -> tuple[str | None, int | None, str]:
    """(the database's revision, its pre-migration schema version, the code's revision)."""
    with engine.connect() as conn:
        return db.stored_revision(conn), db.legacy_schema_version(conn), db.head_revision()


def upgrade(
    engine: Engine, *, target: str = "head", say: Callable[[str], None] = lambda _m: None
) -> Upgraded:
    """Bring the database to ``target`` in one transaction (see the module docstring).

    A new (empty) database is made at the newest revision by ``lfo.db.init_db``. Raises
    DatabaseError when the database cannot be upgraded (a pre-migration database of another
    schema version or missing tables, a revision this program does not know); any error inside a
    revision propagates after the rollback.
    """
    with engine.connect() as conn:
        new = db.is_new_database(conn)
    if new:
        db.init_db(engine)
        return Upgraded(None, db.head_revision(), created=True)
    with engine.begin() as conn:
        before = db.stored_revision(conn)
        stamped = before is None
        if stamped:
            _check_legacy(conn)
            say(f"the database was made before migrations: stamping it at revision {FIRST}")
            command.stamp(config(conn), FIRST)
        elif before != db.head_revision():
            _check_known(before)
        command.upgrade(config(conn), target)
        _check_keys(conn)
        after = db.stored_revision(conn)
    assert after is not None  # an upgrade always leaves a revision
    return Upgraded(before, after, stamped=stamped)


def _check_keys(conn: Connection) -> None:
    """SQLite: every foreign key still points at a row (else the upgrade rolls back)."""
    if conn.dialect.name != "sqlite":
        return
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        tables = sorted({str(row[0]) for row in broken})
        raise db.DatabaseError(
            f"the upgrade left {len(broken)} row(s) of {', '.join(tables)} pointing at rows that "
            "are not there: it was rolled back"
        )


def _check_legacy(conn: Connection) -> None:
    version = db.legacy_schema_version(conn)
    if version != LEGACY_SCHEMA_VERSION:
        raise db.DatabaseError(
            f"the database has schema version {version}, not {LEGACY_SCHEMA_VERSION}: this "
            "program cannot upgrade it; build a new database and load the returns again"
        )
    missing = sorted(FIRST_TABLES - set(inspect(conn).get_table_names()))
    if missing:
        raise db.DatabaseError(
            f"the database lacks table(s) {', '.join(missing)} of schema version "
            f"{LEGACY_SCHEMA_VERSION}: it was not made by this program; build a new database"
        )


def _check_known(revision: str | None) -> None:
    if revision is None or not db.known_revision(revision):
        raise db.DatabaseError(
            f"the database is at schema revision {revision}, which this program does not know "
            "(a newer program made it): upgrade the program, not the database"
        )
