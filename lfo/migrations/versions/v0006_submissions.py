"""Returns through the web and data challenges (issue 13): the ``submissions`` and ``challenges``
tables. New tables only, so no existing row changes. Written out here, not read from
``lfo.schema``, so that it stays what it was when ``lfo.schema`` moves on.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_SUBMISSION_STATES = (
    "'checking', 'check_failed', 'errors', 'valid', 'submitted', 'loaded', 'rejected', 'failed'"
)


def upgrade() -> None:
    op.create_table(
        "submissions",
        sa.Column("submission_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("area_code", sa.String(length=9), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("original_name", sa.Text(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=True),
        sa.Column("warnings", sa.Integer(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("check_job_id", sa.Integer(), nullable=True),
        sa.Column("load_job_id", sa.Integer(), nullable=True),
        sa.Column("load_id", sa.Integer(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(f"state IN ({_SUBMISSION_STATES})", name="ck_submissions_state"),
        sa.CheckConstraint("kind IN ('upload', 'rollback')", name="ck_submissions_kind"),
        sa.ForeignKeyConstraint(["area_code"], ["areas.gss_code"]),
        sa.ForeignKeyConstraint(["uploaded_by"], ["users.user_id"]),
        sa.ForeignKeyConstraint(["submitted_by"], ["users.user_id"]),
        sa.ForeignKeyConstraint(["check_job_id"], ["jobs.job_id"]),
        sa.ForeignKeyConstraint(["load_job_id"], ["jobs.job_id"]),
        sa.ForeignKeyConstraint(["load_id"], ["etl_load_log.load_id"]),
        sa.PrimaryKeyConstraint("submission_id"),
    )
    op.create_index("ix_submissions_area_period", "submissions", ["area_code", "period"])
    op.create_table(
        "challenges",
        sa.Column("challenge_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("indicator", sa.String(length=60), nullable=False),
        sa.Column("area_code", sa.String(length=9), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("filters", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("raised_by", sa.Integer(), nullable=True),
        sa.Column("raised_at", sa.DateTime(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "state IN ('open', 'accepted', 'explained', 'rejected')", name="ck_challenges_state"
        ),
        sa.ForeignKeyConstraint(["area_code"], ["areas.gss_code"]),
        sa.ForeignKeyConstraint(["raised_by"], ["users.user_id"]),
        sa.ForeignKeyConstraint(["answered_by"], ["users.user_id"]),
        sa.PrimaryKeyConstraint("challenge_id"),
    )
    op.create_index("ix_challenges_area_state", "challenges", ["area_code", "state"])


def downgrade() -> None:
    op.drop_index("ix_challenges_area_state", table_name="challenges")
    op.drop_table("challenges")
    op.drop_index("ix_submissions_area_period", table_name="submissions")
    op.drop_table("submissions")
