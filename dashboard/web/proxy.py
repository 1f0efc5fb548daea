"""The one home for trusting what a reverse proxy says about a request (issue 15, docs/security.md
"Trusted proxies").

With ``LFO_TRUSTED_PROXIES`` = n ≥ 1, a request that comes from the proxy (over a unix socket, or
from an address in ``LFO_PROXY_ADDRESSES``) is passed through Werkzeug's ``ProxyFix`` with n hops
for ``X-Forwarded-For``, ``-Proto``, ``-Host`` and ``-Port``: so ``request.remote_addr`` is the
client's address (what the audit log, rate limits and sign-in throttle record), the scheme is
https (secure cookies, absolute redirects) and the host is the one the user asked for.

Every other request (no trusted proxy configured, or one that reached the service directly, not
through the proxy) has those headers and ``X-Request-ID`` removed before anything reads them, so
a forged header cannot become the client's address or the request's id. gunicorn's own reading of
``X-Forwarded-Proto`` is switched off (``secure_scheme_headers`` in deploy/gunicorn.conf.py): it
trusts any unix-socket peer, and one home is easier to reason about.

A unix socket is trusted because only the processes its file's permissions let in (nginx, by
group) can connect; any local process can connect to a loopback port, so a loopback address is
trusted only when listed in ``LFO_PROXY_ADDRESSES``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

import flask
from werkzeug.middleware.proxy_fix import ProxyFix

#: The request headers only the trusted proxy may set (as WSGI environ keys).
FORWARDED = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PREFIX",
    "HTTP_FORWARDED",
    "HTTP_X_REQUEST_ID",
)


class TrustedProxy:
    """WSGI middleware: ``ProxyFix`` for requests from the trusted proxy, and the forwarded
    headers dropped from every other request."""

    def __init__(self, app: Any, hops: int, networks: Iterable[str]) -> None:
        self.app = app
        self.hops = hops
        self.networks = tuple(ipaddress.ip_network(n) for n in networks)
        self.fixed = ProxyFix(app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)

    def trusted(self, environ: dict[str, Any]) -> bool:
        """Whether the peer is the trusted proxy: a unix socket (no address) or a listed one."""
        if self.hops <= 0:
            return False
        peer = environ.get("REMOTE_ADDR") or ""
        if not peer:
            return True
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self.trusted(environ):
            return self.fixed(environ, start_response)
        for key in FORWARDED:
            environ.pop(key, None)
        return self.app(environ, start_response)


def register_proxy(server: flask.Flask, hops: int, networks: Iterable[str]) -> None:
    """Put ``TrustedProxy`` in front of ``server``'s WSGI app (the test client goes through it
    too); ``networks``: ``LFO_PROXY_ADDRESSES`` (checked by ``dashboard.settings``)."""
    server.wsgi_app = TrustedProxy(server.wsgi_app, hops, networks)  # type: ignore[method-assign]
