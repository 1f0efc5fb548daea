"""The dashboard's database handle: a read-only engine, opened lazily and shared by every request
of one app.

Nothing here runs at import time or in ``create_app``: the engine is opened on the first request
that needs it, and opened again later if that failed (the database may appear after start-up).
Opening it checks the database's schema revision (``lfo.db.check_revision``): a database behind
this program's revision, or made before migrations, is refused with a ``SchemaRevisionError``
naming the command to run (``python -m etl db upgrade``), so nothing is read from a schema the
code does not expect; once upgraded, the next request opens it.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from lfo.db import DatabaseError, check_revision, reader_engine

log = logging.getLogger(__name__)

#: The errors a read can raise that mean "the data cannot be shown now" (shown as a message).
READ_ERRORS = (DatabaseError, SQLAlchemyError, OSError)


class Database:
    """The dashboard's database: read-only, opened lazily, shared by every request of one app."""

    def __init__(self, url: str, *, check: bool = True) -> None:
        self.url = url
        self.check = check  # False: a release's file (its tables as published, no revision)
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        """The read-only engine; raises DatabaseError if the database cannot be opened."""
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    engine = reader_engine(self.url)
                    try:
                        with engine.connect() as conn:
                            if self.check:
                                check_revision(conn)
                    except BaseException:
                        engine.dispose()
                        raise
                    self._engine = engine
                    log.info("opened the database read-only")
        return self._engine

    def dispose(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None
