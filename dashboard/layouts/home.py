"""The home page: the programme overview for a DWP programme lead — where is it working, where not.

Headline cards for the programme, a grid of areas × key indicators compared with the programme (at
99.8%), the areas that need attention, a ranking chart, and the returns loaded. The layout does no
database work: ``dashboard.callbacks.overview`` fills it from the indicator engine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html
from dash.development.base_component import Component

from dashboard import ids, theme, urlstate
from dashboard import overview_data as od
from dashboard.charts.card import chart_card
from dashboard.charts.table import JSONList, json_maker, plain_json
from dashboard.layouts import shell
from lfo.indicators.definitions import indicators
from lfo.periods import LONDON

TITLE = "Local Family Offer monitoring"

PERIOD = urlstate.Param("period", parse=urlstate.period, default=None, format=lambda p: p.label)  # type: ignore[attr-defined]
SORT = urlstate.Param(
    "sort", parse=urlstate.choice((od.SORT_AREA, *od.GRID_INDICATORS)), default=od.SORT_AREA
)
ORDER = urlstate.Param(
    "order", parse=urlstate.choice((od.ORDER_LOW, od.ORDER_HIGH)), default=od.ORDER_LOW
)
PARAMS = (PERIOD, SORT, ORDER)

#: Headline card titles (the indicator's full name is shown beneath).
HEADLINE_TITLES = {
    "reach.target": "Families reached against target",
    "uptake.start": "Start rate",
    "uptake.completion": "Completion rate",
    "outcome.csi4.reliable_improvement": "Relationship quality reliably improved",
}
CHART_TITLE = "Areas ranked, with intervals"
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
        period.label if period is not None else od.LATEST,  # type: ignore[attr-defined]
        str(state.values["sort"]),
        str(state.values["order"]),
    )


def query_for(period: str | None, sort: str | None, order: str | None) -> str:
    """The query string for the controls' values (defaults left out)."""
    values = {
        "period": urlstate.period(period) if period and period != od.LATEST else None,
        "sort": sort or od.SORT_AREA,
        "order": order or od.ORDER_LOW,
    }
    return urlstate.to_query(values, PARAMS)


def sort_options() -> list[dict[str, str]]:
    return [{"label": "Area name", "value": od.SORT_AREA}] + [
        {"label": od.SHORT_NAMES[i], "value": i} for i in od.GRID_INDICATORS
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
                        options=[{"label": "Latest quarter", "value": od.LATEST}],
                        style={"maxWidth": "22rem"},
                    ),
                ],
            ),
            html.Div(
                id=ids.HOME_SUMMARY,
                **{"aria-live": "polite"},
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
            chart_card(ids.HOME_CHART, CHART_TITLE, heading_level=2),
            html.H2("Returns loaded"),
            dcc.Store(id=ids.HOME_STATE, data={"search": search}),
            html.Div(
                id=ids.HOME_LOADED,
                **{"aria-live": "polite"},
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
                            {"label": "Lowest first (A to Z by name)", "value": od.ORDER_LOW},
                            {"label": "Highest first (Z to A by name)", "value": od.ORDER_HIGH},
                        ],
                    ),
                ],
            ),
        ],
    )


# --- filled by the callbacks ------------------------------------------------------------------


def summary(sentences: list[str]) -> list[Component]:
    return [html.P(s) for s in sentences]


