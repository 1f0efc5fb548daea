"""The home page: the programme overview for a DWP programme lead — where is it working, where not.

Headline cards for the programme, a grid of areas × key indicators compared with the programme (at
99.8%), the areas that need attention, a ranking chart, and the returns loaded. The layout does no
database work: ``dashboard.callbacks.overview`` fills it from the indicator engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html
from dash.development.base_component import Component

from dashboard import ids, theme, urlstate
from dashboard.charts.card import chart_card
from dashboard.charts.table import JSONList, json_maker, plain_json
from dashboard.layouts import shell
from dashboard.layouts.shell import aria
from dashboard.present import overview as po
from dashboard.present import overview_grid as pg
from dashboard.present.home import RETURNS_HEADERS, returns_loaded
from dashboard.present.overview_headlines import Headline
from lfo.indicators.definitions import indicators
from lfo.terms import PROGRAMME, PROGRAMME_LABEL

TITLE = "Local Family Offer monitoring"

PERIOD = urlstate.Param("period", parse=urlstate.period, default=None, format=lambda p: p.label)  # type: ignore[attr-defined]
SORT = urlstate.Param(
    "sort", parse=urlstate.choice((pg.SORT_AREA, *pg.GRID_INDICATORS)), default=pg.SORT_AREA
)
ORDER = urlstate.Param(
    "order", parse=urlstate.choice((pg.ORDER_LOW, pg.ORDER_HIGH)), default=pg.ORDER_LOW
)
PARAMS = (PERIOD, SORT, ORDER)

ATTENTION_HEADING = "home-attention-heading"

#: Words and colours of a grid cell's comparison (colour always with the word).
#: "similar" is plain text, so the eye goes to the differences.
#: The ranking chart's colours (Analysis Function palette), white text at 9:1 or more.
COMPARISON_STYLES = {
    "worse": {"backgroundColor": theme.DARK_PINK, "color": "#ffffff"},
    "better": {"backgroundColor": theme.DARK_BLUE, "color": "#ffffff"},
}


def control_values(state: urlstate.QueryState) -> tuple[str, str, str]:
    """The period select's, sort select's and order radios' values for a parsed address."""
    period = state.values["period"]
    return (
        period.label if period is not None else po.LATEST,  # type: ignore[attr-defined]
        str(state.values["sort"]),
        str(state.values["order"]),
    )


def query_for(period: str | None, sort: str | None, order: str | None) -> str:
    """The query string for the controls' values (defaults left out)."""
    values = {
        "period": urlstate.period(period) if period and period != po.LATEST else None,
        "sort": sort or pg.SORT_AREA,
        "order": order or pg.ORDER_LOW,
    }
    return urlstate.to_query(values, PARAMS)


def sort_options() -> list[dict[str, str]]:
    return [{"label": "Area name", "value": pg.SORT_AREA}] + [
        {"label": pg.GRID_HEADERS[i], "value": i} for i in pg.GRID_INDICATORS
    ]


def layout(search: str = "") -> html.Div:
    state = urlstate.parse_query(search, PARAMS)
    period, sort, order = control_values(state)
    return html.Div(
        [
            html.H1(TITLE),
            html.P(
                "How the Local Family Offer is doing: headline figures for the programme, every "
                "area compared with the programme, and the areas that need attention.",
                className="lead",
            ),
            html.Div(shell.messages_banner(state.messages), id=ids.HOME_MESSAGES),
            html.Div(id=ids.HOME_DATA_MESSAGES, role="status"),
            html.Div(
                className="lfo-controls mb-3",
                children=[
                    html.Label(
                        "Period (a quarter or a whole financial year)",
                        htmlFor=ids.HOME_PERIOD,
                        className="form-label fw-bold",
                    ),
                    dbc.Select(
                        id=ids.HOME_PERIOD,
                        value=period,
                        options=[{"label": "Latest quarter", "value": po.LATEST}],
                        style={"maxWidth": "22rem"},
                    ),
                ],
            ),
            html.Div(
                id=ids.HOME_SUMMARY,
                **aria(live="polite"),
                children=html.P("Reading the figures…"),
            ),
            html.H2("Headline figures for the programme"),
            html.Div(id=ids.HOME_HEADLINES, className="row g-3 mb-4"),
            html.H2("Areas compared with the programme"),
            html.P(
                "Each cell gives the area's figure and says whether it is better, similar or "
                "worse than the programme, using 99.8% limits (many comparisons are made each "
                "period, so only clear differences are flagged). Select a figure to open the "
                "area's profile at that indicator; select a column heading for its topic page.",
            ),
            _sort_controls(sort, order),
            html.A(
                "Skip the table to Needs attention",
                href=f"#{ATTENTION_HEADING}",
                className="visually-hidden-focusable",
            ),
            html.Div(id=ids.HOME_GRID),
            html.H2("Needs attention", id=ATTENTION_HEADING),
            html.P(
                "Areas worse than the programme (99.8% limits) and getting worse over the last "
                "five quarters."
            ),
            html.Div(id=ids.HOME_ATTENTION),
            chart_card(ids.HOME_CHART, po.CHART_TITLE, heading_level=2),
            html.H2("Returns loaded"),
            dcc.Store(id=ids.HOME_STATE, data={"search": search}),
            html.Div(
                id=ids.HOME_LOADED,
                **aria(live="polite"),
                children=html.P("Reading the database…"),
            ),
        ]
    )


