"""An area leaving the programme (issue 12, service.md § 1, ``etl areas --retire``): the nullable
``areas.retired_at``. A new column with no value, so no existing row or figure changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("areas", sa.Column("retired_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("areas") as batch:
        batch.drop_column("retired_at")
