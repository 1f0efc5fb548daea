"""The frame around every page: skip link, header, navigation, main landmark and footer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from dashboard import ids
from dashboard.layouts import Page
from dashboard.present.benchmark import BENCHMARK_LABEL, BENCHMARK_NOTE, benchmark_options
from dashboard.present.choices import (
    benchmark_from_search,
    ci_from_search,
    with_ci,
    with_release,
)
from lfo.periods import period

CURRENT_PAGE_TEXT = " (current page)"


def aria(**attributes: str) -> dict[str, Any]:
    """ARIA attributes for a component's keyword arguments: ``**aria(label="Main")`` gives
    ``aria-label="Main"`` (Dash takes them as ``aria-*`` keywords)."""
    return {f"aria-{name}": value for name, value in attributes.items()}


def shell(
    pages: Sequence[Page],
    service_name: str,
    *,
    pathname: str | None = None,
    search: str | None = None,
    content: Component | None = None,
    title: str | None = None,
    current: str | None = None,
    release: str | None = None,
) -> html.Div:
    """The whole app layout; the router fills ``ids.PAGE_CONTENT``; ``release``: the release
    the page shows (the gate's choice), kept by the navigation's links.

    Given the address the page was opened at (``pathname``, ``search``), the shell comes with that
    page already in it (``content``, its document ``title``, the ``current`` navigation path), and
    the location component already holds the address, so it does not announce it on load and
    the router has nothing to do until the reader follows a link. Without them, the location
    component reads the address in the browser and the router fills the page.
    """
    return html.Div(
        className="lfo-page",
        children=[
            dcc.Location(id=ids.URL, refresh=False, pathname=pathname, search=search),
            dcc.Store(id=ids.PAGE_TITLE, data=title),
            html.Div(id=ids.TITLE_SINK, hidden=True),
            html.A(
                "Skip to main content",
                href=f"#{ids.MAIN}",
                id=ids.SKIP_LINK,
                className="lfo-skip-link",
            ),
            header(
                pages,
                service_name,
                current,
                ci=ci_from_search(search),
                search=search,
                release=release,
            ),
            html.Main(
                id=ids.MAIN,
                tabIndex="-1",
                className="container lfo-main",
                children=html.Div(content, id=ids.PAGE_CONTENT),
            ),
            footer(),
        ],
    )


def header(
    pages: Sequence[Page],
    service_name: str,
    current: str | None = None,
    *,
    ci: str | None = None,
    search: str | None = None,
    release: str | None = None,
) -> html.Header:
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
            navigation(
                pages,
                current,
                ci=ci,
                benchmark=benchmark_from_search(search),
                release=release,
            ),
        ],
    )


NAV_CLASS = "lfo-nav__link"
NAV_CURRENT_CLASS = "lfo-nav__link lfo-nav__link--current"


def navigation(
    pages: Sequence[Page],
    current: str | None = None,
    *,
    ci: str | None = None,
    benchmark: str | None = None,
    release: str | None = None,
) -> html.Nav:
    """Links to every page in the navigation (real links: they work without the router);
    ``current``, the path of the page shown, is marked as the current page. The links carry the
    confidence level ``ci`` and the ``benchmark`` (only those: other pages' filters are their own), so the level chosen
    on one page holds on the next (``choices.with_ci``; the default adds nothing); and the
    ``release`` a page shows, so that a permalink keeps it (``choices.with_release``)."""
    items = [
        html.Li(
            dcc.Link(
                nav_link_children(page.nav_label, page.path == current),
                href=with_release(with_ci(page.path, ci, benchmark), release),
                id=ids.nav_link(page.path),
                className=NAV_CURRENT_CLASS if page.path == current else NAV_CLASS,
            ),
            className="lfo-nav__item",
        )
        for page in pages
        if page.in_nav
    ]
    return html.Nav(
        id=ids.NAV,
        className="lfo-nav",
        **aria(label="Main"),
        children=html.Div(
            className="container", children=html.Ul(items, className="lfo-nav__list")
        ),
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


def unavailable(reason: str) -> html.Div:
    """The notice shown in place of a page's figures when the data cannot be read."""
    return html.Div(
        html.P(f"The data cannot be shown just now: {reason}."),
        className="alert alert-warning",
        role="status",
    )


def period_options(codes: Sequence[str]) -> list[dict[str, str]]:
    """A period select's options for period codes, in their order, each labelled as a period
    choice reads (``Period.option_label``: "2017-18 Q3", "Financial year 2017-18")."""
    return [{"label": period(code).option_label, "value": code} for code in codes]


def not_found(path: str) -> html.Div:
    """The page shown for an unknown path (a page, not an error)."""
    return html.Div(
        [
            html.H1("Page not found"),
            html.P(f"There is no page at {path}. Check the address, or go to the home page."),
            html.P(dcc.Link("Go to the home page", href="/")),
        ]
    )


def benchmark_choice(component_id: str, kind: str, column: str = "col-md-6") -> html.Div:
    """The benchmark select (programme, statistical neighbours, region; ``present.benchmark``)
    with the line saying what the groups are: Home's and the area profile's."""
    return html.Div(
        className=column,
        children=[
            html.Label(BENCHMARK_LABEL, htmlFor=component_id, className="form-label fw-bold"),
            dbc.Select(
                id=component_id,
                value=kind,
                options=benchmark_options(),
                style={"maxWidth": "22rem"},
            ),
            html.P(BENCHMARK_NOTE, className="small text-body-secondary mb-0"),
        ],
    )
