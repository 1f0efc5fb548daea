"""The area profile at ``/area/<gss_code>``: one area against the programme and against the
areas its reader chooses — for an LA lead.

The layout does no database work: ``dashboard.callbacks.area`` fills the heading, the header, the
area picker's lists (``layouts.area_picker``), the charts and the area's data quality, with the
component helpers here. Every choice lives in the address (``dashboard.present.area_address``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import dcc, html
from dash.development.base_component import Component

from dashboard import ids, urlstate
from dashboard.charts.card import ChartContent, View, card_outputs, chart_card, render
from dashboard.charts.table import STATUS_KEY
from dashboard.layouts import area_controls as controls
from dashboard.layouts import shell, spine_table
from dashboard.present.area import (
    LATEST,
    UNAVAILABLE,
    Link,
    Table,
    regions,
)
from dashboard.present.area_address import (
    PARAMS,
    benchmark_value,
    ci_value,
    control_values,
    path_for,
    pdf_for,
    trend_value,
)
from dashboard.present.area_address import PATH as PATH  # the page's path (dashboard.app)
from dashboard.present.area_quality import AreaQuality
from dashboard.present.choices import with_release
from lfo.periods import period as parse_code

TITLE = "Area profile"
#: Attributes Dash takes only as keyword arguments spelt with a hyphen.
_LIVE: dict[str, Any] = {"aria-live": "polite"}
_LABELLED_BY_HEADING: dict[str, Any] = {"aria-labelledby": "area-controls-heading"}


def layout(search: str = "", code: str | None = None) -> html.Div:
    state = urlstate.parse_query(search, PARAMS)
    messages = list(state.messages)
    if code is not None:
        try:
            code = urlstate.gss_code(code)
        except ValueError:
            messages.append(
                f"'{code[:40]}' is not an area code: an area code is a letter and "
                "eight digits, like E08000021."
            )
    _compare, period, indicator, breakdown = control_values(state)
    ci = ci_value(state)
    kind = benchmark_value(state)
    period_options = [{"label": "The latest financial year covered", "value": LATEST}]
    if period != LATEST:
        period_options.append({"label": parse_code(period).option_label, "value": period})
    return html.Div(
        [
            dcc.Store(id=ids.AREA_STATE, data={"code": code, "search": search}),
            dcc.Store(id=ids.AREA_SHOWN),
            html.H1(TITLE, id=ids.AREA_HEADING),
            html.Div(shell.messages_banner(messages), id=ids.AREA_MESSAGES),
            html.Div(id=ids.AREA_DATA_MESSAGES, role="status"),
            html.Div(id=ids.AREA_NOT_FOUND, hidden=True),
            html.Div(
                id=ids.AREA_PROFILE,
                hidden=code is None,
                children=[
                    html.Div(
                        id=ids.AREA_HEADER,
                        **_LIVE,
                        children=html.P("Reading the area's details…"),
                    ),
                    controls.controls(period, period_options, ci, kind),
                    pdf_link(code, period, ci, kind, indicator, trend_value(state)),
                    spine_table.with_spine_slot(
                        chart_card(ids.AREA_SPINE_CHART, "Key indicators against the benchmark"),
                        ids.AREA_SPINE_CHART,
                    ),
                    html.Div(id=ids.AREA_CHALLENGES, **_LIVE),  # (filled per person)
                    html.H2("Trends"),
                    *controls.trend_choices(indicator, trend_value(state)),
                    chart_card(ids.AREA_TREND_CHART, "Trend", heading_level=3),
                    chart_card(
                        ids.AREA_FUNNEL_CHART, "Referral-to-completion funnel by intervention"
                    ),
                    html.H2("Who is referred"),
                    controls.breakdown_choice(breakdown),
                    chart_card(
                        ids.AREA_REACH_CHART,
                        "Who is referred, against the programme",
                        heading_level=3,
                    ),
                    html.H2("Data quality of the area's return"),
                    html.Div(
                        id=ids.AREA_QUALITY,
                        **_LIVE,
                        children=html.P("Reading the area's return…"),
                    ),
                ],
            ),
        ]
    )


def pdf_link(
    code: str | None,
    period: str,
    ci: str,
    kind: str,
    indicator: str | None = None,
    trend: str | None = None,
) -> html.P:
    """The link to the profile as an A4 PDF (a real link: the server makes the file), with the
    page's choices; the callbacks keep its address in step with the controls."""
    try:  # an address whose code is not an area code has no PDF (and its text is not echoed)
        href = pdf_for(urlstate.gss_code(code or ""), period, ci, kind, indicator, trend)
    except ValueError:
        href = None
    return html.P(
        html.A(
            "Download PDF for print",
            href=href,
            id=ids.AREA_PDF_LINK,
            className="lfo-pdf-link",
        ),
        className="lfo-print-hide mb-3",
    )


# --- parts the callbacks fill ------------------------------------------------------------------


