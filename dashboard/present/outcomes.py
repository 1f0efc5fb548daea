"""The Outcomes page's own charts, beside the shared topic charts (``present.topic``): reliable
improvement, recovery and deterioration side by side for the ticked areas and the programme, and
mean change, for the chosen measure."""

from __future__ import annotations

from dashboard.charts import figures, text
from dashboard.charts.content import ChartContent, empty_content
from dashboard.charts.frame import plotted_table
from dashboard.present import topic as shared
from dashboard.present.export_context import topic_export
from dashboard.present.topic_filters import Filters, group_words, period_in_words
from dashboard.present.topic_rows import (
    chosen_rows,
    has_figures,
    interval_words,
    notes_of,
    the_period,
    why_empty,
)
from dashboard.services.indicator_data import IndicatorData, indicator
from lfo.indicators.definitions import CAVEATS
from lfo.reference import load_reference

#: The outcome indicators shown side by side (suffixes of outcome.<measure>.<suffix>).
SIDE_BY_SIDE = ("reliable_improvement", "recovery", "reliable_deterioration")
DEFAULT_MEASURE = "csi4"
PAIRED_NOTE = (
    "Only completed episodes with both a baseline and an exit score count: parents "
    "who dropped out or did not answer at exit are not in these figures."
)
SHORT = {
    "reliable_improvement": "Reliable improvement",
    "recovery": "Recovery",
    "reliable_deterioration": "Reliable deterioration",
}


def side_by_side_ids(measure: str) -> list[str]:
    return [f"outcome.{measure}.{s}" for s in SIDE_BY_SIDE]


def change_chart(f: Filters, data: IndicatorData) -> ChartContent:
    measure = f.measure or DEFAULT_MEASURE
    m = load_reference().measures[measure]
    chosen = side_by_side_ids(measure)
    subtitle = (
        f"{group_words(f.group)}; completed episodes with paired scores; "
        f"{interval_words(indicator(chosen[0]), f.ci)}; the programme hatched"
    )
    return shared.side_by_side_chart(
        data,
        f,
        {i: SHORT[i.rsplit(".", 1)[1]] for i in chosen},
        title=f"Reliable improvement, recovery and deterioration: {m.name}, "
        f"{period_in_words(f.period)}",
        subtitle=subtitle,
        categories_label="Outcome",
        notes=(CAVEATS[0], CAVEATS[1]),
    )


def mean_chart(f: Filters, data: IndicatorData) -> ChartContent:
    measure = f.measure or DEFAULT_MEASURE
    m = load_reference().measures[measure]
    ind = indicator(f"outcome.{measure}.change")
    title = f"Mean change in score: {m.name}, {period_in_words(f.period)}"
    subtitle = (
        f"{group_words(f.group)}; exit minus baseline (higher is {m.higher_is}); "
        f"{interval_words(ind, f.ci)}; the programme hatched"
    )
    rows, meta = chosen_rows(data, [ind.id], f, periods=the_period(f))
    if not has_figures(rows):
        return empty_content(why_empty(rows, ind, f), title, subtitle, meta.data_as_at)
    columns = ("area_name", "value", "lower", "upper", "denominator", "comparison", "trend")
    return ChartContent(
        figure=figures.bars_vs_programme(
            rows.assign(category="Mean change"), categories_label="", ci=f.ci_level
        ),
        title=title,
        subtitle=subtitle,
        summary=text.describe_ranking(rows, ind, ci=f.ci_level),
        table=plotted_table(rows, ind, ci=f.ci_level, columns=columns),
        indicator_ids=[ind.id],
        notes=notes_of(text.suppression_note(rows, meta.threshold, left_out=False), PAIRED_NOTE),
        data_as_at=meta.data_as_at,
        threshold=meta.threshold,
        **topic_export(f, [ind.id], by_areas=True),
    )


def extra_indicators(f: Filters) -> list[str]:
    measure = f.measure or DEFAULT_MEASURE
    return [*side_by_side_ids(measure), f"outcome.{measure}.change"]


EXTRAS = shared.Extras({"change": change_chart, "mean": mean_chart}, extra_indicators)
