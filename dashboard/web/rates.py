"""Rate limits (docs/spec/service.md § 3), with Flask-Limiter, kept in this process's memory (one
host) or, with ``LFO_REDIS_URL``, in Redis, so that several web hosts count together:

- **the API** (``LFO_API_RATE_LIMIT``, default ``600/minute``): every request under ``/api/``,
  counted per API token (its shown prefix), else per signed-in user, else per client address
  (anonymous use under ``LFO_PUBLIC``);
- **chart image downloads** (``LFO_IMAGE_RATE_LIMIT``, default ``30/minute``): the PNG and SVG
  buttons of the chart cards (a Dash callback whose trigger is a ``chart-download-button`` with
  ``fmt`` png or svg: each is a server-side render), counted per user (the local user of demo and
  ``--no-sign-in`` is one user; anonymous visitors per client address).

Over a limit: 429 with ``Retry-After`` (seconds), as JSON under ``/api/`` and for callbacks
(``dashboard.web.errors``). Every API answer carries ``X-RateLimit-Limit``, ``-Remaining`` and
``-Reset``, written here (``limit_headers``) rather than by Flask-Limiter, whose own headers also
rewrote the ``Retry-After`` of answers it did not make (a 503 "being updated" said 60, not 30).
Sign-in is slowed per account and per address by ``lfo.access.throttle``
(``dashboard.web.signin``), not here.

The client address is ``dashboard.web.accounts.client_address`` (``LFO_TRUSTED_PROXIES``), the
one home for it. Checked after the gate, so a refused request is not counted.

Redis down: both limits count in this process's memory meanwhile (Flask-Limiter's
``in_memory_fallback_enabled``, which tries Redis again after 1, 2, 4, … 32 s; the image quota's
own ``Counter`` after ``RETRY_SECONDS``), so requests are still answered and still limited, per
process. Every Redis client has short timeouts (``redis_cache.client_options``).
"""

from __future__ import annotations

import functools
import math
import time

import flask
import limits
from flask_limiter import ApplicationLimit, Limiter
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from redis.exceptions import RedisError

from dashboard.charts.downloads import IMAGE_QUOTA
from dashboard.services import redis_cache
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


class Counter:
    """A moving-window count in the shared store (Redis), or in this process's memory while the
    store cannot be reached (tried again after ``RETRY_SECONDS``)."""

    def __init__(self, storage_uri: str) -> None:
        self.memory = MovingWindowRateLimiter(MemoryStorage())
        self.shared = None
        if storage_uri:
            options = redis_cache.client_options()
            store = storage_from_string(storage_uri, wrap_exceptions=True, **options)
            self.shared = MovingWindowRateLimiter(store)
        self._down_until = 0.0

    def hit(self, item: limits.RateLimitItem, *who: str) -> float | None:
        """Count one; None when within ``item``, else when the window resets (epoch seconds)."""
        if self.shared is not None and time.monotonic() >= self._down_until:
            try:
                if self.shared.hit(item, *who):
                    return None
                return self.shared.get_window_stats(item, *who).reset_time
            except StorageError:
                self._down_until = time.monotonic() + redis_cache.RETRY_SECONDS
        if self.memory.hit(item, *who):
            return None
        return self.memory.get_window_stats(item, *who).reset_time


def limit_headers(limiter: Limiter, response: flask.Response) -> flask.Response:
    """The API limit's headers on an answer the limiter counted, and ``Retry-After`` on its own
    429 only: a 503's ``Retry-After`` is its maker's (``dashboard.web.errors``), never replaced."""
    limit = limiter.current_limit
    if limit is None:  # not counted: not an API request
        return response
    try:
        reset, remaining = limit.reset_at, limit.remaining
    except (StorageError, RedisError):  # Redis lost since the count: the answer goes without
        return response
    response.headers["X-RateLimit-Limit"] = str(limit.limit.amount)
    response.headers["X-RateLimit-Remaining"] = str(remaining)
    response.headers["X-RateLimit-Reset"] = str(reset)
    if limit.breached:
        response.headers["Retry-After"] = str(max(1, int(reset - time.time())))  # as Flask-Limiter
    return response


def register_rates(server: flask.Flask, settings: DashboardSettings) -> Limiter:
    """Install the limits (module docstring) on ``server``; call it after the gate."""

    def key() -> str:
        return who_key(settings)

    api = settings.api_rate_limit
    limiter = Limiter(
        key,
        app=server,
        storage_uri=settings.redis_url or "memory://",
        storage_options=redis_cache.client_options() if settings.redis_url else {},
        in_memory_fallback_enabled=bool(settings.redis_url),  # Redis down: count in memory
        key_prefix="lfo",
        strategy="moving-window",
        headers_enabled=False,  # limit_headers writes them
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
    server.after_request(functools.partial(limit_headers, limiter))
    images = limits.parse(settings.image_rate_limit)
    counter = Counter(settings.redis_url)

    def image_quota() -> str | None:
        """None when one more chart image may be rendered for this requester (it is counted);
        else why not, with the wait."""
        reset = counter.hit(images, "lfo-chart-images", key())
        if reset is None:
            return None
        wait = max(1, math.ceil(reset - time.time()))
        return IMAGE_MESSAGE.format(limit=settings.image_rate_limit, wait=wait)

    server.extensions[IMAGE_QUOTA] = image_quota
    return limiter
