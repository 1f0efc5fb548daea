"""The request handler of ``python -m dashboard`` (werkzeug's development server).

Werkzeug's own handler announces ``Server: Werkzeug/3.1.9 Python/3.11.7`` on every answer (and
on the error pages it writes itself), and logs its own access line for each request, without
the request id. This one says only ``Server: lfo`` and leaves the access line to the app
(``dashboard.web.logs``). Gunicorn says ``Server: gunicorn``, without a version.
"""

from __future__ import annotations

from typing import Any

from werkzeug.serving import WSGIRequestHandler

SERVER_NAME = "lfo"


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler without its version in ``Server`` or its own access lines."""

    def version_string(self) -> str:
        return SERVER_NAME

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        """No access line here: the app logs one, with the request's id."""
