"""Trend lines: an indicator over the periods, one line per area and the programme."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from dashboard import theme
from dashboard.charts.figures.base import (
    DASHES,
    SYMBOLS,
    Figure,
    Trace,
    base_layout,
    empty_figure,
    error_bars,
    numbers,
    value_axis,
)
from dashboard.charts.figures.labels import end_labels
from dashboard.present.words import fmt, period_label
from lfo.terms import PROGRAMME, PROGRAMME_LABEL


def trend_lines(
    rows: pd.DataFrame, *, areas: list[str], show_programme: bool = True, unit: str = "%"
) -> Figure:
    """One line per area (and the programme, dashed) over the periods in ``rows``, with interval
    bars; a suppressed or missing point is a gap. Each line is labelled at its last point."""
    if rows.empty:
        return empty_figure("No figures for the areas and periods chosen.")
    periods = list(dict.fromkeys(rows["period"].tolist()))
    x_labels = [period_label(p) for p in periods]
    codes = [a for a in areas if a != PROGRAMME]
    if show_programme:
        codes.append(PROGRAMME)
    data: list[Trace] = []
    ends: list[tuple[str, float, str]] = []  # (x, y, label) of each line's last point
    lines = _lines_by_area(rows, periods)
    for i, code in enumerate(codes):
        values, lower, upper, status, shown, names = lines(code)
        values = np.where(shown, values, np.nan)
        is_prog = code == PROGRAMME
        named = [n for n in names if not pd.isna(n)]
        name = PROGRAMME_LABEL if is_prog else str(named[0]) if named else code
        finite = np.flatnonzero(np.isfinite(values))
        if len(finite):
            short = "Programme" if is_prog else name
            label = f"{short}: {fmt(values[finite[-1]], unit)}"
            if finite[-1] != len(values) - 1:
                label += f" in {x_labels[finite[-1]]}"
            ends.append((x_labels[-1], float(values[finite[-1]]), label))
        data.append(_line_trace(i, is_prog, name, x_labels, values, lower, upper, status, unit))
    yaxis = value_axis(unit, rangemode="tozero")
    all_values = numbers(rows, "upper")
    top = float(np.nanmax(np.concatenate([all_values, numbers(rows, "value"), [0.0]])))
    annotations = end_labels(ends, top, font_size=14, xshift=10)
    # plotly's autorange makes room for the labels (annotations on the x axis) inside the plot
    extra = {"annotations": annotations} if annotations else {}
    return base_layout(
        data, **extra, xaxis={"title": {"text": "Quarter"}, "type": "category"}, yaxis=yaxis
    )


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
    i: int,
    is_prog: bool,
    name: str,
    x_labels: list[str],
    values: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    status: list[str],
    unit: str,
) -> Trace:
    """The ``i``-th line: its own dash pattern and marker symbol (the programme's dashed, grey);
    the hover says the value and interval, or the status of a missing point."""
    hover = [
        f"{fmt(v, unit)}"
        + (f" ({fmt(lo, unit)} to {fmt(hi, unit)})" if np.isfinite(lo) and np.isfinite(hi) else "")
        if np.isfinite(v)
        else f"[{s or 'x'}]"
        for v, lo, hi, s in zip(values, lower, upper, status, strict=True)
    ]
    line: dict[str, object] = {"dash": "dash" if is_prog else DASHES[i % len(DASHES)]}
    marker: dict[str, object] = {
        "symbol": "line-ew-open" if is_prog else SYMBOLS[i % len(SYMBOLS)],
        "size": 9,
    }
    if is_prog:
        line["color"] = theme.DARK_GREY
        marker["color"] = theme.DARK_GREY
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
