"""The charts every topic page (Reach, Uptake, Outcomes) draws: the trend, the areas ranked (the
caterpillar) and the funnel plot, each as chart content (figure, summary, table twin) from the
indicator engine's rows; and the helpers the pages' own charts share (``present.reach``,
``present.uptake``, ``present.outcomes``).

Pure: no Dash. Every figure comes from the engine's rows: nothing here computes a published
number. A chart that fails on unforeseen data shows a message (``safely``); the rest are drawn.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial

import numpy as np
import pandas as pd

from dashboard.charts import ChartContent, figures, text
from dashboard.charts.table import UNITS, plotted_table
from dashboard.present.topic_filters import (
    ALL,
    Filters,
    Topic,
    group_words,
    period_in_words,
)
from dashboard.present.words import category_label, join_names
from dashboard.services.indicator_data import IndicatorData, indicator
from lfo.indicators.definitions import Indicator
from lfo.indicators.engine import ResultMeta
from lfo.periods import is_quarter
from lfo.terms import PROGRAMME

log = logging.getLogger(__name__)

EMPTY_MESSAGE = (
    "No area has data for these filters: widen the period or choose another intervention."
)
UNAVAILABLE = "The data cannot be shown just now: the database could not be read."
KIND_WORDS = {
    "count": "a count",
    "mean": "a mean",
    "median": "a median",
    "rate": "a rate",
    "target": "a percentage of a target",
    "ratio": "a ratio",
}
#: Errors a chart's figures may raise on unforeseen data: that chart shows a message, the rest of
#: the page is drawn (the error is logged with its traceback).
CHART_ERRORS = (ArithmeticError, ValueError, KeyError, TypeError, IndexError)
FAILED_MESSAGE = (
    "This chart could not be drawn for these filters. Try another period or "
    "intervention; the problem has been logged."
)
#: Columns of the table twins: an area's figure beside the programme's, ranked, over time.
BAR_COLUMNS = ("area_name", "value", "lower", "upper", "numerator", "denominator", "comparison")
RANKED_COLUMNS = (*BAR_COLUMNS, "trend")
TREND_COLUMNS = ("area_name", "period", *BAR_COLUMNS[1:], "trend")


# --- helpers the pages share ---------------------------------------------------------------------


def empty_content(
    message: str, title: str = "", subtitle: str = "", data_as_at: str | None = None
) -> ChartContent:
    return ChartContent(
        figure=figures.empty_figure(message),
        title=title,
        subtitle=subtitle,
        summary=message,
        table=pd.DataFrame(),
        indicator_ids=[],
        empty_message=message,
        data_as_at=data_as_at,
    )


def safely(make: Callable[[], ChartContent], title: str = "") -> ChartContent:
    """``make()``, or a message in its place if its figures raise one of ``CHART_ERRORS``."""
    try:
        return make()
    except CHART_ERRORS:
        log.exception("a chart could not be drawn: %s", title)
        return empty_content(FAILED_MESSAGE, title)


def interval_words(ind: Indicator, ci: str) -> str:
    if ind.kind == "median":
        return "interquartile ranges"
    if not ind.has_interval:
        return "no interval (not a sample statistic)"
    return f"{ci}% confidence intervals"


def with_category(rows: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Rows of several indicators relabelled so each indicator is a category (for side-by-side
    bars): a relabelling, not a computation."""
    return rows.assign(category=rows["indicator"].map(labels))


