"""The charts every topic page (Reach, Uptake, Outcomes) draws: the trend, the areas ranked (the
caterpillar) and the funnel plot, each as chart content (figure, summary, table twin) from the
indicator engine's rows (made of the pieces in ``present.topic_rows``); bars of several
indicators side by side, which Reach and Outcomes draw; and a whole page's charts for its filters
(``topic_view``), the page's own charts (``Extras``) after the shared three.

Pure: no Dash. Every figure comes from the engine's rows: nothing here computes a published
number. A chart that fails on unforeseen data shows a message (``safely``); the rest are drawn.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property, partial

import numpy as np
import pandas as pd

from dashboard.charts import figures, text
from dashboard.charts.content import ChartContent, empty_content
from dashboard.charts.frame import plotted_table
from dashboard.present import benchmark as bench
from dashboard.present import trend_by as steps
from dashboard.present.export_context import topic_export
from dashboard.present.topic_benchmark import compared_words, group_columns, not_compared_line
from dashboard.present.topic_filters import (
    Filters,
    Topic,
    group_words,
    period_in_words,
)
from dashboard.present.topic_rows import (
    BAR_COLUMNS,
    CHART_ERRORS,
    FAILED_MESSAGE,
    chosen_rows,
    has_figures,
    interval_words,
    notes_of,
    rename_columns,
    safely,
    sorted_for_table,
    the_period,
    why_empty,
    with_category,
)
from dashboard.present.words import join_names
from dashboard.services.indicator_data import IndicatorData, indicator
from lfo.indicators.indicator import Indicator
from lfo.indicators.request import Result, ResultMeta
from lfo.periods import is_quarter
from lfo.terms import PROGRAMME

log = logging.getLogger(__name__)

UNAVAILABLE = "The data cannot be shown just now: the database could not be read."
KIND_WORDS = {
    "count": "a count",
    "mean": "a mean",
    "median": "a median",
    "rate": "a rate",
    "target": "a percentage of a target",
    "ratio": "a ratio",
}
#: Columns of the table twins: the areas ranked, and over time.
RANKED_COLUMNS = (*BAR_COLUMNS, "trend")
TREND_COLUMNS = ("area_name", "period", *BAR_COLUMNS[1:], "trend")


def area_names(data: IndicatorData) -> dict[str, str]:
    a = data.areas()
    return dict(zip(a["area_code"], a["area_name"], strict=True))


def side_by_side_chart(
    data: IndicatorData,
    f: Filters,
    labels: dict[str, str],
    *,
    title: str,
    subtitle: str,
    categories_label: str,
    by_group: bool = True,
    notes: Sequence[str] = (),
) -> ChartContent:
    """Several indicators (``labels``: id -> label) side by side, as bars for the ticked areas
    beside the programme's, in the chosen period; ``notes`` after the suppression note."""
    first = indicator(next(iter(labels)))
    rows, meta = chosen_rows(data, list(labels), f, periods=the_period(f), by_group=by_group)
    if not has_figures(rows):
        return empty_content(why_empty(rows, first, f), title, subtitle, meta.data_as_at)
    shown = with_category(rows, labels)
    summary = text.describe_categories(
        shown,
        first,
        ci=f.ci_level,
        title=join_names(list(labels.values())),
        benchmark_name=f.benchmark_name,
    )
    table = plotted_table(shown, first, ci=f.ci_level, columns=("category", *BAR_COLUMNS))
    return ChartContent(
        figure=figures.bars_vs_programme(shown, categories_label=categories_label, ci=f.ci_level),
        title=title,
        subtitle=subtitle,
        summary=summary,
        table=rename_columns(table, {"Category": categories_label}),
        indicator_ids=list(labels),
        notes=notes_of(text.suppression_note(rows, meta.threshold, left_out=False), *notes),
        data_as_at=meta.data_as_at,
        threshold=meta.threshold,
        **topic_export(
            f, list(labels), by_areas=True, intervention_group=f.group if by_group else "all"
        ),
    )


