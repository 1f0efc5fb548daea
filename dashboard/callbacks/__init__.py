"""Callbacks of the shell (router, navigation, document title, the footer's "data as at"), as
plain module-level functions attached per app by ``register(app, services, pages)``.

Page modules add their own ``register(app, services)``; ``dashboard.app`` calls them.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Sequence
from functools import partial, update_wrapper
from typing import Any

from dash import ALL, Dash, Input, Output, State, callback_context, html
from dash.development.base_component import Component
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.callbacks.release_banner import release_banner
from dashboard.layouts import Page, shell
from dashboard.present.choices import (
    benchmark_from_search,
    ci_from_search,
    with_ci,
    with_release,
)
from dashboard.present.home import AS_AT_UNKNOWN, data_as_at
from dashboard.services import Services, chosen_release_id
from dashboard.services.database import READ_ERRORS

log = logging.getLogger(__name__)

NAV_CLASS = shell.NAV_CLASS
NAV_CURRENT_CLASS = shell.NAV_CURRENT_CLASS

# Sets the document title from the router's Store; after the first page, moves focus to <main>
# so that keyboard and screen-reader users land on the new page's content.
SET_TITLE_JS = """
function(title) {
    if (title) { document.title = title; }
    if (window.lfoShellRouted) {
        var main = document.getElementById('MAIN_ID');
        if (main) { main.focus({preventScroll: false}); }
    }
    window.lfoShellRouted = true;
    return window.dash_clientside.no_update;
}
""".replace("MAIN_ID", ids.MAIN)


def bound(function: Callable[..., Any], *args: Any) -> Callable[..., Any]:
    """``function`` with its first arguments given (what ``register`` attaches: a module-level
    ``update_*`` function bound to the app's services), keeping its name and module (profiles,
    logs and the benchmarks name a callback by them)."""
    return update_wrapper(partial(function, *args), function)


def document_title(page_title: str, service_name: str) -> str:
    if page_title == service_name:
        return service_name
    return f"{page_title} – {service_name}"


def normalise_path(pathname: str | None) -> str:
    """``/area/`` → ``/area``; empty → ``/``."""
    path = (pathname or "/").rstrip("/")
    return path or "/"


#: The pages that show figures (a release's or the live ones): the banner says which.
FIGURES_PAGES = frozenset({"/", "/reach", "/uptake", "/outcomes", "/area", "/quality"})


def route(
    pathname: str | None,
    search: str | None,
    pages: Sequence[Page],
    service_name: str,
    services: Services | None = None,
    *,
    first: bool = False,
) -> tuple[Component, str]:
    """The layout and document title for ``pathname`` (a not-found page for unknown paths),
    with the page's first state filled in when it has a ``prefill`` (and ``services`` is given);
    ``first``: the page is opened at its address (not reached through the router), so its
    charts are drawn into it too when it has a ``first_draw``."""
    path = normalise_path(pathname)
    page, code = match_page(path, pages)
    if page is not None:
        kwargs = {"search": search or ""}
        if code is not None:
            kwargs["code"] = code
        content = page.layout(**kwargs)
        title = page.title
        if page.prefill is not None and services is not None:
            title = page.prefill(services, content) or title
            if first and page.first_draw is not None:
                page.first_draw(services, content)
        banner = None
        if services is not None:
            here = path + (search if search and search.startswith("?") else "")
            banner = release_banner(services, figures=page.path in FIGURES_PAGES, here=here)
        if banner is not None:
            content = html.Div([banner, content])
        return content, document_title(title, service_name)
    return shell.not_found(path), document_title("Page not found", service_name)


def nav_path(pathname: str | None, pages: Sequence[Page]) -> str:
    """The navigation path to mark as current for ``pathname`` (``/area/E06000009`` → ``/area``)."""
    page, _ = match_page(normalise_path(pathname), pages)
    return page.path if page is not None else normalise_path(pathname)


def initial_layout(
    pathname: str | None,
    search: str | None,
    pages: Sequence[Page],
    service_name: str,
    services: Services | None = None,
) -> Component:
    """The app layout with the page at ``pathname`` already routed (no router round trip on the
    first load); ``pathname`` None: the bare shell, routed in the browser."""
    if pathname is None:
        return shell.shell(pages, service_name)
    content, title = route(pathname, search, pages, service_name, services, first=True)
    return shell.shell(
        pages,
        service_name,
        pathname=pathname,
        search=search or "",
        content=content,
        title=title,
        current=nav_path(pathname, pages),
        release=chosen_release_id(),
    )


def match_page(path: str, pages: Sequence[Page]) -> tuple[Page | None, str | None]:
    """The page for a normalised ``path`` and its path parameter: an exact match (parameter
    None), else ``<page path>/<one segment>`` for a page whose layout takes ``code`` (as
    ``/area/E06000009``). Other pages never match a longer path."""
    for page in pages:
        if page.path == path:
            return page, None
    head, _, rest = path.rpartition("/")
    if head and rest:
        for page in pages:
            if page.path == head and "code" in inspect.signature(page.layout).parameters:
                return page, rest
    return None, None


def update_page(
    pages: Sequence[Page], services: Services, pathname: str | None, search: str | None
) -> tuple[Component, str]:
    """The router: the page at the address and its document title."""
    return route(pathname, search, pages, services.settings.service_name, services)


def update_nav(
    pages: Sequence[Page], pathname: str | None
) -> tuple[list[str], list[list[Component | str]]]:
    """Every navigation link's class and content, the current page's marked as such."""
    path = nav_path(pathname, pages)
    labels = {p.path: p.nav_label for p in pages if p.in_nav}
    link_ids = [o.get("id") for o in callback_context.outputs_list[0]]
    # the links are the browser's list: only the app's own, never more than there are
    if len(link_ids) > len(labels) or not all(
        isinstance(i, dict) and i.get("path") in labels for i in link_ids
    ):
        raise PreventUpdate
    classes, children = [], []
    for link_id in link_ids:
        current = link_id["path"] == path
        classes.append(NAV_CURRENT_CLASS if current else NAV_CLASS)
        children.append(shell.nav_link_children(labels[link_id["path"]], current))
    return classes, children


def update_nav_links(pages: Sequence[Page], search: str | None) -> list[str]:
    """Every navigation link's address, carrying the confidence level and the benchmark the
    page's address says (``?ci=99.8&benchmark=neighbours``; nothing else of the page's
    filters), so both hold from page to page; and the release the page shows (the gate's
    choice, ``chosen_release_id``), as every link a page draws does (``with_release``)."""
    paths = {p.path for p in pages if p.in_nav}
    link_ids = [o.get("id") for o in callback_context.outputs_list]
    if len(link_ids) > len(paths) or not all(
        isinstance(i, dict) and i.get("path") in paths for i in link_ids
    ):
        raise PreventUpdate
    text = search if isinstance(search, str) else None
    ci, kind = ci_from_search(text), benchmark_from_search(text)
    release = chosen_release_id()
    return [with_release(with_ci(str(i["path"]), ci, kind), release) for i in link_ids]


def update_data_as_at(services: Services, _pathname: str | None) -> str:
    """The footer's "Data as at": when the latest return was loaded (a release's own, for a
    page showing one)."""
    try:
        when = services.data_as_at()
    except READ_ERRORS as exc:
        log.warning("data as at: %s", exc)
        return AS_AT_UNKNOWN
    return data_as_at(when)


def register(app: Dash, services: Services, pages: Sequence[Page]) -> None:
    """Attach the router, navigation state, document title and footer callbacks. (A request
    naming no callback of the app, or with other inputs than it takes, is refused with a 400 at
    the Flask layer: ``dashboard.web.limits``.)"""
    # The first page comes routed in the layout (``initial_layout``), with the address already in
    # the location component: the router and the navigation run only when the address changes
    # (a link followed, back / forward), or on load if the layout could not be routed (the
    # location component then announces the address it reads in the browser).
    app.callback(
        Output(ids.PAGE_CONTENT, "children"),
        Output(ids.PAGE_TITLE, "data"),
        Input(ids.URL, "pathname"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )(bound(update_page, pages, services))
    app.callback(
        # a pattern: every navigation link (``ids.nav_link`` takes the wildcard as a path)
        Output(ids.nav_link(ALL), "className"),  # type: ignore[arg-type]
        Output(ids.nav_link(ALL), "children"),  # type: ignore[arg-type]
        Input(ids.URL, "pathname"),
        prevent_initial_call=True,
    )(bound(update_nav, pages))
    app.callback(
        Output(ids.nav_link(ALL), "href"),  # type: ignore[arg-type]
        Input(ids.URL, "search"),
        prevent_initial_call=True,
    )(bound(update_nav_links, pages))
    app.callback(Output(ids.DATA_AS_AT, "children"), Input(ids.URL, "pathname"))(
        bound(update_data_as_at, services)
    )
    app.clientside_callback(  # type: ignore[no-untyped-call]  # Dash's method is untyped
        SET_TITLE_JS, Output(ids.TITLE_SINK, "children"), Input(ids.PAGE_TITLE, "data")
    )
