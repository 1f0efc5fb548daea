"""The one gate (docs/spec/service.md § 1): every request is mapped to the policy actions it needs
and the request's principal is checked against each with ``lfo.access.policy.decide``, before
any page, callback, download or API endpoint runs. Hiding a link is never the protection.

What a request needs (``requirement``):

- static files (``/assets/``, Dash's scripts), ``/healthz``, the sign-in pages: nothing;
- a page, by its path (``PAGE_ACTIONS``); an unknown address, the layout and Dash's dependency
  list: ``view_releases`` (what anyone signed in, or the public under ``LFO_PUBLIC``, may see);
- a Dash callback (``POST /_dash-update-component``), by the page its outputs belong to: the ids'
  prefixes in ``ID_PAGES`` (checked by a test to cover every registered callback), and
  ``export_figures`` too for a chart download;
- the API: ``use_api``, and ``view_live`` for the figures (``/api/v1/data``);
- the server-rendered pages other than sign-in, by their path and every path under it
  (``SERVER_PAGES``, checked before the open ``/account/`` prefix): the audit page
  ``view_audit``, its CSV download ``export_audit`` too; the users page ``manage_users``; the
  tokens page ``manage_own_tokens``; the returns, tracker and challenges pages ``view_live``
  (programme and LA leads), each then asking ``require`` for the one LA it acts on.

Anonymous and refused: a page redirects to ``/sign-in?next=<the path>`` (a relative path only),
a callback or the API answers 401 (JSON). Signed in and refused: 403 (JSON under ``/api/`` and
for callbacks, a plain page otherwise) and a row in the audit log (the first refusal of a client
each minute at once, with what it asked for; the repeats, whatever they asked for, as one row
with their count: ``lfo.access.audit_tally``).
"""

from __future__ import annotations

import atexit
import json
import logging
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

import flask
import orjson
from werkzeug.exceptions import Forbidden, Unauthorized
from werkzeug.wrappers import Response

from dashboard import callbacks
from dashboard.layouts import Page
from dashboard.present.area_address import PATH as AREA_PATH
from dashboard.services.releases import ReleaseStore, check_definitions
from dashboard.settings import DashboardSettings
from dashboard.web import audit_page, release_choice
from dashboard.web.accounts import Accounts, client_address
from dashboard.web.errors import is_api, reads_json
from dashboard.web.limits import CALLBACK_PATH
from dashboard.web.principal import current, token_owner, token_prefix, token_refusal
from dashboard.web.profile_pdf import is_profile_pdf
from lfo.access import audit_tally
from lfo.access.policy import Action, decide
from lfo.access.roles import Principal

log = logging.getLogger(__name__)

SHELL = "shell"
OPEN_PREFIXES = (
    "/assets/",
    "/_dash-component-suites/",
    "/static/",
    "/sign-in",
    "/account/",
    "/local/",
)
OPEN_PATHS = frozenset(
    {"/healthz", "/_favicon.ico", "/_reload-hash", "/sign-out", "/sign-out/everywhere"}
)
#: What each page needs (its path as in ``dashboard.app.PAGES``).
PAGE_ACTIONS: dict[str, tuple[Action, ...]] = {
    "/": ("view_live",),
    "/reach": ("view_live",),
    "/uptake": ("view_live",),
    "/outcomes": ("view_live",),
    AREA_PATH: ("view_live",),
    "/quality": ("view_quality_received",),
    "/definitions": ("view_releases",),
    "/accessibility": ("view_releases",),
    SHELL: ("view_releases",),
}
#: Which page a callback's output id belongs to, by its prefix (a chart card's ids start with
#: ``chart-`` and the chart's name; its download and status are named by their ``chart``).
#: ``SHELL``: the header, navigation, router and the shared "About this indicator".
CHART = "chart-"
ID_PAGES: tuple[tuple[str, str], ...] = (
    ("chart-about-body", SHELL),
    ("home-", "/"),
    ("reach-", "/reach"),
    ("uptake-", "/uptake"),
    ("outcomes-", "/outcomes"),
    ("area-", AREA_PATH),
    ("quality-", "/quality"),
    ("page-content", SHELL),
    ("page-title", SHELL),
    ("nav-link", SHELL),
    ("data-as-at", SHELL),
    ("url", SHELL),
)
DOWNLOAD_TYPE = "chart-download"
#: Why a researcher (releases only) is refused live figures while no release exists.
NO_RELEASE = (
    "these are live (provisional) figures, for programme and LA leads; researchers see "
    "published releases, and none is published yet"
)
API_FIGURES = ("/api/v1/data",)
#: Pages whose figures come from the chosen release (its id checked, a 404 or 409 given, on
#: the page's first load, not only on its callbacks)
RELEASE_READERS = ("view_live", "view_quality_received")
#: The object of the audit row that counts a client's repeated refusals of a minute.
REPEATS = "refused requests"
RETURNS_PATH = "/returns"
TRACKER_PATH = "/tracker"
CHALLENGES_PATH = "/challenges"
RELEASES_PATH = "/releases"
#: The server's own pages (Flask routes, not Dash pages) and what each needs: a path and every
#: path under it, the first that matches (so the more particular first).
SERVER_PAGES: tuple[tuple[str, tuple[Action, ...]], ...] = (
    (audit_page.CSV_PATH, ("view_audit", "export_audit")),
    (audit_page.PATH, ("view_audit",)),
    ("/users", ("manage_users",)),
    ("/account/tokens", ("manage_own_tokens",)),
    (TRACKER_PATH, ("view_live",)),
    (CHALLENGES_PATH, ("view_live",)),
    (RETURNS_PATH, ("view_live",)),
    (RELEASES_PATH + "/publish", ("publish_release",)),
    (RELEASES_PATH, ("view_releases",)),
)


