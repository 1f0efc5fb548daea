"""The app factory: ``create_app(settings)`` builds a Dash app with the shell and every page.

Nothing here touches the database: it is opened lazily by the first callback that reads it.
Everything the browser loads is served by this app (``serve_locally``, ``assets/``): no CDN.
"""

from __future__ import annotations

import gzip
import html
import logging
import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import flask
from dash import Dash

from dashboard import callbacks, theme
from dashboard.ahead_list import made_ahead_for
from dashboard.api import register_api
from dashboard.callbacks import area as area_cb
from dashboard.callbacks import area_first, area_frame
from dashboard.callbacks import outcomes as outcomes_cb
from dashboard.callbacks import overview as overview_cb
from dashboard.callbacks import quality as quality_cb
from dashboard.callbacks import reach as reach_cb
from dashboard.callbacks import uptake as uptake_cb
from dashboard.charts import about
from dashboard.layouts import Page, home, shell
from dashboard.layouts import accessibility as accessibility_page
from dashboard.layouts import area as area_page
from dashboard.layouts import definitions as definitions_page
from dashboard.layouts import outcomes as outcomes_page
from dashboard.layouts import quality as quality_page
from dashboard.layouts import reach as reach_page
from dashboard.layouts import uptake as uptake_page
from dashboard.services import Services
from dashboard.settings import DashboardSettings
from dashboard.web import register_web
from dashboard.web.headers import script_hash

log = logging.getLogger(__name__)

ASSETS_DIR = Path(__file__).resolve().parent / "assets"
#: plotly.js's basic bundle (scatter, bar and pie: all the charts use), loaded with ``defer`` so
#: that evaluating it overlaps the wait for the layout instead of delaying the renderer's start;
#: ``dcc.Graph`` finds ``window.Plotly`` and never fetches the 4.8 MB full bundle.
PLOTLY_JS = "plotly-basic.min.js"

#: Every page, in navigation order. Add a page here (see docs/dashboard-dev.md).
PAGES: tuple[Page, ...] = (
    Page(
        path="/",
        title=home.TITLE,
        nav_label="Home",
        layout=home.layout,
        register=overview_cb.register,
    ),
    Page(
        path="/reach",
        title=reach_page.TITLE,
        nav_label="Reach",
        layout=reach_page.layout,
        register=reach_cb.register,
    ),
    Page(
        path="/uptake",
        title=uptake_page.TITLE,
        nav_label="Uptake",
        layout=uptake_page.layout,
        register=uptake_cb.register,
    ),
    Page(
        path="/outcomes",
        title=outcomes_page.TITLE,
        nav_label="Outcomes",
        layout=outcomes_page.layout,
        register=outcomes_cb.register,
    ),
    Page(
        path=area_page.PATH,
        title=area_page.TITLE,
        nav_label="Area profile",
        layout=area_page.layout,
        register=area_cb.register,
        prefill=area_frame.prefill,
        first_draw=area_first.first_draw,
    ),
    Page(
        path="/quality",
        title=quality_page.TITLE,
        nav_label="Data quality",
        layout=quality_page.layout,
        register=quality_cb.register,
    ),
    Page(
        path="/definitions",
        title=definitions_page.TITLE,
        nav_label="Definitions",
        layout=definitions_page.layout,
    ),
    Page(
        path="/accessibility",
        title=accessibility_page.TITLE,
        nav_label="Accessibility",
        layout=accessibility_page.layout,
    ),
)

INDEX_STRING = """<!DOCTYPE html>
<html lang="en">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
        GRAPH_PRELOAD
    </head>
    <body>
        {%app_entry%}
        {%config%}
        PLOTLY_GUARD
        {%scripts%}
        {%renderer%}
    </body>
</html>"""


#: dcc.Graph's code, a chunk the renderer fetches only once a layout holds a graph: asked for with
#: the page's scripts instead (``<link rel="preload">``), so a page whose charts come drawn in its
#: first layout (the area profile: ``callbacks.area_first``) does not wait for it after the layout.
GRAPH_CHUNK = "/_dash-component-suites/dash/dcc/async-graph.js"


