"""The sign-in pages (docs/spec/service.md § 2), server-rendered with the site's CSS and no
script; every form POSTs with its CSRF token and is refused from another origin
(``dashboard.web.forms``).

- ``/sign-in``: e-mail address and password (``lfo.access.signin.check_password``); right → a
  pending sign-in (a signed cookie naming the account, tied to the form cookie, valid 5
  minutes) → ``/sign-in/code``: a TOTP code or a recovery code (``check_second_factor``) → a new
  session, its id in the ``lfo_session`` cookie (a session the browser had before is ended).
- ``/sign-out`` (POST) ends this session; ``/sign-out/everywhere`` (POST) every session of the
  person.
- ``/account/invitation/<token>``: set a password (not for a 2FA reset that keeps it), add the
  TOTP secret (shown as text and as its ``otpauth://`` URI) to an authenticator app, confirm with
  a code; the recovery codes are shown once.

Messages come from ``lfo.access`` (never telling whether an address has an account; the
throttle's wait). Every step is written to the audit log with the client's address.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import quote

import flask
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from dashboard.settings import DashboardSettings
from dashboard.web import forms
from dashboard.web.accounts import Accounts, client_address
from dashboard.web.gate import safe_next
from dashboard.web.principal import (
    SESSION_COOKIE,
    clear_session_cookie,
    current,
    set_current,
    set_session_cookie,
)
from lfo.access import invitations, sessions, signin
from lfo.access.event_log import record_event
from lfo.access.events import Event
from lfo.access.roles import ANONYMOUS

PENDING_COOKIE = "lfo_pending"
PENDING_SECONDS = 300


class SignInPages:
    def __init__(self, settings: DashboardSettings, accounts: Accounts) -> None:
        self.settings = settings
        self.accounts = accounts
        self.https = settings.https

    # --- helpers -------------------------------------------------------------------------------

    def client(self) -> str | None:
        return client_address()

    def serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.accounts.form_key(), salt="lfo pending sign-in")

    def page(self, title: str, body: str, status: int = 200) -> Response:
        response = forms.page(title, body, self.settings.service_name, status=status)
        return forms.remember_form_cookie(response, self.https)

    def pending_user(self) -> int | None:
        raw = flask.request.cookies.get(PENDING_COOKIE)
        if not raw:
            return None
        try:
            data: Any = self.serializer().loads(raw, max_age=PENDING_SECONDS)
        except BadSignature:
            return None
        form_cookie = flask.request.cookies.get(forms.FORM_COOKIE, "")
        if not isinstance(data, dict) or data.get("f") != form_cookie:
            return None
        user = data.get("u")
        return user if isinstance(user, int) else None

    # --- /sign-in ------------------------------------------------------------------------------

    def sign_in_form(
        self, problem: str | None = None, email: str = "", status: int = 200
    ) -> Response:
        target = safe_next(flask.request.values.get("next"))
        body = f"""{forms.message(problem)}{self.sso_button(target)}
<form method="post" action="/sign-in" class="lfo-form" novalidate>{forms.hidden_csrf(self.accounts)}
<input type="hidden" name="next" value="{escape(target)}">
<div class="mb-3"><label class="form-label" for="email">E-mail address</label>
<input class="form-control" id="email" name="email" type="email" autocomplete="username"
 value="{escape(email)}" required></div>
<div class="mb-3"><label class="form-label" for="password">Password</label>
<input class="form-control" id="password" name="password" type="password"
 autocomplete="current-password" required></div>
<button class="btn btn-primary" type="submit">Continue</button></form>"""
        return self.page("Sign in", body, status)

    def sso_button(self, target: str) -> str:
        """The "Sign in with …" form (``dashboard.web.oidc``), when single sign-on is on."""
        if not self.settings.sso:
            return ""
        return f"""