def server_page_need(path: str) -> tuple[Action, ...] | None:
    """What a server page at ``path`` needs (``SERVER_PAGES``), or None for no such page."""
    for prefix, actions in SERVER_PAGES:
        if path == prefix or path.startswith(prefix + "/"):
            return actions
    return None


Need = tuple[Action, ...]


def output_ids(output: str) -> list[tuple[str, str]]:
    """The component ids (as text: a pattern id's ``chart``, else its ``type``) and their dict
    ``type`` ("" for a plain id) of a callback's output key (``Dash.callback_map``'s keys)."""
    text = output.strip()
    parts = text[2:-2].split("...") if text.startswith("..") else [text]
    found = []
    for part in parts:
        ident, _, _prop = part.split("@", 1)[0].rpartition(".")
        if ident.startswith("{"):
            try:
                value = json.loads(ident)
            except ValueError:
                continue
            found.append((str(value.get("chart") or value.get("type") or ""), str(value["type"])))
        else:
            found.append((ident, ""))
    return found


def id_page(ident: str) -> str | None:
    """The page (or ``SHELL``) of a component id; None when ``ID_PAGES`` does not know it."""
    for prefix, page in ID_PAGES:
        if ident.startswith(prefix):
            return page
    if ident.startswith(CHART):
        return id_page(ident.removeprefix(CHART))
    return None


def callback_need(output: str) -> Need | None:
    """What a callback with this output key needs (None: its outputs are not in ``ID_PAGES``)."""
    ids = output_ids(output)
    pages = {id_page(i) for i, _ in ids}
    if not ids or None in pages:
        return None
    if pages != {SHELL}:
        pages.discard(SHELL)  # a page's own callback that also sets the address or title
    need: list[Action] = []
    for page in sorted(p for p in pages if p is not None):
        need.extend(PAGE_ACTIONS[page])
    if any(kind == DOWNLOAD_TYPE for _, kind in ids):
        need.append("export_figures")
    return tuple(dict.fromkeys(need))


def page_need(path: str, pages: Sequence[Page]) -> Need:
    page, _ = callbacks.match_page(callbacks.normalise_path(path), pages)
    if page is None or page.path not in PAGE_ACTIONS:
        return PAGE_ACTIONS[SHELL]
    return PAGE_ACTIONS[page.path]


def requirement(request: flask.Request, pages: Sequence[Page]) -> Need:
    """What ``request`` needs (module docstring); () for nothing."""
    path = request.path
    server_page = server_page_need(path)
    if server_page is not None:
        return server_page
    if path in OPEN_PATHS or path.startswith(OPEN_PREFIXES):
        return ()
    if is_profile_pdf(path):  # the area profile's PDF: as the area profile itself
        return PAGE_ACTIONS[AREA_PATH]
    if is_api(path):
        return ("use_api", "view_live") if path in API_FIGURES else ("use_api",)
    if path == CALLBACK_PATH:
        try:
            body: Any = orjson.loads(request.get_data(cache=True))
        except orjson.JSONDecodeError:
            body = None
        output = body.get("output") if isinstance(body, dict) else None
        need = callback_need(output) if isinstance(output, str) else None
        return need if need is not None else PAGE_ACTIONS[SHELL]
    if path.startswith("/_dash-"):
        return PAGE_ACTIONS[SHELL]
    return page_need(path, pages)