#: If a graph appears before the deferred bundle has run, dcc.Graph loads plotly.js itself from
#: ``window._dashPlotlyJSURL`` (which the renderer sets to the full bundle): pin that to the
#: basic bundle too (already downloading, so from memory), so the full bundle is never fetched.
#: An inline script: the Content-Security-Policy allows it by its hash (``dashboard.web.headers``).
PLOTLY_GUARD_JS = """Object.defineProperty(window, "_dashPlotlyJSURL", {
  configurable: true, get: function () { return "BASIC_BUNDLE"; }, set: function () {}});"""


class LfoDash(Dash):
    """Dash with the right <title> in the first HTML of every page (before any callback runs),
    and a front-end config that names no outside host and never checks for a newer Dash."""

    lfo_pages: Sequence[Page] = ()
    lfo_service_name: str = ""
    #: the strip above every page (demo banner, role switcher, who is signed in): HTML, or ""
    lfo_banner: Callable[[], str] = staticmethod(lambda: "")
    #: what the app's callbacks, API and health check read through (set by ``create_app``)
    services: Services

    def interpolate_index(self, **kwargs: Any) -> str:  # type: ignore[override]  # Dash's keywords
        if flask.has_request_context():
            path = callbacks.normalise_path(flask.request.path)
            page, _ = callbacks.match_page(path, self.lfo_pages)
            title = page.title if page is not None else "Page not found"
            kwargs["title"] = html.escape(callbacks.document_title(title, self.lfo_service_name))
            kwargs["app_entry"] = self.lfo_banner() + kwargs.get("app_entry", "")
        return str(super().interpolate_index(**kwargs))  # type: ignore[no-untyped-call]

    def _config(self) -> dict[str, Any]:
        config: dict[str, Any] = super()._config()  # type: ignore[no-untyped-call]
        config["disable_version_check"] = True
        config["dash_version_url"] = ""
        config["python_version"] = ""
        return config


#: What is worth compressing (text), and from what size.
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
MIN_COMPRESS_BYTES = 1024
#: Static files (the same bytes for every reader) are compressed once, then kept.
STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/")
#: A fingerprinted static URL never changes its content: browsers may keep it for a year.
LONG_CACHE = "public, max-age=31536000, immutable"


def register_compression(server: flask.Flask, enabled: bool = True) -> None:
    """gzip every text response of 1 kB or more for browsers that accept it: Dash's and the
    site's scripts and styles (3 MB → under 1 MB; compressed once each, then kept in memory),
    callback and API answers (compressed as they go, at the fastest level: 700 kB in about
    5 ms of CPU). Files whose address carries their version (``?m=`` on assets) may be cached
    by the browser for a year. ``enabled`` False (``LFO_COMPRESS=0``): the proxy in front
    compresses (deploy/nginx/lfo.conf), so only the cache header is set here."""
    static: dict[tuple[str, str], bytes] = {}
    lock = threading.Lock()

    @server.after_request
    def compress(response: flask.Response) -> flask.Response:
        request = flask.request
        is_static = request.path.startswith(STATIC_PREFIXES)
        if is_static and request.path.startswith("/assets/") and "m" in request.args:
            response.headers["Cache-Control"] = LONG_CACHE
        if (
            not enabled
            or response.status_code != 200
            or (response.is_streamed and not is_static)
            or "Content-Encoding" in response.headers
            or not (response.mimetype or "").startswith(COMPRESSIBLE)
        ):
            return response
        response.vary.add("Accept-Encoding")
        if not request.accept_encodings["gzip"]:
            return response
        response.direct_passthrough = False
        data = response.get_data()
        if len(data) < MIN_COMPRESS_BYTES:
            return response
        if is_static:
            key = (request.full_path, response.get_etag()[0] or str(len(data)))
            with lock:
                packed = static.get(key)
            if packed is None:
                packed = gzip.compress(data, compresslevel=6, mtime=0)
                with lock:
                    static[key] = packed
        else:
            packed = gzip.compress(data, compresslevel=1, mtime=0)
        response.set_data(packed)
        response.headers["Content-Encoding"] = "gzip"
        return response