<form method="post" action="/sign-in/sso" class="lfo-form mb-4">{forms.hidden_csrf(self.accounts)}
<input type="hidden" name="next" value="{escape(target)}">
<button class="btn btn-primary" type="submit">Sign in with {escape(self.settings.oidc_name)}\
</button></form>
<p>Or with the e-mail address and password of your account here:</p>"""

    def sign_in(self) -> Response:
        if not self.settings.sign_in:  # demo and --no-sign-in: nobody signs in
            return flask.redirect("/", code=303)
        if flask.request.method == "GET":
            return self.sign_in_form()
        forms.check_form(self.settings, self.accounts)
        email = flask.request.form.get("email", "")[:320]
        password = flask.request.form.get("password", "")[:1024]
        client = self.client()
        with self.accounts.engine.begin() as conn:
            step = signin.check_password(conn, self.accounts.key, email, password, client=client)
            record_event(conn, step.event, client)
        if not step.ok or step.user_id is None:
            status = 429 if step.wait_seconds else 200
            return self.sign_in_form(step.message, email, status)
        target = safe_next(flask.request.form.get("next"))
        response = flask.redirect(f"/sign-in/code?next={quote(target, safe='/')}", code=303)
        form_cookie = flask.request.cookies.get(forms.FORM_COOKIE, "")
        pending = self.serializer().dumps({"u": step.user_id, "f": form_cookie})
        response.set_cookie(
            PENDING_COOKIE,
            pending,
            max_age=PENDING_SECONDS,
            httponly=True,
            samesite="Lax",
            secure=self.https,
            path="/sign-in",
        )
        return response

    # --- /sign-in/code -------------------------------------------------------------------------

    def code_form(self, problem: str | None = None, status: int = 200) -> Response:
        target = safe_next(flask.request.values.get("next"))
        body = f"""{forms.message(problem)}
<p>Enter the 6-digit code your authenticator app shows now, or one of your recovery codes.</p>
<form method="post" action="/sign-in/code" class="lfo-form" novalidate>\
{forms.hidden_csrf(self.accounts)}
<input type="hidden" name="next" value="{escape(target)}">
<div class="mb-3"><label class="form-label" for="code">Code</label>
<input class="form-control" id="code" name="code" type="text" inputmode="text"
 autocomplete="one-time-code" required></div>
<button class="btn btn-primary" type="submit">Sign in</button></form>"""
        return self.page("Sign in: your code", body, status)

    def sign_in_code(self) -> Response:
        if not self.settings.sign_in:
            return flask.redirect("/", code=303)
        user_id = self.pending_user()
        if user_id is None:
            return flask.redirect("/sign-in", code=303)
        if flask.request.method == "GET":
            return self.code_form()
        forms.check_form(self.settings, self.accounts)
        code = flask.request.form.get("code", "")[:64]
        client = self.client()
        with self.accounts.engine.begin() as conn:
            step = signin.check_second_factor(conn, self.accounts.key, user_id, code, client=client)
            record_event(conn, step.event, client)
            old = flask.request.cookies.get(SESSION_COOKIE)
            if step.ok and old:
                sessions.end_session(conn, old)
        if not step.ok or step.session_id is None:
            return self.code_form(step.message, 429 if step.wait_seconds else 200)
        response = flask.redirect(safe_next(flask.request.form.get("next")), code=303)
        set_session_cookie(response, step.session_id, self.https)
        response.delete_cookie(PENDING_COOKIE, path="/sign-in")
        return response

    # --- /sign-out -----------------------------------------------------------------------------

    def sign_out(self, everywhere: bool = False) -> Response:
        forms.check_form(self.settings, self.accounts)
        session_id = flask.request.cookies.get(SESSION_COOKIE)
        who = current()
        client = self.client()
        with self.accounts.engine.begin() as conn:
            event: Event | None
            if everywhere and who.user_id is not None:
                event = sessions.sign_out_everywhere(conn, who.user_id)
            else:
                event = sessions.end_session(conn, session_id) if session_id else None
            if event is not None:
                record_event(conn, event, client)
        set_current(ANONYMOUS)  # the page says signed out: no strip of who was signed in
        response = self.page(
            "Signed out",
            '<p>You are signed out.</p><p><a href="/sign-in">Sign in again</a></p>',
        )
        clear_session_cookie(response, self.https)
        return response

    # --- /account/invitation/<token> ----------------------------------------------------------

    def invitation(self, token: str) -> Response:
        if len(token) > 200:
            return self.page("This link cannot be used", forms.message("Unknown link."), 404)
        if flask.request.method == "POST":
            forms.check_form(self.settings, self.accounts)
            return self.accept(token)
        with self.accounts.engine.begin() as conn:
            opened = invitations.open_invitation(conn, self.accounts.key, token)
        if opened.problem is not None:
            # audited as a refused request (never with the token: the path is not written)
            gate = flask.current_app.extensions["lfo_gate"]
            gate.audit_refusal(f"invitation link: {opened.problem}")
            return self.page("This link cannot be used", forms.message(opened.problem), 410)
        return self.invitation_form(token, opened)

    def invitation_form(
        self, token: str, opened: invitations.Opened, problem: str | None = None
    ) -> Response:
        password = ""
        if opened.needs_password:
            password = """<div class="mb-3"><label class="form-label" for="password">Choose a \
