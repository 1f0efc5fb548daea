"""The dashboard reads a release's row (its list entry) once a process: at national scale the
whole row walks its stored file's pages (about 50 ms a read, docs/benchmarks.md), and a request
naming a release looked it up on every request. The keys (id, publishing time) are still read
each time, so a newer release is seen at once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import event, update

from dashboard.services.database import Database
from dashboard.services.releases import ReleaseStore
from lfo.db import init_db, writer_engine
from lfo.schema_releases import releases

T0 = dt.datetime(2026, 1, 5, 9, 30)


def _row(quarter: str, at: dt.datetime) -> dict[str, object]:
    return {
        "release_id": quarter,
        "quarter": quarter,
        "revision": 1,
        "published_at": at,
        "published_by_name": "command line (test)",
        "note": "first",
        "definitions_version": "2",
        "api_version": "v1",
        "threshold": 10,
        "returns": "[]",
        "missing": "[]",
        "snapshot": b"\0" * 200_000,  # many pages, as a release's file has
        "snapshot_sha256": "a" * 64,
        "snapshot_bytes": 1,
        "bulk": b"zip",
        "bulk_sha256": "b" * 64,
        "seconds": 3,
    }


def test_a_releases_row_is_read_once_and_a_newer_release_is_seen_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lfo.db'}"
    writer = writer_engine(url)
    init_db(writer)
    with writer.begin() as conn:
        conn.execute(releases.insert().values(**_row("2018-19_Q3", T0)))
    store = ReleaseStore(Database(url), tmp_path / "cache")
    whole_rows: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if "snapshot_sha256" in statement:  # a column stored after the file
            whole_rows.append(statement)

    event.listen(store.db.engine, "before_cursor_execute", seen)
    first = store.get("2018-19_Q3")
    assert first is not None and first.note == "first"
    for _ in range(3):
        assert store.get("2018-19_Q3") == first
        assert store.latest() == first
        assert store.all() == [first]
    assert store.get("2018-19_Q4") is None
    assert len(whole_rows) == 1

    with writer.begin() as conn:
        conn.execute(releases.insert().values(**_row("2018-19_Q4", T0 + dt.timedelta(days=1))))
        # a row is never edited; were it, the store would keep what it read
        conn.execute(update(releases).where(releases.c.release_id == "2018-19_Q3").values(note="x"))
    newer = store.latest()
    assert newer is not None and newer.release_id == "2018-19_Q4"
    assert [r.release_id for r in store.all()] == ["2018-19_Q3", "2018-19_Q4"]
    assert store.get("2018-19_Q3") == first
    assert len(whole_rows) == 2
    writer.dispose()
