"""Figure builders: tidy engine rows in, a plotly figure dict out (never plotly.express).

A builder returns ``{"data": [trace dicts], "layout": {...}}`` with the default template in its
layout: what ``go.Figure(...).to_dict()`` would hold, without plotly's validation of every property
on each ``add_trace`` / ``update_layout`` (most of a figure's cost). dcc.Graph takes the dict as it
is; ``as_figure`` makes a ``go.Figure`` of it (which validates it: the tests do), ``to_wire`` the
JSON-ready form (numpy arrays as plotly's typed arrays, as ``go.Figure.to_dict`` writes them).

Colours come only from the template (``dashboard.theme``): its colorway, or a named theme colour
where a colour carries a fixed meaning (the programme, a comparison). Every meaning colour carries
is also written (labels, tick text, legend names) or drawn (marker symbols, dash patterns, bar
patterns), and every number is on the chart or in the table twin, not only in a hover.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.utils import to_typed_array_spec
from plotly.basedatatypes import BaseFigure

from dashboard import theme
from dashboard.present.words import category_label, fmt, period_label
from lfo.indicators import funnel
from lfo.indicators.definitions import HIGHER, LOWER, Indicator, indicators
from lfo.terms import PROGRAMME

PROGRAMME_LABEL = "Programme (all areas)"
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
STAGES = ("referred", "offered", "started", "completed")

#: How a comparison with the programme is drawn: legend words, symbol and theme colour.
COMPARISON_STYLE: dict[str | None, tuple[str, str, str]] = {
    "worse": ("Worse than the programme", "square", theme.DARK_PINK),
    "lower": ("Lower than the programme", "triangle-down", theme.DARK_PINK),
    "similar": ("Similar to the programme", "circle", theme.DARK_GREY),
    "better": ("Better than the programme", "diamond", theme.DARK_BLUE),
    "higher": ("Higher than the programme", "triangle-up", theme.DARK_BLUE),
    None: ("Not compared", "circle-open", theme.DARK_GREY),
}


# --- shared pieces -------------------------------------------------------------------------------


def _indicator(rows: pd.DataFrame) -> Indicator | None:
    if "indicator" not in rows or rows.empty:
        return None
    return indicators().get(str(rows["indicator"].iloc[0]))


def _unit_of(rows: pd.DataFrame, default: str = "%") -> str:
    ind = _indicator(rows)
    return ind.unit if ind is not None else default


def _texts(values: pd.Series | np.ndarray, unit: str) -> list[str]:
    return [fmt(v, unit) for v in values]


def _num(rows: pd.DataFrame, column: str) -> np.ndarray:
    if column not in rows:
        return np.full(len(rows), np.nan)
    return pd.to_numeric(rows[column], errors="coerce").astype(float).to_numpy()


def _shown(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows with a figure: no status (c / x / z) and a value."""
    status = rows["status"].astype(object) if "status" in rows else pd.Series(None, rows.index)
    return rows[status.isna().to_numpy() & np.isfinite(_num(rows, "value"))]


def _last_period(rows: pd.DataFrame) -> pd.DataFrame:
    if "period" not in rows or rows["period"].nunique() <= 1:
        return rows
    return rows[rows["period"] == rows["period"].iloc[-1]]


def _axis_title(unit: str) -> str:
    u = unit.strip()
    return "Per cent" if u.startswith("%") else u[:1].upper() + u[1:]


