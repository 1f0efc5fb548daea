"""validate: every check against the database opened read-only; nothing written."""

from __future__ import annotations

import sqlite3

import pytest
from support.dumps import db_file, dump_tables
from support.returns import valid_tables, write_return

from etl.load.loader import load_files
from etl.load.result import LoadError
from etl.load.validate import validate_files


def _snapshot(settings):
    folder = db_file(settings).parent
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_validate_without_a_database_creates_nothing(tmp_path, lfo_settings):
    good = write_return(tmp_path / "in")
    tables = valid_tables()
    tables["participants"][0]["referral_date"] = "2017-13-01"
    bad = write_return(tmp_path / "in", tables, period="2017-18_Q4")
    results = validate_files([good, bad], lfo_settings)
    assert [r.outcome for r in results] == ["valid", "invalid"]
    assert list(results[1].findings["code"]) == ["E202"]
    assert results[0].sha256 and results[0].size_bytes == good.stat().st_size
    assert not db_file(lfo_settings).exists()
    assert not db_file(lfo_settings).parent.exists()
    assert not lfo_settings.archive_dir.exists()
    assert not lfo_settings.id_key_file.exists()


def test_validate_knows_the_programme_areas_without_a_database(tmp_path, lfo_settings):
    [r] = validate_files([write_return(tmp_path / "in", area="E09999999")], lfo_settings)
    assert r.outcome == "invalid"
    assert list(r.findings["code"]) == ["E103"]


def test_validate_reports_stale_and_shrunk_returns_and_writes_nothing(tmp_path, lfo_settings):
    load_files([write_return(tmp_path / "a", period="2017-18_Q4")], lfo_settings)
    before_files = _snapshot(lfo_settings)
    before = dump_tables(db_file(lfo_settings), etl=True)
    archived = sorted(lfo_settings.archive_dir.iterdir())
    tables = valid_tables()
    tables["participants"] = tables["participants"][:2]
    tables["interventions"] = [r for r in tables["interventions"] if r["participant_id"] != "P003"]
    tables["outcomes"] = [r for r in tables["outcomes"] if r["participant_id"] != "P003"]
    [r] = validate_files([write_return(tmp_path / "b", tables, period="2017-18_Q3")], lfo_settings)
    assert r.outcome == "invalid"
    assert sorted(r.findings["code"]) == ["E108", "E109"]
    assert dump_tables(db_file(lfo_settings), etl=True) == before
    assert _snapshot(lfo_settings) == before_files
    assert sorted(lfo_settings.archive_dir.iterdir()) == archived


def test_validate_says_when_a_file_is_already_loaded(tmp_path, lfo_settings):
    f = write_return(tmp_path / "a")
    load_files([f], lfo_settings)
    [r] = validate_files([f], lfo_settings)
    assert r.outcome == "valid"
    assert "already loaded" in r.message


def test_validate_without_the_key_file_cannot_match_current_participants(tmp_path, lfo_settings):
    load_files([write_return(tmp_path / "a")], lfo_settings)
    lfo_settings.id_key_file.unlink()
    [r] = validate_files([write_return(tmp_path / "b", period="2017-18_Q4")], lfo_settings)
    assert list(r.findings["code"]) == ["E109"]
    assert "key file" in r.message
    assert not lfo_settings.id_key_file.exists()


def test_validate_runs_while_a_load_holds_the_lock(tmp_path, lfo_settings):
    load_files([write_return(tmp_path / "a")], lfo_settings)
    from etl.lock import load_lock
    from lfo.db import writer_engine

    engine = writer_engine(lfo_settings.database_url)
    with load_lock(engine):
        [r] = validate_files([write_return(tmp_path / "b", period="2017-18_Q4")], lfo_settings)
    engine.dispose()
    assert r.outcome == "valid"


def test_validate_of_a_database_that_is_not_one_is_a_load_error(tmp_path, lfo_settings):
    path = db_file(lfo_settings)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not a database, just some text" * 100)
    with pytest.raises(LoadError):
        validate_files([write_return(tmp_path / "a")], lfo_settings)
    with pytest.raises(LoadError):
        load_files([write_return(tmp_path / "a")], lfo_settings)
    assert path.read_bytes().startswith(b"this is not")
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(path).execute("SELECT 1 FROM sqlite_master").fetchall()


def test_a_database_server_that_cannot_be_used_is_a_load_error(tmp_path, lfo_settings):
    unreachable = type(lfo_settings)(
        database_url="postgresql://lfo@127.0.0.1:1/lfo",
        archive_dir=lfo_settings.archive_dir,
        id_key_file=lfo_settings.id_key_file,
    )
    f = write_return(tmp_path / "a")
    with pytest.raises(LoadError, match="database"):
        validate_files([f], unreachable)
    with pytest.raises(LoadError, match="database"):
        load_files([f], unreachable)
