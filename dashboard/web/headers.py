"""The security headers on every answer (service.md § 3), set by Flask-Talisman.

- ``Content-Security-Policy``: everything from this site only; scripts only from this site's files
  and the inline scripts whose SHA-256 is listed (Dash's own, from ``Dash.csp_hashes``, and the
  project's, hashed by ``script_hash``), never ``unsafe-inline`` or ``unsafe-eval`` for scripts;
  inline styles are allowed (Plotly sets ``style`` attributes as it draws); images also from
  ``data:`` and ``blob:`` (Bootstrap's CSS draws its icons from ``data:`` SVG, and Plotly's own
  "download plot as PNG" paints through them); ``frame-ancestors 'none'`` (no page may frame
  this one), ``form-action`` (but for the single sign-on provider's origin), ``base-uri`` and ``object-src``
  closed.
- ``X-Frame-Options: DENY`` for browsers that predate ``frame-ancestors``,
  ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin``.
- ``Strict-Transport-Security`` (one year, sub-domains) when ``LFO_BASE_URL`` is https.

Talisman's ``force_https`` is off: TLS ends at the reverse proxy in front, and the service listens
on loopback over plain http behind it; a redirect would loop. Its HSTS is replaced by ours because
Talisman sends HSTS only when the request it sees is https (or claims to be), while the spec ties it
to ``LFO_BASE_URL``.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable

import flask
from flask_talisman import Talisman

#: One year, as Talisman and the HSTS preload list use.
HSTS = "max-age=31536000; includeSubDomains"


def script_hash(source: str) -> str:
    """The CSP source expression that allows one inline script, by the SHA-256 of its text."""
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def content_security_policy(
    script_hashes: Iterable[str], form_targets: Iterable[str] = ()
) -> dict[str, str]:
    """The policy, directive by directive, allowing the inline scripts with these hashes;
    ``form_targets``: other origins a form may lead to (the single sign-on provider, whose page a
    form's redirect opens: ``form-action`` covers redirects)."""
    scripts = " ".join(["'self'", *dict.fromkeys(script_hashes)])
    return {
        "default-src": "'self'",
        "script-src": scripts,
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data: blob:",
        "font-src": "'self' data:",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": " ".join(["'self'", *dict.fromkeys(form_targets)]),
        "frame-ancestors": "'none'",
    }


def register_headers(
    server: flask.Flask,
    script_hashes: Iterable[str],
    https: bool,
    form_targets: Iterable[str] = (),
) -> Talisman:
    """Set the headers on every answer of ``server`` (pages, files, callbacks, API, errors)."""
    talisman = Talisman(
        server,
        force_https=False,
        frame_options="DENY",
        strict_transport_security=False,
        content_security_policy=content_security_policy(script_hashes, form_targets),
        referrer_policy="same-origin",
        session_cookie_secure=https,
        session_cookie_http_only=True,
        x_content_type_options=True,
    )
    if https:

        @server.after_request
        def _hsts(response: flask.Response) -> flask.Response:
            response.headers["Strict-Transport-Security"] = HSTS
            return response

    return talisman
