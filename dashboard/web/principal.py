"""Who a request acts for (docs/spec/service.md §§ 1–2), set once per request before anything
else reads it: ``current()`` is the request's ``lfo.access.roles.Principal``.

- **Sign-in mode** (``settings.sign_in``): the session cookie ``lfo_session`` (HttpOnly,
  SameSite=Lax, Secure when ``LFO_BASE_URL`` is https, path /), read through
  ``lfo.access.sessions`` on every request, so a disabled user or a changed role takes effect at
  once; or, under ``/api/`` only and for GET/HEAD only, ``Authorization: Bearer lfo_…`` (an API
  token); nothing (or anything not valid) is the anonymous visitor. A token sent anywhere else, or
  with another method, is refused (``token_refusal``), never ignored.
- **Local mode** (demo and ``--no-sign-in``; the default of ``DashboardSettings``): the local user,
  acting as the role the role switcher chose (``dashboard.web.local``), a programme lead unless
  it chose another.

Activity: a request restarts the session's idle clock, except background polling: a callback
fired only by a ``dcc.Interval`` (its inputs are all ``n_intervals``). docs/decisions.md, "Issue 12
— web layer".
"""

from __future__ import annotations

from typing import Any

import flask
import orjson
from werkzeug.wrappers import Response

from dashboard.settings import DashboardSettings
from dashboard.web.accounts import Accounts
from dashboard.web.errors import is_api
from dashboard.web.limits import CALLBACK_PATH
from lfo.access.roles import ANONYMOUS, Principal
from lfo.access.tokens import PREFIX as TOKEN_PREFIX
from lfo.access.tokens import PREFIX_SHOWN as TOKEN_PREFIX_SHOWN

SESSION_COOKIE = "lfo_session"
READ_METHODS = ("GET", "HEAD")
_KEY = "lfo_principal"
_TOKEN_KEY = "lfo_token_refused"
_PREFIX_KEY = "lfo_token_prefix"
_OWNER_KEY = "lfo_token_owner"


def current() -> Principal:
    """The principal of the request in progress (anonymous outside one, or before it is set)."""
    if not flask.has_request_context():
        return ANONYMOUS
    found = flask.g.get(_KEY)
    return found if isinstance(found, Principal) else ANONYMOUS


def set_current(who: Principal) -> None:
    setattr(flask.g, _KEY, who)


def token_refusal() -> str | None:
    """Why the request's bearer token was refused outright (None: it was not)."""
    found = flask.g.get(_TOKEN_KEY)
    return found if isinstance(found, str) else None


def token_owner() -> Principal | None:
    """The owner of a good API token refused outright (used outside ``/api/``, or to write):
    the request acts for nobody, but its refusal is audited under the owner's name."""
    found = flask.g.get(_OWNER_KEY)
    return found if isinstance(found, Principal) else None


def token_prefix() -> str | None:
    """The shown prefix of the API token the request came with (None: it came with none)."""
    found = flask.g.get(_PREFIX_KEY)
    return found if isinstance(found, str) else None


def bearer() -> str | None:
    """The token of ``Authorization: Bearer …`` (None when there is none)."""
    header = flask.request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def is_background() -> bool:
    """A callback fired only by a timer (all its inputs are ``n_intervals``): not activity."""
    request = flask.request
    if request.path != CALLBACK_PATH:
        return False
    try:
        body: Any = orjson.loads(request.get_data(cache=True))
    except orjson.JSONDecodeError:
        return False
    inputs = body.get("inputs") if isinstance(body, dict) else None
    if not isinstance(inputs, list) or not inputs:
        return False
    return all(isinstance(i, dict) and i.get("property") == "n_intervals" for i in inputs)


def set_session_cookie(response: Response, session_id: str, https: bool) -> None:
    response.set_cookie(
        SESSION_COOKIE, session_id, httponly=True, samesite="Lax", secure=https, path="/"
    )


def clear_session_cookie(response: Response, https: bool) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="Lax", secure=https)


def signed_in(accounts: Accounts) -> Principal:
    """Who the request acts for in sign-in mode (module docstring)."""
    request = flask.request
    token = bearer()
    if token is not None:
        misuse = None
        if not is_api(request.path):
            misuse = "an API token is valid only under /api/"
        elif request.method not in READ_METHODS:
            misuse = "an API token may only read (GET or HEAD)"
        if misuse is not None:
            setattr(flask.g, _TOKEN_KEY, misuse)
            if token.startswith(TOKEN_PREFIX) and len(token) <= 200:
                setattr(flask.g, _OWNER_KEY, accounts.token_owner(token))
                setattr(flask.g, _PREFIX_KEY, token[:TOKEN_PREFIX_SHOWN])
            return ANONYMOUS
        if not token.startswith(TOKEN_PREFIX):
            setattr(flask.g, _TOKEN_KEY, "not an API token")
            return ANONYMOUS
        who = accounts.token_principal(token)
        if who is None:
            setattr(flask.g, _TOKEN_KEY, "the API token is unknown, revoked or expired")
            return ANONYMOUS
        setattr(flask.g, _PREFIX_KEY, token[:TOKEN_PREFIX_SHOWN])
        return who
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id or len(session_id) > 100:
        return ANONYMOUS
    who = accounts.session_principal(session_id, activity=not is_background())
    return who if who is not None else ANONYMOUS


def register_principal(
    server: flask.Flask, settings: DashboardSettings, accounts: Accounts, local: Any
) -> None:
    """Set the request's principal before any other check (``local``: the local mode's
    ``dashboard.web.local.LocalMode``, which picks the switcher's role)."""

    @server.before_request
    def _who() -> None:
        if settings.sign_in:
            set_current(signed_in(accounts))
        else:
            set_current(local.principal())