# --- the three main charts -----------------------------------------------------------------------


def trend_chart(data: IndicatorData, f: Filters, ind: Indicator) -> ChartContent:
    """The trend of ``ind`` over the chosen range, by quarter or (``f.trend_by``, or an
    indicator defined for years only) by financial year: the engine's own year figures."""
    if f.trend_by == steps.ANNUAL or not ind.quarters:
        return annual_trend_chart(data, f, ind)
    title = f"{ind.name} by quarter"
    rows, meta = chosen_rows(data, [ind.id], f, period_from=f.period_from, period_to=f.period_to)
    rows = rows[np.array([is_quarter(p) for p in rows["period"]], dtype=bool)]
    span = f"{period_in_words(f.period_from)} to {period_in_words(f.period_to)}"
    subtitle = f"{group_words(f.group)}; {span}; {interval_words(ind, f.ci)}; the programme dashed"
    if not has_figures(rows):
        return empty_content(why_empty(rows, ind, f), title, subtitle, meta.data_as_at)
    return _trend_content(rows, meta, f, ind, title, subtitle, f)


def annual_trend_chart(data: IndicatorData, f: Filters, ind: Indicator) -> ChartContent:
    """The trend by financial year (``trend_by.annual_years``: a year some returns cover only
    in part is marked, the year in progress left out, each with a note)."""
    title = f"{ind.name} by financial year"
    areas = data.areas()
    returns = list(areas["return_period"]) if "return_period" in areas else []
    years = steps.annual_years(f.period_from, f.period_to, data.periods(), returns)
    span = (
        f"financial years {years.shown[0]} to {years.shown[-1]}"
        if len(years.shown) > 1
        else period_in_words(years.shown[0] if years.shown else None)
    )
    subtitle = "; ".join(
        s
        for s in (group_words(f.group), span, interval_words(ind, f.ci), "the programme dashed")
        if s
    )
    if not years.shown:
        msg = (
            f"No whole financial year falls in the trend's range "
            f"({period_in_words(f.period_from)} to {period_in_words(f.period_to)}): widen it, "
            "or show the trend by quarter."
        )
        return empty_content(msg, title, subtitle)
    rows, meta = chosen_rows(data, [ind.id], f, periods=years.shown)
    if not has_figures(rows):
        return empty_content(why_empty(rows, ind, f), title, subtitle, meta.data_as_at)
    exported = replace(
        f, period_from=years.shown[0], period_to=years.shown[-1], trend_by=steps.ANNUAL
    )
    return _trend_content(rows, meta, f, ind, title, subtitle, exported, years)


def _trend_content(
    rows: pd.DataFrame,
    meta: ResultMeta,
    f: Filters,
    ind: Indicator,
    title: str,
    subtitle: str,
    exported: Filters,
    years: steps.Years | None = None,
) -> ChartContent:
    """A trend chart's content from its rows (quarters, or the ``years`` of an annual trend)."""
    notes = notes_of(text.suppression_note(rows, meta.threshold, left_out=False))
    notes += years.notes if years else []
    with_programme = not (ind.kind == "count" and f.areas)
    if not with_programme:  # the programme's total would dwarf the areas' lines
        rows = rows[rows["area_code"] != PROGRAMME]
        subtitle = subtitle.replace("; the programme dashed", "")
        notes.append(
            "The programme's figure is the total of the areas', so it is not drawn "
            "beside them; untick every area to see it."
        )
    return ChartContent(
        figure=figures.trend_lines(
            rows,
            areas=list(f.areas),
            show_programme=with_programme,
            unit=ind.unit,
            marks=years.marks if years else None,
            interval=interval_words(ind, f.ci) if ind.has_interval else None,
        ),
        title=title,
        subtitle=subtitle,
        summary=text.describe_trend_lines(rows, ind, list(f.areas)),
        table=plotted_table(rows, ind, ci=f.ci_level, columns=TREND_COLUMNS),
        indicator_ids=[ind.id],
        notes=notes,
        data_as_at=meta.data_as_at,
        threshold=meta.threshold,
        **topic_export(exported, [ind.id], trend=True, by_areas=True, trend_by=exported.trend_by),
    )


