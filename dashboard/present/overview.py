"""The programme overview (the home page): what it shows for a period, sort and order.

``overview(data, period, sort, order)`` gathers the page: the period resolved, the headline cards
(``present.overview_headlines``), the grid's rows and area order and the areas that need
attention (``present.overview_grid``), the summary sentences (``present.overview_summary``) and
the ranking chart's content. Pure apart from asking ``IndicatorData`` for the engine's rows:
nothing here computes a published figure (values, intervals, comparisons and trends all come
from the engine) and nothing imports Dash.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from dashboard.charts import figures, text
from dashboard.charts.content import ChartContent
from dashboard.charts.frame import plotted_table
from dashboard.present.export_context import chart_export
from dashboard.present.overview_grid import (
    GRID_CI,
    GRID_INDICATORS,
    ORDER_HIGH,
    ORDER_LOW,
    SORT_AREA,
    Attention,
    attention,
    needs_attention,
    sort_areas,
)
from dashboard.present.overview_headlines import (
    HEADLINE_CI,
    HEADLINE_INDICATORS,
    Headline,
    headline,
    previous_year,
)
from dashboard.present.overview_summary import overview_summary
from dashboard.present.words import period_label
from dashboard.services.indicator_data import IndicatorData
from lfo.indicators.definitions import indicators
from lfo.indicators.request import ROW_COLUMNS, Result, ResultMeta
from lfo.periods import period, quarters_of, years_of
from lfo.terms import PROGRAMME

log = logging.getLogger(__name__)

LATEST = "latest"  # the period select's value for "the latest quarter" (no period in the address)
CHART_TITLE = "Areas ranked, with intervals"
#: The ranking chart shows the sort indicator when it has an interval, else completion.
DEFAULT_CHART_INDICATOR = "uptake.completion"
NO_RETURNS = "No returns are loaded yet, so there are no figures to show."


def period_choices(periods: Sequence[str]) -> list[str]:
    """The period select's choices after "the latest quarter": quarters newest first, then
    financial years newest first."""
    return [*reversed(quarters_of(periods)), *reversed(years_of(periods))]


def latest_label(latest: str) -> str:
    """The label of the period select's first choice (value ``LATEST``)."""
    return f"Latest quarter ({period_label(latest)})"


def resolve_period(
    choice: str | None, periods: list[str], latest: str | None
) -> tuple[str | None, list[str]]:
    """The period to show for the select's value (``LATEST``: the latest quarter), and any
    message."""
    if not choice or choice == LATEST:
        return latest, []
    if choice in periods:
        return choice, []
    try:
        shown = period_label(period(choice).label)
    except ValueError:
        shown = choice
    fallback = f"the latest quarter, {period_label(latest)}" if latest else "no period"
    return latest, [f"There are no figures for {shown}; showing {fallback} instead."]


