"""The chart kit every page uses: cards, figure builders, summaries, table twins and downloads.

A page's layout holds ``chart_card(chart_id, title)``; its callback lists ``card_outputs(chart_id)``
and returns ``render(ChartContent(...))``, with the figure from a ``figures`` builder, the summary
from ``text``, and the table twin's frame from ``table.plotted_table``. ``register(app)`` (called
once by ``create_app``) serves every card's PNG, SVG, CSV and Excel downloads.
"""

from __future__ import annotations

from dashboard.charts.card import (
    ChartContent,
    card_outputs,
    chart_card,
    register,
    render,
)

__all__ = ["ChartContent", "card_outputs", "chart_card", "register", "render"]