def register_layout_no_store(server: flask.Flask) -> None:
    """``/_dash-layout`` is never kept by the browser: its answer depends on the page's address
    (its referrer, ``opened_at``) under one URL, and on Back Chromium reused the last one kept
    (Home's 60 rows of ``rows=all`` at the address without it; issue 11)."""

    @server.after_request
    def no_store(response: flask.Response) -> flask.Response:
        if flask.request.path.endswith("/_dash-layout"):
            response.headers["Cache-Control"] = "no-store"
        return response


def opened_at() -> tuple[str, str] | None:
    """The address (path, query) of the page whose renderer asks for the layout: the
    ``_dash-layout`` request's referrer, if it is a page of this same origin; else None."""
    if not flask.has_request_context():
        return None
    referrer = flask.request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    request = flask.request
    # same origin: scheme and host as the user sees them (behind nginx, from ProxyFix)
    if (parts.scheme, parts.netloc) != (request.scheme, request.host):
        return None
    return parts.path or "/", f"?{parts.query}" if parts.query else ""


def layout_for(
    pages: Sequence[Page], service_name: str, services: Services | None = None
) -> Callable[[], object]:
    """The app's layout function: the shell with the page it is opened at already routed into
    it (and its first state filled in: ``Page.prefill``), so the first page needs no router
    round trip (the bare shell if the address is not known)."""

    def layout() -> object:
        where = opened_at()
        if where is None:
            return shell.shell(pages, service_name)
        return callbacks.initial_layout(*where, pages, service_name, services)

    return layout


def create_app(settings: DashboardSettings | None = None, pages: Sequence[Page] = PAGES) -> LfoDash:
    """A new app for ``settings`` (default: from the environment). Safe to call many times."""
    settings = settings or DashboardSettings.from_env()
    theme.register_template()
    app = LfoDash(
        __name__,
        assets_folder=str(ASSETS_DIR),
        serve_locally=True,
        external_stylesheets=[],
        external_scripts=[],
        assets_ignore=re.escape(PLOTLY_JS),
        title=settings.service_name,
        update_title=None,  # type: ignore[arg-type]  # Dash documents None: no "Updating..." title
        suppress_callback_exceptions=True,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    version = int((ASSETS_DIR / PLOTLY_JS).stat().st_mtime)
    app.config.external_scripts = [
        {"src": f"{app.get_asset_url(PLOTLY_JS)}?m={version}", "defer": "defer"}
    ]
    app.lfo_pages = tuple(pages)
    app.lfo_service_name = settings.service_name
    guard = PLOTLY_GUARD_JS.replace("BASIC_BUNDLE", app.config.external_scripts[0]["src"])
    chunk = app.get_relative_path(GRAPH_CHUNK)  # type: ignore[no-untyped-call]  # not annotated
    app.index_string = INDEX_STRING.replace("PLOTLY_GUARD", f"<script>{guard}</script>").replace(
        "GRAPH_PRELOAD", f'<link rel="preload" href="{chunk}" as="script">'
    )
    services = Services.create(settings, ahead=made_ahead_for(settings.suppression_threshold))
    app.layout = layout_for(app.lfo_pages, settings.service_name, services)
    app.services = services
    callbacks.register(app, services, pages)
    about.register(app)  # every card's "About this indicator", made when first opened
    for page in pages:
        if page.register is not None:
            page.register(app, services)
    register_api(app.server, services)
    register_compression(app.server, settings.compress)
    register_layout_no_store(app.server)
    # last: Dash's inline scripts (its clientside callbacks) are all known only now
    inline_scripts = [*app.csp_hashes(), script_hash(guard)]
    local = register_web(app.server, services, inline_scripts, app.callback_map, pages)
    app.lfo_banner = local.banner_html
    return app
