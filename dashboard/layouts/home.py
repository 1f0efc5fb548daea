"""The home page: the programme overview for a DWP programme lead — where is it working, where not.

Headline cards for the programme, a grid of areas × key indicators compared with the programme (at
the confidence level the reader chooses: 95% by default, 99.8% by choice, ``ci`` in the address),
the areas that need attention, a ranking chart, and the returns loaded. The grid's cells are
filled by comparison, always with a word and a shape too, and carry the recent trend as an arrow
with words (styles in ``assets/site/grid.css``). The layout does no database work:
``dashboard.callbacks.overview`` fills it from the indicator engine.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html
from dash.development.base_component import Component

from dashboard import ids, urlstate
from dashboard.charts.card import chart_card
from dashboard.charts.table import JSONList, plain_json
from dashboard.layouts import shell
from dashboard.layouts.home_grid import _TD_PLAIN, _TH, _TR, grid, grid_key, grid_rows
from dashboard.layouts.shell import aria
from dashboard.present import benchmark as bench
from dashboard.present import confidence as pci
from dashboard.present import overview as po
from dashboard.present import overview_grid as pg
from dashboard.present import overview_rows as prows
from dashboard.present.choices import with_release
from dashboard.present.home import RETURNS_HEADERS, returns_loaded
from dashboard.present.overview_headlines import Headline

TITLE = "Local Family Offer monitoring"

PERIOD = urlstate.Param("period", parse=urlstate.period, default=None, format=lambda p: p.label)  # type: ignore[attr-defined]
SORT = urlstate.Param(
    "sort", parse=urlstate.choice((pg.SORT_AREA, *pg.GRID_INDICATORS)), default=pg.SORT_AREA
)
ORDER = urlstate.Param(
    "order", parse=urlstate.choice((pg.ORDER_LOW, pg.ORDER_HIGH)), default=pg.ORDER_LOW
)
#: the grid's rows: the first 50 areas in the order chosen (the default) or all of them
ROWS = urlstate.Param("rows", parse=urlstate.choice(prows.ROWS_CHOICES), default=prows.ROWS_FIRST)
PARAMS = (PERIOD, SORT, ORDER, pci.CI, bench.BENCHMARK, ROWS)

ATTENTION_HEADING = "home-attention-heading"


def control_values(state: urlstate.QueryState) -> tuple[str, str, str, str]:
    """The period select's, sort select's, order radios' and confidence switch's values for a
    parsed address."""
    period = state.values["period"]
    return (
        period.label if period is not None else po.LATEST,  # type: ignore[attr-defined]
        str(state.values["sort"]),
        str(state.values["order"]),
        str(state.values["ci"]),
    )


def benchmark_value(state: urlstate.QueryState) -> str:
    """The benchmark select's value for a parsed address (the programme if none)."""
    return bench.checked(state.values.get("benchmark"))


def rows_value(state: urlstate.QueryState) -> str:
    """The grid's rows for a parsed address: "first" (the first 50 areas) unless "all"."""
    return prows.checked_rows(state.values.get("rows"))


def query_for(
    period: str | None,
    sort: str | None,
    order: str | None,
    ci: str | None = None,
    benchmark: str | None = None,
    rows: str | None = None,
) -> str:
    """The query string for the controls' values (defaults left out)."""
    values = {
        "period": urlstate.period(period) if period and period != po.LATEST else None,
        "sort": sort or pg.SORT_AREA,
        "order": order or pg.ORDER_LOW,
        "ci": pci.checked(ci) if ci else pci.DEFAULT_CI,
        "benchmark": bench.checked(benchmark),
        "rows": prows.checked_rows(rows),
    }
    return urlstate.to_query(values, PARAMS)


def sort_options() -> list[dict[str, str]]:
    return [{"label": "Area name", "value": pg.SORT_AREA}] + [
        {"label": pg.GRID_HEADERS[i], "value": i} for i in pg.GRID_INDICATORS
    ]


