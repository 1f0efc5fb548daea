"""The chart card: heading, subtitle, chart, summary, "About this indicator" (``about``), notes,
table twin and downloads.

A page puts ``chart_card(chart_id, title)`` in its layout (no data), lists ``card_outputs(chart_id)``
among its callback's outputs and returns ``render(content, view)`` for them (a ``ChartContent``,
from ``dashboard.charts.content``). ``view`` is the chart's view key: the few codes the page's
callback drew the chart for (area, indicator, period...), kept in the card. A download press
sends only that key; the page's download callback (``dashboard.charts.downloads.attach``) checks
it against the server's own lists and makes the file from the content it builds again on the
server: nothing the browser holds is ever drawn or written into a file. The table twin is built
the same way, when the reader opens it (``dashboard.charts.twin``): ``render`` sends its place
saying it is loading.

The chart and everything that goes with it sit in one ``.chart-content`` wrapper, the
stylesheets' hook (on a phone: summary, table, chart, the rest). A page that leaves out a chart
with nothing to draw (Home, the topic pages) also lists ``shown_outputs`` and returns
``shown_values``: the card's section hidden and one line saying which chart is not shown and why.
"""

from __future__ import annotations

import re
from typing import Any

import plotly.graph_objects as go
from dash import Output, dcc, html, no_update
from dash.development.base_component import Component

from dashboard import ids, theme
from dashboard.charts import twin
from dashboard.charts.about import about_shell
from dashboard.charts.content import ChartContent, meta_line
from dashboard.charts.figures.base import Figure, Wired, empty_figure, layout_of, to_wire
from dashboard.charts.table import plain_json, table_twin

#: Download formats: (format, button text, file extension).
FORMATS = (
    ("png", "PNG", "png"),
    ("svg", "SVG", "svg"),
    ("csv", "CSV", "csv"),
    ("xlsx", "Excel", "xlsx"),
)
_CHART_ID = re.compile(r"^[a-z][a-z0-9-]{0,62}$")

__all__ = [
    "FORMATS",
    "ChartContent",
    "View",
    "card_outputs",
    "chart_card",
    "check_chart_id",
    "not_shown_line",
    "plain_outputs",
    "render",
    "shown_outputs",
    "shown_values",
]


def check_chart_id(chart_id: str) -> str:
    """Chart ids name files and DOM ids: lower-case letters, digits and hyphens."""
    if not _CHART_ID.match(chart_id):
        raise ValueError(f"chart_id must match {_CHART_ID.pattern}, not {chart_id!r}")
    return chart_id


# --- layout --------------------------------------------------------------------------------------


def _aria(**attrs: str) -> dict[str, Any]:
    """``aria-*`` props for a Dash component: ``_aria(label="…")`` is ``{"aria-label": "…"}``."""
    return {f"aria-{name}": value for name, value in attrs.items()}


def chart_card(chart_id: str, title: str, *, heading_level: int = 2) -> Component:
    """The card's static layout: no data (a page's callback fills it through ``card_outputs``)."""
    check_chart_id(chart_id)
    if heading_level not in (2, 3, 4, 5, 6):
        raise ValueError("heading_level must be 2 to 6 (the page has the one h1)")
    heading_tag = getattr(html, f"H{heading_level}")
    heading_id = ids.chart(chart_id, "heading")
    summary_id = ids.chart(chart_id, "summary")
    return html.Section(
        id=ids.chart(chart_id, "section"),
        className="chart-card mb-5",
        **_aria(labelledby=heading_id),
        children=[
            heading_tag(title, id=heading_id, className="chart-title"),
            html.P(id=ids.chart(chart_id, "subtitle"), className="chart-subtitle"),
            html.Div(
                id=ids.chart(chart_id, "empty"),
                hidden=True,
                className="chart-empty alert alert-secondary",
                role="status",
            ),
            html.Div(
                id=ids.chart(chart_id, "content"),
                # the chart and all that goes with it: the stylesheets' hook (phones put the
                # summary and table first), hidden whole when there is nothing to draw
                className="chart-content",
                children=[
                    html.Figure(
                        id=ids.chart(chart_id, "figure"),
                        className="chart-figure mb-2",
                        **_aria(labelledby=heading_id, describedby=summary_id),
                        children=dcc.Graph(
                            id=ids.chart(chart_id, "graph"),
                            figure=empty_figure("Loading…"),
                            # a plain dict in dashboard.theme; dcc.Graph types it as its Config
                            config=theme.GRAPH_CONFIG,  # type: ignore[arg-type]
                            responsive=True,
                        ),
                    ),
                    html.P(id=summary_id, className="chart-summary"),
                    html.Div(id=ids.chart(chart_id, "about"), className="chart-about-box"),
                    html.Ul(id=ids.chart(chart_id, "notes"), className="chart-notes small"),
                    _table_details(chart_id, title),
                    _download_buttons(chart_id, title),
                    html.P(
                        id=ids.chart_pattern(chart_id, "status"),
                        className="small mt-1 mb-0",
                        role="status",
                    ),
                    html.P(id=ids.chart(chart_id, "meta"), className="chart-meta small"),
                ],
            ),
            dcc.Download(id=ids.chart_pattern(chart_id, "download")),
            dcc.Store(id=ids.chart_pattern(chart_id, "view")),
            dcc.Store(id=ids.chart(chart_id, twin.REQUEST_PART)),
        ],
    )


