"""The chart card: heading, subtitle, chart, summary, table twin, notes and downloads.

A page puts ``chart_card(chart_id, title)`` in its layout (no data), lists ``card_outputs(chart_id)``
among its callback's outputs and returns ``render(content)`` for them. ``register(app)`` (called
once by ``create_app``) attaches the one download callback that serves every card's PNG, SVG, CSV
and Excel files from the payload ``render`` stored.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from dash import MATCH, Input, Output, State, ctx, dcc, html, no_update
from dash.development.base_component import Component
from dash.exceptions import PreventUpdate

from dashboard import ids, theme
from dashboard.charts.figures import Figure, Wired, empty_figure, to_wire
from dashboard.charts.table import STATUS, UNITS, plain_json, table_twin

log = logging.getLogger(__name__)

SOURCE = "Local Family Offer quarterly returns to DWP"
#: Download formats: (format, button text, file extension).
FORMATS = (
    ("png", "PNG", "png"),
    ("svg", "SVG", "svg"),
    ("csv", "CSV", "csv"),
    ("xlsx", "Excel", "xlsx"),
)
_CHART_ID = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
PAYLOAD_VERSION = 1


@dataclass
class ChartContent:
    """Everything a card shows and every export carries (see the module docstring)."""

    figure: go.Figure | Figure  # a figure dict from dashboard.charts.figures, or a go.Figure
    title: str
    subtitle: str
    summary: str
    table: pd.DataFrame
    indicator_ids: list[str]
    notes: list[str] = field(default_factory=list)
    data_as_at: str | None = None
    source: str = SOURCE
    empty_message: str | None = None
    #: the suppression threshold the figures were made with (None: the app's setting)
    threshold: int | None = None


def check_chart_id(chart_id: str) -> str:
    """Chart ids name files and DOM ids: lower-case letters, digits and hyphens."""
    if not _CHART_ID.match(chart_id):
        raise ValueError(f"chart_id must match {_CHART_ID.pattern}, not {chart_id!r}")
    return chart_id


# --- layout --------------------------------------------------------------------------------------


def chart_card(chart_id: str, title: str, *, heading_level: int = 2) -> Component:
    """The card's static layout: no data (a page's callback fills it through ``card_outputs``)."""
    check_chart_id(chart_id)
    if heading_level not in (2, 3, 4, 5, 6):
        raise ValueError("heading_level must be 2 to 6 (the page has the one h1)")
    heading_tag = getattr(html, f"H{heading_level}")
    heading_id = ids.chart(chart_id, "heading")
    summary_id = ids.chart(chart_id, "summary")
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
    return html.Section(
        id=ids.chart(chart_id, "section"),
        className="chart-card mb-5",
        **{"aria-labelledby": heading_id},
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
                children=[
                    html.Figure(
                        id=ids.chart(chart_id, "figure"),
                        className="chart-figure mb-2",
                        **{"aria-labelledby": heading_id, "aria-describedby": summary_id},
                        children=dcc.Graph(
                            id=ids.chart(chart_id, "graph"),
                            figure=empty_figure("Loading…"),
                            config=theme.GRAPH_CONFIG,
                            responsive=True,
                        ),
                    ),
                    html.P(id=summary_id, className="chart-summary"),
                    html.Ul(id=ids.chart(chart_id, "notes"), className="chart-notes small"),
                    html.Details(
                        [
                            html.Summary("Show the data in a table"),
                            # focusable and named, so keyboard users can scroll a wide table (axe
                            # scrollable-region-focusable)
                            html.Div(
                                id=ids.chart(chart_id, "table"),
                                className="table-responsive",
                                tabIndex="0",
                                role="region",
                                **{"aria-label": f"Data table: {title}"},
                            ),
                        ],
                        className="chart-table-twin mb-2",
                    ),
                    html.Div(
                        [
                            html.Span("Download:", className="me-2", **{"aria-hidden": "true"}),
                            *buttons,
                        ],
                        className="chart-downloads d-flex flex-wrap gap-2 align-items-center",
                        role="group",
                        **{"aria-label": f"Download {title}"},
                    ),
                    html.P(
                        id=ids.chart_pattern(chart_id, "status"),
                        className="small mt-1 mb-0",
                        role="status",
                    ),
                    html.P(id=ids.chart(chart_id, "meta"), className="chart-meta small"),
                ],
            ),
            dcc.Download(id=ids.chart_pattern(chart_id, "download")),
            dcc.Store(id=ids.chart_pattern(chart_id, "payload")),
        ],
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
        Output(ids.chart_pattern(chart_id, "payload"), "data"),
    ]


# --- filling it ----------------------------------------------------------------------------------


def format_as_at(data_as_at: str | None) -> str:
    """ "2019-01-15T09:30:00" → "15 January 2019"; unparseable text is returned as it is."""
    if not data_as_at:
        return "not known"
    try:
        when = dt.datetime.fromisoformat(str(data_as_at))
    except ValueError:
        return str(data_as_at)
    return f"{when.day} {when:%B %Y}"


def meta_line(content: ChartContent) -> str:
    return f"Source: {content.source}. Data as at {format_as_at(content.data_as_at)}."


def render(content: ChartContent) -> list:
    """Values for ``card_outputs``, in order. With ``empty_message`` set, the card shows that
    message in place of the chart, table and downloads."""
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
        ]
    notes = [html.Li(n) for n in content.notes]
    figure = to_wire(content.figure)
    return [
        content.title,
        content.subtitle,
        figure,
        content.summary,
        table_twin(content.table, f"{content.title}. {content.subtitle}".strip()),
        notes,
        meta_line(content),
        False,
        None,
        True,
        to_payload(content, figure),
    ]


def figure_json(figure: go.Figure | Figure, *, wired: bool = False) -> str:
    """A figure as plotly JSON text (a figure dict's arrays as typed arrays, like
    ``go.Figure.to_json``); ``wired``: the dict is ``to_wire``'s already."""
    if isinstance(figure, go.Figure):
        return figure.to_json()
    return pio.to_json(figure if wired else to_wire(figure), validate=False)


