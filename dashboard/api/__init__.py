"""The read-only data API, ``/api/v1/``, on the dashboard's own Flask server.

Every figure comes from the indicator engine with the same disclosure control as the screens, so
the API can never show what the screen hides. Errors are JSON ``{"error": {"parameter",
"message"}}``: 400 for a bad parameter, 404 for an unknown area, indicator or endpoint, 405 for a
method other than GET, 413 for a body over the limit, 503 when the database cannot be read; never
a stack trace (``dashboard.web.errors`` answers the ones that come before a route is reached).

Modules: ``routes`` (``register_api``: the endpoints), ``params`` (``parse_data_query``: the query
parameters of ``/data``), ``serialise`` (records, CSV and JSON), ``schema`` (the OpenAPI document),
``errors`` (``ApiError`` and its JSON answer).
"""

from __future__ import annotations

from dashboard.api.routes import register_api

__all__ = ["register_api"]