def rename_columns(table: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Rename a twin's columns, keeping its display units."""
    units = {names.get(k, k): v for k, v in table.attrs.get(UNITS, {}).items()}
    out = table.rename(columns=names)
    out.attrs[UNITS] = units
    return out


def has_figures(rows: pd.DataFrame) -> bool:
    if rows.empty:
        return False
    return bool((rows["status"].isna() & rows["value"].notna()).any())


def notes_of(*notes: str | None) -> list[str]:
    """The notes given, leaving out those that are None or empty."""
    return [n for n in notes if n]


def why_empty(rows: pd.DataFrame, ind: Indicator, f: Filters) -> str:
    """The friendly empty-state message for rows with no figure."""
    if not ind.quarters and f.period and is_quarter(f.period):
        return f"{ind.name} is for financial years only: choose a financial year as the period."
    if f.group != ALL and not ind.by_intervention:
        return f"{ind.name} is not broken down by intervention or level: choose All interventions."
    if len(rows) and (rows["status"] == "c").all():
        return (
            "Every figure for these filters is suppressed to protect confidentiality: widen "
            "the period or choose another intervention."
        )
    return EMPTY_MESSAGE


def sorted_for_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Programme first, then areas from the highest value down (suppressed and missing last),
    ties by name. The order by a stable numpy lexsort where every name is a string (the same
    order as the pandas sort below, which handles missing names)."""
    is_prog = (rows["area_code"] == PROGRAMME).to_numpy()
    names = rows["area_name"].to_numpy(dtype=object)
    if all(type(n) is str for n in names):
        value = pd.to_numeric(rows["value"], errors="coerce").to_numpy(dtype=float)
        others = np.flatnonzero(~is_prog)
        # by value descending (NaN last: -NaN sorts last too), then name, then position
        order = others[np.lexsort((names[others].astype(str), -value[others]))]
        return rows.iloc[np.concatenate([np.flatnonzero(is_prog), order])].reset_index(drop=True)
    prog = rows[rows["area_code"] == PROGRAMME]
    areas = rows[rows["area_code"] != PROGRAMME]
    areas = areas.assign(_v=pd.to_numeric(areas["value"], errors="coerce")).sort_values(
        ["_v", "area_name"], ascending=[False, True], na_position="last", kind="stable"
    )
    return pd.concat([prog, areas.drop(columns="_v")], ignore_index=True)


def describe_rows(rows: pd.DataFrame, ind: Indicator, f: Filters, threshold: int) -> str:
    """One sentence per row (programme first), from the engine's values and comparisons."""
    rows = sorted_for_table(rows)
    shown = rows["status"].isna() & rows["value"].notna()
    sentences = [
        text.describe_area(r, ind, ci=f.ci_level, threshold=threshold)
        for r in rows[shown].to_dict("records")
    ]
    hidden = rows[~shown]
    labels = [
        str(n) + (f" ({category_label(c)})" if isinstance(c, str) and c else "")
        for n, c in zip(hidden["area_name"], hidden["category"], strict=True)
    ]
    hidden = hidden.assign(_label=labels)
    for code, words in (
        ("c", "suppressed to protect confidentiality ([c])"),
        ("z", "not applicable ([z])"),
    ):
        names = list(dict.fromkeys(hidden.loc[hidden["status"] == code, "_label"]))
        if names:
            sentences.append(f"{ind.name}: the figure for {join_names(names)} is {words}.")
    missing = list(dict.fromkeys(hidden.loc[~hidden["status"].isin(["c", "z"]), "_label"]))
    if missing:
        sentences.append(f"{ind.name}: no figure for {join_names(missing)} ([x]).")
    return " ".join(sentences)


def area_names(data: IndicatorData) -> dict[str, str]:
    a = data.areas()
    return dict(zip(a["area_code"], a["area_name"], strict=True))


def chosen_rows(
    data: IndicatorData,
    indicator_ids: Sequence[str],
    f: Filters,
    *,
    by_group: bool = True,
    periods: Sequence[str] | None = None,
    period_from: str | None = None,
    period_to: str | None = None,
    breakdowns: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, ResultMeta]:
    """Engine rows of the ticked areas and the programme. The engine is asked for every area
    (one cached table per filter, whatever is ticked) and the rows are then picked out."""
    result = data.rows(
        list(indicator_ids),
        ci=f.ci_level,
        intervention=f.intervention if by_group else None,
        level=f.level if by_group else None,
        periods=periods,
        period_from=period_from,
        period_to=period_to,
        breakdowns=breakdowns,
    )
    keep = result.rows["area_code"].isin([*f.areas, PROGRAMME])
    return result.rows[keep].reset_index(drop=True), result.meta


def the_period(f: Filters) -> list[str] | None:
    """The ``periods`` argument for the chosen period of the area comparisons."""
    return [f.period] if f.period else None


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
    sentences = [
        describe_rows(rows[rows["indicator"] == i], indicator(i), f, meta.threshold) for i in labels
    ]
    shown = with_category(rows, labels)
    table = plotted_table(shown, first, ci=f.ci_level, columns=("category", *BAR_COLUMNS))
    return ChartContent(
        figure=figures.bars_vs_programme(shown, categories_label=categories_label),
        title=title,
        subtitle=subtitle,
        summary=" ".join(sentences),
        table=rename_columns(table, {"Category": categories_label}),
        indicator_ids=list(labels),
        notes=notes_of(text.suppression_note(rows, meta.threshold, left_out=False), *notes),
        data_as_at=meta.data_as_at,
        threshold=meta.threshold,
    )


# --- the three main charts -----------------------------------------------------------------------


def trend_chart(data: IndicatorData, f: Filters, ind: Indicator) -> ChartContent:
    title = f"{ind.name} by quarter"
    rows, meta = chosen_rows(data, [ind.id], f, period_from=f.period_from, period_to=f.period_to)
    quarterly = np.array([is_quarter(p) for p in rows["period"]], dtype=bool)
    rows = rows[quarterly] if ind.quarters else rows[~quarterly]
    span = f"{period_in_words(f.period_from)} to {period_in_words(f.period_to)}"
    subtitle = f"{group_words(f.group)}; {span}; {interval_words(ind, f.ci)}; the programme dashed"
    if not ind.quarters:
        title = f"{ind.name} by financial year"
    if not has_figures(rows):
        msg = (
            why_empty(rows, ind, f)
            if ind.quarters
            else (
                f"{ind.name} is for financial years only, and no whole financial year falls in "
                "the trend's range: widen the period."
            )
        )
        return empty_content(msg, title, subtitle, meta.data_as_at)
    notes = notes_of(text.suppression_note(rows, meta.threshold, left_out=False))
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
            rows, areas=list(f.areas), show_programme=with_programme, unit=ind.unit
        ),
        title=title,
        subtitle=subtitle,
        summary=text.describe_trend_lines(rows, ind, list(f.areas)),
        table=plotted_table(rows, ind, ci=f.ci_level, columns=TREND_COLUMNS),
        indicator_ids=[ind.id],
        notes=notes,
        data_as_at=meta.data_as_at,
        threshold=meta.threshold,
    )


