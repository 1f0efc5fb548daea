"""Schema migrations (issue 15 § 1), on SQLite and on a throw-away PostgreSQL.

A database made before migrations is upgraded with its rows and the engine's figures unchanged;
the revisions, one by one, give the schema the code creates; a revision that fails midway leaves the database
exactly as it was, and the dashboard refuses it; ``python -m etl db current | upgrade |
rebuild-summaries`` say what they did in one line. Extra revisions (``m.NEXT``, after the
program's newest ``m.HEAD``) are test revisions in a copy of ``lfo/migrations``
(``support.migrations``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text
from support import migrations as m
from support.postgres import create_database

from dashboard.app import create_app
from dashboard.services.database import Database
from dashboard.services.queries import check_readable
from dashboard.settings import DashboardSettings
from etl import db_commands
from etl.cli import main as etl
from lfo import db, migrations, schema
from lfo.db import SchemaRevisionError, init_db, writer_engine

UPGRADE = "python -m etl db upgrade"
_names = iter(range(1, 1000))


@pytest.fixture(params=["sqlite", "postgresql"])
def new_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'lfo.db'}"
    else:
        yield create_database(request.getfixturevalue("pg_url"), f"lfo_m{next(_names)}")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'lfo.db'}"


@pytest.fixture
def pre_migration(new_url: str) -> str:
    """A database with data, as the code made it before migrations."""
    m.build_data(new_url)
    m.make_pre_migration(new_url)
    return new_url


@pytest.fixture
def use_revisions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """``use_revisions(source, ...)``: the program's revisions and these after them (NEXT, ...)."""

    def use(*sources: str) -> None:
        monkeypatch.setattr(db, "MIGRATIONS_DIR", m.with_revisions(tmp_path, *sources))
        db.script_directory.cache_clear()

    yield use
    db.script_directory.cache_clear()


def run_etl(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = etl(list(args))
    out, err = capsys.readouterr()
    return status, " ".join(out.split()), " ".join(err.split())


def refusal(url: str) -> str:
    """Why the dashboard refuses the database (fails if it does not)."""
    with pytest.raises(SchemaRevisionError) as caught:
        check_readable(Database(url))
    return str(caught.value)


# --- the revisions give the schema the code creates -----------------------------------------------


def test_revision_0001_is_the_schema_the_code_creates(new_url, tmp_path):
    engine = migrations.migration_engine(new_url)
    try:
        with engine.begin() as conn:
            command.upgrade(migrations.config(conn), "head")  # every revision, one by one
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), schema.metadata) == []
    finally:
        engine.dispose()
    if new_url.startswith("sqlite"):
        other = f"sqlite:///{tmp_path / 'made.db'}"
    else:
        other = create_database(new_url, f"lfo_m{next(_names)}")
    made = writer_engine(other)
    init_db(made)  # create_all and a stamp
    made.dispose()
    assert m.shape(other) == m.shape(new_url)
    assert m.revision_of(other) == m.revision_of(new_url) == m.HEAD


def test_a_new_database_is_made_at_the_newest_revision(sqlite_url, capsys):
    init_db(writer_engine(sqlite_url))
    assert m.revision_of(sqlite_url) == db.head_revision() == m.HEAD
    status, out, _err = run_etl(capsys, "db", "current", "--db", sqlite_url)
    assert status == 0
    assert f"at revision {m.HEAD}, this program's: up to date" in out
    check_readable(Database(sqlite_url))  # served


# --- a database made before migrations ------------------------------------------------------------