# --- the page ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    """What the overview shows. ``period`` None: no returns are loaded (only ``choices``,
    ``messages``, ``summary`` and the empty ``chart`` then)."""

    latest: str | None
    choices: list[str]  # the period select's choices after the latest quarter
    messages: list[str]  # about the period asked for
    period: str | None
    summary: list[str]
    headlines: list[Headline]
    grid_rows: pd.DataFrame  # the engine's rows of the grid's indicators (99.8%)
    area_order: list[str]  # area codes in the grid's order
    attention: Attention | None
    chart: ChartContent


def overview(
    data: IndicatorData, period_choice: str | None, sort: str | None, order: str | None
) -> Overview:
    """The overview for the period select's value and the grid's sort and order (unknown values
    fall back to the defaults)."""
    periods = data.periods()
    latest = data.latest_quarter()
    code, messages = resolve_period(period_choice, periods, latest)
    if code is None:
        empty = ChartContent(
            figure=figures.empty_figure("No data"),
            title=CHART_TITLE,
            subtitle="",
            summary="",
            table=pd.DataFrame(),
            indicator_ids=[],
            empty_message="No returns are loaded yet.",
        )
        return Overview(
            latest=latest,
            choices=period_choices(periods),
            messages=messages,
            period=None,
            summary=[NO_RETURNS],
            headlines=[],
            grid_rows=pd.DataFrame(),
            area_order=[],
            attention=None,
            chart=empty,
        )
    grid = engine_rows(data, GRID_INDICATORS, periods=[code], ci=GRID_CI)
    head_rows = engine_rows(
        data,
        HEADLINE_INDICATORS,
        areas=[PROGRAMME],
        periods=_with_year_before(code, periods),
        ci=HEADLINE_CI,
    ).rows
    sort = sort if sort in (SORT_AREA, *GRID_INDICATORS) else SORT_AREA
    order = order if order in (ORDER_LOW, ORDER_HIGH) else ORDER_LOW
    return Overview(
        latest=latest,
        choices=period_choices(periods),
        messages=messages,
        period=code,
        summary=overview_summary(grid.rows, code),
        headlines=[headline(head_rows, i, code) for i in HEADLINE_INDICATORS],
        grid_rows=grid.rows,
        area_order=sort_areas(grid.rows, sort, order),
        attention=attention(needs_attention(grid.rows), code),
        chart=ranking_chart(grid.rows, chart_indicator(sort), code, grid.meta),
    )


#: What a fault inside the engine for one indicator raises (it then shows as not available).
ENGINE_FAULTS = (TypeError, ValueError, KeyError, ZeroDivisionError)


def engine_rows(data: IndicatorData, indicator_ids: tuple[str, ...], **query: Any) -> Result:
    """The engine's rows for several indicators; if the engine fails on one of them, the others
    are still shown (the failing one is logged and its cells say "no data")."""
    try:
        return data.rows(list(indicator_ids), **query)
    except ENGINE_FAULTS:
        log.exception(
            "the engine failed on %s; retrying one indicator at a time", ", ".join(indicator_ids)
        )
    parts: list[pd.DataFrame] = []
    meta = ResultMeta(None, data.threshold)  # if every indicator fails
    for indicator_id in indicator_ids:
        try:
            result = data.rows([indicator_id], **query)
        except ENGINE_FAULTS:
            log.exception("the engine failed on %s with %s", indicator_id, query)
            continue
        parts.append(result.rows)
        meta = result.meta
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=ROW_COLUMNS)
    return Result(rows, meta)


def _with_year_before(code: str, periods: list[str]) -> list[str]:
    before = previous_year(code)
    return [code, before] if before in periods else [code]


def chart_indicator(sort: str | None) -> str:
    if sort in GRID_INDICATORS and indicators()[sort].has_interval:
        return str(sort)
    return DEFAULT_CHART_INDICATOR


def ranking_chart(
    grid_rows: pd.DataFrame, indicator_id: str, code: str, meta: ResultMeta
) -> ChartContent:
    """The caterpillar of one grid indicator (99.8% intervals, as the grid's comparisons)."""
    ind = indicators()[indicator_id]
    rows = grid_rows[grid_rows["indicator"] == indicator_id]
    shown = period_label(code)
    note = text.suppression_note(rows, meta.threshold)
    areas = rows[rows["area_code"] != PROGRAMME]
    empty = None
    if areas["value"].notna().sum() == 0:
        empty = f"No area has a figure for {ind.name.lower()} in {shown}."
    table = plotted_table(
        rows,
        ind,
        ci=GRID_CI,
        columns=("area_name", "value", "lower", "upper", "numerator", "denominator", "comparison"),
    )
    return ChartContent(
        figure=figures.caterpillar(rows) if empty is None else figures.empty_figure(empty),
        title=f"{ind.name} by area, {shown}",
        subtitle=(
            "All interventions; 99.8% confidence intervals, as in the grid above; the line is "
            "the programme's figure. The chart shows the indicator the grid is sorted by "
            "(completion when it is sorted by name or by families against target)."
        ),
        summary=text.describe_ranking(rows, ind, ci=GRID_CI),
        table=table,
        indicator_ids=[indicator_id],
        notes=[note] if note else [],
        data_as_at=meta.data_as_at,
        empty_message=empty,
        threshold=meta.threshold,
        **chart_export(
            [indicator_id], period=code, filters={"intervention_group": "all"}, ci=GRID_CI
        ),
    )