def headline_cards(cards: list[od.Headline]) -> list[Component]:
    out = []
    for card in cards:
        body = [
            html.H3(HEADLINE_TITLES.get(card.indicator, card.name), className="h5 card-title"),
            html.P(card.value_text, className="display-6 fw-bold mb-1"),
        ]
        if card.interval_text:
            body.append(html.P(card.interval_text, className="mb-1"))
        if card.counts_text:
            body.append(html.P(card.counts_text, className="small mb-1"))
        body.append(html.P(card.change_text, className="mb-1"))
        if card.pooled_text:
            body.append(html.P(card.pooled_text, className="small text-body-secondary mb-1"))
        title = HEADLINE_TITLES.get(card.indicator, card.name)
        body.append(
            html.P(
                dcc.Link(
                    [
                        "How this is defined",
                        html.Span(f" ({title.lower()}: {card.name})", className="visually-hidden"),
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
    made_rows: Mapping[str, dict] | None = None,
) -> dict:
    """The accessible table of areas × key indicators (99.8% comparisons in words and colour),
    as the JSON the browser receives (``plain_json``): its thousands of cells are written as JSON
    (``json_maker``), not built as Dash components and then serialised one by one.

    ``made_rows``: ``grid_rows(rows, period)``, if already made (the rows do not depend on the
    order, so a page re-sorted uses the same ones)."""
    catalogue = indicators()
    shown = od.period_display(period)
    head = [html.Th("Area", scope="col")] + [
        html.Th(
            scope="col",
            children=dcc.Link(
                [
                    od.SHORT_NAMES[i],
                    html.Span(f" ({catalogue[i].name})", className="visually-hidden"),
                ],
                href=od.topic_link(i, period),
            ),
        )
        for i in od.GRID_INDICATORS
    ]
    made = made_rows if made_rows is not None else grid_rows(rows, period)
    lookup = None
    body = [made[od.PROGRAMME]]
    for code in order_codes:
        row = made.get(code)
        if row is None:  # not an area of ``rows`` (its cells say "no data")
            lookup = od.cells(rows) if lookup is None else lookup
            row = _grid_row(lookup, code, code, period)
        body.append(row)
    caption = (
        f"Areas compared with the programme, {shown}: each figure with its comparison "
        "(99.8% limits). [c] suppressed, [x] not available, [z] not applicable."
    )
    table = html.Table(
        className="table table-sm lfo-table align-middle",
        children=[html.Caption(caption), html.Thead(html.Tr(head)), html.Tbody(JSONList(body))],
    )
    return plain_json(html.Div(table, className="table-responsive"))


def grid_rows(rows: pd.DataFrame, period: str) -> dict[str, dict]:
    """Every row of the grid as ``html.Tr``'s JSON, by area code: the programme's (always) and
    each area's in ``rows``."""
    lookup = od.cells(rows)
    names = dict(zip(rows["area_code"], rows["area_name"], strict=False))
    made = {od.PROGRAMME: _grid_row(lookup, od.PROGRAMME, "Programme (all areas)", period)}
    for code, name in names.items():
        if code != od.PROGRAMME:
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


def _grid_row(lookup: Mapping[tuple[str, str], Mapping], code: str, name: str, period: str) -> dict:
    """A grid row as ``html.Tr``'s JSON."""
    if code == od.PROGRAMME:
        header = _TH(name, "row")
    else:
        header = _TH(_LINK(name, od.area_link(code, period=period)), "row")
    return _TR(
        [header]
        + [_grid_cell(lookup.get((code, i)), code, name, i, period) for i in od.GRID_INDICATORS]
    )


STATUS_MARKS = {"c": "[c]", "x": "[x]", "z": "[z]"}


def _grid_cell(row: Mapping | None, code: str, name: str, indicator: str, period: str) -> dict:
    """A grid cell as ``html.Td``'s JSON."""
    ind = indicators()[indicator]
    words = od.comparison_words(row)
    if row is None or row["status"] in STATUS_MARKS or pd.isna(row["value"]):
        mark = STATUS_MARKS.get(None if row is None else row["status"], "[x]")
        return _TD(
            [_SPAN(mark), _SPAN_CLASS(f" {words}", "small d-block")], "text-end text-body-secondary"
        )
    value = od.fmt(row["value"], ind)
    context = f" — {od.SHORT_NAMES[indicator]}, {name}, {od.period_display(period)}"
    if code == od.PROGRAMME:
        figure = _SPAN_CLASS(value, "fw-bold")
    else:
        figure = _LINK(
            [value, _SPAN_CLASS(context, "visually-hidden")], od.area_link(code, indicator, period)
        )
    parts = [figure]
    if words in COMPARISON_STYLES:
        parts.append(_SPAN_STYLE(words, "badge d-block mt-1", COMPARISON_STYLES[words]))
    elif code != od.PROGRAMME and ind.has_interval:
        parts.append(_SPAN_CLASS(words, "small d-block"))
    if row.get("trend_judgement") in ("getting better", "getting worse"):
        parts.append(_SPAN_CLASS(row["trend_judgement"], "small d-block"))
    return _TD(parts, "text-end")


def attention_list(items: pd.DataFrame, period: str, is_quarter: bool) -> Component:
    shown = od.period_display(period)
    if not is_quarter:
        return html.P(
            f"Trends are tested over the five quarters ending with a quarter, so this "
            f"list is for quarters only: {shown} is a financial year. Choose a quarter "
            "to see it."
        )
    if items.empty:
        return html.P(f"No area was both worse than the programme and getting worse in {shown}.")
    entries = []
    for code, group in items.groupby("area_code", sort=False):
        name = group["area_name"].iloc[0]
        reasons = [
            html.Li(
                [
                    od.attention_reason(r),
                    " ",
                    dcc.Link(
                        f"{name}'s profile at {od.SHORT_NAMES[r['indicator']].lower()}",
                        href=od.area_link(code, r["indicator"], period),
                    ),
                    "; ",
                    dcc.Link(
                        f"all areas on {od.SHORT_NAMES[r['indicator']].lower()}",
                        href=od.topic_link(r["indicator"], period),
                    ),
                    ".",
                ]
            )
            for _, r in group.iterrows()
        ]
        entries.append(
            html.Li(
                [
                    dcc.Link(html.Strong(name), href=od.area_link(code, period=period)),
                    html.Ul(reasons),
                ]
            )
        )
    return html.Ul(entries)


def unavailable(reason: str) -> html.Div:
    return html.Div(
        html.P(f"The data cannot be shown just now: {reason}."),
        className="alert alert-warning",
        role="status",
    )


def loaded_summary(returns: pd.DataFrame) -> dict:
    """A sentence and a table: every programme area with its current return, if any; as the JSON
    the browser receives (``plain_json``; the rows written by ``json_maker``)."""
    have = returns["period"].notna()
    n_areas, n_loaded = len(returns), int(have.sum())
    if n_areas == 0:
        return plain_json(html.Div(html.P("The database holds no programme areas yet.")))
    sentence = (
        f"{n_loaded} of {n_areas} programme areas have a return loaded."
        if n_loaded
        else f"No returns are loaded yet for the {n_areas} programme areas."
    )
    rows = JSONList(
        _TR(
            [
                _TH(r.area_name, "row"),
                _TD_PLAIN(r.area_code),
                _TD_PLAIN(r.region),
                _TD_PLAIN(_period(r.period)),
                _TD_PLAIN(_when(r.loaded_at)),
            ]
        )
        for r in returns.itertuples(index=False)
    )
    table = html.Table(
        className="table table-sm lfo-table",
        children=[
            html.Caption("Programme areas and their current return"),
            html.Thead(
                html.Tr(
                    [
                        html.Th(h, scope="col")
                        for h in ("Area", "Code", "Region", "Current return", "Loaded")
                    ]
                )
            ),
            html.Tbody(rows),
        ],
    )
    return plain_json(html.Div([html.P(sentence), html.Div(table, className="table-responsive")]))


def _period(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "none"
    return str(value).replace("_", " ")


def _when(value: object) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return format_when(value)  # type: ignore[arg-type]


def format_when(value: dt.datetime) -> str:
    """``27 November 2026, 04:42`` in UK time (the ETL stores load times in UTC, without zone)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    local = value.astimezone(LONDON)
    return f"{local.day} {local:%B %Y, %H:%M}"
