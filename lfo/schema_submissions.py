"""Returns through the web and data challenges (issue 13; service.md §§ 5–6): tables of
``lfo.schema``'s metadata, kept here like ``lfo.schema_jobs``. Import them from ``lfo.schema``.

``submissions``: one row a return uploaded through the web (or a rollback asked for from the
tracker): which LA and period, the file (its canonical name, hash and size; the file itself is in
the uploads folder and the archive, never in a table), where it is (``state``), who uploaded and
submitted it and when, its check and load jobs, and the load it made. ``summary`` is JSON of
counts only (findings by sheet and code, the rows it would load, what changes against the LA's
current data): never a value of the return, which may hold personal data. The report with its
values is built from the file when asked for (return-spec.md § 5).

``challenges``: one row a published figure flagged as looking wrong: the figure as the server
computed it (indicator, area, period, filter, value), the comment, who raised it, and the answer.
Times are naive UTC.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Table, Text

from lfo.schema_access import _one_of
from lfo.schema_base import metadata

#: Where a submission is. checking → errors | valid (or check_failed); valid → submitted
#: (confirmed: a load job queued) → loaded | rejected (the loader refused it, e.g. a newer
#: return arrived meanwhile) | failed (the job could not run). A rollback starts submitted.
SUBMISSION_STATES = (
    "checking",
    "check_failed",
    "errors",
    "valid",
    "submitted",
    "loaded",
    "rejected",
    "failed",
)
SUBMISSION_KINDS = ("upload", "rollback")
#: A challenge is open until answered: accepted (a corrected return is expected), explained,
#: rejected (service.md § 6).
CHALLENGE_STATES = ("open", "accepted", "explained", "rejected")

submissions = Table(
    "submissions",
    metadata,
    Column("submission_id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(8), nullable=False),
    Column("area_code", String(9), ForeignKey("areas.gss_code"), nullable=False),
    Column("period", String(10), nullable=False),  # 2017-18_Q3, as returns.period
    Column("file_name", Text, nullable=False),  # the canonical name (return-spec § 1)
    Column("original_name", Text),  # as the uploader's computer named it (shown to them)
    Column("sha256", String(64), nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("state", String(12), nullable=False),
    Column("errors", Integer),  # null until checked
    Column("warnings", Integer),
    Column("summary", Text),  # JSON of counts only (module docstring)
    Column("message", Text),  # one line: the check's or the load's outcome, or why it failed
    Column("uploaded_by", Integer, ForeignKey("users.user_id")),  # null: the local user
    Column("uploaded_at", DateTime, nullable=False),
    Column("submitted_by", Integer, ForeignKey("users.user_id")),
    Column("submitted_at", DateTime),
    Column("check_job_id", Integer, ForeignKey("jobs.job_id")),
    Column("load_job_id", Integer, ForeignKey("jobs.job_id")),
    Column("load_id", Integer, ForeignKey("etl_load_log.load_id")),
    Column("finished_at", DateTime),  # loaded, rejected or failed
    _one_of("state", SUBMISSION_STATES, "ck_submissions_state"),
    _one_of("kind", SUBMISSION_KINDS, "ck_submissions_kind"),
    Index("ix_submissions_area_period", "area_code", "period"),
)

challenges = Table(
    "challenges",
    metadata,
    Column("challenge_id", Integer, primary_key=True, autoincrement=True),
    Column("indicator", String(60), nullable=False),
    Column("area_code", String(9), ForeignKey("areas.gss_code"), nullable=False),
    Column("period", String(20), nullable=False),  # a quarter or a financial year, as shown
    Column("filters", Text, nullable=False),  # JSON: the filter the figure was shown with
    Column("value", Text, nullable=False),  # the figure as the server showed it
    Column("comment", Text, nullable=False),
    Column("state", String(10), nullable=False),
    Column("raised_by", Integer, ForeignKey("users.user_id")),  # null: the local user
    Column("raised_at", DateTime, nullable=False),
    Column("answer", Text),
    Column("answered_by", Integer, ForeignKey("users.user_id")),
    Column("answered_at", DateTime),
    _one_of("state", CHALLENGE_STATES, "ck_challenges_state"),
    Index("ix_challenges_area_state", "area_code", "state"),
)

SUBMISSION_TABLES = ("submissions", "challenges")
