"""The spine chart of the area profile: one row per indicator, the area against the programme and
the range of the areas' figures, on a common scale where right is better (or higher).

``spine_figure`` takes the spine's frame (``dashboard.present.area_spine.spine_frame``: one row per
indicator with the area's value, interval, comparison and status, the programme's value, the
areas' range and each comparison area's value) and returns a figure dict (see
``dashboard.charts.figures``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from dashboard import theme
from dashboard.charts.figures import COMPARISON_STYLE, Figure, make_figure
from dashboard.present.words import fmt
from lfo.indicators.indicator import LOWER

#: Marker symbols and theme colours of the comparison areas (never those of the area's own
#: comparison words, so a comparison area cannot be read as "worse" or "better").
COMPARE_SYMBOLS = (
    "x-thin-open",
    "cross-thin-open",
    "star-open",
    "hexagon-open",
    "pentagon-open",
    "hourglass-open",
    "bowtie-open",
    "asterisk-open",
    "y-up-open",
    "star-triangle-up-open",
    "hexagram-open",
)
COMPARE_COLOURS = (theme.TURQUOISE, theme.ORANGE, theme.LIGHT_PURPLE, theme.MID_BLUE)
_ROW_HEIGHT = 40
_TWO_LINE_EXTRA = 12  # a row whose label takes two lines
_AXIS_AND_KEY = 330  # the axis below, the column headings above, the key wrapped on a tablet
#: Where the area's and the programme's figures are written: pixels right of the plot's right
#: edge (fixed pixels, not a share of the plot's width, which on a narrow screen put the two
#: columns on top of each other: "4942%"); the right margin holds both.
_AREA_SHIFT, _PROGRAMME_SHIFT, _RIGHT_MARGIN = 10, 120, 240


# --- the scale -------------------------------------------------------------------------------


def spine_positions(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Each value of ``columns`` placed on the spine: 0 is the centre (the programme's value, or
    the middle of the areas' range where there is no programme value to compare with, as for
    counts), ±1 the farther of the areas' range and the area's own interval (so an area similar
    to the programme is never drawn at an end only because few areas have a figure); flipped
    where lower is better, so right is always better (or higher, where the indicator has no
    polarity)."""
    out = pd.DataFrame(index=frame.index)
    centre = spine_centre(frame)
    ends = [numbers(frame, c) for c in ("min", "max", "lower", "upper")]
    half = np.abs(ends[0] - centre)
    for e in ends[1:]:
        half = np.fmax(half, np.abs(e - centre))
    half = np.where(np.isfinite(half) & (half > 0), half, 1.0)
    sign = np.where(frame["polarity"].to_numpy() == LOWER, -1.0, 1.0)
    for column in columns:
        out[column] = sign * (numbers(frame, column) - centre) / half
    return out


def spine_centre(frame: pd.DataFrame) -> np.ndarray:
    """The spine's centre per row: the programme's value, or for counts the areas' median."""
    prog = numbers(frame, "programme")
    q = (numbers(frame, "q25") + numbers(frame, "q75")) / 2
    counts = frame["kind"].to_numpy() == "count"
    result: np.ndarray = np.where(counts | ~np.isfinite(prog), q, prog)
    return result


def numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A column as floats (NaN where missing or not a number; all NaN if there is no column)."""
    if column not in frame:
        return np.full(len(frame), np.nan)
    values: np.ndarray = pd.to_numeric(frame[column], errors="coerce").astype(float).to_numpy()
    return values


# --- the figure ------------------------------------------------------------------------------


def spine_figure(
    frame: pd.DataFrame,
    area_name: str,
    compare_names: dict[str, str],
    *,
    benchmark_label: str = "Programme",
) -> Figure:
    """One row per indicator: the areas' range (lowest to highest, and the middle half) as grey
    bars, the programme's value at the centre, the area as a marker whose symbol says its
    comparison, the comparison areas as open markers; the area's and the programme's figures
    are written at the right of each row. ``benchmark_label``: what the centre is, where the
    frame's ``programme`` column holds a group benchmark ("Statistical neighbours")."""
    if frame.empty:
        return make_figure([], {})
    names = np.array(frame["name"].tolist(), dtype=object)
    pos = spine_positions(
        frame,
        ["min", "q25", "q75", "max", "value", "programme", *(f"value:{c}" for c in compare_names)],
    )
    data = [
        *_range_bars(names, pos),
        _programme_marker(frame, names, pos, benchmark_label),
        *_compare_markers(frame, names, pos, compare_names),
        *_area_markers(frame, names, pos, area_name),
    ]
    return make_figure(data, _layout(frame, area_name, benchmark_label))


