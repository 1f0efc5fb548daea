"""Callbacks of the data-quality page, as plain functions attached per app by ``register``.

``update_controls`` turns the address into the filters (and messages for bad values);
``update_quality`` draws the page for the filters and writes them back to the address.
Data-quality counts come from ``dashboard.quality_data``; paired-outcome completeness (an
indicator, suppressed as one) from the indicator engine.
"""

from __future__ import annotations

import logging

import pandas as pd
import plotly.graph_objects as go
from dash import Dash, Input, Output, State, html, no_update
from dash.development.base_component import Component

from dashboard import charts, ids, theme, urlstate
from dashboard import quality_data as qd
from dashboard.charts import ChartContent, card_outputs, figures, text
from dashboard.charts.table import JSONList, plain_json, plotted_table
from dashboard.layouts import quality as page
from dashboard.layouts.shell import messages_banner
from dashboard.services import Services, queries
from dashboard.services.database import READ_ERRORS, Database
from dashboard.services.indicator_data import IndicatorData, indicator
from lfo.indicators.compare import format_value
from lfo.indicators.definitions import DEFINITIONS_VERSION
from lfo.periods import FinancialYear, parse_period
from lfo.reference import load_reference

log = logging.getLogger(__name__)

#: The data-quality figure's definition (indicators.md § Data quality figures), carried by exports.
COMPLETENESS_DEFINITION = (
    "dq.completeness: for each area's current return and each optional field, the percentage "
    "of rows with a stated value; an explicit 'not_stated' counts as not stated. 'All areas' "
    "pools the rows of every area's current return."
)

_ = charts  # the kit registers its own download callbacks once per app (dashboard.app)


def state_from_search(
    search: str | None, area_codes: list[str], periods: list[str]
) -> tuple[dict[str, object], list[str]]:
    """The filters for ``search``: unknown areas and periods without data fall back, with a message."""
    state = urlstate.parse_query(search, page.PARAMS)
    values, messages = dict(state.values), list(state.messages)
    if values["area"] is not None and values["area"] not in area_codes:
        messages.append(f"There is no programme area {values['area']}; showing all areas.")
        values["area"] = None
    if values["period"] is not None and values["period"] not in periods:
        messages.append(
            f"There are no figures for {str(values['period']).replace('_', ' ')} "
            "yet; showing the latest period."
        )
        values["period"] = None
    if values["period"] is None:
        values["period"] = default_period(periods)
    return values, messages


def default_period(periods: list[str]) -> str | None:
    """The latest whole financial year with data, else the latest quarter, else None."""
    years = [p for p in periods if "_Q" not in p]
    if years:
        return years[-1]
    return periods[-1] if periods else None


def period_options(periods: list[str], chosen: str | None) -> list[dict[str, str]]:
    """Every financial year with data and the quarters of the latest one (plus ``chosen``)."""
    years = [p for p in periods if "_Q" not in p]
    quarters = [p for p in periods if "_Q" in p][-4:]
    shown = years + quarters
    if chosen and chosen not in shown:
        shown.append(chosen)
    return [{"label": _period_label(p), "value": p} for p in shown]


def _period_label(label: str) -> str:
    p = parse_period(label)
    return f"{p.display} (financial year)" if isinstance(p, FinancialYear) else p.display


