"""The background jobs (issue 13 § 3; ``lfo.jobs``, the worker ``python -m etl worker``): a table of
``lfo.schema``'s metadata, kept here like ``lfo.schema_access``. Import it from ``lfo.schema``.

One row a job: what to do (``kind`` and its JSON ``payload``), where it is (``state``), who runs it
(``worker``, ``host:pid``) and how recently it said so (``heartbeat_at``: a running job whose
heartbeat is older than the lease is claimed again), and how it ended (``result`` JSON, or a
one-line ``error``). Times are naive UTC.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Table, Text

from lfo.schema_access import _one_of
from lfo.schema_base import metadata

JOB_STATES = ("queued", "running", "done", "failed")

jobs = Table(
    "jobs",
    metadata,
    Column("job_id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(40), nullable=False),
    Column("payload", Text, nullable=False),  # JSON
    Column("state", String(8), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),  # claims so far
    Column("max_attempts", Integer, nullable=False, default=3),
    # a second enqueue with the same key returns the first job (a double-click on submit)
    Column("dedupe_key", String(200), unique=True),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", Integer, ForeignKey("users.user_id")),  # null: the command line
    Column("started_at", DateTime),
    Column("heartbeat_at", DateTime),
    Column("finished_at", DateTime),
    Column("worker", String(200)),  # host:pid of the worker holding or last holding it
    Column("progress", Text),  # a short line for the status page
    Column("result", Text),  # JSON, when done
    Column("error", Text),  # one line, when failed
    _one_of("state", JOB_STATES, "ck_jobs_state"),
    Index("ix_jobs_state_created", "state", "created_at"),
)

JOB_TABLES = ("jobs",)
