"""Releases (issue 14): the ``releases`` table. A new table only, so no existing row changes.
Written out here, not read from ``lfo.schema``, so that it stays what it was when ``lfo.schema``
moves on.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "releases",
        sa.Column("release_id", sa.String(length=24), nullable=False),
        sa.Column("quarter", sa.String(length=10), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("published_by", sa.Integer(), nullable=True),
        sa.Column("published_by_name", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("data_as_at", sa.DateTime(), nullable=True),
        sa.Column("definitions_version", sa.String(length=8), nullable=False),
        sa.Column("api_version", sa.String(length=8), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("returns", sa.Text(), nullable=False),
        sa.Column("missing", sa.Text(), nullable=False),
        sa.Column("snapshot", sa.LargeBinary(), nullable=False),
        sa.Column("snapshot_sha256", sa.String(length=64), nullable=False),
        sa.Column("snapshot_bytes", sa.Integer(), nullable=False),
        sa.Column("bulk", sa.LargeBinary(), nullable=False),
        sa.Column("bulk_sha256", sa.String(length=64), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["published_by"], ["users.user_id"]),
        sa.PrimaryKeyConstraint("release_id"),
        sa.UniqueConstraint("quarter", "revision", name="uq_releases_quarter_revision"),
    )


def downgrade() -> None:
    op.drop_table("releases")