def plain_outputs(values: list) -> list:
    """A callback's output values as the plain JSON data Dash's encoder makes of them
    (``plain_json``; ``no_update`` kept): the same answer, handed to orjson as it is instead of
    walked value by value in Python first. A figure from ``to_wire`` is plain already."""
    return [v if isinstance(v, (type(no_update), Wired)) else plain_json(v) for v in values]


def to_payload(content: ChartContent, wired: go.Figure | dict | None = None) -> dict[str, Any]:
    """The JSON the download callback rebuilds the content from (figure as plotly JSON);
    ``wired`` is ``to_wire(content.figure)`` when the caller has made it already."""
    table = content.table.reset_index(drop=True)
    return {
        "version": PAYLOAD_VERSION,
        "figure": (
            figure_json(content.figure) if wired is None else figure_json(wired, wired=True)
        ),
        "title": content.title,
        "subtitle": content.subtitle,
        "summary": content.summary,
        "table": json.loads(table.to_json(orient="split", index=False, date_format="iso")),
        "units": dict(table.attrs.get(UNITS, {})),
        "indicator_ids": list(content.indicator_ids),
        "notes": list(content.notes),
        "data_as_at": content.data_as_at,
        "source": content.source,
        "threshold": content.threshold,
    }


def from_payload(payload: dict[str, Any]) -> ChartContent:
    """The inverse of ``to_payload``."""
    if not isinstance(payload, dict) or payload.get("version") != PAYLOAD_VERSION:
        raise ValueError("not a chart payload")
    t = payload["table"]
    table = pd.DataFrame(t["data"], columns=t["columns"])
    if STATUS in table:
        table[STATUS] = pd.Series(
            [s if isinstance(s, str) and s else None for s in table[STATUS]],
            index=table.index,
            dtype=object,
        )
    table.attrs[UNITS] = dict(payload.get("units") or {})
    figure = go.Figure(decode_typed_arrays(json.loads(payload["figure"])))
    return ChartContent(
        figure=figure,
        title=payload["title"],
        subtitle=payload["subtitle"],
        summary=payload["summary"],
        table=table,
        indicator_ids=list(payload["indicator_ids"]),
        notes=list(payload["notes"]),
        data_as_at=payload["data_as_at"],
        source=payload["source"],
        threshold=payload.get("threshold"),
    )


