"""The Uptake page's own chart, beside the shared topic charts (``present.topic``): the referral
to completion funnel (referred, offered, started, completed) by intervention or level."""

from __future__ import annotations

import pandas as pd

from dashboard.charts import figures, text, text_profile
from dashboard.charts.content import ChartContent, empty_content
from dashboard.charts.frame import plotted_table
from dashboard.present import topic as shared
from dashboard.present.export_context import topic_export
from dashboard.present.topic_filters import Filters, group_words, period_in_words
from dashboard.present.topic_rows import (
    chosen_rows,
    notes_of,
    rename_columns,
    the_period,
    why_empty,
)
from dashboard.services.indicator_data import IndicatorData, indicator
from lfo.terms import PROGRAMME

#: the stages, in order (their one home is the summaries' module)
STAGES = text_profile.STAGES


def stages_chart(f: Filters, data: IndicatorData) -> ChartContent:
    ind = indicator("uptake.funnel")
    title = f"Referral to completion, {period_in_words(f.period)}"
    subtitle = (
        f"{group_words(f.group)}; parents referred in the period and how far "
        "they had gone by the current return; the percentage is of the stage before"
    )
    rows, meta = chosen_rows(data, ["uptake.funnel"], f, periods=the_period(f))
    if rows.empty or not (pd.to_numeric(rows["numerator"], errors="coerce") > 0).any():
        # nothing at any stage (or every count hidden): a funnel of zeros says nothing
        return empty_content(why_empty(rows, ind, f), title, subtitle, meta.data_as_at)
    order = [*f.areas, PROGRAMME]
    summary = text_profile.describe_stages(
        rows, [c for c in order if (rows["area_code"] == c).any()]
    )
    if f.areas and rows.loc[rows["area_code"] != PROGRAMME, "numerator"].notna().any():
        # the programme's counts would dwarf an area's bars: it is described, not drawn
        rows = rows[rows["area_code"] != PROGRAMME]
        subtitle += "; the programme's figures are in the summary below the chart"
    rows = rows.assign(
        _a=rows["area_code"].map({c: i for i, c in enumerate(order)}),
        _s=rows["category"].map({s: i for i, s in enumerate(STAGES)}),
    )
    rows = rows.sort_values(["_a", "_s"], kind="stable").drop(columns=["_a", "_s"])
    table = rename_columns(
        plotted_table(rows, ind, columns=("area_name", "category", "numerator", "value")),
        {"Category": "Stage", "Numerator": "Parents", "Value (%)": "% of the previous stage"},
    )
    return ChartContent(
        figure=figures.stage_funnel(rows),
        title=title,
        subtitle=subtitle,
        summary=summary,
        table=table,
        indicator_ids=["uptake.funnel"],
        notes=notes_of(text.suppression_note(rows, meta.threshold, left_out=False)),
        data_as_at=meta.data_as_at,
        threshold=meta.threshold,
        **topic_export(f, ["uptake.funnel"], by_areas=True),
    )


def extra_indicators(_f: Filters) -> list[str]:
    return ["uptake.funnel"]


EXTRAS = shared.Extras({"stages": stages_chart}, extra_indicators)