def safe_next(target: str | None) -> str:
    """``target`` if it is a path of this site (``/…``, not ``//…`` nor ``/\\…``), else ``/``."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith(("//", "/\\"))
        or any(c in target for c in "\r\n\\")
    ):
        return "/"
    return target


class Gate:
    """The gate of one app: its settings, pages and the refusals' tally."""

    def __init__(
        self,
        settings: DashboardSettings,
        accounts: Accounts,
        pages: Sequence[Page],
        releases: ReleaseStore | None = None,
    ) -> None:
        self.settings = settings
        self.accounts = accounts
        self.pages = tuple(pages)
        self.releases = releases
        self.refusals = audit_tally.refusals()
        self.api_requests = audit_tally.api_requests()

    def check(self) -> Response | None:
        """None to go on; else the answer (a redirect), or an HTTP error raised."""
        request = flask.request
        refused_token = token_refusal()
        if refused_token is not None:
            prefix = token_prefix()
            what = f"bearer token {prefix}…" if prefix else "bearer token"
            self.refuse(what, refused_token, anonymous=is_api(request.path))
        need = requirement(request, self.pages)
        who = current()
        api = is_api(request.path)
        chosen = None
        # the router and the first layout (``/_dash-…``) show a page's banner and first figures
        if self.releases is not None and (
            any(a in RELEASE_READERS for a in need) or request.path.startswith("/_dash-")
        ):
            live = decide(who, "view_live", None, public=self.settings.public, api=api).allowed
            chosen = release_choice.resolve(request, self.releases, live_allowed=live)
            if chosen is not None:
                # a release's figures: what researchers and the public may see too
                need = tuple("view_released" if a == "view_live" else a for a in need)
        for action in need:
            decision = decide(who, action, None, public=self.settings.public, api=api)
            if decision.allowed:
                continue
            if who.anonymous:
                if reads_json(request.path):
                    raise Unauthorized("Sign in first.")
                path = request.full_path if request.query_string else request.path
                target = quote(safe_next(path), safe="/")
                return flask.redirect(f"/sign-in?next={target}", code=303)
            reason = decision.reason
            if action == "view_live" and decide(who, "view_released", None, api=api).allowed:
                reason = NO_RELEASE
            self.refuse(action, reason)
        if chosen is not None:  # allowed to read it, but made under other definitions: a 409
            check_definitions(chosen)
        if who.via_token:
            self.count_api_request(who)
        return None

    def count_api_request(self, who: Principal) -> None:
        """Count a token's request; write the counts of the hours that are over (service.md § 4:
        API requests counted per token per hour)."""
        client = client_address()
        self.api_requests.add(audit_tally.Key(who, client, f"token {token_prefix()}"))
        self.write_api_counts(self.api_requests.due())

    def write_api_counts(self, counts: list[audit_tally.Count]) -> None:
        if not counts:
            return
        try:
            with self.accounts.engine.begin() as conn:
                self.api_requests.write(conn, counts)
        except Exception:  # counted again never: a lost hour's count is logged
            log.exception("could not record %d API request count(s)", len(counts))

    def refuse(self, action: str, reason: str, *, anonymous: bool = False) -> None:
        """Audit the refusal, then raise 403 (401 for an anonymous API request)."""
        self.audit_refusal(f"{action} {flask.request.path}")
        if anonymous:
            raise Unauthorized(f"Refused: {reason}.")
        raise Forbidden(f"Refused: {reason}.")

    def audit_refusal(self, what: str) -> None:
        who = current()
        if who.local:  # the role switcher's simulation (demo, --no-sign-in): nobody to audit
            return
        principal = token_owner() or (None if who.anonymous and who.user_id is None else who)
        # one count per client and person a minute, whatever they asked for (service.md § 4): a
        # client cycling addresses adds to one count, not a row per address
        key = audit_tally.Key(principal, client_address(), REPEATS)
        try:
            audit_tally.refused(self.accounts.engine, self.refusals, key, obj=what)
        except Exception:  # the refusal stands even if the audit log cannot be written now
            log.exception("could not record a refused request in the audit log")


def require(action: Action, obj: str | None) -> Principal:
    """For a server page acting on one LA (``obj``, a GSS code the page checked against its own
    list; None: every LA): the principal, if it may do ``action`` to ``obj``; else the refusal,
    audited, as a 403 (the page's own ``SERVER_PAGES`` need was checked before it ran)."""
    gate: Gate = flask.current_app.extensions["lfo_gate"]
    who = current()
    decision = decide(who, action, obj, public=gate.settings.public)
    if not decision.allowed:
        gate.refuse(f"{action} {obj or 'every LA'}", decision.reason)
    return who


def register_gate(server: flask.Flask, gate: Gate) -> Callable[[], Response | None]:
    """Check every request; at exit, write the API request counts still in memory."""
    server.extensions["lfo_gate"] = gate
    atexit.register(lambda: gate.write_api_counts(gate.api_requests.drain()))

    @server.before_request
    def _gate() -> Response | None:
        return gate.check()

    return _gate
