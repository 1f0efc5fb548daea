"""Errors as JSON where a program reads the answer: every answer under ``/api/`` (service.md § 3)
and every refused callback (``/_dash-update-component``); pages keep Flask's plain HTML error
pages (which name no software or version).

Without this, an unknown ``/api/…`` address reached Dash's catch-all page route and answered 200
with the HTML page, and a 405 or 413 there was an HTML page.
"""

from __future__ import annotations

import flask
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from dashboard.api.errors import http_error_response
from dashboard.web.limits import CALLBACK_PATH

API_PREFIX = "/api/"
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
    """Send ``/api/`` addresses that are no endpoint to a JSON 404, and answer HTTP errors at
    JSON addresses as JSON."""

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
