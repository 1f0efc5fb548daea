"""The ``status`` command's logic: one row per LA from the database, read-only."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, select
from support.returns import write_return

from etl.load.loader import load_files
from etl.status import STATUS_COLUMNS, area_status
from lfo import schema
from lfo.db import DatabaseError, init_db, reader_engine, writer_engine
from lfo.settings import Settings


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'lfo.db'}",
        archive_dir=tmp_path / "archive",
        id_key_file=tmp_path / "key",
    )


def status_of(settings: Settings):
    engine = reader_engine(settings.database_url)
    try:
        return area_status(engine).set_index("area_code")
    finally:
        engine.dispose()


def test_status_lists_every_area_with_zero_counts_before_any_load(settings):
    engine = writer_engine(settings.database_url)
    init_db(engine)
    engine.dispose()
    status = status_of(settings)
    assert list(status.reset_index().columns) == STATUS_COLUMNS
    assert len(status) == 12
    assert status["period"].isna().all()
    assert (
        (status[["participants", "episodes", "outcomes", "held_back", "errors", "warnings"]] == 0)
        .all()
        .all()
    )
    assert list(status.index) == sorted(status.index)


def test_status_shows_the_current_return_and_its_rows(settings, tmp_path):
    files = [
        write_return(tmp_path / "in", area="E08000021", period="2017-18_Q3"),
        write_return(tmp_path / "in", area="E09000008", period="2017-18_Q2", fmt="xlsx"),
    ]
    results = load_files(files, settings)
    assert [r.outcome for r in results] == ["loaded", "loaded"]
    status = status_of(settings)
    newcastle = status.loc["E08000021"]
    assert newcastle["name"] == "Newcastle upon Tyne"
    assert newcastle["period"] == "2017-18_Q3"
    assert (newcastle["participants"], newcastle["episodes"], newcastle["outcomes"]) == (3, 4, 6)
    assert newcastle["last_attempt"].startswith("2017-18_Q3 loaded")
    assert status.loc["E09000008", "period"] == "2017-18_Q2"
    assert status.loc["E08000037", "participants"] == 0


def test_a_later_rejected_attempt_shows_beside_the_current_data(settings, tmp_path):
    load_files([write_return(tmp_path / "a", period="2017-18_Q3")], settings)
    stale = load_files([write_return(tmp_path / "b", period="2017-18_Q2")], settings)
    assert stale[0].outcome == "rejected"
    row = status_of(settings).loc["E08000021"]
    assert row["period"] == "2017-18_Q3" and row["participants"] == 3
    assert row["last_attempt"].startswith("2017-18_Q2 rejected")
    assert row["errors"] == 0  # findings of the current return only, not of the rejected file


def test_findings_are_counted_by_severity_for_the_current_return_only(settings, tmp_path):
    load_files([write_return(tmp_path / "a")], settings)
    engine = writer_engine(settings.database_url)
    with engine.begin() as conn:
        load_id = conn.execute(select(schema.returns.c.load_id)).scalar_one()
        rows = [
            dict(load_id=load_id, area_code="E08000021", code=code, severity=sev, message="m")
            for code, sev in (
                ("W305", "warning"),
                ("W305", "warning"),
                ("W304", "warning"),
                ("E203", "error"),
            )
        ]
        conn.execute(insert(schema.etl_findings), rows)
        old = conn.execute(
            insert(schema.etl_load_log).values(
                file_name="old.zip",
                sha256="0" * 64,
                size_bytes=1,
                area_code="E08000021",
                period="2017-18_Q1",
                outcome="rejected",
                started_at=dt.datetime(2017, 1, 1, 9, 0),
            )
        ).inserted_primary_key[0]
        conn.execute(
            insert(schema.etl_findings),
            [dict(load_id=old, area_code="E08000021", code="E201", severity="error", message="m")],
        )
    engine.dispose()
    row = status_of(settings).loc["E08000021"]
    assert (row["errors"], row["warnings"]) == (1, 3)


def test_status_of_a_database_without_tables_is_a_clear_error(tmp_path):
    import sqlite3

    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    engine = reader_engine(f"sqlite:///{path}")
    with pytest.raises(DatabaseError, match="no ETL tables"):
        area_status(engine)
    engine.dispose()


def test_status_reads_without_writing(settings, tmp_path):
    load_files([write_return(tmp_path / "a")], settings)
    db = tmp_path / "lfo.db"
    before = db.read_bytes()
    status_of(settings)
    assert db.read_bytes() == before
