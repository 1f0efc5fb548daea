"""Callbacks of the Reach page: the shared topic charts, plus who is referred (a breakdown by a
chosen characteristic) and fathers and workless households reached, beside the programme."""

from __future__ import annotations

import pandas as pd
from dash import Dash

from dashboard.callbacks import topic as shared
from dashboard.charts import ChartContent, figures, text
from dashboard.charts.table import plotted_table
from dashboard.layouts import reach as page
from dashboard.layouts import topic as layout
from dashboard.services import Services
from dashboard.services.indicator_data import IndicatorData, indicator

PROGRAMME = shared.PROGRAMME
GROUPS = {"reach.fathers": "Fathers reached", "reach.workless": "Workless households reached"}
EXTRA_IDS = (page.TOPIC.chart("breakdown"), page.TOPIC.chart("groups"))


def describe_breakdown(rows: pd.DataFrame, label: str, f: shared.Filters) -> str:
    """ "Who is referred by ethnicity, 2017-18 Q4. Across the programme: White 67% (95% CI 64 to
    69), …. In Blackpool: White [c]; Black 0% (95% CI 0 to 24), similar to the programme; …"."""
    ind = indicator("reach.breakdown")
    sentences = [f"Who is referred by {label.lower()}, {shared.period_words(f.period)}."]
    for code in [PROGRAMME, *f.areas]:
        own = rows[rows["area_code"] == code]
        if own.empty:
            continue
        own = own.assign(_v=pd.to_numeric(own["value"], errors="coerce")).sort_values(
            "_v", ascending=False, na_position="last", kind="stable"
        )
        parts = []
        for r in own.itertuples():
            name = text.category_label(r.category)
            if isinstance(r.status, str) and r.status:
                parts.append(f"{name} [{r.status}]")
                continue
            words = f"{name} {text.fmt(r.value, ind)}"
            interval = text.interval_words(own.loc[r.Index], ind, f.ci_level)
            if interval:
                words += f" ({interval})"
            if code != PROGRAMME and isinstance(r.comparison, str) and r.comparison:
                link = "to" if r.comparison == "similar" else "than"
                words += f", {r.comparison} {link} the programme"
            parts.append(words)
        where = "Across the programme" if code == PROGRAMME else f"In {own['area_name'].iloc[0]}"
        sentences.append(f"{where}: " + "; ".join(parts) + ".")
    return " ".join(sentences)


def breakdown_chart(f: shared.Filters, data: IndicatorData) -> ChartContent:
    ind = indicator("reach.breakdown")
    char = f.char or "sex"
    label = layout.characteristic_label(char)
    title = f"Who is referred: {label.lower()}, {shared.period_words(f.period)}"
    subtitle = (
        f"Parents referred in the period; % in each category; "
        f"{shared.interval_words(ind, f.ci)}; the programme hatched"
    )
    rows, meta = shared.chosen_rows(
        data,
        ["reach.breakdown"],
        f,
        periods=[f.period] if f.period else None,
        breakdowns=[char],
        by_group=False,
    )
    rows = rows[rows["category"].astype(str).str.startswith(f"{char}:")]
    if not shared.has_figures(rows):
        return shared.empty_content(
            shared.why_empty(rows, ind, f), title, subtitle, meta.data_as_at
        )
    note = text.suppression_note(rows, meta.threshold, left_out=False)
    table = plotted_table(
        rows,
        ind,
        ci=f.ci_level,
        columns=(
            "area_name",
            "category",
            "value",
            "lower",
            "upper",
            "numerator",
            "denominator",
            "comparison",
        ),
    )
    return ChartContent(
        figure=figures.bars_vs_programme(rows, categories_label=label),
        title=title,
        subtitle=subtitle,
        summary=describe_breakdown(rows, label, f),
        table=table,
        indicator_ids=["reach.breakdown"],
        notes=[n for n in (note,) if n],
        data_as_at=meta.data_as_at,
        threshold=meta.threshold,
    )


def groups_chart(f: shared.Filters, data: IndicatorData) -> ChartContent:
    first = indicator("reach.fathers")
    title = f"Fathers and workless households reached, {shared.period_words(f.period)}"
    subtitle = (
        f"% of parents referred with the answer stated; "
        f"{shared.interval_words(first, f.ci)}; the programme hatched"
    )
    rows, meta = shared.chosen_rows(
        data, list(GROUPS), f, periods=[f.period] if f.period else None, by_group=False
    )
    if not shared.has_figures(rows):
        return shared.empty_content(
            shared.why_empty(rows, first, f), title, subtitle, meta.data_as_at
        )
    sentences = []
    for ind_id in GROUPS:
        own = rows[rows["indicator"] == ind_id]
        sentences.append(shared.describe_rows(own, indicator(ind_id), f, meta.threshold))
    shown = shared.with_category(rows, GROUPS)
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
        {"Category": "Indicator"},
    )
    return ChartContent(
        figure=figures.bars_vs_programme(shown, categories_label="Indicator"),
        title=title,
        subtitle=subtitle,
        summary=" ".join(sentences),
        table=table,
        indicator_ids=list(GROUPS),
        notes=[n for n in (note,) if n],
        data_as_at=meta.data_as_at,
        threshold=meta.threshold,
    )


def extra_charts(
    f: shared.Filters, data: IndicatorData, _names: dict[str, str]
) -> list[ChartContent]:
    return [
        shared.safely(lambda: breakdown_chart(f, data)),
        shared.safely(lambda: groups_chart(f, data)),
    ]


def register(app: Dash, services: Services) -> None:
    """Attach the Reach page's callbacks to ``app``."""
    shared.register_topic(
        app,
        services,
        page.TOPIC,
        EXTRA_IDS,
        extra_charts,
        lambda f: ["reach.breakdown", *GROUPS],
    )
