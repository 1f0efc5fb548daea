"""The Reach page's own charts, beside the shared topic charts (``present.topic``): who is
referred (a breakdown by a chosen characteristic) and fathers and workless households reached,
for the ticked areas beside the programme."""

from __future__ import annotations

from dashboard.charts import figures, text
from dashboard.charts.content import ChartContent, empty_content
from dashboard.charts.frame import plotted_table
from dashboard.present import topic as shared
from dashboard.present.export_context import topic_export
from dashboard.present.topic_filters import Filters, characteristic_label, period_in_words
from dashboard.present.topic_rows import (
    BAR_COLUMNS,
    chosen_rows,
    has_figures,
    interval_words,
    notes_of,
    the_period,
    why_empty,
)
from dashboard.services.indicator_data import IndicatorData, indicator

GROUPS = {"reach.fathers": "Fathers reached", "reach.workless": "Workless households reached"}


def breakdown_chart(f: Filters, data: IndicatorData) -> ChartContent:
    ind = indicator("reach.breakdown")
    char = f.char or "sex"
    label = characteristic_label(char)
    title = f"Who is referred: {label.lower()}, {period_in_words(f.period)}"
    subtitle = (
        f"Parents referred in the period; % in each category; "
        f"{interval_words(ind, f.ci)}; the programme hatched"
    )
    rows, meta = chosen_rows(
        data,
        ["reach.breakdown"],
        f,
        periods=the_period(f),
        breakdowns=[char],
        by_group=False,
    )
    rows = rows[rows["category"].astype(str).str.startswith(f"{char}:")]
    if not has_figures(rows):
        return empty_content(why_empty(rows, ind, f), title, subtitle, meta.data_as_at)
    columns = ("area_name", "category", *BAR_COLUMNS[1:])
    return ChartContent(
        figure=figures.bars_vs_programme(rows, categories_label=label, ci=f.ci_level),
        title=title,
        subtitle=subtitle,
        summary=text.describe_categories(
            rows, ind, ci=f.ci_level, title=f"Who is referred by {label.lower()}"
        ),
        table=plotted_table(rows, ind, ci=f.ci_level, columns=columns),
        indicator_ids=["reach.breakdown"],
        notes=notes_of(text.suppression_note(rows, meta.threshold, left_out=False)),
        data_as_at=meta.data_as_at,
        threshold=meta.threshold,
        **topic_export(
            f, ["reach.breakdown"], by_areas=True, intervention_group="all", characteristic=char
        ),
    )


def groups_chart(f: Filters, data: IndicatorData) -> ChartContent:
    subtitle = (
        f"% of parents referred with the answer stated; "
        f"{interval_words(indicator('reach.fathers'), f.ci)}; the programme hatched"
    )
    return shared.side_by_side_chart(
        data,
        f,
        GROUPS,
        title=f"Fathers and workless households reached, {period_in_words(f.period)}",
        subtitle=subtitle,
        categories_label="Indicator",
        by_group=False,
    )


def extra_indicators(_f: Filters) -> list[str]:
    return ["reach.breakdown", *GROUPS]


EXTRAS = shared.Extras({"breakdown": breakdown_chart, "groups": groups_chart}, extra_indicators)
