"""The chart kit every page uses: cards, figure builders, summaries, table twins and downloads.

A page's layout holds ``chart_card(chart_id, title)``; its callback lists ``card_outputs(chart_id)``
and returns ``render(ChartContent(...))``, with the figure from a ``figures`` builder, the summary
from ``text``, and the table twin's frame from ``frame.plotted_table``. ``register(app, threshold)``
(called once by ``create_app``) serves every card's PNG, SVG, CSV and Excel downloads.

Modules: ``content`` (``ChartContent`` and its payload: pure data), ``figures`` (the builders),
``text`` (plain-English summaries), ``frame`` (the table twin's frame), ``card`` (the card's Dash
components and ``render``), ``table`` (the twin as an HTML table), ``exports`` (the files made
from a ``ChartContent``), ``downloads`` (the download callback).
"""

from __future__ import annotations

from dashboard.charts.card import card_outputs, chart_card, plain_outputs, render
from dashboard.charts.content import ChartContent
from dashboard.charts.downloads import register

__all__ = ["ChartContent", "card_outputs", "chart_card", "plain_outputs", "register", "render"]
