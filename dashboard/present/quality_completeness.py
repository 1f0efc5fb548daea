"""Completeness of the optional fields, for the data-quality page (and the area profile's
context): the share of rows in each area's current return with a stated value in each optional
field, per area and pooled over areas, as a dot plot, its table and sentences.

Pure, except every area's completeness, read once per data version
(``version_reads.completeness``), and its pooling, made once per version from it.
Data-quality figures count rows, not people, and are not suppressed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from dashboard import theme
from dashboard.charts.content import ChartContent, empty_content
from dashboard.present.export_context import chart_export
from dashboard.present.words import fmt
from dashboard.services import queries, version_reads
from dashboard.services.indicator_data import IndicatorData
from lfo.indicators.definitions import DEFINITIONS_VERSION
from lfo.terms import PROGRAMME

#: The data-quality figure's definition (indicators.md § Data quality figures), carried by exports.
COMPLETENESS_DEFINITION = (
    "dq.completeness: for each area's current return and each optional field, the percentage "
    "of rows with a stated value; an explicit 'not_stated' counts as not stated. 'All areas' "
    "pools the rows of every area's current return."
)

OPTIONAL_FIELD_NAMES = {
    "sex": "Sex",
    "age_band": "Age band",
    "ethnicity": "Ethnicity",
    "relationship_status": "Relationship status",
    "workless_household": "Workless household",
    "youngest_child_age_band": "Youngest child's age band",
    "delivery_mode": "Delivery mode",
}


def field_name(column: str) -> str:
    return OPTIONAL_FIELD_NAMES.get(column, column.replace("_", " ").capitalize())


def every_pooled_completeness(data: IndicatorData) -> pd.DataFrame:
    """``pooled_completeness`` of every area's completeness, made once per data version (a
    copy) from the frame ``version_reads.completeness`` keeps for it: completeness is read once
    per version, and a request that already holds it pools it without touching the database."""
    return data.per_version(
        ("quality_data", "pooled_completeness"),
        lambda _conn, _version: pooled_completeness(version_reads.completeness(data)),
    ).copy()


def pooled_completeness(frame: pd.DataFrame) -> pd.DataFrame:
    """All areas' rows pooled per sheet and column: rows, stated, percent_stated."""
    if frame.empty:
        return pd.DataFrame(columns=["sheet", "column", "rows", "stated", "percent_stated"])
    out = frame.groupby(["sheet", "column"], as_index=False, sort=False)[["rows", "stated"]].sum()
    out["percent_stated"] = queries.percent(out["stated"], out["rows"])
    return out


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
        f: f"{f}: {fmt(v, '%')}"
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
            "title": {"text": "% stated"},  # (the subtitle says of what: fits a phone)
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
    every: pd.DataFrame,
    pooled: pd.DataFrame,
    names: Mapping[str, str],
    area: str | None,
    data_as_at: dt.datetime | None,
) -> ChartContent:
    """The completeness card: ``every`` area's completeness (``version_reads.completeness``) and all
    areas ``pooled`` (``every_pooled_completeness``), for ``area`` (None: all areas)."""
    title = "Completeness of optional fields"
    if every.empty:
        return empty_content("No current return is loaded, so there is nothing to show yet.")
    every["field"] = every["column"].map(field_name)
    every["area_name"] = every["area_code"].map(names)
    pooled["field"] = pooled["column"].map(field_name)
    area_name = names.get(area) if area else None
    shown = every[every["area_code"] == area] if area else every
    if area and shown.empty:
        return empty_content(f"{area_name} has no current return, so there is nothing to show.")
    fig = completeness_figure(shown, pooled, area_name)
    table = pd.DataFrame(
        {
            "Field": pd.concat([shown["field"], pooled["field"]], ignore_index=True),
            "Area": pd.concat(
                [shown["area_name"], pd.Series(["All areas"] * len(pooled))], ignore_index=True
            ),
            # each row's area code, for the CSV (not shown: ``frame.CODE_COLUMNS``)
            "area_code": pd.concat(
                [shown["area_code"], pd.Series([PROGRAMME] * len(pooled))], ignore_index=True
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
        data_as_at=data_as_at.isoformat() if data_as_at else None,
        **chart_export(
            ["completeness"],
            filters={"returns": "current"},
            areas=[area] if area else (),
            benchmark=None,
            ci=None,
        ),
    )


def completeness_summary(shown: pd.DataFrame, pooled: pd.DataFrame, area_name: str | None) -> str:
    """The least and most complete fields in words (the chart's text alternative)."""

    def pct(v: object) -> str:
        return fmt(v, "%")

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
