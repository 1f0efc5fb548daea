"""Callbacks of the programme overview (the home page), attached per app by ``register``.

Three plain functions: ``update_overview`` fills the page from the indicator engine for the
period, sort and order chosen; ``update_home_query`` writes those choices into the address; and
``update_home_controls`` follows the address (back / forward, a pasted link) back into the controls.
"""

from __future__ import annotations

import logging

import pandas as pd
from dash import Dash, Input, Output, State, no_update
from dash.development.base_component import Component

from dashboard import ids, urlstate
from dashboard import overview_data as od
from dashboard.charts import figures, text
from dashboard.charts.card import ChartContent, card_outputs, render
from dashboard.charts.table import plain_json, plotted_table
from dashboard.layouts import home, shell
from dashboard.services import Services
from dashboard.services.database import READ_ERRORS
from dashboard.services.indicator_data import IndicatorData
from lfo.indicators.definitions import indicators
from lfo.indicators.engine import ROW_COLUMNS, Result, ResultMeta

log = logging.getLogger(__name__)

#: The ranking chart shows the sort indicator when it has an interval, else completion.
DEFAULT_CHART_INDICATOR = "uptake.completion"


def chart_indicator(sort: str | None) -> str:
    if sort in od.GRID_INDICATORS and indicators()[sort].has_interval:
        return str(sort)
    return DEFAULT_CHART_INDICATOR


def resolve_period(
    choice: str | None, periods: list[str], latest: str | None
) -> tuple[str | None, list[str]]:
    """The period to show for the select's value (``LATEST``: the latest quarter), and any
    message."""
    if not choice or choice == od.LATEST:
        return latest, []
    if choice in periods:
        return choice, []
    try:
        shown = od.period_display(urlstate.period(choice).label)
    except ValueError:
        shown = choice
    fallback = f"the latest quarter, {od.period_display(latest)}" if latest else "no period"
    return latest, [f"There are no figures for {shown}; showing {fallback} instead."]


def ranking_chart(
    grid_rows: pd.DataFrame, indicator_id: str, period: str, meta: ResultMeta
) -> ChartContent:
    """The caterpillar of one grid indicator (99.8% intervals, as the grid's comparisons)."""
    ind = indicators()[indicator_id]
    rows = grid_rows[grid_rows["indicator"] == indicator_id]
    shown = od.period_display(period)
    title = f"{ind.name} by area, {shown}"
    subtitle = (
        "All interventions; 99.8% confidence intervals, as in the grid above; the line is "
        "the programme's figure. The chart shows the indicator the grid is sorted by "
        "(completion when it is sorted by name or by families against target)."
    )
    note = text.suppression_note(rows, meta.threshold)
    areas = rows[rows["area_code"] != od.PROGRAMME]
    empty = None
    if areas["value"].notna().sum() == 0:
        empty = f"No area has a figure for {ind.name.lower()} in {shown}."
    table = plotted_table(
        rows,
        ind,
        ci=od.GRID_CI,
        columns=("area_name", "value", "lower", "upper", "numerator", "denominator", "comparison"),
    )
    return ChartContent(
        figure=figures.caterpillar(rows) if empty is None else figures.empty_figure(empty),
        title=title,
        subtitle=subtitle,
        summary=text.describe_ranking(rows, ind, ci=od.GRID_CI),
        table=table,
        indicator_ids=[indicator_id],
        notes=[note] if note else [],
        data_as_at=meta.data_as_at,
        empty_message=empty,
        threshold=meta.threshold,
    )


def overview(
    data: IndicatorData, period_choice: str | None, sort: str | None, order: str | None
) -> list:
    """Every output of ``update_overview`` (see ``overview_outputs``), from the engine."""
    periods = data.periods()
    latest = data.latest_quarter()
    options = od.period_options(periods, latest)
    period, messages = resolve_period(period_choice, periods, latest)
    notice = _notice(messages)
    if period is None:
        nothing = html_p("No returns are loaded yet, so there are no figures to show.")
        empty = ChartContent(
            figure=figures.empty_figure("No data"),
            title=home.CHART_TITLE,
            subtitle="",
            summary="",
            table=pd.DataFrame(),
            indicator_ids=[],
            empty_message="No returns are loaded yet.",
        )
        return [options, notice, nothing, [], None, None, *render(empty)]
    grid_result = engine_rows(data, od.GRID_INDICATORS, periods=[period], ci=od.GRID_CI)
    grid_rows = grid_result.rows
    head_rows = engine_rows(
        data,
        od.HEADLINE_INDICATORS,
        areas=[od.PROGRAMME],
        periods=_with_year_before(period, periods),
        ci=od.HEADLINE_CI,
    ).rows
    sort = sort if sort in (od.SORT_AREA, *od.GRID_INDICATORS) else od.SORT_AREA
    order = order if order in (od.ORDER_LOW, od.ORDER_HIGH) else od.ORDER_LOW
    codes = od.sort_areas(grid_rows, sort, order)
    cards = [od.headline(head_rows, i, period) for i in od.HEADLINE_INDICATORS]
    is_quarter = "_Q" in period
    chart = ranking_chart(grid_rows, chart_indicator(sort), period, grid_result.meta)
    return [
        options,
        notice,
        home.summary(od.overview_summary(grid_rows, period)),
        home.headline_cards(cards),
        home.grid(
            grid_rows,
            codes,
            period,
            data.per_version(
                # the grid's rows (a thousand cells) for the period, in any order: made once per
                # period and data version, so a re-sorted grid only puts them in order
                ("overview_grid_rows", period),
                lambda _conn, _version: home.grid_rows(grid_rows, period),
            ),
        ),
        home.attention_list(od.needs_attention(grid_rows), period, is_quarter),
        *render(chart),
    ]


