"""The frame's contract with pages: a page may write its state into the query string without being
re-rendered (so keyboard focus stays where it is), and the router passes the query to the layout."""

from __future__ import annotations

from dash import Input, Output, html
from support.browser import serving, wait_for_dash

from dashboard import ids
from dashboard.app import PAGES, create_app
from dashboard.layouts import Page
from dashboard.settings import DashboardSettings

PROBE_INITIAL = "probe-initial"
PROBE_NEXT = "probe-next"


def probe_layout(search: str = "") -> html.Div:
    return html.Div(
        [
            html.H1("Probe"),
            html.P(["Query when rendered: ", html.Span(search or "none", id=PROBE_INITIAL)]),
            html.Button("Next", id=PROBE_NEXT, type="button", className="btn btn-primary"),
        ]
    )


def register_probe(app, _services) -> None:
    def update_query(n_clicks: int | None) -> str:
        return f"?n={n_clicks}"

    app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input(PROBE_NEXT, "n_clicks"),
        prevent_initial_call=True,
    )(update_query)


def test_writing_the_query_keeps_the_page_and_focus(browser_db_url, browsing):
    probe = Page(
        path="/probe",
        title="Probe",
        nav_label="Probe",
        layout=probe_layout,
        register=register_probe,
    )
    app = create_app(DashboardSettings(database_url=browser_db_url), pages=(*PAGES, probe))
    page = browsing.page
    with serving(app) as base:
        page.goto(f"{base}/probe?n=7")
        wait_for_dash(page)
        assert page.locator(f"#{PROBE_INITIAL}").inner_text() == "?n=7"
        assert page.title() == "Probe – Local Family Offer monitoring"
        page.locator(f"#{PROBE_NEXT}").focus()
        page.keyboard.press("Enter")
        page.wait_for_url("**/probe?n=1")
        page.keyboard.press("Enter")
        page.wait_for_url("**/probe?n=2")
        assert page.locator(f"#{PROBE_INITIAL}").inner_text() == "?n=7"  # not re-rendered
        assert page.evaluate("() => document.activeElement.id") == PROBE_NEXT