def _table_details(chart_id: str, title: str) -> Component:
    """The table twin, folded under "Show the data in a table"."""
    return html.Details(
        [
            # its clicks open it: the table is built on the server then (``twin``)
            html.Summary(
                "Show the data in a table",
                id=ids.chart(chart_id, twin.SUMMARY_PART),
                n_clicks=0,
            ),
            # focusable and named, so keyboard users can scroll a wide table (axe
            # scrollable-region-focusable)
            html.Div(
                id=ids.chart(chart_id, "table"),
                className="table-responsive",
                tabIndex="0",
                role="region",
                **_aria(label=f"Data table: {title}"),
            ),
        ],
        className="chart-table-twin mb-2",
    )


def _download_buttons(chart_id: str, title: str) -> Component:
    """A button per download format, each named for the chart ("Download <title> as PNG")."""
    buttons = [
        html.Button(
            [html.Span(f"Download {title} as ", className="visually-hidden"), label],
            id=ids.chart_download_button(chart_id, fmt),
            n_clicks=0,
            type="button",
            className="btn btn-outline-dark btn-sm chart-download",
        )
        for fmt, label, _ in FORMATS
    ]
    return html.Div(
        [html.Span("Download:", className="me-2", **_aria(hidden="true")), *buttons],
        className="chart-downloads d-flex flex-wrap gap-2 align-items-center",
        role="group",
        **_aria(label=f"Download {title}"),
    )


def card_outputs(chart_id: str) -> list[Output]:
    """Every Output a page's callback sets to fill the card, in the order ``render`` returns."""
    check_chart_id(chart_id)
    c = ids.chart
    return [
        Output(c(chart_id, "heading"), "children"),
        Output(c(chart_id, "subtitle"), "children"),
        Output(c(chart_id, "graph"), "figure"),
        Output(c(chart_id, "summary"), "children"),
        Output(c(chart_id, "table"), "children"),
        Output(c(chart_id, "notes"), "children"),
        Output(c(chart_id, "meta"), "children"),
        Output(c(chart_id, "content"), "hidden"),
        Output(c(chart_id, "empty"), "children"),
        Output(c(chart_id, "empty"), "hidden"),
        Output(ids.chart_pattern(chart_id, "view"), "data"),
        Output(c(chart_id, "graph"), "style"),
        Output(c(chart_id, "about"), "children"),
    ]


def shown_outputs(chart_id: str, lines_id: str) -> list[Output]:
    """For a page that shows no card for a chart with nothing to draw (the topic pages, Home):
    the card's section hidden, and the list (an ``html.Ul`` with ``role="status"`` around it,
    in the page's layout) of lines saying which chart is not shown and why
    (``not_shown_line``)."""
    return [
        Output(ids.chart(check_chart_id(chart_id), "section"), "hidden"),
        Output(lines_id, "children"),
    ]


def not_shown_line(name: str, content: ChartContent) -> str | None:
    """ "The ranking chart is not shown: no area has a figure for …" for a chart with nothing to
    draw (its ``empty_message``); None for one that draws."""
    why = content.empty_message
    return f"{name} is not shown: {why[:1].lower()}{why[1:]}" if why else None


def shown_values(name: str, content: ChartContent) -> list[Any]:
    """Values for ``shown_outputs``: the card hidden when ``content`` has nothing to draw, and
    the one line that says why (``name``: the chart's name in that line)."""
    line = not_shown_line(name, content)
    return [line is not None, [html.Li(line)] if line else []]


# --- filling it ----------------------------------------------------------------------------------


#: A chart's view key: what the page chose (codes and choices, each a short text, or a list of
#: them), from which the page's download callback builds the chart again on the server.
View = dict[str, str | list[str] | None]


#: The height of a chart whose figure does not set one, and of the message shown in place of an
#: empty chart (pixels). The graph is responsive: it takes its width from the page and its height
#: from its own box, so every render sets that box's height (a box with none collapses to 0 px
#: when a filter changes, and the plot is drawn over the text below it).
DEFAULT_HEIGHT, EMPTY_HEIGHT = 400, 240


def graph_style(figure: Figure | go.Figure) -> dict[str, str]:
    """The graph box's style: the figure's own height, else ``DEFAULT_HEIGHT``."""
    height = layout_of(figure).get("height")
    return {"height": f"{int(height) if height else DEFAULT_HEIGHT}px"}


def render(content: ChartContent, view: View | None = None) -> list[Any]:
    """Values for ``card_outputs``, in order. With ``empty_message`` set, the card shows that
    message in place of the chart, table and downloads. ``view``: the chart's view key, kept in
    the card for its downloads and its table twin, which is then built when the reader opens it
    (``dashboard.charts.twin``: the page must ``downloads.attach`` the card); None: nothing to
    download, and the twin is sent with the chart."""
    if content.empty_message:
        return [
            content.title,
            content.subtitle,
            empty_figure(content.empty_message),
            content.empty_message,
            None,
            [],
            meta_line(content),
            True,
            content.empty_message,
            False,
            None,
            {"height": f"{EMPTY_HEIGHT}px"},
            None,
        ]
    notes = [html.Li(n) for n in content.notes]
    figure = to_wire(content.figure)
    return [
        content.title,
        content.subtitle,
        figure,
        content.summary,
        # with a view key, built when the reader opens it (``twin``); without one, sent now
        twin.loading() if view is not None else table_twin(content.table, twin.caption(content)),
        notes,
        meta_line(content),
        False,
        None,
        True,
        view,
        graph_style(content.figure),
        about_shell(
            content.indicator_ids, content.threshold, f"{content.title}|{content.subtitle}"
        ),
    ]


def plain_outputs(values: list[Any]) -> list[Any]:
    """A callback's output values as the plain JSON data Dash's encoder makes of them
    (``plain_json``; ``no_update`` kept): the same answer, handed to orjson as it is instead of
    walked value by value in Python first. A figure from ``to_wire`` is plain already."""
    return [v if isinstance(v, (type(no_update), Wired)) else plain_json(v) for v in values]
