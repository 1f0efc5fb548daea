"""The personal API-tokens page, ``/account/tokens`` (docs/spec/service.md § 1, issue 12 § 5).

Every signed-in user (the ``manage_own_tokens`` action; the local user of demo and
``--no-sign-in`` modes has no account, so no tokens) sees their own tokens (prefix, name, created,
expires, last used, revoked), makes one (a name and an expiry of 1 to 366 days, 90 unless changed)
and revokes one. A new token is shown once, on the answer to the form that made it (``no-store``),
and never again, nor logged: the database keeps only its hash and prefix (``lfo.access.tokens``).

- ``GET /account/tokens``: the list and the form;
- ``POST /account/tokens``: make a token;
- ``POST /account/tokens/<id>/revoke``: revoke one of one's own tokens (another's: 404).

The gate maps every path under ``/account/tokens`` to ``manage_own_tokens``; each POST is checked
for its origin and CSRF token (``dashboard.web.forms``) and written to the audit log.
"""

from __future__ import annotations

import datetime as dt
from html import escape

import flask
from werkzeug.exceptions import Forbidden, NotFound
from werkzeug.wrappers import Response

from dashboard.settings import DashboardSettings
from dashboard.web import forms
from dashboard.web.accounts import Accounts, client_address
from dashboard.web.principal import current
from lfo.access import tokens
from lfo.access.event_log import record_event

PATH = "/account/tokens"


def when(moment: dt.datetime | None, empty: str = "Never") -> str:
    """A stored (naive UTC) moment as text for the pages' tables."""
    return empty if moment is None else f"{moment:%Y-%m-%d %H:%M} UTC"


def token_status(info: tokens.TokenInfo) -> str:
    if info.revoked_at is not None:
        return f"Revoked {when(info.revoked_at)}"
    if not info.active():
        return "Expired"
    return "Active"


class TokensPage:
    def __init__(self, settings: DashboardSettings, accounts: Accounts) -> None:
        self.settings = settings
        self.accounts = accounts

    def page(self, body: str, status: int = 200) -> Response:
        response = forms.page("Your API tokens", body, self.settings.service_name, status=status)
        return forms.remember_form_cookie(response, self.settings.https)

    def user_id(self) -> int:
        who = current()
        if who.user_id is None:  # the gate lets no one else through; never act for nobody
            raise Forbidden("Refused: tokens belong to a user account.")
        return who.user_id

    def show(self, problem: str | None = None, done: str = "", status: int = 200) -> Response:
        user_id = self.user_id()
        with self.accounts.engine.connect() as conn:
            listed = tokens.list_tokens(conn, user_id)
        csrf = forms.hidden_csrf(self.accounts)
        rows = "".join(self.row(info, csrf) for info in listed)
        table = (
            '<table class="table table-sm"><caption>Your tokens, newest first</caption><thead>'
            '<tr><th scope="col">Prefix</th><th scope="col">Name</th><th scope="col">Created'
            '</th><th scope="col">Expires</th><th scope="col">Last used</th>'
            '<th scope="col">Status</th><th scope="col"><span class="visually-hidden">Action'
            f"</span></th></tr></thead><tbody>{rows}</tbody></table>"
            if listed
            else "<p>You have no tokens yet.</p>"
        )
        body = f"""{forms.message(problem)}{done}
<p>A token lets a program (curl, Python, R) read the data API (<code>/api/</code>) as you, sent as
<code>Authorization: Bearer lfo_…</code>. It can only read, acts with your current role and areas,
and stops when it expires, when you revoke it, or when your account is disabled.</p>
<h2 class="h4">Your tokens</h2>{table}
<h2 class="h4">Make a token</h2>
<form method="post" action="{PATH}" class="lfo-form" novalidate>{csrf}
<div class="mb-3"><label class="form-label" for="name">Name (what it is for)</label>
<input class="form-control" id="name" name="name" type="text" maxlength="{tokens.NAME_MAX}"
 required></div>
<div class="mb-3"><label class="form-label" for="days">Valid for (days, 1 to {tokens.MAX_DAYS})\
</label>
<input class="form-control" id="days" name="days" type="number" min="1" max="{tokens.MAX_DAYS}"
 value="{tokens.DEFAULT_DAYS}" required></div>
<button class="btn btn-primary" type="submit">Make token</button></form>"""
        return self.page(body, status)

    def row(self, info: tokens.TokenInfo, csrf: str) -> str:
        action = ""
        if info.revoked_at is None and info.active():
            action = (
                f'<form method="post" action="{PATH}/{info.token_id}/revoke" class="d-inline">'
                f'{csrf}<button type="submit" class="btn btn-link btn-sm p-0">Revoke'
                f'<span class="visually-hidden"> {escape(info.name)}</span></button></form>'
            )
        cells = (
            f"<code>{escape(info.prefix)}…</code>",
            escape(info.name),
            when(info.created_at),
            when(info.expires_at),
            when(info.last_used_at),
            token_status(info),
            action,
        )
        return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"

    def tokens_page(self) -> Response:
        if flask.request.method == "GET":
            return self.show()
        forms.check_form(self.settings, self.accounts)
        user_id = self.user_id()
        form = flask.request.form
        name = form.get("name", "")[:1000]
        try:
            days = int(form.get("days", "").strip() or tokens.DEFAULT_DAYS)
        except ValueError:
            return self.show(f"A token lasts from 1 to {tokens.MAX_DAYS} days: give a number.")
        with self.accounts.engine.begin() as conn:
            try:
                made = tokens.create_token(conn, user_id, name, days=days)
            except tokens.TokenError as exc:
                problem = str(exc)
            else:
                record_event(conn, made.event, self.client())
                problem = ""
        if problem:
            return self.show(problem)
        shown = f"""<div class="alert alert-success" role="alert"><p>Token
<strong>{escape(made.info.name)}</strong> made; it expires {when(made.info.expires_at)}.</p>
<p>Copy it now (select it, then Ctrl+C or ⌘C) and keep it like a password: it is shown only this
once.</p><p><code class="lfo-secret lfo-new-token text-body">{escape(made.token)}</code></p></div>"""
        return self.show(done=shown)

    def revoke(self, token_id: int) -> Response:
        forms.check_form(self.settings, self.accounts)
        user_id = self.user_id()
        with self.accounts.engine.begin() as conn:
            event = tokens.revoke_token(conn, user_id, token_id)
            if event is not None:
                record_event(conn, event, self.client())
        if event is None:
            raise NotFound("You have no such token.")
        return self.show(done=forms.message(f"Token {event.target}… revoked.", kind="success"))

    def client(self) -> str | None:
        return client_address()


def register_tokens_page(server: flask.Flask, page: TokensPage) -> None:
    server.add_url_rule(PATH, "lfo_tokens", page.tokens_page, methods=["GET", "POST"])
    server.add_url_rule(
        f"{PATH}/<int:token_id>/revoke", "lfo_token_revoke", page.revoke, methods=["POST"]
    )