def _sort_controls(sort: str, order: str) -> html.Div:
    return html.Div(
        className="row g-3 mb-2 align-items-end",
        children=[
            html.Div(
                className="col-md-5",
                children=[
                    html.Label(
                        "Sort the areas by", htmlFor=ids.HOME_SORT, className="form-label fw-bold"
                    ),
                    dbc.Select(id=ids.HOME_SORT, value=sort, options=sort_options()),
                ],
            ),
            html.Fieldset(
                className="col-md-7",
                children=[
                    html.Legend("Order", className="form-label fw-bold fs-6"),
                    # dbc's radios are plain <input type=radio> with labels (Dash 4's dcc.RadioItems
                    # is a listbox of options holding inputs: two axe violations)
                    dbc.RadioItems(
                        id=ids.HOME_ORDER,
                        name=ids.HOME_ORDER,
                        value=order,
                        inline=True,
                        options=[
                            {"label": "Lowest first (A to Z by name)", "value": pg.ORDER_LOW},
                            {"label": "Highest first (Z to A by name)", "value": pg.ORDER_HIGH},
                        ],
                    ),
                ],
            ),
        ],
    )


# --- filled by the callbacks ------------------------------------------------------------------


def period_options(latest: str | None, choices: list[str]) -> list[dict[str, str]]:
    """The period select's options: the latest quarter (value ``LATEST``), then ``choices``."""
    first = [{"label": po.latest_label(latest), "value": po.LATEST}] if latest else []
    return first + shell.period_options(choices)


def summary(sentences: list[str]) -> list[Component]:
    return [html.P(s) for s in sentences]


def headline_cards(cards: list[Headline]) -> list[Component]:
    out: list[Component] = []
    for card in cards:
        body = [
            html.H3(card.title, className="h5 card-title"),
            html.P(card.value_text, className="display-6 fw-bold mb-1"),
        ]
        if card.interval_text:
            body.append(html.P(card.interval_text, className="mb-1"))
        if card.counts_text:
            body.append(html.P(card.counts_text, className="small mb-1"))
        body.append(html.P(card.change_text, className="mb-1"))
        if card.pooled_text:
            body.append(html.P(card.pooled_text, className="small text-body-secondary mb-1"))
        body.append(
            html.P(
                dcc.Link(
                    [
                        "How this is defined",
                        html.Span(
                            f" ({card.title.lower()}: {card.name})", className="visually-hidden"
                        ),
                    ],
                    href=f"/definitions#{card.indicator}",
                ),
                className="small mb-0",
            )
        )
        out.append(
            html.Div(
                className="col-md-6 col-xl-3",
                children=html.Div(
                    className="card h-100", children=html.Div(body, className="card-body")
                ),
            )
        )
    return out


