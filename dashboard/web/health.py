"""``GET /healthz``: whether this process can serve the data, for a load balancer or a service
manager to act on.

200 ``{"status": "ok", "warm": true|false}`` while the database can be read (``warm``: this process
has made every indicator ahead for the current data, see ``LFO_WARM_CACHE``); otherwise 503
``{"status": "unavailable", "warm": false, "reason": "…"}``. Unavailable when:

- the database cannot be read (any backend: for PostgreSQL, the connection or the query fails);
- its schema is not at this program's revision (the reason says to run ``python -m etl db
  upgrade``; see docs/operations.md);
- SQLite: the database file is gone, or is no longer the file the service first opened (another
  file was copied or moved into its place: its device and inode differ). An open SQLite
  connection keeps reading the file it opened even after it was deleted or replaced, so without
  this check the service went on saying "ok" while serving data nobody could back up or load
  into. Restart the service after restoring a backup into place (docs/operations.md).

While this process makes a new data version ahead (a load has just changed the data), it answers
from the previous version's figures and the body adds ``"new_data": "being made"``; ``warm`` is
false until the new version is made and shown (docs/decisions.md, "New data shown once made").
``all_made`` is true once the group benchmarks (neighbours, region) are made too, after ``warm``.

With ``LFO_REDIS_URL`` (several web hosts) the body also says ``"shared_cache": "ok"`` or
``"unavailable"`` (Redis is asked each time, with a short timeout). Redis down does not make the
process unhealthy: it still answers correctly, computing in its own process cache, so it stays 200
and keeps taking requests; the field is for monitoring to alert on. Without ``LFO_REDIS_URL`` the
field is absent.

The file's identity is taken when the app is made, or, if the file did not exist yet, at the
first health check that finds it. The reason names no path (the log does).
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import flask

from dashboard.services import Services
from dashboard.services.database import READ_ERRORS
from dashboard.services.queries import data_version
from lfo.db import SchemaRevisionError, sqlite_path

log = logging.getLogger(__name__)

MISSING = "the database file is missing"
REPLACED = "the database file has been replaced since the service started: restart the service"
UNREADABLE = "the database cannot be read"


class FileIdentity:
    """The SQLite file a service reads, as (device, inode), remembered the first time it is seen."""

    def __init__(self, path: Path | None) -> None:
        self.path = path.resolve() if path is not None else None
        self._lock = threading.Lock()
        self.identity: tuple[int, int] | None = None
        self.problem()  # remember the file now, if it is there

    def problem(self) -> str | None:
        """Why the file is not the one first seen (None if it is, or if there is no file)."""
        if self.path is None:
            return None
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            return MISSING
        except OSError:
            return UNREADABLE
        now = (info.st_dev, info.st_ino)
        with self._lock:
            if self.identity is None:
                self.identity = now
        return None if now == self.identity else REPLACED


def shared_cache(services: Services) -> dict[str, str]:
    """``{"shared_cache": "ok" | "unavailable"}`` with ``LFO_REDIS_URL``, else nothing."""
    shared = services.data.shared
    if not services.settings.redis_url or shared is None:
        return {}
    return {"shared_cache": "ok" if shared.available() else "unavailable"}


def register_health(server: flask.Flask, services: Services) -> None:
    """Attach ``/healthz`` to ``server``."""
    identity = FileIdentity(sqlite_path(services.settings.database_url))

    @server.get("/healthz")
    def healthz() -> tuple[flask.Response, int]:
        problem = identity.problem()
        version = None
        if problem is None:
            try:
                with services.db.engine.connect() as conn:
                    version = data_version(conn)
            except SchemaRevisionError as exc:  # says which command to run, names no path
                log.warning("health check: %s", exc)
                problem = str(exc)
            except READ_ERRORS as exc:
                log.warning("health check: the database cannot be read: %s", exc)
                problem = UNREADABLE
        else:
            log.warning("health check: %s (%s)", problem, identity.path)
        if problem is not None:
            body = {"status": "unavailable", "warm": False, "reason": problem}
            return flask.jsonify(body | shared_cache(services)), 503
        data = services.data
        warm = data.warmed_version == version
        body = {
            "status": "ok",
            "warm": warm,
            "all_made": warm and data.made_later_version == version,
        }
        if services.data.being_made is not None:
            body["new_data"] = "being made"
        return flask.jsonify(body | shared_cache(services)), 200