def _error(values: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> dict:
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


#: A figure as plotly's dict: ``{"data": [...], "layout": {...}}`` (see the module docstring).
Figure = dict[str, Any]

_template_json: list = [None, None]  # [the default template object, its JSON dict]


def _template() -> dict | None:
    """The default template as ``go.Figure`` puts it in a new figure's layout (made once per
    template object; every figure shares the dict, which nothing changes)."""
    name = pio.templates.default
    if name is None:
        return None
    template = pio.templates[name]
    if _template_json[0] is not template:
        _template_json[:] = [template, go.Figure().to_dict()["layout"].get("template")]
    return _template_json[1]


def make_figure(data: list[dict], layout: dict[str, object]) -> Figure:
    template = _template()
    if template is not None and "template" not in layout:
        layout = {"template": template, **layout}
    return {"data": data, "layout": layout}


def _base_layout(data: list[dict], **extra: object) -> Figure:
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


class Wired(dict):
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
                "bdata": base64.b64encode(np.ascontiguousarray(value)).decode("ascii"),
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


def layout_of(fig: Figure | go.Figure) -> dict:
    """The layout of a figure dict or ``go.Figure`` as a dict (for reading a property)."""
    return fig.to_dict()["layout"] if isinstance(fig, BaseFigure) else fig.get("layout", {})


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


# --- builders ------------------------------------------------------------------------------------


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
    data: list[dict] = []
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
        hover = [
            f"{fmt(v, unit)}"
            + (
                f" ({fmt(lo, unit)} to {fmt(hi, unit)})"
                if np.isfinite(lo) and np.isfinite(hi)
                else ""
            )
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
        data.append(
            {
                "type": "scatter",
                "x": x_labels,
                "y": values,
                "name": name,
                "mode": "lines+markers",
                "line": line,
                "marker": marker,
                "error_y": _error(values, lower, upper),
                "customdata": hover,
                "connectgaps": False,
                "hovertemplate": "%{x}: %{customdata}<extra>" + name + "</extra>",
            }
        )
    yaxis: dict[str, object] = {"title": {"text": _axis_title(unit)}, "rangemode": "tozero"}
    if unit.strip().startswith("%"):
        yaxis["ticksuffix"] = "%"
    all_values = _num(rows, "upper")
    top = float(np.nanmax(np.concatenate([all_values, _num(rows, "value"), [0.0]])))
    annotations = [
        {
            "x": x,
            "y": y,
            "text": label,
            "showarrow": False,
            "xanchor": "left",
            "xshift": 10,
            "yshift": shift,
            "font": {"size": 14},
        }
        for x, y, label, shift in _spread_labels(ends, top)
    ]
    # plotly's autorange makes room for the labels (annotations on the x axis) inside the plot
    extra = {"annotations": annotations} if annotations else {}
    return _base_layout(
        data, **extra, xaxis={"title": {"text": "Quarter"}, "type": "category"}, yaxis=yaxis
    )


def _lines_by_area(rows: pd.DataFrame, periods: list) -> Callable[[str], tuple]:
    """Per area code: its value, lower and upper arrays, status texts ("" for none), whether
    it has no status, and area names over ``periods`` (the last row of a repeated period; a period without a row is NaN,
    "" and NaN), as ``rows[rows.area_code == code].drop_duplicates("period", keep="last")
    .set_index("period").reindex(periods)`` gives them, from one pass over ``rows``."""
    own = rows.drop_duplicates(["area_code", "period"], keep="last")
    where = {p: k for k, p in enumerate(periods)}
    at = np.array([where[p] for p in own["period"]], dtype=np.intp)
    value, lower, upper = _num(own, "value"), _num(own, "lower"), _num(own, "upper")
    status = (
        own["status"].astype(object).to_numpy()
        if "status" in own
        else np.full(len(own), None, dtype=object)
    )
    names = own["area_name"].astype(object).to_numpy()
    rows_of = own.groupby("area_code", sort=False).indices
    n = len(periods)

    def line(code: str) -> tuple:
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


def _spread_labels(
    ends: list[tuple[str, float, str]],
    top: float,
    plot_px: float = 320,
    gap_px: float = 18,
    bottom: float = 0.0,
) -> list[tuple[str, float, str, float]]:
    """End-of-line labels pushed apart vertically (``yshift`` in pixels) where lines end close
    together, so no label hides another. Assumes a y axis from 0 to ``top`` over ``plot_px``."""
    scale = plot_px / (top - bottom) if top > bottom else 1.0
    out: list[tuple[str, float, str, float]] = []
    for x in dict.fromkeys(e[0] for e in ends):
        group = sorted((e for e in ends if e[0] == x), key=lambda e: e[1])
        placed: list[float] = []
        for _, y, label in group:
            px = y * scale
            if placed and px < placed[-1] + gap_px:
                px = placed[-1] + gap_px
            placed.append(px)
            out.append((x, y, label, px - y * scale))
    return out


def caterpillar(rows: pd.DataFrame, *, highlight: str | None = None) -> Figure:
    """Areas ordered by value (highest at the top) with interval whiskers and the programme as a
    vertical line. Each tick label says the comparison in words; suppressed areas are left out."""
    rows = _last_period(rows)
    unit = _unit_of(rows)
    areas = _shown(rows[rows["area_code"] != PROGRAMME])
    if areas.empty:
        return empty_figure("No area has a figure for the period chosen.")
    areas = areas.assign(_v=_num(areas, "value")).sort_values(["_v", "area_name"], kind="stable")
    comparison = (
        areas["comparison"].astype(object).where(areas["comparison"].notna(), None)
        if "comparison" in areas
        else pd.Series(None, index=areas.index, dtype=object)
    )
    labels = []
    for code, name, comp in zip(areas["area_code"], areas["area_name"], comparison, strict=True):
        label = f"{name} ({comp})" if comp else str(name)
        labels.append(f"<b>{label}</b>" if code == highlight else label)
    # each comparison's areas picked out of whole-column arrays (in the sorted order)
    comps = comparison.to_numpy(dtype=object)
    no_comp = pd.isna(comps)
    label_array = np.array(labels, dtype=object)
    codes = areas["area_code"].to_numpy(dtype=object)
    values, lowers, uppers = _num(areas, "value"), _num(areas, "lower"), _num(areas, "upper")
    data: list[dict] = []
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
                "mode": "markers+text",
                "name": legend,
                "marker": {
                    "symbol": symbol,
                    "size": np.where(big, 15, 11).tolist(),
                    "color": colour,
                    "opacity": 1,
                    "line": {"width": np.where(big, 3, 0).tolist(), "color": colour},
                },
                "error_x": {**_error(v, lo, hi), "color": colour},
                "text": _texts(v, unit),
                "textposition": "top center",
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
    bench = _programme_value(rows)
    extra: dict[str, object] = {}
    if bench is not None:
        line = {"dash": "dash", "color": theme.DARK_GREY, "width": 2}
        # what fig.add_vline draws: a line across the y axis's domain at x
        extra["shapes"] = [
            {
                "type": "line",
                "x0": bench,
                "x1": bench,
                "xref": "x",
                "y0": 0,
                "y1": 1,
                "yref": "y domain",
                "line": dict(line),
            }
        ]
        data.append(
            {
                "type": "scatter",
                "x": [None],
                "y": [None],
                "mode": "lines",
                "line": line,
                "name": f"Programme {fmt(bench, unit)}",
                "hoverinfo": "skip",
            }
        )
    xaxis: dict[str, object] = {"title": {"text": _axis_title(unit)}}
    if unit.strip().startswith("%"):
        xaxis["ticksuffix"] = "%"
    order = list(labels)
    return _base_layout(
        data,
        **extra,
        xaxis=xaxis,
        height=max(320, 34 * len(areas) + 160),
        yaxis={"type": "category", "categoryorder": "array", "categoryarray": order},
    )


def _programme_value(rows: pd.DataFrame) -> float | None:
    prog = rows[rows["area_code"] == PROGRAMME]
    values = _num(prog, "value")
    if len(values) and np.isfinite(values[0]):
        return float(values[0])
    bench = _num(rows, "benchmark")
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
    rows = _last_period(rows)
    ind = _indicator(rows)
    unit = ind.unit if ind else "%"
    polarity = ind.polarity if ind else HIGHER
    areas = _shown(rows[rows["area_code"] != PROGRAMME])
    areas = areas[_num(areas, "denominator") > 0]
    if areas.empty:
        return empty_figure("No area has a figure for the period chosen.")
    values = _num(areas, "value")
    num, den = _num(areas, "numerator"), _num(areas, "denominator")
    bench = _programme_value(rows)
    p = bench / 100 if bench is not None else funnel.baseline(num, den)
    lo_axis, hi_axis = funnel.axis_range(den, axis_variation=True)
    limits = funnel.limits_at(p, funnel.populations(lo_axis, hi_axis))
    data: list[dict] = []
    pop = limits["population"].to_numpy()
    # the y axis shows the areas and the limits where the areas are, not the limits' full
    # sweep to 0% and 100% at tiny denominators
    at_smallest = funnel.limits_at(p, [float(den.min())])
    y_span = (
        max(0.0, float(min(values.min(), at_smallest["lower_998"].iloc[0]))),
        min(100.0, float(max(values.max(), at_smallest["upper_998"].iloc[0]))),
    )
    pad = max(1.0, 0.08 * (y_span[1] - y_span[0]))
    y_span = (max(0.0, y_span[0] - pad), min(100.0, y_span[1] + pad))
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
    annotations = [
        {
            "x": x,
            "y": y,
            "text": label,
            "showarrow": False,
            "xanchor": "left",
            "yshift": shift,
            "font": {"size": 12},
        }
        for x, y, label, shift in _spread_labels(
            ends, y_span[1], plot_px=360, gap_px=15, bottom=y_span[0]
        )
    ]
    labels = funnel.significance(num, den, p)
    words = [_SIG_WORDS.get(str(label), (None, "not tested")) for label in labels]
    comps = [_funnel_word(d, polarity) for d, _ in words]
    big = (areas["area_code"] == highlight).to_numpy()
    texts = [
        f"{n} ({c})" if w != "within the 95% limits" else str(n)
        for n, c, (_, w) in zip(areas["area_name"], comps, words, strict=True)
    ]
    positions = place_labels(den, values, texts, (0.0, float(hi_axis)), y_span)
    texts = [f"<b>{t}</b>" if b else t for t, b in zip(texts, big, strict=True)]
    groups = pd.DataFrame({"comp": comps, "where": [w for _, w in words]})
    for (comp, where), idx in groups.groupby(["comp", "where"], sort=False).groups.items():
        legend, symbol, colour = COMPARISON_STYLE.get(comp, COMPARISON_STYLE[None])
        if where == "beyond the 95% limit":
            symbol = f"{symbol}-open"
        k = list(idx)  # positions (the groups frame has a range index)
        v = values[k]
        data.append(
            {
                "type": "scatter",
                "x": den[k],
                "y": v,
                "mode": "markers+text",
                "name": f"{legend.split(' than')[0].split(' to')[0]} ({where})",
                "marker": {
                    "symbol": symbol,
                    "color": colour,
                    "size": np.where(big[k], 15, 11).tolist(),
                    "opacity": 1,
                    "line": {"width": 2, "color": colour},
                },
                "text": [texts[j] for j in k],
                "textposition": [positions[j] for j in k],
                "textfont": {"size": 13},
                "cliponaxis": False,
                "customdata": [f"{fmt(x, unit)}, {comp} ({where})" for x in v],
                "hovertemplate": "%{text}: %{customdata}; denominator %{x:,}<extra></extra>",
            }
        )
    yaxis: dict[str, object] = {"title": {"text": _axis_title(unit)}, "range": list(y_span)}
    if unit.strip().startswith("%"):
        yaxis["ticksuffix"] = "%"
    denominator = ind.denominator if ind else "Denominator"
    return _base_layout(
        data,
        annotations=annotations,
        xaxis={"title": {"text": f"Denominator: {denominator}"}, "rangemode": "tozero"},
        yaxis=yaxis,
        margin={"l": 8, "r": 110, "t": 48, "b": 8},
        height=520,
    )


_POSITIONS = (
    "top center",
    "bottom center",
    "middle right",
    "middle left",
    "top right",
    "bottom right",
    "top left",
    "bottom left",
)


def place_labels(
    x: np.ndarray,
    y: np.ndarray,
    texts: Sequence[str],
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    size_px: tuple[float, float] = (900, 360),
    font_px: float = 13,
) -> list[str]:
    """A ``textposition`` per point chosen so labels overlap neither each other nor the markers
    (greedy, in an assumed plot of ``size_px``); "top center" where nothing fits."""
    (x0, x1), (y0, y1) = x_range, y_range
    sx = size_px[0] / (x1 - x0) if x1 > x0 else 1.0
    sy = size_px[1] / (y1 - y0) if y1 > y0 else 1.0
    px = (np.asarray(x, float) - x0) * sx
    py = (np.asarray(y, float) - y0) * sy
    markers = np.column_stack([px - 6, py - 6, px + 6, py + 6])
    placed = np.empty((len(texts), 4))  # the boxes placed so far
    out = ["top center"] * len(texts)

    def box(a: float, b: float, w: float, h: float, pos: str) -> tuple[float, ...]:
        vertical, horizontal = pos.split()
        left = {"center": a - w / 2, "right": a + 8, "left": a - 8 - w}[horizontal]
        bottom = {"top": b + 8, "bottom": b - 8 - h, "middle": b - h / 2}[vertical]
        return (left, bottom, left + w, bottom + h)

    def clash(r: tuple[float, ...], others: list) -> bool:
        return any(r[0] < o[2] and o[0] < r[2] and r[1] < o[3] and o[1] < r[3] for o in others)

    def near(boxes: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        """The boxes that reach into (x0, x1) × (y0, y1): every box a label there could hit."""
        return (boxes[:, 2] > x0) & (boxes[:, 0] < x1) & (boxes[:, 3] > y0) & (boxes[:, 1] < y1)

    for n_placed, i in enumerate(np.argsort(py)[::-1]):
        w, h = 0.62 * font_px * len(str(texts[i])), 1.25 * font_px
        # every position's box lies in this region (a pixel wider each way): only the markers
        # and labels reaching into it are compared, box by box, as before
        region = (px[i] - 9 - w, py[i] - 9 - h, px[i] + 9 + w, py[i] + 9 + h)
        close = near(markers, *region)
        close[i] = False  # a point's own marker is not in its label's way
        own = markers[close].tolist()
        done = placed[:n_placed]
        others = done[near(done, *region)].tolist()
        for pos in _POSITIONS:
            r = box(px[i], py[i], w, h, pos)
            inside = r[0] >= 0 and r[2] <= size_px[0]
            if inside and not clash(r, others) and not clash(r, own):
                out[i] = pos
                placed[n_placed] = r
                break
        else:
            placed[n_placed] = box(px[i], py[i], w, h, "top center")
    return out


def stage_funnel(rows: pd.DataFrame) -> Figure:
    """Referred → offered → started → completed: a bar per stage with its count and the
    percentage of the previous stage written on it (one bar group per area, patterned)."""
    if rows.empty:
        return empty_figure("No figures for the area and period chosen.")
    rows = _last_period(rows)
    data: list[dict] = []
    for i, (code, own) in enumerate(rows.groupby("area_code", sort=False)):
        own = own.set_index(own["category"].astype(str)).reindex(list(STAGES))
        counts, pct = _num(own, "numerator"), _num(own, "value")
        status = (
            own["status"].astype(object).fillna("").tolist() if "status" in own else [""] * len(own)
        )
        text = []
        for k, (c, p, s) in enumerate(zip(counts, pct, status, strict=True)):
            if not np.isfinite(c):
                text.append(f"[{s or 'x'}]")
                continue
            label = fmt(c, "count")
            if k and np.isfinite(p):
                label += f"<br>{fmt(p, '%')} of {STAGES[k - 1]}"
            text.append(label)
        name = (
            PROGRAMME_LABEL
            if code == PROGRAMME
            else str(own["area_name"].dropna().iloc[0])
            if own["area_name"].notna().any()
            else code
        )
        data.append(
            {
                "type": "bar",
                "x": [s.title() for s in STAGES],
                "y": np.where(np.isfinite(counts), counts, 0),
                "name": name,
                "text": text,
                "textposition": "outside",
                "cliponaxis": False,
                "constraintext": "none",
                "marker": {"pattern": {"shape": PATTERNS[i % len(PATTERNS)]}},
                "hovertemplate": "%{x}: %{text}<extra>" + name + "</extra>",
            }
        )
    return _base_layout(
        data,
        barmode="group",
        xaxis={"title": {"text": "Stage"}},
        yaxis={"title": {"text": "Parents"}, "rangemode": "tozero"},
        showlegend=rows["area_code"].nunique() > 1,
    )


def bars_vs_programme(rows: pd.DataFrame, *, categories_label: str) -> Figure:
    """Each category's percentage for the area(s) beside the programme's (patterned), with
    intervals and the value written on each bar; a suppressed figure shows ``[c]`` at zero."""
    if rows.empty:
        return empty_figure("No figures for the area and period chosen.")
    rows = _last_period(rows)
    unit = _unit_of(rows)
    categories = list(dict.fromkeys(rows["category"].astype(object).tolist()))
    y_labels = [category_label(c) or "All" for c in categories]
    codes = [c for c in dict.fromkeys(rows["area_code"]) if c != PROGRAMME]
    if (rows["area_code"] == PROGRAMME).any():
        codes.append(PROGRAMME)
    data: list[dict] = []
    for i, code in enumerate(codes):
        own = rows[rows["area_code"] == code].drop_duplicates("category", keep="last")
        own = own.set_index(own["category"].astype(object)).reindex(categories)
        v, lo, hi = _num(own, "value"), _num(own, "lower"), _num(own, "upper")
        status = (
            own["status"].astype(object).fillna("").tolist() if "status" in own else [""] * len(own)
        )
        text = [
            fmt(x, unit) if np.isfinite(x) else f"[{s or 'x'}]"
            for x, s in zip(v, status, strict=True)
        ]
        is_prog = code == PROGRAMME
        name = (
            PROGRAMME_LABEL
            if is_prog
            else str(own["area_name"].dropna().iloc[0])
            if own["area_name"].notna().any()
            else code
        )
        marker: dict[str, object] = {"pattern": {"shape": PATTERNS[i % len(PATTERNS)]}}
        error = _error(v, lo, hi)
        if is_prog:
            # light grey, hatched and outlined: told apart from the areas without colour
            marker = {
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
                "insidetextanchor": "start",
                # a missing or zero-length bar writes its [c] / 0% beside the axis
                "textposition": ["auto" if np.isfinite(x) and x > 0 else "outside" for x in v],
                "cliponaxis": False,
                "marker": marker,
                "hovertemplate": "%{y}: %{text}<extra>" + name + "</extra>",
            }
        )
    xaxis: dict[str, object] = {"title": {"text": _axis_title(unit)}, "rangemode": "tozero"}
    if unit.strip().startswith("%"):
        xaxis["ticksuffix"] = "%"
    return _base_layout(
        data,
        barmode="group",
        xaxis=xaxis,
        yaxis={"title": {"text": categories_label}, "autorange": "reversed", "type": "category"},
        height=max(320, 28 * len(categories) * max(1, len(codes)) + 140),
    )


def series_names(fig: Figure | go.Figure) -> Sequence[str]:
    """The trace names of a figure (for tests and summaries)."""
    if isinstance(fig, BaseFigure):
        return [t.name for t in fig.data]
    return [t.get("name") for t in fig["data"]]
