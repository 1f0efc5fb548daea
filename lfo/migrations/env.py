"""Alembic's environment: run by ``lfo.migrations`` (``python -m etl db upgrade``), never by the
``alembic`` command. ``lfo.migrations`` hands in an open connection inside its own transaction, so
the whole upgrade commits or rolls back as one (on SQLite too: see ``lfo.migrations``)."""

from __future__ import annotations

from alembic import context

from lfo import schema


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("migrations run through lfo.migrations (python -m etl db upgrade)")
    context.configure(
        connection=connection,
        target_metadata=schema.metadata,
        render_as_batch=True,  # ALTER on SQLite: copy the table, inside the transaction
        transactional_ddl=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