@dataclass
class CrossSection:
    """Every area's rows for the chosen period: what the caterpillar and the funnel plot draw
    (their shared table order and ranking sentences made once, when first asked for)."""

    rows: pd.DataFrame
    meta: ResultMeta
    f: Filters
    ind: Indicator
    #: the same rows compared with the programme (the funnel plot's limits are the
    #: programme's, whatever the benchmark chosen); None: ``rows`` are
    against_programme: pd.DataFrame | None = None
    #: the areas (``IndicatorData.areas``): the members of each area's benchmark group
    area_table: pd.DataFrame | None = None

    @classmethod
    def of(cls, data: IndicatorData, f: Filters, ind: Indicator) -> CrossSection:
        def rows(benchmark: str) -> Result:
            return data.rows(
                [ind.id],
                ci=f.ci_level,
                intervention=f.intervention,
                level=f.level,
                periods=the_period(f),
                benchmark=benchmark,
            )

        result = rows(f.benchmark)
        if f.benchmark == bench.DEFAULT_BENCHMARK:
            return cls(result.rows, result.meta, f, ind)
        programme = rows(bench.DEFAULT_BENCHMARK).rows
        return cls(result.rows, result.meta, f, ind, programme, data.areas())

    @property
    def funnel_rows(self) -> pd.DataFrame:
        return self.rows if self.against_programme is None else self.against_programme

    @cached_property
    def areas(self) -> pd.DataFrame:
        return self.rows[self.rows["area_code"] != PROGRAMME]

    @cached_property
    def sorted(self) -> pd.DataFrame:
        return sorted_for_table(self.rows)

    @cached_property
    def ranking(self) -> str:
        return text.describe_ranking(
            self.rows, self.ind, ci=self.f.ci_level, benchmark_name=self.f.benchmark_name
        )


def caterpillar_chart(cs: CrossSection) -> ChartContent:
    f, ind, meta = cs.f, cs.ind, cs.meta
    title = f"{ind.name} by area, {period_in_words(f.period)}"
    subtitle = (
        f"{group_words(f.group)}; areas ordered by value; "
        f"{interval_words(ind, f.ci)}; {compared_words(f)}the programme as a dashed line"
    )
    if not has_figures(cs.areas):
        return empty_content(why_empty(cs.areas, ind, f), title, subtitle, meta.data_as_at)
    notes = notes_of(text.suppression_note(cs.areas, meta.threshold))
    if ind.kind == "count":  # the programme's count is the sum of the areas': no benchmark
        rows = cs.areas.assign(benchmark=None)
        table_rows = sorted_for_table(rows)
        ranking = text.describe_ranking(rows, ind, ci=f.ci_level, benchmark_name=f.benchmark_name)
        notes.append("The programme's figure is the total of the areas', so it is not drawn.")
    else:
        rows, table_rows, ranking = cs.rows, cs.sorted, cs.ranking
    table = plotted_table(table_rows, ind, ci=f.ci_level, columns=RANKED_COLUMNS)
    if cs.area_table is not None and ind.kind != "count":
        table = group_columns(table, table_rows, f.benchmark, cs.area_table, ind.unit)
        names = dict(zip(cs.area_table["area_code"], cs.area_table["area_name"], strict=True))
        notes += bench.members_lines(f.areas, names, f.benchmark, cs.area_table)
        notes += notes_of(not_compared_line(rows, f.benchmark))
    return ChartContent(
        figure=figures.caterpillar(
            rows,
            highlight=f.areas[0] if f.areas else None,
            ci=f.ci_level,
            benchmark_name=f.benchmark_name,
        ),
        title=title,
        subtitle=subtitle,
        summary=ranking,
        table=table,
        indicator_ids=[ind.id],
        notes=notes,
        data_as_at=meta.data_as_at,
        threshold=meta.threshold,
        **topic_export(f, [ind.id]),
    )