def register(app: Dash, services: Services) -> None:
    """Attach the page's callbacks to ``app``."""
    db, data = services.db, services.data

    def update_controls(_state: dict | None, search: str | None):
        try:
            areas = queries.areas(db)
            periods = data.periods()
        except READ_ERRORS as exc:
            log.warning("data quality controls: %s", exc)
            return (
                [{"label": "All areas", "value": page.ALL_AREAS}],
                page.ALL_AREAS,
                [],
                None,
                "csi4",
                _unavailable(),
            )
        values, messages = state_from_search(search, list(areas["area_code"]), periods)
        area_options = [{"label": "All areas", "value": page.ALL_AREAS}] + [
            {"label": r.area_name, "value": r.area_code} for r in areas.itertuples()
        ]
        return (
            area_options,
            values["area"] or page.ALL_AREAS,
            period_options(periods, values["period"]),
            values["period"],
            values["measure"],
            messages_banner(messages),
        )

    def update_quality(
        area: str | None, measure: str | None, period: str | None, search: str | None
    ):
        area = None if area in (None, page.ALL_AREAS) else area
        measure = measure or "csi4"
        definition = f"/definitions#outcome.{measure}.paired"
        try:
            latest = default_period(data.periods())
        except READ_ERRORS:
            latest = None
        # the latest period is the default: left out, so a plain link always shows the latest
        written = None if period == latest else period
        query = urlstate.to_query(
            {"area": area, "measure": measure, "period": written}, page.PARAMS
        )
        new_search = no_update if query == (search or "") else query
        try:
            # the same for every request of this area until a load changes the data: made once
            # per data version (the all-areas grid is thousands of cells), kept as plain JSON
            # that is not walked again (a JSONList: see ``plain_json``)
            content = data.per_version(
                ("quality_sections", area),
                lambda _conn, _version: JSONList(plain_json(quality_sections(db, area))),
            )
            # the completeness card (a table of every area × field for all areas) depends only
            # on the area and the data: rendered once per data version, as plain JSON
            completeness = data.per_version(
                ("quality_completeness_card", area),
                lambda _conn, _version: [
                    plain_json(v) for v in charts.render(completeness_chart(db, area, data))
                ],
            )
            paired = paired_chart(data, area, measure, period)
            every_measure = paired_every_measure(data, period)
        except READ_ERRORS as exc:
            log.warning("data quality page: %s", exc)
            empty = _empty_content("The data cannot be shown just now.")
            return [
                new_search,
                _unavailable(),
                *charts.render(empty),
                *charts.render(empty),
                definition,
                None,
            ]
        # every output as plain JSON, so Dash hands the answer straight to orjson
        return [
            new_search,
            content,
            *completeness,
            *(plain_json(v) for v in [*charts.render(paired), definition, every_measure]),
        ]

    app.callback(
        Output(ids.QUALITY_AREA, "options"),
        Output(ids.QUALITY_AREA, "value"),
        Output(ids.QUALITY_PERIOD, "options"),
        Output(ids.QUALITY_PERIOD, "value"),
        Output(ids.QUALITY_MEASURE, "value"),
        Output(ids.QUALITY_MESSAGES, "children"),
        Input(ids.QUALITY_STATE, "data"),
        Input(ids.URL, "search"),
    )(update_controls)
    app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Output(ids.QUALITY_CONTENT, "children"),
        *card_outputs(ids.QUALITY_COMPLETENESS_CHART),
        *card_outputs(ids.QUALITY_PAIRED_CHART),
        Output(ids.QUALITY_PAIRED_DEFINITION, "href"),
        Output(ids.QUALITY_PAIRED_ALL, "children"),
        Input(ids.QUALITY_AREA, "value"),
        Input(ids.QUALITY_MEASURE, "value"),
        Input(ids.QUALITY_PERIOD, "value"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )(update_quality)


def _unavailable() -> Component:
    return html.Div(
        html.P("The data cannot be shown just now: the database could not be read."),
        className="alert alert-warning",
        role="status",
    )


def _empty_content(message: str) -> ChartContent:
    return ChartContent(
        figure=figures.empty_figure(message),
        title="",
        subtitle="",
        summary=message,
        table=pd.DataFrame(),
        indicator_ids=[],
        empty_message=message,
    )


# --- the tables ----------------------------------------------------------------------------------