def test_a_pre_migration_database_is_stamped_and_keeps_every_row_and_figure(pre_migration, capsys):
    url = pre_migration
    rows, figures = m.dump(url), m.figures(url)
    assert len(rows["participants"]) == 33 and len(rows["sum_outcomes"]) > 0
    assert m.revision_of(url) is None
    status, out, _ = run_etl(capsys, "db", "current", "--db", url)
    assert status == 1
    assert "made before migrations, schema version 1" in out and UPGRADE in out
    assert UPGRADE in refusal(url)
    status, out, _ = run_etl(capsys, "db", "upgrade", "--db", url)
    assert status == 0, out
    assert "stamping it at revision 0001" in out and f"now at revision {m.HEAD}" in out
    assert m.revision_of(url) == m.HEAD
    after = m.dump(url)
    made = {name: after.pop(name) for name in set(after) - set(rows)}  # by later revisions
    assert set(schema.ACCOUNT_TABLES) <= set(made)
    assert all(table_rows == [] for table_rows in made.values())
    # 0004's column: the areas rows as they were, each with no value in it
    assert [r[:-1] for r in after["areas"]] == rows["areas"]
    assert {r[-1] for r in after.pop("areas")} == {None}
    rows.pop("areas")
    assert after == rows
    pd.testing.assert_frame_equal(m.figures(url), figures)
    check_readable(Database(url))  # served now
    status, out, _ = run_etl(capsys, "db", "upgrade", "--db", url)
    assert (status, out) == (0, f"the database is at revision {m.HEAD} already: nothing to do")


def test_an_upgrade_through_a_new_revision_keeps_every_row_and_figure(
    pre_migration, use_revisions, capsys
):
    url = pre_migration
    assert run_etl(capsys, "db", "upgrade", "--db", url)[0] == 0  # to the program's revision
    rows, figures = m.dump(url), m.figures(url)
    use_revisions(m.GOOD_NEXT)
    assert f"behind this program's {m.NEXT}" in refusal(url)
    status, out, _ = run_etl(capsys, "db", "upgrade", "--db", url)
    assert status == 0, out
    assert f"upgraded the database from revision {m.HEAD} to {m.NEXT}" in out
    assert m.revision_of(url) == m.NEXT
    columns = [c[0] for c in m.shape(url)["areas"][0]]
    assert columns[-1] == "nickname"
    after = m.dump(url)
    assert [r[:-1] for r in after.pop("areas")] == rows.pop("areas")
    assert after == rows
    pd.testing.assert_frame_equal(m.figures(url), figures)
    check_readable(Database(url))


# --- a failing revision ---------------------------------------------------------------------------


def test_a_revision_that_fails_midway_leaves_the_database_as_it_was(
    pre_migration, use_revisions, capsys
):
    url = pre_migration
    rows, shape = m.dump(url), m.shape(url)
    use_revisions(m.FAILING_NEXT)
    status, _out, err = run_etl(capsys, "db", "upgrade", "--db", url)
    assert status == 2
    assert "the upgrade failed and was rolled back" in err
    assert f"test revision {m.NEXT} fails midway" in err
    assert m.revision_of(url) is None  # the stamp at 0001 was rolled back with the rest
    assert m.shape(url) == shape  # no nickname column, no sum_extra table
    assert m.dump(url) == rows  # names, summaries: every row as it was
    assert UPGRADE in refusal(url)


def test_a_failed_upgrade_of_a_stamped_database_stays_at_its_revision_and_is_refused(
    sqlite_url, use_revisions, capsys
):
    m.build_data(sqlite_url)
    rows = m.dump(sqlite_url)
    use_revisions(m.FAILING_NEXT)
    status, _out, err = run_etl(capsys, "db", "upgrade", "--db", sqlite_url)
    assert status == 2 and f"still at revision {m.HEAD}" in err
    assert m.revision_of(sqlite_url) == m.HEAD
    assert m.dump(sqlite_url) == rows
    assert refusal(sqlite_url) == (
        f"the database is at schema revision {m.HEAD}, behind this program's {m.NEXT}: "
        f"run `{UPGRADE}`"
    )
    app = create_app(DashboardSettings(database_url=sqlite_url, warm_cache=False))
    health = app.server.test_client().get("/healthz")
    assert health.status_code == 503
    assert UPGRADE in health.get_json()["reason"]


