"""Releases: their ids and the list of them (service.md § 7). Publishing is ``lfo.release_publish``;
a release's frozen file is ``lfo.release_snapshot``.

An id is the release's quarter, then ``-r<N>`` from the second time that quarter is published:
``2018-19_Q4`` is revision 1, ``2018-19_Q4-r2`` revision 2. Releases sort by quarter, then
revision; ``latest`` is the one published most recently.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from lfo.periods import Quarter, parse_period
from lfo.schema_releases import releases

LATEST = "latest"
_ID = re.compile(r"^(\d{4}-\d{2}_Q[1-4])(?:-r([1-9]\d{0,3}))?$")
#: Longest release id a request may send (``2018-19_Q4-r9999``).
MAX_ID_LENGTH = 16


def release_id(quarter: str, revision: int) -> str:
    """The id of ``quarter``'s ``revision``-th release."""
    return quarter if revision == 1 else f"{quarter}-r{revision}"


def parse_id(text: str) -> tuple[str, int]:
    """(quarter, revision) of a release id; ValueError saying what an id looks like."""
    m = _ID.match(text.strip()) if len(text) <= MAX_ID_LENGTH else None
    if m is None or m.group(2) == "1":
        raise ValueError(
            f"{text[:MAX_ID_LENGTH]!r} is not a release id: a release is named by its quarter, "
            "e.g. 2018-19_Q4, and 2018-19_Q4-r2 for the second release of that quarter"
        )
    quarter = parse_period(m.group(1))
    if not isinstance(quarter, Quarter):  # pragma: no cover - the pattern allows quarters only
        raise ValueError(f"{text!r} does not name a quarter")
    return quarter.label, int(m.group(2) or 1)


@dataclass(frozen=True)
class Release:
    """A published release as listed (without its stored files)."""

    release_id: str
    quarter: str
    revision: int
    published_at: dt.datetime
    published_by: str
    note: str
    data_as_at: dt.datetime | None
    definitions_version: str
    api_version: str
    threshold: int
    returns: tuple[dict[str, Any], ...]
    missing: tuple[dict[str, Any], ...]
    snapshot_sha256: str
    snapshot_bytes: int
    stored_bytes: int
    bulk_sha256: str
    bulk_bytes: int
    seconds: int

    @property
    def sort_key(self) -> tuple[str, int]:
        return (self.quarter, self.revision)


_LISTED = (
    releases.c.release_id,
    releases.c.quarter,
    releases.c.revision,
    releases.c.published_at,
    releases.c.published_by_name,
    releases.c.note,
    releases.c.data_as_at,
    releases.c.definitions_version,
    releases.c.api_version,
    releases.c.threshold,
    releases.c.returns,
    releases.c.missing,
    releases.c.snapshot_sha256,
    releases.c.snapshot_bytes,
    func.length(releases.c.snapshot).label("stored_bytes"),
    releases.c.bulk_sha256,
    func.length(releases.c.bulk).label("bulk_bytes"),
    releases.c.seconds,
)


def _release(row: Any) -> Release:
    m = row._mapping
    return Release(
        release_id=m["release_id"],
        quarter=m["quarter"],
        revision=m["revision"],
        published_at=m["published_at"],
        published_by=m["published_by_name"],
        note=m["note"],
        data_as_at=m["data_as_at"],
        definitions_version=m["definitions_version"],
        api_version=m["api_version"],
        threshold=m["threshold"],
        returns=tuple(json.loads(m["returns"])),
        missing=tuple(json.loads(m["missing"])),
        snapshot_sha256=m["snapshot_sha256"],
        snapshot_bytes=m["snapshot_bytes"],
        stored_bytes=int(m["stored_bytes"] or 0),
        bulk_sha256=m["bulk_sha256"],
        bulk_bytes=int(m["bulk_bytes"] or 0),
        seconds=m["seconds"],
    )


def list_releases(conn: Connection) -> list[Release]:
    """Every release, by quarter then revision (oldest first)."""
    rows = conn.execute(select(*_LISTED).order_by(releases.c.quarter, releases.c.revision)).all()
    return [_release(r) for r in rows]


def latest(conn: Connection) -> Release | None:
    """The release published most recently (None before the first)."""
    row = conn.execute(
        select(*_LISTED)
        .order_by(releases.c.published_at.desc(), releases.c.release_id.desc())
        .limit(1)
    ).first()
    return None if row is None else _release(row)


def get(conn: Connection, rid: str) -> Release | None:
    """The release called ``rid`` (None when there is none)."""
    row = conn.execute(select(*_LISTED).where(releases.c.release_id == rid)).first()
    return None if row is None else _release(row)


#: A release's id and publishing time: what names one row for good (a row is never edited), read
#: without its stored files. SQLite keeps a row's values in column order, and reaching any column
#: after ``snapshot`` (its SHA-256, sizes, ``seconds``) walks every page of the stored file: about
#: 50 ms a read for a national release (docs/benchmarks.md). These columns come before it.
Key = tuple[str, dt.datetime]
_KEY = (releases.c.release_id, releases.c.published_at)


def listed_keys(conn: Connection) -> list[Key]:
    """Every release's key, in ``list_releases``' order."""
    rows = conn.execute(select(*_KEY).order_by(releases.c.quarter, releases.c.revision)).all()
    return [(str(r), at) for r, at in rows]


def latest_key(conn: Connection) -> Key | None:
    """The key of ``latest``."""
    row = conn.execute(
        select(*_KEY)
        .order_by(releases.c.published_at.desc(), releases.c.release_id.desc())
        .limit(1)
    ).first()
    return None if row is None else (str(row[0]), row[1])


def key_of(conn: Connection, rid: str) -> Key | None:
    """The key of the release called ``rid`` (None when there is none)."""
    row = conn.execute(select(*_KEY).where(releases.c.release_id == rid)).first()
    return None if row is None else (str(row[0]), row[1])


def snapshot_bytes(conn: Connection, rid: str) -> bytes:
    """A release's stored (compressed) file."""
    return bytes(
        conn.execute(select(releases.c.snapshot).where(releases.c.release_id == rid)).scalar_one()
    )


def bulk_bytes(conn: Connection, rid: str) -> bytes:
    """A release's bulk download (the zip)."""
    return bytes(
        conn.execute(select(releases.c.bulk).where(releases.c.release_id == rid)).scalar_one()
    )


def previous(conn: Connection, before: dt.datetime | None = None) -> Release | None:
    """The release published most recently before ``before`` (None: the latest of all)."""
    q = select(*_LISTED).order_by(releases.c.published_at.desc(), releases.c.release_id.desc())
    if before is not None:
        q = q.where(releases.c.published_at < before)
    row = conn.execute(q.limit(1)).first()
    return None if row is None else _release(row)
