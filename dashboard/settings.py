"""Dashboard settings from environment variables, read once into a frozen dataclass.

| variable | default | meaning |
|---|---|---|
| ``LFO_DATABASE_URL`` | ``sqlite:///data/lfo.db`` | the database (opened read-only) |
| ``LFO_SUPPRESSION_THRESHOLD`` | ``10`` | counts below this are suppressed |
| ``LFO_SERVICE_NAME`` | ``Local Family Offer monitoring`` | the name in the header and titles |
| ``LFO_WARM_CACHE`` | ``1`` | ``1``: each server process makes every indicator's results ahead, at \
start and after each load (``0``: only when asked) |
| ``LFO_CACHE_DIR`` | a private folder in the temp folder | where a server's processes share the \
results they make (0700, this user's); ``off``: not shared |
| ``LFO_VERSION_CHECK_MS`` | ``1000`` | a request within this many milliseconds of a server \
process's last read of the data version answers from the figures that process holds for it without \
reading it again (a load is seen up to that much later); ``0``: read on every request (the \
dataclass default: tests and local mode see a load at once) |
| ``LFO_CACHE_ROWS`` | ``6000000`` | rows of indicator results each server process keeps per data \
version (least recently used dropped beyond it): a national version's results made ahead are about \
4.8 million rows, 1.2 GB (docs/operations.md); a process that drops them makes them again |
| ``LFO_REDIS_URL`` | (none) | several web hosts: ``redis://:password@host:6379/0`` (or ``rediss://``, \
``unix://``); the hosts share indicator results and rate limits through it (``LFO_CACHE_DIR`` is then \
not used). Not set: one host, as before |
| ``LFO_BASE_URL`` | (none) | the address users see, ``https://…`` in production: with https, every \
answer carries ``Strict-Transport-Security`` and cookies are ``Secure`` |
| ``LFO_TRUSTED_PROXIES`` | ``0`` | how many proxies in front of the service set ``X-Forwarded-*`` \
and ``X-Request-ID``; only when it is 1 or more, and only for requests that come from the proxy, are \
they believed (``dashboard.web.proxy``: Werkzeug's ProxyFix) |
| ``LFO_PROXY_ADDRESSES`` | (none) | where the trusted proxy connects from, beside a unix socket \
(always trusted): IP addresses or networks, comma-separated, such as ``127.0.0.1`` |
| ``LFO_COMPRESS`` | ``1`` | ``1``: the app gzips text answers itself; ``0``: it leaves that to the \
proxy in front (nginx: deploy/nginx/lfo.conf), so nothing is compressed twice |
| ``LFO_LOG_FORMAT`` | ``plain`` | ``plain``: one readable line per record; ``json``: one JSON \
object per line (for a log collector) |
| ``LFO_PUBLIC`` | ``0`` | ``1``: anonymous visitors may see what the public may (published \
figures, exports, releases, the API) without signing in |
| ``LFO_LOCAL_TOKEN`` | (random) | ``python -m dashboard --no-sign-in``: the token every request \
needs (``?token=…`` once, then a cookie; ``Authorization: Bearer …`` for API clients) |
| ``LFO_API_RATE_LIMIT`` | ``600/minute`` | requests under ``/api/`` per API token (or user, or \
client address for anonymous use under ``LFO_PUBLIC``); over it, 429 (``dashboard.web.rates``) |
| ``LFO_IMAGE_RATE_LIMIT`` | ``30/minute`` | chart PNG and SVG downloads per user (or client \
address) |
| ``LFO_SECRETS_KEY_FILE`` | ``data/lfo-secrets.key`` | the key that encrypts TOTP secrets and \
signs the sign-in forms' tokens (``lfo.settings``) |
| ``LFO_OIDC_ISSUER``, ``LFO_OIDC_CLIENT_ID``, ``LFO_OIDC_CLIENT_SECRET`` | (none) | single sign-on by OpenID Connect (``dashboard.web.oidc``): the provider's issuer URL and this service's client; all three set, or none |
| ``LFO_OIDC_NAME`` | ``your organisation`` | the name on the button "Sign in with …" |
| ``LFO_CHROMIUM`` | ``/usr/bin/chromium`` | the headless Chromium that prints the area profile's PDF |
| ``LFO_PDF_TIMEOUT`` | ``30`` | seconds a profile PDF may take before Chromium is stopped (503) |

Modes (docs/security.md, "The web layer"): ``sign_in`` True (``from_env``, gunicorn): every
request acts for the person its session cookie or API token names, or for nobody. ``sign_in``
False (the dataclass default, so tests' apps, the demo and ``--no-sign-in``): every request acts
for the local user, a programme lead unless the role switcher chose another role; ``demo`` adds
the banner and needs no token; ``local_token`` (``--no-sign-in``) is then required of every
request.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lfo.settings import DEFAULT_DATABASE_URL, positive_int

DEFAULT_SERVICE_NAME = "Local Family Offer monitoring"
CHROMIUM = "/usr/bin/chromium"
#: ``LFO_CACHE_ROWS``'s default: a national version's results made ahead (4.8 million rows) fit.
DEFAULT_CACHE_ROWS = 6_000_000
#: ``LFO_VERSION_CHECK_MS``'s default for served processes: a page's callbacks, fired together,
#: share one read of the data version; a load is seen within a second of its commit.
VERSION_CHECK_MS = 1000
LOG_FORMATS = ("plain", "json")
#: One rate in Flask-Limiter's notation: ``600/minute``, ``10 per second``, ``100/5 minutes``.
_RATE = re.compile(r"\d+\s*(/|per)\s*(\d+\s*)?(second|minute|hour|day)s?", re.IGNORECASE)


@dataclass(frozen=True)
class DashboardSettings:
    database_url: str = DEFAULT_DATABASE_URL
    suppression_threshold: int = 10
    service_name: str = DEFAULT_SERVICE_NAME
    warm_cache: bool = True
    #: LFO_RESULTS_MAKER=1: ``python -m dashboard make-results`` makes each data version's
    #: results and the web processes read them (``dashboard.services.results_maker``)
    results_maker: bool = False
    cache_dir: str = ""  # "" the default folder, "off" no sharing between processes
    cache_rows: int = DEFAULT_CACHE_ROWS  # LFO_CACHE_ROWS: results' rows kept per data version
    version_check_ms: int = 0  # LFO_VERSION_CHECK_MS: served, VERSION_CHECK_MS
    base_url: str = ""  # "" not set (development); else http(s)://host[:port][/path]
    trusted_proxies: int = 0
    proxy_addresses: tuple[str, ...] = ()  # LFO_PROXY_ADDRESSES: networks, as ipaddress writes them
    compress: bool = True  # LFO_COMPRESS
    log_format: str = "plain"
    sign_in: bool = False  # False: local mode (no sign-in); from_env: True
    public: bool = False  # LFO_PUBLIC=1
    local_token: str = ""  # local mode: "" no token needed, else every request needs it
    demo: bool = False  # local mode on the demo database: the banner, no token
    secrets_key_file: str = "data/lfo-secrets.key"
    api_rate_limit: str = "600/minute"  # LFO_API_RATE_LIMIT
    image_rate_limit: str = "30/minute"  # LFO_IMAGE_RATE_LIMIT
    oidc_issuer: str = ""  # single sign-on (dashboard.web.oidc): all three set, or none
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_name: str = "your organisation"
    redis_url: str = ""  # LFO_REDIS_URL: "" one host; else results and rate limits in Redis
    #: the area profile's PDF (``dashboard.print_pdf``): Chromium, and seconds a render may take
    chromium: str = field(default_factory=lambda: os.environ.get("LFO_CHROMIUM") or CHROMIUM)
    pdf_timeout: int = 30

    @property
    def sso(self) -> bool:
        """Whether single sign-on is configured (issuer, client id and secret all set)."""
        return bool(self.oidc_issuer and self.oidc_client_id and self.oidc_client_secret)

    @property
    def https(self) -> bool:
        """Whether users reach the service over https (``LFO_BASE_URL`` starts with https://)."""
        return self.base_url.startswith("https://")

    @property
    def origin(self) -> str:
        """``scheme://host[:port]`` of ``LFO_BASE_URL`` ("" when not set): what the Origin (or
        Referer) of every state-changing request must be."""
        if not self.base_url:
            return ""
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}".lower()

    @classmethod
    def from_env(cls, **overrides: object) -> DashboardSettings:
        """Read the environment; keyword overrides (not None) win, e.g. ``database_url`` from --db."""
        env = os.environ
        values: dict[str, object] = {
            "database_url": env.get("LFO_DATABASE_URL") or DEFAULT_DATABASE_URL,
            "suppression_threshold": positive_int(
                "LFO_SUPPRESSION_THRESHOLD", env.get("LFO_SUPPRESSION_THRESHOLD") or "10"
            ),
            "service_name": env.get("LFO_SERVICE_NAME") or DEFAULT_SERVICE_NAME,
            "warm_cache": _flag("LFO_WARM_CACHE", env.get("LFO_WARM_CACHE") or "1"),
            "results_maker": _flag("LFO_RESULTS_MAKER", env.get("LFO_RESULTS_MAKER") or "0"),
            "cache_dir": env.get("LFO_CACHE_DIR") or "",
            "cache_rows": positive_int(
                "LFO_CACHE_ROWS", env.get("LFO_CACHE_ROWS") or str(DEFAULT_CACHE_ROWS)
            ),
            "version_check_ms": non_negative_int(
                "LFO_VERSION_CHECK_MS", env.get("LFO_VERSION_CHECK_MS") or str(VERSION_CHECK_MS)
            ),
            "base_url": base_url(env.get("LFO_BASE_URL") or ""),
            "trusted_proxies": non_negative_int(
                "LFO_TRUSTED_PROXIES", env.get("LFO_TRUSTED_PROXIES") or "0"
            ),
            "proxy_addresses": proxy_networks(env.get("LFO_PROXY_ADDRESSES") or ""),
            "compress": _flag("LFO_COMPRESS", env.get("LFO_COMPRESS") or "1"),
            "log_format": log_format(env.get("LFO_LOG_FORMAT") or "plain"),
            "sign_in": True,
            "public": _flag("LFO_PUBLIC", env.get("LFO_PUBLIC") or "0"),
            "local_token": (env.get("LFO_LOCAL_TOKEN") or "").strip(),
            "secrets_key_file": env.get("LFO_SECRETS_KEY_FILE") or "data/lfo-secrets.key",
            "api_rate_limit": rate_limit(
                "LFO_API_RATE_LIMIT", env.get("LFO_API_RATE_LIMIT") or "600/minute"
            ),
            "image_rate_limit": rate_limit(
                "LFO_IMAGE_RATE_LIMIT", env.get("LFO_IMAGE_RATE_LIMIT") or "30/minute"
            ),
            "oidc_issuer": (env.get("LFO_OIDC_ISSUER") or "").strip().rstrip("/"),
            "oidc_client_id": (env.get("LFO_OIDC_CLIENT_ID") or "").strip(),
            "oidc_client_secret": (env.get("LFO_OIDC_CLIENT_SECRET") or "").strip(),
            "oidc_name": (env.get("LFO_OIDC_NAME") or "").strip() or "your organisation",
            "redis_url": redis_url(env.get("LFO_REDIS_URL") or ""),
            "chromium": (env.get("LFO_CHROMIUM") or "").strip() or CHROMIUM,
            "pdf_timeout": positive_int("LFO_PDF_TIMEOUT", env.get("LFO_PDF_TIMEOUT") or "30"),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


def _flag(name: str, value: str) -> bool:
    text = value.strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be 1 or 0 (or true/false, yes/no, on/off), not {value!r}")


def rate_limit(name: str, value: str) -> str:
    """``value`` checked: a rate such as ``600/minute`` (Flask-Limiter's notation)."""
    if not _RATE.fullmatch(value.strip()):
        raise ValueError(f"{name} must be a rate such as 600/minute or 10/second, not {value!r}")
    return value.strip()


def base_url(value: str) -> str:
    """``LFO_BASE_URL`` checked: empty, or an http(s) address with a host and nothing after the
    path (no query, no fragment, no user name); returned without a trailing slash."""
    text = value.strip()
    if not text:
        return ""
    parts = urlsplit(text)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or "@" in parts.netloc
    ):
        raise ValueError(
            f"LFO_BASE_URL must be the address users see, such as https://lfo.example.gov.uk, "
            f"not {value!r}"
        )
    return text.rstrip("/")