def layout(search: str = "") -> html.Div:
    state = urlstate.parse_query(search, PARAMS)
    period, sort, order, ci = control_values(state)
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
                className="lfo-controls row g-3 mb-3",
                children=[
                    html.Div(
                        className="col-md-5",
                        children=[
                            html.Label(
                                "Period (a financial year or a quarter)",
                                htmlFor=ids.HOME_PERIOD,
                                className="form-label fw-bold",
                            ),
                            dbc.Select(
                                id=ids.HOME_PERIOD,
                                value=period,
                                options=[{"label": "Latest financial year", "value": po.LATEST}],
                                style={"maxWidth": "22rem"},
                            ),
                        ],
                    ),
                    _ci_control(ci),
                    shell.benchmark_choice(ids.HOME_BENCHMARK, benchmark_value(state), "col-md-5"),
                ],
            ),
            html.Div(
                id=ids.HOME_SUMMARY,
                **aria(live="polite"),
                children=html.P("Reading the figures…"),
            ),
            html.H2("Headline figures for the programme"),
            html.Div(id=ids.HOME_HEADLINES, className="row g-3 mb-4"),
            html.H2("Areas compared with the benchmark"),
            html.P(
                "Each cell gives the area's figure, whether it is better, similar or worse than "
                "the benchmark chosen above (the programme unless chosen otherwise) at the "
                "confidence level chosen, and its recent trend. "
                "Select a figure to open the area's profile at that indicator; select a column "
                "heading for its topic page.",
            ),
            grid_key(),
            _sort_controls(sort, order),
            _rows_control(rows_value(state)),
            html.A(
                "Skip the table to Needs attention",
                href=f"#{ATTENTION_HEADING}",
                className="visually-hidden-focusable",
            ),
            html.Div(id=ids.HOME_GRID),
            html.H2("Needs attention", id=ATTENTION_HEADING),
            html.P(
                "Areas worse than the benchmark (at the confidence level chosen above) and "
                "getting worse over the five quarters to the period's end (for a financial "
                "year, the five quarters to its fourth quarter)."
            ),
            html.Div(id=ids.HOME_ATTENTION),
            html.Div(html.Ul(id=ids.HOME_NOT_SHOWN, className="lfo-not-shown"), role="status"),
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
                        options=order_options(sort),
                    ),
                ],
            ),
        ],
    )


def _rows_control(rows: str) -> html.Div:
    """The line saying how many areas the grid draws (a polite live region, so a screen reader
    hears the change) and the button that shows all or the first 50; both empty and hidden
    until the grid is filled, and while every area fits (the pilot). Pressed, the button loads
    the address with ``rows=all`` (or without it) and focus comes back to it
    (``callbacks.overview.SWITCH_ROWS_JS``)."""
    return html.Div(
        className="lfo-grid-rows d-flex flex-wrap align-items-center gap-2 mb-2",
        children=[
            dcc.Store(id=ids.HOME_ROWS, data=rows),
            html.P(id=ids.HOME_ROWS_LINE, className="mb-0", role="status", **aria(live="polite")),
            html.Button(
                id=ids.HOME_ROWS_BUTTON,
                type="button",
                hidden=True,
                className="btn btn-outline-primary btn-sm",
                **aria(controls=ids.HOME_GRID),
            ),
        ],
    )


def order_options(sort: str | None) -> list[dict[str, str]]:
    """The order radios' options, their labels saying what they do for the sort chosen."""
    low, high = pg.order_labels(sort or pg.SORT_AREA)
    return [{"label": low, "value": pg.ORDER_LOW}, {"label": high, "value": pg.ORDER_HIGH}]


def _ci_control(ci: str) -> html.Fieldset:
    """The confidence switch (95% / 99.8%) with a line saying why one would choose 99.8%."""
    return html.Fieldset(
        className="col-md-7",
        children=[
            html.Legend("Confidence level of the comparisons", className="form-label fw-bold fs-6"),
            dbc.RadioItems(
                id=ids.HOME_CI,
                name=ids.HOME_CI,
                value=ci,
                inline=True,
                options=pci.ci_options(),
            ),
            html.P(pci.CI_NOTE, className="small mb-0 lfo-ci-help"),
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


def loaded_summary(returns: pd.DataFrame, release: str | None = None) -> dict[str, Any]:
    """A sentence and a table: every programme area with its current return, if any; as the JSON
    the browser receives (``plain_json``; the rows written by ``json_maker``)."""
    loaded = returns_loaded(returns)
    if loaded is None:
        return _json(html.Div(html.P("The database holds no programme areas yet.")))
    parts: list[Component] = [html.P(loaded.sentence)]
    if not loaded.every_area:
        parts.append(
            html.P(
                [
                    "Every area's returns: ",
                    dcc.Link("Data quality", href=with_release("/quality", release)),
                    ".",
                ]
            )
        )
    if not loaded.rows:
        return _json(html.Div(parts))
    caption = (
        "Programme areas and their current return"
        if loaded.every_area
        else "Programme areas without the latest return, and the return they have"
    )
    rows = JSONList(
        _TR([_TH(name, "row"), *(_TD_PLAIN(v) for v in values)]) for name, *values in loaded.rows
    )
    table = html.Table(
        className="table table-sm lfo-table lfo-returns-table",
        children=[
            html.Caption(caption),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in RETURNS_HEADERS])),
            html.Tbody(rows),
        ],
    )
    # (it scrolls sideways on a phone: focusable and named so a keyboard can scroll it, as the
    # charts' tables are; axe scrollable-region-focusable)
    box = html.Div(
        table,
        className="table-responsive",
        tabIndex="0",
        role="region",
        **aria(label=f"Table: {caption[:1].lower()}{caption[1:]}"),
    )
    return _json(html.Div([*parts, box]))


def _json(component: Component) -> dict[str, Any]:
    """``component`` as the JSON the browser receives (``plain_json``)."""
    made: dict[str, Any] = plain_json(component)
    return made


#: The grid is laid out in ``home_grid``; the callbacks reach it through this page's module.
__all__ = ["grid", "grid_key", "grid_rows", "layout"]
