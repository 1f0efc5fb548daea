"""Callbacks of the Outcomes page: the shared topic charts, plus reliable improvement, recovery
and deterioration side by side for the chosen areas and the programme, and mean change."""

from __future__ import annotations

from dash import Dash

from dashboard.callbacks import topic as shared
from dashboard.charts import ChartContent, figures, text
from dashboard.charts.table import plotted_table
from dashboard.layouts import outcomes as page
from dashboard.layouts import topic as layout
from dashboard.services import Services
from dashboard.services.indicator_data import IndicatorData, indicator
from lfo.indicators.definitions import CAVEATS
from lfo.reference import load_reference

PROGRAMME = shared.PROGRAMME
EXTRA_IDS = (page.TOPIC.chart("change"), page.TOPIC.chart("mean"))
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
    return [f"outcome.{measure}.{s}" for s in page.SIDE_BY_SIDE]


def change_chart(f: shared.Filters, data: IndicatorData) -> ChartContent:
    measure = f.measure or "csi4"
    m = load_reference().measures[measure]
    chosen = side_by_side_ids(measure)
    first = indicator(chosen[0])
    title = (
        f"Reliable improvement, recovery and deterioration: {m.name}, "
        f"{shared.period_words(f.period)}"
    )
    subtitle = (
        f"{layout.group_words(f.group)}; completed episodes with paired scores; "
        f"{shared.interval_words(first, f.ci)}; the programme hatched"
    )
    rows, meta = shared.chosen_rows(data, chosen, f, periods=[f.period] if f.period else None)
    if not shared.has_figures(rows):
        return shared.empty_content(
            shared.why_empty(rows, first, f), title, subtitle, meta.data_as_at
        )
    sentences = [
        shared.describe_rows(rows[rows["indicator"] == i], indicator(i), f, meta.threshold)
        for i in chosen
    ]
    shown = shared.with_category(rows, {i: SHORT[i.rsplit(".", 1)[1]] for i in chosen})
    note = text.suppression_note(rows, meta.threshold, left_out=False)
    table = shared.rename_columns(
        plotted_table(
            shown,
            first,
            ci=f.ci_level,
            columns=(
                "category",
                "area_name",
                "value",
                "lower",
                "upper",
                "numerator",
                "denominator",
                "comparison",
            ),
        ),
        {"Category": "Outcome"},
    )
    return ChartContent(
        figure=figures.bars_vs_programme(shown, categories_label="Outcome"),
        title=title,
        subtitle=subtitle,
        summary=" ".join(sentences),
        table=table,
        indicator_ids=chosen,
        notes=[n for n in (note, CAVEATS[0], CAVEATS[1]) if n],
        data_as_at=meta.data_as_at,
        threshold=meta.threshold,
    )


def mean_chart(f: shared.Filters, data: IndicatorData) -> ChartContent:
    measure = f.measure or "csi4"
    m = load_reference().measures[measure]
    ind = indicator(f"outcome.{measure}.change")
    title = f"Mean change in score: {m.name}, {shared.period_words(f.period)}"
    subtitle = (
        f"{layout.group_words(f.group)}; exit minus baseline (higher is {m.higher_is}); "
        f"{shared.interval_words(ind, f.ci)}; the programme hatched"
    )
    rows, meta = shared.chosen_rows(data, [ind.id], f, periods=[f.period] if f.period else None)
    if not shared.has_figures(rows):
        return shared.empty_content(
            shared.why_empty(rows, ind, f), title, subtitle, meta.data_as_at
        )
    shown = rows.assign(category="Mean change")
    note = text.suppression_note(rows, meta.threshold, left_out=False)
    table = plotted_table(
        rows,
        ind,
        ci=f.ci_level,
        columns=("area_name", "value", "lower", "upper", "denominator", "comparison", "trend"),
    )
    return ChartContent(
        figure=figures.bars_vs_programme(shown, categories_label=""),
        title=title,
        subtitle=subtitle,
        summary=shared.describe_rows(rows, ind, f, meta.threshold),
        table=table,
        indicator_ids=[ind.id],
        notes=[n for n in (note, PAIRED_NOTE) if n],
        data_as_at=meta.data_as_at,
        threshold=meta.threshold,
    )


def extra_charts(
    f: shared.Filters, data: IndicatorData, _names: dict[str, str]
) -> list[ChartContent]:
    return [
        shared.safely(lambda: change_chart(f, data)),
        shared.safely(lambda: mean_chart(f, data)),
    ]


def register(app: Dash, services: Services) -> None:
    """Attach the Outcomes page's callbacks to ``app``."""
    shared.register_topic(
        app,
        services,
        page.TOPIC,
        EXTRA_IDS,
        extra_charts,
        lambda f: [*side_by_side_ids(f.measure or "csi4"), f"outcome.{f.measure or 'csi4'}.change"],
    )
