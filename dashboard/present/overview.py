"""The programme overview (the home page): what it shows for a period, sort, order and
confidence level.

``overview(data, period, sort, order, ci=...)`` gathers the page: the period resolved (by
default the latest financial year the returns cover, ``default_period``), the headline cards
(``present.overview_headlines``), the grid's rows and area order and the areas that need
attention (``present.overview_grid``), the summary sentences (``present.overview_summary``) and
the ranking chart's content. Pure apart from asking ``IndicatorData`` for the engine's rows:
nothing here computes a published figure (values, intervals, comparisons and trends all come
from the engine) and nothing imports Dash.

A financial year's recent trend is the one over the five quarters to its Q4 (indicators.md,
"Recent trend"): the engine tests trends on quarters, so a year's rows take the trend of its Q4's
rows (``with_year_trends``) and "needs attention" works for years as for quarters.
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
from dashboard.present import benchmark as bench
from dashboard.present.confidence import DEFAULT_CI, checked, level
from dashboard.present.export_context import chart_export
from dashboard.present.overview_grid import (
    GRID_INDICATORS,
    ORDER_HIGH,
    ORDER_LOW,
    SORT_AREA,
    Attention,
    attention,
    needs_attention,
    sort_areas,
    trend_end,
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
from lfo.periods import is_quarter, period, quarters_of, years_of
from lfo.terms import PROGRAMME

log = logging.getLogger(__name__)

#: The period select's value for the default period (no period in the address): the latest
#: financial year the returns cover, or the latest quarter while no year is covered.
LATEST = "latest"
CHART_TITLE = "Areas ranked, with intervals"
#: The ranking chart shows the sort indicator when it has an interval, else completion.
DEFAULT_CHART_INDICATOR = "uptake.completion"
NO_RETURNS = "No returns are loaded yet, so there are no figures to show."


def default_period(periods: Sequence[str]) -> str | None:
    """The period shown when none is chosen: the latest financial year the returns cover (every
    one of its quarters within a return: ``available_periods`` lists only those years), else the
    latest quarter; None without data."""
    years, quarters = years_of(periods), quarters_of(periods)
    if years:
        return years[-1]
    return quarters[-1] if quarters else None


def period_choices(periods: Sequence[str]) -> list[str]:
    """The period select's choices after the default (the latest financial year): quarters
    newest first, then financial years newest first."""
    return [*reversed(quarters_of(periods)), *reversed(years_of(periods))]


def latest_label(latest: str) -> str:
    """The label of the period select's first choice (value ``LATEST``)."""
    kind = "quarter" if is_quarter(latest) else "financial year"
    return f"Latest {kind} ({period_label(latest)})"


def _latest_words(latest: str | None) -> str:
    if latest is None:
        return "no period"
    return f"the latest {'quarter' if is_quarter(latest) else 'financial year'}, " + period_label(
        latest
    )


def resolve_period(
    choice: str | None, periods: list[str], latest: str | None
) -> tuple[str | None, list[str]]:
    """The period to show for the select's value (``LATEST``: the default period ``latest``),
    and any message."""
    if not choice or choice == LATEST:
        return latest, []
    if choice in periods:
        return choice, []
    try:
        shown = period_label(period(choice).label)
    except ValueError:
        shown = choice
    return latest, [f"There are no figures for {shown}; showing {_latest_words(latest)} instead."]


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
    grid_rows: pd.DataFrame  # the engine's rows of the grid's indicators (at ``ci``)
    area_order: list[str]  # area codes in the grid's order
    attention: Attention | None
    chart: ChartContent
    ci: str = DEFAULT_CI  # the confidence level of every comparison ("95" or "99.8")
    benchmark: str = bench.DEFAULT_BENCHMARK  # what every comparison is with


