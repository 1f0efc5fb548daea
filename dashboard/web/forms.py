"""State-changing requests (docs/spec/service.md § 3): the same-origin check and the forms' CSRF
token, and the server-rendered pages' HTML (the sign-in pages, the role switcher).

- **Origin**: the ``Origin`` header (else the ``Referer``'s origin) must equal ``LFO_BASE_URL``'s
  origin (without ``LFO_BASE_URL``, as in development, the origin the request was sent to); a
  request that sends neither is refused. Checked for every form POST, and for every Dash
  callback that comes with a session.
- **CSRF token**: every form carries ``csrf``, an HMAC (``Accounts.sign``) of the form cookie
  ``lfo_form`` (a random value set when a form is first shown: the pre-session) and the session
  cookie (if any), so a token works only with the cookies it was made for.

The pages use the site's own CSS and no script at all (the Content-Security-Policy holds).
"""

from __future__ import annotations

import hmac
from html import escape
from urllib.parse import urlsplit

import flask
from werkzeug.exceptions import Forbidden
from werkzeug.wrappers import Response

from dashboard.settings import DashboardSettings
from dashboard.web.accounts import Accounts
from dashboard.web.principal import SESSION_COOKIE
from lfo.access.secrets import new_token

FORM_COOKIE = "lfo_form"
CSRF_FIELD = "csrf"
DEFAULT_PORTS = {"http": "80", "https": "443"}
STYLESHEETS = ("bootstrap.min.css", "site/app.css")
#: ``server.extensions`` key of the function that makes the strip under the header (the demo
#: banner, or who is signed in with the sign-out buttons: ``dashboard.web.local``).
BANNER = "lfo_banner"


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of ``url``, lower case, without the scheme's default port."""
    parts = urlsplit(url.strip())
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    port = parts.port
    shown = "" if port is None or str(port) == DEFAULT_PORTS[parts.scheme] else f":{port}"
    return f"{parts.scheme}://{parts.hostname.lower()}{shown}"


def expected_origin(settings: DashboardSettings) -> str | None:
    return origin_of(settings.base_url or flask.request.host_url)


def origin_problem(settings: DashboardSettings) -> str | None:
    """Why the request is not same-origin (None: it is)."""
    request = flask.request
    sent = request.headers.get("Origin") or request.headers.get("Referer")
    if not sent:
        return "the request sent neither Origin nor Referer"
    if origin_of(sent) != expected_origin(settings):
        return "the request came from another site"
    return None


def csrf_token(accounts: Accounts) -> str:
    """The token for the forms of this request's page (the form cookie is set by
    ``remember_form_cookie`` if it is new)."""
    request = flask.request
    cookie = request.cookies.get(FORM_COOKIE) or flask.g.get("lfo_new_form_cookie")
    if not cookie:
        cookie = new_token(24)
        flask.g.lfo_new_form_cookie = cookie
    return accounts.sign("csrf", cookie, request.cookies.get(SESSION_COOKIE, ""))


def remember_form_cookie(response: Response, https: bool) -> Response:
    new = flask.g.pop("lfo_new_form_cookie", None)
    if new:
        response.set_cookie(FORM_COOKIE, new, httponly=True, samesite="Lax", secure=https, path="/")
    return response


def check_form(settings: DashboardSettings, accounts: Accounts) -> None:
    """Raise Forbidden unless the POST is same-origin and carries its CSRF token."""
    problem = origin_problem(settings)
    if problem is not None:
        raise Forbidden(f"Refused: {problem}.")
    request = flask.request
    cookie = request.cookies.get(FORM_COOKIE, "")
    sent = request.form.get(CSRF_FIELD, "")
    wanted = accounts.sign("csrf", cookie, request.cookies.get(SESSION_COOKIE, ""))
    if not cookie or not hmac.compare_digest(sent, wanted):
        raise Forbidden("Refused: the form has expired. Go back, reload the page and try again.")


def hidden_csrf(accounts: Accounts) -> str:
    return f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(csrf_token(accounts))}">'


def page(
    title: str, body: str, service_name: str, *, status: int = 200, head: str = ""
) -> Response:
    """A whole server-rendered page: the site's header, the demo banner or who is signed in (as
    on the Dash pages: ``BANNER``), ``body`` (HTML, already escaped) in the main landmark, and
    the site's CSS; ``head``: more for the head (HTML: a refresh, a script file of this site)."""
    banner = flask.current_app.extensions.get(BANNER) if flask.has_app_context() else None
    strip = banner() if banner is not None else ""
    links = "".join(f'<link rel="stylesheet" href="/assets/{name}">' for name in STYLESHEETS)
    name = escape(service_name)
    html = f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} - {name}</title>{links}{head}</head>
<body><div class="lfo-page">
<a class="lfo-skip-link" href="#main">Skip to main content</a>
<header class="lfo-header"><div class="container">\
<a class="lfo-header__service" href="/">{name}</a>\
<span class="lfo-header__org">Department for Work and Pensions</span></div></header>
{strip}
<main id="main" tabindex="-1" class="container lfo-main"><h1>{escape(title)}</h1>
{body}
</main></div></body></html>"""
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def server_page(
    settings: DashboardSettings, title: str, body: str, *, status: int = 200, head: str = ""
) -> Response:
    """``page`` for a server page with forms: the form cookie their CSRF tokens were made for is
    set on the answer if it is new."""
    response = page(title, body, settings.service_name, status=status, head=head)
    return remember_form_cookie(response, settings.https)


def scroll_box(label: str, table_html: str) -> str:
    """A table in a region a keyboard can focus and scroll, named ``label`` (its caption), so a
    table wider than a phone's screen (or at 200% zoom) scrolls in its box, not the page."""
    return (
        f'<div class="table-responsive" tabindex="0" role="region" aria-label="{escape(label)}">'
        f"{table_html}</div>"
    )


def recovery_codes(codes: list[str], then: str, label: str) -> str:
    """The recovery codes, shown once (the page is ``no-store``), and a button to go on to
    ``then`` (a path of this site)."""
    items = "".join(f"<li><code>{escape(c)}</code></li>" for c in codes)
    return f"""<h2 class="h4">Your recovery codes</h2>
<p>Each works once, instead of a code from your app. Keep them somewhere safe now: they are not
shown again.</p><ul class="lfo-recovery-codes">{items}</ul>
<p><a class="btn btn-primary" href="{escape(then)}">{escape(label)}</a></p>"""


def message(text: str | None, *, kind: str = "danger") -> str:
    """A message above a form (an alert announced to screen readers), or nothing."""
    if not text:
        return ""
    return f'<div class="alert alert-{kind}" role="alert">{escape(text)}</div>'