#: What a fault inside the engine for one indicator raises (it then shows as not available).
ENGINE_FAULTS = (TypeError, ValueError, KeyError, ZeroDivisionError)


def engine_rows(data: IndicatorData, indicator_ids: tuple[str, ...], **query: object) -> Result:
    """The engine's rows for several indicators; if the engine fails on one of them, the others
    are still shown (the failing one is logged and its cells say "no data")."""
    try:
        return data.rows(list(indicator_ids), **query)  # type: ignore[arg-type]
    except ENGINE_FAULTS:
        log.exception(
            "the engine failed on %s; retrying one indicator at a time", ", ".join(indicator_ids)
        )
    parts: list[pd.DataFrame] = []
    meta = ResultMeta(None, data.threshold)  # if every indicator fails
    for indicator_id in indicator_ids:
        try:
            result = data.rows([indicator_id], **query)  # type: ignore[arg-type]
        except ENGINE_FAULTS:
            log.exception("the engine failed on %s with %s", indicator_id, query)
            continue
        parts.append(result.rows)
        meta = result.meta
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=ROW_COLUMNS)
    return Result(rows, meta)


def _with_year_before(period: str, periods: list[str]) -> list[str]:
    before = od.previous_year(period)
    return [period, before] if before in periods else [period]


def _notice(messages: list[str]) -> Component | None:
    if not messages:
        return None
    return shell.messages_banner(messages)


def html_p(sentence: str) -> list[Component]:
    return home.summary([sentence])


def overview_outputs() -> list[Output]:
    return [
        Output(ids.HOME_PERIOD, "options"),
        Output(ids.HOME_DATA_MESSAGES, "children"),
        Output(ids.HOME_SUMMARY, "children"),
        Output(ids.HOME_HEADLINES, "children"),
        Output(ids.HOME_GRID, "children"),
        Output(ids.HOME_ATTENTION, "children"),
        *card_outputs(ids.HOME_CHART),
    ]


def register(app: Dash, services: Services) -> None:
    """Attach the overview's callbacks to ``app``."""
    n_outputs = len(overview_outputs())

    def update_overview(period: str | None, sort: str | None, order: str | None) -> list:
        data = services.data
        try:
            # every output as plain JSON, so Dash's encoder hands the answer straight to orjson
            # (the grid is written as JSON already; see ``plain_json``)
            return [plain_json(v) for v in overview(data, period, sort, order)]
        except READ_ERRORS as exc:
            log.warning("home overview: %s", exc)
            out = [no_update] * n_outputs
            out[2] = home.unavailable("the database could not be read")
            return out

    def update_home_query(
        period: str | None, sort: str | None, order: str | None, search: str | None
    ) -> str:
        # Dash calls this when the controls first appear, too: leave the address alone while
        # the controls show what it says (a bad value's message then stays on screen)
        if home.control_values(urlstate.parse_query(search, home.PARAMS)) == (
            period or od.LATEST,
            sort,
            order,
        ):
            return no_update
        try:
            query = home.query_for(period, sort, order)
        except ValueError:
            return no_update
        return query if query != (search or "") else no_update

    def update_home_controls(
        search: str | None, period: str | None, sort: str | None, order: str | None
    ) -> tuple:
        state = urlstate.parse_query(search, home.PARAMS)
        wanted = home.control_values(state)
        current = (period or od.LATEST, sort, order)
        values = tuple(no_update if w == c else w for w, c in zip(wanted, current, strict=True))
        return (*values, shell.messages_banner(state.messages))

    app.callback(
        *overview_outputs(),
        Input(ids.HOME_PERIOD, "value"),
        Input(ids.HOME_SORT, "value"),
        Input(ids.HOME_ORDER, "value"),
    )(update_overview)
    app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.HOME_PERIOD, "value"),
        Input(ids.HOME_SORT, "value"),
        Input(ids.HOME_ORDER, "value"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )(update_home_query)
    app.callback(
        Output(ids.HOME_PERIOD, "value"),
        Output(ids.HOME_SORT, "value"),
        Output(ids.HOME_ORDER, "value"),
        Output(ids.HOME_MESSAGES, "children"),
        Input(ids.URL, "search"),
        State(ids.HOME_PERIOD, "value"),
        State(ids.HOME_SORT, "value"),
        State(ids.HOME_ORDER, "value"),
        prevent_initial_call=True,
    )(update_home_controls)