def grid(
    rows: pd.DataFrame,
    order_codes: list[str],
    period: str,
    made_rows: Mapping[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The accessible table of areas × key indicators (99.8% comparisons in words and colour),
    as the JSON the browser receives (``plain_json``): its thousands of cells are written as JSON
    (``json_maker``), not built as Dash components and then serialised one by one.

    ``made_rows``: ``grid_rows(rows, period)``, if already made (the rows do not depend on the
    order, so a page re-sorted uses the same ones)."""
    catalogue = indicators()
    head = [html.Th("Area", scope="col")] + [
        html.Th(
            scope="col",
            children=dcc.Link(
                [header, html.Span(f" ({catalogue[i].name})", className="visually-hidden")],
                href=pg.topic_link(i, period),
            ),
        )
        for i, header in pg.GRID_HEADERS.items()
    ]
    made = made_rows if made_rows is not None else grid_rows(rows, period)
    lookup = None
    body = [made[PROGRAMME]]
    for code in order_codes:
        row = made.get(code)
        if row is None:  # not an area of ``rows`` (its cells say "no data")
            lookup = pg.cells(rows) if lookup is None else lookup
            row = _grid_row(lookup, code, code, period)
        body.append(row)
    table = html.Table(
        className="table table-sm lfo-table align-middle",
        children=[
            html.Caption(pg.grid_caption(period)),
            html.Thead(html.Tr(head)),
            html.Tbody(JSONList(body)),
        ],
    )
    return _json(html.Div(table, className="table-responsive"))


def grid_rows(rows: pd.DataFrame, period: str) -> dict[str, dict[str, Any]]:
    """Every row of the grid as ``html.Tr``'s JSON, by area code: the programme's (always) and
    each area's in ``rows``."""
    lookup = pg.cells(rows)
    names = dict(zip(rows["area_code"], rows["area_name"], strict=False))
    made = {PROGRAMME: _grid_row(lookup, PROGRAMME, PROGRAMME_LABEL, period)}
    for code, name in names.items():
        if code != PROGRAMME:
            made[code] = _grid_row(lookup, code, name, period)
    return made


#: The grid's cells are written as JSON by these (``json_maker``: the props in the component's
#: order, checked once).
_TH = json_maker(html.Th, "children", "scope")
_TR = json_maker(html.Tr, "children")
_TD = json_maker(html.Td, "children", "className")
_SPAN = json_maker(html.Span, "children")
_SPAN_CLASS = json_maker(html.Span, "children", "className")
_SPAN_STYLE = json_maker(html.Span, "children", "className", "style")
_LINK = json_maker(dcc.Link, "children", "href")
_TD_PLAIN = json_maker(html.Td, "children")


def _grid_row(
    lookup: Mapping[tuple[str, str], Mapping[str, Any]], code: str, name: str, period: str
) -> dict[str, Any]:
    """A grid row as ``html.Tr``'s JSON."""
    if code == PROGRAMME:
        header = _TH(name, "row")
    else:
        header = _TH(_LINK(name, pg.area_link(code, period=period)), "row")
    return _TR(
        [header]
        + [
            _grid_cell(pg.grid_cell(lookup.get((code, i)), code, name, i, period))
            for i in pg.GRID_INDICATORS
        ]
    )


def _grid_cell(cell: pg.GridCell) -> dict[str, Any]:
    """A grid cell as ``html.Td``'s JSON."""
    if cell.mark is not None:
        return _TD(
            [_SPAN(cell.mark), _SPAN_CLASS(f" {cell.words}", "small d-block")],
            "text-end text-body-secondary",
        )
    if cell.href is None:
        figure = _SPAN_CLASS(cell.value, "fw-bold")
    else:
        figure = _LINK([cell.value, _SPAN_CLASS(cell.context, "visually-hidden")], cell.href)
    parts = [figure]
    if cell.flagged:
        parts.append(_SPAN_STYLE(cell.words, "badge d-block mt-1", COMPARISON_STYLES[cell.words]))
    elif cell.words_shown:
        parts.append(_SPAN_CLASS(cell.words, "small d-block"))
    if cell.trend:
        parts.append(_SPAN_CLASS(cell.trend, "small d-block"))
    return _TD(parts, "text-end")


def attention_list(attention: pg.Attention) -> Component:
    if attention.message is not None:
        return html.P(attention.message)
    return html.Ul(
        [
            html.Li(
                [
                    dcc.Link(html.Strong(area.name), href=area.href),
                    html.Ul(
                        [
                            html.Li(
                                [
                                    item.reason,
                                    " ",
                                    dcc.Link(item.profile.text, href=item.profile.href),
                                    "; ",
                                    dcc.Link(item.topic.text, href=item.topic.href),
                                    ".",
                                ]
                            )
                            for item in area.reasons
                        ]
                    ),
                ]
            )
            for area in attention.areas
        ]
    )


def loaded_summary(returns: pd.DataFrame) -> dict[str, Any]:
    """A sentence and a table: every programme area with its current return, if any; as the JSON
    the browser receives (``plain_json``; the rows written by ``json_maker``)."""
    loaded = returns_loaded(returns)
    if loaded is None:
        return _json(html.Div(html.P("The database holds no programme areas yet.")))
    rows = JSONList(
        _TR([_TH(name, "row"), *(_TD_PLAIN(v) for v in values)]) for name, *values in loaded.rows
    )
    table = html.Table(
        className="table table-sm lfo-table",
        children=[
            html.Caption("Programme areas and their current return"),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in RETURNS_HEADERS])),
            html.Tbody(rows),
        ],
    )
    return _json(html.Div([html.P(loaded.sentence), html.Div(table, className="table-responsive")]))


def _json(component: Component) -> dict[str, Any]:
    """``component`` as the JSON the browser receives (``plain_json``)."""
    made: dict[str, Any] = plain_json(component)
    return made
