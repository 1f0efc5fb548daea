"""The audit page (docs/spec/service.md § 4; issue 12): ``/audit``, for programme leads only
(``view_audit``; the gate refuses anyone else with 403 and an audit row).

- The log newest first, ``PAGE_SIZE`` rows a page, filtered by time range (``from`` and ``to``:
  dates, UTC, both days included), user (an e-mail address or an operating-system user, exact),
  action and outcome (each checked against ``lfo.access.audit``'s closed sets,
  ``AUDIT_ACTIONS`` and ``AUDIT_OUTCOMES``). A value that is not one of these gets a clear
  message (400), never a traceback.
- A line saying whether the chain holds (``audit.verify``), or naming the first bad row.
- ``/audit/csv`` (``view_audit`` and ``export_audit``): the filtered rows as CSV
  (``audit.to_csv``: every text cell through the formula guard); the download itself is
  written to the audit log (action ``download``).

Server-rendered with the site's CSS and no script, as the sign-in pages are
(``dashboard.web.forms``). The filter form is a GET form: it changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import urlencode

import flask
from werkzeug.wrappers import Response

from dashboard.settings import DashboardSettings
from dashboard.web import forms
from dashboard.web.accounts import Accounts, client_address
from dashboard.web.principal import current
from lfo.access import audit

PATH = "/audit"
CSV_PATH = "/audit/csv"
PAGE_SIZE = 50
MAX_PAGE = 100_000
MAX_USER = 320
#: The columns shown, with their headers.
COLUMNS = (
    ("at", "Time (UTC)"),
    ("who", "Who"),
    ("role", "Role"),
    ("action", "Action"),
    ("object", "Object"),
    ("outcome", "Outcome"),
    ("client", "Client"),
    ("count", "Count"),
)


class FilterProblem(ValueError):
    """A filter value the page does not accept (its message is shown as it is)."""


@dataclass(frozen=True)
class Filters:
    """The page's filters, checked. ``since``/``until``: UTC, ``until`` excluded."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None
    user: str | None = None
    action: audit.AuditAction | None = None
    outcome: str | None = None
    page: int = 1

    def query_args(self) -> dict[str, Any]:
        """``audit.query``'s filter arguments."""
        return {
            "since": self.since,
            "until": self.until,
            "user": self.user,
            "action": self.action,
            "outcome": self.outcome,
        }

    def params(self, page: int | None = None) -> dict[str, str]:
        """The filters as the address's parameters (those set only)."""
        found: dict[str, str] = {}
        if self.since is not None:
            found["from"] = self.since.date().isoformat()
        if self.until is not None:
            found["to"] = (self.until - dt.timedelta(days=1)).date().isoformat()
        for name in ("user", "action", "outcome"):
            value = getattr(self, name)
            if value:
                found[name] = value
        shown = self.page if page is None else page
        if shown > 1:
            found["page"] = str(shown)
        return found

    def describe(self) -> str:
        """The filters in words (the download's audit row)."""
        params = self.params(page=1)
        return ", ".join(f"{k}={v}" for k, v in params.items()) or "no filter"


def _date(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise FilterProblem(f"'{name}' must be a date such as 2026-12-31, not {value!r}") from None


def parse_filters(args: Mapping[str, str]) -> Filters:
    """The filters of a request's parameters; ``FilterProblem`` names the first bad value."""
    text = {k: (args.get(k) or "").strip() for k in ("from", "to", "user", "action", "outcome")}
    since = _date(text["from"], "from") if text["from"] else None
    last = _date(text["to"], "to") if text["to"] else None
    if since is not None and last is not None and last < since:
        raise FilterProblem("'to' is before 'from': the range has no days")
    user = text["user"] or None
    if user is not None and len(user) > MAX_USER:
        raise FilterProblem(f"'user' is longer than {MAX_USER} characters")
    action = text["action"] or None
    if action is not None and action not in audit.AUDIT_ACTIONS:
        raise FilterProblem(f"'action' must be one of the list, not {action!r}")
    outcome = text["outcome"] or None
    if outcome is not None and outcome not in audit.AUDIT_OUTCOMES:
        raise FilterProblem(f"'outcome' must be one of the list, not {outcome!r}")
    raw_page = (args.get("page") or "1").strip()
    if not raw_page.isdigit() or not 1 <= int(raw_page) <= MAX_PAGE:
        raise FilterProblem(f"'page' must be a whole number from 1 to {MAX_PAGE}")
    return Filters(
        since=dt.datetime.combine(since, dt.time()) if since else None,
        until=dt.datetime.combine(last + dt.timedelta(days=1), dt.time()) if last else None,
        user=user,
        action=action,  # checked against AUDIT_ACTIONS above
        outcome=outcome,
        page=int(raw_page),
    )


def _options(name: str, label: str, choices: tuple[str, ...], chosen: str) -> str:
    items = [f'<option value=""{" selected" if not chosen else ""}>Any</option>']
    for choice in choices:
        selected = " selected" if choice == chosen else ""
        items.append(f'<option value="{escape(choice)}"{selected}>{escape(choice)}</option>')
    return f"""<div class="mb-3"><label class="form-label" for="{name}">{label}</label>
<select class="form-select" id="{name}" name="{name}">{"".join(items)}</select></div>"""


def filter_form(args: Mapping[str, str]) -> str:
    """The filter form, showing the values sent (escaped, whether accepted or not)."""
    value = {k: escape((args.get(k) or "").strip()) for k in ("from", "to", "user")}
    chosen = {k: (args.get(k) or "").strip() for k in ("action", "outcome")}
    return f"""<form method="get" action="{PATH}" class="lfo-form" novalidate>
<div class="mb-3"><label class="form-label" for="from">From (date, UTC)</label>
<input class="form-control" id="from" name="from" type="date" value="{value["from"]}"></div>
<div class="mb-3"><label class="form-label" for="to">To (date, UTC, included)</label>
<input class="form-control" id="to" name="to" type="date" value="{value["to"]}"></div>
<div class="mb-3"><label class="form-label" for="user">User (e-mail address or system user)</label>
<input class="form-control" id="user" name="user" type="text" value="{value["user"]}"></div>
{_options("action", "Action", audit.AUDIT_ACTIONS, chosen["action"])}
{_options("outcome", "Outcome", audit.AUDIT_OUTCOMES, chosen["outcome"])}
<button class="btn btn-primary" type="submit">Show</button>
<a class="btn btn-link" href="{PATH}">Clear the filters</a></form>"""


def cell(row: Mapping[str, Any], name: str) -> str:
    """One cell's text (``who``: the e-mail address, else the system user)."""
    who = row.get("user_email") or row.get("os_user")
    value = who if name == "who" else row.get(name)
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds") + "Z"
    return "" if value is None else str(value)


def table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "<p>No rows match these filters.</p>"
    head = "".join(f'<th scope="col">{label}</th>' for _, label in COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(cell(r, n))}</td>" for n, _ in COLUMNS) + "</tr>"
        for r in rows
    )
    return f"""<div class="table-responsive"><table class="table table-sm">
<caption>The audit log, newest first</caption>
<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"""


