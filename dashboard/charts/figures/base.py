"""What every figure builder shares: the figure dict, its styles and how rows are read.

A builder (``lines``, ``ranking``, ``bars``) returns ``{"data": [trace dicts], "layout": {...}}``
with the default template in its layout: what ``go.Figure(...).to_dict()`` would hold, without
plotly's validation of every property on each ``add_trace`` / ``update_layout`` (most of a figure's
cost). dcc.Graph takes the dict as it is; ``as_figure`` makes a ``go.Figure`` of it (which validates
it: the tests do), ``to_wire`` the JSON-ready form (numpy arrays as plotly's typed arrays, as
``go.Figure.to_dict`` writes them).

Colours come only from the template (``dashboard.theme``): its colorway, a named theme colour
where a colour carries a fixed meaning (the programme, a comparison), or a series' fixed style
(``series_styles``: an area or intervention looks the same on every page and for every period). Every meaning colour carries
is also written (labels, tick text, legend names) or drawn (marker symbols, dash patterns, bar
patterns), and every number is on the chart or in the table twin, not only in a hover.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.utils import to_typed_array_spec
from plotly.basedatatypes import BaseFigure

from dashboard import theme
from lfo.indicators.definitions import indicators
from lfo.indicators.indicator import Indicator
from lfo.terms import PROGRAMME, PROGRAMME_LABEL

#: How the programme is named where it stands beside the areas (legends, table twins).
SYMBOLS = (
    "circle",
    "square",
    "diamond",
    "triangle-up",
    "triangle-down",
    "star",
    "hexagon",
    "cross",
    "pentagon",
    "x",
)
DASHES = ("solid", "dot", "dashdot", "longdashdot", "longdash", "solid")
PATTERNS = ("", "/", ".", "x", "\\", "+")


@dataclass(frozen=True)
class SeriesStyle:
    """How one series (an area, an intervention) is drawn: colour, marker, line and bar pattern."""

    color: str
    symbol: str
    dash: str
    pattern: str


#: The styles a series can take: colour, marker, dash and pattern each cycle on their own, so
#: neighbouring styles differ in all four (30 in all).
_STYLES = [
    SeriesStyle(
        theme.CATEGORICAL[k % len(theme.CATEGORICAL)],
        SYMBOLS[k % len(SYMBOLS)],
        DASHES[k % len(DASHES)],
        PATTERNS[k % len(PATTERNS)],
    )
    for k in range(30)
]


def series_styles(keys: Sequence[str]) -> dict[str, SeriesStyle]:
    """A fixed style per series key (an area's GSS code, an intervention's code), the same on
    every page and for every period: each key's own style comes from its code (CRC-32, so it
    does not depend on which other series are drawn or in what order). Within one chart, series
    differ in marker, colour and dash while there are enough of each to go round (so never by
    colour alone); the later key (in code order) takes the next style that keeps it so."""
    out: dict[str, SeriesStyle] = {}
    taken: list[SeriesStyle] = []
    for key in sorted(dict.fromkeys(keys)):
        start = zlib.crc32(key.encode("utf-8")) % len(_STYLES)
        order = [_STYLES[(start + j) % len(_STYLES)] for j in range(len(_STYLES))]
        out[key] = _first_apart(order, taken)
        taken.append(out[key])
    return out


def _first_apart(order: list[SeriesStyle], taken: list[SeriesStyle]) -> SeriesStyle:
    """The first style in ``order`` unlike every taken one in marker, colour and dash; else in
    marker; else any style not taken; else the first."""
    for attrs in (("symbol", "color", "dash"), ("symbol",), ()):
        for style in order:
            if style not in taken and all(
                getattr(style, a) not in {getattr(t, a) for t in taken} for a in attrs
            ):
                return style
    return order[0]


#: How a comparison with the programme is drawn: legend words, symbol and theme colour.
COMPARISON_STYLE: dict[str | None, tuple[str, str, str]] = {
    "worse": ("Worse than the programme", "square", theme.ORANGE),
    "lower": ("Lower than the programme", "triangle-down", theme.ORANGE),
    "similar": ("Similar to the programme", "circle", theme.DARK_GREY),
    "better": ("Better than the programme", "diamond", theme.DARK_BLUE),
    "higher": ("Higher than the programme", "triangle-up", theme.DARK_BLUE),
    None: ("Not compared", "circle-open", theme.DARK_GREY),
}


# --- reading engine rows -------------------------------------------------------------------------


def row_indicator(rows: pd.DataFrame) -> Indicator | None:
    if "indicator" not in rows or rows.empty:
        return None
    return indicators().get(str(rows["indicator"].iloc[0]))


def unit_of(rows: pd.DataFrame, default: str = "%") -> str:
    ind = row_indicator(rows)
    return ind.unit if ind is not None else default


def interval_key(rows: pd.DataFrame, ci: float | None) -> list[Trace]:
    """The legend's entry for the lines drawn through the points or bars, naming what they are:
    "Line: 95% confidence interval" at the level ``ci`` the figures were made at, or "Line:
    interquartile range" for a median (at any level). None where no row has an interval, or
    where the level is not given for a confidence interval."""
    ind = row_indicator(rows)
    lower, upper = numbers(rows, "lower"), numbers(rows, "upper")
    if not (np.isfinite(lower) & np.isfinite(upper)).any():
        return []
    if ind is not None and (ind.kind == "median" or ind.interval_method == "interquartile range"):
        name = "Line: interquartile range"
    elif ci is not None:
        name = f"Line: {float(ci):g}% confidence interval"
    else:
        return []
    return [
        {
            "type": "scatter",
            "x": [None],
            "y": [None],
            "mode": "markers",
            "marker": {
                "symbol": "line-ew-open",
                "size": 16,
                "color": theme.DARK_GREY,
                "line": {"width": 2, "color": theme.DARK_GREY},
            },
            "name": name,
            "hoverinfo": "skip",
            "showlegend": True,
        }
    ]


def numbers(rows: pd.DataFrame, column: str) -> np.ndarray:
    if column not in rows:
        return np.full(len(rows), np.nan)
    values: np.ndarray = pd.to_numeric(rows[column], errors="coerce").astype(float).to_numpy()
    return values


def shown(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows with a figure: no status (c / x / z) and a value."""
    status = rows["status"].astype(object) if "status" in rows else pd.Series(None, rows.index)
    return rows[status.isna().to_numpy() & np.isfinite(numbers(rows, "value"))]


