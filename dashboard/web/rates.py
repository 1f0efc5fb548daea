"""Rate limits (docs/spec/service.md § 3), with Flask-Limiter, kept in memory (one host; a shared
store, Redis, comes with issue 15):

- **the API** (``LFO_API_RATE_LIMIT``, default ``600/minute``): every request under ``/api/``,
  counted per API token (its shown prefix), else per signed-in user, else per client address
  (anonymous use under ``LFO_PUBLIC``);
- **chart image downloads** (``LFO_IMAGE_RATE_LIMIT``, default ``30/minute``): the PNG and SVG
  buttons of the chart cards (a Dash callback whose trigger is a ``chart-download-button`` with
  ``fmt`` png or svg: each is a server-side render), counted per user (the local user of demo and
  ``--no-sign-in`` is one user; anonymous visitors per client address).

Over a limit: 429 with ``Retry-After`` (seconds), as JSON under ``/api/`` and for callbacks
(``dashboard.web.errors``). Sign-in is slowed per account and per address by
``lfo.access.throttle`` (``dashboard.web.signin``), not here.

The client address is ``dashboard.web.accounts.client_address`` (``LFO_TRUSTED_PROXIES``), the
one home for it. Checked after the gate, so a refused request is not counted.
"""

from __future__ import annotations

import math
import time

import flask
import limits
from flask_limiter import ApplicationLimit, Limiter

from dashboard.charts.downloads import IMAGE_QUOTA
from dashboard.settings import DashboardSettings
from dashboard.web.accounts import client_address
from dashboard.web.errors import is_api
from dashboard.web.principal import current, token_prefix

API_MESSAGE = "Too many API requests: the limit is {limit}. Wait and try again."
IMAGE_MESSAGE = (
    "Too many chart image downloads: the limit is {limit}. Try again in {wait} seconds, or "
    "download the CSV or Excel file, which have no limit."
)


def who_key(settings: DashboardSettings) -> str:
    """Whom a request counts against: its API token, else its user, else its client address."""
    prefix = token_prefix()
    if prefix is not None:
        return f"token:{prefix}"
    who = current()
    if who.user_id is not None:
        return f"user:{who.user_id}"
    if who.local:
        return "local"
    return f"address:{client_address() or 'unknown'}"


def register_rates(server: flask.Flask, settings: DashboardSettings) -> Limiter:
    """Install the limits (module docstring) on ``server``; call it after the gate."""

    def key() -> str:
        return who_key(settings)

    api = settings.api_rate_limit
    limiter = Limiter(
        key,
        app=server,
        storage_uri="memory://",
        strategy="moving-window",
        headers_enabled=True,
        retry_after="delta-seconds",
        application_limits=[
            ApplicationLimit(
                api,
                key_function=key,
                scope="api",
                exempt_when=lambda: not is_api(flask.request.path),
                error_message=API_MESSAGE.format(limit=api),
            ),
        ],
    )
    images = limits.parse(settings.image_rate_limit)

    def image_quota() -> str | None:
        """None when one more chart image may be rendered for this requester (it is counted);
        else why not, with the wait."""
        who = key()
        if limiter.limiter.hit(images, "chart-images", who):
            return None
        reset, _left = limiter.limiter.get_window_stats(images, "chart-images", who)
        wait = max(1, math.ceil(reset - time.time()))
        return IMAGE_MESSAGE.format(limit=settings.image_rate_limit, wait=wait)

    server.extensions[IMAGE_QUOTA] = image_quota
    return limiter
