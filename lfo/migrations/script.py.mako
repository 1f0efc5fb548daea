"""${message}

Revision ${up_revision}, after ${down_revision | comma,n}; made ${create_date}.
Every schema change is a revision (docs/architecture.md § Migrations): write ``upgrade`` so that it
works on SQLite (``op.batch_alter_table``) and PostgreSQL, and test it (tests/test_migrations.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
${imports if imports else ""}

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