def _range_bars(names: np.ndarray, pos: pd.DataFrame) -> list[dict[str, Any]]:
    """The areas' range, lowest to highest, and its middle half (hatched)."""
    have_range = (np.isfinite(pos["min"]) & np.isfinite(pos["max"])).to_numpy()
    lo, q25, q75, hi = (pos[c].to_numpy() for c in ("min", "q25", "q75", "max"))
    hatched = {"shape": "/", "fgcolor": theme.DARK_GREY, "size": 6, "solidity": 0.15}
    bars = []
    for name, start, end, marker in (
        ("Range of areas", lo, hi, {"color": theme.CHART_FEATURES}),
        ("Middle half of areas", q25, q75, {"color": theme.GREY, "pattern": hatched}),
    ):
        # (a bar's base goes as a list, as go.Figure's validator leaves a Series for it)
        bars.append(
            {
                "type": "bar",
                "y": names[have_range].tolist(),
                "base": start[have_range].tolist(),
                "x": (end - start)[have_range],
                "orientation": "h",
                "width": 0.55,
                "name": name,
                "marker": marker,
                "hoverinfo": "skip",
            }
        )
    return bars


def _texts(values: pd.Series, units: list[str], shown: np.ndarray) -> list[str]:
    """Each shown value as text in its row's unit (for hovers)."""
    return [fmt(v, u) for v, u, ok in zip(values, units, shown, strict=True) if ok]


def _programme_marker(
    frame: pd.DataFrame, names: np.ndarray, pos: pd.DataFrame, label: str = "Programme"
) -> dict[str, Any]:
    """The programme at the centre of each row (not for counts: their programme is a total)."""
    ok = (np.isfinite(pos["programme"]) & (frame["kind"] != "count")).to_numpy()
    return {
        "type": "scatter",
        "y": names[ok].tolist(),
        "x": np.zeros(int(ok.sum())),
        "mode": "markers",
        "name": f"{label} (centre)",
        "marker": {
            "symbol": "line-ns-open",
            "size": 26,
            "color": theme.DARK_GREY,
            "line": {"width": 3, "color": theme.DARK_GREY},
        },
        "customdata": _texts(frame["programme"], frame["unit"].tolist(), ok),
        "hovertemplate": f"%{{y}}: {label.lower()} %{{customdata}}<extra></extra>",
    }


def _compare_markers(
    frame: pd.DataFrame, names: np.ndarray, pos: pd.DataFrame, compare_names: dict[str, str]
) -> list[dict[str, Any]]:
    """Each comparison area as open markers of its own symbol and colour."""
    traces = []
    for i, (code, other) in enumerate(compare_names.items()):
        x = pos[f"value:{code}"].to_numpy()
        ok = np.isfinite(x)
        traces.append(
            {
                "type": "scatter",
                "y": names[ok].tolist(),
                "x": x[ok],
                "mode": "markers",
                "name": other,
                "marker": {
                    "symbol": COMPARE_SYMBOLS[i % len(COMPARE_SYMBOLS)],
                    "size": 11,
                    "color": COMPARE_COLOURS[i % len(COMPARE_COLOURS)],
                    "line": {"width": 2},
                },
                "customdata": _texts(frame[f"value:{code}"], frame["unit"].tolist(), ok),
                "hovertemplate": "%{y}: " + other + " %{customdata}<extra></extra>",
            }
        )
    return traces


def _area_markers(
    frame: pd.DataFrame, names: np.ndarray, pos: pd.DataFrame, area_name: str
) -> list[dict[str, Any]]:
    """The area, one trace per comparison with the programme (its symbol says the comparison)."""
    comparison = frame["comparison"].where(frame["comparison"].notna(), None)
    own = pos["value"].to_numpy()
    traces = []
    for comp, (legend, symbol, colour) in COMPARISON_STYLE.items():
        mask = (
            np.isfinite(own)
            & (comparison.isna() if comp is None else comparison == comp).to_numpy()
        )
        if not mask.any():
            continue
        word = legend.split(" ")[0].lower() if comp else "not compared"
        traces.append(
            {
                "type": "scatter",
                "y": names[mask].tolist(),
                "x": own[mask],
                "mode": "markers",
                "name": f"{area_name}: {word}",
                "marker": {
                    "symbol": symbol,
                    "size": 15,
                    "color": colour,
                    "line": {"width": 1.5, "color": "#0B0C0C"},
                },
                "customdata": _texts(frame["value"], frame["unit"].tolist(), mask),
                "hovertemplate": "%{y}: " + area_name + " %{customdata}<extra></extra>",
            }
        )
    return traces