def last_period(rows: pd.DataFrame) -> pd.DataFrame:
    if "period" not in rows or rows["period"].nunique() <= 1:
        return rows
    return rows[rows["period"] == rows["period"].iloc[-1]]


def axis_title(unit: str) -> str:
    u = unit.strip()
    return "Per cent" if u.startswith("%") else u[:1].upper() + u[1:]


def value_axis(unit: str, **extra: object) -> dict[str, object]:
    """The value axis: titled with the unit (and ``extra``), ticks with a % sign for percentages."""
    axis: dict[str, object] = {"title": {"text": axis_title(unit)}, **extra}
    if unit.strip().startswith("%"):
        axis["ticksuffix"] = "%"
    return axis


def status_texts(rows: pd.DataFrame) -> list[str]:
    """Each row's status code ("" for none)."""
    if "status" not in rows:
        return [""] * len(rows)
    texts: list[str] = rows["status"].astype(object).fillna("").tolist()
    return texts


def area_label(code: str, own: pd.DataFrame) -> str:
    """The legend name of an area's rows ``own``: its name, the programme's label, else the code."""
    if code == PROGRAMME:
        return PROGRAMME_LABEL
    if own["area_name"].notna().any():
        return str(own["area_name"].dropna().iloc[0])
    return code


def error_bars(values: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> dict[str, Any]:
    ok = np.isfinite(lower) & np.isfinite(upper)
    return {
        "type": "data",
        "symmetric": False,
        "visible": bool(ok.any()),
        "array": np.where(ok, upper - values, np.nan),
        "arrayminus": np.where(ok, values - lower, np.nan),
        "thickness": 1.5,
        "width": 4,
    }


# --- the figure dict -----------------------------------------------------------------------------


#: A figure as plotly's dict: ``{"data": [...], "layout": {...}}`` (see the module docstring).
Figure = dict[str, Any]
#: A trace as plotly's dict: ``{"type": "scatter", "x": ..., ...}``.
Trace = dict[str, Any]

_template_json: list[Any] = [None, None]  # [the default template object, its JSON dict]


def _template() -> dict[str, Any] | None:
    """The default template as ``go.Figure`` puts it in a new figure's layout (made once per
    template object; every figure shares the dict, which nothing changes)."""
    name = pio.templates.default
    if name is None:
        return None
    template = pio.templates[name]
    if _template_json[0] is not template:
        _template_json[:] = [template, go.Figure().to_dict()["layout"].get("template")]
    made: dict[str, Any] | None = _template_json[1]
    return made


def make_figure(data: list[Trace], layout: dict[str, object]) -> Figure:
    template = _template()
    if template is not None and "template" not in layout:
        layout = {"template": template, **layout}
    return {"data": data, "layout": layout}


def base_layout(data: list[Trace], **extra: object) -> Figure:
    layout: dict[str, object] = {
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        "margin": {"l": 8, "r": 24, "t": 48, "b": 8},
        "hovermode": "closest",
    }
    layout.update(extra)
    return make_figure(data, layout)


def as_figure(fig: Figure | go.Figure) -> go.Figure:
    """A ``go.Figure`` of a figure dict (validated: an unknown property raises)."""
    return fig if isinstance(fig, BaseFigure) else go.Figure(fig)


class Wired(dict[str, Any]):
    """A figure as ``to_wire`` makes it: plain JSON data only (dicts, lists, strings, numbers,
    typed arrays), which Dash's encoder can give orjson as it is (``card.plain_outputs``)."""


_UNCONVERTED = frozenset({"geojson", "layer", "layers", "range"})


def to_wire(fig: Figure | go.Figure) -> Wired | go.Figure:
    """The figure as Dash sends it: a figure dict copied with its numpy arrays as plotly's typed
    arrays (what ``go.Figure.to_dict`` does); a ``go.Figure`` is left to Dash."""
    if isinstance(fig, BaseFigure):
        return fig

    def walk(value: object) -> object:
        if isinstance(value, dict):
            # plotly leaves arrays under these keys as they are (_plotly_utils.is_skipped_key)
            return {k: v if k in _UNCONVERTED else walk(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [walk(v) for v in value]
        if (
            type(value) is np.ndarray
            and value.dtype == np.float64
            and value.ndim == 1
            and value.size
        ):
            # what to_typed_array_spec makes of it, without its trip through narwhals
            return {
                "dtype": "f8",
                # an ndarray is a buffer (numpy's stubs say so for Python 3.12 and later only)
                "bdata": base64.b64encode(np.ascontiguousarray(value)).decode("ascii"),  # type: ignore[arg-type]
            }
        if isinstance(value, np.ndarray | pd.Series | pd.Index):
            value = to_typed_array_spec(value)
            # what plotly's encoder makes of an array it leaves (empty, text, big integers)
            return value.tolist() if isinstance(value, np.ndarray) else value
        return value

    layout = fig.get("layout", {})
    return Wired(
        {
            "data": walk(fig.get("data", [])),
            "layout": {k: v if k == "template" else walk(v) for k, v in layout.items()},
        }
    )


def layout_of(fig: Figure | go.Figure) -> dict[str, Any]:
    """The layout of a figure dict or ``go.Figure`` as a dict (for reading a property)."""
    layout: dict[str, Any] = (
        fig.to_dict()["layout"] if isinstance(fig, BaseFigure) else fig.get("layout", {})
    )
    return layout


def empty_figure(message: str) -> Figure:
    """A blank figure that says why it is blank (used behind the card's empty state)."""
    return make_figure(
        [],
        {
            "xaxis": {"visible": False},
            "yaxis": {"visible": False},
            "height": 240,
            "annotations": [
                {
                    "text": message,
                    "showarrow": False,
                    "xref": "paper",
                    "yref": "paper",
                    "x": 0.5,
                    "y": 0.5,
                    "font": {"size": 18},
                }
            ],
        },
    )
