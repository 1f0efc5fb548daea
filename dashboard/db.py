"""Read access for the dashboard shell: a lazily opened read-only engine and small named queries.

Nothing here runs at import time or in ``create_app``: the engine is opened on the first request
that needs it, and opened again later if that failed (the database may appear after start-up).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from lfo import schema
from lfo.db import DatabaseError, reader_engine

log = logging.getLogger(__name__)

#: The errors a read can raise that mean "the data cannot be shown now" (shown as a message).
READ_ERRORS = (DatabaseError, SQLAlchemyError, OSError)

CURRENT_RETURN_COLUMNS = [
    "gss_code",
    "name",
    "region",
    "period",
    "period_end",
    "file_name",
    "loaded_at",
]


class Database:
    """The dashboard's database: read-only, opened lazily, shared by every request of one app."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        """The read-only engine; raises DatabaseError if the database cannot be opened."""
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = reader_engine(self.url)
                    log.info("opened the database read-only")
        return self._engine

    def dispose(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None


def check_readable(db: Database) -> None:
    """Raise DatabaseError with a one-line reason unless the schema can be read."""
    try:
        with db.engine.connect() as conn:
            conn.execute(select(schema.schema_info.c.key).limit(1)).all()
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).splitlines()[0]
        raise DatabaseError(f"cannot read the database: {reason}") from None


def data_as_at(db: Database) -> dt.datetime | None:
    """When the current data was last changed: the latest load time of any current return."""
    with db.engine.connect() as conn:
        value = conn.execute(select(func.max(schema.returns.c.loaded_at))).scalar()
    if value is None:
        return None
    if isinstance(value, str):  # SQLite hands back text when the column was written raw
        value = dt.datetime.fromisoformat(value)
    return value


def current_returns(db: Database) -> pd.DataFrame:
    """Every programme area with its current return (period, file, load time), or nulls if none.

    Ordered by region and area name; columns ``CURRENT_RETURN_COLUMNS``.
    """
    a, r = schema.areas, schema.returns
    query = (
        select(
            a.c.gss_code,
            a.c.name,
            a.c.region,
            r.c.period,
            r.c.period_end,
            r.c.file_name,
            r.c.loaded_at,
        )
        .select_from(a.outerjoin(r, r.c.area_code == a.c.gss_code))
        .order_by(a.c.region, a.c.name)
    )
    with db.engine.connect() as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame(rows, columns=CURRENT_RETURN_COLUMNS)
