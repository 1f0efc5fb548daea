"""The frame around every page: skip link, header, navigation, main landmark and footer."""

from __future__ import annotations

from collections.abc import Sequence

from dash import dcc, html
from dash.development.base_component import Component

from dashboard import ids
from dashboard.layouts import Page

CURRENT_PAGE_TEXT = " (current page)"


def shell(pages: Sequence[Page], service_name: str) -> html.Div:
    """The whole app layout; the router fills ``ids.PAGE_CONTENT``."""
    return html.Div(
        className="lfo-page",
        children=[
            dcc.Location(id=ids.URL, refresh=False),
            dcc.Store(id=ids.PAGE_TITLE),
            html.Div(id=ids.TITLE_SINK, hidden=True),
            html.A(
                "Skip to main content",
                href=f"#{ids.MAIN}",
                id=ids.SKIP_LINK,
                className="lfo-skip-link",
            ),
            header(pages, service_name),
            html.Main(
                id=ids.MAIN,
                tabIndex="-1",
                className="container lfo-main",
                children=html.Div(id=ids.PAGE_CONTENT),
            ),
            footer(),
        ],
    )


def header(pages: Sequence[Page], service_name: str) -> html.Header:
    return html.Header(
        id=ids.HEADER,
        className="lfo-header",
        children=[
            html.Div(
                className="container",
                children=[
                    dcc.Link(service_name, href="/", className="lfo-header__service"),
                    html.Span("Department for Work and Pensions", className="lfo-header__org"),
                ],
            ),
            navigation(pages),
        ],
    )


def navigation(pages: Sequence[Page]) -> html.Nav:
    """Links to every page in the navigation (real links: they work without the router)."""
    items = [
        html.Li(
            dcc.Link(page.nav_label, href=page.path, id=ids.nav_link(page.path),
                     className="lfo-nav__link"),
            className="lfo-nav__item",
        )
        for page in pages
        if page.in_nav
    ]
    return html.Nav(
        id=ids.NAV,
        className="lfo-nav",
        **{"aria-label": "Main"},
        children=html.Div(className="container", children=html.Ul(items, className="lfo-nav__list")),
    )


def nav_link_children(label: str, current: bool) -> list[Component | str]:
    """A navigation link's content; the current page says so to screen readers too."""
    if current:
        return [label, html.Span(CURRENT_PAGE_TEXT, className="visually-hidden")]
    return [label]


def footer() -> html.Footer:
    return html.Footer(
        id=ids.FOOTER,
        className="lfo-footer",
        children=html.Div(
            className="container",
            children=[
                html.P(["Data as at: ", html.Span("not yet known", id=ids.DATA_AS_AT)]),
                html.P(
                    "Official statistics in development. Counts below the suppression threshold "
                    "are not shown.",
                ),
                html.P("© Crown copyright", className="lfo-footer__copyright"),
            ],
        ),
    )


def messages_banner(messages: Sequence[str]) -> Component | None:
    """A notice listing problems with the address (bad query values), or None if there are none."""
    if not messages:
        return None
    return html.Div(
        className="alert alert-warning lfo-notice",
        role="status",
        children=[
            html.P("Some settings in the address could not be used:", className="fw-bold mb-1"),
            html.Ul([html.Li(m) for m in messages], className="mb-0"),
        ],
    )


def not_found(path: str) -> html.Div:
    """The page shown for an unknown path (a page, not an error)."""
    return html.Div(
        [
            html.H1("Page not found"),
            html.P(f"There is no page at {path}. Check the address, or go to the home page."),
            html.P(dcc.Link("Go to the home page", href="/")),
        ]
    )
