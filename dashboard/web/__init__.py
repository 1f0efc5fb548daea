"""The web layer: what every request and answer of the dashboard's Flask server goes through,
whatever page, file, callback or API endpoint it is for (service.md § 3).

``register_web(app, services, script_hashes)`` (called last by ``create_app``) installs, in order:

1. ``logs``: a request id for each request (``X-Request-ID``), on every log line written while it
   is answered, and one access line after it;
2. ``errors``: ``/api/`` addresses that are no endpoint answer a JSON 404; HTTP errors under
   ``/api/`` and for callbacks are JSON;
3. ``limits``: body size limits (1 MB a callback, 50 MB any request) and callback bodies that Dash
   can read (JSON, at most 64 levels deep, a callback's shape);
4. ``headers``: the security headers on every answer (Flask-Talisman: a Content-Security-Policy
   with inline scripts allowed by hash only, ``frame-ancestors 'none'``, ``nosniff``,
   ``Referrer-Policy``, HSTS when ``LFO_BASE_URL`` is https);
5. ``health``: ``/healthz``.

``devserver`` is the request handler of ``python -m dashboard`` (no version in ``Server``).

Sign-in, sessions, the Origin/CSRF checks and rate limits (issue 12) belong here too, as a module
of their own registered between 1 and 3 (so that a refused request is logged with its id and
answered with the same headers and JSON errors).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import flask

from dashboard.services import Services
from dashboard.web.errors import register_errors
from dashboard.web.headers import register_headers
from dashboard.web.health import register_health
from dashboard.web.limits import register_limits
from dashboard.web.logs import register_request_ids


def register_web(
    server: flask.Flask,
    services: Services,
    script_hashes: Iterable[str],
    callbacks: Mapping[str, Mapping[str, Any]],
) -> None:
    """Install the web layer on ``server``; ``script_hashes``: the CSP hashes of every inline
    script the pages carry; ``callbacks``: Dash's callback map (``Dash.callback_map``)."""
    settings = services.settings
    register_request_ids(server, trust_header=settings.trusted_proxies > 0)
    register_errors(server)
    register_limits(server, callbacks)
    register_headers(server, script_hashes, https=settings.https)
    register_health(server, services)
