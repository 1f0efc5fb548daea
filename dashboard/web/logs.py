"""The dashboard's log: one line per record on stderr, plain or JSON (``LFO_LOG_FORMAT``), each
with the id of the request it was written for, and one access line per request.

- ``configure_logging(fmt)`` (called by ``dashboard.wsgi`` in each gunicorn worker and by
  ``python -m dashboard``, never by ``create_app``) puts one handler on the root logger: records of
  the project's loggers (``dashboard.*``, ``lfo.*``) from INFO, everyone else's from WARNING.
  Without it, gunicorn configures only its own loggers and every INFO line of the dashboard
  was dropped.
- ``register_request_ids(server, trust_header)``: each request gets an id, returned in the
  ``X-Request-ID`` header: the one the proxy in front sent, if there is a trusted proxy
  (``LFO_TRUSTED_PROXIES`` ≥ 1) and it is a plain token (letters, digits, ``.-_:``, at most 128),
  else a new random one. Every record logged while the request is answered carries it (``-``
  outside a request, as in the background thread that makes figures ahead). After the answer, an
  access line ``GET /path 200 12.3 ms`` (the path without its query, which may carry values
  that do not belong in a log; control characters shown as ``\\x0a``) at INFO from
  ``dashboard.web.access``.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from typing import TextIO

import flask

REQUEST_ID_HEADER = "X-Request-ID"
_TOKEN = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
#: The project's own loggers, logged from INFO (others from WARNING).
PROJECT_LOGGERS = ("dashboard", "lfo", "etl")
access_log = logging.getLogger("dashboard.web.access")


def request_id() -> str:
    """The current request's id ("-" outside a request)."""
    if not flask.has_request_context():
        return "-"
    found = flask.g.get("request_id")
    if found is None:
        found = flask.g.request_id = uuid.uuid4().hex
    return str(found)


class RequestIdFilter(logging.Filter):
    """Gives every record the ``request_id`` of the request being answered."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, request id, message, and
    the traceback of an exception, if any, as one string."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        return f"{stamp}.{int(record.msecs):03d}Z"


class _LfoHandler(logging.StreamHandler):  # type: ignore[type-arg]  # TextIO stream
    """The handler ``configure_logging`` installs (so a second call replaces it)."""


def configure_logging(fmt: str = "plain", stream: TextIO | None = None) -> logging.Handler:
    """Send the log to ``stream`` (stderr) as ``fmt`` ("plain" or "json") lines; idempotent."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _LfoHandler)]:
        root.removeHandler(old)
    handler = _LfoHandler(stream or sys.stderr)
    handler.addFilter(RequestIdFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        formatter = logging.Formatter(PLAIN_FORMAT)
        formatter.converter = time.gmtime
        handler.setFormatter(formatter)
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.WARNING:
        root.setLevel(logging.WARNING)
    for name in PROJECT_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)
    return handler


#: Addresses that carry a secret (an invitation link's token): logged without it.
SECRET_PATHS = ("/account/invitation/",)


def secret_free(path: str) -> str:
    """``path`` with the secret of an invitation link replaced by ``…``."""
    for prefix in SECRET_PATHS:
        if path.startswith(prefix) and len(path) > len(prefix):
            return prefix + "…"
    return path


def register_request_ids(server: flask.Flask, trust_header: bool) -> None:
    """Give each request its id (``X-Request-ID``) and log one access line after it."""

    @server.before_request
    def _start() -> None:
        flask.g.request_started = time.perf_counter()
        sent = flask.request.headers.get(REQUEST_ID_HEADER, "")
        if trust_header and _TOKEN.fullmatch(sent):
            flask.g.request_id = sent
        request_id()

    @server.after_request
    def _finish(response: flask.Response) -> flask.Response:
        response.headers[REQUEST_ID_HEADER] = request_id()
        started = flask.g.get("request_started")
        took = (time.perf_counter() - started) * 1000 if started else 0.0
        request = flask.request
        path = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", secret_free(request.path))
        access_log.info("%s %s %d %.1f ms", request.method, path, response.status_code, took)
        return response
