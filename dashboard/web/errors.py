"""Errors as JSON where a program reads the answer: every answer under ``/api/`` (service.md § 3)
and every refused callback (``/_dash-update-component``); pages keep Flask's plain HTML error
pages (which name no software or version).

The database unavailable (PostgreSQL restarting or stopped, a connection it ended mid-request:
``dashboard.api.errors.database_unavailable``) is a 503 with ``Retry-After`` everywhere: JSON
for callbacks, as the API's own handler answers, and for pages the plain HTML error page saying to
try again; the next request after the database is back is answered as usual (the engines check a
pooled connection before use: ``lfo.db``). Any other database error is still a 500. A figure that
must wait for a new data version's disclosure plan (``version_cache.BeingMade``: minutes at
national scale) is a 503 too, with ``Retry-After: 30``, instead of holding a worker that long.

Without this, an unknown ``/api/…`` address reached Dash's catch-all page route and answered 200
with the HTML page, and a 405 or 413 there was an HTML page.
"""

from __future__ import annotations

import logging

import flask
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, ServiceUnavailable
from werkzeug.wrappers import Response

from dashboard.api.errors import (
    BEING_MADE_RETRY_AFTER,
    RETRY_AFTER,
    being_made_response,
    database_unavailable,
    http_error_response,
    unavailable_response,
)
from dashboard.services.version_cache import BeingMade
from dashboard.web.limits import CALLBACK_PATH

log = logging.getLogger(__name__)

API_PREFIX = "/api/"
#: What a page says while the database is unavailable.
UNAVAILABLE_PAGE = (
    "The database is unavailable just now, perhaps restarting. Nothing is lost: try again in a "
    "few seconds."
)
#: The blueprint that holds every API endpoint (``dashboard.api.routes``).
API_BLUEPRINT = "api_v1"


def is_api(path: str) -> bool:
    return path == API_PREFIX.rstrip("/") or path.startswith(API_PREFIX)


def reads_json(path: str) -> bool:
    """Whether errors at ``path`` are answered as JSON."""
    return is_api(path) or path == CALLBACK_PATH


def _is_api_endpoint(server: flask.Flask, path: str) -> bool:
    """Whether a GET of ``path`` would reach an API endpoint (not Dash's catch-all page)."""
    try:
        endpoint, _ = server.url_map.bind("").match(path, method="GET")
    except HTTPException:
        return False
    return str(endpoint).startswith(API_BLUEPRINT + ".")


def register_errors(server: flask.Flask) -> None:
    """Send ``/api/`` addresses that are no endpoint to a JSON 404, answer HTTP errors at
    JSON addresses as JSON, and the database unavailable as a 503."""

    @server.before_request
    def _only_api_endpoints_under_api() -> None:
        request = flask.request
        if not is_api(request.path):
            return
        routing = request.routing_exception
        if routing is None and request.blueprint != API_BLUEPRINT:
            raise NotFound()
        if isinstance(routing, MethodNotAllowed) and not _is_api_endpoint(server, request.path):
            raise NotFound()

    @server.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> HTTPException | flask.Response:
        if reads_json(flask.request.path):
            return http_error_response(exc)
        return exc

    @server.errorhandler(BeingMade)
    def _being_made(exc: BeingMade) -> Response:
        # a figure the previous version never made, while the new version's plan is made
        if reads_json(flask.request.path):
            return being_made_response(str(exc))
        retry = int(BEING_MADE_RETRY_AFTER)
        return ServiceUnavailable(str(exc), retry_after=retry).get_response()

    @server.errorhandler(DBAPIError)
    def _database_error(exc: DBAPIError) -> Response:
        if not database_unavailable(exc):
            raise exc  # a programming error: Flask's 500, logged with its traceback
        log.warning("the database is unavailable: %s", exc)
        if reads_json(flask.request.path):
            return unavailable_response()
        return ServiceUnavailable(UNAVAILABLE_PAGE, retry_after=int(RETRY_AFTER)).get_response()
