"""The users page, ``/users`` (docs/spec/service.md §§ 1–2, issue 12 § 4): programme leads only
(the ``manage_users`` action, mapped by the gate for every path under ``/users``).

- ``GET /users``: every user (e-mail, role, areas by name, status, last sign-in, second factor
  enrolled or not) and the invitation form; ``POST /users``: invite (e-mail, role, areas: an LA
  lead needs one or more, checked against the ``areas`` table by ``lfo.access.users``); the
  single-use link and its expiry are shown once, on that answer (``no-store``).
- ``GET /users/<id>``: one user, with the forms to change their role and areas
  (``POST /users/<id>/role``), disable or enable them (``POST /users/<id>/status``) and reset
  their second factor (``POST /users/<id>/reset-2fa``, which shows the new link once).

Every change goes through ``lfo.access.users`` (which ends the person's sessions on a role
change, a disable or a reset, so it takes effect on their next request) and its ``Event`` is
written to the audit log in the same transaction. A programme lead cannot disable themselves or
change their own role here (so the service never loses its last lead by a slip); the command
line can. Users exist only in sign-in mode: the local user of demo and ``--no-sign-in`` modes gets
403 here (``python -m dashboard users`` manages the accounts then).
"""

from __future__ import annotations

from html import escape

import flask
from werkzeug.exceptions import Forbidden, NotFound
from werkzeug.wrappers import Response

from dashboard.settings import DashboardSettings
from dashboard.web import forms
from dashboard.web.accounts import Accounts, client_address
from dashboard.web.principal import current
from dashboard.web.tokens_page import when
from lfo.access import users
from lfo.access.event_log import record_event
from lfo.access.invitations import Link
from lfo.access.roles import ROLE_NAMES, ROLES

PATH = "/users"
MAX_AREAS = 500  # more than the programme has; a form never sends more