@dataclass
class CrossSection:
    """Every area's rows for the chosen period: what the caterpillar and the funnel plot draw
    (their shared table order and ranking sentences made once, when first asked for)."""

    rows: pd.DataFrame
    meta: ResultMeta
    f: Filters
    ind: Indicator

    @classmethod
    def of(cls, data: IndicatorData, f: Filters, ind: Indicator) -> CrossSection:
        result = data.rows(
            [ind.id],
            ci=f.ci_level,
            intervention=f.intervention,
            level=f.level,
            periods=the_period(f),
        )
        return cls(result.rows, result.meta, f, ind)

    @cached_property
    def areas(self) -> pd.DataFrame:
        return self.rows[self.rows["area_code"] != PROGRAMME]

    @cached_property
    def sorted(self) -> pd.DataFrame:
        return sorted_for_table(self.rows)

    @cached_property
    def ranking(self) -> str:
        return text.describe_ranking(self.rows, self.ind, ci=self.f.ci_level)


def caterpillar_chart(cs: CrossSection) -> ChartContent:
    f, ind, meta = cs.f, cs.ind, cs.meta
    title = f"{ind.name} by area, {period_in_words(f.period)}"
    subtitle = (
        f"{group_words(f.group)}; areas ordered by value; "
        f"{interval_words(ind, f.ci)}; the programme as a dashed line"
    )
    if not has_figures(cs.areas):
        return empty_content(why_empty(cs.areas, ind, f), title, subtitle, meta.data_as_at)
    notes = notes_of(text.suppression_note(cs.areas, meta.threshold))
    if ind.kind == "count":  # the programme's count is the sum of the areas': no benchmark
        rows = cs.areas.assign(benchmark=None)
        table_rows = sorted_for_table(rows)
        ranking = text.describe_ranking(rows, ind, ci=f.ci_level)
        notes.append("The programme's figure is the total of the areas', so it is not drawn.")
    else:
        rows, table_rows, ranking = cs.rows, cs.sorted, cs.ranking
    return ChartContent(
        figure=figures.caterpillar(rows, highlight=f.areas[0] if f.areas else None),
        title=title,
        subtitle=subtitle,
        summary=ranking,
        table=plotted_table(table_rows, ind, ci=f.ci_level, columns=RANKED_COLUMNS),
        indicator_ids=[ind.id],
        notes=notes,
        data_as_at=meta.data_as_at,
        threshold=meta.threshold,
    )


def funnel_chart(cs: CrossSection) -> ChartContent:
    f, ind, meta = cs.f, cs.ind, cs.meta
    title = f"Funnel plot: {ind.name}, {period_in_words(f.period)}"
    subtitle = (
        f"{group_words(f.group)}; each area against its denominator; 95% and "
        "99.8% control limits around the programme value"
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
    summary = (
        cs.ranking + " In the funnel plot an area "
        "outside the 99.8% limits differs from the programme by more than chance would "
        "explain; the words beside each point say where it lies."
    )
    return ChartContent(
        figure=figures.funnel_plot(cs.rows, highlight=f.areas[0] if f.areas else None),
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