def _cell_text(value: object, unit: str, status: object) -> str:
    if isinstance(status, str) and status:
        return f"[{status}]"
    text = fmt(value, unit)
    return text or "[x]"


def _figures_written(
    frame: pd.DataFrame, area_name: str, label: str = "Programme"
) -> list[dict[str, Any]]:
    """The area's and the programme's figures at the right of each row, under headings."""
    annotations = []
    for name, value, unit, status, prog, prog_status, kind in zip(
        frame["name"],
        frame["value"],
        frame["unit"],
        frame["status"],
        frame["programme"],
        frame["programme_status"],
        frame["kind"],
        strict=True,
    ):
        prog_text = "(total)" if kind == "count" else _cell_text(prog, unit, prog_status)
        for shift, text in (
            (_AREA_SHIFT, _cell_text(value, unit, status)),
            (_PROGRAMME_SHIFT, prog_text),
        ):
            annotations.append(
                {
                    "x": 1,
                    "xshift": shift,
                    "y": name,
                    "xref": "paper",
                    "yref": "y",
                    "text": text,
                    "showarrow": False,
                    "xanchor": "left",
                }
            )
    short = area_name if len(area_name) <= 12 else area_name[:11] + "…"
    heading = label if len(label) <= 12 else label.split()[-1].capitalize()
    for shift, text in ((_AREA_SHIFT, f"<b>{short}</b>"), (_PROGRAMME_SHIFT, f"<b>{heading}</b>")):
        annotations.append(
            {
                "x": 1,
                "xshift": shift,
                "y": 1.0,
                "xref": "paper",
                "yref": "paper",
                "text": text,
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "bottom",
            }
        )
    return annotations


def _two_lines(name: str) -> str:
    """A long row label broken after its colon ("Recovery:<br>wellbeing (SWEMWBS)")."""
    head, colon, tail = name.partition(": ")
    return f"{head}:<br>{tail}" if colon and len(name) > 24 else name


def _centre_words(label: str) -> str:
    """The centre tick's words, on two lines when long ("Statistical<br>neighbours"): on one
    line they ran into "Worse" and "Better" on a tablet."""
    head, space, tail = label.partition(" ")
    return f"{head}<br>{tail}" if space and len(label) > 10 else label


def _height(names: list[str]) -> int:
    """The figure's height: a row per indicator (two-line labels a little taller), the axis, and
    room for the key below, which wraps to one entry a line on a tablet: without that room the
    key took the rows' space and two-line labels ran into each other at 768 px."""
    two_line = sum("<br>" in _two_lines(n) for n in names)
    return _ROW_HEIGHT * len(names) + _TWO_LINE_EXTRA * two_line + _AXIS_AND_KEY


def _layout(frame: pd.DataFrame, area_name: str, label: str = "Programme") -> dict[str, object]:
    # (an axis title of None is no title: the key is left out, as go.Figure leaves it out)
    names = frame["name"].tolist()
    return {
        "barmode": "overlay",
        "height": _height(names),
        "annotations": _figures_written(frame, area_name, label),
        "margin": {"l": 8, "r": _RIGHT_MARGIN, "t": 40, "b": 8},
        "hovermode": "closest",
        "legend": {
            "orientation": "h",
            "yanchor": "top",
            "y": -0.1,
            "xanchor": "left",
            "x": 0,
            # (entries as wide as their words, not a share of a plot that is narrow on a
            # tablet: the entries overprinted there)
            "font": {"size": 13},
        },
        "xaxis": {
            "range": [-1.18, 1.18],
            "tickvals": [-1, 0, 1],
            "ticktext": ["Worse<br>(or lower)", _centre_words(label), "Better<br>(or higher)"],
            "tickangle": 0,
            "zeroline": False,
            "showgrid": False,
            "fixedrange": True,
        },
        "yaxis": {
            "type": "category",
            "categoryorder": "array",
            "categoryarray": names,
            "autorange": "reversed",
            "fixedrange": True,
            # the row labels take the room they need (they were clipped on the left), long ones
            # on two lines, so the plot keeps some width on a tablet
            "automargin": True,
            "tickvals": names,
            "ticktext": [_two_lines(n) for n in names],
        },
    }
