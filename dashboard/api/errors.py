"""The API's errors: JSON ``{"error": {"parameter", "message"}}`` with an HTTP status, never a
stack trace."""

from __future__ import annotations

import flask


class ApiError(Exception):
    """A request the API answers with an error: 400 for a bad parameter, 404 for an unknown area,
    indicator or endpoint, 405 for a method other than GET, 503 when the database cannot be read."""

    def __init__(self, status: int, parameter: str | None, message: str) -> None:
        super().__init__(message)
        self.status, self.parameter, self.message = status, parameter, message


def error_response(exc: ApiError) -> flask.Response:
    body = {"error": {"parameter": exc.parameter, "message": exc.message}}
    return flask.make_response(flask.jsonify(body), exc.status)