def redis_url(value: str) -> str:
    """``LFO_REDIS_URL`` checked: empty, or a ``redis://``, ``rediss://`` or ``unix://`` address
    (the message never repeats the value: it may hold the password)."""
    text = value.strip()
    if text and (urlsplit(text).scheme not in ("redis", "rediss", "unix") or text.endswith("://")):
        raise ValueError(
            "LFO_REDIS_URL must be a Redis address such as redis://:password@10.0.0.5:6379/0 "
            "(or rediss:// with TLS, unix:///run/redis/redis.sock), or not set for one host"
        )
    return text


def non_negative_int(name: str, value: str) -> int:
    text = value.strip()
    if not text.isdigit():
        raise ValueError(f"{name} must be a whole number, 0 or more, not {value!r}")
    return int(text)


def proxy_networks(value: str) -> tuple[str, ...]:
    """``LFO_PROXY_ADDRESSES`` checked: IP addresses or networks, comma-separated ("" none)."""
    found = []
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        try:
            found.append(str(ipaddress.ip_network(part, strict=False)))
        except ValueError:
            raise ValueError(
                "LFO_PROXY_ADDRESSES must be the proxy's IP addresses or networks, comma-"
                f"separated (such as 10.0.0.5,10.0.1.0/24), not {value!r}"
            ) from None
    return tuple(found)


def log_format(value: str) -> str:
    text = value.strip().lower()
    if text not in LOG_FORMATS:
        raise ValueError(f"LFO_LOG_FORMAT must be plain or json, not {value!r}")
    return text
