"""A chart card's table twin, built on the server when the reader opens it.

A card's "Show the data in a table" (``card._table_details``) is sent folded, its table out:
a page's callback fills the table's place with ``loading()`` (a line saying the table is
loading, ``aria-busy``) whenever it draws the chart for a view key. The twins of a page's cards
were most of its components (the area profile: about 760 of 1,180), and the browser's renderer
walks every component on each update (docs/benchmarks.md, "Issue 11 — speed as felt").

When the reader opens the twin (a click on its summary: an odd count, as the About panels count
them, ``dashboard.charts.about``; Dash's ``html.Details`` does not report its ``open``), a
clientside callback (``REQUEST_JS``, in the browser) writes the card's view key into the twin's
request store; so does every new view key while the twin is open, so a reader who opened it and
then changes a filter sees the new table. Nothing is asked of the server while the twin is
folded. The server's callback (``attach``, by ``downloads.attach`` for every card with
downloads) builds the table from that key only, with the page's own ``rebuild(view)`` that
checks the key against the server's lists, as the downloads do: never from anything else the
browser holds. A key not recognised, or a chart with nothing to draw, is a line of text.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, update_wrapper
from typing import Any

from dash import Input, Output, html
from dash.development.base_component import Component
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.charts.content import ChartContent
from dashboard.charts.table import plain_json, table_twin

#: What the twin says until the server's table replaces it (``aria-busy``).
LOADING = "Loading the table…"
#: What a twin says for a view key the server does not recognise, and for an empty chart.
NOT_RECOGNISED = "Sorry, this chart's settings were not recognised, so there is no table."
NOTHING = "There are no figures for this chart."
#: The parts of a card the twin adds (``ids.chart(chart_id, part)``): the summary whose clicks
#: open it, and the store the browser writes the view key of an open twin into.
SUMMARY_PART, REQUEST_PART = "table-summary", "table-request"

#: In the browser: the view key when the twin is open (an odd count of clicks on its summary)
#: and the chart has one; else nothing (the server is not asked).
REQUEST_JS = """
function(n_clicks, view) {
    if (!n_clicks || n_clicks % 2 === 0 || !view) { return window.dash_clientside.no_update; }
    return {"view": view, "opened": n_clicks};
}
"""

#: Attributes Dash takes only as keyword arguments spelt with a hyphen.
_BUSY: dict[str, Any] = {"aria-busy": "true"}

#: ``build(view)``: the twin's table for a view key, built on the server (None: nothing to
#: draw); ``ValueError`` for a key it does not recognise.
Build = Callable[[object], Component | None]


def loading() -> html.P:
    """The twin's place until its table comes: says so, and is marked busy."""
    return html.P(LOADING, className="chart-table-loading mb-0", **_BUSY)


def caption(content: ChartContent) -> str:
    """The table's caption: the chart's title and subtitle."""
    return f"{content.title}. {content.subtitle}".strip()


def table_of(content: ChartContent) -> html.Table | None:
    """The kit's twin of ``content`` (None when it has nothing to draw)."""
    if content.empty_message:
        return None
    return table_twin(content.table, caption(content))


def from_content(rebuild: Callable[[object], ChartContent]) -> Build:
    """A ``Build`` from a page's ``rebuild(view)`` (``downloads.Rebuild``): the kit's twin of
    the content it builds again."""

    def build(view: object) -> html.Table | None:
        return table_of(rebuild(view))

    return build


def update_twin(build: Build, request: object) -> Any:
    """The twin's table for the view key in ``request`` (what ``REQUEST_JS`` wrote), built by
    ``build`` (which checks the key); a line of text for a key not recognised or no figures."""
    view = request.get("view") if isinstance(request, dict) else None
    if view is None:
        raise PreventUpdate
    try:
        table = build(view)
    except ValueError:
        return plain_json(html.P(NOT_RECOGNISED, className="mb-0"))
    return plain_json(table if table is not None else html.P(NOTHING, className="mb-0"))


def attach(app: Any, chart_id: str, build: Build) -> None:
    """The callbacks that fill the twin of the card ``chart_id`` when it is opened: in the
    browser, the request (``REQUEST_JS``); on the server, the table (``update_twin``)."""
    app.clientside_callback(
        REQUEST_JS,
        Output(ids.chart(chart_id, REQUEST_PART), "data"),
        Input(ids.chart(chart_id, SUMMARY_PART), "n_clicks"),
        Input(ids.chart_pattern(chart_id, "view"), "data"),
        prevent_initial_call=True,
    )
    # bound with its name kept: Dash's callback map, logs and the benchmarks name it by it
    fill = update_wrapper(partial(update_twin, build), update_twin)
    app.callback(
        # the page's callback writes ``loading()`` here with each new view key
        Output(ids.chart(chart_id, "table"), "children", allow_duplicate=True),
        Input(ids.chart(chart_id, REQUEST_PART), "data"),
        prevent_initial_call=True,
    )(fill)
