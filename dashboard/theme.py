"""The one Plotly template of the dashboard: every chart colour comes from here.

Colours are the UK Government Analysis Function palettes, transcribed from afcharts-py
(best-practice-and-impact/afcharts-py, ``src/afcharts/config/af_colours.yaml`` and
``src/afcharts/assets/af_colours.py``), which follow
https://analysisfunction.civilservice.gov.uk/policy-store/data-visualisation-colours-in-charts/.
The layout settings follow afcharts' ``theme_af`` Plotly template, without its zoom lock.
"""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

TEMPLATE_NAME = "lfo"

DARK_BLUE = "#12436D"
TURQUOISE = "#28A197"
DARK_PINK = "#801650"
ORANGE = "#F46A25"
DARK_GREY = "#3D3D3D"
LIGHT_PURPLE = "#A285D1"
MID_BLUE = "#2073BC"
LIGHT_BLUE = "#6BACE6"
GREY = "#BFBFBF"
CHART_FEATURES = "#D9D9D9"  # grid lines, axis lines, ticks
AXES_AND_LABELS = "#595959"

#: The text colour of the page and the charts.
TEXT = "#0B0C0C"


def _luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a "#RRGGBB" colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two "#RRGGBB" colours (1 to 21)."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def text_on(fill: str, *, patterned: bool = False) -> str:
    """The text colour (``TEXT`` or white) that reads best on a bar of ``fill``. A patterned bar
    is mostly white with stripes of its colour (plotly's pattern on a clear ground), so its text
    is ``TEXT`` whatever the colour (plotly's own choice went by the colour and wrote white)."""
    if patterned:
        return TEXT
    return TEXT if contrast(TEXT, fill) >= contrast("#FFFFFF", fill) else "#FFFFFF"


#: Categorical palette, in order of use (use at most four where you can).
CATEGORICAL = (DARK_BLUE, TURQUOISE, DARK_PINK, ORANGE, DARK_GREY, LIGHT_PURPLE)
#: Two categories.
DUO = (DARK_BLUE, ORANGE)
#: Highlight one thing against the rest.
FOCUS = (DARK_BLUE, GREY)
#: Low to high.
SEQUENTIAL = ("#092135", DARK_BLUE, MID_BLUE, LIGHT_BLUE, "#ADD1F1")

#: The page's breakpoints (CSS pixels), one home for the stylesheets in ``assets/site`` and the
#: Python that talks about them: below ``PHONE`` (Bootstrap's ``sm``) a phone, where a chart card
#: shows its summary and table before the chart; below ``NARROW`` (Bootstrap's ``md``) a narrow
#: screen (a tablet on end, 200% zoom on a 1366×768 screen), where the page takes the whole width,
#: the header is compact and the area profile's spine is a table. ``SHORT``: the height below which
#: the header is compact too (200% zoom). CSS cannot import these: an ``@media`` rule says
#: ``(max-width: 575.98px)`` for "below 576" (Bootstrap's way, clear of fractional widths) and
#: ``tests/test_breakpoints.py`` checks that every ``@media`` rule in ``assets/site`` uses one of them.
PHONE, NARROW = 576, 768
SHORT = 500
BREAKPOINTS = {"phone": PHONE, "narrow": NARROW}

#: The config of every dcc.Graph: no upload to Plotly's cloud, no logo, nothing leaves the building.
GRAPH_CONFIG: dict[str, object] = {
    "displaylogo": False,
    "modeBarButtonsToRemove": ["sendChartToCloud", "lasso2d", "select2d"],
    "showSendToCloud": False,
    "plotlyServerURL": "",
    "responsive": True,
    "toImageButtonOptions": {"format": "png", "scale": 2},
}

_BASE_SIZE = 16
_HALF_LINE = _BASE_SIZE / 2
_FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif'


def _axis() -> dict[str, object]:
    return {
        "automargin": True,
        "gridcolor": CHART_FEATURES,
        "linecolor": AXES_AND_LABELS,
        "linewidth": 1,
        "tickcolor": AXES_AND_LABELS,
        "ticks": "outside",
        "title": {"standoff": _HALF_LINE / 2},
        "zeroline": True,
        "zerolinecolor": AXES_AND_LABELS,
    }


def build_template() -> go.layout.Template:
    """The template: AF palette, black text, transparent background, light grid."""
    return go.layout.Template(
        layout={
            "autosize": True,
            "colorway": list(CATEGORICAL),
            "colorscale": {
                "sequential": [[i / (len(SEQUENTIAL) - 1), c] for i, c in enumerate(SEQUENTIAL)],
                "diverging": [[0, DARK_PINK], [0.5, "#F2F2F2"], [1, DARK_BLUE]],
            },
            "font": {"color": TEXT, "family": _FONT, "size": _BASE_SIZE},
            "title": {"font": {"size": _BASE_SIZE * 1.25}, "x": 0, "xanchor": "left"},
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
            "bargap": 0.15,
            "bargroupgap": 0.1,
            "hoverlabel": {"align": "left", "bgcolor": "white", "font": {"color": TEXT}},
            "legend": {"bgcolor": "rgba(0,0,0,0)", "borderwidth": 0, "title": {"text": None}},
            "margin": {"l": _HALF_LINE, "r": _HALF_LINE, "t": _HALF_LINE * 4, "b": _HALF_LINE},
            "xaxis": _axis(),
            "yaxis": _axis(),
        },
        data={
            "bar": [go.Bar(marker={"line": {"color": DARK_BLUE, "width": 0}})],
            "scatter": [go.Scatter(line={"width": 2.5})],
        },
    )


def register_template() -> None:
    """Register the template under ``lfo`` and make it the default for every figure."""
    pio.templates[TEMPLATE_NAME] = build_template()
    pio.templates.default = TEMPLATE_NAME
