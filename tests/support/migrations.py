"""Helpers for the migration tests: a database as the code made it before migrations, extra
test revisions in a copy of ``lfo/migrations``, and what must not change across an upgrade (every
row, the schema, the engine's figures)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import Engine

from lfo import schema
from lfo.db import head_revision, reader_engine
from lfo.indicators.definitions import indicators
from lfo.indicators.engine import compute
from lfo.indicators.request import Query
from support.engine_db import build_db, episode

NEWCASTLE, GATESHEAD = "E08000021", "E08000037"

HEAD = head_revision()
"""The program's newest revision; the test revisions come after it (``NEXT``)."""
NEXT = f"{int(HEAD) + 1:04d}"

#: A revision that changes the schema the way real ones will: a column added to a table other
#: tables refer to (on SQLite a batch copy of the table), and an index.
GOOD_NEXT = '''"""test revision: areas get a nickname"""
import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = "{down_revision}"
branch_labels = None
depends_on = None


def upgrade():
    recreate = "always" if op.get_bind().dialect.name == "sqlite" else "auto"
    with op.batch_alter_table("areas", recreate=recreate) as batch:
        batch.add_column(sa.Column("nickname", sa.Text()))
    op.create_index("ix_areas_region", "areas", ["region"])


def downgrade():
    pass
'''

#: A revision that fails midway, after changing a table, its rows and adding another table.
FAILING_NEXT = '''"""test revision: fails midway"""
import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = "{down_revision}"
branch_labels = None
depends_on = None


def upgrade():
    recreate = "always" if op.get_bind().dialect.name == "sqlite" else "auto"
    with op.batch_alter_table("areas", recreate=recreate) as batch:
        batch.add_column(sa.Column("nickname", sa.Text()))
    op.execute("UPDATE areas SET nickname = name, name = 'changed'")
    op.execute("DELETE FROM sum_reach")
    op.create_table("sum_extra", sa.Column("area_code", sa.String(9), primary_key=True))
    raise RuntimeError("test revision {revision} fails midway")


def downgrade():
    pass
'''


def build_data(url: str) -> None:
    """Two areas with participants, episodes and outcome scores, summaries built (init_db makes
    the database at the code's revision)."""
    scores = {"csi4": {"baseline": 10, "exit": 14}}
    newcastle = [episode("completed", "2017-11-15", scores=scores)] * 12
    newcastle += [episode("dropped_out", "2017-10-02")] * 5 + [episode("offered")] * 3
    gateshead = [episode("completed", "2018-02-10", offered="2017-12-01", start="2018-01-05")] * 9
    gateshead += [episode("declined", offered="2017-12-01")] * 4
    build_db(None, {NEWCASTLE: newcastle, GATESHEAD: gateshead}, url=url)


#: Columns later revisions add to the tables of revision 0001: (table, column).
LATER_COLUMNS = (("areas", "retired_at"),)  # 0004


def make_pre_migration(url: str) -> None:
    """Turn a database made by ``init_db`` into what the code made before migrations: the same
    ``create_all`` schema and ``schema_info`` rows, without the ``alembic_version`` table (the
    tests check that revision 0001 is that schema): the tables of later revisions dropped too."""
    from lfo.migrations.versions.v0001_initial_schema import TABLES

    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE alembic_version"))
            later = [t for t in schema.metadata.sorted_tables if t.name not in TABLES]
            for table in reversed(later):
                table.drop(conn)
            if conn.dialect.name == "postgresql":  # the audit log's trigger function (0003)
                conn.execute(text("DROP FUNCTION IF EXISTS audit_log_append_only()"))
            for table, column in LATER_COLUMNS:
                conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
    finally:
        engine.dispose()


def with_revisions(root: Path, *sources: str) -> Path:
    """A copy of ``lfo/migrations`` under ``root`` with the revisions ``sources`` added after
    the program's newest (``{revision}`` and ``{down_revision}`` in each filled in)."""
    from lfo.db import MIGRATIONS_DIR

    target = root / "migrations"
    shutil.copytree(MIGRATIONS_DIR, target, ignore=shutil.ignore_patterns("__pycache__"))
    down = HEAD
    for i, source in enumerate(sources, start=int(HEAD) + 1):
        text_ = source.replace("{revision}", f"{i:04d}").replace("{down_revision}", down)
        (target / "versions" / f"v{i:04d}_test.py").write_text(text_, encoding="utf-8")
        down = f"{i:04d}"
    return target


def dump(url: str) -> dict[str, list[tuple]]:
    """Every row of every table (the revision table left out), sorted."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            names = sorted(set(inspect(conn).get_table_names()) - {"alembic_version"})
            return {
                name: sorted(
                    (tuple(r) for r in conn.execute(text(f'SELECT * FROM "{name}"'))),  # noqa: S608 - the database's names
                    key=repr,
                )
                for name in names
            }
    finally:
        engine.dispose()


def shape(url: str) -> dict[str, object]:
    """The schema as the database describes it: tables, columns, indexes, keys."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            insp = inspect(conn)
            return {
                name: (
                    [(c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(name)],
                    sorted((i["name"], tuple(i["column_names"])) for i in insp.get_indexes(name)),
                    insp.get_pk_constraint(name)["constrained_columns"],
                    sorted(
                        (tuple(f["constrained_columns"]), f["referred_table"])
                        for f in insp.get_foreign_keys(name)
                    ),
                )
                for name in sorted(insp.get_table_names())
            }
    finally:
        engine.dispose()


#: Indicators reading every summary table (reach, offers, endings, days to start, both parents,
#: funnel, outcomes), for the financial year and a quarter of the test data.
FIGURES = (
    "reach.parents",
    "reach.families",
    "reach.breakdown",
    "uptake.start",
    "uptake.completion",
    "uptake.days_to_start",
    "uptake.attendance",
    "uptake.both_parents",
    "uptake.funnel",
    "outcome.csi4.paired",
    "outcome.csi4.change",
    "outcome.csi4.reliable_improvement",
)


def figures(url: str) -> pd.DataFrame:
    """The engine's rows of ``FIGURES`` for every area (threshold 1: every figure shown)."""
    engine: Engine = reader_engine(url)
    try:
        with engine.connect() as conn:
            query = Query(
                indicators=tuple(indicators()[i] for i in FIGURES),
                periods=("2017-18", "2017-18_Q3"),
                threshold=1,
            )
            return compute(conn, query).rows
    finally:
        engine.dispose()


def revision_of(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def area_names(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return sorted(conn.execute(select(schema.areas.c.name)).scalars())
    finally:
        engine.dispose()