password (at least 12 characters, not a common one)</label>
<input class="form-control" id="password" name="password" type="password"
 autocomplete="new-password" required></div>"""
        body = f"""{forms.message(problem)}
<p>Account: <strong>{escape(opened.email)}</strong></p>
<form method="post" action="/account/invitation/{escape(token)}" class="lfo-form" novalidate>\
{forms.hidden_csrf(self.accounts)}
{password}
<h2 class="h4">Second factor</h2>
<p>Add this account to an authenticator app: type the key below into it, or give it the address
that follows. Then enter the 6-digit code it shows.</p>
<p>Key: <code class="lfo-secret">{escape(opened.secret)}</code></p>
<p>Address: <code class="lfo-secret">{escape(opened.uri)}</code></p>
<div class="mb-3"><label class="form-label" for="code">Code from the app</label>
<input class="form-control" id="code" name="code" type="text" inputmode="numeric"
 autocomplete="one-time-code" required></div>
<button class="btn btn-primary" type="submit">Set up my account</button></form>"""
        return self.page("Set up your account", body)

    def accept(self, token: str) -> Response:
        form = flask.request.form
        password = form.get("password", "")[:1024] or None
        code = form.get("code", "")[:64]
        client = self.client()
        with self.accounts.engine.begin() as conn:
            done = invitations.accept_invitation(
                conn, self.accounts.key, token, password=password, code=code
            )
            record_event(conn, done.event, client)
            opened = invitations.open_invitation(conn, self.accounts.key, token)
        if done.problem is not None:
            if opened.problem is not None:
                return self.page("This link cannot be used", forms.message(opened.problem), 410)
            return self.invitation_form(token, opened, done.problem)
        body = forms.message("Your account is ready.", kind="success")
        body += forms.recovery_codes(done.recovery_codes, "/sign-in", "Sign in")
        return self.page("Account ready", body)


def register_signin(server: flask.Flask, pages: SignInPages) -> None:
    server.add_url_rule("/sign-in", "lfo_sign_in", pages.sign_in, methods=["GET", "POST"])
    server.add_url_rule(
        "/sign-in/code", "lfo_sign_in_code", pages.sign_in_code, methods=["GET", "POST"]
    )
    server.add_url_rule("/sign-out", "lfo_sign_out", pages.sign_out, methods=["POST"])
    server.add_url_rule(
        "/sign-out/everywhere",
        "lfo_sign_out_everywhere",
        lambda: pages.sign_out(everywhere=True),
        methods=["POST"],
    )
    server.add_url_rule(
        "/account/invitation/<token>",
        "lfo_invitation",
        pages.invitation,
        methods=["GET", "POST"],
    )