# --- the dashboard and the ETL refuse a database at another revision ----------------------------


def test_the_dashboard_serves_a_database_once_it_is_upgraded_without_a_restart(
    sqlite_url, use_revisions, capsys
):
    m.build_data(sqlite_url)
    use_revisions(m.GOOD_NEXT)
    client = create_app(DashboardSettings(database_url=sqlite_url, warm_cache=False)).server
    health = client.test_client().get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["reason"].endswith(f"behind this program's {m.NEXT}: run `{UPGRADE}`")
    assert run_etl(capsys, "db", "upgrade", "--db", sqlite_url)[0] == 0
    health = client.test_client().get("/healthz")
    assert health.status_code == 200, health.get_json()


def test_a_database_of_a_newer_program_is_refused_and_not_upgraded(sqlite_url, capsys):
    m.build_data(sqlite_url)
    engine = create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    assert "9999, which this program does not know" in refusal(sqlite_url)
    status, _out, err = run_etl(capsys, "db", "upgrade", "--db", sqlite_url)
    assert status == 2 and "upgrade the program, not the database" in err
    status, _out, err = run_etl(capsys, "db", "rebuild-summaries", "--db", sqlite_url)
    assert status == 2 and "does not know" in err
    assert m.revision_of(sqlite_url) == "9999"


def test_a_load_refuses_a_database_made_before_migrations(sqlite_url, capsys):
    m.build_data(sqlite_url)
    m.make_pre_migration(sqlite_url)
    with pytest.raises(SchemaRevisionError, match=UPGRADE):
        init_db(writer_engine(sqlite_url))


def test_an_upgrade_waits_for_a_load_in_progress(sqlite_url, capsys, monkeypatch):
    from etl.lock import load_lock

    m.build_data(sqlite_url)
    monkeypatch.setattr(db_commands, "WAIT_SECONDS", 0.2)
    engine = writer_engine(sqlite_url)
    with load_lock(engine):
        status, _out, err = run_etl(capsys, "db", "upgrade", "--db", sqlite_url)
    engine.dispose()
    assert status == 2 and "a load is in progress" in err


# --- rebuilding the summary tables ----------------------------------------------------------------


def test_rebuild_summaries_rebuilds_every_summary_from_the_data(sqlite_url, capsys):
    m.build_data(sqlite_url)
    rows, figures = m.dump(sqlite_url), m.figures(sqlite_url)
    engine = create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM sum_reach"))
        conn.execute(text("UPDATE sum_endings SET completed = 0"))
        conn.execute(text("INSERT INTO sum_families VALUES ('E06000009', '2017-18', 99)"))
    engine.dispose()
    assert m.dump(sqlite_url)["sum_reach"] == []
    status, out, _ = run_etl(capsys, "db", "rebuild-summaries", "--db", sqlite_url)
    assert status == 0
    assert out == (
        "rebuilt the summary tables of 2 area(s) from their current data: E08000021, E08000037"
    )
    after = m.dump(sqlite_url)
    for name in schema.SUMMARY_TABLES:
        assert after[name] == rows[name], name
    # logged: a new data version, so the dashboard's caches are remade
    assert [r[6] for r in after["etl_load_log"]] == ["summaries rebuilt"]
    pd.testing.assert_frame_equal(m.figures(sqlite_url), figures)


def test_rebuild_summaries_refuses_a_database_behind_the_code(sqlite_url, capsys):
    m.build_data(sqlite_url)
    m.make_pre_migration(sqlite_url)
    status, _out, err = run_etl(capsys, "db", "rebuild-summaries", "--db", sqlite_url)
    assert status == 2 and UPGRADE in err


def test_db_commands_on_a_missing_database_say_so(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'none.db'}"
    for action in ("current", "rebuild-summaries"):
        status, _out, err = run_etl(capsys, "db", action, "--db", url)
        assert status == 2 and "does not exist" in err
    assert not (tmp_path / "none.db").exists()