class UsersPage:
    def __init__(self, settings: DashboardSettings, accounts: Accounts) -> None:
        self.settings = settings
        self.accounts = accounts

    # --- helpers -------------------------------------------------------------------------------

    def page(self, title: str, body: str, status: int = 200) -> Response:
        return forms.server_page(self.settings, title, body, status=status)

    def actor(self) -> int:
        who = current()
        if who.user_id is None:
            raise Forbidden(
                "Refused: users are managed in sign-in mode (or with `python -m dashboard users`)."
            )
        return who.user_id

    def area_names(self) -> dict[str, str]:
        return self.accounts.area_names()

    def role_select(self, ident: str, chosen: str = "") -> str:
        options = "".join(
            f'<option value="{r}"{" selected" if r == chosen else ""}>{escape(ROLE_NAMES[r])}'
            "</option>"
            for r in ROLES
        )
        return (
            f'<div class="mb-3"><label class="form-label" for="{ident}">Role</label>'
            f'<select class="form-select" id="{ident}" name="role">{options}</select></div>'
        )

    def area_select(self, ident: str, names: dict[str, str], chosen: tuple[str, ...] = ()) -> str:
        ordered = sorted(names.items(), key=lambda item: item[1])
        options = "".join(
            f'<option value="{escape(code)}"{" selected" if code in chosen else ""}>'
            f"{escape(name)} ({escape(code)})</option>"
            for code, name in ordered
        )
        return (
            f'<div class="mb-3"><label class="form-label" for="{ident}">Areas (local authority '
            f'leads only)</label><div class="form-text" id="{ident}-hint">An LA lead needs one '
            "or more areas; choose several with Ctrl or ⌘. Other roles have none: any chosen are "
            "not kept.</div>"
            f'<select class="form-select" id="{ident}" name="area" multiple size="6" '
            f'aria-describedby="{ident}-hint">{options}</select></div>'
        )

    def sent_areas(self, role: str) -> list[str]:
        """The areas the form sent, for an ``la`` role; none for the others (the area list keeps
        a changed user's old areas selected: a lead making an LA lead a researcher need not
        clear it)."""
        if role != "la":
            return []
        return [a[:20] for a in flask.request.form.getlist("area")[:MAX_AREAS] if a.strip()]

    def link_shown(self, what: str, link: Link) -> str:
        return f"""<div class="alert alert-success" role="alert"><p>{escape(what)}</p>
<p>Pass this single-use link on to the person (it is shown only now; it works once, until
{when(link.expires_at)}):</p><p><code class="lfo-secret lfo-new-link text-body">{escape(link.url)}</code></p>
</div>"""

    # --- /users --------------------------------------------------------------------------------

    def list_page(self, problem: str | None = None, done: str = "", status: int = 200) -> Response:
        self.actor()
        names = self.area_names()
        with self.accounts.engine.connect() as conn:
            everyone = users.list_users(conn)
        rows = "".join(self.row(user, names) for user in everyone)
        body = f"""{forms.message(problem)}{done}
<h2 class="h4">Users</h2>
<table class="table table-sm"><caption>Everyone who may sign in, by e-mail address</caption>
<thead><tr><th scope="col">E-mail address</th><th scope="col">Role</th><th scope="col">Areas</th>
<th scope="col">Status</th><th scope="col">Last sign-in</th><th scope="col">Second factor</th>
</tr></thead><tbody>{rows}</tbody></table>
<h2 class="h4">Invite someone</h2>
<form method="post" action="{PATH}" class="lfo-form" novalidate>\
{forms.hidden_csrf(self.accounts)}
<div class="mb-3"><label class="form-label" for="email">E-mail address</label>
<input class="form-control" id="email" name="email" type="email" autocomplete="off" required>
</div>{self.role_select("role")}{self.area_select("area", names)}
<button class="btn btn-primary" type="submit">Invite</button></form>"""
        return self.page("Users", body, status)

    def row(self, user: users.User, names: dict[str, str]) -> str:
        areas = ", ".join(escape(names.get(code, code)) for code in user.areas) or "—"
        if user.disabled:
            status = f"Disabled {when(user.disabled_at)}"
        else:
            status = "Active" if user.enrolled else "Invited (not set up yet)"
        cells = (
            f'<a href="{PATH}/{user.user_id}">{escape(user.email)}</a>',
            escape(ROLE_NAMES[user.role]),
            areas,
            status,
            when(user.last_sign_in_at),
            "Enrolled" if user.enrolled else "Not enrolled",
        )
        return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"

    def users_page(self) -> Response:
        if flask.request.method == "GET":
            return self.list_page()
        forms.check_form(self.settings, self.accounts)
        actor = self.actor()
        form = flask.request.form
        role = form.get("role", "")[:20]
        with self.accounts.engine.begin() as conn:
            try:
                invited = users.add_user(
                    conn,
                    form.get("email", "")[:300],
                    role,
                    self.sent_areas(role),
                    by=actor,
                    base_url=self.settings.base_url,
                )
            except users.AccountError as exc:
                problem = _sentence(str(exc))
            else:
                record_event(conn, invited.event, client_address())
                problem = ""
        if problem:
            return self.list_page(problem)
        return self.list_page(done=self.link_shown(f"{invited.user.email} invited.", invited.link))

    # --- /users/<id> ---------------------------------------------------------------------------

    def user_of(self, user_id: int) -> users.User:
        with self.accounts.engine.connect() as conn:
            user = users.get_user(conn, user_id)
        if user is None:
            raise NotFound("There is no such user.")
        return user

    def user_page(
        self, user_id: int, problem: str | None = None, done: str = "", status: int = 200
    ) -> Response:
        actor = self.actor()
        user = self.user_of(user_id)
        names = self.area_names()
        csrf = forms.hidden_csrf(self.accounts)
        here = f"{PATH}/{user.user_id}"
        areas = ", ".join(escape(names.get(c, c)) for c in user.areas) or "none"
        if user.user_id == actor:
            changes = (
                "<p>This is you: another programme lead changes your role or disables you.</p>"
            )
        else:
            verb = "Enable" if user.disabled else "Disable"
            changes = f"""<h2 class="h4">Role and areas</h2>
<p>Changing them signs the person out everywhere; they sign in again with the new role.</p>
<form method="post" action="{here}/role" class="lfo-form" novalidate>{csrf}\
{self.role_select("role", user.role)}{self.area_select("area", names, user.areas)}
<button class="btn btn-primary" type="submit">Change role and areas</button></form>
<h2 class="h4">{verb}</h2>
<form method="post" action="{here}/status" class="lfo-form" novalidate>{csrf}
<input type="hidden" name="disabled" value="{"0" if user.disabled else "1"}">
<p>{
                "Let them sign in again."
                if user.disabled
                else "Sign them out everywhere and stop them signing in; their API tokens stop too."
            }</p>
<button class="btn btn-secondary" type="submit">{verb} {escape(user.email)}</button></form>"""
        body = f"""{forms.message(problem)}{done}
<p><a href="{PATH}">All users</a></p>
<dl><dt>E-mail address</dt><dd>{escape(user.email)}</dd><dt>Role</dt>
<dd>{escape(ROLE_NAMES[user.role])}</dd><dt>Areas</dt><dd>{areas}</dd>
<dt>Status</dt><dd>{"Disabled" if user.disabled else "Active"}</dd>
<dt>Last sign-in</dt><dd>{when(user.last_sign_in_at)}</dd>
<dt>Second factor</dt><dd>{"Enrolled" if user.enrolled else "Not enrolled"}</dd></dl>
{changes}
<h2 class="h4">Reset the second factor</h2>
<p>For someone who lost their authenticator app and recovery codes: it signs them out and gives a
new single-use link to set the app up again (their password is kept).</p>
<form method="post" action="{here}/reset-2fa" class="lfo-form" novalidate>{csrf}
<button class="btn btn-secondary" type="submit">Reset the second factor of \
{escape(user.email)}</button></form>"""
        return self.page(f"User {user.email}", body, status)

    def change_role(self, user_id: int) -> Response:
        forms.check_form(self.settings, self.accounts)
        actor = self.actor()
        user = self.user_of(user_id)
        if user.user_id == actor:
            return self.user_page(user_id, "You cannot change your own role here.", status=400)
        role = flask.request.form.get("role", "")[:20]
        with self.accounts.engine.begin() as conn:
            try:
                changed = users.set_role(conn, user.email, role, self.sent_areas(role), by=actor)
            except users.AccountError as exc:
                problem = _sentence(str(exc))
            else:
                record_event(conn, changed.event, client_address())
                problem = ""
        if problem:
            return self.user_page(user_id, problem, status=400)
        return self.user_page(
            user_id, done=forms.message("Role and areas changed.", kind="success")
        )

    def change_status(self, user_id: int) -> Response:
        forms.check_form(self.settings, self.accounts)
        actor = self.actor()
        user = self.user_of(user_id)
        disable = flask.request.form.get("disabled") == "1"
        if user.user_id == actor:
            return self.user_page(user_id, "You cannot disable yourself.", status=400)
        with self.accounts.engine.begin() as conn:
            changed = users.set_disabled(conn, user.email, disable, by=actor)
            record_event(conn, changed.event, client_address())
        said = f"{user.email} {'disabled' if disable else 'enabled'}."
        return self.user_page(user_id, done=forms.message(said, kind="success"))

    def reset_2fa(self, user_id: int) -> Response:
        forms.check_form(self.settings, self.accounts)
        actor = self.actor()
        user = self.user_of(user_id)
        with self.accounts.engine.begin() as conn:
            try:
                reset = users.reset_2fa(conn, user.email, by=actor, base_url=self.settings.base_url)
            except users.AccountError as exc:
                problem = _sentence(str(exc))
            else:
                record_event(conn, reset.event, client_address())
                problem = ""
        if problem:
            return self.user_page(user_id, problem, status=400)
        if user.user_id == actor:  # one's own reset ends one's own session too
            return self.page("Second factor reset", self.link_shown("Your reset.", reset.link))
        done = self.link_shown(f"Second factor of {user.email} reset.", reset.link)
        return self.user_page(user_id, done=done)


def _sentence(text: str) -> str:
    """An ``AccountError``'s message as a sentence for the form (the command line's hints, such
    as ``--area``, reworded for the page)."""
    text = text.replace("add --area GSS", "choose one or more areas").replace(
        ": leave out --area", ": choose no area"
    )
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def register_users_page(server: flask.Flask, page: UsersPage) -> None:
    server.add_url_rule(PATH, "lfo_users", page.users_page, methods=["GET", "POST"])
    server.add_url_rule(f"{PATH}/<int:user_id>", "lfo_user", page.user_page, methods=["GET"])
    server.add_url_rule(
        f"{PATH}/<int:user_id>/role", "lfo_user_role", page.change_role, methods=["POST"]
    )
    server.add_url_rule(
        f"{PATH}/<int:user_id>/status", "lfo_user_status", page.change_status, methods=["POST"]
    )
    server.add_url_rule(
        f"{PATH}/<int:user_id>/reset-2fa", "lfo_user_reset_2fa", page.reset_2fa, methods=["POST"]
    )