def funnel_chart(cs: CrossSection) -> ChartContent:
    f, ind, meta = cs.f, cs.ind, cs.meta
    title = f"Funnel plot: {ind.name}, {period_in_words(f.period)}"
    subtitle = (
        f"{group_words(f.group)}; each area against its denominator; 95% and "
        "99.8% control limits around the programme value; areas outside the 95% limits named "
        "(the table lists every area)"
    )
    if ind.kind != "proportion":
        return empty_content(
            f"A funnel plot is drawn only for percentages of people or episodes; {ind.name} is "
            f"{KIND_WORDS.get(ind.kind, 'not a percentage')}, so see the areas ranked above.",
            title,
            subtitle,
            meta.data_as_at,
        )
    if not has_figures(cs.areas):
        return empty_content(why_empty(cs.areas, ind, f), title, subtitle, meta.data_as_at)
    summary = text.describe_ranking(
        cs.funnel_rows,
        ind,
        ci=f.ci_level,
        also="in the funnel plot an area outside the 99.8% limits differs from the programme "
        "by more than chance would explain; the areas outside the 95% limits are named beside "
        "their points, with where they lie",
    )
    return ChartContent(
        figure=figures.funnel_plot(cs.funnel_rows, highlight=f.areas[0] if f.areas else None),
        title=title,
        subtitle=subtitle,
        summary=summary,
        table=plotted_table(
            cs.sorted,
            ind,
            ci=f.ci_level,
            columns=("area_name", "value", "numerator", "denominator"),
        ),
        indicator_ids=[ind.id],
        notes=notes_of(
            text.suppression_note(cs.areas, meta.threshold),
            "Control limits at 95% and 99.8% around the programme value, "
            "p ± z·√(p(1−p)/n), as PHE Fingertips computes them "
            "(Spiegelhalter 2005).",
        ),
        data_as_at=meta.data_as_at,
        threshold=meta.threshold,
        # its limits are the programme's whatever the page's benchmark: its file says so
        **topic_export(replace(f, benchmark=bench.DEFAULT_BENCHMARK), [ind.id]),
    )


# --- a whole page --------------------------------------------------------------------------------


#: One of a page's own charts: its content for the filters, from the indicator data.
MakeChart = Callable[[Filters, IndicatorData], ChartContent]


def _no_ids(_f: Filters) -> list[str]:
    return []


@dataclass(frozen=True)
class Extras:
    """A topic page's own charts after the shared three: each chart's name (its id is
    ``Topic.chart(name)``) and what draws it, in order, and the indicators they show (for the
    definition links)."""

    charts: dict[str, MakeChart] = field(default_factory=dict)
    indicator_ids: Callable[[Filters], list[str]] = _no_ids

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.charts)


@dataclass(frozen=True)
class TopicView:
    """What a topic page shows for its filters: each chart's content (the shared three, then
    the page's own), the indicators to link to their definitions, and the areas' names."""

    contents: list[ChartContent]
    indicator_ids: list[str]
    area_names: dict[str, str] = field(default_factory=dict)


def topic_view(data: IndicatorData, topic: Topic, f: Filters, extras: Extras) -> TopicView:
    """Every chart of ``topic`` for ``f``. A read error (the database) is raised; a chart whose
    figures fail shows a message in its place."""
    ind = indicator(topic.indicator_id(f.indicator, f.measure))
    names = area_names(data)
    contents = [safely(lambda: trend_chart(data, f, ind), "trend")]
    try:
        cs = CrossSection.of(data, f, ind)
        contents += [safely(lambda: caterpillar_chart(cs)), safely(lambda: funnel_chart(cs))]
    except CHART_ERRORS:
        log.exception("%s: the cross-section could not be computed", topic.key)
        contents += [empty_content(FAILED_MESSAGE)] * 2
    contents += [safely(partial(make, f, data)) for make in extras.charts.values()]
    return TopicView(contents, [ind.id, *extras.indicator_ids(f)], names)