def decode_typed_arrays(obj: Any) -> Any:
    """Plotly JSON with its binary arrays (``{"dtype", "bdata"}``, plotly.py 6+) turned back into
    numpy arrays, so a rebuilt figure's data can be read like the original's."""
    if isinstance(obj, dict):
        if "bdata" in obj and "dtype" in obj:
            array = np.frombuffer(base64.b64decode(obj["bdata"]), dtype=np.dtype(obj["dtype"]))
            if obj.get("shape"):
                array = array.reshape([int(n) for n in str(obj["shape"]).split(",")])
            return array
        return {k: decode_typed_arrays(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [decode_typed_arrays(v) for v in obj]
    return obj


# --- downloads -----------------------------------------------------------------------------------


def file_name(chart_id: str, data_as_at: str | None, ext: str) -> str:
    """``lfo-<chart_id>-<data-as-at date>.<ext>``."""
    date = str(data_as_at)[:10] if data_as_at else "undated"
    date = re.sub(r"[^0-9A-Za-z-]", "-", date)
    return f"lfo-{check_chart_id(chart_id)}-{date}.{ext}"


def update_download(
    png: Any, svg: Any, csv: Any, xlsx: Any, payload: Any, *, threshold: int | None = None
) -> tuple:
    """Build the file for the button pressed; a failure is a message, never an error page.
    ``threshold``: the app's suppression threshold, for a payload that does not carry one."""
    from dashboard.charts import exports

    trigger = ctx.triggered_id
    if not payload or not isinstance(trigger, dict) or trigger.get("fmt") is None:
        raise PreventUpdate
    fmt = str(trigger["fmt"])
    chart_id = str(trigger.get("chart"))
    spec = {f: (label, ext) for f, label, ext in FORMATS}
    if fmt not in spec:
        raise PreventUpdate
    label, ext = spec[fmt]
    try:
        content = from_payload(payload)
        if content.threshold is None:
            content.threshold = threshold
        if fmt in ("png", "svg"):
            data = exports.to_image(content, fmt)
        elif fmt == "csv":
            data = exports.to_csv(content)
        else:
            data = exports.to_xlsx(content)
        name = file_name(chart_id, content.data_as_at, ext)
    except (ValueError, KeyError, TypeError, RuntimeError, OSError) as exc:
        log.exception("chart %s: the %s download failed", chart_id, fmt)
        return None, f"Sorry, the {label} file could not be made ({type(exc).__name__})."
    return dcc.send_bytes(data, name), f"Your {label} download ({name}) has started."


def register(app: Any, threshold: int | None = None) -> None:
    """Attach the kit's one download callback to ``app`` (every card, by pattern matching);
    ``threshold``: the app's suppression threshold."""

    def download(png: Any, svg: Any, csv: Any, xlsx: Any, payload: Any) -> tuple:
        return update_download(png, svg, csv, xlsx, payload, threshold=threshold)

    app.callback(
        Output(ids.chart_pattern(MATCH, "download"), "data"),
        Output(ids.chart_pattern(MATCH, "status"), "children"),
        *[Input(ids.chart_download_button(MATCH, fmt), "n_clicks") for fmt, _, _ in FORMATS],
        State(ids.chart_pattern(MATCH, "payload"), "data"),
        prevent_initial_call=True,
    )(download)