def verified_line(found: audit.Verified) -> str:
    if found.ok:
        text = f"Chain verified: {found.rows} rows; {found.reason}."
        return forms.message(text, kind="success")
    return forms.message(f"The chain does not hold: {found.reason}.")


def pager(filters: Filters, more: bool) -> str:
    links = []
    if filters.page > 1:
        query = urlencode(filters.params(page=filters.page - 1))
        links.append(f'<a href="{PATH}?{escape(query)}" rel="prev">Newer rows</a>')
    if more:
        query = urlencode(filters.params(page=filters.page + 1))
        links.append(f'<a href="{PATH}?{escape(query)}" rel="next">Older rows</a>')
    shown = f"<span>Page {filters.page}</span>"
    return f'<nav aria-label="Pages of the audit log" class="lfo-pager">{shown} {" ".join(links)}</nav>'


class AuditPage:
    def __init__(self, settings: DashboardSettings, accounts: Accounts) -> None:
        self.settings = settings
        self.accounts = accounts

    def page(self, body: str, status: int = 200) -> Response:
        response = forms.page("Audit log", body, self.settings.service_name, status=status)
        return forms.remember_form_cookie(response, self.settings.https)

    def show(self) -> Response:
        args = flask.request.args
        try:
            filters = parse_filters(args)
        except FilterProblem as problem:
            return self.page(forms.message(str(problem)) + filter_form(args), status=400)
        with self.accounts.engine.connect() as conn:
            found = audit.verify(conn)
            rows = audit.query(
                conn,
                **filters.query_args(),
                limit=PAGE_SIZE + 1,
                offset=(filters.page - 1) * PAGE_SIZE,
                newest_first=True,
            )
        more = len(rows) > PAGE_SIZE
        download = f"{CSV_PATH}?{escape(urlencode(filters.params(page=1)))}"
        body = (
            verified_line(found)
            + filter_form(args)
            + f'<p><a href="{download}" download>Download these rows (CSV)</a></p>'
            + table(rows[:PAGE_SIZE])
            + pager(filters, more)
        )
        return self.page(body)

    def csv(self) -> Response:
        args = flask.request.args
        try:
            filters = parse_filters(args)
        except FilterProblem as problem:
            return self.page(forms.message(str(problem)) + filter_form(args), status=400)
        who = current()
        with self.accounts.engine.begin() as conn:
            rows = audit.query(conn, **filters.query_args())
            audit.record(
                conn,
                "download",
                "ok",
                obj=f"audit log CSV, {len(rows)} rows ({filters.describe()})",
                principal=None if who.anonymous else who,
                client=client_address(),
            )
        stamp = audit.now_utc().strftime("%Y%m%dT%H%M%SZ")
        response = Response(audit.to_csv(rows), mimetype="text/csv")
        response.headers["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
        response.headers["Cache-Control"] = "no-store"
        return response


def register_audit_page(server: flask.Flask, page: AuditPage) -> None:
    server.add_url_rule(PATH, "lfo_audit", page.show, methods=["GET"])
    server.add_url_rule(CSV_PATH, "lfo_audit_csv", page.csv, methods=["GET"])
