"""Releases (issue 14; service.md § 7): a table of ``lfo.schema``'s metadata, kept here like
``lfo.schema_submissions``. Import it from ``lfo.schema``.

``releases``: one row a published release. Its figures are frozen in ``snapshot``: a SQLite file
(gzip-compressed) holding the engine's inputs as they were at publishing, cut at the release's
quarter, with the release's own disclosure plan and its revisions against the release before
(``lfo.release_snapshot``); the indicator engine answers a release from that file, so a later
load, rollback or change of threshold cannot alter it. ``bulk`` is the release's bulk download
(a zip, ``lfo.release_bulk``), made once at publishing. ``returns`` and ``missing`` are JSON: the
returns the figures came from, and the areas whose returns did not cover the quarter. Times are
naive UTC.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from lfo.schema_base import metadata

releases = Table(
    "releases",
    metadata,
    Column("release_id", String(24), primary_key=True),  # 2018-19_Q4, 2018-19_Q4-r2
    Column("quarter", String(10), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("published_at", DateTime, nullable=False),
    Column("published_by", Integer, ForeignKey("users.user_id")),  # null: command line, local
    Column("published_by_name", Text, nullable=False),  # as shown: a name, "command line (…)"
    Column("note", Text, nullable=False),
    Column("data_as_at", DateTime),
    Column("definitions_version", String(8), nullable=False),
    Column("api_version", String(8), nullable=False),
    Column("threshold", Integer, nullable=False),
    Column("returns", Text, nullable=False),  # JSON (module docstring)
    Column("missing", Text, nullable=False),  # JSON
    Column("snapshot", LargeBinary, nullable=False),
    Column("snapshot_sha256", String(64), nullable=False),  # of the uncompressed file
    Column("snapshot_bytes", Integer, nullable=False),  # uncompressed
    Column("bulk", LargeBinary, nullable=False),
    Column("bulk_sha256", String(64), nullable=False),
    Column("seconds", Integer, nullable=False),  # how long publishing took
    UniqueConstraint("quarter", "revision", name="uq_releases_quarter_revision"),
)

RELEASE_TABLES = ("releases",)