def overview(
    data: IndicatorData,
    period_choice: str | None,
    sort: str | None,
    order: str | None,
    ci: str | None = None,
    benchmark: str | None = None,
    release: str | None = None,
) -> Overview:
    """The overview for the period select's value, the grid's sort and order, the confidence
    level and the benchmark (unknown values fall back to the defaults); its links keep the
    ``release`` shown (None: live)."""
    periods = data.periods()
    latest = default_period(periods)
    ci = checked(ci) if ci is not None else DEFAULT_CI
    kind = bench.checked(benchmark)
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
            ci=ci,
            benchmark=kind,
        )
    grid = engine_rows(data, GRID_INDICATORS, periods=[code], ci=level(ci), benchmark=kind)
    end = trend_end(code)
    if end != code and end in periods:
        ends = engine_rows(data, GRID_INDICATORS, periods=[end], ci=level(ci), benchmark=kind).rows
        grid = Result(with_year_trends(grid.rows, ends), grid.meta)
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
        summary=overview_summary(grid.rows, code, ci=ci, benchmark=kind),
        headlines=[headline(head_rows, i, code) for i in HEADLINE_INDICATORS],
        grid_rows=grid.rows,
        area_order=sort_areas(grid.rows, sort, order),
        attention=attention(needs_attention(grid.rows), code, ci, kind, release),
        chart=ranking_chart(
            grid.rows,
            chart_indicator(sort),
            code,
            grid.meta,
            ci=ci,
            sort=sort,
            order=order,
            benchmark=kind,
        ),
        ci=ci,
        benchmark=kind,
    )


#: The engine's trend columns a financial year's rows take from its Q4's rows.
TREND_COLUMNS = ("trend", "trend_judgement")


def with_year_trends(rows: pd.DataFrame, q4_rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` (a financial year's) with the recent trend of ``q4_rows`` (its Q4's: the five
    quarters to Q4) where the engine gave the year none, matched on area and indicator."""
    if rows.empty or q4_rows.empty:
        return rows
    keys = ["area_code", "indicator"]
    q4 = q4_rows.drop_duplicates(keys).set_index(keys)
    at = pd.MultiIndex.from_frame(rows[keys])
    out = rows.copy()
    for column in TREND_COLUMNS:
        if column not in q4:
            continue
        found = q4[column].reindex(at).to_numpy(dtype=object)
        mine = out[column].to_numpy(dtype=object) if column in out else [None] * len(out)
        out[column] = pd.Series(
            [_none(f) if _none(v) is None else v for v, f in zip(mine, found, strict=True)],
            index=out.index,
            dtype=object,
        )
    return out


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


def _none(value: object) -> object:
    """``value``, or None for a missing one (None or NaN, as a reindex leaves it)."""
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else value


def ranking_chart(
    grid_rows: pd.DataFrame,
    indicator_id: str,
    code: str,
    meta: ResultMeta,
    *,
    ci: str = DEFAULT_CI,
    sort: str | None = None,
    order: str | None = None,
    benchmark: str = bench.DEFAULT_BENCHMARK,
) -> ChartContent:
    """The caterpillar of one grid indicator (intervals at the grid's level ``ci``; the
    comparisons with ``benchmark``, as in the grid). Sorted by
    this indicator, it lists the areas in the grid's order: highest at the top for highest
    first, lowest at the top for lowest first."""
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
        ci=level(ci),
        columns=("area_name", "value", "lower", "upper", "numerator", "denominator", "comparison"),
    )
    against = bench.their(benchmark)
    lowest_on_top = empty is None and sort == indicator_id and order == ORDER_LOW
    figure = (
        figures.caterpillar(rows, ci=level(ci), benchmark_name=against, lowest_on_top=lowest_on_top)
        if empty is None
        else figures.empty_figure(empty)
    )
    if sort == indicator_id:
        placed = f"{'lowest' if lowest_on_top else 'highest'} at the top, as in the grid"
    else:
        by = "name" if sort in (None, SORT_AREA) else "a figure without an interval"
        placed = f"highest at the top (the grid is sorted by {by}, so the chart shows completion)"
    return ChartContent(
        figure=figure,
        title=f"{ind.name} by area, {shown}",
        subtitle=(
            f"All interventions; {checked(ci)}% confidence intervals, as in the grid above; the "
            f"line is the programme's figure"
            + ("" if benchmark == bench.DEFAULT_BENCHMARK else f"; compared with {against}")
            + f". Areas are ranked {placed}."
        ),
        summary=text.describe_ranking(rows, ind, ci=level(ci), benchmark_name=against),
        table=table,
        indicator_ids=[indicator_id],
        notes=[note] if note else [],
        data_as_at=meta.data_as_at,
        empty_message=empty,
        threshold=meta.threshold,
        **chart_export(
            [indicator_id],
            period=code,
            filters={"intervention_group": "all"},
            benchmark=benchmark,
            ci=level(ci),
        ),
    )
