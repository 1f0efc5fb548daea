"""Bars: the uptake funnel's stages (``stage_funnel``) and categories beside the programme
(``bars_vs_programme``)."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd

from dashboard import theme
from dashboard.charts.figures.base import (
    Figure,
    SeriesStyle,
    Trace,
    area_label,
    base_layout,
    empty_figure,
    error_bars,
    interval_key,
    last_period,
    numbers,
    series_styles,
    status_texts,
    unit_of,
    value_axis,
)
from dashboard.charts.figures.labels import wrap_label
from dashboard.present.words import category_label, fmt
from lfo.terms import PROGRAMME

#: The uptake funnel's stages, in order.
STAGES = ("referred", "offered", "started", "completed")


#: A bar's thickness (pixels) and the room for a stage's or category's label lines: heights
#: that read on a 390 px phone as on a laptop (the figure cannot know the screen's width).
BAR_PX, LINE_PX = 26, 20
#: The value axis of the stage funnel runs to this multiple of the largest count, so the count
#: and percentage written after the longest bar still fit on a phone.
ROOM_FOR_TEXT = 1.5


def stage_funnel(rows: pd.DataFrame) -> Figure:
    """Referred → offered → started → completed, top to bottom: a horizontal bar per stage (one
    per area or intervention, patterned), with its count and the percentage of the previous
    stage written after it ("342 (93%)"; the subtitle says what the percentage is of). Stage
    names are short and the words sit after the bars, not over each other: it reads at 390 px
    (issue 11 § 2)."""
    if rows.empty:
        return empty_figure("No figures for the area and period chosen.")
    rows = last_period(rows)
    data: list[Trace] = []
    styles = series_styles([str(c) for c in rows["area_code"].unique()])
    stages = [s.title() for s in STAGES]
    top = 0.0
    for code, own in rows.groupby("area_code", sort=False):
        own = own.set_index(own["category"].astype(str)).reindex(list(STAGES))
        counts, pct = numbers(own, "numerator"), numbers(own, "value")
        status = status_texts(own)
        text, hover = [], []
        for k, (c, p, s) in enumerate(zip(counts, pct, status, strict=True)):
            if not np.isfinite(c):
                text.append(f"[{s or 'x'}]")
                hover.append(f"[{s or 'x'}]")
                continue
            label = fmt(c, "count")
            words = f"{label} parents"
            if k and np.isfinite(p):
                label += f" ({fmt(p, '%')})"
                words += f", {fmt(p, '%')} of {STAGES[k - 1]}"
            text.append(label)
            hover.append(words)
        top = max(top, float(np.nanmax(counts)) if np.isfinite(counts).any() else 0.0)
        name = area_label(code, own)
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "y": stages,
                "x": np.where(np.isfinite(counts), counts, 0),
                "name": name,
                "text": text,
                "textposition": "outside",
                "textangle": 0,
                "textfont": {"size": 13},
                "cliponaxis": False,
                "constraintext": "none",
                "marker": _marker(styles[str(code)]),
                "customdata": hover,
                "hovertemplate": "%{y}: %{customdata}<extra>" + name + "</extra>",
            }
        )
    series = len(data)
    return base_layout(
        data,
        barmode="group",
        xaxis={
            "title": {"text": "Parents"},
            "range": [0, max(top, 1.0) * ROOM_FOR_TEXT],
            "fixedrange": True,
        },
        yaxis={"autorange": "reversed", "type": "category", "fixedrange": True},
        showlegend=series > 1,
        height=max(300, len(STAGES) * max(BAR_PX * series + 14, LINE_PX * 2) + 170),
    )


def bars_vs_programme(
    rows: pd.DataFrame, *, categories_label: str, ci: float | None = None
) -> Figure:
    """Each category's percentage for the area(s) beside the programme's (patterned), with
    intervals and the value written on each bar; a suppressed figure shows ``[c]`` at zero.
    ``ci``: the confidence level of the intervals, named in the legend ("Line: 95% confidence
    interval")."""
    if rows.empty:
        return empty_figure("No figures for the area and period chosen.")
    rows = last_period(rows)
    unit = unit_of(rows)
    categories = list(dict.fromkeys(rows["category"].astype(object).tolist()))
    y_labels = [wrap_label(category_label(c) or "All") for c in categories]
    codes = [c for c in dict.fromkeys(rows["area_code"]) if c != PROGRAMME]
    if (rows["area_code"] == PROGRAMME).any():
        codes.append(PROGRAMME)
    data: list[Trace] = []
    styles = series_styles([c for c in codes if c != PROGRAMME])
    for code in codes:
        own = rows[rows["area_code"] == code].drop_duplicates("category", keep="last")
        own = own.set_index(own["category"].astype(object)).reindex(categories)
        v, lo, hi = numbers(own, "value"), numbers(own, "lower"), numbers(own, "upper")
        status = status_texts(own)
        text = [
            fmt(x, unit) if np.isfinite(x) else f"[{s or 'x'}]"
            for x, s in zip(v, status, strict=True)
        ]
        is_prog = code == PROGRAMME
        name = area_label(code, own)
        marker, ink = _fill(styles.get(code), is_prog)
        error = error_bars(v, lo, hi)
        if is_prog:
            error["color"] = theme.DARK_GREY
        data.append(
            {
                "type": "bar",
                "y": y_labels,
                "x": np.where(np.isfinite(v), v, 0),
                "orientation": "h",
                "name": name,
                "error_x": error,
                "text": text,
                "textangle": 0,
                "insidetextanchor": "start",
                # chosen, not plotly's "auto": on a patterned bar it wrote white on white
                "insidetextfont": {"color": ink},
                # a missing or zero-length bar writes its [c] / 0% beside the axis
                "textposition": ["auto" if np.isfinite(x) and x > 0 else "outside" for x in v],
                "cliponaxis": False,
                "marker": marker,
                "hovertemplate": "%{y}: %{text}<extra>" + name + "</extra>",
            }
        )
    data += interval_key(rows, ci)
    return base_layout(
        data,
        barmode="group",
        xaxis=value_axis(unit, rangemode="tozero"),
        yaxis={"title": {"text": categories_label}, "autorange": "reversed", "type": "category"},
        # each category as tall as its bars or its wrapped name, whichever is taller
        height=max(
            320,
            sum(
                max(BAR_PX * max(1, len(codes)), LINE_PX * (y.count("<br>") + 1) + 10)
                for y in y_labels
            )
            + 150,
        ),
    )


#: The programme's bars: light grey, hatched and outlined, told apart from the areas without colour.
_PROGRAMME_FILL: dict[str, object] = {
    "color": theme.GREY,
    "line": {"color": theme.DARK_GREY, "width": 1.5},
    "pattern": {
        "shape": "/",
        "fgcolor": theme.DARK_GREY,
        "solidity": 0.08,
        "size": 16,
        "fillmode": "overlay",
    },
}


def _fill(style: SeriesStyle | None, programme: bool) -> tuple[dict[str, object], str]:
    """A bar's marker and the colour of the value written in it (chosen, not plotly's "auto",
    which wrote white on the white ground of a patterned bar)."""
    if programme or style is None:
        return (copy.deepcopy(_PROGRAMME_FILL) if programme else {}), theme.TEXT
    return _marker(style), theme.text_on(style.color, patterned=bool(style.pattern))


def _marker(style: SeriesStyle) -> dict[str, object]:
    """A bar's fill: the series' own colour and pattern (the same on every page and period)."""
    return {"color": style.color, "pattern": {"shape": style.pattern}}
