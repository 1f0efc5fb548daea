"""What every figure builder shares: the figure dict, its styles and how rows are read.

A builder (``lines``, ``ranking``, ``bars``) returns ``{"data": [trace dicts], "layout": {...}}``
with the default template in its layout: what ``go.Figure(...).to_dict()`` would hold, without
plotly's validation of every property on each ``add_trace`` / ``update_layout`` (most of a figure's
cost). dcc.Graph takes the dict as it is; ``as_figure`` makes a ``go.Figure`` of it (which validates
it: the tests do), ``to_wire`` the JSON-ready form (numpy arrays as plotly's typed arrays, as
``go.Figure.to_dict`` writes them).

Colours come only from the template (``dashboard.theme``): its colorway, a named theme colour
where a colour carries a fixed meaning (the programme, a comparison), or a series' fixed style
(``series_styles``: an area or intervention looks the same on every chart, page and period).
The rule: each area and intervention has a fixed style number (the reference list's order,
else a number fixed by its code), and style k is the palette's colour k mod 6, marker k mod 7,
dash k mod 5 and bar pattern k mod 7, so no two of the 210 styles share colour, marker and dash
and a series never moves because of what else a chart draws. Every meaning colour carries
is also written (labels, tick text, legend names) or drawn (marker symbols, dash patterns, bar
patterns), and every number is on the chart or in the table twin, not only in a hover.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
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
from lfo.reference import load_reference
from lfo.terms import PROGRAMME, PROGRAMME_LABEL

#: The markers, line dashes and bar patterns of the series' styles (``series_styles``). Their
#: counts (7, 5, 7) and the palette's 6 colours are chosen so that a style's index fixes all four:
#: colour, marker and dash repeat only together after 6 × 7 × 5 = 210 styles. "dash" and the "/"
#: pattern are left to the programme (``PROGRAMME_STYLE``).
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "triangle-down", "star", "cross")
DASHES = ("solid", "dot", "dashdot", "longdash", "longdashdot")
PATTERNS = ("", "\\", "x", "-", "|", ".", "+")


@dataclass(frozen=True)
class SeriesStyle:
    """How one series (an area, an intervention) is drawn: colour, marker, line and bar pattern."""

    color: str
    symbol: str
    dash: str
    pattern: str


def style_at(k: int) -> SeriesStyle:
    """Style number ``k`` (0 to ``len(STYLES) - 1``): colour, marker and dash each cycle on their
    own (6, 7 and 5 long), the bar pattern with the marker."""
    c = theme.CATEGORICAL
    return SeriesStyle(c[k % len(c)], SYMBOLS[k % 7], DASHES[k % 5], PATTERNS[k % 7])


#: Every style a series can take: no two share colour, marker and dash; two of one colour (their
#: numbers differ by a multiple of 6) differ in marker unless the numbers differ by a multiple of
#: 42, and in dash unless by a multiple of 30 — never both.
STYLES = tuple(style_at(k) for k in range(len(theme.CATEGORICAL) * 7 * 5))

#: The programme where it is drawn as a series (dark grey, dashed, hatched "/").
PROGRAMME_STYLE = SeriesStyle(theme.DARK_GREY, "line-ew-open", "dash", "/")

#: Where the style numbers of areas outside the reference list start, by the first characters of
#: their GSS code, and how many numbers each kind has: a code's style is its kind's start plus
#: the number at its end (``E09000008`` → 8; the national synthetic areas ``E9999nnnn`` → n).
#: Within each kind no two codes share a style; the kinds overlap (a deployment holds one).
_KINDS = {"E9999": (0, 198), "E09": (0, 40), "E08": (40, 40), "E10": (80, 40), "E06": (120, 78)}


@cache
def _fixed_numbers() -> dict[str, int]:
    """The style number of each series with a fixed place: the areas of the reference list in its
    order (0, 1, …), and "all interventions" then each intervention in the reference order."""
    ref = load_reference()
    areas = {code: k for k, code in enumerate(ref.pilot_areas)}
    interventions = {code: k for k, code in enumerate(("all", *ref.interventions))}
    return {**interventions, **areas}


def style_number(key: str) -> int | None:
    """The fixed style number of a series key (see ``series_styles``), or None for a key with none."""
    fixed = _fixed_numbers()
    if key in fixed:
        return fixed[key]
    offset = len(load_reference().pilot_areas)
    for prefix, (start, count) in _KINDS.items():
        tail = key[len(prefix) :]
        if key.startswith(prefix) and len(key) == 9 and tail.isdigit() and int(tail) < count:
            return offset + start + int(tail)
    return None


def series_styles(keys: Sequence[str]) -> dict[str, SeriesStyle]:
    """A style per series key (an area's GSS code, an intervention's code), the same on every
    chart and page whatever else is drawn, in whatever order, for whatever period:

    - the areas of the reference list (``data/reference/areas.csv``) take styles 0, 1, … in its
      order; "all interventions" and the interventions of the reference list likewise;
    - any other area takes a number fixed by its code (``_KINDS``): the national scale's 153
      areas all differ in colour, marker and dash (the programme, dashed grey, is none of them);
    - a key with no fixed number (an unknown code) takes one from its CRC-32.

    Series with fixed numbers never move. Two series in one chart never share colour, marker
    and dash: one that would (only a key without a fixed number, or two areas of different
    kinds) takes the next free style. Two of one colour differ in marker or dash (at pilot
    scale in both), and bar patterns follow the marker, so a chart never tells series apart
    by colour alone; its legend and labels name them."""
    out: dict[str, SeriesStyle] = {}
    taken: set[int] = set()
    numbered = [(k, style_number(k)) for k in dict.fromkeys(keys)]
    ordered = sorted(numbered, key=lambda kn: (kn[1] is None, kn[0]))
    for key, number in ordered:
        if key == PROGRAMME:
            out[key] = PROGRAMME_STYLE
            continue
        k = number if number is not None else zlib.crc32(key.encode("utf-8")) % len(STYLES)
        while k % len(STYLES) in taken and len(taken) < len(STYLES):
            k += 1
        taken.add(k % len(STYLES))
        out[key] = STYLES[k % len(STYLES)]
    return out


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


#: The legend across the top, above the plot (at 2% of the plot's height above it).
LEGEND_ABOVE: dict[str, object] = {
    "orientation": "h",
    "yanchor": "bottom",
    "y": 1.02,
    "xanchor": "left",
    "x": 0,
}


def base_layout(data: list[Trace], **extra: object) -> Figure:
    layout: dict[str, object] = {
        "legend": dict(LEGEND_ABOVE),
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
