"""Trend lines: an indicator over the periods, one line per area and the programme."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from dashboard import theme
from dashboard.charts.figures.base import (
    Figure,
    SeriesStyle,
    Trace,
    base_layout,
    empty_figure,
    error_bars,
    numbers,
    series_styles,
    value_axis,
)
from dashboard.charts.figures.labels import end_labels
from dashboard.present.words import fmt, period_label
from lfo.periods import Quarter, is_quarter, period
from lfo.terms import PROGRAMME, PROGRAMME_LABEL

#: More lines than this on one chart tangle (with their intervals): draw small multiples instead.
MAX_OVERLAID = 3
#: Small multiples: panels per row (one: a panel keeps a phone's whole width), and each row's
#: height in pixels.
PANEL_COLUMNS = 1
PANEL_HEIGHT = 170
#: At most this many labels on the time axis (each two short lines: "Q1" over "2016-17"), so
#: that they fit side by side, unturned, across a 390 px phone (issue 11 § 2).
MAX_TICKS = 6
#: An end-of-line label's lines are wrapped at this many characters (narrow beside the plot).
LABEL_WRAP = 10
#: The overlaid chart's height (pixels): its legend is under the plot, in up to three rows on a
#: phone.
OVERLAID_HEIGHT = 440


#: Pixels right of the plot for the labels at the lines' ends ("Programme:<br>58%").
_END_LABEL_ROOM = 84


def trend_lines(
    rows: pd.DataFrame,
    *,
    areas: list[str],
    show_programme: bool = True,
    unit: str = "%",
    marks: Mapping[str, str] | None = None,
    interval: str | None = None,
) -> Figure:
    """One line per area (and the programme, dashed) over the periods in ``rows``, with interval
    bars; a suppressed or missing point is a gap. Each line is labelled at its last point. Each
    area keeps its own colour, marker and dash on every page and period (``series_styles``).
    More than ``MAX_OVERLAID`` areas: one small panel per area, each with the programme.
    ``marks``: period code → text after its label (a year only partly covered); ``interval``:
    what the bars are ("95% confidence intervals"), said in the legend. Readable on a phone:
    few, unturned labels on the time axis (``time_ticks``), the legend under the plot, room
    kept right of the lines for their labels."""
    if rows.empty:
        return empty_figure("No figures for the areas and periods chosen.")
    periods = list(dict.fromkeys(rows["period"].tolist()))
    x_labels = [period_label(p) + (marks or {}).get(p, "") for p in periods]
    codes = list(dict.fromkeys(a for a in areas if a != PROGRAMME))
    styles = series_styles(codes)
    lines = _lines_by_area(rows, periods)
    x_title = "Quarter" if all(is_quarter(p) for p in periods) else "Period"
    ticks = time_ticks(periods, x_labels)
    legend = _legend(interval, below=0.17 if "<br>" in str(ticks.get("ticktext")) else 0.1)
    if len(codes) > MAX_OVERLAID:
        return _small_multiples(rows, codes, lines, x_labels, show_programme, unit, ticks, legend)
    if show_programme:
        codes.append(PROGRAMME)
    data: list[Trace] = []
    ends: list[tuple[str, float, str]] = []  # (x, y, label) of each line's last point
    for code in codes:
        values, lower, upper, status, shown, names = lines(code)
        values = np.where(shown, values, np.nan)
        name = _name(code, names)
        end = _end_label(code, name, values, x_labels, unit)
        if end:
            ends.append((end[0], end[1], _wrapped(end[2])))
        data.append(
            _line_trace(styles.get(code), name, x_labels, values, lower, upper, status, unit)
        )
    yaxis = value_axis(unit, rangemode="tozero")
    lines_per_label = max((e[2].count("<br>") + 1 for e in ends), default=1)
    annotations = end_labels(
        ends, _top(rows), font_size=11, xshift=6, gap_px=13 * lines_per_label + 3
    )
    extra = {"annotations": annotations} if annotations else {}
    n = len(x_labels)
    # room right of the last period for the labels: half a period inside the plot and a fixed
    # margin beyond it (a share of the axis left a third of a three-year chart blank on desktop)
    xaxis: dict[str, object] = {
        # the time labels say "Q1" or are years: no axis title needed (it would take height)
        "title": {"text": "" if ticks else x_title},
        "type": "category",
        "range": [-0.5, n - 0.5 + (0.5 if ends else 0)],
        **ticks,
    }
    return base_layout(
        data,
        **extra,
        xaxis=xaxis,
        yaxis=yaxis,
        legend=legend,
        height=OVERLAID_HEIGHT,
        margin={"l": 8, "r": _END_LABEL_ROOM if ends else 8, "t": 16, "b": 8},
    )


def time_ticks(periods: list[str], x_labels: list[str]) -> dict[str, object]:
    """The time axis's labels: at most ``MAX_TICKS``, never turned. Quarters: each financial
    year's first quarter shown ("Q1" over "2016-17"; every quarter when there are four or
    fewer); years: each year ("2016-17"); thinned evenly to fit. Empty for mixed periods."""
    parsed = [period(p) for p in periods]
    quarters = [p for p in parsed if isinstance(p, Quarter)]
    if len(quarters) == len(parsed):
        at = list(range(len(quarters)))
        if len(quarters) > 4:
            at = [k for k in at if quarters[k].q == 1]
            if not at or at[0] >= 2:
                at.insert(0, 0)
        texts = [f"Q{quarters[k].q}<br>{quarters[k].year_label}" for k in at]
    elif not quarters:
        at, texts = list(range(len(parsed))), [x_labels[k] for k in range(len(parsed))]
    else:
        return {}
    step = -(-len(at) // MAX_TICKS)
    at, texts = at[::step], texts[::step]
    return {
        "tickmode": "array",
        "tickvals": [x_labels[k] for k in at],
        "ticktext": texts,
        "tickangle": 0,
        "tickfont": {"size": 11},
    }


def _legend(interval: str | None, below: float = 0.1) -> dict[str, object]:
    """Under the plot, ``below`` (a share of its height) under its axis (a legend on top takes a
    phone's plot height), its title saying what the bars are."""
    legend: dict[str, object] = {
        "orientation": "h",
        "yanchor": "top",
        "y": -below,
        "xanchor": "left",
        "x": 0,
    }
    if interval:
        legend["title"] = {"text": f"Bars: {interval}", "side": "top", "font": {"size": 13}}
    return legend


def _small_multiples(
    rows: pd.DataFrame,
    codes: list[str],
    lines: Callable[[str], Line],
    x_labels: list[str],
    show_programme: bool,
    unit: str,
    ticks: dict[str, object],
    legend: dict[str, object],
) -> Figure:
    """One panel per area (its line, and the programme's dashed in each), on one value scale;
    each panel titled with the area's name and its latest value."""
    n_rows = -(-len(codes) // PANEL_COLUMNS)
    top = _top(rows) * 1.08 or 1.0
    styles = series_styles(codes)
    data: list[Trace] = []
    layout: dict[str, object] = {
        "grid": {"rows": n_rows, "columns": PANEL_COLUMNS, "pattern": "independent"},
        "height": n_rows * PANEL_HEIGHT + 90,
        "showlegend": show_programme,
        "margin": {"l": 8, "r": 16, "t": 40, "b": 8},
        # under the last panel (its labels take about 40 px)
        "legend": {**legend, "y": -50 / (n_rows * PANEL_HEIGHT)},
    }
    annotations: list[dict[str, object]] = []
    prog = lines(PROGRAMME) if show_programme else None
    for k, code in enumerate(codes):
        axis = "" if k == 0 else str(k + 1)
        values, lower, upper, status, shown, names = lines(code)
        values = np.where(shown, values, np.nan)
        name = _name(code, names)
        trace = _line_trace(styles[code], name, x_labels, values, lower, upper, status, unit)
        data.append({**trace, "xaxis": f"x{axis}", "yaxis": f"y{axis}", "showlegend": False})
        if prog is not None:
            p_values = np.where(prog[4], prog[0], np.nan)
            p_trace = _line_trace(None, PROGRAMME_LABEL, x_labels, p_values, *prog[1:4], unit)
            p_trace.pop("error_y")
            data.append({**p_trace, "xaxis": f"x{axis}", "yaxis": f"y{axis}", "showlegend": k == 0})
        end = _end_label(code, name, values, x_labels, unit)
        annotations.append(
            {
                "text": f"<b>{end[2] if end else name + ': no figures'}</b>",
                "xref": f"x{axis} domain",
                "yref": f"y{axis} domain",
                "x": 0,
                "y": 1.02,
                "xanchor": "left",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 13},
            }
        )
        last_row = k >= len(codes) - PANEL_COLUMNS
        layout[f"xaxis{axis}"] = {"type": "category", "showticklabels": last_row, **ticks}
        layout[f"yaxis{axis}"] = value_axis(unit, range=[0, top], title={"text": ""})
    layout["annotations"] = annotations
    return base_layout(data, **layout)


def _name(code: str, names: list[Any]) -> str:
    named = [n for n in names if not pd.isna(n)]
    return PROGRAMME_LABEL if code == PROGRAMME else str(named[0]) if named else code


def _end_label(
    code: str, name: str, values: np.ndarray, x_labels: list[str], unit: str
) -> tuple[str, float, str] | None:
    """(x, y, "Name: value [in period]") at the line's last point with a figure, or None."""
    finite = np.flatnonzero(np.isfinite(values))
    if not len(finite):
        return None
    short = "Programme" if code == PROGRAMME else name
    label = f"{short}: {fmt(values[finite[-1]], unit)}"
    if finite[-1] != len(values) - 1:
        label += f" in {x_labels[finite[-1]]}"
    return x_labels[-1], float(values[finite[-1]]), label


def _wrapped(label: str) -> str:
    """An end label in short lines (``LABEL_WRAP``), so it keeps to the room beside the plot."""
    return "<br>".join(textwrap.wrap(label, LABEL_WRAP, break_long_words=False))


def _top(rows: pd.DataFrame) -> float:
    both = np.concatenate([numbers(rows, "upper"), numbers(rows, "value"), [0.0]])
    return float(np.nanmax(both))


#: One area's line over the periods: values, lower and upper limits, status texts, whether each
#: point has no status, and the area's names.
Line = tuple[np.ndarray, np.ndarray, np.ndarray, list[str], np.ndarray, list[Any]]


def _lines_by_area(rows: pd.DataFrame, periods: list[str]) -> Callable[[str], Line]:
    """Per area code: its value, lower and upper arrays, status texts ("" for none), whether
    it has no status, and area names over ``periods`` (the last row of a repeated period; a period
    without a row is NaN, "" and NaN), as ``rows[rows.area_code == code].drop_duplicates("period", keep="last")
    .set_index("period").reindex(periods)`` gives them, from one pass over ``rows``."""
    own = rows.drop_duplicates(["area_code", "period"], keep="last")
    where = {p: k for k, p in enumerate(periods)}
    at = np.array([where[p] for p in own["period"]], dtype=np.intp)
    value, lower, upper = numbers(own, "value"), numbers(own, "lower"), numbers(own, "upper")
    status = (
        own["status"].astype(object).to_numpy()
        if "status" in own
        else np.full(len(own), None, dtype=object)
    )
    names = own["area_name"].astype(object).to_numpy()
    rows_of = own.groupby("area_code", sort=False).indices
    n = len(periods)

    def line(code: str) -> Line:
        k = rows_of.get(code, np.array([], dtype=np.intp))
        v, lo, hi = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
        v[at[k]], lo[at[k]], hi[at[k]] = value[k], lower[k], upper[k]
        texts, named, shown = [""] * n, [np.nan] * n, np.ones(n, dtype=bool)
        for j in k:
            missing = pd.isna(status[j])
            texts[at[j]] = "" if missing else status[j]
            shown[at[j]] = missing
            named[at[j]] = names[j]
        return v, lo, hi, texts, shown, named

    return line


def _line_trace(
    style: SeriesStyle | None,
    name: str,
    x_labels: list[str],
    values: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    status: list[str],
    unit: str,
) -> Trace:
    """One line in its series' own colour, dash pattern and marker (``style``; None: the
    programme's, dashed and grey); the hover says the value and interval, or the status of a
    missing point."""
    hover = [
        f"{fmt(v, unit)}"
        + (f" ({fmt(lo, unit)} to {fmt(hi, unit)})" if np.isfinite(lo) and np.isfinite(hi) else "")
        if np.isfinite(v)
        else f"[{s or 'x'}]"
        for v, lo, hi, s in zip(values, lower, upper, status, strict=True)
    ]
    if style is None:
        line: dict[str, object] = {"dash": "dash", "color": theme.DARK_GREY}
        marker: dict[str, object] = {"symbol": "line-ew-open", "size": 9, "color": theme.DARK_GREY}
    else:
        line = {"dash": style.dash, "color": style.color}
        marker = {"symbol": style.symbol, "size": 9, "color": style.color}
    return {
        "type": "scatter",
        "x": x_labels,
        "y": values,
        "name": name,
        "mode": "lines+markers",
        "line": line,
        "marker": marker,
        "error_y": error_bars(values, lower, upper),
        "customdata": hover,
        "connectgaps": False,
        "hovertemplate": "%{x}: %{customdata}<extra>" + name + "</extra>",
    }
