"""Figure builders: tidy engine rows in, a plotly figure dict out (never plotly.express).

One module per kind of chart: ``lines`` (trends), ``ranking`` (caterpillar and funnel plots),
``bars`` (funnel stages, categories beside the programme); what they share (the figure dict, its
styles, reading rows) is in ``base``, label placement in ``labels``. Pages call the builders as
``figures.<builder>(...)``: every public name is importable from here.
"""

from __future__ import annotations

from dashboard.charts.figures.bars import STAGES, bars_vs_programme, stage_funnel
from dashboard.charts.figures.base import (
    COMPARISON_STYLE,
    DASHES,
    PATTERNS,
    SYMBOLS,
    Figure,
    Wired,
    as_figure,
    empty_figure,
    layout_of,
    make_figure,
    to_wire,
)
from dashboard.charts.figures.labels import place_labels, spread_labels, wrap_label
from dashboard.charts.figures.lines import trend_lines
from dashboard.charts.figures.ranking import caterpillar, funnel_plot

__all__ = [
    "COMPARISON_STYLE",
    "DASHES",
    "PATTERNS",
    "STAGES",
    "SYMBOLS",
    "Figure",
    "Wired",
    "as_figure",
    "bars_vs_programme",
    "caterpillar",
    "empty_figure",
    "funnel_plot",
    "layout_of",
    "make_figure",
    "place_labels",
    "spread_labels",
    "stage_funnel",
    "to_wire",
    "trend_lines",
    "wrap_label",
]
