"""The API's errors: JSON ``{"error": {"parameter", "message"}}`` with an HTTP status, never a
stack trace, for every answer under ``/api/`` that is not a success (service.md § 3): a bad
parameter (400), an unknown endpoint, area or indicator (404), a method other than GET (405), a
request too large (413), a release published under other indicator definitions than the
server's (409: ``dashboard.services.releases.DefinitionsChanged``), the database unreadable
(503).

``database_unavailable`` is the one test of "the database is not there just now" (PostgreSQL
restarting or stopped, a connection it ended, SQLite locked): the whole server answers those with
a 503 and ``Retry-After`` (``unavailable_response`` here, and an HTML page in
``dashboard.web.errors``); any other database error (a programming error) stays a 500."""

from __future__ import annotations

import flask
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

#: What the API says for the HTTP errors that come from routing and limits, not from a parameter.
MESSAGES = {
    404: "no such endpoint: see /api/v1/openapi.json",
    405: "this API is read-only: use GET",
    413: "the request is too large: at most 1 MB for a dashboard callback, 50 MB for any request",
}


#: What a request is told while the database is unavailable, and how many seconds to wait.
UNAVAILABLE = "the database is unavailable just now (it may be restarting): try again shortly"
RETRY_AFTER = "5"


class ApiError(Exception):
    """A request the API answers with an error: 400 for a bad parameter, 404 for an unknown area,
    indicator or endpoint, 405 for a method other than GET, 503 when the database cannot be read."""

    def __init__(self, status: int, parameter: str | None, message: str) -> None:
        super().__init__(message)
        self.status, self.parameter, self.message = status, parameter, message


def error_response(exc: ApiError) -> flask.Response:
    body = {"error": {"parameter": exc.parameter, "message": exc.message}}
    return flask.make_response(flask.jsonify(body), exc.status)


class SaidNotFound(NotFound):
    """A 404 whose description says what is missing (an unknown release): shown as it is."""


def http_error_response(exc: HTTPException) -> flask.Response:
    """An HTTP error (from routing, a size limit or a refused body) as the API's JSON error."""
    status = exc.code or 500
    said = exc.description if isinstance(exc, SaidNotFound) else None
    message = said or MESSAGES.get(status) or exc.description or exc.name
    parameter = getattr(exc, "parameter", None)  # a refused release (409) names ``release``
    response = error_response(ApiError(status, parameter, message))
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database cannot be reached now, not that a query is wrong: a
    connection SQLAlchemy found dead, or the DB-API's OperationalError / InterfaceError (the
    server stopped, restarting, refusing connections; a lost connection; SQLite locked). A
    ProgrammingError, IntegrityError or DataError is a fault of the program: not this."""
    if not isinstance(exc, DBAPIError):
        return False
    return exc.connection_invalidated or isinstance(exc, (OperationalError, InterfaceError))


#: Seconds a request is told to wait while a new data version's figures are made.
BEING_MADE_RETRY_AFTER = "30"


def being_made_response(message: str) -> flask.Response:
    """The JSON 503 for figures being made after a load (``version_cache.BeingMade``)."""
    response = error_response(ApiError(503, None, message))
    response.headers["Retry-After"] = BEING_MADE_RETRY_AFTER
    return response


def unavailable_response() -> flask.Response:
    """The JSON 503 for a request the database could not answer, with ``Retry-After``."""
    response = error_response(ApiError(503, None, UNAVAILABLE))
    response.headers["Retry-After"] = RETRY_AFTER
    return response
