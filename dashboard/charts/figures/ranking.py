"""Areas ranked against the programme: the caterpillar plot (areas by value, with intervals) and
the funnel plot (each area's percentage against its denominator, within control limits)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dashboard import theme
from dashboard.charts.figures.base import (
    COMPARISON_STYLE,
    LEGEND_ABOVE,
    Figure,
    Trace,
    base_layout,
    empty_figure,
    error_bars,
    interval_key,
    last_period,
    numbers,
    row_indicator,
    shown,
    unit_of,
    value_axis,
)
from dashboard.charts.figures.labels import end_labels, place_labels, wrap_label
from dashboard.present.words import fmt
from lfo.indicators import funnel
from lfo.indicators.indicator import HIGHER, LOWER
from lfo.terms import PROGRAMME

#: A caterpillar row's height (pixels): the area's label line above its point and whisker.
CATERPILLAR_ROW = 46
#: How far an area's line of text sits above its point (pixels), and the room above the top
#: row for its line (in rows): the y axis's range is set, not left to plotly, which pads it by
#: 5% of the range at each end (eight empty rows at each end of a 153-area chart).
ROW_LABEL_LIFT = 6
TOP_ROW_ROOM = 0.3

#: The longest line of a funnel's x-axis title (characters): fits the plot of a 390 px phone.
AXIS_TITLE_WRAP = 28
#: A funnel's point label on lines of at most this many characters: "Newcastle upon Tyne
#: (better)" on one line ran off a phone's plot.
POINT_LABEL_WRAP = 20


def caterpillar(
    rows: pd.DataFrame,
    *,
    highlight: str | None = None,
    ci: float | None = None,
    benchmark_name: str = "the programme",
    lowest_on_top: bool = False,
) -> Figure:
    """Areas ordered by value (highest at the top; lowest with ``lowest_on_top``) with interval
    whiskers and the programme as a vertical line; suppressed areas are left out. Each area's
    name, value and comparison in words are written on a line of their own above its point, from
    the left edge of the plot (beside the points, never on them, and no axis labels eating the
    plot's width: on a 390 px phone the plot keeps the whole width; issue 11 § 2). ``ci``: the
    confidence level the intervals and comparisons were made at, named in the legend ("Worse
    than the programme (95%)", "Line: 95% confidence interval"). ``benchmark_name``: what the
    comparisons are with, as the legend says it ("their statistical neighbours")."""
    rows = last_period(rows)
    unit = unit_of(rows)
    areas = shown(rows[rows["area_code"] != PROGRAMME])
    if areas.empty:
        return empty_figure("No area has a figure for the period chosen.")
    areas = areas.assign(_v=numbers(areas, "value")).sort_values(["_v", "area_name"], kind="stable")
    comparison = (
        areas["comparison"].astype(object).where(areas["comparison"].notna(), None)
        if "comparison" in areas
        else pd.Series(None, index=areas.index, dtype=object)
    )
    labels, written = [], []
    values = numbers(areas, "value")
    for code, name, comp, value in zip(
        areas["area_code"], areas["area_name"], comparison, values, strict=True
    ):
        label = f"{name} ({comp})" if comp else str(name)
        text = f"{name}: {fmt(value, unit)}" + (f" ({comp})" if comp else "")
        bold = code == highlight
        labels.append(f"<b>{label}</b>" if bold else label)
        written.append(f"<b>{text}</b>" if bold else text)
    data = _caterpillar_traces(areas, labels, comparison, highlight, unit, ci)
    for trace in data:  # the legend names the benchmark the comparisons were made with
        trace["name"] = str(trace["name"]).replace("the programme", benchmark_name)
    data += interval_key(areas, ci)
    bench = _programme_value(rows)
    extra: dict[str, object] = {}
    if bench is not None:
        shape, trace = _programme_line(bench, unit)
        extra["shapes"] = [shape]
        data.append(trace)
    rows_range = _rows_range(len(labels), lowest_on_top)
    data.append(_row_labels(written, lowest_on_top))
    return base_layout(
        data,
        **extra,
        # right above the plot: 2% of a 7,000 px plot is an empty band of 140 px
        legend={**LEGEND_ABOVE, "y": 1},
        xaxis=value_axis(unit),
        height=max(320, CATERPILLAR_ROW * len(areas) + 150),
        yaxis={
            "type": "category",
            "categoryorder": "array",
            "categoryarray": list(labels),
            "range": rows_range,
            "showticklabels": False,
            "ticks": "",
            "fixedrange": True,
        },
        # the lines of text: the rows' numbers on an axis over the categories, the plot's left
        # edge at 0 of one over the values
        xaxis2={"overlaying": "x", "range": [0, 1], "visible": False, "fixedrange": True},
        yaxis2={"overlaying": "y", "range": rows_range, "visible": False, "fixedrange": True},
    )


def _rows_range(count: int, lowest_on_top: bool) -> list[float]:
    """The y axis's range over ``count`` rows (row i at i, the first at the bottom, or at the top
    with ``lowest_on_top``): half a row below the last, room for its line of text above the
    first."""
    if lowest_on_top:  # turned over: the axis runs from the last row down to the first
        return [count - 0.5, -0.5 - TOP_ROW_ROOM]
    return [-0.5, count - 0.5 + TOP_ROW_ROOM]


def _row_labels(written: list[str], lowest_on_top: bool) -> Trace:
    """Each area's line of text (``written``, in the rows' order) above its row, from the plot's
    left edge: one text trace on the overlaid axes (plotly drew the national chart, 153 areas, in
    396 ms this way against 522 ms with an annotation per row; docs/decisions.md)."""
    lift = ROW_LABEL_LIFT / CATERPILLAR_ROW * (-1 if lowest_on_top else 1)
    return {
        "type": "scatter",
        "mode": "text",
        "x": [0] * len(written),
        "y": [i + lift for i in range(len(written))],
        "text": written,
        "textposition": "top right",
        "textfont": {"size": 14},
        "xaxis": "x2",
        "yaxis": "y2",
        "cliponaxis": False,
        "hoverinfo": "skip",
        "showlegend": False,
    }


def _caterpillar_traces(
    areas: pd.DataFrame,
    labels: list[str],
    comparison: pd.Series,
    highlight: str | None,
    unit: str,
    ci: float | None = None,
) -> list[Trace]:
    """A trace per comparison with the programme (in ``COMPARISON_STYLE``'s order): its symbol and
    colour, interval whiskers; the highlighted area larger (the values are written above the
    points, by ``caterpillar``)."""
    # each comparison's areas picked out of whole-column arrays (in the sorted order)
    comps = comparison.to_numpy(dtype=object)
    no_comp = pd.isna(comps)
    label_array = np.array(labels, dtype=object)
    codes = areas["area_code"].to_numpy(dtype=object)
    values, lowers, uppers = (numbers(areas, c) for c in ("value", "lower", "upper"))
    data: list[Trace] = []
    for comp, (legend, symbol, colour) in COMPARISON_STYLE.items():
        mask = no_comp if comp is None else (comps == comp) & ~no_comp
        if not mask.any():
            continue
        v, lo, hi = values[mask], lowers[mask], uppers[mask]
        big = np.array([c == highlight for c in codes[mask]], dtype=bool)
        data.append(
            {
                "type": "scatter",
                "x": v,
                "y": label_array[mask].tolist(),
                "mode": "markers",
                "name": legend if comp is None or ci is None else f"{legend} ({float(ci):g}%)",
                "marker": {
                    "symbol": symbol,
                    "size": np.where(big, 15, 11).tolist(),
                    "color": colour,
                    "opacity": 1,
                    "line": {"width": np.where(big, 3, 0).tolist(), "color": colour},
                },
                "error_x": {**error_bars(v, lo, hi), "color": colour},
                "cliponaxis": False,
                "customdata": [
                    f"{fmt(a, unit)} to {fmt(b, unit)}" if np.isfinite(a) else ""
                    for a, b in zip(lo, hi, strict=True)
                ],
                "hovertemplate": "%{y}: %{x}"
                + (" (%{customdata})" if np.isfinite(lo).any() else "")
                + "<extra></extra>",
            }
        )
    return data


def _programme_line(bench: float, unit: str) -> tuple[dict[str, Any], Trace]:
    """The programme's value as a dashed vertical line (a shape) and its legend entry (a trace)."""
    line = {"dash": "dash", "color": theme.DARK_GREY, "width": 2}
    # what fig.add_vline draws: a line across the y axis's domain at x
    shape = {
        "type": "line",
        "x0": bench,
        "x1": bench,
        "xref": "x",
        "y0": 0,
        "y1": 1,
        "yref": "y domain",
        "line": dict(line),
    }
    trace = {
        "type": "scatter",
        "x": [None],
        "y": [None],
        "mode": "lines",
        "line": line,
        "name": f"Programme {fmt(bench, unit)}",
        "hoverinfo": "skip",
    }
    return shape, trace


def _programme_value(rows: pd.DataFrame) -> float | None:
    prog = rows[rows["area_code"] == PROGRAMME]
    values = numbers(prog, "value")
    if len(values) and np.isfinite(values[0]):
        return float(values[0])
    bench = numbers(rows, "benchmark")
    bench = bench[np.isfinite(bench)]
    return float(bench[0]) if len(bench) else None


_SIG_WORDS = {
    "Low (0.001)": ("low", "beyond the 99.8% limit"),
    "Low (0.025)": ("low", "beyond the 95% limit"),
    "High (0.001)": ("high", "beyond the 99.8% limit"),
    "High (0.025)": ("high", "beyond the 95% limit"),
    "Not significant": (None, "within the 95% limits"),
}


def _funnel_word(direction: str | None, polarity: str) -> str | None:
    if direction is None:
        return "similar"
    if polarity == HIGHER:
        return "better" if direction == "high" else "worse"
    if polarity == LOWER:
        return "worse" if direction == "high" else "better"
    return "higher" if direction == "high" else "lower"


def funnel_plot(rows: pd.DataFrame, *, highlight: str | None = None) -> Figure:
    """Each area's percentage against its denominator, with the PHE 95% and 99.8% control limits
    around the programme value (``funnel.limits_at`` at PHE's populations). Suppressed areas are
    left out; each point is labelled with its area name and its position in words."""
    rows = last_period(rows)
    ind = row_indicator(rows)
    unit = ind.unit if ind else "%"
    polarity = ind.polarity if ind else HIGHER
    areas = shown(rows[rows["area_code"] != PROGRAMME])
    areas = areas[numbers(areas, "denominator") > 0]
    if areas.empty:
        return empty_figure("No area has a figure for the period chosen.")
    values = numbers(areas, "value")
    num, den = numbers(areas, "numerator"), numbers(areas, "denominator")
    bench = _programme_value(rows)
    p = bench / 100 if bench is not None else funnel.baseline(num, den)
    lo_axis, hi_axis = funnel.axis_range(den, axis_variation=True)
    limits = funnel.limits_at(p, funnel.populations(lo_axis, hi_axis))
    # the y axis shows the areas and the limits where the areas are, not the limits' full
    # sweep to 0% and 100% at tiny denominators
    at_smallest = funnel.limits_at(p, [float(den.min())])
    y_span = (
        max(0.0, float(min(values.min(), at_smallest["lower_998"].iloc[0]))),
        min(100.0, float(max(values.max(), at_smallest["upper_998"].iloc[0]))),
    )
    pad = max(1.0, 0.08 * (y_span[1] - y_span[0]))
    y_span = (max(0.0, y_span[0] - pad), min(100.0, y_span[1] + pad))
    data, annotations = _limit_lines(limits, p, unit, y_span)
    labels = funnel.significance(num, den, p)
    words = [_SIG_WORDS.get(str(label), (None, "not tested")) for label in labels]
    comps = [_funnel_word(d, polarity) for d, _ in words]
    big = (areas["area_code"] == highlight).to_numpy()
    names = [
        f"{n} ({c})" if w != "within the 95% limits" else str(n)
        for n, c, (_, w) in zip(areas["area_name"], comps, words, strict=True)
    ]
    # only the areas outside the 95% limits (and the one highlighted) are named on the plot: a
    # name per point hid points and names on a phone and cannot fit 153 areas; the table twin
    # names every area (funnel_named_words says so under the chart)
    named = [w != "within the 95% limits" or b for (_, w), b in zip(words, big, strict=True)]
    texts = [
        wrap_label(t, POINT_LABEL_WRAP) if keep else ""
        for t, keep in zip(names, named, strict=True)
    ]
    keep = np.asarray(named, dtype=bool)
    positions = place_labels(
        np.asarray(den, float)[keep],
        np.asarray(values, float)[keep],
        [t for t in texts if t],
        (0.0, float(hi_axis)),
        y_span,
    )
    placed = iter(positions)
    positions = [next(placed) if keep else "top center" for keep in named]
    texts = [f"<b>{t}</b>" if b and t else t for t, b in zip(texts, big, strict=True)]
    groups = pd.DataFrame({"comp": comps, "where": [w for _, w in words]})
    for (comp, where), idx in groups.groupby(["comp", "where"], sort=False).groups.items():
        k = list(idx)  # positions (the groups frame has a range index)
        data.append(
            _funnel_points(
                comp,
                where,
                den[k],
                values[k],
                big[k],
                [texts[j] for j in k],
                [positions[j] for j in k],
                unit,
                [names[j] for j in k],
            )
        )
    denominator = ind.denominator if ind else "Denominator"
    return base_layout(
        data,
        annotations=annotations,
        xaxis=_denominator_axis(denominator),
        yaxis=value_axis(unit, range=list(y_span)),
        margin={"l": 8, "r": 110, "t": 48, "b": 8},
        height=520,
    )


def _limit_lines(
    limits: pd.DataFrame, p: float, unit: str, y_span: tuple[float, float]
) -> tuple[list[Trace], list[Trace]]:
    """The 99.8% and 95% control limits (dashed, dotted; each labelled at its right end) and the
    programme's baseline: their traces and the limits' labels."""
    data: list[Trace] = []
    pop = limits["population"].to_numpy()
    ends: list[tuple[float, float, str]] = []
    for name, column, dash in (("99.8% limits", "998", "dash"), ("95% limits", "95", "dot")):
        for side in ("upper", "lower"):
            y = limits[f"{side}_{column}"].to_numpy()
            data.append(
                {
                    "type": "scatter",
                    "x": pop,
                    "y": y,
                    "mode": "lines",
                    "name": name,
                    "legendgroup": name,
                    "showlegend": side == "upper",
                    "line": {"dash": dash, "width": 1.5, "color": theme.DARK_GREY},
                    "hovertemplate": f"{side.title()} {name[:-7]} limit at %{{x:,}}: %{{y:.1f}}%"
                    "<extra></extra>",
                }
            )
            ends.append((pop[-1], float(y[-1]), f"{name[:-7]} {side}"))
    data.append(
        {
            "type": "scatter",
            "x": pop,
            "y": limits["baseline"].to_numpy(),
            "mode": "lines",
            "name": f"Programme {fmt(p * 100, unit)}",
            "line": {"color": theme.DARK_GREY, "width": 2},
            "hoverinfo": "skip",
        }
    )
    annotations = end_labels(
        ends, y_span[1], font_size=12, plot_px=360, gap_px=15, bottom=y_span[0]
    )
    return data, annotations


def _funnel_points(
    comp: str | None,
    where: str,
    den: np.ndarray,
    values: np.ndarray,
    big: np.ndarray,
    texts: list[str],
    positions: list[str],
    unit: str,
    names: list[str],
) -> Trace:
    """The areas with one comparison and one position against the limits: the comparison's
    symbol and colour (open beyond the 95% limit), labelled with ``texts`` (empty for an area
    not named on the plot; ``names`` on hover); the highlighted area larger."""
    legend, symbol, colour = COMPARISON_STYLE.get(comp, COMPARISON_STYLE[None])
    if where == "beyond the 95% limit":
        symbol = f"{symbol}-open"
    return {
        "type": "scatter",
        "x": den,
        "y": values,
        "mode": "markers+text",
        "name": f"{legend.split(' than')[0].split(' to')[0]} ({where})",
        "marker": {
            "symbol": symbol,
            "color": colour,
            "size": np.where(big, 15, 11).tolist(),
            "opacity": 1,
            "line": {"width": 2, "color": colour},
        },
        "text": texts,
        "textposition": positions,
        "textfont": {"size": 13},
        "cliponaxis": False,
        "customdata": [
            f"{n}: {fmt(x, unit)}, {comp} ({where})" for n, x in zip(names, values, strict=True)
        ],
        "hovertemplate": "%{customdata}; denominator %{x:,}<extra></extra>",
    }


def _denominator_axis(denominator: str) -> dict[str, Any]:
    """The funnel's x axis, its title on lines short enough for a phone's plot (one line ran off
    both its edges)."""
    title = wrap_label(f"Denominator: {denominator}", AXIS_TITLE_WRAP)
    return {"title": {"text": title}, "rangemode": "tozero", "automargin": True}