def area_links(areas: pd.DataFrame, release: str | None = None) -> html.Div:
    """Links to every area's profile, grouped by region (in the ``release`` shown)."""
    parts: list[Component] = []
    for region in regions(areas):
        members = areas[areas["region"] == region]
        parts.append(html.H2(region, className="h4 mt-3"))
        parts.append(
            html.Ul(
                [
                    html.Li(dcc.Link(n, href=with_release(path_for(c), release)))
                    for c, n in zip(members["area_code"], members["area_name"], strict=True)
                ]
            )
        )
    return html.Div(parts)


def not_found(code: str | None, areas: pd.DataFrame, release: str | None = None) -> list[Component]:
    """The friendly page for a missing or unknown area code (its links in the ``release``
    shown)."""
    if code is None:
        intro = html.P(
            "Choose an area to see its figures against the programme and against "
            "the areas you choose."
        )
    else:
        intro = html.P(
            [
                f"There is no programme area with the code {code}. The address may be "
                "mistyped, or the area may no longer be in the programme. Choose an "
                "area below, or go to the ",
                dcc.Link("programme overview", href=with_release("/", release)),
                ".",
            ]
        )
    if areas.empty:
        return [intro, html.P("No areas are set up in the database yet.")]
    return [intro, area_links(areas, release)]


def header(facts: list[tuple[str, str]]) -> html.Dl:
    """The area's facts as a description list (region, deprivation, return, data as at)."""
    items: list[Component] = []
    for term, value in facts:
        items += [
            html.Dt(term, className="col-sm-4 col-lg-3"),
            html.Dd(value, className="col-sm-8 col-lg-9 mb-1"),
        ]
    return html.Dl(items, className="row mb-3")


def _cell(value: str | Link) -> Component | str:
    return dcc.Link(value.text, href=value.href) if isinstance(value, Link) else value


def data_table(table: Table, *, boxed: bool = True) -> html.Div:
    """A presenter's table (``present.area.Table``): caption, column headers with scope, the
    first cell a row header, numbers right-aligned, links as links; under it, the key to the
    status symbols it uses. ``boxed=False``: for a box that already scrolls (a card's table
    twin, ``charts.card``), the caption shown as a paragraph above the table, read once as
    its caption: a wide table's caption is as wide as the table, so its end was cut off."""

    def align(k: int) -> str | None:
        return "text-end" if k in table.numeric else None

    head = html.Thead(
        html.Tr([html.Th(c, scope="col", className=align(k)) for k, c in enumerate(table.columns)])
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Th(_cell(v), scope="row")
                    if k == 0
                    else html.Td(_cell(v), className=align(k))
                    for k, v in enumerate(row)
                ]
            )
            for row in table.rows
        ]
    )
    if not boxed:
        shown = html.P(table.caption, className="chart-table-caption", **shell.aria(hidden="true"))
        caption = html.Caption(table.caption, className="visually-hidden")
        parts = [shown, html.Table([caption, head, body], className="table table-sm chart-table")]
        return html.Div(parts + _status_key(table))
    out = html.Div(
        html.Table(
            [html.Caption(table.caption), head, body],
            className="table table-sm caption-top chart-table",
        ),
        className="table-responsive",
        # a table wider than a phone scrolls in its box: focusable and named, so keyboard
        # users can scroll it (axe scrollable-region-focusable)
        tabIndex="0",
        role="region",
        **shell.aria(label=table.caption),
    )
    if table.statuses:
        out.children = [out.children, *_status_key(table)]
    return out


def _status_key(table: Table) -> list[Component]:
    """The key to the status symbols the table uses (none if it uses none)."""
    key = [STATUS_KEY[s] for s in table.statuses if s in STATUS_KEY]
    return [html.P("; ".join(key), className="small")] if table.statuses else []


def quality_section(quality: AreaQuality) -> html.Div:
    """The area's data quality: its facts, findings by code, completeness of optional fields,
    paired outcome completeness, and the link to the data quality page."""
    parts: list[Component] = [header(quality.facts)]
    for heading, table in (
        ("Findings by code", quality.findings),
        ("Completeness of optional fields", quality.completeness),
        ("Paired outcome completeness", quality.paired),
    ):
        if table is not None:
            parts += [html.H3(heading, className="h5 mt-3"), data_table(table)]
    parts.append(html.P(dcc.Link(quality.link.text, href=quality.link.href)))
    return html.Div(parts)


# --- filling the chart cards -------------------------------------------------------------------

_TABLE_INDEX = [o.component_id for o in card_outputs(ids.AREA_SPINE_CHART)].index(
    ids.chart(ids.AREA_SPINE_CHART, "table")
)


def card_values(
    content: ChartContent, twin: Table | None = None, view: View | None = None
) -> list[Any]:
    """The values of the kit's card outputs (``render(content, view)``: ``view`` the chart's
    view key), the table twin drawn from ``twin`` if given."""
    out = render(content, view)
    if twin is not None:
        out[_TABLE_INDEX] = data_table(twin, boxed=False)  # (in the card's own box)
    return out


def unavailable() -> html.P:
    """In place of a part of the profile when the database cannot be read."""
    return html.P(f"{UNAVAILABLE} Try again in a few minutes.", className="alert alert-warning")