def quality_sections(db: Database, area: str | None) -> list[Component]:
    """Returns received, every load, findings and held-back rows (for one area or all)."""
    current = queries.current_returns(db, area)
    every_area = queries.areas(db)
    names = dict(zip(every_area["area_code"], every_area["area_name"], strict=True))
    quarters, grid = qd.coverage_grid(current)
    return [
        html.H2("Returns received"),
        html.P(
            "Each return is a cumulative snapshot, so an area's current return covers every "
            "quarter from 2016-17 Q1 to the end of its period. A tick means the quarter is "
            "covered; figures for quarters not covered are shown as [x]."
        ),
        page.returns_grid(current, quarters, grid),
        html.H3("Every return sent"),
        page.loads_table(queries.load_log(db, area), names),
        html.H2("What the checks found"),
        html.P(
            "Findings of the checks in each area's current return, counted by code. Errors in "
            "single rows hold those rows back; warnings are accepted but worth a look."
        ),
        page.findings_table(queries.finding_counts(db, area), names),
        html.H3("Rows held back"),
        page.held_back_table(queries.held_back(db, area), names),
    ]


# --- completeness of optional fields -------------------------------------------------------------


def completeness_figure(
    per_area: pd.DataFrame, pooled: pd.DataFrame, area_name: str | None
) -> go.Figure:
    """A dot plot of % stated per field: the chosen area (or all areas pooled) as labelled
    diamonds, the comparison (all areas pooled, or each area) as open circles. The focus value is
    written in the field's axis label, so neither colour nor hover is needed to read it."""
    focus = per_area if area_name is not None else pooled
    other = pooled if area_name is not None else per_area
    focus_name = area_name or "All areas"
    labels = {
        f: f"{f}: {format_value(v, '%')}"
        for f, v in zip(focus["field"], focus["percent_stated"], strict=True)
    }
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            y=other["field"].map(labels),
            x=other["percent_stated"],
            mode="markers",
            name="All areas" if area_name is not None else "Each area",
            text=other.get("area_name", None),
            hovertemplate="%{text}: %{x:.1f}%<extra></extra>"
            if area_name is None
            else "All areas: %{x:.1f}%<extra></extra>",
            marker={
                "symbol": "circle-open",
                "size": 10,
                "color": theme.DARK_GREY,
                "line": {"width": 2},
            },
        )
    )
    fig.add_trace(
        go.Scatter(
            y=focus["field"].map(labels),
            x=focus["percent_stated"],
            mode="markers",
            name=focus_name,
            hovertemplate=f"{focus_name}: %{{x:.1f}}%<extra></extra>",
            marker={
                "symbol": "diamond",
                "size": 15,
                "color": theme.DARK_BLUE,
                "line": {"width": 1, "color": "white"},
            },
        )
    )
    lowest = pd.concat([focus["percent_stated"], other["percent_stated"]]).min()
    start = max(0.0, float(lowest) - 5.0) if pd.notna(lowest) else 0.0
    fig.update_layout(
        xaxis={
            "title": {"text": "% of rows with a stated value"},
            "range": [start, 101],
            "ticksuffix": "%",
        },
        yaxis={"autorange": "reversed"},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        margin={"t": 40},
        height=60 + 48 * len(focus),
    )
    return fig


def completeness_chart(
    db: Database, area: str | None, data: IndicatorData | None = None
) -> ChartContent:
    """The completeness card (``data``: read every area's completeness through its cache)."""
    every = qd.every_completeness(data) if data is not None else queries.completeness(db)
    every_area = queries.areas(db)
    names = dict(zip(every_area["area_code"], every_area["area_name"], strict=True))
    title = "Completeness of optional fields"
    if every.empty:
        return _empty_content("No current return is loaded, so there is nothing to show yet.")
    every["field"] = every["column"].map(page.field_name)
    every["area_name"] = every["area_code"].map(names)
    pooled = (
        qd.every_pooled_completeness(data) if data is not None else qd.pooled_completeness(every)
    )
    pooled["field"] = pooled["column"].map(page.field_name)
    area_name = names.get(area) if area else None
    shown = every[every["area_code"] == area] if area else every
    if area and shown.empty:
        return _empty_content(f"{area_name} has no current return, so there is nothing to show.")
    fig = completeness_figure(shown, pooled, area_name)
    table = pd.DataFrame(
        {
            "Field": pd.concat([shown["field"], pooled["field"]], ignore_index=True),
            "Area": pd.concat(
                [shown["area_name"], pd.Series(["All areas"] * len(pooled))], ignore_index=True
            ),
            "Rows": pd.concat([shown["rows"], pooled["rows"]], ignore_index=True),
            "Rows stated": pd.concat([shown["stated"], pooled["stated"]], ignore_index=True),
            "% stated": pd.concat(
                [shown["percent_stated"], pooled["percent_stated"]], ignore_index=True
            ),
        }
    )
    summary = completeness_summary(shown, pooled, area_name)
    return ChartContent(
        figure=fig,
        title=f"{title}: {area_name or 'all areas'}",
        subtitle="Current returns; % of rows with a stated value ('not stated' is not stated)",
        summary=summary,
        table=table,
        indicator_ids=[],
        notes=[
            COMPLETENESS_DEFINITION,
            "Data-quality figures count rows, not people, and are not suppressed.",
            f"Definitions version {DEFINITIONS_VERSION}.",
        ],
        data_as_at=_as_at(db),
    )


