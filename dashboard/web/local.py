"""Local mode (docs/spec/service.md § 2): the demo, and ``python -m dashboard --no-sign-in``.

No one signs in: every request acts for the local user (``Principal(local=True)``), a programme
lead unless the role switcher chose another role: an LA lead of a chosen area, or a researcher.
The choice is a cookie (``lfo_role``: ``programme``, ``researcher`` or ``la:<GSS code>``), read
on every request and checked against ``ROLES`` and the database's own area list; anything else
is the programme lead. The switcher is a server-rendered form at ``/local/role``.

With ``--no-sign-in`` (``settings.local_token``) every request needs the local token, as Jupyter
does: the start-up line prints the URL with ``?token=…``; that first visit sets the cookie
``lfo_local`` and redirects to the same address without the token; API clients send it as
``Authorization: Bearer …``. Static files and ``/healthz`` need no token.

The banner (demo: "Demo with synthetic data: sign-in is switched off") and the current role are
put at the top of every Dash page by ``banner_html``.
"""

from __future__ import annotations

import hmac
from html import escape
from urllib.parse import urlencode

import flask
from werkzeug.exceptions import Forbidden, NotFound, Unauthorized
from werkzeug.wrappers import Response

from dashboard.services import Services
from dashboard.web import forms
from dashboard.web.accounts import Accounts
from dashboard.web.errors import reads_json
from dashboard.web.gate import CHALLENGES_PATH, RETURNS_PATH, TRACKER_PATH, safe_next
from dashboard.web.principal import bearer, current
from lfo.access.policy import Action, may
from lfo.access.roles import ROLE_NAMES, ROLES, Principal

ROLE_COOKIE = "lfo_role"
TOKEN_COOKIE = "lfo_local"
DEMO_BANNER = "Demo with synthetic data: sign-in is switched off"
LOCAL_BANNER = "Sign-in is switched off: this dashboard runs for you alone, on this computer"
NO_TOKEN_PATHS = ("/assets/", "/_dash-component-suites/", "/healthz", "/_favicon.ico")
ROLE_PATH = "/local/role"


