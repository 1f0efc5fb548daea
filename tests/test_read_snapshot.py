"""A request's reads see one committed state, even when a load commits between them."""

from __future__ import annotations

from sqlalchemy import insert, select

from lfo import schema
from lfo.db import init_db, reader_engine, writer_engine
from lfo.indicators.queries import snapshot

AREA = dict(
    gss_code="E99990001",
    name="Synthetic area 001",
    region="London",
    families=1000,
    annual_target=10,
    source="synthetic",
)


def _count_areas(conn) -> int:
    return len(conn.execute(select(schema.areas.c.gss_code)).all())


def test_reads_after_snapshot_do_not_see_a_commit_made_meanwhile(tmp_path):
    url = f"sqlite:///{tmp_path / 'lfo.db'}"
    writer = writer_engine(url)
    init_db(writer)
    reader = reader_engine(url)
    try:
        with reader.connect() as conn:
            snapshot(conn)
            before = _count_areas(conn)
            with writer.begin() as w:
                w.execute(insert(schema.areas).values(**AREA))
            assert _count_areas(conn) == before
        with reader.connect() as conn:
            assert _count_areas(conn) == before + 1
    finally:
        reader.dispose()
        writer.dispose()


def test_without_snapshot_each_read_sees_the_latest_commit(tmp_path):
    """The behaviour snapshot() exists to prevent (so the test above can fail)."""
    url = f"sqlite:///{tmp_path / 'lfo.db'}"
    writer = writer_engine(url)
    init_db(writer)
    reader = reader_engine(url)
    try:
        with reader.connect() as conn:
            before = _count_areas(conn)
            with writer.begin() as w:
                w.execute(insert(schema.areas).values(**AREA))
            assert _count_areas(conn) == before + 1
    finally:
        reader.dispose()
        writer.dispose()
