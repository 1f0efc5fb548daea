"""Database engines: the reader is read-only and safe to share between threads."""

import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from lfo.db import DatabaseError, init_db, reader_engine, writer_engine


@pytest.fixture
def url(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    init_db(writer_engine(url))
    return url


def test_reader_cannot_write(url):
    with reader_engine(url).connect() as conn, pytest.raises(OperationalError):
        conn.execute(text("DELETE FROM areas"))


def test_reader_refuses_a_missing_file(tmp_path):
    with pytest.raises(DatabaseError, match="does not exist"):
        reader_engine(f"sqlite:///{tmp_path / 'missing.db'}")


def test_reader_serves_many_threads_at_once(url):
    engine = reader_engine(url)
    errors, counts = [], []

    def read():
        try:
            for _ in range(40):
                with engine.connect() as conn:
                    counts.append(conn.execute(text("SELECT count(*) FROM areas")).scalar())
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert counts == [12] * 320


def test_writer_uses_wal_so_readers_read_during_a_load(url):
    with writer_engine(url).connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_the_writer_has_the_loader_storage_settings(tmp_path):
    from lfo.db import writer_engine

    engine = writer_engine(f"sqlite:///{tmp_path / 'w.db'}")
    try:
        with engine.connect() as conn:
            got = {
                p: conn.exec_driver_sql(f"PRAGMA {p}").scalar()
                for p in (
                    "journal_mode",
                    "synchronous",
                    "cache_size",
                    "wal_autocheckpoint",
                    "foreign_keys",
                )
            }
    finally:
        engine.dispose()
    assert got == {
        "journal_mode": "wal",
        "synchronous": 1,
        "cache_size": -524288,
        "wal_autocheckpoint": 50000,
        "foreign_keys": 1,
    }