class LocalMode:
    """One app's local user: the switcher's role, the token check, the banner."""

    def __init__(self, services: Services, accounts: Accounts) -> None:
        self.services = services
        self.settings = services.settings
        self.accounts = accounts

    def area_names(self) -> dict[str, str]:
        """Every programme area, code → name (the switcher's choices)."""
        table = self.services.live.area_list()  # read once per data version
        return dict(zip(table["area_code"], table["area_name"], strict=True))

    def choice(self) -> tuple[str, str | None]:
        """The switcher's role and area, checked (anything unknown: the programme lead)."""
        raw = flask.request.cookies.get(ROLE_COOKIE, "")
        role, _, area = raw.partition(":")
        if role not in ROLES or (role == "la") != bool(area):
            return "programme", None
        if role == "la":
            try:
                known = area in self.area_names()
            except Exception:  # noqa: BLE001 - no readable database: nobody's area
                known = False
            return ("la", area) if known else ("programme", None)
        return role, None

    def principal(self) -> Principal:
        role, area = self.choice()
        areas = frozenset({area}) if area else frozenset()
        return Principal(role=role, areas=areas, local=True)  # type: ignore[arg-type]

    # --- the local token -------------------------------------------------------------------------

    def check_token(self) -> Response | None:
        """None to go on; a redirect that sets the cookie; else 401 (JSON) or 403."""
        token = self.settings.local_token
        request = flask.request
        if not token or request.path.startswith(NO_TOKEN_PATHS):
            return None
        sent = request.args.get("token")
        if sent is not None and hmac.compare_digest(sent, token):
            rest = [(k, v) for k, v in request.args.items(multi=True) if k != "token"]
            target = request.path + (f"?{urlencode(rest)}" if rest else "")
            response = flask.redirect(target, code=303)
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="Strict", path="/")
            return response
        for candidate in (request.cookies.get(TOKEN_COOKIE), bearer()):
            if candidate is not None and hmac.compare_digest(candidate, token):
                return None
        why = (
            "This dashboard needs its local token: open the address with ?token=… that "
            "`python -m dashboard --no-sign-in` printed when it started"
        )
        if reads_json(request.path):
            raise Unauthorized(why + " (API clients: send it as Authorization: Bearer …).")
        raise Forbidden(why + ".")

    # --- the switcher ------------------------------------------------------------------------------

    def role_page(self) -> Response:
        if self.settings.sign_in:
            raise NotFound()
        if flask.request.method == "POST":
            forms.check_form(self.settings, self.accounts)
            return self.choose()
        role, area = self.choice()
        target = safe_next(flask.request.args.get("next"))
        names = self.area_names()
        options = "".join(
            f'<option value="{r}"{" selected" if r == role else ""}>{escape(ROLE_NAMES[r])}</option>'
            for r in ROLES
        )
        areas = "".join(
            f'<option value="{escape(code)}"{" selected" if code == area else ""}>'
            f"{escape(name)} ({escape(code)})</option>"
            for code, name in sorted(names.items(), key=lambda kv: kv[1])
        )
        body = f"""<p>{escape(self.banner_text())}. Choose whose view to see; the server applies
that role's rules to every page, chart and download.</p>
<form method="post" action="{ROLE_PATH}" class="lfo-form">{forms.hidden_csrf(self.accounts)}
<input type="hidden" name="next" value="{escape(target)}">
<div class="mb-3"><label class="form-label" for="role">Role</label>
<select class="form-select" id="role" name="role">{options}</select></div>
<div class="mb-3"><label class="form-label" for="area">Area (for a local authority lead)</label>
<select class="form-select" id="area" name="area">{areas}</select></div>
<button class="btn btn-primary" type="submit">Show this view</button></form>"""
        response = forms.page("Whose view to show", body, self.settings.service_name)
        return forms.remember_form_cookie(response, self.settings.https)

    def choose(self) -> Response:
        form = flask.request.form
        chosen = form.get("role", "")
        area = form.get("area", "")
        if chosen not in ROLES:
            raise Forbidden("Refused: unknown role.")
        value: str = chosen
        if chosen == "la":
            if area not in self.area_names():
                raise Forbidden("Refused: unknown area.")
            value = "la:" + area
        response = flask.redirect(safe_next(form.get("next")), code=303)
        response.set_cookie(ROLE_COOKIE, value, httponly=True, samesite="Lax", path="/")
        return response

    def banner_text(self) -> str:
        return DEMO_BANNER if self.settings.demo else LOCAL_BANNER

    def banner_html(self) -> str:
        """The strip above a Dash page: the banner, whose view it is, and a link to change it
        ("" when the app is not in demo or ``--no-sign-in`` mode)."""
        if self.settings.sign_in:
            return self.signed_in_html()
        if not (self.settings.demo or self.settings.local_token):
            return ""
        who = self.principal()
        role = ROLE_NAMES[who.role] if who.role else "Nobody"
        if who.areas:
            role += f" of {', '.join(sorted(who.areas))}"
        here = (
            safe_next(flask.request.full_path.rstrip("?")) if flask.has_request_context() else "/"
        )
        link = f"{ROLE_PATH}?{urlencode({'next': here})}"
        return (
            '<div class="lfo-demo-banner alert alert-warning mb-0 rounded-0" role="region" '
            f'aria-label="Demo mode"><strong>{escape(self.banner_text())}.</strong> '
            f'Viewing as: {escape(role)}. <a href="{escape(link)}">Change role</a>'
            f"{' · ' + account_links(who).removesuffix(' · ') if account_links(who) else ''}</div>"
        )

    def signed_in_html(self) -> str:
        """Sign-in mode: who is signed in, and the sign-out buttons (forms with their token)."""
        who = current()
        if who.user_id is None or who.role is None:
            return ""
        csrf = forms.hidden_csrf(self.accounts)
        return (
            '<div class="lfo-signed-in container py-1 small" role="region" aria-label="Account">'
            f"Signed in as {escape(who.email or '')}, {escape(ROLE_NAMES[who.role])}. "
            f"{account_links(who)}"
            f'<form method="post" action="/sign-out" class="d-inline">{csrf}'
            '<button type="submit" class="btn btn-link btn-sm p-0 align-baseline">Sign out'
            "</button></form> · "
            f'<form method="post" action="/sign-out/everywhere" class="d-inline">{csrf}'
            '<button type="submit" class="btn btn-link btn-sm p-0 align-baseline">Sign out '
            "everywhere</button></form></div>"
        )


def account_links(who: Principal) -> str:
    """Links to the account pages the principal may use (the gate refuses the others anyway)."""
    links: list[tuple[str, str, Action]] = [
        (RETURNS_PATH, "Returns", "view_submissions"),
        (TRACKER_PATH, "Submissions tracker", "view_submissions"),
        (CHALLENGES_PATH, "Data challenges", "raise_challenge"),
        ("/users", "Users", "manage_users"),
        ("/account/tokens", "API tokens", "manage_own_tokens"),
    ]
    shown = [
        f'<a href="{href}">{text}</a>'
        for href, text, action in links
        if any(may(who, action, area) for area in (None, *sorted(who.areas)))
    ]
    return " · ".join(shown) + (" · " if shown else "")


def register_local(server: flask.Flask, local: LocalMode) -> None:
    server.add_url_rule(ROLE_PATH, "lfo_local_role", local.role_page, methods=["GET", "POST"])

    @server.before_request
    def _local_token() -> Response | None:
        if local.settings.sign_in:
            return None
        return local.check_token()