def completeness_summary(shown: pd.DataFrame, pooled: pd.DataFrame, area_name: str | None) -> str:
    """The least and most complete fields in words (the chart's text alternative)."""

    def pct(v: object) -> str:
        return format_value(v, "%")

    focus = (shown if area_name else pooled).sort_values("percent_stated", kind="stable")
    low, high = focus.iloc[0], focus.iloc[-1]
    if area_name:
        base = pooled.set_index("column")["percent_stated"]
        return (
            f"In {area_name}, the least complete optional field was {low['field'].lower()} "
            f"({pct(low['percent_stated'])} of rows stated, against "
            f"{pct(base.get(low['column']))} across all areas); the most complete was "
            f"{high['field'].lower()} ({pct(high['percent_stated'])})."
        )
    worst = shown.sort_values("percent_stated", kind="stable").iloc[0]
    return (
        f"Across all areas, the least complete optional field was {low['field'].lower()} "
        f"({pct(low['percent_stated'])} of rows stated) and the most complete "
        f"{high['field'].lower()} ({pct(high['percent_stated'])}); the lowest figure for any "
        f"area was {worst['area_name']}'s {worst['field'].lower()} "
        f"({pct(worst['percent_stated'])})."
    )


# --- paired-outcome completeness (an indicator) --------------------------------------------------


def paired_chart(data, area: str | None, measure: str, period: str | None) -> ChartContent:
    measure_name = load_reference().measures[measure].name
    ind_id = f"outcome.{measure}.paired"
    ind = indicator(ind_id)
    if period is None:
        return _empty_content("No return is loaded yet, so there is no period to show.")
    result = data.rows([ind_id], periods=[period])
    rows = result.rows
    areas = rows[rows["area_code"] != "programme"]
    shown = areas[areas["status"] != "c"]
    if shown["value"].notna().sum() == 0:
        return _empty_content(
            f"No area has paired {measure_name} scores for {_period_label(period)}."
        )
    note = text.suppression_note(rows, result.meta.threshold)
    table = plotted_table(
        rows,
        ind,
        columns=("area_name", "value", "lower", "upper", "numerator", "denominator", "comparison"),
    )
    return ChartContent(
        figure=figures.caterpillar(rows, highlight=area),
        title=f"Paired-outcome completeness, {measure_name}, {_period_label(period)}",
        subtitle="All interventions; areas ordered by value; 95% confidence intervals",
        summary=text.describe_ranking(rows, ind),
        table=table,
        indicator_ids=[ind_id],
        notes=[n for n in (note,) if n],
        data_as_at=result.meta.data_as_at,
        threshold=result.meta.threshold,
    )


def paired_every_measure(data, period: str | None) -> Component:
    """The table of paired completeness for every measure (engine rows, suppressed as ever)."""
    if period is None:
        return html.P(
            "No return is loaded yet, so there is no period to show.", className="lfo-empty"
        )
    measures = load_reference().measures
    result = data.rows([f"outcome.{m}.paired" for m in measures], periods=[period])
    names = {code: m.name for code, m in measures.items()}
    return page.paired_table(result.rows, names, _period_label(period))


def _as_at(db: Database) -> str | None:
    when = queries.data_as_at(db)
    return when.isoformat() if when else None
