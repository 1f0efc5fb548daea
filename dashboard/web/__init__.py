"""The web layer: what every request and answer of the dashboard's Flask server goes through,
whatever page, file, callback or API endpoint it is for (service.md § 3).

``register_web(app, services, script_hashes)`` (called last by ``create_app``) installs, in order:

0. ``proxy``: what a trusted reverse proxy says (``X-Forwarded-*``, ``X-Request-ID``) believed
   through Werkzeug's ProxyFix, and dropped from every other request;

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

Between 2 and 3, who a request acts for and whether it may (issue 12, docs/security.md "The web
layer"): ``principal`` (the session cookie, an API token, or the local user of ``local`` mode),
``local`` (the local token of ``--no-sign-in``, the role switcher, the demo banner), the
same-origin check of callbacks that come with a session (``forms``), and ``gate`` (the one gate:
every request mapped to policy actions and checked). ``signin``: the sign-in pages; ``oidc``:
single sign-on by OpenID Connect (when ``LFO_OIDC_*`` are set). ``audit_page``: the audit page
(programme leads); ``users_page`` and ``tokens_page``: the users page and a person's API tokens;
issue 13's pages: ``submissions_page`` (with ``submission_report`` and ``upload_store``), where
LAs upload, read and submit their returns; ``tracker_page`` (with ``tracker_html``): the
submissions tracker; ``challenges_page``: data challenges. ``accounts``: the writer engine and
secrets key these use.

``devserver`` is the request handler of ``python -m dashboard`` (no version in ``Server``).

``rates``: the rate limits (Flask-Limiter: the API per token, chart image downloads per user),
checked just after the gate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import flask
from werkzeug.exceptions import Forbidden
from werkzeug.wrappers import Response

from dashboard.layouts import Page
from dashboard.services import Services
from dashboard.settings import DashboardSettings
from dashboard.web import forms
from dashboard.web.accounts import Accounts
from dashboard.web.audit_page import AuditPage, register_audit_page
from dashboard.web.challenges_page import ChallengesPage, register_challenges_page
from dashboard.web.errors import register_errors
from dashboard.web.gate import Gate, register_gate
from dashboard.web.headers import register_headers
from dashboard.web.health import register_health
from dashboard.web.limits import CALLBACK_PATH, register_drain, register_limits
from dashboard.web.local import LocalMode, register_local
from dashboard.web.logs import register_request_ids
from dashboard.web.oidc import SsoPages, register_oidc
from dashboard.web.principal import SESSION_COOKIE, register_principal
from dashboard.web.profile_pdf import ProfilePdf, register_profile_pdf
from dashboard.web.proxy import register_proxy
from dashboard.web.rates import register_rates
from dashboard.web.releases_page import ReleasesPage, register_releases_page
from dashboard.web.signin import SignInPages, register_signin
from dashboard.web.submissions_page import ReturnsPage, register_returns_page
from dashboard.web.tokens_page import TokensPage, register_tokens_page
from dashboard.web.tracker_page import TrackerPage, register_tracker_page
from dashboard.web.users_page import UsersPage, register_users_page
from lfo.settings import Settings


def register_web(
    server: flask.Flask,
    services: Services,
    script_hashes: Iterable[str],
    callbacks: Mapping[str, Mapping[str, Any]],
    pages: Sequence[Page] = (),
) -> LocalMode:
    """Install the web layer on ``server``; ``script_hashes``: the CSP hashes of every inline
    script the pages carry; ``callbacks``: Dash's callback map (``Dash.callback_map``);
    ``pages``: the app's pages (for the gate). Returns the local mode (its banner)."""
    settings = services.settings
    register_proxy(server, settings.trusted_proxies, settings.proxy_addresses)
    register_request_ids(server, trust_header=settings.trusted_proxies > 0)
    register_errors(server)
    accounts = Accounts(settings)
    local = LocalMode(services, accounts)
    server.extensions[forms.BANNER] = local.banner_html  # atop the server's own pages too
    register_principal(server, settings, accounts, local)
    register_local(server, local)
    register_same_origin_callbacks(server, services)
    register_gate(server, Gate(settings, accounts, pages, services.releases))
    register_rates(server, settings)
    signin_pages = SignInPages(settings, accounts)
    register_signin(server, signin_pages)
    if settings.sso:
        register_oidc(server, SsoPages(signin_pages))
    register_audit_page(server, AuditPage(settings, accounts))
    register_users_page(server, UsersPage(settings, accounts))
    register_tokens_page(server, TokensPage(settings, accounts))
    register_tracker_page(server, TrackerPage(settings, accounts, core_settings(settings)))
    register_challenges_page(server, ChallengesPage(services, accounts))
    register_releases_page(server, ReleasesPage(services, accounts))
    register_returns_page(server, ReturnsPage(settings, accounts))
    register_profile_pdf(server, ProfilePdf(services))

    @server.after_request
    def _form_cookie(response: Response) -> Response:
        return forms.remember_form_cookie(response, settings.https)

    register_limits(server, callbacks)
    register_drain(server)
    provider = forms.origin_of(settings.oidc_issuer) if settings.sso else None
    register_headers(
        server, script_hashes, https=settings.https, form_targets=[provider] if provider else []
    )
    register_health(server, services)
    return local


def core_settings(settings: DashboardSettings) -> Settings:
    """The shared settings (archive and uploads folders, the due-date setting) of this app's
    database, read once from the environment."""
    return Settings.from_env(database_url=settings.database_url)


def register_same_origin_callbacks(server: flask.Flask, services: Services) -> None:
    """A Dash callback that comes with a session must come from this site (service.md § 3)."""
    settings = services.settings

    @server.before_request
    def _same_origin() -> None:
        request = flask.request
        if not settings.sign_in or request.path != CALLBACK_PATH:
            return
        if request.cookies.get(SESSION_COOKIE):
            problem = forms.origin_problem(settings)
            if problem is not None:
                raise Forbidden(f"Refused: {problem}.")
